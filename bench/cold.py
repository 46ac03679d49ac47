"""The cold pass of the benchmark: a seeded stream of distinct URLs, none repeated, so that no
cache keyed on the URL or on the filter can answer; and the requests right after a write.

Real traffic is a long tail: every journalist's combination of parties, dates, item, kind and
words is new, and crawlers follow every facet link. The URLs are drawn from a realistic mix:
party subsets, date ranges, item numbers, kinds, bodies, one or two words from the archive's
own texts, and combinations of these, on the list, as searches and through the API.

Used by bench/run.py (``cold_scenarios``, ``after_write``); also runnable on its own against a
running server: ``python bench/cold.py PORT DATABASE_URL [N]`` prints the URLs' figures.
"""

from __future__ import annotations

import random
import re
import urllib.parse

import psycopg

KINDS = ["reservation", "protokollsanteckning", "sarskilt_yttrande", "ersattaryttrande"]
WORD = re.compile(r"[a-zåäöé]{5,}")
# Function words of five letters or more: no one searches for them.
COMMON = frozenset({"detta", "denna", "dessa", "efter", "under", "också", "mellan", "eftersom",
                    "genom", "redan", "vilket", "vilka", "eller", "samma", "andra"})  # fmt: skip


def vocabulary(db_url: str, seed: int, size: int = 400) -> dict:
    """What the URLs are drawn from: words of the archive's own texts (a sample of rows),
    its parties, bodies, years and item numbers."""
    with psycopg.connect(db_url) as conn:
        # Rows picked by id from the seed, so the same seed draws the same words however
        # the table's rows lie on disk (a publish moves the rows it updates).
        low, high = conn.execute("SELECT min(id), max(id) FROM notes_annotation").fetchone()
        rng = random.Random(seed)
        picked = [rng.randint(low, high) for _ in range(4000)] if low is not None else []
        texts = [
            row[0]
            for row in conn.execute(
                "SELECT text FROM notes_annotation WHERE id = ANY(%s) ORDER BY id LIMIT 2000",
                [picked],
            )
        ]
        parties = [
            row[0] for row in conn.execute("SELECT abbreviation FROM notes_party ORDER BY id")
        ]
        bodies = [row[0] for row in conn.execute("SELECT slug FROM notes_body ORDER BY id")]
        first, last = conn.execute(
            "SELECT min(date), max(date) FROM notes_meeting WHERE published_at IS NOT NULL"
        ).fetchone()
        items = conn.execute("SELECT coalesce(max(number), 20) FROM notes_agendaitem").fetchone()
    words = sorted({w for text in texts for w in WORD.findall(text.casefold())} - COMMON)
    random.Random(seed).shuffle(words)
    return {
        "words": words[:size] or ["kommunen"],
        "parties": parties or ["S"],
        "bodies": bodies or [],
        "years": list(range(first.year, last.year + 1)) if first else [2020],
        "items": min(int(items[0] or 20), 60),
    }


def _filters(rng: random.Random, vocab: dict) -> dict[str, list[str]]:
    """One reader's filter: some of parties, a date range, an item, a kind, a body."""
    params: dict[str, list[str]] = {}
    if rng.random() < 0.55:
        parties = vocab["parties"]
        params["party"] = rng.sample(parties, min(len(parties), rng.choice([1, 1, 2, 3])))
    if rng.random() < 0.45:
        start = rng.choice(vocab["years"])
        end = min(start + rng.choice([0, 1, 2, 4]), vocab["years"][-1])
        params["date_after"] = [f"{start}-{rng.randint(1, 12):02d}-01"]
        params["date_before"] = [f"{end}-12-31"]
    if rng.random() < 0.3:
        params["item"] = [str(rng.randint(1, vocab["items"]))]
    if rng.random() < 0.3:
        params["kind"] = [rng.choice(KINDS)]
    if vocab["bodies"] and rng.random() < 0.25:
        params["body"] = [rng.choice(vocab["bodies"])]
    return params


def _query(rng: random.Random, vocab: dict) -> str:
    words = vocab["words"]
    return " ".join(rng.sample(words, min(len(words), rng.choice([1, 1, 1, 2]))))


