"""What the clerks' import checks about a text before anything is saved: the parser's error
in the clerk's language, and whether the text would make something the clerk may not make.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from notes.ingest import parsing
from notes.ingest.importing import KNOWN_BODIES
from notes.ingest.parsing import NoteRecord, ParseError
from notes.models import AgendaItem, Body, Meeting


def parse_error_message(error: ParseError) -> str:
    """The parser's error in the clerk's language (the command line reports it in English):
    where, what the layout expects there, and what the text has instead."""
    expected = {
        parsing.EXPECTED_BODY: _(
            "en rad med organet (namnet på ett politiskt organ, t.ex. Kommunstyrelsen)"
        ),
        parsing.EXPECTED_DATE: _(
            "en rad med datum (ÅÅÅÅ-MM-DD, D månad ÅÅÅÅ, D.M.ÅÅÅÅ eller D/M ÅÅÅÅ)"
        ),
        parsing.EXPECTED_VALID_DATE: _("ett giltigt datum"),
        parsing.EXPECTED_KIND: _(
            "en rubrik med typen (PROTOKOLLSANTECKNING, RESERVATION, SÄRSKILT YTTRANDE eller "
            "ERSÄTTARYTTRANDE)"
        ),
        parsing.EXPECTED_ITEM: _("en rad med ärendet (Ärende N: rubrik eller § N rubrik)"),
        parsing.EXPECTED_CASE_NUMBER: _("ett diarienummer (t.ex. KS-2021/123)"),
        parsing.EXPECTED_PARTY: _("ett känt parti"),
        parsing.EXPECTED_ANY_PARTY: _("ett parti (i rubriken eller på en rad ”För …”)"),
        parsing.EXPECTED_TEXT: _("anteckningens text"),
        parsing.EXPECTED_FEWER_SIGNATORIES: _("högst %(count)s undertecknare")
        % {"count": parsing.MAX_SIGNATORIES},
        parsing.EXPECTED_SMALLER: _("en text på högst %(size)s kB")
        % {"size": parsing.MAX_TEXT_BYTES // 1024},
    }.get(error.expected, error.expected)
    found = error.found if len(error.found) <= 60 else error.found[:57] + "…"
    if error.found == parsing.END_OF_TEXT:
        found = _("textens slut")
    return _("%(source)s, rad %(line)s: här väntades %(expected)s, men texten har ”%(found)s”.") % {
        "source": error.source or _("texten"),
        "line": error.line,
        "expected": expected,
        "found": found,
    }


def missing_permission(record: NoteRecord, user) -> str:
    """What importing this text would create that `user` may not create (a message), or "".

    The importer makes what a text names and the archive lacks; a clerk may add meetings,
    items, parties and people, but not bodies: only those the configuration knows
    (KNOWN_BODIES, the municipality's bodies) or an administrator added.
    """
    name = " ".join(record.body_name.split())
    known = name.casefold() in {known.casefold() for known, _short, _kind in KNOWN_BODIES}
    if (
        not known
        and not Body.objects.filter(name__iexact=name).exists()
        and not user.has_perm("notes.add_body")
    ):
        return _(
            "Organet ”%(body)s” finns inte i arkivet, och du får inte lägga till organ. "
            "Rätta namnet, eller be en administratör lägga till organet."
        ) % {"body": name}
    for model, permission in ((Meeting, "add_meeting"), (AgendaItem, "add_agendaitem")):
        if not user.has_perm(f"notes.{permission}"):
            return _("Du får inte lägga till %(what)s.") % {"what": model._meta.verbose_name}
    return ""
