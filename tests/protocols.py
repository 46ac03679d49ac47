"""Protocols for the tests, written after the conventions of different Swedish municipalities'
published minutes, as text and as real PDFs (fpdf2): running heads with page numbers,
"Justerandes signatur / Utdragsbestyrkande" footers, two-column attendance, page breaks
inside a paragraph and words hyphenated at line ends. Each layout comes with what it must
yield. Made-up people and texts: no real person's words."""

from __future__ import annotations

import datetime
import logging
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

logging.getLogger("fontTools").setLevel(logging.WARNING)  # its subsetting talks at INFO

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
LONG = (
    "Förvaltningen har utrett frågan i samråd med berörda förvaltningar och bedömer att "
    "förslaget är genomförbart inom ramen för budgeten. Samhällsbyggnadsförvaltningens "
    "tjänsteutlåtande redovisar konsekvenserna för barn, miljö och ekonomi. "
)


@dataclass
class Expected:
    body: str
    date: datetime.date
    place: str
    time: str
    attendance: int
    paragraphs: dict[int, str]  # § → title
    cases: dict[int, str] = field(default_factory=dict)  # § → diarienummer
    notes: list[tuple[int, str, tuple[str, ...]]] = field(default_factory=list)  # §, kind, parties
    note_texts: dict[int, str] = field(default_factory=dict)  # § → words its note must hold
    votes: dict[int, tuple[int, int, int]] = field(default_factory=dict)  # § → ja, nej, avstår
    vote_parties: dict[int, dict[str, set[str]]] = field(default_factory=dict)
    ballots: dict[int, dict[str, str]] = field(default_factory=dict)  # § → name → choice
    results: dict[int, str] = field(default_factory=dict)  # § → words the result ends with
    # The ANSLAG/BEVIS block: justerat, anslaget uppsatt, nedtaget, förvaringsplats.
    notice: tuple = (None, None, None, "")


@dataclass
class Layout:
    name: str
    head: list[str]  # running head (page numbers filled in)
    front: list[str | tuple[str, str]]  # lines; a tuple is two columns
    body: list[str | tuple[str, ...]]  # lines; a tuple is a table row (a vote table)
    expected: Expected


