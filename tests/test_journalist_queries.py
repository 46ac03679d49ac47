"""Journalists' queries and the annotations they must find, written by hand from the corpus.

The corpus is the real sample (Kommunstyrelsen 2021-05-05, ärende 22, signed for
Socialdemokraterna) and a dozen made-up annotations signed by made-up people, each chosen to
tell two readings of a query apart (a party's own texts and texts that mention it, a
diarienummer and its prefix, a word and its compounds, accents, a draft that must never show).
Every expected set below was worked out by reading the texts and the README's search
language, not by running the search. For each query, the page, the CSV and JSON exports,
the Atom feed and the API (paged through) must return exactly those annotations, and the
count on the page must equal the export's rows.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
from xml.etree import ElementTree

import pytest

from tests.factories import (
    AgendaItemFactory,
    AnnotationFactory,
    BodyFactory,
    MeetingFactory,
    PersonFactory,
    party,
)

ATOM = "{http://www.w3.org/2005/Atom}"
_COUNT = re.compile(r'<h2 id="results-heading">\s*([\d\s\xa0,]+)\s')


@pytest.fixture
def corpus(sample_annotation):
    ks = BodyFactory()  # Kommunstyrelsen, as the sample's
    kf = BodyFactory(name="Kommunfullmäktige", short_name="KF", kind="fullmaktige")
    bun = BodyFactory(
        name="Barn- och utbildningsnämnden", short_name="BUN", kind="namnd", slug="bun"
    )
    s, v, m, sd, c, mp, kd, lib = (party(a) for a in ("S", "V", "M", "SD", "C", "MP", "KD", "L"))
    provberg = PersonFactory(name="Elsa Provberg", slug="elsa-provberg", party=v)
    exempelsson = PersonFactory(name="Jonas Exempelsson", slug="jonas-exempelsson", party=s)

    def meeting(body, date, **kwargs):
        return MeetingFactory(body=body, date=date, **kwargs)

    kf_2022 = meeting(kf, datetime.date(2022, 6, 13))
    kf_2021 = meeting(kf, datetime.date(2021, 11, 15))
    ks_2023 = meeting(ks, datetime.date(2023, 9, 20))
    ks_2021 = meeting(ks, datetime.date(2021, 3, 1))
    ks_2020 = meeting(ks, datetime.date(2020, 2, 10))

    def item(on, number, paragraph, case_number, title):
        return AgendaItemFactory(
            meeting=on, number=number, paragraph=paragraph, case_number=case_number, title=title
        )

    def note(on, kind, parties, text, signatories=()):
        return AnnotationFactory(
            item=on, kind=kind, parties=parties, text=text, signatories=list(signatories)
        )

    budget = item(kf_2021, 3, 120, "KS-2021/123", "Budget 2022")
    notes = {
        "sample": sample_annotation,
        "school_v": note(
            item(kf_2022, 9, 45, "KS-2022/77", "Skolans lokaler i Vårby"),
            "protokollsanteckning",
            [v],
            "Skolan behöver fler lärare. Vi föreslog en ny skola i Vårby.",
            [provberg],
        ),
        "economy_m": note(
            item(kf_2022, 10, 46, "KS-2022/78", "Ekonomisk uppföljning"),
            "protokollsanteckning",
            [m],
            "Moderaterna noterar att SD inte lade något eget förslag om ekonomin.",
        ),
        "preschool_m": note(
            item(
                meeting(bun, datetime.date(2022, 3, 2)),
                4,
                12,
                "BUN-2022/15",
                "Förskoleplatser i Flemingsberg",
            ),
            "reservation",
            [m],
            "Vi reserverar oss. Förskolan i Flemingsberg behöver fler platser.",
        ),
        "budget_s": note(
            budget,
            "reservation",
            [s],
            "Vi yrkar avslag på budgeten. Äldreomsorgen får för lite pengar.",
            [exempelsson],
        ),
        "budget_sd": note(
            budget,
            "sarskilt_yttrande",
            [sd],
            "Vi instämmer inte med Socialdemokraterna om budgeten men välkomnar satsningen "
            "på trygghet.",
        ),
        "crime_sd": note(
            item(ks_2023, 22, 201, "KS-2023/300", "Trygghet i centrum"),
            "protokollsanteckning",
            [sd],
            "Brott mot unga måste förebyggas. Vi vill se fler fältassistenter.",
        ),
        "buses_sv": note(
            item(ks_2023, 23, 202, "KS-2023/301", "Kollektivtrafik till Flemingsberg"),
            "reservation",
            [s, v],
            "Vi vill ha fler bussar till Flemingsberg och Vårby.",
            [exempelsson, provberg],
        ),
        "elderly_kd": note(
            item(ks_2021, 5, 50, "KS-2021/12", "Äldreomsorgens kvalitet"),
            "protokollsanteckning",
            [kd],
            "Äldreomsorgen i Huddinge ska ha fler undersköterskor.",
        ),
        "youth_l": note(
            item(ks_2021, 6, 51, "KS-2021/7", "Fritidsgårdar i Sjödalen"),
            "ersattaryttrande",
            [lib],
            "Fritidsgårdarna behöver längre öppettider på kvällarna.",
            [PersonFactory(name="Maja Testlund", slug="maja-testlund", party=lib)],
        ),
        "nature_c": note(
            item(ks_2020, 7, 30, "KS-2020/12", "Detaljplan för Gladö kvarn"),
            "reservation",
            [c],
            "Detaljplanen tar för lite hänsyn till naturen och strandskyddet.",
        ),
        "housing_mp": note(
            item(ks_2020, 8, 31, "KS-2020/13", "Hyresrätter i Stuvsta"),
            "sarskilt_yttrande",
            [mp],
            "Bostadsbolaget bör bygga hyresrätter med låga hyror.",
        ),
    }
    # A draft meeting's annotation: no query may ever return it.
    note(
        item(
            meeting(ks, datetime.date(2024, 1, 10), draft=True), 1, 1, "KS-2024/1", "Skolskjutsar"
        ),
        "protokollsanteckning",
        [v],
        "Skolskjutsarna ska vara gratis i Vårby och Flemingsberg.",
        [provberg],
    )
    return notes


ALL = {
    "sample",
    "school_v",
    "economy_m",
    "preschool_m",
    "budget_s",
    "budget_sd",
    "crime_sd",
    "buses_sv",
    "elderly_kd",
    "youth_l",
    "nature_c",
    "housing_mp",
}
SCHOOL = {"sample", "school_v", "preschool_m"}  # skolan, skolinbrott, förskolan, Skolans …
PARTY_S = {"sample", "budget_s", "buses_sv", "budget_sd"}  # own three, and a mention
PARTY_SD = {"budget_sd", "crime_sd", "economy_m"}  # own two, and "SD" in capitals

# (query parameters, the annotations they must return)
QUERIES: list[tuple[dict[str, str | list[str]], set[str]]] = [
    # words, stems, compounds
    ({"q": "skola"}, SCHOOL),
    ({"q": "skola -förskola"}, {"sample", "school_v"}),
    ({"q": "skola budget"}, set()),
    ({"q": "skola or budget"}, SCHOOL | {"budget_s", "budget_sd"}),
    ({"q": "budget"}, {"budget_s", "budget_sd"}),
    ({"q": "nätverken"}, {"sample"}),
    ({"q": "brott"}, {"sample", "crime_sd"}),  # brottsförebyggande, skolinbrott, Brott
    ({"q": "unga"}, {"sample", "crime_sd"}),
    ({"q": "trygghet"}, {"sample", "budget_sd", "crime_sd"}),
    ({"q": "centrum"}, {"sample", "crime_sd"}),
    ({"q": "äldreomsorg"}, {"budget_s", "elderly_kd"}),
    ({"q": "fritidsgårdar"}, {"youth_l"}),
    ({"q": "fritid"}, {"sample", "youth_l"}),
    ({"q": "Vårby"}, {"school_v", "buses_sv"}),
    ({"q": "Flemingsberg"}, {"preschool_m", "buses_sv"}),
    ({"q": "skolskjutsar"}, set()),  # only in the draft
    ({"q": "xyzzyqq"}, set()),
    # accents and letter case
    ({"q": "vikmang"}, {"sample"}),
    ({"q": "heelge"}, {"sample"}),
    ({"q": "HEELGE"}, {"sample"}),
    ({"q": "aldreomsorgen"}, {"budget_s", "elderly_kd"}),
    ({"q": "varby"}, {"school_v", "buses_sv"}),
    # phrases
    ({"q": '"kriminella nätverk"'}, {"sample"}),
    ({"q": '"nätverk kriminella"'}, set()),
    ({"q": '"Jonas Exempelsson"'}, {"budget_s", "buses_sv"}),
    # people
    ({"q": "Provberg"}, {"school_v", "buses_sv"}),
    ({"q": "Exempelsson -budget"}, {"buses_sv"}),
    ({"q": "Sara Heelge Vikmång"}, {"sample"}),
    # parties: own annotations and mentions
    ({"q": "socialdemokraterna"}, PARTY_S),
    ({"q": "S"}, PARTY_S),
    ({"q": "(S)"}, PARTY_S),
    ({"q": "socialdemokraterna budget"}, {"budget_s", "budget_sd"}),
    ({"q": "SD"}, PARTY_SD),
    ({"q": "Sverigedemokraterna"}, PARTY_SD),
    ({"q": "SD -M"}, {"budget_sd", "crime_sd"}),
    ({"q": "M"}, {"economy_m", "preschool_m"}),
    ({"q": "V"}, {"school_v", "buses_sv"}),
    ({"q": "V S"}, {"buses_sv"}),
    ({"q": "V or KD"}, {"school_v", "buses_sv", "elderly_kd"}),
    ({"q": "Flemingsberg -V"}, {"preschool_m"}),
    ({"q": "Centerpartiet"}, {"nature_c"}),
    # references
    ({"q": "ärende 22"}, {"sample", "crime_sd"}),
    ({"q": "ärende 22 SD"}, {"crime_sd"}),
    ({"q": "Ärende 22 -SD"}, {"sample"}),
    ({"q": "§ 45"}, {"school_v"}),
    ({"q": "§120"}, {"budget_s", "budget_sd"}),
    ({"q": "KS-2021"}, {"budget_s", "budget_sd", "elderly_kd", "youth_l"}),
    ({"q": "KS-2021/12"}, {"elderly_kd"}),
    ({"q": "KS-2021/123"}, {"budget_s", "budget_sd"}),
    ({"q": "dnr ks - 2021 / 12"}, {"elderly_kd"}),
    ({"q": "BUN-2022"}, {"preschool_m"}),
    ({"q": "KS-2021 -budget"}, {"elderly_kd", "youth_l"}),
    ({"q": "KS-2020 or KS-2022/77"}, {"nature_c", "housing_mp", "school_v"}),
    # grouping
    ({"q": "(skola or brott) V"}, {"school_v"}),
    ({"q": "(V or M) -Flemingsberg"}, {"school_v", "economy_m"}),
    # stop words are left out
    ({"q": "och"}, set()),
    ({"q": "skola och"}, SCHOOL),
    # filters, alone and with q
    ({"party": "SD"}, {"budget_sd", "crime_sd"}),  # the filter is own annotations only
    ({"q": "skola", "party": "M"}, {"preschool_m"}),
    ({"q": "skola", "kind": "reservation"}, {"preschool_m"}),
    ({"q": "trygghet", "body": "kommunstyrelsen"}, {"sample", "crime_sd"}),
    ({"q": "budget", "kind": "sarskilt_yttrande"}, {"budget_sd"}),
    ({"q": "Huddinge", "case": "KS-2021"}, {"elderly_kd"}),
    ({"case": "ks - 2021 / 12"}, {"elderly_kd"}),
    ({"item": "22", "party": "S"}, {"sample"}),
    (
        {"q": "Flemingsberg", "date_after": "2022-01-01", "date_before": "2022-12-31"},
        {"preschool_m"},
    ),
    ({"q": "Vårby", "party": ["S", "V"]}, {"school_v", "buses_sv"}),
    ({"q": "Vårby", "party": "S"}, {"buses_sv"}),
    ({"body": "bun"}, {"preschool_m"}),
    ({}, ALL),
]


def _ids(html_or_links: list[str]) -> set[int]:
    return {int(m.group(1)) for s in html_or_links for m in [re.search(r"/notes/(\d+)/", s)] if m}


def page_count(client, params) -> int:
    response = client.get("/notes/", params)
    assert response.status_code == 200, params
    match = _COUNT.search(response.content.decode())
    assert match, f"no count on the page for {params}"
    return int(re.sub(r"[\s\xa0,]", "", match.group(1)))


def csv_ids(client, params) -> list[int]:
    response = client.get("/notes/export.csv", params)
    assert response.status_code == 200, params
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    return [int(row["id"]) for row in csv.DictReader(io.StringIO(text[1:]), delimiter=";")]


def json_ids(client, params) -> list[int]:
    response = client.get("/notes/export.json", params)
    assert response.status_code == 200, params
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return [row["id"] for row in json.loads(body)["results"]]


def atom_ids(client, params) -> set[int]:
    response = client.get("/notes/feed.atom", params)
    assert response.status_code == 200, params
    feed = ElementTree.fromstring(response.content)
    return _ids([link.get("href", "") for link in feed.iter(f"{ATOM}link") if link.get("href")])


def api_ids(client, params) -> tuple[list[int], dict]:
    url: str | None = "/api/notes/"
    query: dict | None = {**params, "page_size": 5}  # several pages for the larger sets
    ids: list[int] = []
    first = None
    while url:
        response = client.get(url, query)
        assert response.status_code == 200, (url, query)
        page = response.json()
        first = first or page
        ids.extend(result["id"] for result in page["results"])
        url, query = page["next"], None
    assert first is not None
    return ids, first


@pytest.mark.django_db
@pytest.mark.parametrize(("params", "expected"), QUERIES, ids=lambda v: repr(v)[:60])
def test_journalist_query(client, corpus, params, expected):
    want = {corpus[key].pk for key in expected}
    names = {pk: key for key, note in corpus.items() for pk in [note.pk]}

    def shown(ids):
        return sorted(names.get(pk, f"other {pk}") for pk in ids)

    exported = csv_ids(client, params)
    assert len(exported) == len(set(exported)), "duplicate rows"
    assert shown(exported) == shown(want), f"CSV of {params}"
    assert sorted(json_ids(client, params)) == sorted(exported), f"JSON of {params}"
    assert atom_ids(client, params) == set(exported), f"Atom of {params}"
    api, first = api_ids(client, params)
    assert sorted(api) == sorted(exported), f"API of {params}"
    assert (first["count"], first["count_exact"]) == (len(exported), True)
    assert page_count(client, params) == len(exported), f"page count of {params}"


def test_the_table_is_wide_enough():
    assert len(QUERIES) >= 40
    found = set().union(*(expected for _params, expected in QUERIES))
    assert found == ALL  # every annotation is some query's answer
    assert sum(1 for _params, expected in QUERIES if not expected) >= 5


@pytest.mark.django_db
def test_a_party_s_own_annotations_rank_before_mentions(client, corpus):
    ids, _first = api_ids(client, {"q": "socialdemokraterna"})
    ranked = [key for pk in ids for key, note in corpus.items() if note.pk == pk]
    assert set(ranked) == PARTY_S
    assert ranked[-1] == "budget_sd"  # the only one that merely mentions the party


@pytest.mark.django_db
def test_a_party_name_is_highlighted_like_a_word(client, corpus):
    html = client.get("/notes/", {"q": "socialdemokraterna"}).content.decode()
    assert re.search(r"<mark>Socialdemokraterna</mark>", html)
