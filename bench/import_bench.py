"""Time `manage.py import_notes` on 10 000 distinct annotation files (`make bench-import`).

Not part of the test suite: it prints a figure, it asserts nothing but the files' validity.

1. Writes ``--files`` (default 10 000) distinct, valid annotation texts into a temporary folder,
   in the layout of notes/sample_data (see notes/parsing.py): about ten files per meeting and
   two per agenda item, the four kinds, "Ärende N" and "§ N" items, some with a Dnr line, ISO
   and Swedish dates, one to three parties and a recurring pool of signatories, paragraphs of
   the real sample plus a sentence that makes each text unique. The same ``--seed`` gives the
   same files. Every file is parsed before the clock starts.
2. Runs ``manage.py import_notes <folder> --no-progress`` against the database of
   ``DATABASE_URL`` (default: ``bench_import`` on the project's embedded server), after
   ``migrate``. Only databases whose names start with ``bench_`` or ``helper_`` are used;
   ``--reset`` drops and recreates that database first, so that every file is new.
3. Prints JSON: files, imported/unchanged/failed, seconds (the import command's wall time,
   Django start-up included), files per second and the database.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from notes.ingest.parsing import parse_bytes  # noqa: E402  (pure Python, no Django)
from notes.parties import PARTIES  # noqa: E402  (pure Python, no Django)

DEFAULT_DATABASE = "bench_import"
SAMPLE = ROOT / "notes" / "sample_data" / "huddinge-ks-2021-05-05-arende-22.txt"

BODIES = (
    ("Kommunfullmäktige", "KF"),
    ("Kommunstyrelsen", "KS"),
    ("Kommunstyrelsens arbetsutskott", "KSAU"),
    ("Grundskolenämnden", "GSN"),
    ("Socialnämnden", "SN"),
    ("Äldreomsorgsnämnden", "ÄON"),
    ("Natur- och byggnadsnämnden", "NBN"),
    ("Kultur- och fritidsnämnden", "KFN"),
    ("Miljö- och samhällsbyggnadsnämnden", "MSN"),
)
KINDS = ("PROTOKOLLSANTECKNING", "RESERVATION", "SÄRSKILT YTTRANDE", "ERSÄTTARYTTRANDE")
MONTHS = (
    "januari", "februari", "mars", "april", "maj", "juni",
    "juli", "augusti", "september", "oktober", "november", "december",
)  # fmt: skip
TITLES = (
    "Budget {year} för Huddinge kommun",
    "Detaljplan för {place}, del av {place} {n}:{m}",
    "Ny grundskola i {place}",
    "Trygghetsskapande åtgärder i {place}",
    "Svar på motion om fler hyresrätter i {place}",
    "Kvalitetsuppföljning av hemtjänsten {year}",
    "Cykelplan för {place}",
    "Föreningsbidrag för {year}",
)
PLACES = ("Flemingsberg", "Skogås", "Trångsund", "Vårby", "Masmo", "Stuvsta", "Segeltorp")
FIRST_NAMES = ("Anna", "Erik", "Maria", "Lars", "Karin", "Per", "Elin", "Johan", "Sara", "Ali")
LAST_NAMES = ("Andersson", "Berg", "Holm", "Lindqvist", "Ekström", "Hassan", "Sjöberg", "Wallin")
CLOSERS = (
    "Vi kommer att följa frågan noga.",
    "Mot denna bakgrund reserverar vi oss mot beslutet.",
    "Vi ber att våra synpunkter beaktas i det fortsatta arbetet.",
)


def log(message: str) -> None:
    print(f"[bench-import {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- files


def sample_paragraphs() -> list[str]:
    """The body paragraphs of the real sample (between the item line and the signature)."""
    chunks = [c.strip() for c in SAMPLE.read_text(encoding="utf-8").split("\n\n") if c.strip()]
    start = next(i for i, c in enumerate(chunks) if c.startswith("Ärende")) + 1
    end = next(i for i, c in enumerate(chunks) if c.startswith("För Socialdemokraterna\n"))
    return chunks[start:end]


def write_files(folder: Path, count: int, seed: int) -> list[Path]:
    """``count`` distinct annotation files in ``folder``; see the module docstring."""
    rng = random.Random(seed)
    paragraphs = sample_paragraphs()
    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    people = {party.abbreviation: [names.pop() for _ in range(6)] for party in PARTIES}
    # Distinct (body, day) meetings: about ten files each, on weekdays of 2015-2025.
    first = datetime.date(2015, 1, 5)
    days = [first + datetime.timedelta(days=d) for d in range(11 * 365)]
    weekdays = [d for d in days if d.weekday() < 5]
    meetings = sorted(
        rng.sample([(body, day) for body in BODIES for day in weekdays], max(1, count // 10))
    )
    paths = []
    for index in range(count):
        (body, short), day = meetings[index % len(meetings)]
        item = (index // len(meetings)) // 2 + 1  # two files per item, five items per meeting
        item_rng = random.Random(f"{seed}/{body}/{day}/{item}")  # the same item in every file
        title = item_rng.choice(TITLES).format(
            year=day.year,
            place=item_rng.choice(PLACES),
            n=item_rng.randint(1, 12),
            m=item_rng.randint(1, 40),
        )
        if item_rng.random() < 0.2:  # some bodies number by § only
            item_lines = [f"§ {item * 3 + 10} {title}"]
        else:
            item_lines = [f"Ärende {item}: {title}"]
        if item_rng.random() < 0.5:
            item_lines.append(f"Dnr {short}-{day.year}/{item_rng.randint(1, 900)}")
        date_line = (
            day.isoformat()
            if rng.random() < 0.8
            else f"{day.day} {MONTHS[day.month - 1]} {day.year}"
        )
        parties = [rng.choice(PARTIES)]
        if rng.random() < 0.25:
            parties.append(rng.choice([p for p in PARTIES if p not in parties]))
        signatories = sorted({rng.choice(people[p.abbreviation]) for p in parties})
        body_text = [
            f"Anteckning {index + 1} i ärendet om {title[:1].lower() + title[1:]}.",
            *rng.sample(paragraphs, rng.randint(1, 4)),
            rng.choice(CLOSERS),
        ]
        party_names = " och ".join(p.name for p in parties)
        text = "\n\n".join(
            [
                f"Huddinge kommun\n{body}\n{date_line}",
                rng.choice(KINDS),
                "\n".join(item_lines),
                *body_text,
                f"För {party_names}\n" + "\n".join(signatories),
            ]
        )
        path = folder / f"{short.lower()}-{day.isoformat()}-{index + 1:05d}.txt"
        path.write_text(text + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def check_files(paths: list[Path]) -> None:
    """Every file parses, and no two are the same record."""
    keys = set()
    for path in paths:
        record = parse_bytes(path.read_bytes(), source=path.name)
        keys.add((record.body_name, record.date, record.item_number, record.kind, record.text))
    if len(keys) != len(paths):
        raise SystemExit(f"only {len(keys)} distinct records in {len(paths)} files")


# --------------------------------------------------------------------------- database


def database_url() -> str:
    url = os.environ.get("DATABASE_URL", "").strip()
    if url:
        return url
    from huddinge_archive.embedded_db import embedded_database_url

    server = embedded_database_url(Path(os.environ.get("EMBEDDED_PGDATA", ROOT / ".pgdata")))
    return urllib.parse.urlunsplit(
        urllib.parse.urlsplit(server)._replace(path="/" + DEFAULT_DATABASE)
    )


def database_name(url: str) -> str:
    name = urllib.parse.unquote(urllib.parse.urlsplit(url).path.lstrip("/"))
    if not re.fullmatch(r"(bench|helper)_\w+", name):
        raise SystemExit(
            f"refusing database {name!r}: only databases named bench_… or helper_… are used"
        )
    return name


def prepare_database(url: str, name: str, *, reset: bool) -> None:
    """Create the database if missing (dropped first with ``reset``), through `postgres`."""
    server = urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as conn:
        if reset:
            log(f"dropping database {name}")
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def manage(args: list[str], url: str) -> tuple[float, str]:
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "0"}
    env.setdefault("PYTHONWARNINGS", "ignore::UserWarning:platformdirs.api")
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return seconds, proc.stdout


# --------------------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="drop and recreate the database first")
    parser.add_argument(
        "--protocol-pages", type=int, default=100, help="pages of the protocol timed (0: none)"
    )
    args = parser.parse_args()

    url = database_url()
    name = database_name(url)
    prepare_database(url, name, reset=args.reset)
    log(f"{name}: migrate")
    manage(["migrate", "--noinput"], url)

    with tempfile.TemporaryDirectory(prefix="import-bench-") as folder:
        log(f"writing {args.files} files")
        paths = write_files(Path(folder), args.files, args.seed)
        check_files(paths)
        log(f"{name}: import_notes ({len(paths)} files)")
        seconds, output = manage(["import_notes", folder, "--no-progress"], url)

        protocol = (
            time_protocol(Path(folder), args.protocol_pages, url) if args.protocol_pages else {}
        )

    summary = re.search(r"(\d+) imported, (\d+) unchanged, (\d+) failed", output)
    imported, unchanged, failed = (int(n) for n in summary.groups()) if summary else (0, 0, 0)
    print(
        json.dumps(
            {
                "files": len(paths),
                "imported": imported,
                "unchanged": unchanged,
                "failed": failed,
                "seconds": round(seconds, 1),
                "files_per_s": round(len(paths) / seconds, 1),
                "database": name,
                **protocol,
            }
        )
    )


def time_protocol(folder: Path, pages: int, url: str) -> dict:
    """`manage.py import_protocol` on a generated PDF protocol of about ``pages`` pages (the
    tests' layout: running heads, footers, two-column attendance, a reservation a paragraph)."""
    from tests.protocols import as_pdf, long_protocol  # fpdf2: a dev dependency, as is bench/

    path = folder / f"protocol-{pages}.pdf"
    path.write_bytes(as_pdf(long_protocol(pages)))
    log(f"import_protocol ({pages} pages, {path.stat().st_size // 1024} KB)")
    seconds, _ = manage(["import_protocol", str(path)], url)
    return {"protocol_pages": pages, "protocol_seconds": round(seconds, 1)}


if __name__ == "__main__":
    main()
