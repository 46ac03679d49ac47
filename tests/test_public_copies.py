"""The annotation's own copies of what lists, counts and facets filter on (#19):
is_public, body_key and party_ids, kept by database triggers (migration 0024). For any
sequence of the writes that move them, each copy equals what the joins say."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notes.models import Annotation, Meeting, PartySetCount, PartySetMonthCount
from notes.sql.bulk import defer_facet_counts, rebuild_facet_counts
from tests.factories import AgendaItemFactory, AnnotationFactory, BodyFactory, MeetingFactory, party

pytestmark = pytest.mark.django_db

TRUTH = """
    SELECT a.id, (m.published_at IS NOT NULL AND a.withdrawn_at IS NULL), m.body_id,
           coalesce((SELECT array_agg(ap.party_id ORDER BY ap.party_id)
                       FROM notes_annotation_parties ap WHERE ap.annotation_id = a.id), '{}'),
           i.number
      FROM notes_annotation a
      JOIN notes_agendaitem i ON i.id = a.item_id
      JOIN notes_meeting m ON m.id = i.meeting_id
     ORDER BY a.id
"""


def _truth() -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(TRUTH)
        return [
            (i, public, body, list(ids), number)
            for i, public, body, ids, number in cursor.fetchall()
        ]


def _copies() -> list[tuple]:
    return [
        (a.pk, a.is_public, a.body_key, list(a.party_ids), a.item_number)
        for a in Annotation.objects.order_by("pk")
    ]


def _set_counts() -> dict:
    """PartySetCount as kept (rows of zero left out)."""
    return {
        (tuple(r.party_ids), r.body_key, r.kind, r.year): r.n
        for r in PartySetCount.objects.exclude(n=0)
    }


def _month_counts() -> dict:
    """PartySetMonthCount as kept (rows of zero left out)."""
    return {
        (tuple(r.party_ids), r.body_key, r.kind, r.year, r.month): r.n
        for r in PartySetMonthCount.objects.exclude(n=0)
    }


def _set_truth(by_month: bool = False) -> dict:
    """The same counted from the joins (TRUTH), not from the copies."""
    kinds = dict(Annotation.objects.values_list("pk", "kind"))
    days = dict(Annotation.objects.values_list("pk", "date"))
    counted: dict = {}
    for pk, public, body, ids, _number in _truth():
        if public:
            when = (days[pk].year, days[pk].month) if by_month else (days[pk].year,)
            key = (tuple(ids), body, kinds[pk], *when)
            counted[key] = counted.get(key, 0) + 1
    return counted


def _world():
    bodies = [BodyFactory(), BodyFactory(name="Kommunfullmäktige", short_name="KF")]
    meetings = [
        MeetingFactory(body=bodies[i % 2], date=datetime.date(2024, 1, 1 + i)) for i in range(3)
    ]
    items = [AgendaItemFactory(meeting=meetings[i % 3], number=i + 1) for i in range(4)]
    parties = [party(a) for a in ("S", "M", "V")]
    notes = [AnnotationFactory(item=items[i % 4], parties=[parties[i % 3]]) for i in range(6)]
    return bodies, meetings, items, parties, notes


FRESH = itertools.count(1000)  # item numbers no other item of a meeting has
WRITES = ("publish", "unpublish", "withdraw", "restore", "move_item")
WRITES += ("rebody", "link", "unlink", "new", "save", "renumber", "rekind", "redate", "delete")
OPERATIONS = st.lists(
    st.tuples(st.sampled_from(WRITES), st.integers(0, 100), st.integers(0, 100)),
    max_size=12,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operations=OPERATIONS)
def test_the_copies_equal_the_joins_after_any_writes(operations):
    with transaction.atomic():
        bodies, meetings, items, parties, notes = _world()
        for name, x, y in operations:
            meeting, item, note = meetings[x % 3], items[x % 4], notes[x % len(notes)]
            if name == "publish":
                Meeting.objects.filter(pk=meeting.pk).update(published_at=timezone.now())
            elif name == "unpublish":
                meeting.refresh_from_db()
                meeting.published_at = None
                meeting.save()
            elif name == "withdraw":
                Annotation.objects.filter(pk=note.pk).update(
                    withdrawn_at=timezone.now(), withdrawal_reason="Fel"
                )
            elif name == "restore":
                Annotation.objects.filter(pk=note.pk).update(
                    withdrawn_at=None, withdrawal_reason=""
                )
            elif name == "move_item":
                item.meeting = meetings[y % 3]
                item.number = next(FRESH)
                item.save()
            elif name == "rebody":
                Meeting.objects.filter(pk=meeting.pk).update(body=bodies[y % 2])
            elif name == "link":
                note.parties.add(parties[y % 3])
            elif name == "unlink":
                note.parties.remove(parties[y % 3])
            elif name == "renumber":
                item.number = next(FRESH)
                item.save()
            elif name == "rekind":
                kinds = [k for k, _label in Annotation.Kind.choices]
                Annotation.objects.filter(pk=note.pk).update(kind=kinds[y % len(kinds)])
            elif name == "redate":  # a meeting moved to another month (or year)
                meeting.refresh_from_db()
                meeting.date = datetime.date(2030, 1, 1) + datetime.timedelta(days=next(FRESH) * 7)
                meeting.save()
            elif name == "delete" and len(notes) > 1:
                Annotation.objects.filter(pk=note.pk).delete()
                notes.remove(note)
            elif name == "new":
                notes.append(AnnotationFactory(item=item, parties=[parties[y % 3], parties[0]]))
            else:  # a full save with stale copies in memory must not write them
                stale = Annotation.objects.get(pk=note.pk)
                stale.is_public, stale.body_key, stale.party_ids = True, None, [999]
                stale.item_number = -1
                stale.save()
            assert _copies() == _truth(), name
            assert _set_counts() == _set_truth(), name
            assert _month_counts() == _set_truth(by_month=True), name
        transaction.set_rollback(True)


def test_a_bulk_load_sets_the_copies_when_it_rebuilds():
    _world()
    Meeting.objects.update(published_at=None)
    assert not Annotation.objects.filter(is_public=True).exists()
    with transaction.atomic():
        defer_facet_counts()
        Meeting.objects.update(published_at=timezone.now())
        assert not Annotation.objects.filter(is_public=True).exists()  # the trigger waited
        rebuild_facet_counts()
    assert _copies() == _truth()
    assert _set_counts() == _set_truth()
    assert _month_counts() == _set_truth(by_month=True)
    assert Annotation.objects.filter(is_public=True).count() == Annotation.objects.count()


def test_public_lists_read_the_copy(client):
    _bodies, meetings, _items, _parties, notes = _world()
    Meeting.objects.update(published_at=None)
    Meeting.objects.filter(pk=meetings[0].pk).update(published_at=timezone.now())
    shown = set(Annotation.objects.public().values_list("pk", flat=True))
    expected = {n.pk for n in notes if n.item.meeting_id == meetings[0].pk}
    assert shown == expected and expected
