"""Tests for notes.ingest.parsing: pure functions, no database."""

from __future__ import annotations

import dataclasses
import datetime
from pathlib import Path

import pytest

from notes.ingest.decoding import decode_bytes
from notes.ingest.parsing import (
    KIND_ERSATTARYTTRANDE,
    KIND_PROTOKOLLSANTECKNING,
    KIND_RESERVATION,
    KIND_SARSKILT_YTTRANDE,
    ParseError,
    Signatory,
    parse_bytes,
    parse_note,
)
from notes.parties import PARTIES, find_party

SAMPLE = Path(__file__).parent / "fixtures" / "huddinge-ks-2021-05-05-arende-22.txt"
SAMPLE_TITLE = (
    "Huddinge kommuns preventionsarbete - beslut om instruktioner för referensgrupp "
    "samt val av ledamöter till densamma"
)


def make_note(
    kind: str = "PROTOKOLLSANTECKNING",
    item: str = "Ärende 5: Budget 2022",
    date: str = "2021-05-05",
    text: str = "Vi anser att budgeten är bra.\n\nDen är dessutom rimlig.",
    signature: str = "För Socialdemokraterna\nSara Heelge Vikmång",
) -> str:
    """A small well-formed note, with one part replaceable per test."""
    return (
        f"Huddinge kommun\nKommunstyrelsen\n{date}\n\n{kind}\n\n{item}\n\n{text}\n\n{signature}\n"
    )


def sample_bytes() -> bytes:
    return SAMPLE.read_bytes()


# --------------------------------------------------------------------------- the real sample


def expected_sample_text(raw: str) -> str:
    """The body paragraphs, cut from the raw file by plain splitting on blank lines."""
    chunks = [chunk.strip("\n") for chunk in raw.split("\n\n") if chunk.strip()]
    start = next(i for i, chunk in enumerate(chunks) if chunk.startswith("Ärende 22")) + 1
    end = next(i for i, chunk in enumerate(chunks) if chunk.startswith("För Socialdemokraterna"))
    return "\n\n".join(chunks[start:end])


def test_sample_file_parses_exactly():
    raw = SAMPLE.read_text(encoding="utf-8")
    note = parse_note(raw, "sample.txt")

    assert note.municipality == "Huddinge kommun"
    assert note.body_name == "Kommunstyrelsen"
    assert note.date == datetime.date(2021, 5, 5)
    assert note.kind == KIND_PROTOKOLLSANTECKNING
    assert note.item_number == 22
    assert note.paragraph_number is None
    assert note.item_title == SAMPLE_TITLE
    assert note.case_number == ""
    assert note.parties == ("S",)
    assert note.signatories == (Signatory("Sara Heelge Vikmång", None),)
    assert note.source == "sample.txt"

    expected = expected_sample_text(raw)
    assert expected.count("\n\n") == 5  # six paragraphs in the published sample
    assert note.text == expected
    assert note.text.startswith("Huddinge är i många")
    assert note.text.endswith("som nu tillsätts.")
    assert "civilsamhället.”\n\nVi vet nämligen" in note.text
    assert "För Socialdemokraterna" not in note.text.split("\n\n")[-1]


def test_sample_body_paragraph_starting_with_for_is_text():
    """'För att öka tryggheten …' is a body paragraph, not a signature line."""
    note = parse_note(SAMPLE.read_text(encoding="utf-8"))
    assert "\n\nFör att öka tryggheten krävs" in note.text


def test_parse_bytes_equals_parse_note_on_sample():
    raw = sample_bytes()
    assert parse_bytes(raw, "a.txt") == parse_note(raw.decode("utf-8"), "a.txt")


# --------------------------------------------------------------------------- decoding


def test_decode_bytes_crlf_and_lone_cr():
    assert decode_bytes(b"a\r\nb\rc\n") == "a\nb\nc\n"


def test_decode_bytes_strips_utf8_bom():
    assert decode_bytes("\ufeffÄrende".encode()) == "Ärende"


def test_decode_bytes_falls_back_to_windows_1252():
    assert decode_bytes("Särskilt yttrande ”x”".encode("cp1252")) == "Särskilt yttrande ”x”"


