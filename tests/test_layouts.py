"""The annotation importer reads the layouts of tests/annotation_layouts.py (#18): every field
each layout must yield, parsed and then saved."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from notes.ingest.parsing import parse_note
from tests.annotation_layouts import LAYOUTS


@pytest.mark.parametrize(("name", "text", "expected"), LAYOUTS, ids=[n for n, _, _ in LAYOUTS])
def test_layout_yields_every_field(name, text, expected):
    record = parse_note(text, source=f"{name}.txt")
    got = {
        "body": record.body_name,
        "date": record.date,
        "kind": record.kind,
        "number": record.item_number,
        "paragraph": record.paragraph_number,
        "title": record.item_title,
        "case": record.case_number,
        "parties": record.parties,
        "signatories": tuple(s.name for s in record.signatories),
    }
    for key, value in expected.items():
        if key == "text":
            assert value in record.text, (key, record.text)
        else:
            assert got[key] == value, (key, got[key], value)


def test_the_corpus_is_wide():
    assert len(LAYOUTS) >= 20
    assert len({n for n, _, _ in LAYOUTS}) == len(LAYOUTS)


MONTH_NAMES = ["januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti",
               "september", "oktober", "november", "december"]  # fmt: skip
KIND_LINES = {
    "reservation": "RESERVATION",
    "protokollsanteckning": "Protokollsanteckning",
    "sarskilt_yttrande": "Särskilt yttrande",
    "ersattaryttrande": "ERSÄTTARYTTRANDE",
}


@settings(max_examples=150, deadline=None)
@given(
    day=st.dates(min_value=datetime.date(2000, 1, 1), max_value=datetime.date(2030, 12, 31)),
    date_form=st.sampled_from(["iso", "swedish", "dotted", "slash", "labelled"]),
    body=st.sampled_from(["Kommunstyrelsen", "Socialnämnden", "Kultur- och fritidsnämnden"]),
    town=st.sampled_from(["", "Huddinge kommun", "Nacka kommun"]),
    town_form=st.sampled_from(["own line", "i", "comma"]),
    order=st.sampled_from(["body-date-kind", "date-body-kind", "kind-body-date", "one-line"]),
    kind=st.sampled_from(sorted(KIND_LINES)),
    item=st.sampled_from(["Ärende 7: Budget", "§ 45 Budget", "Punkt 7: Budget"]),
    party=st.sampled_from(["S", "M", "SD", "V", "MP"]),
)
def test_any_order_and_form_of_the_header_reads_the_same(
    day, date_form, body, town, town_form, order, kind, item, party
):
    """Property: the same fields in any order and form of the header give the same record."""
    written = {
        "iso": day.isoformat(),
        "swedish": f"{day.day} {MONTH_NAMES[day.month - 1]} {day.year}",
        "dotted": f"{day.day}.{day.month}.{day.year}",
        "slash": f"{day.day}/{day.month} {day.year}",
        "labelled": f"Sammanträdesdatum: {day.isoformat()}",
    }[date_form]
    lines = [town] if town and town_form == "own line" else []
    body_line = body
    if town and town_form == "i":
        body_line = f"{body} i {town}"
    elif town and town_form == "comma":
        body_line = f"{body}, {town}"
    kind_line = f"{KIND_LINES[kind]} ({party})"
    if order == "body-date-kind":
        lines += [body_line, written, kind_line, item]
    elif order == "date-body-kind":
        lines += [written, body_line, kind_line, item]
    elif order == "kind-body-date":
        lines += [kind_line, body_line, written, item]
    else:
        lines += [f"{body_line} {written}, {item}", kind_line]
    text = "\n".join([*lines, "", "Texten i anteckningen.", "", "Anna Alm"])
    record = parse_note(text)
    assert (record.body_name, record.date, record.kind) == (body, day, kind)
    assert record.parties == (party,)
    assert record.item_title == "Budget"
    assert (record.item_number or record.paragraph_number) in (7, 45)
    assert record.text == "Texten i anteckningen."
    assert [s.name for s in record.signatories] == ["Anna Alm"]
