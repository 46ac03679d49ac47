import difflib
import re
from html import escape as html_escape
from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from notes.appeals import appeal_status
from notes.models import AnnotationKind
from notes.queries.search import MARK_START, highlight
from notes.web.facet_html import render_facets
from notes.web.formrender import choice_inputs, render_widget

register = template.Library()


@register.inclusion_tag("includes/appeal.html")
def appeal(meeting, heading_level: int = 2):
    """Whether the meeting's decisions can still be appealed, and until when (notes.appeals),
    with how to do it. Today is the archive's local day; pages are cached for one day at most
    (their ETag names the day)."""
    return {
        "appeal": appeal_status(meeting, timezone.localdate()),
        "meeting": meeting,
        # A Swedish name in the English interface is marked as Swedish for screen readers.
        "court": format_html("<span{}>{}</span>", record_lang(), settings.APPEAL_COURT),
        "record_lang": record_lang(),
        "heading": f"h{heading_level}",
    }


@register.inclusion_tag("includes/appeal_short.html")
def appeal_short(meeting):
    """One line for a page's facts: where the meeting's decisions stand, linked to the box."""
    return {"appeal": appeal_status(meeting, timezone.localdate())}


@register.filter(name="highlight")
def highlight_filter(snippet):
    """A search snippet, HTML-escaped, with the matched words in <mark>."""
    return highlight(snippet)


# The language the records are written in (minutes are Swedish, whatever the interface).
RECORD_LANGUAGE = "sv"


def record_lang() -> SafeString:
    """` lang="sv"` on an element holding a record's words when the interface speaks another
    language: screen readers pronounce them, and browsers hyphenate them, as Swedish."""
    if (get_language() or RECORD_LANGUAGE).split("-")[0] == RECORD_LANGUAGE:
        return mark_safe("")
    return format_html(' lang="{}"', RECORD_LANGUAGE)


@register.simple_tag(name="record_lang")
def record_lang_tag():
    return record_lang()


ISO_DATE = re.compile(r"(?<![\w/-])\d{4}-\d{2}-\d{2}(?![\w/-])")  # not inside a URL


@register.filter
def whole_dates(text):
    """Plain text, HTML-escaped, with each YYYY-MM-DD kept on one line."""
    return mark_safe(
        ISO_DATE.sub(lambda m: f'<span class="nowrap">{m.group()}</span>', escape(text))
    )


@register.filter
def grouped(value):
    """A count as people read it: digits grouped as the language groups them (`20 004` in
    Swedish, `20,004` in English). For display only, never for URLs or machine outputs."""
    if not isinstance(value, int):
        return value
    return formats.number_format(value, force_grouping=True)


@register.simple_tag
def annotation_rows(annotations):
    """The list rows of annotations (`<li class="note-row">` each), rendered in Python.

    Every list page shows up to a page of these; as a template include per row they were the
    largest part of a list page's time. The markup is what includes/annotation_row.html was,
    and everything in it is escaped as format_html would (`_e`).
    """

    labels: dict[str, Any] = {
        "dnr": _("Dnr"),
        "parties": _("Partier"),
        "signed": _("Undertecknad av"),
    }
    # Translated once per list, not once per row; the detail URL reversed once, then filled in.
    labels["kinds"] = {code: str(label) for code, label in AnnotationKind.choices}
    labels["url"] = reverse("notes:annotation_detail", args=[0]).replace("/0/", "/{}/")
    labels["lang"] = record_lang()
    labels["demo"] = _("Påhittad demo")
    return mark_safe("".join(_row(a, labels) for a in annotations))


def _e(value) -> str:
    """What format_html() does to each value (conditional_escape), without its check of every
    argument for lazy strings: a page of rows has some three hundred values."""
    if isinstance(value, SafeData):
        return str(value)
    return html_escape(str(value))


