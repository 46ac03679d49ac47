"""Subscriptions: an Atom feed for any annotation filter and an iCalendar file of meetings.

The feed takes the list page's query string (AnnotationFilter), so "follow this search" is the
address of the search with /notes/feed.atom in place of /notes/. The calendar is written by
hand: it is a few lines of RFC 5545 and not worth a runtime dependency.
"""

from __future__ import annotations

import datetime
import re

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.http import HttpResponse
from django.http.request import split_domain_port
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import linebreaks
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from notes.models import AgendaItem, Annotation, Body, Meeting, Person
from notes.queries.annotations import filtered_annotations
from notes.web.errors import bad_filter
from notes.web.exports import export_queryset

FEED_SIZE = 50
CALENDAR_SIZE = 5000


class InvalidFilter(Exception):
    """Raised by get_object so that __call__ can answer 400 instead of an empty feed."""

    def __init__(self, annotation_filter):
        super().__init__("invalid filter")
        self.annotation_filter = annotation_filter


def describe_filter(annotation_filter) -> str:
    """The filter in words for the feed title: `parti V, sökning 'skola'`."""
    data = annotation_filter.form.cleaned_data
    parts = []
    if data.get("party"):
        label = _("parti %(list)s") if len(data["party"]) == 1 else _("partier %(list)s")
        parts.append(label % {"list": ", ".join(data["party"])})
    if annotation_filter.searching:
        parts.append(_("sökning '%(q)s'") % {"q": data["q"].strip()})
    if data.get("body"):
        names = dict(annotation_filter.form.fields["body"].choices)
        parts.append(_("organ %(body)s") % {"body": names.get(data["body"], data["body"])})
    if data.get("item") is not None:
        parts.append(_("ärende %(number)s") % {"number": int(data["item"])})
    if data.get("case"):
        parts.append(_("diarienummer %(case)s") % {"case": data["case"]})
    if data.get("person"):
        slug = data["person"].strip().lower()
        name = Person.objects.filter(slug=slug).values_list("name", flat=True).first()
        parts.append(_("person %(name)s") % {"name": name or slug})
    if data.get("kind"):
        parts.append(str(dict(Annotation.Kind.choices)[data["kind"]]).lower())
    if data.get("date_after"):
        parts.append(_("från %(date)s") % {"date": data["date_after"].isoformat()})
    if data.get("date_before"):
        parts.append(_("till %(date)s") % {"date": data["date_before"].isoformat()})
    return ", ".join(parts)


def query_suffix(annotation_filter) -> str:
    """The request's own query string, so links lead to the same selection."""
    encoded = annotation_filter.data.urlencode() if annotation_filter.data else ""
    return "?" + encoded if encoded else ""


class AnnotationFeed(Feed):
    """The 50 newest annotations of any filter, newest first whatever `sort` says.

    One instance serves every request, so the per-request state (the bound filter) travels as
    the feed's `obj` rather than on `self`.
    """

    feed_type = Atom1Feed

    def __call__(self, request, *args, **kwargs):
        try:
            return super().__call__(request, *args, **kwargs)
        except InvalidFilter as error:
            return bad_filter(error.annotation_filter)

    def get_object(self, request, *args, **kwargs):
        annotation_filter, result = filtered_annotations(request.GET)
        if result is None:
            raise InvalidFilter(annotation_filter)
        return annotation_filter

    def title(self, obj):
        described = describe_filter(obj)
        if described:
            return _("Anteckningar – %(filter)s") % {"filter": described}
        return _("Anteckningar – %(municipality)s") % {"municipality": settings.MUNICIPALITY_NAME}

    def subtitle(self, obj):
        return _(
            "De senaste protokollsanteckningarna, reservationerna och yttrandena i %(name)s."
        ) % {"name": settings.MUNICIPALITY_NAME}

    def link(self, obj):
        return reverse("notes:annotation_list") + query_suffix(obj)

    def feed_url(self, obj):
        return reverse("notes:feed_atom") + query_suffix(obj)

    def items(self, obj):
        return export_queryset(obj.qs).order_by("-date", "-id")[:FEED_SIZE]

    def item_title(self, item):
        title = _("%(kind)s: %(item)s") % {"kind": item.get_kind_display(), "item": item.item.label}
        if item.item.title:
            title = _("%(title)s – %(item_title)s") % {
                "title": title,
                "item_title": item.item.title,
            }
        return title

    def item_description(self, item):
        # Atom1Feed declares the summary type="html": the text is escaped to HTML here (and
        # once more as XML by the generator), so markup in a text is shown, never run. The
        # meeting (body and date) comes first: the entry's own dates are about publication.
        meeting = item.item.meeting
        heading = _("%(body)s, sammanträde %(date)s") % {
            "body": meeting.body.name,
            "date": meeting.date.isoformat(),
        }
        return linebreaks(heading, autoescape=True) + linebreaks(item.text, autoescape=True)

    def item_link(self, item):
        return item.get_absolute_url()

    def item_pubdate(self, item):
        """When the annotation became public: its meeting's publication, or its own creation
        if it was added to a meeting already published. (Not the import time.)"""
        published = item.item.meeting.published_at
        return max(item.created_at, published) if published else item.created_at

    def item_updateddate(self, item):
        """Its last public change: a correction, else its publication."""
        published = self.item_pubdate(item)
        return max(published, item.corrected_at) if item.corrected_at else published

    def item_author_name(self, item):
        return ", ".join(p.name for p in item.parties.all()) or None

    def item_categories(self, item):
        return [p.abbreviation for p in item.parties.all()] + [str(item.get_kind_display())]


