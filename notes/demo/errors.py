"""The demo generator's one error: the data cannot be generated as asked."""


class DemoDataError(Exception):
    """The demo data cannot be generated as asked (the command turns this into an error)."""