def cold_urls(vocab: dict, seed: int, per_kind: int) -> dict[str, list[str]]:
    """``per_kind`` distinct URLs per kind: list and facet pages, searches, the API's lists
    and the API's searches (judged as searches: the issue's targets are by what a request
    does, list or search, not by its format)."""
    rng = random.Random(seed)
    seen: set[str] = set()
    result: dict[str, list[str]] = {
        "cold_list": [],
        "cold_search": [],
        "cold_api": [],
        "cold_api_search": [],
    }

    def add(kind: str, path: str, params: dict) -> None:
        url = path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
        if url not in seen:
            seen.add(url)
            result[kind].append(url)

    for _ in range(per_kind * 50):
        if all(len(urls) >= per_kind for urls in result.values()):
            break
        kind = rng.choice([k for k, urls in result.items() if len(urls) < per_kind])
        params = _filters(rng, vocab)
        if kind == "cold_list":
            if not params:
                continue
            add(kind, "/notes/", params)
        elif kind == "cold_search":
            params["q"] = [_query(rng, vocab)]
            if rng.random() < 0.4:
                params["sort"] = ["newest"]
            add(kind, "/notes/", params)
        elif kind == "cold_api":
            add(kind, "/api/notes/", params)
        else:
            params["q"] = [_query(rng, vocab)]
            add(kind, "/api/notes/", params)
    return result


def cold_scenarios(db_url: str, seed: int = 7, per_kind: int = 60) -> list[dict]:
    """Scenarios for bench/loadgen.py's ``urls`` mode: each URL requested once, one client."""
    vocab = vocabulary(db_url, seed)
    urls = cold_urls(vocab, seed, per_kind)
    category = {
        "cold_list": "list",
        "cold_search": "search",
        "cold_api": "list",
        "cold_api_search": "search",
    }
    return [
        {
            "name": name,
            "mode": "urls",
            "paths": paths,
            "category": category[name],
            "info": {"distinct_urls": len(paths), "example": paths[0] if paths else ""},
        }
        for name, paths in urls.items()
    ]


AFTER_WRITE_PATHS = [
    "/",
    "/notes/",
    "/notes/?party=S&party=M&party=SD&kind=reservation&date_after=2015-01-01",
]


def publish_once(db_url: str) -> None:
    """A clerk's publish, as the database sees it: a meeting's publication written (which
    moves the archive's version, as any write does, so every cache entry is stale)."""
    with psycopg.connect(db_url) as conn:
        conn.execute(
            "UPDATE notes_meeting SET published_at = now(), updated_at = now() WHERE id = ("
            " SELECT id FROM notes_meeting WHERE published_at IS NOT NULL"
            " ORDER BY date DESC, id DESC LIMIT 1)"
        )


def after_write(port: int, db_url: str, rounds: int = 8) -> dict:
    """``rounds`` times: a clerk's publish, then the first request to each of
    AFTER_WRITE_PATHS (home, /notes/, a facet-heavy page), each on a fresh version."""
    import http.client
    import statistics
    import time

    latencies: list[float] = []
    per_path: dict[str, list[float]] = {path: [] for path in AFTER_WRITE_PATHS}
    statuses: dict[str, int] = {}
    for _ in range(rounds):
        publish_once(db_url)
        for path in AFTER_WRITE_PATHS:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
            started = time.perf_counter()
            conn.request("GET", path, headers={"Accept-Encoding": "identity"})
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            conn.close()
            statuses[str(response.status)] = statuses.get(str(response.status), 0) + 1
            latencies.append(elapsed)
            per_path[path].append(elapsed)
    ordered = sorted(latencies)
    return {
        "p50_ms": round(statistics.median(ordered), 1),
        "p95_ms": round(ordered[max(0, round(0.95 * len(ordered) + 0.5) - 1)], 1),
        "p99_ms": round(ordered[-1], 1),
        "max_ms": round(ordered[-1], 1),
        "requests": len(ordered),
        "status": statuses,
        "per_path_p50_ms": {p: round(statistics.median(v), 1) for p, v in per_path.items()},
        "category": "after_write",
    }