@pytest.mark.parametrize(
    "encode",
    [
        pytest.param(lambda text: text.replace("\n", "\r\n").encode("utf-8"), id="crlf"),
        pytest.param(lambda text: text.replace("\n", "\r").encode("utf-8"), id="cr"),
        pytest.param(lambda text: b"\xef\xbb\xbf" + text.encode("utf-8"), id="bom"),
        pytest.param(lambda text: text.encode("cp1252"), id="cp1252"),
        pytest.param(lambda text: text.replace("\n", "\r\n").encode("cp1252"), id="cp1252-crlf"),
    ],
)
def test_sample_in_other_encodings_gives_same_record(encode):
    text = SAMPLE.read_text(encoding="utf-8")
    reference = parse_bytes(text.encode("utf-8"), "utf8.txt")
    other = parse_bytes(encode(text), "other.txt")
    assert dataclasses.replace(other, source="utf8.txt") == reference
    assert other.source == "other.txt"


# --------------------------------------------------------------------------- kind headers


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("PROTOKOLLSANTECKNING", KIND_PROTOKOLLSANTECKNING),
        ("protokollsanteckning", KIND_PROTOKOLLSANTECKNING),
        ("Protokollsanteckning", KIND_PROTOKOLLSANTECKNING),
        ("RESERVATION", KIND_RESERVATION),
        ("reservation", KIND_RESERVATION),
        ("Reservation", KIND_RESERVATION),
        ("SÄRSKILT YTTRANDE", KIND_SARSKILT_YTTRANDE),
        ("särskilt yttrande", KIND_SARSKILT_YTTRANDE),
        ("Särskilt Yttrande", KIND_SARSKILT_YTTRANDE),
        ("ERSÄTTARYTTRANDE", KIND_ERSATTARYTTRANDE),
        ("ersättaryttrande", KIND_ERSATTARYTTRANDE),
        ("Ersättaryttrande", KIND_ERSATTARYTTRANDE),
    ],
)
def test_kind_header_any_case(header, kind):
    assert parse_note(make_note(kind=header)).kind == kind


@pytest.mark.parametrize(
    ("header", "kind", "parties"),
    [
        ("Protokollsanteckning från (V)", KIND_PROTOKOLLSANTECKNING, ("V", "S")),
        ("Reservation (SD)", KIND_RESERVATION, ("SD", "S")),
        ("Särskilt yttrande från Socialdemokraterna", KIND_SARSKILT_YTTRANDE, ("S",)),
        ("RESERVATION från (S), (V) och (MP)", KIND_RESERVATION, ("S", "V", "MP")),
    ],
)
def test_kind_header_with_parties(header, kind, parties):
    note = parse_note(make_note(kind=header))
    assert note.kind == kind
    assert note.parties == parties


def test_kind_header_parties_without_for_line():
    # A bare name after a blank line at the end signs the text (its party: the header's).
    note = parse_note(make_note(kind="Reservation (SD)", signature="Anna Andersson"))
    assert note.parties == ("SD",)
    assert not note.text.endswith("Anna Andersson")
    assert note.signatories == (Signatory("Anna Andersson", None),)


def test_unknown_kind_header_is_reported():
    text = make_note(kind="INTERPELLATION")
    with pytest.raises(ParseError) as info:
        parse_note(text, "src.txt")
    assert info.value.line == 5
    assert "kind header" in info.value.expected
    assert info.value.found == "INTERPELLATION"


def test_unknown_party_in_kind_header_is_reported():
    with pytest.raises(ParseError) as info:
        parse_note(make_note(kind="Reservation (XYZ)"))
    assert info.value.expected == "a known party"
    assert info.value.found == "XYZ"
    assert info.value.line == 5


# --------------------------------------------------------------------------- item lines


