"""The anslagstavla's reads: the justerade protocols whose appeal period is running today,
and the latest notices for its feed (notes.appeals decides each meeting's state)."""

from __future__ import annotations

import datetime

from notes.appeals import AppealStatus, appeal_status, earliest_running_posting
from notes.models import Meeting

FEED_SIZE = 50


def running_notices(today: datetime.date) -> list[tuple[Meeting, AppealStatus]]:
    """Published meetings whose notice is up and whose appeal period runs on `today`, the
    newest notice first. One query over the few weeks of notices that can still be running
    (an index on the notice date)."""
    meetings = (
        Meeting.objects.published()
        .filter(posted_on__gte=earliest_running_posting(today), posted_on__lte=today)
        .select_related("body")
        .order_by("-posted_on", "body__name", "-date", "-id")
    )
    found = [(meeting, appeal_status(meeting, today)) for meeting in meetings]
    return [(meeting, status) for meeting, status in found if status.running]


def latest_notices(today: datetime.date, limit: int = FEED_SIZE) -> list[Meeting]:
    """The newest notices already posted (running or ended), for the board's feed."""
    return list(
        Meeting.objects.published()
        .filter(posted_on__lte=today)
        .select_related("body")
        .order_by("-posted_on", "-id")[:limit]
    )