feed_atom = require_safe(AnnotationFeed())


def ical_escape(text: str) -> str:
    """TEXT value per RFC 5545 3.3.11: backslash, semicolon, comma and newlines escaped."""
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def ical_fold(line: str) -> str:
    """One content line folded at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    pieces: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            pieces.append("".join(current))
            # Continuation lines start with a space, which counts towards their 75 octets.
            current, size, limit = [], 0, 74
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def ical_utc(moment: datetime.datetime) -> str:
    """A DATE-TIME in UTC form (`20210505T081500Z`)."""
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_event(meeting, prefix: str, domain: str) -> list[str]:
    """One all-day VEVENT; the UID stays the same across downloads so calendars update it.
    Its description lists the items (§, number, title); its location is the meeting's."""
    url = prefix + meeting.get_absolute_url()
    items = [
        " ".join(
            part
            for part in (
                f"§ {item.paragraph}" if item.paragraph else "",
                item.label,
                f"– {item.title}" if item.title else "",
            )
            if part
        )
        for item in meeting.items.all()
    ]
    minutes = [_("Protokoll: %(url)s") % {"url": meeting.source_url}] if meeting.source_url else []
    description = "\n".join([*items, url, *minutes])
    lines = [
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{domain}",
        f"DTSTAMP:{ical_utc(meeting.updated_at)}",
        f"DTSTART;VALUE=DATE:{meeting.date:%Y%m%d}",
        f"DTEND;VALUE=DATE:{meeting.date + datetime.timedelta(days=1):%Y%m%d}",
        "SUMMARY:" + ical_escape(_("%(body)s – sammanträde") % {"body": meeting.body.name}),
        "DESCRIPTION:" + ical_escape(description),
        "URL:" + url,
        "TRANSP:TRANSPARENT",
    ]
    if meeting.location:
        lines.append("LOCATION:" + ical_escape(meeting.location))
    return [*lines, "END:VEVENT"]


def calendar_text(
    meetings, calendar_name: str, prefix: str, domain: str, description: str = ""
) -> str:
    """The whole VCALENDAR, each line folded and ended with CRLF."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:-//{settings.MUNICIPALITY_NAME}//Protokollsarkiv//SV",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "X-WR-CALNAME:" + ical_escape(calendar_name),
    ]
    if description:
        lines.append("X-WR-CALDESC:" + ical_escape(description))
    for meeting in meetings:
        lines += meeting_event(meeting, prefix, domain)
    lines.append("END:VCALENDAR")
    return "".join(ical_fold(line) + "\r\n" for line in lines)


SLUG = re.compile(r"[-a-zA-Z0-9_]{1,200}")


YEAR = re.compile(r"[12][0-9]{3}")


@require_safe
def meetings_ics(request):
    """Every published meeting as a calendar to subscribe to; `?body=<slug>` for one body,
    `?year=YYYY` for one year. Past CALENDAR_SIZE meetings, the calendar holds the newest
    (from the day the CALENDAR_SIZE-th newest was held) and its description says where the
    older years are: never a silent cut."""
    items = AgendaItem.objects.order_by("number", "paragraph", "id").only(
        "meeting_id", "number", "paragraph", "title"
    )
    meetings = (
        Meeting.objects.published()
        .select_related("body")
        .prefetch_related(Prefetch("items", queryset=items))
        .order_by("-date", "body__name")
    )
    name = _("Sammanträden – %(municipality)s") % {"municipality": settings.MUNICIPALITY_NAME}
    slug = request.GET.get("body", "")
    if slug:
        # A slug is letters, digits and hyphens; anything else (a NUL byte, say) is unknown.
        body = Body.objects.filter(slug=slug).first() if SLUG.fullmatch(slug) else None
        if body is None:
            return _plain_400(_("Okänt organ: %(slug)s") % {"slug": slug})
        meetings = meetings.filter(body=body)
        name = _("Sammanträden – %(body)s") % {"body": body.name}
    year = request.GET.get("year", "")
    description = ""
    if year:
        if not YEAR.fullmatch(year):
            return _plain_400(_("Ange året med fyra siffror, t.ex. 2021."))
        meetings = meetings.filter(date__year=int(year))
        name = f"{name} {year}"
    else:
        cutoff = meetings.values_list("date", flat=True)[CALENDAR_SIZE - 1 : CALENDAR_SIZE]
        if cutoff:
            meetings = meetings.filter(date__gte=cutoff[0])
            older = request.build_absolute_uri(reverse("notes:meetings_ics"))
            older += f"?{'body=' + slug + '&' if slug else ''}year=ÅÅÅÅ"
            description = _(
                "Sammanträden från och med %(date)s. Äldre år, ett i taget: %(url)s"
            ) % {"date": cutoff[0].isoformat(), "url": older}
    prefix = request.build_absolute_uri("/").rstrip("/")
    domain = split_domain_port(request.get_host())[0] or "localhost"
    text = calendar_text(meetings, name, prefix, domain, description)
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="sammantraden.ics"'
    return response


def _plain_400(message: str) -> HttpResponse:
    return HttpResponse(message + "\n", status=400, content_type="text/plain; charset=utf-8")