@pytest.mark.parametrize(
    ("item", "number", "paragraph", "title", "case_number"),
    [
        ("Ärende 22: Budget", 22, None, "Budget", ""),
        ("Ärende 22 - Budget", 22, None, "Budget", ""),
        ("Ärende nr 22: Budget", 22, None, "Budget", ""),
        ("ärende 22. Budget", 22, None, "Budget", ""),
        ("Ärende 22\nBudget", 22, None, "Budget", ""),
        ("Ärende 22\n\nBudget", 22, None, "Budget", ""),
        ("Ärende 22", 22, None, "Vi anser att budgeten är bra.", ""),
        ("§ 45 Budget", None, 45, "Budget", ""),
        ("§ 45: Budget", None, 45, "Budget", ""),
        ("§45 Budget", None, 45, "Budget", ""),
        ("§ 45\nBudget", None, 45, "Budget", ""),
        ("§ 45\nÄrende 22: Budget", 22, 45, "Budget", ""),
        ("Ärende 22: Budget\n§ 45", 22, 45, "Budget", ""),
        ("Ärende 22, § 45: Budget", 22, 45, "Budget", ""),
        ("Ärende 22: Budget\nDnr KS-2021/123", 22, None, "Budget", "KS-2021/123"),
        ("Ärende 22: Budget\n\nDnr: KS-2021/123.111", 22, None, "Budget", "KS-2021/123.111"),
        ("Ärende 22: Budget\nDiarienummer bun-2020/45", 22, None, "Budget", "BUN-2020/45"),
        ("Ärende 22\nDnr KS-2021/123\nBudget", 22, None, "Budget", "KS-2021/123"),
        ("Dnr KS-2021/123\n§ 45 Budget", None, 45, "Budget", "KS-2021/123"),
    ],
)
def test_item_variants(item, number, paragraph, title, case_number):
    note = parse_note(make_note(item=item))
    assert note.item_number == number
    assert note.paragraph_number == paragraph
    assert note.item_title == title
    assert note.case_number == case_number
    if title == "Budget":
        assert note.text == "Vi anser att budgeten är bra.\n\nDen är dessutom rimlig."


def test_malformed_case_number():
    with pytest.raises(ParseError) as info:
        parse_note(make_note(item="Ärende 22: Budget\nDnr 123"))
    assert info.value.line == 8
    assert "case number" in info.value.expected


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2021-05-05", datetime.date(2021, 5, 5)),
        ("5 maj 2021", datetime.date(2021, 5, 5)),
        ("12 december 2019", datetime.date(2019, 12, 12)),
        ("den 5 maj 2021", datetime.date(2021, 5, 5)),
        ("5 MAJ 2021", datetime.date(2021, 5, 5)),
        ("3 sept 2020", datetime.date(2020, 9, 3)),
        ("3 sep. 2020", datetime.date(2020, 9, 3)),
        ("1 jan 2022", datetime.date(2022, 1, 1)),
        ("28 februari 2019", datetime.date(2019, 2, 28)),
    ],
)
def test_dates(line, expected):
    assert parse_note(make_note(date=line)).date == expected


def test_date_before_body_line():
    text = "Huddinge kommun\n2021-05-05\nSocialnämnden\nRESERVATION (V)\nÄrende 1: T\nText.\n"
    note = parse_note(text)
    assert note.body_name == "Socialnämnden"
    assert note.date == datetime.date(2021, 5, 5)
    assert note.parties == ("V",)
    assert note.signatories == ()


def test_no_municipality_line():
    note = parse_note("Kommunfullmäktige\n12 december 2019\nReservation (M)\n§ 3 T\nText.\n")
    assert note.municipality == ""
    assert note.body_name == "Kommunfullmäktige"


@pytest.mark.parametrize(
    "line", ["2021-13-45", "2021-02-30", "31 juni 2021", "5 majj 2021", "0 maj 2021"]
)
def test_invalid_date_reports_line(line):
    with pytest.raises(ParseError) as info:
        parse_note(make_note(date=line), "src.txt")
    assert info.value.line == 3
    assert info.value.expected == "a valid date"
    assert str(info.value) == f"src.txt:3: expected a valid date, found {line!r}"


def test_missing_date():
    text = "\nHuddinge kommun\nKommunstyrelsen\n\nRESERVATION (S)\nÄrende 1: T\nText.\n"
    with pytest.raises(ParseError) as info:
        parse_note(text, "src.txt")
    assert info.value.line == 5
    assert info.value.expected.startswith("a date line")
    assert str(info.value).startswith("src.txt:5: expected a date line")


# --------------------------------------------------------------------------- parties, signatures


