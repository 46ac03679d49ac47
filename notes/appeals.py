"""Justering, the anslagstavla and the appeal deadline (laglighetsprövning).

A municipality's decisions may be appealed by any of its members to the administrative court
(kommunallagen 13 kap.). The appeal must reach the court within three weeks of the day the
municipality announced on its anslagstavla that the minutes were justerade (13 kap. 5 §). A
time limit whose last day falls on a Saturday, a Sunday, another public holiday, midsommar-,
jul- or nyårsafton runs to the next weekday (lag (1930:173) om beräkning av lagstadgad tid).

The meeting keeps the dates (`Announcement`, a part of notes.models.Meeting); `appeal_status()`
tells what a reader of any of its decisions needs to know on a given day.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass

import holidays
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

APPEAL_PERIOD = datetime.timedelta(weeks=3)
# Minutes are to be justerade within 14 days of the meeting, and the justering announced on
# the anslagstavla by the second day after it (kommunallagen): past that, a meeting without
# dates is one whose dates the archive was not given.
JUSTERING_DAYS = datetime.timedelta(days=14)
NOTICE_DAYS = datetime.timedelta(days=2)

# The states of a meeting's appeal period, as the pages and the API name them.
NOT_ATTESTED = "inte_justerat"
UNKNOWN = "okand"
PROBABLY_ENDED = "troligen_utgangen"
RUNNING = "pagar"
ENDED = "utgangen"
STATES = (NOT_ATTESTED, UNKNOWN, PROBABLY_ENDED, RUNNING, ENDED)


class Announcement(models.Model):
    """The dates of a protocol's justering and its notice on the anslagstavla."""

    attested_on = models.DateField(
        _("justerat"),
        null=True,
        blank=True,
        help_text=_("Dagen då protokollet justerades (skrevs under av justerarna)."),
    )
    posted_on = models.DateField(
        _("anslaget uppsatt"),
        null=True,
        blank=True,
        help_text=_(
            "Dagen då justeringen tillkännagavs på kommunens anslagstavla. Tiden för att "
            "överklaga (tre veckor) räknas från den."
        ),
    )
    taken_down_on = models.DateField(
        _("anslaget nedtaget"), null=True, blank=True, help_text=_("Om det är känt.")
    )
    minutes_kept_at = models.CharField(
        _("förvaringsplats för protokollet"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("Var originalprotokollet förvaras, t.ex. Kommunledningsförvaltningen."),
    )

    class Meta:
        abstract = True

    def clean(self):
        super().clean()
        errors = {}
        date = getattr(self, "date", None)
        if self.attested_on and date and self.attested_on < date:
            errors["attested_on"] = _("Protokollet kan inte justeras före sammanträdet.")
        if self.posted_on and self.attested_on and self.posted_on < self.attested_on:
            errors["posted_on"] = _("Anslaget kan inte sättas upp före justeringen.")
        if self.taken_down_on and self.posted_on and self.taken_down_on < self.posted_on:
            errors["taken_down_on"] = _("Anslaget kan inte tas ned innan det satts upp.")
        if errors:
            raise ValidationError(errors)


@functools.lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[datetime.date]:
    # Public holidays, and the eves the law puts beside them (the library's "de facto"
    # holidays of Sweden: midsommarafton, julafton and nyårsafton). Sundays are weekends.
    found = holidays.country_holidays(
        "SE", years=year, categories=(holidays.PUBLIC, holidays.DE_FACTO)
    )
    return frozenset(day for day in found if day.year == year)


def is_day_off(day: datetime.date) -> bool:
    """Saturday, Sunday, a public holiday, midsommarafton, julafton or nyårsafton."""
    return day.weekday() >= 5 or day in _days_off(day.year)


def next_weekday(day: datetime.date) -> datetime.date:
    """The day itself if it is a weekday (vardag), else the first weekday after it."""
    while is_day_off(day):
        day += datetime.timedelta(days=1)
    return day


def appeal_deadline(posted_on: datetime.date) -> datetime.date:
    """The last day an appeal may reach the court: three weeks from the day the justering was
    announced, moved on to the next weekday when that day is not one."""
    return next_weekday(posted_on + APPEAL_PERIOD)


@dataclass(frozen=True)
class AppealStatus:
    """`deadline`: the last day to appeal; for PROBABLY_ENDED the latest it can have been, had
    the law's days for justering and notice been kept."""

    state: str
    attested_on: datetime.date | None = None
    posted_on: datetime.date | None = None
    deadline: datetime.date | None = None

    @property
    def running(self) -> bool:
        return self.state == RUNNING

    @property
    def three_weeks(self) -> datetime.date | None:
        """Three weeks from the notice, before a day off moves the deadline on."""
        return self.posted_on + APPEAL_PERIOD if self.posted_on else None

    @property
    def moved(self) -> bool:
        return self.deadline is not None and self.deadline != self.three_weeks


def appeal_status(meeting: Announcement, today: datetime.date) -> AppealStatus:
    """Where the meeting's decisions stand on `today`."""
    # A notice of the justering says the protocol was justerat, even where its day is not
    # known (a protocol's ANSLAG/BEVIS block may give only the notice's dates).
    if meeting.posted_on is None:
        attested = meeting.attested_on
        meeting_day = getattr(meeting, "date", None)
        if attested is None and (meeting_day is None or today - meeting_day <= JUSTERING_DAYS):
            return AppealStatus(NOT_ATTESTED)  # not justerat yet, as far as anyone can know
        # Justerat (or, past the 14 days, it should have been) on a day the archive knows
        # or not, announced on one it was not given: had the law's days been kept, the
        # period ended by this day at the latest.
        if attested is None:
            assert meeting_day is not None  # the early return above covers a missing date
            attested = meeting_day + JUSTERING_DAYS
        latest_notice = attested + NOTICE_DAYS
        latest = appeal_deadline(latest_notice)
        state = PROBABLY_ENDED if today > latest else UNKNOWN
        return AppealStatus(state, attested_on=meeting.attested_on, deadline=latest)
    deadline = appeal_deadline(meeting.posted_on)
    state = RUNNING if today <= deadline else ENDED
    return AppealStatus(state, meeting.attested_on, meeting.posted_on, deadline)


def earliest_running_posting(today: datetime.date) -> datetime.date:
    """No announcement posted before this day can still be running on `today` (a bound for
    the board's query; appeal_status() decides for each)."""
    # Three weeks back, and a margin for the days off that can move a deadline on (Easter:
    # Good Friday to Easter Monday, with the weekend before it, is the longest such run).
    return today - APPEAL_PERIOD - datetime.timedelta(days=7)


def notice_warnings(meeting: Announcement, today: datetime.date) -> list[str]:
    """What a clerk should look at again in the dates entered, though they may be right: a
    justering later than the law's 14 days, a notice not yet posted, a notice taken down
    before the appeal period ends."""
    warnings: list[str] = []
    meeting_day = getattr(meeting, "date", None)
    if meeting.attested_on and meeting_day and meeting.attested_on - meeting_day > JUSTERING_DAYS:
        warnings.append(
            str(_("Justeringen är mer än 14 dagar efter sammanträdet. Stämmer datumet?"))
        )
    if meeting.posted_on and meeting.posted_on > today:
        warnings.append(
            str(
                _(
                    "Anslaget är satt till en dag som inte har kommit. Sidorna räknar redan "
                    "överklagandetiden från den."
                )
            )
        )
    if meeting.posted_on and meeting.taken_down_on:
        deadline = appeal_deadline(meeting.posted_on)
        if meeting.taken_down_on <= deadline:
            warnings.append(
                _(
                    "Anslaget tas ned %(down)s, men överklagandetiden går ut %(deadline)s: "
                    "anslaget ska sitta uppe tills tiden har gått ut."
                )
                % {"down": meeting.taken_down_on.isoformat(), "deadline": deadline.isoformat()}
            )
    return warnings
