"""What a list page shows above its results: the active filters as removable chips, and the
one canonical URL of a filter (no empty parameters)."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponsePermanentRedirect, QueryDict
from django.utils.translation import gettext as _

from notes.models import Annotation
from notes.queries.filters import body_table, party_table

# Parameters that only page through a result: a chip's link leaves them out.
PAGING = ("page", "after", "before")


@dataclass(frozen=True)
class Chip:
    label: str
    value: str
    url: str  # the same list without this filter


def _url(path: str, query: QueryDict) -> str:
    encoded = query.urlencode()
    return f"{path}?{encoded}" if encoded else path


def _without(path: str, query: QueryDict, name: str, value: str | None = None) -> str:
    remaining = query.copy()
    for key in PAGING:
        remaining.pop(key, None)
    if value is None:
        remaining.pop(name, None)
    else:
        remaining.setlist(name, [v for v in remaining.getlist(name) if v.upper() != value])
    return _url(path, remaining)


def active_filters(path: str, query: QueryDict, cleaned: dict) -> list[Chip]:
    """One chip per filter in force (one per party), each linking to the list without it."""
    chips = []
    if (cleaned.get("q") or "").strip():
        chips.append(Chip(_("Sök"), f"”{cleaned['q'].strip()}”", _without(path, query, "q")))
    parties = cleaned.get("party") or []
    if parties:
        names = {abbreviation: name for abbreviation, name, _ in party_table()}
        for abbreviation in parties:
            name = names.get(abbreviation, abbreviation)
            url = _without(path, query, "party", abbreviation)
            chips.append(Chip(_("Parti"), f"{name} ({abbreviation})", url))
    if cleaned.get("body"):
        name = next((name for slug, name, _ in body_table() if slug == cleaned["body"]), None)
        chips.append(Chip(_("Organ"), name or cleaned["body"], _without(path, query, "body")))
    if cleaned.get("item") is not None:
        value = f"{int(cleaned['item'])}"
        chips.append(Chip(_("Ärende nr"), value, _without(path, query, "item")))
    if cleaned.get("case"):
        chips.append(Chip(_("Diarienummer"), cleaned["case"], _without(path, query, "case")))
    if cleaned.get("kind"):
        label = str(Annotation.Kind(cleaned["kind"]).label)
        chips.append(Chip(_("Typ"), label, _without(path, query, "kind")))
    if cleaned.get("date_after"):
        value = cleaned["date_after"].isoformat()
        chips.append(Chip(_("Från datum"), value, _without(path, query, "date_after")))
    if cleaned.get("date_before"):
        value = cleaned["date_before"].isoformat()
        chips.append(Chip(_("Till datum"), value, _without(path, query, "date_before")))
    return chips


def redirect_to_canonical(
    request, defaults: dict[str, str] | None = None
) -> HttpResponsePermanentRedirect | None:
    """A submitted filter form sends every field, most of them empty (`?q=brott&body=&item=`),
    and its defaults (`sort=relevance`); the same list has one URL, without them, for
    sharing, for caches and for search engines."""
    defaults = defaults or {}

    def meaningless(key: str, value: str) -> bool:
        return value == "" or defaults.get(key) == value

    query = request.GET
    if not any(meaningless(key, value) for key, values in query.lists() for value in values):
        return None
    kept = QueryDict(mutable=True)
    for key, values in query.lists():
        kept.setlist(key, [value for value in values if not meaningless(key, value)])
    return HttpResponsePermanentRedirect(_url(request.path, kept))