LAYOUTS = [
    Layout(
        name="huddinge-ks",
        head=["Huddinge kommun", "PROTOKOLL", "Sida {page} ({pages})"],
        front=[
            "Kommunstyrelsen",
            "Sammanträdesdatum 2024-05-06",
            "Plats och tid: Kommunalhuset, Sessionssalen, kl. 16.00–18.30",
            "Beslutande",
            ("Anna Alm (M), ordförande", "Bo Berg (S)"),
            ("Cecilia Ceder (L)", "David Dahl (V)"),
            ("Eva Ek (KD)", "Filip Fors (MP)"),
            ("Gun Gran (C)", "Hans Holm (SD)"),
            "Tjänstgörande ersättare",
            ("Ida Ilm (S)", "Jon Jern (M)"),
            "Utses att justera: Bo Berg (S)",
            "Justeringens plats och tid: Kommunalhuset, 2024-05-08",
            "ANSLAG/BEVIS",
            "Protokollet är justerat. Justeringen har tillkännagivits genom anslag.",
            ("Datum då anslaget sätts upp", "2024-05-10"),
            ("Datum då anslaget tas ned", "2024-06-03"),
            ("Förvaringsplats för protokollet", "Kommunstyrelsens kansli"),
        ],
        body=[
            "§ 61",
            "Detaljplan för Flemingsbergsdalen",
            "Dnr KS-2024/123",
            "Kommunstyrelsens beslut",
            "Kommunstyrelsen godkänner förslaget till detaljplan.",
            "Ärendebeskrivning",
            LONG * 6,
            "Reservationer",
            "David Dahl (V) reserverar sig till förmån för eget yrkande.",
            "Protokollsanteckningar",
            "S-gruppen lämnar en protokollsanteckning, bilaga 3.",
            "Omröstning",
            "Ja-röst för kommunstyrelsens förslag, nej-röst för Vänsterpartiets yrkande.",
            "Ja-röster: 7 (M, L, KD, C, SD)",
            "Nej-röster: 3 (S, V, MP)",
            "Avstår: 0",
            "§ 62",
            "Budget för fritidsgårdar 2025",
            "Dnr KS-2024/130",
            "Beslut",
            "Kommunstyrelsen fastställer budgeten.",
            "Hans Holm (SD) lämnar ett särskilt yttrande.",
            "Bilaga 3",
            "Protokollsanteckning från Socialdemokraterna",
            "Vi vill se en trygg dalgång med fler gång- och cykelvägar och bättre belysning.",
            "För Socialdemokraterna",
            "Bo Berg (S)",
        ],
        expected=Expected(
            body="Kommunstyrelsen",
            date=datetime.date(2024, 5, 6),
            place="Kommunalhuset, Sessionssalen",
            time="16.00–18.30",
            attendance=10,
            paragraphs={
                61: "Detaljplan för Flemingsbergsdalen",
                62: "Budget för fritidsgårdar 2025",
            },
            cases={61: "KS-2024/123", 62: "KS-2024/130"},
            notes=[
                (61, "reservation", ("V",)),
                (61, "protokollsanteckning", ("S",)),
                (62, "sarskilt_yttrande", ("SD",)),
            ],
            note_texts={61: "gång- och cykelvägar"},
            votes={61: (7, 3, 0)},
            vote_parties={61: {"ja": {"M", "L", "KD", "C", "SD"}, "nej": {"S", "V", "MP"}}},
            notice=(
                datetime.date(2024, 5, 8),
                datetime.date(2024, 5, 10),
                datetime.date(2024, 6, 3),
                "Kommunstyrelsens kansli",
            ),
        ),
    ),
    Layout(
        name="socialnamnd-named-ballots",
        head=["SAMMANTRÄDESPROTOKOLL", "Socialnämnden", "{page}/{pages}"],
        front=[
            "Socialnämnden",
            "Datum: 12 mars 2024",
            "Plats: Stadshuset, rum Ängen",
            "Tid: 13.00–15.30",
            "Beslutande ledamöter",
            "Karin Krok (S), ordförande",
            "Lars Lind (M)",
            "Maja Mo (V)",
            "Nils Nord (SD)",
            "Olle Ort (C)",
            "Övriga närvarande",
            "Petra Pil, sekreterare",
            "Justerat den 14 mars 2024",
            "Anslaget uppsatt: fredag 15 mars 2024",
            "Förvaringsplats: Socialförvaltningen",
        ],
        body=[
            "§ 12 Ärende 4: Riktlinjer för ekonomiskt bistånd",
            "Diarienummer: SN-2024/12",
            "Socialnämndens beslut",
            "Nämnden antar riktlinjerna.",
            "Omröstningsresultat",
            "Karin Krok (S) Ja",
            "Lars Lind (M) Ja",
            "Maja Mo (V) Nej",
            "Nils Nord (SD) Ja",
            "Olle Ort (C) Avstår",
            "Med 3 ja-röster mot 1 nej-röster och 1 som avstår beslutar nämnden enligt förslaget.",
            "Reservation",
            "Vänsterpartiet reserverar sig mot beslutet. Riktlinjerna sänker normen för de "
            "familjer som har det svårast och strider mot barnets bästa.",
            "Maja Mo (V)",
        ],
        expected=Expected(
            body="Socialnämnden",
            date=datetime.date(2024, 3, 12),
            place="Stadshuset, rum Ängen",
            time="13.00–15.30",
            attendance=5,
            paragraphs={12: "Riktlinjer för ekonomiskt bistånd"},
            cases={12: "SN-2024/12"},
            notes=[(12, "reservation", ("V",))],
            note_texts={12: "barnets bästa"},
            votes={12: (3, 1, 1)},
            notice=(
                datetime.date(2024, 3, 14),
                datetime.date(2024, 3, 15),
                None,
                "Socialförvaltningen",
            ),
        ),
    ),
    Layout(
        name="fullmaktige-lists",
        head=["Protokoll", "Kommunfullmäktige 2023-11-20"],
        front=[
            "Kommunfullmäktige",
            "Sammanträde 20 november 2023",
            "Plats och tid: Stadshuset, kl. 18.00–22.10",
            "Beslutande",
            ("Rut Ros (S)", "Sven Sand (M)"),
            ("Tea Tall (V)", "Uno Ulv (SD)"),
            "Justerare: Tea Tall (V)",
        ],
        body=[
            "§ 140",
            "Ärende 9",
            "Motion om fler förskoleplatser i Stuvsta",
            "Dnr KS-2023/88",
            "Kommunfullmäktiges beslut",
            "Motionen avslås.",
            "Votering",
            "Ja: Sven Sand (M), Uno Ulv (SD)",
            "Nej: Rut Ros (S), Tea Tall (V)",
            "Resultat: Ordföranden finner att fullmäktige beslutat enligt ja-propositionen.",
            "Särskilda yttranden",
            "Sverigedemokraterna lämnar ett särskilt yttrande:",
            "Vi delar motionens mål men anser att platserna ska byggas i befintliga lokaler "
            "för att hålla nere kostnaderna.",
            "Ersättaryttrande",
            "Ersättaren Vera Vik (C) lämnar ett ersättaryttrande om förskolans lokaler.",
            "ANSLAG/BEVIS",
            "Protokollet är justerat. Justeringen har tillkännagivits genom anslag.",
            "Datum för anslags uppsättande",
            "24 november 2023",
            "Datum för anslags nedtagande",
            "18 december 2023",
            "Förvaringsplats för protokollet",
            "Kommunledningskontoret",
        ],
        expected=Expected(
            body="Kommunfullmäktige",
            date=datetime.date(2023, 11, 20),
            place="Stadshuset",
            time="18.00–22.10",
            attendance=4,
            paragraphs={140: "Motion om fler förskoleplatser i Stuvsta"},
            cases={140: "KS-2023/88"},
            notes=[(140, "sarskilt_yttrande", ("SD",)), (140, "ersattaryttrande", ("C",))],
            note_texts={140: "befintliga lokaler"},
            votes={140: (2, 2, 0)},
            notice=(
                None,
                datetime.date(2023, 11, 24),
                datetime.date(2023, 12, 18),
                "Kommunledningskontoret",
            ),
        ),
    ),
]


