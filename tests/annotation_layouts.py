# ruff: noqa: C408 - the expected fields read best as keywords
"""Annotation texts in the layouts Swedish municipalities publish them in (#18): headers on
one line or several, body and town together, the kind first or last, items as ärende, §,
punkt or paragraf, dates in the forms minutes use, parties in a För-line, in parentheses, as
X-gruppen or only in the first person, signatories with their own party. Made-up names and
texts: no real person's words. Each layout lists the fields it must yield."""

from __future__ import annotations

import datetime

D = datetime.date

# (name, text, expected): expected keys body, date, kind, number, paragraph, title, case,
# parties, signatories, text (words the text must hold).
LAYOUTS: list[tuple[str, str, dict]] = [
    (
        "huddinge-standard",
        """Huddinge kommun
Kommunstyrelsen
2021-05-05

PROTOKOLLSANTECKNING

Ärende 22: Preventionsarbete

Vi vill se fler fältassistenter i kommundelarna.

För Socialdemokraterna
Anna Alm""",
        dict(
            body="Kommunstyrelsen",
            date=D(2021, 5, 5),
            kind="protokollsanteckning",
            number=22,
            title="Preventionsarbete",
            parties=("S",),
            signatories=("Anna Alm",),
            text="fältassistenter",
        ),
    ),
    (
        "one-line-header-with-item",
        """Botkyrka kommun
Kommunstyrelsen 2022-03-14, ärende 7
Reservation
Budget för skolan 2023

Vi reserverar oss mot beslutet eftersom skolan får för lite.

Bo Berg (V)""",
        dict(
            body="Kommunstyrelsen",
            date=D(2022, 3, 14),
            kind="reservation",
            number=7,
            title="Budget för skolan 2023",
            parties=("V",),
            signatories=("Bo Berg",),
            text="för lite",
        ),
    ),
    (
        "kind-first",
        """PROTOKOLLSANTECKNING
Socialnämnden
2023-09-12
§ 104 Riktlinjer för hemtjänst
Dnr SN-2023/77

Hemtjänsten behöver mer tid för varje besök.

För Vänsterpartiet
Maja Mo""",
        dict(
            body="Socialnämnden",
            date=D(2023, 9, 12),
            kind="protokollsanteckning",
            paragraph=104,
            title="Riktlinjer för hemtjänst",
            case="SN-2023/77",
            parties=("V",),
            signatories=("Maja Mo",),
            text="varje besök",
        ),
    ),
    (
        "body-and-town-one-line",
        """Kultur- och fritidsnämnden i Huddinge kommun
den 4 februari 2020
Särskilt yttrande från (L)
§ 12: Bibliotekets öppettider

Biblioteket bör hålla öppet på söndagar.

Lars Lind (L)""",
        dict(
            body="Kultur- och fritidsnämnden",
            date=D(2020, 2, 4),
            kind="sarskilt_yttrande",
            paragraph=12,
            title="Bibliotekets öppettider",
            parties=("L",),
            signatories=("Lars Lind",),
            text="söndagar",
        ),
    ),
    (
        "body-comma-town",
        """Kommunfullmäktige, Nacka kommun
Sammanträde 2019-06-17
Reservation (S, V, MP)
Ärende 15 Skattesats 2020

Vi yrkade på en höjd skattesats för välfärden.

Cia Ceder (S)
Dan Dahl (V)
Eva Ek (MP)""",
        dict(
            body="Kommunfullmäktige",
            date=D(2019, 6, 17),
            kind="reservation",
            number=15,
            title="Skattesats 2020",
            parties=("S", "V", "MP"),
            signatories=("Cia Ceder", "Dan Dahl", "Eva Ek"),
            text="välfärden",
        ),
    ),
    (
        "first-person-only",
        """Tyresö kommun
Barn- och utbildningsnämnden
2024-01-22
Reservation
Ärende 4: Skolskjuts

Vi i Miljöpartiet reserverar oss mot beslutet. Skolskjutsen behövs för barnen i skärgården.

Karl Kvist""",
        dict(
            body="Barn- och utbildningsnämnden",
            date=D(2024, 1, 22),
            kind="reservation",
            number=4,
            title="Skolskjuts",
            parties=("MP",),
            signatories=("Karl Kvist",),
            text="skärgården",
        ),
    ),
    (
        "dotted-date",
        """Haninge kommun
Miljö- och byggnadsnämnden
Datum: 12.10.2021
Protokollsanteckning (C)
§ 88 Strandskydd vid Dalarö

Strandskyddet måste prövas i varje enskilt fall.

Gun Gran (C)""",
        dict(
            body="Miljö- och byggnadsnämnden",
            date=D(2021, 10, 12),
            kind="protokollsanteckning",
            paragraph=88,
            title="Strandskydd vid Dalarö",
            parties=("C",),
            signatories=("Gun Gran",),
            text="enskilt fall",
        ),
    ),
    (
        "everything-on-one-line",
        """Protokollsanteckning – Kommunfullmäktige 2019-06-17 – § 88 Motion om solceller

Solceller på kommunens tak lönar sig redan i dag.

För Sverigedemokraterna
Hans Holm""",
        dict(
            body="Kommunfullmäktige",
            date=D(2019, 6, 17),
            kind="protokollsanteckning",
            paragraph=88,
            title="Motion om solceller",
            parties=("SD",),
            signatories=("Hans Holm",),
            text="tak",
        ),
    ),
    (
        "ersattaryttrande-by-person",
        """Huddinge kommun
Socialnämnden
2022-11-29
Ersättaryttrande: Ida Ilm (KD)
Ärende 9: Placeringar

Fler familjehem behöver rekryteras.""",
        dict(
            body="Socialnämnden",
            date=D(2022, 11, 29),
            kind="ersattaryttrande",
            number=9,
            title="Placeringar",
            parties=("KD",),
            signatories=("Ida Ilm",),
            text="familjehem",
        ),
    ),
    (
        "punkt-item",
        """Södertälje kommun
Kommunstyrelsen
2020-08-31
Särskilt yttrande
Punkt 5: Motion om cykelbanor

Cykelbanorna borde byggas ut före vägarna.

För Centerpartiet
Jon Jern""",
        dict(
            body="Kommunstyrelsen",
            date=D(2020, 8, 31),
            kind="sarskilt_yttrande",
            number=5,
            title="Motion om cykelbanor",
            parties=("C",),
            signatories=("Jon Jern",),
            text="vägarna",
        ),
    ),
    (
        "paragraf-item",
        """Värmdö kommun
Kommunstyrelsens arbetsutskott
2021-04-13
Protokollsanteckning
Paragraf 33 Detaljplan för Gustavsberg

Planen saknar en skola.

Kim Kol (S)""",
        dict(
            body="Kommunstyrelsens arbetsutskott",
            date=D(2021, 4, 13),
            kind="protokollsanteckning",
            paragraph=33,
            title="Detaljplan för Gustavsberg",
            parties=("S",),
            signatories=("Kim Kol",),
            text="skola",
        ),
    ),
    (
        "signature-comma-party",
        """Huddinge kommun
Grundskolenämnden
2023-02-07
Reservation
Ärende 11: Skolval

Skolvalet ökar segregationen.

Lena Lax, V
Mats Mo, V""",
        dict(
            body="Grundskolenämnden",
            date=D(2023, 2, 7),
            kind="reservation",
            number=11,
            title="Skolval",
            parties=("V",),
            signatories=("Lena Lax", "Mats Mo"),
            text="segregationen",
        ),
    ),
    (
        "group-in-for-line",
        """Huddinge kommun
Kommunstyrelsen
2024-06-10
Protokollsanteckning
Ärende 3: Lokalförsörjning

Lokalerna i Flemingsberg ska användas bättre.

För S-gruppen
Nina Nord""",
        dict(
            body="Kommunstyrelsen",
            date=D(2024, 6, 10),
            kind="protokollsanteckning",
            number=3,
            title="Lokalförsörjning",
            parties=("S",),
            signatories=("Nina Nord",),
            text="Flemingsberg",
        ),
    ),
    (
        "party-with-place",
        """Huddinge kommun
Äldreomsorgsnämnden
2 mars 2022
Särskilt yttrande
Ärende 6: Trygghetsboende

Trygghetsboendena behövs i alla kommundelar.

För Kristdemokraterna i Huddinge
Olle Ort""",
        dict(
            body="Äldreomsorgsnämnden",
            date=D(2022, 3, 2),
            kind="sarskilt_yttrande",
            number=6,
            title="Trygghetsboende",
            parties=("KD",),
            signatories=("Olle Ort",),
            text="kommundelar",
        ),
    ),
    (
        "case-in-item-line",
        """Huddinge kommun
Kommunstyrelsen
2021-09-20
Reservation (M)
Ärende 3 (KS-2021/12) Budget 2022

Budgeten saknar effektiviseringar.

Per Pil (M)""",
        dict(
            body="Kommunstyrelsen",
            date=D(2021, 9, 20),
            kind="reservation",
            number=3,
            title="Budget 2022",
            case="KS-2021/12",
            parties=("M",),
            signatories=("Per Pil",),
            text="effektiviseringar",
        ),
    ),
    (
        "short-swedish-date",
        """Salems kommun
Kommunfullmäktige
Sammanträdesdatum: 5/5 2021
Protokollsanteckning (L)
§ 45 Val av revisorer

Revisionen ska vara oberoende.

Rut Ros (L)""",
        dict(
            body="Kommunfullmäktige",
            date=D(2021, 5, 5),
            kind="protokollsanteckning",
            paragraph=45,
            title="Val av revisorer",
            parties=("L",),
            signatories=("Rut Ros",),
            text="oberoende",
        ),
    ),
    (
        "several-on-one-signature-line",
        """Huddinge kommun
Natur- och byggnadsnämnden
2022-10-18
Reservation
Ärende 8: Bygglov i Stuvsta

Bygglovet strider mot detaljplanen.

Sven Sand (S), Tea Tall (V)""",
        dict(
            body="Natur- och byggnadsnämnden",
            date=D(2022, 10, 18),
            kind="reservation",
            number=8,
            title="Bygglov i Stuvsta",
            parties=("S", "V"),
            signatories=("Sven Sand", "Tea Tall"),
            text="detaljplanen",
        ),
    ),
    (
        "weekday-date-and-former-party-name",
        """Huddinge kommun
Kommunstyrelsen
måndagen den 3 december 2018
Särskilt yttrande från Folkpartiet
Ärende 14: Integrationsprogram

Språket är nyckeln till arbete.

Uno Ulv""",
        dict(
            body="Kommunstyrelsen",
            date=D(2018, 12, 3),
            kind="sarskilt_yttrande",
            number=14,
            title="Integrationsprogram",
            parties=("L",),
            signatories=("Uno Ulv",),
            text="nyckeln",
        ),
    ),
    (
        "party-name-reserves-in-text",
        """Nynäshamns kommun
Kommunstyrelsen
2023-05-15
Reservation
§ 61 Hamnens utveckling

Sverigedemokraterna reserverar sig mot beslutet till förmån för eget yrkande.

Vera Vik""",
        dict(
            body="Kommunstyrelsen",
            date=D(2023, 5, 15),
            kind="reservation",
            paragraph=61,
            title="Hamnens utveckling",
            parties=("SD",),
            signatories=("Vera Vik",),
            text="eget yrkande",
        ),
    ),
    (
        "arende-nr-and-dnr-colon",
        """Huddinge kommun
Socialnämnden
2020-12-08
Protokollsanteckning
Ärende nr 10 – Försörjningsstöd
Diarienummer: SN-2020/301

Handläggningstiderna måste bli kortare.

För Socialdemokraterna och Vänsterpartiet
Åsa Åkesson (S)
Örjan Öst (V)""",
        dict(
            body="Socialnämnden",
            date=D(2020, 12, 8),
            kind="protokollsanteckning",
            number=10,
            title="Försörjningsstöd",
            case="SN-2020/301",
            parties=("S", "V"),
            signatories=("Åsa Åkesson", "Örjan Öst"),
            text="kortare",
        ),
    ),
]
