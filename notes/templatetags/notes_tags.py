from django import template

from notes.search import highlight

register = template.Library()


@register.filter(name="highlight")
def highlight_filter(snippet):
    """A search snippet, HTML-escaped, with the matched words in <mark>."""
    return highlight(snippet)