# From the clerks' tour: the body named only in the running head, two pages, "Närvarande
# beslutande" with a substitute serving for an absent member, "följande särskilda
# yttrande", diarienummer with a space or in the title, a decision to keep.
LAYOUTS.append(
    Layout(
        name="teknisk-namnd-running-head",
        head=["Tekniska nämnden", "SAMMANTRÄDESPROTOKOLL", "Sammanträdesdatum 2024-10-01"],
        front=[
            "Plats och tid: Stadshuset, kl. 09.00–11.00",
            "Närvarande beslutande",
            "Anja Alfågel (C) för Nora Nötväcka (C)",
            "Bertil Bok (S)",
            "Cissi Cederblad (M)",
            "Utses att justera: Bertil Bok (S)",
        ],
        body=[
            "§ 31",
            "Taxor för parkering 2025 (TN 2024/77)",
            "Beslut",
            "Nämnden fastställer taxorna enligt förvaltningens förslag.",
            "Socialdemokraterna lämnar följande särskilda yttrande:",
            "Taxorna slår hårt mot dem som bor i ytterområdena.",
            "§ 32",
            "Snöröjning",
            "Dnr BUN 2024/311",
            "Beslut",
            "Informationen läggs till handlingarna.",
            LONG * 9,
        ],
        expected=Expected(
            body="Tekniska nämnden",
            date=datetime.date(2024, 10, 1),
            place="Stadshuset",
            time="09.00–11.00",
            attendance=3,
            paragraphs={31: "Taxor för parkering 2025", 32: "Snöröjning"},
            cases={31: "TN-2024/77", 32: "BUN-2024/311"},
            notes=[(31, "sarskilt_yttrande", ("S",))],
            note_texts={31: "ytterområdena"},
        ),
    )
)