@pytest.mark.parametrize(
    ("signature", "parties", "signatories"),
    [
        (
            "För Socialdemokraterna och Vänsterpartiet\nAnna Andersson\nPer Persson",
            ("S", "V"),
            (Signatory("Anna Andersson", None), Signatory("Per Persson", None)),
        ),
        (
            "För (S), (V) och (MP)\nAnna Andersson, Per Persson och Eva Ek",
            ("S", "V", "MP"),
            (
                Signatory("Anna Andersson", None),
                Signatory("Per Persson", None),
                Signatory("Eva Ek", None),
            ),
        ),
        (
            "För Moderaterna, Liberalerna och Kristdemokraterna\nDaniel Dronjak (M)",
            ("M", "L", "KD"),
            (Signatory("Daniel Dronjak", "M"),),
        ),
        (
            "För Socialdemokraterna\nSara Heelge Vikmång (S)\nAnna Andersson (V)",
            ("S", "V"),
            (Signatory("Sara Heelge Vikmång", "S"), Signatory("Anna Andersson", "V")),
        ),
        (
            "Anna Andersson (V)\nPer Persson (MP)",
            ("V", "MP"),
            (Signatory("Anna Andersson", "V"), Signatory("Per Persson", "MP")),
        ),
        (
            "Anna Andersson (V), Per Persson (Miljöpartiet de gröna)",
            ("V", "MP"),
            (Signatory("Anna Andersson", "V"), Signatory("Per Persson", "MP")),
        ),
        ("För Folkpartiet\nLars Larsson", ("L",), (Signatory("Lars Larsson", None),)),
        ("För FP\nLars Larsson", ("L",), (Signatory("Lars Larsson", None),)),
        ("För Folkpartiet liberalerna\nLars Larsson", ("L",), (Signatory("Lars Larsson", None),)),
        (
            "För Drevvikenpartiet och Huddingepartiet\nKarin Ek\n\nOlle Berg",
            ("DP", "HP"),
            (Signatory("Karin Ek", None), Signatory("Olle Berg", None)),
        ),
        ("För Sverigedemokraterna", ("SD",), ()),
        (
            "För Centerpartiet samt Liberalerna\nÅsa von Platen",
            ("C", "L"),
            (Signatory("Åsa von Platen", None),),
        ),
    ],
)
def test_signature_blocks(signature, parties, signatories):
    note = parse_note(make_note(signature=signature))
    assert note.parties == parties
    assert note.signatories == signatories
    assert note.text == "Vi anser att budgeten är bra.\n\nDen är dessutom rimlig."


def test_parties_merged_in_order_without_duplicates():
    note = parse_note(
        make_note(
            kind="Reservation från (V)",
            signature="För Socialdemokraterna och Vänsterpartiet\nA Andersson (MP)\nB Berg (S)",
        )
    )
    assert note.parties == ("V", "S", "MP")


def test_for_line_within_last_paragraph():
    note = parse_note(make_note(text="Vi yrkar avslag.", signature="").rstrip() + "\nFör (KD)\nEva")
    assert note.text == "Vi yrkar avslag."
    assert note.parties == ("KD",)
    assert note.signatories == (Signatory("Eva", None),)


def test_text_keeps_internal_line_breaks_and_strips_trailing_spaces():
    body = "Första raden   \nandra raden\n\n\n\nNytt stycke.\t"
    note = parse_note(make_note(text=body))
    assert note.text == "Första raden\nandra raden\n\nNytt stycke."


def test_unknown_party_in_for_line():
    text = make_note(signature="För Socialdemokraterna och Piratpartiet\nAnna Andersson")
    with pytest.raises(ParseError) as info:
        parse_note(text, "src.txt")
    assert info.value.line == 13
    assert info.value.expected == "a known party"
    assert info.value.found == "Piratpartiet"
    assert "Piratpartiet" in str(info.value)


def test_unknown_party_after_name():
    text = make_note(signature="För Socialdemokraterna\nAnna Andersson (XYZ)")
    with pytest.raises(ParseError) as info:
        parse_note(text)
    assert info.value.line == 14
    assert info.value.found == "XYZ"
    assert str(info.value) == "<text>:14: expected a known party, found 'XYZ'"


