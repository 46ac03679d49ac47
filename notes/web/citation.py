"""How to cite an annotation: a line a newspaper or a thesis can paste, and the same facts as
CSL-JSON (Zotero, Citavi, Pandoc) and BibTeX (biblatex) for reference managers.

Every form names the kind, the parties, the signatories, the item's number and title, the
body, the municipality, the meeting's date, the § and the diarienummer where known, the
permanent link, the official minutes where a clerk gave their address, and the day the page
was retrieved.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from notes.models import Annotation


@dataclass(frozen=True)
class Citation:
    text: str
    csl: dict
    bibtex: str


def _names(annotation: Annotation) -> tuple[list[str], list[str]]:
    parties = [f"{p.name} ({p.abbreviation})" for p in annotation.parties.all()]
    return parties, [person.name for person in annotation.signatories.all()]


def _title(annotation: Annotation) -> str:
    item = annotation.item
    label = f"{annotation.get_kind_display()}: {item.label}"
    return f"{label} – {item.title}" if item.title else label


def _place(annotation: Annotation) -> str:
    """`Kommunstyrelsen, Huddinge kommun, sammanträde 2021-05-05, § 123, dnr KS-2021/45`."""
    item = annotation.item
    parts = [
        item.meeting.body.name,
        settings.MUNICIPALITY_NAME,
        _("sammanträde %(date)s") % {"date": item.meeting.date.isoformat()},
    ]
    if item.paragraph:
        parts.append(f"§ {item.paragraph}")
    if item.case_number:
        parts.append(_("dnr %(case)s") % {"case": item.case_number})
    return ", ".join(parts)


def _swedish_title(annotation: Annotation) -> str:
    """The title as the record has it, whatever the interface speaks: one source, one title."""
    with translation.override("sv"):
        return _title(annotation)


def plain_text(annotation: Annotation, permalink: str, retrieved: datetime.date) -> str:
    parties, people = _names(annotation)
    who = ", ".join(parties + people)
    text = _("%(who)s: ”%(title)s”. %(place)s. %(url)s (hämtad %(retrieved)s).") % {
        "who": who,
        "title": _swedish_title(annotation),
        "place": _place(annotation),
        "url": permalink,
        "retrieved": retrieved.isoformat(),
    }
    minutes = annotation.item.meeting.source_url
    if minutes:
        text += " " + _("Protokoll: %(url)s") % {"url": minutes}
    if annotation.withdrawn_at:
        text += " " + withdrawn_mark(annotation)
    if annotation.is_demo:  # never citable as anyone's words
        text = demo_mark() + " " + text
    return text


def withdrawn_mark(annotation: Annotation) -> str:
    assert annotation.withdrawn_at is not None
    day = timezone.localtime(annotation.withdrawn_at).date().isoformat()
    return _("Återkallad %(date)s.") % {"date": day}


def demo_mark() -> str:
    return _("[Påhittad demotext, inte ett verkligt uttalande]")


def _date_parts(day: datetime.date) -> dict:
    return {"date-parts": [[day.year, day.month, day.day]]}


def _notes(annotation: Annotation, *, url: bool = True) -> list[str]:
    """What a reference manager's note says: demo, withdrawal, the official minutes."""
    notes = [demo_mark()] if annotation.is_demo else []
    if annotation.withdrawn_at:
        notes.append(withdrawn_mark(annotation))
    if url and annotation.item.meeting.source_url:
        notes.append(_("Protokoll: %(url)s") % {"url": annotation.item.meeting.source_url})
    return notes


def _url_safe(url: str) -> str:
    """A URL for \\url{}: braces, backslashes and spaces percent-encoded (never in a
    well-formed URL anyway), so the entry's braces stay balanced."""
    return url.replace("\\", "%5C").replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def csl_json(annotation: Annotation, permalink: str, retrieved: datetime.date) -> dict:
    """One CSL-JSON item (an array of these is what reference managers import)."""
    parties, people = _names(annotation)
    item = annotation.item
    data = {
        "id": f"annotation-{annotation.pk}",
        "type": "document",
        "title": _title(annotation),
        "author": [{"literal": name} for name in parties + people],
        "container-title": _place(annotation),
        "publisher": settings.MUNICIPALITY_NAME,
        "issued": _date_parts(item.meeting.date),
        "accessed": _date_parts(retrieved),
        "URL": permalink,
        "language": "sv",
        "genre": str(annotation.get_kind_display()),
    }
    if item.case_number:
        data["number"] = item.case_number
    if item.paragraph:
        data["section"] = f"§ {item.paragraph}"
    notes = _notes(annotation)
    if notes:
        data["note"] = " ".join(notes)
    return data


# What TeX reads as commands or groups, written so that it prints them as they are.
_TEX = {
    "\\": r"\textbackslash{}",
    # \{ and \} would still count as braces to BibTeX: an unbalanced one ends the entry.
    "{": r"\textbraceleft{}",
    "}": r"\textbraceright{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_TEX_SPECIAL = re.compile("|".join(re.escape(c) for c in _TEX))


def tex_escape(value: str) -> str:
    """A value for a BibTeX field: TeX's special characters escaped, lines joined."""
    return _TEX_SPECIAL.sub(lambda m: _TEX[m.group()], " ".join(value.split()))


def bibtex(annotation: Annotation, permalink: str, retrieved: datetime.date) -> str:
    """A biblatex `@misc` entry; names are given whole ({…}), never split into given/family."""
    parties, people = _names(annotation)
    item = annotation.item
    fields = [
        ("author", " and ".join("{" + tex_escape(name) + "}" for name in parties + people)),
        ("title", tex_escape(_title(annotation))),
        ("howpublished", tex_escape(_place(annotation))),
        ("organization", tex_escape(settings.MUNICIPALITY_NAME)),
        ("year", str(item.meeting.date.year)),  # plain BibTeX reads no `date`
        ("date", item.meeting.date.isoformat()),
        ("url", permalink),
        ("urldate", retrieved.isoformat()),
        ("langid", "swedish"),
    ]
    notes = [tex_escape(note) for note in _notes(annotation, url=False)]
    if item.meeting.source_url:  # a link stays a link: \url{} takes it verbatim
        notes.append(
            _("Protokoll: %(url)s") % {"url": "\\url{" + _url_safe(item.meeting.source_url) + "}"}
        )
    if notes:
        fields.append(("note", " ".join(notes)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@misc{{annotation-{annotation.pk},\n{body}\n}}\n"


def cite(annotation: Annotation, permalink: str, retrieved: datetime.date) -> Citation:
    """The line in the interface's language; the records for managers in the records' own
    (Swedish), whatever the interface speaks."""
    text = plain_text(annotation, permalink, retrieved)
    with translation.override("sv"):
        return Citation(
            text=text,
            csl=csl_json(annotation, permalink, retrieved),
            bibtex=bibtex(annotation, permalink, retrieved),
        )