# From other municipalities' minutes: vote tables with a cross under Ja, Nej or Avstår (one
# with the party in a column of its own, one with a column for absent members and a sum row),
# and a vote sentence wrapped over two lines.
LAYOUTS.append(
    Layout(
        name="bun-vote-tables",
        head=["PROTOKOLL", "Barn- och utbildningsnämnden", "Sida {page} av {pages}"],
        front=[
            "Barn- och utbildningsnämnden",
            "Sammanträdesdatum: 2024-09-17",
            "Plats och tid: Kommunalhuset, kl. 18.00–20.15",
            "Beslutande",
            ("Greta Gök (M), ordförande", "Harald Hök (S)"),
            ("Irma Ister (L)", "Jonas Jakt (V)"),
            ("Kerstin Kaja (SD)", "Ludvig Lärka (C)"),
            "Utses att justera: Harald Hök (S)",
        ],
        body=[
            "§ 88",
            "Ny skolorganisation i Flemingsberg",
            "Dnr BUN-2024/501",
            "Beslut",
            "Nämnden beslutar enligt ordförandens förslag.",
            "Omröstning",
            "Ja-röst för ordförandens förslag, nej-röst för Socialdemokraternas yrkande.",
            ("Ledamot", "Ja", "Nej", "Avstår", "Frånvarande"),
            ("Greta Gök (M)", "X", "", "", ""),
            ("Harald Hök (S)", "", "X", "", ""),
            ("Irma Ister (L)", "X", "", "", ""),
            ("Jonas Jakt (V)", "", "X", "", ""),
            ("Kerstin Kaja (SD)", "X", "", "", ""),
            ("Ludvig Lärka (C)", "", "", "", "X"),
            ("Summa", "3", "2", "0", "1"),
            "Med 3 ja-röster mot 2 nej-röster beslutar nämnden att bifalla förslaget från "
            "ordföranden om en ny skolorganisation i Flemingsberg.",
            "§ 89",
            "Skolskjuts för elever i Sundby",
            "Dnr BUN-2024/502",
            "Beslut",
            "Nämnden avslår yrkandet.",
            "Omröstning",
            ("Ledamot", "Parti", "Ja", "Nej", "Avstår"),
            ("Greta Gök", "M", "X", "", ""),
            ("Harald Hök", "S", "", "X", ""),
            ("Irma Ister", "L", "", "", "X"),
            ("Jonas Jakt", "V", "", "X", ""),
            ("Kerstin Kaja", "SD", "X", "", ""),
            ("Ludvig Lärka", "C", "X", "", ""),
        ],
        expected=Expected(
            body="Barn- och utbildningsnämnden",
            date=datetime.date(2024, 9, 17),
            place="Kommunalhuset",
            time="18.00–20.15",
            attendance=6,
            paragraphs={
                88: "Ny skolorganisation i Flemingsberg",
                89: "Skolskjuts för elever i Sundby",
            },
            cases={88: "BUN-2024/501", 89: "BUN-2024/502"},
            votes={88: (3, 2, 0), 89: (3, 2, 1)},
            ballots={
                88: dict(
                    zip(
                        ("Greta Gök", "Harald Hök", "Irma Ister", "Jonas Jakt", "Kerstin Kaja"),
                        ("ja", "nej", "ja", "nej", "ja"),
                        strict=True,
                    )
                ),
                89: dict(
                    zip(
                        (
                            "Greta Gök",
                            "Harald Hök",
                            "Irma Ister",
                            "Jonas Jakt",
                            "Kerstin Kaja",
                            "Ludvig Lärka",
                        ),
                        ("ja", "nej", "avstar", "nej", "ja", "ja"),
                        strict=True,
                    )
                ),
            },
            results={88: "från ordföranden om en ny skolorganisation i Flemingsberg."},
        ),
    )
)


