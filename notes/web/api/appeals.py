"""A meeting's justering, notice and appeal deadline as the API gives them (schemas.Appeal)."""

from __future__ import annotations

import datetime

from notes.appeals import appeal_status
from notes.models import Meeting


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


def appeal_data(meeting: Meeting, today: datetime.date) -> dict:
    status = appeal_status(meeting, today)
    return {
        "state": status.state,
        "attested_on": _iso(meeting.attested_on),
        "posted_on": _iso(meeting.posted_on),
        "taken_down_on": _iso(meeting.taken_down_on),
        "deadline": _iso(status.deadline),
        "minutes_kept_at": meeting.minutes_kept_at,
    }
