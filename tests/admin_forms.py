"""What a browser would send for an admin form: its controls read from the page's HTML.

Tests that post "the form the clerk opened" must send what the page actually holds (hidden
versions and hidden initial values included), not a dict written beside the form.
"""

from __future__ import annotations

from html.parser import HTMLParser


class _FormReader(HTMLParser):
    def __init__(self, form_id: str):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self.select: tuple[str, bool] | None = None  # name, multiple
        self.select_chosen: list[str] = []
        self.select_first: str | None = None
        self.option_value: str | None = None
        self.option_selected = False
        self.textarea: str | None = None
        self.text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and a.get("id") == self.form_id:
            self.inside = True
        if not self.inside or "disabled" in a:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "file", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self._add(name, a.get("value", "on" if kind in ("checkbox", "radio") else ""))
        elif tag == "select" and name:
            self.select = (name, "multiple" in a)
            self.select_chosen, self.select_first = [], None
        elif tag == "option" and self.select is not None:
            self.option_value = a.get("value")
            self.option_selected = "selected" in a
            self.text = []
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []

    def handle_data(self, data):
        if self.textarea is not None or self.option_value is not None or self.select:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "option" and self.select is not None:
            value = self.option_value if self.option_value is not None else "".join(self.text)
            if self.select_first is None:
                self.select_first = value
            if self.option_selected:
                self.select_chosen.append(value)
            self.option_value = None
        elif tag == "select" and self.select is not None:
            name, multiple = self.select
            chosen = self.select_chosen
            if not chosen and not multiple and self.select_first is not None:
                chosen = [self.select_first]
            for value in chosen:
                self._add(name, value)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            text = "".join(self.text)
            self._add(self.textarea, text[1:] if text.startswith("\n") else text)
            self.textarea = None


def form_data(html: str, form_id: str) -> dict[str, list[str]]:
    """The controls of the form with this id, as a browser would submit them."""
    reader = _FormReader(form_id)
    reader.feed(html)
    assert reader.data, f"no form #{form_id} on the page"
    return reader.data


def admin_form(client, url: str) -> dict[str, list[str]]:
    """The admin change form at `url`, as the clerk opened it."""
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    model = url.rstrip("/").split("/")[-3]
    return form_data(response.content.decode(), f"{model}_form")
