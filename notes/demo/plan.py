"""The plan of a run: which body meets on which days, with how many annotations each, and
the chunks of meetings that are generated and written together."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils import timezone

from notes.demo.errors import DemoDataError
from notes.demo.vocabulary import BODY_WEIGHTS
from notes.ingest.importing import KNOWN_BODIES, ensure_body
from notes.models import Body, Meeting

FIRST_DATE = datetime.date(2014, 1, 1)
# The last possible meeting day is the day of the run: a demo meeting in the future would
# claim minutes that cannot exist yet. (The same seed gives the same archive on the same day.)

# Meetings are generated and written in chunks of about this many annotations, which bounds
# memory and sets the rhythm of the progress reports.
CHUNK_ANNOTATIONS = 10_000


@dataclass
class _BodyPlan:
    body: Body
    code: str  # the short name in KNOWN_BODIES: the key for weights and topics
    index: int  # position in KNOWN_BODIES: a stable tie-break for meetings on the same day
    annotations: int = 0


@dataclass
class _Planned:
    """A meeting to create: its day, its body and how many annotations; its id once written."""

    date: datetime.date
    plan: _BodyPlan
    size: int
    pk: int | None = None


def _weekdays(last: datetime.date | None = None) -> list[datetime.date]:
    """Possible meeting days up to ``last`` (today): weekdays outside July and the
    Christmas/New Year break."""
    last = last or timezone.localdate()
    days = []
    day = FIRST_DATE
    while day <= last:
        holiday = (
            day.month == 7 or (day.month, day.day) >= (12, 22) or (day.month == 1 and day.day <= 6)
        )
        if day.weekday() < 5 and not holiday:
            days.append(day)
        day += datetime.timedelta(days=1)
    return days


def _split(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), exactly."""
    weight_sum = sum(weights)
    shares = [total * w // weight_sum for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % weight_sum), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _meeting_sizes(rng: random.Random, annotations: int, meetings: int) -> list[int]:
    """How many annotations each meeting gets: about equal, with some variation, all ≥ 1."""
    base, extra = divmod(annotations, meetings)
    sizes = [base] * meetings
    for i in rng.sample(range(meetings), extra):
        sizes[i] += 1
    for _ in range(meetings // 2):
        giver, taker = rng.randrange(meetings), rng.randrange(meetings)
        moved = rng.randint(0, max(0, min(sizes[giver] - 1, base // 2)))
        sizes[giver] -= moved
        sizes[taker] += moved
    return sizes


def _body_plans(annotations: int) -> list[_BodyPlan]:
    """Every known body (created if missing) with its share of the ``annotations``."""
    plans = [
        _BodyPlan(body=ensure_body(name), code=code, index=index)
        for index, (name, code, _) in enumerate(KNOWN_BODIES)
    ]
    shares = _split(annotations, [BODY_WEIGHTS.get(p.code, 1) for p in plans])
    for plan, share in zip(plans, shares, strict=True):
        plan.annotations = share
    return plans


def _plan_meetings(rng: random.Random, plans: list[_BodyPlan]) -> list[_Planned]:
    """Pick free weekdays per body and size each meeting; about 8–12 annotations a meeting."""
    weekdays = _weekdays()
    planned: list[_Planned] = []
    for plan in plans:
        if plan.annotations == 0:
            continue
        taken = set(Meeting.objects.filter(body=plan.body).values_list("date", flat=True))
        free = [day for day in weekdays if day not in taken]
        if not free:
            raise DemoDataError(
                f"{plan.body.name} has no free meeting days left from {FIRST_DATE} to today."
            )
        wanted = max(1, round(plan.annotations / rng.uniform(8, 12)))
        dates = sorted(rng.sample(free, min(wanted, len(free), plan.annotations)))
        sizes = _meeting_sizes(rng, plan.annotations, len(dates))
        planned.extend(
            _Planned(date=day, plan=plan, size=size) for day, size in zip(dates, sizes, strict=True)
        )
    # Oldest first, so that paragraph numbers grow through each year and cases travel
    # forward in time from nämnd to KS to KF.
    planned.sort(key=lambda meeting: (meeting.date, meeting.plan.index))
    return planned


def _chunks(planned: list[_Planned]) -> Iterator[list[_Planned]]:
    """Consecutive meetings with about CHUNK_ANNOTATIONS annotations in all."""
    start = 0
    while start < len(planned):
        end, size = start, 0
        while end < len(planned) and size < CHUNK_ANNOTATIONS:
            size += planned[end].size
            end += 1
        yield planned[start:end]
        start = end