def _wrap(line: str, width: int = 78) -> list[str]:
    """Lines of at most ``width`` characters; a long word is hyphenated at the line end, as
    typeset minutes do."""
    wrapped = textwrap.wrap(line, width=width, break_long_words=False, break_on_hyphens=False)
    out: list[str] = []
    for piece in wrapped:
        out.append(piece)
    # Hyphenate the first long word of a long line across the line end, once.
    if len(out) > 1:
        last_word = out[0].rsplit(" ", 1)
        if len(last_word) == 2 and len(last_word[1]) > 10:
            head, word = last_word
            out[0] = f"{head} {word[:6]}-"
            out[1] = f"{word[6:]} {out[1]}"
    return out


def protocol_text(layout: Layout, pages: int | None = None) -> list[list[str]]:
    """The protocol's pages as lines (furniture included), about 40 lines to a page."""
    lines: list[str] = []
    for entry in layout.front:
        lines.append(entry if isinstance(entry, str) else f"{entry[0]}    {entry[1]}")
    lines.append("")
    for entry in layout.body:
        if isinstance(entry, tuple):
            lines.append(TABLE + TAB.join(entry))
            continue
        lines += _wrap(entry) + ([""] if len(entry) > 78 else [])
    per_page = 40
    chunks = [lines[i : i + per_page] for i in range(0, len(lines), per_page)] or [[]]
    if pages:
        while len(chunks) < pages:
            chunks.append([])
    total = len(chunks)
    result = []
    for number, chunk in enumerate(chunks, start=1):
        head = [h.format(page=number, pages=total) for h in layout.head]
        foot = ["Justerandes signatur      Utdragsbestyrkande"]
        result.append([*head, "", *chunk, "", *foot])
    return result


TABLE, TAB = "\x01", "\t"  # a table row's mark and its cell separator, in protocol_text()


def _laid_out(line: str) -> str:
    """A table row as pdftotext -layout writes it: the cells at fixed columns."""
    if not line.startswith(TABLE):
        return line
    first, *cells = line[1:].split(TAB)
    return f"{first:<30}" + "".join(f"{cell:^12}" for cell in cells).rstrip()


def as_text(layout: Layout) -> bytes:
    pages = protocol_text(layout)
    return "\f".join("\n".join(_laid_out(line) for line in page) for page in pages).encode()


def as_pdf(layout: Layout, columns: bool = True) -> bytes:
    """A real PDF: the running head across the top, two-column attendance as two cells.
    (A long protocol's paragraphs run over as many pages as their text takes.)"""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    if FONT.exists():
        pdf.add_font("Body", "", str(FONT))
        pdf.set_font("Body", size=10)
    else:  # pragma: no cover - CI installs fonts-dejavu-core with Chromium
        pdf.set_font("Helvetica", size=10)
    for page in protocol_text(layout):
        pdf.add_page()
        for line in page:
            if line.startswith(TABLE):
                first, *cells = line[1:].split(TAB)
                pdf.cell(60, 6, first)
                for cell in cells:
                    pdf.cell(22, 6, cell, align="C")
                pdf.ln()
            elif columns and "    " in line and "(" in line:
                left, right = line.split("    ", 1)
                pdf.cell(90, 6, left.strip())
                pdf.cell(90, 6, right.strip(), new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def long_protocol(pages: int) -> Layout:
    """A protocol of ``pages`` pages (two paragraphs to a page, each with a decision, a
    description and a reservation)."""
    base = LAYOUTS[0]
    body: list[str] = []
    for number in range(1, 2 * pages + 1):
        body += [
            f"§ {number}",
            f"Ärende nummer {number} om verksamhetens utveckling",
            f"Dnr KS-2024/{number}",
            "Kommunstyrelsens beslut",
            "Kommunstyrelsen godkänner förslaget.",
            LONG * 4,
            f"Bo Berg (S) reserverar sig mot beslutet i ärende {number}.",
        ]
    return Layout(
        name=f"long-{pages}", head=base.head, front=base.front, body=body, expected=base.expected
    )
