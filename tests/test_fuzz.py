"""Property-based fuzzing of every public URL with random and hostile query strings and paths.

Whatever a visitor, crawler or attacker puts in the address, the site answers below 500, never
reflects markup unescaped into an HTML page, keeps every machine-readable format parseable, and
explains each 400 in words. Stored hostile text (a factory row with `<script>alert(1)</script>`)
is held to the same rule: escaped in HTML, verbatim data in JSON, CSV and Atom.

Deterministic: hypothesis is derandomized and keeps no example database, so a failure in CI
is the same failure locally.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from urllib.parse import quote, urlencode
from xml.etree import ElementTree

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context

from tests.factories import (
    AgendaItemFactory,
    AnnotationFactory,
    BodyFactory,
    MeetingFactory,
    PersonFactory,
    party,
)

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
# Markup that must never appear literally in an HTML page, whether it came from the query
# string, the path or the database.
MARKUP = [
    SCRIPT,
    IMG,
    "<svg onload=alert(1)>",
    "<x-fuzz-probe>",
    "<iframe src=javascript:alert(1)>",
]
HTML_PAYLOADS = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "<x-fuzz-probe>",
    "</textarea><iframe src=javascript:alert(1)>",
    "javascript:alert(1)",
    "{{ 7*7 }}{% debug %}",
]
SQL_PAYLOADS = [
    "' OR 1=1 --",
    "'; DROP TABLE notes_annotation; --",
    '" OR ""="',
    "1; SELECT pg_sleep(0)",
    "') OR ('1'='1",
    "%' OR '%'='",
    "\\",
    "'",
    "''",
    "!(",
    "a & | ! <-> b",
    "'a':* & !",
    "'a\\'",
    "a:*",
    "skola:A",
    "<->",
    '"unterminated',
    "- or OR",
    "ärende 999999",
    "§ 999999",
    "KS-2021/9999999.1.2.3",
    "dnr: ks-1999/1:2",
]
BAD_DATES = [
    "2021-13-45",
    "0000-00-00",
    "99999-01-01",
    "2021-02-30",
    "2021-1-1",
    "20210505",
    "05/05/2021",
    "2021-05-05T10:00",
    "-2021-05-05",
    "0001-01-01",
    "9999-12-31",
]
PERCENT_JUNK = ["%", "%%", "%zz", "%C3%28", "%FF%FE", "%00", "%ED%A0%80", "%2525", "%u0041", "+"]
LONG_VALUES = [
    "A" * 10_000,
    "1" * 10_000,
    "ä" * 10_000,
    SCRIPT * 400,
    "ärende 22 " * 1000,
    "KS-2021/123 " * 800,
]
# Values a real user would send, so the fuzzer also walks the successful paths.
PLAUSIBLE = [
    "S",
    "s",
    "V",
    "sd",
    "kommunstyrelsen",
    "kommunfullmaktige",
    "reservation",
    "protokollsanteckning",
    "relevance",
    "newest",
    "oldest",
    "1",
    "2",
    "7",
    "22",
    "KS-2021/123",
    "KS-2019/45",
    "2021-05-05",
    "2019-01-01",
    "skola",
    "fritidsgårdar Skogås",
    "ärende 22",
    "§ 45",
    "alert",
]

KNOWN_PARAMS = [
    "q",
    "party",
    "body",
    "item",
    "case",
    "kind",
    "date_after",
    "date_before",
    "sort",
    "page",
    "page_size",
    "p",  # the sitemap sections' page
]

integers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.sampled_from([0, -1, 2**31, 2**31 - 1, 2**63, -(2**63), 10**100]),
).map(str)
floats = st.floats(allow_nan=True, allow_infinity=True).map(repr) | st.sampled_from(
    ["1.0", "1.5", "1e3", "1e999", "-0", "0x10", "1_000", " 2 ", "١٢"]
)
CONTROL_CHARS = [chr(c) for c in range(0x20)] + ["\x7f", "\x85", "\u2028", "\ufeff", "\ufffe"]
# Control characters inside ordinary words, so that stripping whitespace does not remove them.
control_text = st.builds(
    "".join,
    st.lists(st.sampled_from([*CONTROL_CHARS, "a", "skola", " "]), min_size=1, max_size=8),
)
values = st.one_of(
    st.sampled_from(PLAUSIBLE),
    integers,
    floats,
    st.sampled_from(BAD_DATES),
    st.dates().map(datetime.date.isoformat),
    st.text(max_size=40),
    control_text,
    st.builds(lambda a, b: a + "\x00" + b, st.sampled_from(PLAUSIBLE), st.text(max_size=5)),
    st.sampled_from(SQL_PAYLOADS),
    st.sampled_from(HTML_PAYLOADS),
    st.sampled_from(PERCENT_JUNK),
    st.sampled_from(LONG_VALUES),
    st.just(""),
)
keys = st.one_of(
    st.sampled_from(KNOWN_PARAMS),
    st.sampled_from(["party[]", "__proto__", "format", "csrfmiddlewaretoken", "", "Q", "PAGE"]),
    st.text(max_size=12),
)
# One pair, or one key repeated (party=S&party=V&…): repeated parameters are common.
pairs = st.one_of(
    st.tuples(keys, values).map(lambda kv: [kv]),
    st.tuples(keys, st.lists(values, min_size=2, max_size=25)).map(
        lambda kv: [(kv[0], v) for v in kv[1]]
    ),
)
# Raw fragments put into the query string as they are: broken escapes, stray separators.
raw_fragments = st.sampled_from(
    [
        "%",
        "%zz",
        "q=%",
        "q=%C3%28",
        "party=%FF%FE",
        "body=%ED%A0%80",
        "q=%00",
        "&&",
        "=",
        "==",
        "page=%2B1",
        "page=1%00",
        "q=a%26party%3DS",
        "party",
        "q=%3Cscript%3Ealert(1)%3C/script%3E",
        "q=<x-fuzz-probe>",
        ";",
        "page_size=%20%2010",
    ]
)


@st.composite
def query_strings(draw) -> str:
    if draw(st.booleans()):
        # One known parameter alone: no other bad parameter hides its effect behind a 400.
        return urlencode([(draw(st.sampled_from(KNOWN_PARAMS)), draw(values))])
    pieces = []
    for chunk in draw(st.lists(st.one_of(pairs, raw_fragments.map(str)), max_size=6)):
        pieces.append(chunk if isinstance(chunk, str) else urlencode(chunk, doseq=True))
    return "&".join(p for p in pieces if p or draw(st.booleans()))


FUZZ_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def seed(sample_annotation, settings):
    """The real sample plus rows with hostile text, a party, a person, a draft and a withdrawal."""
    settings.RATE_LIMITS = {}  # hundreds of requests from one address: reach the views, not 429
    kf = BodyFactory(name="Kommunfullmäktige", short_name="KF", kind="fullmaktige")
    meeting = MeetingFactory(body=kf, date=datetime.date(2019, 3, 11))
    item = AgendaItemFactory(
        meeting=meeting, number=7, case_number="KS-2019/45", title=f"Budget {IMG}"
    )
    v, sd = party("V"), party("SD")
    person = PersonFactory(name=f"Olof Berg {SCRIPT}", slug="olof-berg", party=v)
    hostile = AnnotationFactory(
        item=item,
        kind="reservation",
        text=f"Vi reserverar oss. {SCRIPT} {IMG} <x-fuzz-probe> '; DROP TABLE notes_annotation; --",
        parties=[v],
        signatories=[person],
    )
    other = AnnotationFactory(
        item=AgendaItemFactory(meeting=MeetingFactory(date=datetime.date(2023, 9, 20)), number=22),
        kind="sarskilt_yttrande",
        text="Ett särskilt yttrande om skolan i Vårby.",
        parties=[sd, v],
    )
    withdrawn = AnnotationFactory(
        item=AgendaItemFactory(meeting=MeetingFactory(date=datetime.date(2022, 1, 10))),
        text="En anteckning som återkallades.",
        parties=[sd],
    )
    type(withdrawn).objects.filter(pk=withdrawn.pk).update(
        withdrawn_at=timezone.now(), withdrawal_reason=f"Fel i protokollet {SCRIPT}"
    )
    draft = AnnotationFactory(
        item=AgendaItemFactory(meeting=MeetingFactory(draft=True)), text="Utkast."
    )
    return {
        "sample": sample_annotation,
        "hostile": hostile,
        "other": other,
        "withdrawn": withdrawn,
        "draft": draft,
        "party": v,
        "person": person,
    }


def detail_paths(seed) -> list[str]:
    hostile = seed["hostile"]
    return [
        f"/notes/{seed['sample'].pk}/",
        f"/notes/{hostile.pk}/",
        f"/notes/{seed['withdrawn'].pk}/",
        f"/notes/{seed['draft'].pk}/",
        f"/items/{hostile.item_id}/",
        f"/items/{seed['draft'].item_id}/",
        f"/meetings/{hostile.item.meeting_id}/",
        f"/meetings/{seed['sample'].item.meeting_id}/",
        f"/parties/{seed['party'].slug}/",
        f"/people/{seed['person'].slug}/",
        f"/api/notes/{hostile.pk}/",
        f"/api/notes/{seed['withdrawn'].pk}/",
        f"/api/meetings/{hostile.item.meeting_id}/",
    ]


# URL groups: each list is fuzzed with the same query strings.
GROUPS = {
    # Everything that goes through AnnotationFilter.
    "annotation_filter": [
        "/notes/",
        "/notes/export.csv",
        "/notes/export.json",
        "/notes/feed.atom",
        "/api/notes/",
    ],
    "meetings": ["/meetings/", "/meetings/calendar.ics", "/api/meetings/", "/votes.csv"],
    "static": [
        "/",
        "/parties/",
        "/tillganglighet/",
        "/healthz",
        "/robots.txt",
        "/sitemap.xml",
        "/sitemap-annotations.xml",
        "/sitemap-people.xml",
        "/parties.css",
        "/api/",
        "/api/parties/",
        "/api/bodies/",
        "/api/openapi.json",
    ],
    "details": None,  # needs the seed's ids: see detail_paths()
}
EVERY_PATH_TEMPLATE = [path for paths in GROUPS.values() if paths for path in paths]


def body_of(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def fetch(client, url: str):
    """GET in a savepoint, so a database error cannot poison the examples that follow."""
    if currently_in_test_context():
        note(f"GET {url!r}")
    try:
        with transaction.atomic():
            response = client.get(url)
            return response, body_of(response)
    except Exception as error:
        raise AssertionError(f"GET {url!r} raised {type(error).__name__}: {error}") from error


def check(url: str, response, body: bytes) -> None:
    status = response.status_code
    assert status < 500, f"GET {url!r} answered {status}: {body[:500]!r}"
    content_type = response.get("Content-Type", "").split(";")[0].strip()
    if status in (301, 302, 304):
        return
    text = body.decode("utf-8")  # every text response is declared UTF-8
    if url.startswith("/api/"):
        # The API promises JSON for every answer, errors included.
        assert content_type == "application/json", f"GET {url!r}: {content_type} from the API"
    if content_type == "text/html":
        for markup in MARKUP:
            assert markup not in text, f"GET {url!r}: unescaped {markup!r} in the HTML"
        if status == 400:
            assert 'role="alert"' in text, f"GET {url!r}: 400 page without a message"
    elif content_type == "application/json":
        data = json.loads(text)
        if status >= 400:
            assert isinstance(data, dict), f"GET {url!r}: error body is not an object"
            assert data.get("errors") or data.get("detail"), f"GET {url!r}: error without words"
    elif content_type in ("application/atom+xml", "application/xml", "text/xml"):
        ElementTree.fromstring(body)  # raises ParseError on malformed XML
    elif content_type == "text/csv":
        rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff")), delimiter=";"))
        header = "meeting_date" if url.startswith("/votes.csv") else "id"
        assert rows and rows[0][0] == header, f"GET {url!r}: CSV without its header"
        assert all(len(row) == len(rows[0]) for row in rows), f"GET {url!r}: ragged CSV"
    elif content_type == "text/calendar":
        assert text.startswith("BEGIN:VCALENDAR\r\n"), f"GET {url!r}: not a calendar"
        assert text.endswith("END:VCALENDAR\r\n"), f"GET {url!r}: calendar cut short"
    elif content_type in ("text/plain", "text/css"):
        if status == 400:
            assert text.strip(), f"GET {url!r}: empty 400"
    else:
        raise AssertionError(f"GET {url!r}: unexpected Content-Type {content_type!r}")


def get_and_check(client, url: str) -> None:
    response, body = fetch(client, url)
    check(url, response, body)


@pytest.mark.parametrize("group", list(GROUPS))
def test_every_url_survives_hostile_query_strings(client, seed, group):
    paths = GROUPS[group] or detail_paths(seed)

    @FUZZ_SETTINGS
    @given(path=st.sampled_from(paths), query=query_strings())
    def run(path, query):
        get_and_check(client, f"{path}?{query}" if query else path)

    run()


ID_PATHS = ["/notes/{}/", "/items/{}/", "/meetings/{}/", "/api/notes/{}/", "/api/meetings/{}/"]
SLUG_PATHS = ["/parties/{}/", "/people/{}/", "/sitemap-{}.xml", "/api/{}/"]
ids = st.one_of(
    st.integers(min_value=0, max_value=10**40).map(str),
    st.sampled_from([str(2**31), str(2**63), "0" * 30 + "1", "9" * 5000]),
)
slugs = st.one_of(
    st.from_regex(r"\A[-a-zA-Z0-9_]{1,120}\Z"),
    st.sampled_from(["socialdemokraterna", "olof-berg", "x" * 3000, "static", "annotations"]),
    # Not slugs at all: percent-encoded text, markup and traversal.
    st.text(min_size=1, max_size=30).map(lambda s: quote(s, safe="")),
    st.sampled_from(HTML_PAYLOADS + SQL_PAYLOADS).map(lambda s: quote(s, safe="")),
    st.sampled_from(["..", "%2e%2e", "%2F", "%00", "%C3%28", "a%0Ab"]),
)


@FUZZ_SETTINGS
@given(
    path=st.one_of(
        st.builds(str.format, st.sampled_from(ID_PATHS), ids),
        st.builds(str.format, st.sampled_from(SLUG_PATHS), slugs),
    ),
    query=st.one_of(st.just(""), query_strings()),
)
def test_fuzzed_paths_are_never_a_server_error(client, seed, path, query):
    get_and_check(client, f"{path}?{query}" if query else path)


ODD_PATHS = [
    "/notes/0/",
    "/notes/99999999999999999999999999999999/",
    f"/notes/{'9' * 5000}/",
    f"/api/notes/{2**63}/",
    f"/api/meetings/{2**31}/",
    f"/items/{2**63}/",
    f"/meetings/{10**40}/",
    "/parties/finns-inte/",
    f"/parties/{'x' * 3000}/",
    "/people/%3Cscript%3Ealert(1)%3C%2Fscript%3E/",
    "/sitemap-finns-inte.xml",
    "/sitemap-annotations.xml?p=-1",
    "/sitemap-annotations.xml?p=99999999999999999999",
    "/api/finns-inte/",
    "/api/a%0Ab/",
    "/api/%0D%0A/",
    "/api/%3Cx-fuzz-probe%3E/",
    "/api/notes",
]


def test_odd_paths(client, seed):
    """Ids past every integer type, unknown slugs and sections, control characters in paths."""
    sweep(client, ODD_PATHS)


# One value of each hostile kind, for the sweeps below (hypothesis draws from many more).
HOSTILE_VALUES = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "'; DROP TABLE notes_annotation; --",
    "2021-13-45",
    str(10**40),
    "-1.5",
    "a\x00b",
    "a\x01b",
    "%zz",
    "A" * 10_000,
]
# The parameters each URL that filters actually reads.
FILTER_PARAMS = tuple(p for p in KNOWN_PARAMS if p != "p")
MEETING_PARAMS = ("body", "date_after", "date_before", "page", "page_size")
READ_PARAMS = {
    **dict.fromkeys(GROUPS["annotation_filter"], FILTER_PARAMS),
    **dict.fromkeys(GROUPS["meetings"], MEETING_PARAMS),
}


def sweep(client, urls) -> None:
    """Request every URL, then fail once listing every URL that broke a rule."""
    failures = []
    for url in urls:
        try:
            get_and_check(client, url)
        except Exception as error:  # assertions, and parsers' errors on malformed bodies
            message = f"GET {url!r}: " * (not str(error).startswith("GET")) + str(error)
            message = message.splitlines()[0]
            # Long URLs keep their start and the reason at the end.
            failures.append(
                message if len(message) < 400 else f"{message[:150]} … {message[-200:]}"
            )
    assert not failures, f"{len(failures)} failing URLs:\n" + "\n".join(failures)


def test_every_url_with_hostile_values_in_every_parameter(client, seed):
    """No sampling: each URL bare, and with every known and some unknown parameter hostile."""
    mixed = [(name, HOSTILE_VALUES[i % len(HOSTILE_VALUES)]) for i, name in enumerate(KNOWN_PARAMS)]
    queries = [
        "",
        urlencode([*mixed, ("party", SCRIPT), ("party", "S"), ("<x-fuzz-probe>", IMG)]),
        urlencode(dict.fromkeys([*KNOWN_PARAMS, "unknown"], SCRIPT)),
        urlencode(dict.fromkeys(KNOWN_PARAMS, "a\x00b\x01")) + "&%zz&q=%C3%28&==",
    ]
    paths = EVERY_PATH_TEMPLATE + detail_paths(seed)
    sweep(client, [f"{path}?{query}" if query else path for path in paths for query in queries])


@pytest.mark.parametrize("path", list(READ_PARAMS))
def test_each_parameter_alone_with_each_hostile_value(client, seed, path):
    """One parameter at a time, so no other bad parameter answers 400 before it is read."""
    sweep(
        client,
        [
            f"{path}?{urlencode({name: value})}"
            for name in READ_PARAMS[path]
            for value in HOSTILE_VALUES
        ],
    )


@pytest.mark.parametrize("path", ["/notes/", "/api/notes/", "/notes/export.csv"])
def test_too_many_parameters_is_a_400_that_says_why(client, seed, path):
    """More parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS (1000): `party` repeated 1001 times."""
    sweep(client, [f"{path}?{urlencode({'party': ['S'] * 1001}, doseq=True)}"])


def test_stored_markup_is_escaped_in_html_and_verbatim_in_data(client, seed):
    """The hostile factory row is shown, escaped, where it is listed; data formats keep it."""
    hostile = seed["hostile"]
    for path in ["/notes/", f"/notes/{hostile.pk}/", f"/items/{hostile.item_id}/"]:
        response, body = fetch(client, path)
        check(path, response, body)
        assert response.status_code == 200
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body.decode(), path
    response, body = fetch(client, f"/api/notes/{hostile.pk}/")
    assert SCRIPT in json.loads(body)["text"]
    response, body = fetch(client, "/notes/export.csv")
    assert SCRIPT in body.decode()
    response, body = fetch(client, "/notes/export.json")
    assert any(SCRIPT in row["text"] for row in json.loads(body)["results"])
    response, body = fetch(client, "/notes/feed.atom")
    feed = ElementTree.fromstring(body)
    summaries = [e.text or "" for e in feed.iter("{http://www.w3.org/2005/Atom}summary")]
    assert any("&lt;script&gt;" in s for s in summaries)  # HTML-escaped text inside the XML
