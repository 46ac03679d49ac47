"""What email alerts read: the filter a follow stands for, and what became public for it.

A follow's annotations are the same filter's as on the list page and in its Atom feed
(filtered_annotations), newest first, less those already listed for the follow and those
that were public before the follow was confirmed.
"""

from __future__ import annotations

import datetime

from django.db.models import Q
from django.http import QueryDict

from notes.alerts import UNCONFIRMED_KEPT
from notes.models import DigestEntry, Follow, Subscriber
from notes.queries.annotations import filtered_annotations

# The list page's filters; paging and order are not part of what is followed.
FILTER_FIELDS = (
    "q",
    "party",
    "body",
    "item",
    "case",
    "person",
    "kind",
    "date_after",
    "date_before",
)


def normalised_query(params: QueryDict) -> str:
    """The filter part of `params` as a query string with its fields in a fixed order, so the
    same filter reached from different pages is one follow."""
    kept = QueryDict(mutable=True)
    for name in FILTER_FIELDS:
        values = sorted({v.strip() for v in params.getlist(name) if v.strip()})
        if name == "party":
            values = sorted({v.upper() for v in values})
        if values:
            kept.setlist(name, values)
    return kept.urlencode()


def follow_kind(query: str) -> str:
    """What a follow is of, for its label and the manage page."""
    names = set(QueryDict(query).keys())
    if "person" in names:
        return Follow.Kind.PERSON
    if names == {"case"}:
        return Follow.Kind.CASE
    if names == {"party"} and len(QueryDict(query).getlist("party")) == 1:
        return Follow.Kind.PARTY
    return Follow.Kind.SEARCH


def newly_public(follow: Follow):
    """The follow's annotations that became public after it was confirmed and were never
    listed for it, newest first (the Atom feed's order); None when its filter no longer
    holds (a party or body since removed)."""
    _filter, result = filtered_annotations(QueryDict(follow.query))
    if result is None or follow.confirmed_at is None:
        return None
    since = follow.confirmed_at
    listed = DigestEntry.objects.filter(follow=follow).values("annotation_id")
    return (
        result.filter(Q(item__meeting__published_at__gt=since) | Q(created_at__gt=since))
        .exclude(pk__in=listed)
        .order_by("-date", "-id")
    )


def purge_unconfirmed(now: datetime.datetime) -> int:
    """Delete follows left unconfirmed for UNCONFIRMED_KEPT, then addresses that follow
    nothing. Returns how many follows went."""
    _total, per_model = Follow.objects.filter(
        confirmed_at__isnull=True, created_at__lt=now - UNCONFIRMED_KEPT
    ).delete()
    Subscriber.objects.filter(follows__isnull=True).delete()
    return per_model.get("notes.Follow", 0)


def subscribers_with_follows():
    """Ids of addresses with at least one confirmed follow, in order."""
    return list(
        Subscriber.objects.filter(follows__confirmed_at__isnull=False)
        .distinct()
        .order_by("pk")
        .values_list("pk", flat=True)
    )
