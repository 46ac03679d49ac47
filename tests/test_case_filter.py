"""`case=`: a diarienummer or its first parts, whatever the letter case and white space.

Journalists know a case by its number (KS-2021/123) or only by its series (KS-2021): the
filter answers both, on every output, and never confuses KS-2021/12 with KS-2021/123.
"""

import csv
import io
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notes.models import AgendaItem, Annotation
from tests.factories import AgendaItemFactory, AnnotationFactory, party

pytestmark = pytest.mark.django_db

CASES = [
    "KS-2021/12",
    "KS-2021/123",
    "ks - 2021 / 12.3",
    "KS-2021/7",
    "KS-2020/12",
    "BUN-2021/12",
    "KSAU-2021/12",
    "",
]


@pytest.fixture
def cases():
    """One annotation per case number, keyed by it."""
    return {
        case: AnnotationFactory(item=AgendaItemFactory(case_number=case), parties=[party("S")])
        for case in CASES
    }


def ids_of_page(client, query):
    response = client.get("/api/notes/", {"case": query, "page_size": 100})
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def ids_of_export(client, query):
    response = client.get("/notes/export.csv", {"case": query})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {int(row["id"]) for row in csv.DictReader(io.StringIO(text), delimiter=";")}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("KS-2021/12", {"KS-2021/12", "ks - 2021 / 12.3"}),
        ("ks-2021/12", {"KS-2021/12", "ks - 2021 / 12.3"}),
        ("KS - 2021 / 12", {"KS-2021/12", "ks - 2021 / 12.3"}),
        ("KS-2021/123", {"KS-2021/123"}),
        ("KS-2021/12.3", {"ks - 2021 / 12.3"}),
        ("KS-2021", {"KS-2021/12", "KS-2021/123", "ks - 2021 / 12.3", "KS-2021/7"}),
        ("KS-2021/", {"KS-2021/12", "KS-2021/123", "ks - 2021 / 12.3", "KS-2021/7"}),
        ("ks", {"KS-2021/12", "KS-2021/123", "ks - 2021 / 12.3", "KS-2021/7", "KS-2020/12"}),
        ("KS-202", set()),
        ("KS-2021/1", set()),
        ("BUN", {"BUN-2021/12"}),
        ("KSAU-2021", {"KSAU-2021/12"}),
        ("2021/12", set()),
        ("KS_2021%", set()),
    ],
)
def test_case_number_or_its_prefix(client, cases, query, expected):
    wanted = {cases[case].pk for case in expected}
    assert ids_of_page(client, query) == wanted
    assert ids_of_export(client, query) == wanted
    page = client.get("/notes/", {"case": query})
    assert {a.pk for a in page.context["page"].object_list} == wanted


def test_case_filter_intersects_with_the_other_filters(client, cases):
    other = AnnotationFactory(
        item=AgendaItemFactory(case_number="KS-2021/12"), parties=[party("V")]
    )
    assert ids_of_page(client, "KS-2021/12") == {
        cases["KS-2021/12"].pk,
        cases["ks - 2021 / 12.3"].pk,
        other.pk,
    }
    response = client.get("/api/notes/", {"case": "KS-2021/12", "party": "V"})
    assert {row["id"] for row in response.json()["results"]} == {other.pk}


def reference(stored: str, query: str) -> bool:
    """The rule in plain Python: the same case, or a case its query is the first parts of."""
    key, value = re.sub(r"\s+", "", query).upper(), re.sub(r"\s+", "", stored).upper()
    if not key:
        return True
    if key[-1] in "-/.:":
        return value.startswith(key)
    return value == key or any(value.startswith(key + sep) for sep in "-/.:")


series = st.sampled_from(["KS", "ks", "BUN", "KF", "K_S", "K%"])
numbers = st.builds(
    lambda s, y, n, sub, spaces: f"{s}{' ' * spaces}-{' ' * spaces}{y}{' ' * spaces}/{n}{sub}",
    series,
    st.sampled_from(["2020", "2021"]),
    st.integers(1, 130),
    st.sampled_from(["", ".1", ".12", ":3"]),
    st.integers(0, 1),
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(stored=st.lists(numbers, min_size=1, max_size=8, unique=True), data=st.data())
def test_the_filter_follows_the_rule_for_any_case_numbers(client, stored, data):
    Annotation.objects.all().delete()
    AgendaItem.objects.all().delete()
    made = {
        s: AnnotationFactory(item=AgendaItemFactory(case_number=s), parties=[party("S")])
        for s in stored
    }
    # A query: the first characters of a stored number, or a stored number itself.
    source = data.draw(st.sampled_from(stored))
    query = source[: data.draw(st.integers(1, len(source)))]
    wanted = {a.pk for s, a in made.items() if reference(s, query)}
    assert ids_of_page(client, query) == wanted
