"""Bounded parsing: the annotation parser's work grows linearly with its input, whatever the
input. Adversarial texts (long runs of spaces, colons, separators, parentheses, huge lines)
are put where each header, item and signature pattern looks, and each must be parsed, or
refused, within a budget that a linear parser meets many times over and a quadratic one
(which took 16 s for 12 KB of spaces) cannot: a benchmark-style bound, not a tight timing."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from notes.ingest.parsing import MAX_TEXT_BYTES, ParseError, parse_bytes

TEMPLATE = [
    "Huddinge kommun",
    "Kommunstyrelsen",
    "Sammanträdesdatum: 2021-05-05",
    "",
    "RESERVATION från Socialdemokraterna",
    "",
    "Ärende 22 § 45: Budget för 2022",
    "Dnr KS-2021/123",
    "",
    "Vi reserverar oss mot beslutet.",
    "",
    "För Socialdemokraterna och Vänsterpartiet",
    "Anna Andersson (S), Bertil Berg (V)",
]
# What the patterns split, repeat or backtrack on.
UNITS = [
    " ",
    "\t",
    ":",
    " :",
    ", ",
    " och ",
    " samt ",
    " & ",
    "(",
    "( ",
    ")",
    "§",
    "-",
    "–",
    ".",
    "a",
]
SIZE = 64 * 1024  # bytes of hostile material per text
BUDGET_SECONDS = 2.0  # a linear parse of 64 KB takes milliseconds


def _parse_seconds(text: str) -> float:
    started = time.perf_counter()
    with contextlib.suppress(ParseError):  # refusing it is fine; taking long is not
        parse_bytes(text.encode("utf-8"), source="fientlig.txt")
    return time.perf_counter() - started


@given(
    line=st.integers(min_value=0, max_value=len(TEMPLATE) - 1),
    where=st.sampled_from(["start", "middle", "end", "whole"]),
    unit=st.lists(st.sampled_from(UNITS), min_size=1, max_size=3).map("".join),
)
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
def test_hostile_material_anywhere_is_parsed_in_linear_time(line, where, unit):
    run = unit * (SIZE // len(unit.encode("utf-8")))
    lines = list(TEMPLATE)
    original = lines[line]
    half = len(original) // 2
    lines[line] = {
        "start": run + original,
        "middle": original[:half] + run + original[half:],
        "end": original + run + "x",
        "whole": run,
    }[where]
    seconds = _parse_seconds("\n".join(lines))
    assert seconds < BUDGET_SECONDS, f"{seconds:.2f} s for {where} of line {line}: {unit!r}"


@pytest.mark.parametrize(
    "text",
    [
        "Kommunstyrelsen\ndatum" + " " * SIZE + "x\n",
        "Kommunstyrelsen\n2021-05-05\nRESERVATION från S" + " " * SIZE + "x\n",
        "\n".join(TEMPLATE[:-1]) + "\n" + ("Anna" + " " * 4000 + "Berg, ") * 16,
        "\n".join(TEMPLATE[:-1]) + "\n" + "Anna Berg (S)\n" * 5000,
    ],
    ids=["date-prefix", "party-list", "names", "many-signature-lines"],
)
def test_the_cases_that_were_quadratic(text):
    assert _parse_seconds(text) < BUDGET_SECONDS


def test_a_text_over_the_limit_is_refused_before_it_is_read():
    data = b"Kommunstyrelsen\n" + b" " * MAX_TEXT_BYTES
    started = time.perf_counter()
    with pytest.raises(ParseError, match="at most 1024 KB"):
        parse_bytes(data, source="stor.txt")
    assert time.perf_counter() - started < 0.5


def test_a_text_over_the_time_budget_is_refused_with_a_clear_message(monkeypatch):
    """However it came to take that long, a parse past its budget stops with a ParseError
    (the importer then saves nothing, as for any text that cannot be read)."""
    import notes.ingest.parsing as parsing

    monkeypatch.setattr(parsing, "PARSE_BUDGET_SECONDS", -1.0)  # already over
    with pytest.raises(ParseError, match="read within"):
        parse_bytes("\n".join(TEMPLATE).encode(), source="långsam.txt")


def test_more_signatories_than_a_council_has_members_are_refused():
    names = " och ".join("Anna Andersson (S)" for _ in range(2000))
    text = "\n".join([*TEMPLATE[:-1], names])
    started = time.perf_counter()
    with pytest.raises(ParseError, match="at most 101 signatories"):
        parse_bytes(text.encode(), source="många.txt")
    assert time.perf_counter() - started < BUDGET_SECONDS


@pytest.mark.django_db
def test_names_that_share_a_slug_are_saved_without_a_query_per_candidate(
    django_assert_max_num_queries,
):
    """Names that differ only in punctuation ("Anna A-", "Anna A'") share a slug stem: each
    new person looks the taken slugs up once, not once per -2, -3 … tried."""
    from notes.ingest.importing import ensure_person

    for n in range(30):
        ensure_person("Anna A" + "-" * (n + 1), None)
    with django_assert_max_num_queries(4):
        person = ensure_person("Anna A" + "'" * 40, None)
    assert person.slug == "anna-a-31"
