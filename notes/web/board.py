"""The digital anslagstavla (`/anslagstavla/`): the justerade protocols whose appeal period is
running, with their dates; the same as an Atom feed of notices and as CSV. The API's
`/api/anslagstavla/` gives it as JSON (notes.web.api.views).

Today is the archive's local day; the pages' ETags name the day, so no cached copy outlives
it (notes.web.middleware).
"""

from __future__ import annotations

import csv
import datetime

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from notes.appeals import appeal_status
from notes.queries.board import latest_notices, running_notices
from notes.web.exports import neutralise_formula, site_prefix

COLUMNS = [
    "body", "meeting_date", "attested_on", "posted_on", "taken_down_on", "appeal_deadline",
    "minutes_kept_at", "meeting_url", "source_url",
]  # fmt: skip


@require_safe
def notice_board(request):
    today = timezone.localdate()
    context = {
        "notices": running_notices(today),
        "today": today,
        "official": settings.NOTICE_BOARD_OFFICIAL,
        "court": settings.APPEAL_COURT,
    }
    return render(request, "notes/notice_board.html", context)


def _iso(day: datetime.date | None) -> str:
    return day.isoformat() if day else ""


@require_safe
def notice_board_csv(request):
    """The board as CSV: semicolons and UTF-8 with BOM, as the other exports."""
    today = timezone.localdate()
    prefix = site_prefix(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="anslagstavla-{today.strftime("%Y%m%d")}.csv"'
    )
    response.write("\ufeff")
    writer = csv.writer(response, delimiter=";", lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for meeting, status in running_notices(today):
        values = [
            meeting.body.name, _iso(meeting.date), _iso(meeting.attested_on),
            _iso(meeting.posted_on), _iso(meeting.taken_down_on), _iso(status.deadline),
            meeting.minutes_kept_at, prefix + meeting.get_absolute_url(), meeting.source_url,
        ]  # fmt: skip
        writer.writerow([neutralise_formula(value) for value in values])
    return response


class NoticeFeed(Feed):
    """Every notice as it goes up: the 50 newest posted notices, running or ended."""

    feed_type = Atom1Feed

    def title(self):
        return _("Anslagstavlan – %(municipality)s") % {"municipality": settings.MUNICIPALITY_NAME}

    def subtitle(self):
        return _(
            "Justerade protokoll som tillkännagetts på anslagstavlan, med sista dag för "
            "överklagande."
        )

    def author_name(self):
        return settings.MUNICIPALITY_NAME

    def link(self):
        return reverse("notes:notice_board")

    def feed_url(self):
        return reverse("notes:notice_board_feed")

    def items(self):
        return latest_notices(timezone.localdate())

    def item_title(self, meeting):
        return _("%(body)s %(date)s: protokollet är justerat") % {
            "body": meeting.body.name,
            "date": meeting.date.isoformat(),
        }

    def item_description(self, meeting):
        status = appeal_status(meeting, timezone.localdate())
        until = (
            _("Kan överklagas till och med: %(date)s")
            if status.running
            else _("Överklagandetiden gick ut: %(date)s")
        )
        lines = [
            _("Anslaget uppsatt: %(date)s") % {"date": _iso(meeting.posted_on)},
            until % {"date": _iso(status.deadline)},
        ]
        if meeting.attested_on:
            lines.insert(0, _("Justerat: %(date)s") % {"date": _iso(meeting.attested_on)})
        if meeting.minutes_kept_at:
            lines.append(
                _("Förvaringsplats för protokollet: %(place)s") % {"place": meeting.minutes_kept_at}
            )
        return "".join(format_html("<p>{}</p>", line) for line in lines)

    def item_link(self, meeting):
        return meeting.get_absolute_url()

    def item_pubdate(self, meeting):
        return _day_start(meeting.posted_on)

    def item_updateddate(self, meeting):
        """A clerk's later correction of the dates reaches feed readers."""
        return max(_day_start(meeting.posted_on), meeting.updated_at)


def _day_start(day: datetime.date) -> datetime.datetime:
    """The notice's day as a moment (the start of that day, local time), for Atom's dates."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


notice_board_feed = require_safe(NoticeFeed())