def _row(annotation, labels: dict) -> str:
    item = annotation.item
    kind = labels["kinds"].get(annotation.kind, annotation.kind)
    title = f"{_e(kind)}: {_e(item.label)}"
    title_snippet = getattr(annotation, "title_snippet", "")
    lang = labels["lang"]
    if title_snippet and MARK_START in title_snippet:  # a search matched words of the title
        title = f"{title} – <span{lang}>{highlight(title_snippet)}</span>"
    elif item.title:
        title = f"{title} – <span{lang}>{_e(Truncator(item.title).chars(140))}</span>"
    if annotation.is_demo:  # marked wherever it is listed, not only on its own page
        title = f'{title} <span class="demo-tag">{_e(labels["demo"])}</span>'
    case = (
        f' · <span class="nowrap">{_e(labels["dnr"])} {_e(item.case_number)}</span>'
        if item.case_number
        else ""
    )
    # for_rows() gives the parties and names as arrays of the row; else they are prefetched.
    tags = getattr(annotation, "row_parties", None)
    if tags is None:
        tags = [vars(p) for p in annotation.parties.all()]
    parties = "".join(
        f'<li><span class="party-tag party-{_e(p["slug"])}" title="{_e(p["name"])}">'
        f"{_e(p['abbreviation'])}</span></li>"
        for p in tags
    )
    snippet = getattr(annotation, "snippet", "")
    excerpt = (
        highlight(snippet) if snippet else _e(Truncator(annotation.text).words(40, truncate=" …"))
    )
    names = getattr(annotation, "row_signatories", None)
    if names is None:
        names = [p.name for p in annotation.signatories.all()]
    signed = f'<p class="signed">{_e(labels["signed"])} {_e(", ".join(names))}</p>' if names else ""
    day = annotation.date.isoformat()
    return (
        '<li class="note-row">\n  <article>\n'
        f'    <h3 class="note-row-title"><a href="{_e(labels["url"].format(annotation.pk))}">'
        f"{title}</a></h3>\n"
        f'    <p class="meta">\n      <span{lang}>{_e(item.meeting.body.name)}</span>,\n'
        f'      <time datetime="{day}">{day}</time>\n      {case}\n    </p>\n'
        f'    <ul class="party-tags" aria-label="{_e(labels["parties"])}">\n'
        f"      {parties}\n    </ul>\n"
        f'    <p class="excerpt"{lang}>{excerpt}</p>\n    {signed}\n  </article>\n</li>'
    )


@register.simple_tag(takes_context=True)
def facet_nav(context, facets, annotation_filter):
    """The facet lists beside a result, each row a link narrowing it (notes/web/facet_html.py)."""
    return render_facets(facets, annotation_filter.form.cleaned_data, context.request.GET)


@register.simple_tag
def form_widget(bound_field):
    """`{{ field }}` without Django's template per widget and per option (notes/formrender.py)."""

    return render_widget(bound_field)


@register.simple_tag
def choice_spans(bound_field, css_class):
    """Each choice of a checkbox group as `<span class=…><input …><label …>…</label></span>`."""

    return format_html_join(
        "",
        '<span class="{}">{}<label for="{}">{}</label></span>',
        ((css_class, tag, id_, label) for tag, id_, label in choice_inputs(bound_field)),
    )


# A word with the spaces after it (a change reads as runs of words, not as words interleaved
# with the spaces they share); line breaks stand alone, so a paragraph break stays where it is.
_WORDS = re.compile(r"\S+[^\S\n]*|\s+")


@register.simple_tag
def text_diff(old: str, new: str) -> SafeString:
    """Word by word, what changed from `old` to `new`: removed words in <del>, added in <ins>
    (each with a hidden label for screen readers), the rest as it was; all of it escaped."""
    before, after = _WORDS.findall(old or ""), _WORDS.findall(new or "")
    removed, added = _("borttaget:"), _("tillagt:")
    out = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(escape("".join(before[a1:a2])))
            continue
        for tag, label, words in (("del", removed, before[a1:a2]), ("ins", added, after[b1:b2])):
            if words:
                out.append(
                    format_html(
                        '<{}><span class="visually-hidden">{} </span>{}</{}>',
                        tag,
                        label,
                        "".join(words),
                        tag,
                    )
                )
    return mark_safe("".join(out))