def test_no_party_anywhere():
    with pytest.raises(ParseError) as info:
        parse_note(make_note(signature="Anna Andersson"))
    assert info.value.expected == "a party (in the header or a 'För …' line)"
    assert info.value.line == 13


# --------------------------------------------------------------------------- find_party


@pytest.mark.parametrize(
    ("token", "abbreviation"),
    [
        ("S", "S"),
        ("(S)", "S"),
        ("s", "S"),
        ("Socialdemokraterna", "S"),
        ("Socialdemokraternas", "S"),
        ("SOCIALDEMOKRATERNA", "S"),
        ("Folkpartiet", "L"),
        ("FP", "L"),
        ("(fp)", "L"),
        ("Folkpartiet liberalerna", "L"),
        ("Miljöpartiet de gröna", "MP"),
        ("KDS", "KD"),
        ("Kristdemokratiska samhällspartiet", "KD"),
        ("Drevvikenpartiet", "DP"),
        ("Huddingepartiet", "HP"),
        ("Sverigedemokraterna", "SD"),
        ("Centerpartiet", "C"),
        ("Moderaterna", "M"),
        ("Vänsterpartiet", "V"),
        ("Socialdemokraterna i Huddinge", "S"),
    ],
)
def test_find_party(token, abbreviation):
    party = find_party(token)
    assert party is not None
    assert party.abbreviation == abbreviation


@pytest.mark.parametrize("token", ["", "XYZ", "Piratpartiet", "()", "att"])
def test_find_party_unknown(token):
    assert find_party(token) is None


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_parties_are_unique_and_colours_readable_on_white():
    abbreviations = [party.abbreviation for party in PARTIES]
    assert sorted(abbreviations) == sorted(["S", "M", "SD", "C", "V", "KD", "L", "MP", "DP", "HP"])
    for party in PARTIES:
        assert party.colour.startswith("#") and len(party.colour) == 7
        contrast = 1.05 / (_luminance(party.colour) + 0.05)
        assert contrast >= 4.5, party


# --------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n"])
def test_empty_text(text):
    with pytest.raises(ParseError) as info:
        parse_note(text, "src.txt")
    assert info.value.line == 1
    assert str(info.value).startswith("src.txt:1: expected ")


def test_missing_kind_header():
    text = "Huddinge kommun\nKommunstyrelsen\n2021-05-05\n\nÄrende 22: T\n\nText.\n\nFör (S)\nA B\n"
    with pytest.raises(ParseError) as info:
        parse_note(text, "src.txt")
    assert info.value.line == 5
    assert str(info.value) == (
        "src.txt:5: expected a kind header (PROTOKOLLSANTECKNING, RESERVATION, "
        "SÄRSKILT YTTRANDE or ERSÄTTARYTTRANDE), found 'Ärende 22: T'"
    )


def test_missing_kind_header_at_end_of_text():
    with pytest.raises(ParseError) as info:
        parse_note("Kommunstyrelsen\n2021-05-05\n")
    assert info.value.line == 3
    assert "kind header" in info.value.expected


def test_missing_item_line():
    text = make_note(item="")
    with pytest.raises(ParseError) as info:
        parse_note(text, "src.txt")
    assert info.value.line == 9
    assert str(info.value) == (
        "src.txt:9: expected an item line (Ärende N: title or § N title), "
        "found 'Vi anser att budgeten är bra.'"
    )


def test_missing_body_line():
    with pytest.raises(ParseError) as info:
        parse_note("2021-05-05\nRESERVATION (S)\nÄrende 1: T\nText.\n")
    assert info.value.line == 2
    assert info.value.expected.startswith("a body line")


def test_missing_annotation_text():
    with pytest.raises(ParseError) as info:
        parse_note(make_note(text=""), "src.txt")
    assert info.value.expected == "annotation text"
    assert info.value.line == 11
    assert info.value.found == "För Socialdemokraterna"


def test_long_found_is_shortened_in_message():
    error = ParseError(7, "something", "x" * 200, "src.txt")
    assert error.found == "x" * 200
    assert len(str(error)) < 100
    assert str(error).startswith("src.txt:7: expected something, found 'xxx")
