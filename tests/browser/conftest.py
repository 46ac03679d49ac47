"""Fixtures for the real-browser tests: one Chromium per session, a fresh page per test.

The pages are served by pytest-django's `live_server` (a real HTTP server in a thread of this
process, with a transactional database), and driven by Playwright's sync API.
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# Playwright's sync API runs an asyncio event loop in the test thread (inside a greenlet) from
# the moment it starts until the end of the session. Django sees that running loop and refuses
# every ORM call made from this thread with SynchronousOnlyOperation: the seed data below,
# pytest-django's flush after each transactional test, and any database test that happens to
# run while the session's browser is still open. The loop never runs Django code concurrently
# with the test (Playwright only runs it while a sync call waits), so the check is a false alarm
# here. Set at import time, before the browser starts, so it covers the whole run.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path(os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
SAMPLE = PROJECT_ROOT / "tests" / "fixtures" / "huddinge-ks-2021-05-05-arende-22.txt"

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}


def _unavailable(reason: str):
    """Skip on a developer's machine, fail in CI: CI must never pass by silently skipping."""
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI is set, so browser tests may not be skipped)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session: starting it costs about a second."""
    if not CHROMIUM.exists():
        _unavailable(f"Chromium not found at {CHROMIUM}; install the Debian package 'chromium'")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package 'playwright' is not installed")
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(browser):
    """Open a page in a fresh context (own cookies, viewport, JS switch); closed after the test."""
    contexts = []

    def open_page(viewport=DESKTOP, *, java_script_enabled=True, locale="sv-SE"):
        # The locale is the browser's Accept-Language, which picks the interface language.
        context = browser.new_context(
            viewport=viewport, java_script_enabled=java_script_enabled, locale=locale
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    """A desktop-sized page."""
    return new_page(DESKTOP)


@dataclass
class Site:
    """The running server and the addresses of one page of every type, built from seed data."""

    url: str
    paths: dict[str, str] = field(default_factory=dict)

    def __call__(self, path: str) -> str:
        return self.url + path


@pytest.fixture
def site(live_server, settings, db) -> Site:
    """Seed data that makes every page type show its interesting parts, and the server's URL.

    The real sample (KS 2021-05-05, ärende 22, S), plus annotations from several parties and
    bodies: a reservation with signatories, a case number shared by a KS and a KF item (so the
    item page shows the case's path), a text that the search "brott" finds with a snippet, an
    ärende 22 of another party (so the filter for ärende 22 + S visibly removes something), and
    PAGE_SIZE = 2 so that /notes/ and the party page paginate.
    """
    from django.utils import timezone

    from notes.alerts import link_token
    from notes.ingest.importing import import_file
    from notes.models import Annotation, Body, Follow, Subscriber
    from tests.factories import (
        AgendaItemFactory,
        AnnotationFactory,
        BodyFactory,
        MeetingFactory,
        PersonFactory,
        party,
    )

    settings.PAGE_SIZE = 2
    result = import_file(SAMPLE)
    assert result.outcome == "imported", result.message
    sample = Annotation.objects.select_related("item__meeting").get(pk=result.annotation_id)

    s, m, sd, v, kd = (party(abbr) for abbr in ("S", "M", "SD", "V", "KD"))
    kf = BodyFactory(name="Kommunfullmäktige", short_name="KF", kind=Body.Kind.COUNCIL)
    ks = sample.item.meeting.body
    ks_meeting = MeetingFactory(body=ks, date=datetime.date(2021, 3, 15))
    # Justerat and announced a few days ago: its decisions can be appealed now (the meeting,
    # its items and annotations show the deadline; the anslagstavla lists it).
    today = timezone.localdate()
    kf_meeting = MeetingFactory(
        body=kf,
        date=datetime.date(2021, 4, 12),
        attested_on=today - datetime.timedelta(days=3),
        posted_on=today - datetime.timedelta(days=2),
        minutes_kept_at="Kommunledningsförvaltningen",
    )

    case = "KS-2021/123"
    ks_item = AgendaItemFactory(
        meeting=ks_meeting,
        number=7,
        paragraph=61,
        title="Detaljplan för Flemingsbergsdalen",
        case_number=case,
    )
    kf_item = AgendaItemFactory(
        meeting=kf_meeting,
        number=12,
        paragraph=88,
        title="Detaljplan för Flemingsbergsdalen",
        case_number=case,
    )
    signatory = PersonFactory(name="Karin Lindqvist", party=m)
    AnnotationFactory(
        item=ks_item,
        kind=Annotation.Kind.RESERVATION,
        parties=[m],
        signatories=[signatory],
        text="Vi reserverar oss mot beslutet till förmån för vårt eget förslag.",
    )
    kf_annotation = AnnotationFactory(
        item=kf_item,
        kind=Annotation.Kind.SARSKILT_YTTRANDE,
        parties=[sd, kd],
        text="Planen behöver fler trygghetsskapande åtgärder mot brott i centrum.",
    )
    AnnotationFactory(
        item=AgendaItemFactory(meeting=kf_meeting, number=22, title="Budget för fritidsgårdar"),
        kind=Annotation.Kind.PROTOKOLLSANTECKNING,
        parties=[v],
        text="Vänsterpartiet vill se fler fritidsgårdar i Skogås och Vårby.",
    )

    # Made-up demo data, as `make run` loads it: the pages then carry the demo banner.
    AnnotationFactory(
        item=AgendaItemFactory(
            meeting=ks_meeting, number=30, title="Demo: Samhällsbyggnadsnämndens budgetramar"
        ),
        kind=Annotation.Kind.ERSATTARYTTRANDE,
        parties=[kd],
        text="Påhittad demotext om budgetramar för samhällsbyggnadsnämnden.",
        is_demo=True,
    )
    person = sample.signatories.first()
    assert person is not None, "the sample is signed by Sara Heelge Vikmång"
    reader = Subscriber.objects.create(email="reader@example.org")
    Follow.objects.create(subscriber=reader, query="party=S", label="parti S", kind="party")
    return Site(
        url=live_server.url,
        paths={
            "home": "/",
            "notes": "/notes/",
            "search": "/notes/?q=brott",
            "bad-filter": "/notes/?item=abc",
            "annotation": sample.get_absolute_url(),
            "item": kf_item.get_absolute_url(),
            "meetings": "/meetings/",
            "meeting": kf_meeting.get_absolute_url(),
            "parties": "/parties/",
            "party": s.get_absolute_url(),
            "person": person.get_absolute_url(),
            "not-found": "/finns-inte/",
            "admin-login": "/admin/login/",
            "accessibility": "/tillganglighet/",
            "notice-board": "/anslagstavla/",
            "kf-annotation": kf_annotation.get_absolute_url(),
            "follow": "/bevaka/?party=S&q=skola",
            "follow-link": "/bevaka/lank/",
            "follow-manage": f"/bevaka/hantera/{link_token(reader)}/",
        },
    )
