"""Vote tables with crosses (#18): for any members, choices, column order and widths, the
crosses are read under the right column, as a laid-out text and as a PDF's character boxes."""

from __future__ import annotations

from fpdf import FPDF
from hypothesis import given, settings
from hypothesis import strategies as st

from notes.ingest import protocol_parts as parts
from notes.ingest.vote_tables import page_glyphs, resolve_crosses, text_glyphs
from tests.protocols import FONT

FIRST = ["Anna", "Bo", "Cecilia", "David", "Eva", "Filip", "Gun", "Hans", "Ida", "Åsa", "Örjan"]
LAST = ["Alm", "Berg", "Ceder", "Dahl", "Ek", "Fors", "Gran", "Holm", "Ilm", "Öberg", "Ängel"]
PARTIES = ["S", "M", "SD", "C", "V", "KD", "L", "MP"]
SIDES = {"Ja": parts.YES, "Nej": parts.NO, "Avstår": parts.ABSTAIN}

members = st.lists(
    st.tuples(
        st.sampled_from(FIRST),
        st.sampled_from(LAST),
        st.sampled_from(PARTIES),
        st.sampled_from(["Ja", "Nej", "Avstår", "Frånvarande", ""]),
    ),
    min_size=1,
    max_size=15,
    unique_by=lambda m: (m[0], m[1]),
)
headings = st.permutations(["Ja", "Nej", "Avstår", "Frånvarande"])


def _table(rows, order, party_column):
    head = ["Ledamot", *(["Parti"] if party_column else []), *order]
    body = []
    for first, last, party, choice in rows:
        name = f"{first} {last}" if party_column else f"{first} {last} ({party})"
        cells = [name, *([party] if party_column else [])]
        body.append(cells + ["X" if choice == column else "" for column in order])
    totals = [str(sum(1 for *_, c in rows if c == column)) for column in order]
    body.append(["Summa", *([""] if party_column else []), *totals])
    return head, body


def _read(lines):
    vote = parts.Vote(page=1)
    unread = [line for line in lines if line and not parts.read_vote_line(vote, line)]
    return vote, unread


def _expected(rows):
    return {
        (f"{first} {last}", SIDES[choice]) for first, last, _, choice in rows if choice in SIDES
    }


@settings(max_examples=150, deadline=None)
@given(rows=members, order=headings, party_column=st.booleans(), width=st.integers(6, 14))
def test_crosses_in_a_laid_out_text_are_read_under_their_column(rows, order, party_column, width):
    head, body = _table(rows, order, party_column)
    first = max(len(cells[0]) for cells in [head, *body]) + 2
    # Each column at least as wide as its heading and a space either side, as pdftotext writes.
    widths = [first, *(max(width, len(label) + 2) for label in head[1:])]

    def lay(cells):
        return "".join(
            f"{c:<{w}}" if i == 0 else f"{c:^{w}}"
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        )

    lines = resolve_crosses([text_glyphs(lay(cells)) for cells in [head, *body]])
    vote, unread = _read(lines)
    assert unread == []
    assert {(name, choice) for choice, name, _ in vote.ballots} == _expected(rows)
    for label, choice in SIDES.items():
        assert vote.counts[choice] == sum(1 for *_, c in rows if c == label)
    assert parts.check_vote(vote, None) == []


@settings(max_examples=12, deadline=None)
@given(rows=members, order=headings, party_column=st.booleans())
def test_crosses_in_a_pdf_are_read_from_the_character_boxes(rows, order, party_column):
    import pypdfium2

    from notes.ingest.protocol_text import _chars

    head, body = _table(rows, order, party_column)
    pdf = FPDF()
    pdf.add_page()
    pdf.add_font("Body", "", str(FONT))
    pdf.set_font("Body", size=10)
    for cells in [head, *body]:
        pdf.cell(50, 6, cells[0])
        for cell in cells[1:]:
            pdf.cell(24, 6, cell, align="C")
        pdf.ln()
    document = pypdfium2.PdfDocument(bytes(pdf.output()))
    try:
        lines = resolve_crosses(page_glyphs(_chars(document[0].get_textpage())))
    finally:
        document.close()
    vote, unread = _read(lines)
    assert unread == []
    assert {(name, choice) for choice, name, _ in vote.ballots} == _expected(rows)
    assert {party for _, _, party in vote.ballots} <= set(PARTIES)
