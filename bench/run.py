"""Benchmark the archive under production settings at several data sizes (`make bench`).

For each size N in BENCH_SIZES (comma-separated, default ``10000,1000000``):

1. database ``bench_N`` on the project's embedded PostgreSQL (created if missing), migrated,
   with N demo annotations (generated with ``--seed 1`` only when it does not already hold
   exactly N; generation time is recorded) and the real sample imported;
2. ``collectstatic`` into a temporary STATIC_ROOT, then gunicorn (2 sync workers) on a free
   loopback port with PRODUCTION=1, plain HTTP and rate limits out of the way;
3. the load generator (bench/loadgen.py, a separate process) measures each scenario;
4. gunicorn is stopped; the embedded server keeps running.

Results go to bench/results.json and bench/results.md (merged with earlier runs' other sizes
unless BENCH_FRESH=1). See bench/README.md for the knobs and how to read the figures.
Only databases named ``bench_<digits>`` are ever created or written.
"""

from __future__ import annotations

import datetime
import json
import math
import os
import platform
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LOGS = BENCH / "logs"
RESULTS_JSON = BENCH / "results.json"
RESULTS_MD = BENCH / "results.md"
# The code under test: this checkout, or another tree of the project (e.g. `git archive` of a
# commit unpacked somewhere) that uses the same virtualenv.
APP_DIR = Path(os.environ.get("BENCH_APP_DIR") or ROOT).resolve()
PYTHON = sys.executable
HOST = "127.0.0.1"
PAGE_SIZE = 25  # the app's default PAGE_SIZE; the runner pins it for the app

sys.path.insert(0, str(ROOT))
from bench import cold  # noqa: E402
from bench.report import write_reports  # noqa: E402
from huddinge_archive.embedded_db import stop_embedded_database  # noqa: E402
from huddinge_archive.processes import end_with_parent  # noqa: E402

# The rare-word search: of these words of the demo vocabulary (notes/demo/), the one with
# the fewest (but some) hits is used.
RARE_CANDIDATES = ("Glömsta", "Sörskogen", "Länna", "Segeltorp", "jämställdhetsanalys")
COMMON_WORD = "kommunen"
NO_HIT_WORD = "xyzzyplugh"


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "")
    return int(value) if value.strip() else default


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


# --------------------------------------------------------------------------- database


def embedded_url() -> str:
    """Start (or reattach to) the project's embedded server; return its `postgres` db URI."""
    from huddinge_archive.embedded_db import embedded_database_url

    pgdata = Path(os.environ.get("EMBEDDED_PGDATA", ROOT / ".pgdata"))
    return embedded_database_url(pgdata)


def shared_buffers_wanted() -> str:
    """BENCH_SHARED_BUFFERS, or the usual size for a database server: a quarter of the
    machine's memory, at most 8 GB (PostgreSQL's own default, 128 MB, is for a server that
    shares a small machine)."""
    wanted = os.environ.get("BENCH_SHARED_BUFFERS", "").strip()
    if wanted:
        if not re.fullmatch(r"\d+(kB|MB|GB)", wanted):
            sys.exit("BENCH_SHARED_BUFFERS must be a size such as 6GB (kB, MB or GB)")
        return wanted
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return f"{max(128, min(8192, memory // 4 // 2**20))}MB"


def size_buffers(server_url: str) -> str:
    """Give the embedded server shared_buffers_wanted(), restarting it if it had another size:
    the archive's rows and indexes then stay in the server's own memory between requests,
    as on a database server in service. With 128 MB a million annotations (3.8 GB) were read
    anew from the operating system's cache, or from disk where it had let them go, for most
    distinct URLs (the cold pass's searches took twice as long). Returns the size in use."""
    wanted = shared_buffers_wanted()
    with psycopg.connect(server_url, autocommit=True) as conn:
        current, same = conn.execute(
            "SELECT current_setting('shared_buffers'), "
            "pg_size_bytes(current_setting('shared_buffers')) = pg_size_bytes(%s)",
            [wanted],
        ).fetchone()
        if same:
            return current
        conn.execute(f"ALTER SYSTEM SET shared_buffers = '{wanted}'")
    log(f"restarting the embedded server with shared_buffers {wanted} (was {current})")
    stop_embedded_database(Path(os.environ.get("EMBEDDED_PGDATA", ROOT / ".pgdata")))
    # Started again by a process of its own: the package keeps this one's server as stopped.
    subprocess.run(
        [PYTHON, "-m", "huddinge_archive.embedded_db", "start"],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    with psycopg.connect(server_url, autocommit=True) as conn:
        return conn.execute("SELECT current_setting('shared_buffers')").fetchone()[0]


def with_database(url: str, name: str) -> str:
    """The same server URI with another database name."""
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def bench_db_name(size: int) -> str:
    name = f"bench_{size}"
    if not re.fullmatch(r"bench_\d+", name):
        raise ValueError(f"refusing database name {name!r}")
    return name


def ensure_database(server_url: str, name: str) -> None:
    """CREATE DATABASE ``name`` unless it exists (connected to the `postgres` db)."""
    with psycopg.connect(server_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def demo_count(db_url: str) -> int:
    """Demo annotations already in the database (0 before the first migrate)."""
    with psycopg.connect(db_url) as conn:
        if conn.execute("SELECT to_regclass('notes_annotation')").fetchone()[0] is None:
            return 0
        return conn.execute("SELECT count(*) FROM notes_annotation WHERE is_demo").fetchone()[0]


def database_facts(db_url: str) -> dict:
    """Row counts and sizes that explain the figures."""
    with psycopg.connect(db_url) as conn:

        def scalar(sql: str):
            return conn.execute(sql).fetchone()[0]

        return {
            "annotations": scalar("SELECT count(*) FROM notes_annotation"),
            "meetings": scalar("SELECT count(*) FROM notes_meeting"),
            "items": scalar("SELECT count(*) FROM notes_agendaitem"),
            "search_words": scalar("SELECT count(*) FROM notes_searchword"),
            "database_mb": round(scalar("SELECT pg_database_size(current_database())") / 1e6),
        }


def postgres_version(server_url: str) -> str:
    with psycopg.connect(server_url) as conn:
        return conn.execute("SELECT current_setting('server_version')").fetchone()[0]


# --------------------------------------------------------------------------- commands


def app_env(db_url: str, static_root: str) -> dict[str, str]:
    """Environment for manage.py: the bench database, no debug, the temp STATIC_ROOT."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RATE_LIMIT_",))}
    env.update(
        DATABASE_URL=db_url,
        DEBUG="0",
        PRODUCTION="0",
        STATIC_ROOT=static_root,
        PAGE_SIZE=str(PAGE_SIZE),
        PYTHONWARNINGS="ignore::UserWarning:platformdirs.api",
    )
    return env


def manage(args: list[str], env: dict[str, str], logfile: Path, *, echo: bool = False) -> float:
    """Run ``manage.py args``; return its wall time. Output goes to ``logfile`` (and stdout)."""
    started = time.perf_counter()
    logfile.parent.mkdir(parents=True, exist_ok=True)
    with open(logfile, "a", encoding="utf-8") as out:
        out.write(f"\n$ manage.py {' '.join(args)}\n")
        out.flush()
        proc = subprocess.Popen(
            [PYTHON, "manage.py", *args],
            cwd=APP_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            assert proc.stdout is not None
            for line in proc.stdout:
                out.write(line)
                if echo:
                    print("    " + line.rstrip(), flush=True)
            code = proc.wait()
        finally:  # Ctrl-C, SIGTERM or an error here: the command is not left running
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    if code != 0:
        tail = logfile.read_text(encoding="utf-8").splitlines()[-20:]
        raise RuntimeError(f"manage.py {' '.join(args)} failed ({code}):\n" + "\n".join(tail))
    return time.perf_counter() - started


def prepare(size: int, server_url: str, static_root: str) -> tuple[str, dict]:
    """Create, migrate and fill ``bench_<size>``; return its URI and what was done."""
    name = bench_db_name(size)
    ensure_database(server_url, name)
    db_url = with_database(server_url, name)
    env = app_env(db_url, static_root)
    logfile = LOGS / f"setup-{size}.log"
    setup: dict = {"database": name}

    log(f"{name}: migrate")
    manage(["migrate", "--noinput"], env, logfile)
    existing = demo_count(db_url)
    if existing == size:
        log(f"{name}: reusing {existing} demo annotations")
        setup["generate_demo"] = "reused"
    else:
        args = ["generate_demo", "--annotations", str(size), "--seed", "1"]
        if existing:
            args.append("--replace")
        log(f"{name}: generate_demo {size} (found {existing}); this is the slow part")
        seconds = manage(args, env, logfile, echo=True)
        setup["generate_demo"] = "generated"
        setup["generate_demo_s"] = round(seconds, 1)
        setup["generated_at"] = now_iso()
    log(f"{name}: import_notes notes/sample_data, collectstatic")
    manage(["import_notes", "notes/sample_data"], env, logfile)
    manage(["collectstatic", "--noinput", "-v", "0"], env, logfile)
    setup.update(database_facts(db_url))
    setup.update(prewarm(db_url))
    return db_url, setup


def prewarm(db_url: str) -> dict:
    """The database in the server's buffers, as on a server that has been in service a while
    (or restarted with pg_prewarm's autoprewarm, which loads what its buffers held): every
    table and index of the archive read once (pg_prewarm, a contrib extension). Without it
    the first distinct URLs after a restart read their pages from disk, which measures the
    disk (cold searches at 1 000 000: p95 284 ms, API searches 738 ms right after a
    restart, against about 100 once the buffers held the archive). Only where the database
    fits in three quarters of shared_buffers; BENCH_PREWARM=0 leaves the buffers as they
    are. No URL, filter or page is cached by it: the cold pass still asks each URL once."""
    if os.environ.get("BENCH_PREWARM", "1") == "0":
        return {"prewarm": "off (BENCH_PREWARM=0)"}
    with psycopg.connect(db_url, autocommit=True) as conn:
        size, buffers = conn.execute(
            "SELECT pg_database_size(current_database()), "
            "pg_size_bytes(current_setting('shared_buffers'))"
        ).fetchone()
        if size > 0.75 * buffers:
            return {"prewarm": f"skipped: {size // 2**20} MB > 3/4 of shared_buffers"}
        started = time.perf_counter()
        conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
        pages = conn.execute(
            "SELECT coalesce(sum(pg_prewarm(c.oid)), 0) FROM pg_class c "
            "WHERE c.relkind IN ('r', 'i', 't', 'm') AND c.relpersistence = 'p' "
            "AND c.relnamespace IN ('public'::regnamespace, 'pg_toast'::regnamespace) "
            "AND pg_relation_size(c.oid) > 0"
        ).fetchone()[0]
    seconds = round(time.perf_counter() - started, 1)
    log(f"prewarmed {int(pages) * 8 // 1024} MB in {seconds} s")
    return {"prewarm_mb": int(pages) * 8 // 1024, "prewarm_s": seconds}


# --------------------------------------------------------------------------- server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_gunicorn(
    db_url: str, static_root: str, port: int, logfile: Path, extra_env: dict | None = None
) -> subprocess.Popen:
    """gunicorn with production settings, plain HTTP and rate limits out of the way."""
    env = app_env(db_url, static_root)
    huge = str(10**9)
    env.update(
        PRODUCTION="1",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL="0",
        RATE_LIMIT_SEARCH=huge,
        RATE_LIMIT_EXPORT=huge,
        RATE_LIMIT_API=huge,
    )
    env.update(extra_env or {})
    command = [PYTHON, "-m", "gunicorn", "huddinge_archive.wsgi"]
    command += ["-w", "2", "-k", "sync", "-b", f"{HOST}:{port}", "--timeout", "120"]
    out = open(logfile, "w", encoding="utf-8")  # noqa: SIM115 - closed with the process
    # end_with_parent: even a SIGKILL of this command does not leave gunicorn serving.
    proc = subprocess.Popen(
        command,
        cwd=APP_DIR,
        env=env,
        stdout=out,
        stderr=subprocess.STDOUT,
        preexec_fn=end_with_parent,  # called before any thread runs
    )
    proc.logfile = out  # type: ignore[attr-defined]
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited ({proc.returncode}); see {logfile}")
        try:
            if get(port, "/healthz")[0] == 200:
                return proc
        except OSError:
            pass
        time.sleep(0.3)
    stop_gunicorn(proc)
    raise RuntimeError(f"gunicorn did not answer /healthz within 90 s; see {logfile}")


def exit_on_sigterm() -> None:
    """A SIGTERM (a plain `kill`, CI stopping a job) ends the command as Ctrl-C does, so its
    `finally` blocks stop the servers it started instead of leaving them running."""

    def handler(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, handler)


def stop_gunicorn(proc: subprocess.Popen) -> None:
    """SIGTERM the gunicorn master we started (it stops its workers); SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    proc.logfile.close()  # type: ignore[attr-defined]


def get(port: int, path: str) -> tuple[int, bytes]:
    """One GET against the bench server (loopback only)."""
    try:
        with urllib.request.urlopen(f"http://{HOST}:{port}{path}", timeout=180) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def get_json(port: int, path: str) -> dict:
    status, body = get(port, path)
    if status != 200:
        raise RuntimeError(f"GET {path} answered {status}; see bench/logs/gunicorn-*.log")
    return json.loads(body)


# --------------------------------------------------------------------------- scenarios


def api_count(port: int, query: str) -> int:
    """The API's count, or its estimate where the count is not known (`count` null)."""
    data = get_json(port, f"/api/notes/?page_size=1&{query}")
    return data["count"] if data["count"] is not None else data["count_estimate"]


PUBLIC_NEWEST_FIRST = """
    SELECT a.date, a.id FROM notes_annotation a
    JOIN notes_agendaitem i ON i.id = a.item_id
    JOIN notes_meeting m ON m.id = i.meeting_id
    WHERE m.published_at IS NOT NULL AND a.withdrawn_at IS NULL
    ORDER BY a.date DESC, a.id DESC OFFSET %s LIMIT 1
"""


def row_at(db_url: str, offset: int) -> tuple | None:
    """(date, id) of the public annotation `offset` rows from the newest (list order)."""
    with psycopg.connect(db_url) as conn:
        return conn.execute(PUBLIC_NEWEST_FIRST, [offset]).fetchone()


def discover(port: int, db_url: str) -> dict:
    """Look up what the scenarios need from the running app (its API) and the database (the
    rows at given depths, which the app itself never reads by OFFSET), so they fit the data."""
    found: dict = {}
    with psycopg.connect(db_url) as conn:
        total = conn.execute(
            "SELECT count(*) FROM notes_annotation a JOIN notes_agendaitem i ON i.id = a.item_id"
            " JOIN notes_meeting m ON m.id = i.meeting_id"
            " WHERE m.published_at IS NOT NULL AND a.withdrawn_at IS NULL"
        ).fetchone()[0]
    found["public_annotations"] = total
    pages = max(1, math.ceil(total / PAGE_SIZE))
    # Page 1,000 as a reader reaches it: following Next links, i.e. by the cursor of the last
    # row of page 999.
    deep = 1000 if pages >= 1000 else pages
    found["deep_page"] = deep
    found["deep_page_note"] = (
        "page 1000" if pages >= 1000 else f"last page ({pages}; page 1000 does not exist)"
    )
    cursor_row = row_at(db_url, (deep - 1) * PAGE_SIZE - 1) if deep > 1 else None
    found["deep_page_query"] = (
        f"after={cursor_row[0].isoformat()}.{cursor_row[1]}" if cursor_row else "page=1"
    )

    counts = {}
    for word in RARE_CANDIDATES:
        counts[word] = api_count(port, "q=" + urllib.parse.quote(word))
    hits = {w: c for w, c in counts.items() if c > 0}
    found["rare_word"] = min(hits, key=hits.get) if hits else RARE_CANDIDATES[0]
    found["rare_hits"] = counts[found["rare_word"]]
    found["common_hits"] = api_count(port, "q=" + COMMON_WORD)

    newest = get_json(port, "/api/notes/?page_size=1")["results"][0]
    found["annotation_id"] = newest["id"]
    found["meeting_id"] = newest["meeting"]["id"]
    meeting = get_json(port, f"/api/meetings/{found['meeting_id']}/")
    found["meeting_items"] = len(meeting.get("items", []))
    found["meeting_annotations"] = sum(len(i.get("annotations", [])) for i in meeting["items"])

    # The date from which about 10,000 annotations are newer.
    export_row = row_at(db_url, min(10_000, total) - 1)
    found["export_date_after"] = export_row[0].isoformat()
    found["export_rows"] = api_count(port, f"date_after={found['export_date_after']}")
    return found


def scenarios(found: dict) -> list[dict]:
    """The named scenarios: name, path, mode, category (for the targets) and notes."""
    rare = urllib.parse.quote(found["rare_word"])
    facets = (
        "party=S&party=M&party=SD&kind=reservation&date_after=2015-01-01&date_before=2025-12-31"
    )
    plain = [
        ("floor", "/healthz", "floor"),
        ("home", "/", "list"),
        ("notes", "/notes/", "list"),
        ("party_date", "/notes/?party=S&date_after=2018-01-01&date_before=2020-12-31", "list"),
        ("item", "/notes/?item=3", "list"),
        ("search_common_relevance", f"/notes/?q={COMMON_WORD}", "search"),
        ("search_common_date", f"/notes/?q={COMMON_WORD}&sort=newest", "search"),
        ("search_rare_relevance", f"/notes/?q={rare}", "search"),
        ("search_rare_date", f"/notes/?q={rare}&sort=newest", "search"),
        ("search_none_relevance", f"/notes/?q={NO_HIT_WORD}", "search"),
        ("search_none_date", f"/notes/?q={NO_HIT_WORD}&sort=newest", "search"),
        ("facets", f"/notes/?{facets}", "list"),
        ("deep_page", f"/notes/?{found['deep_page_query']}", "list"),
        ("meeting", f"/meetings/{found['meeting_id']}/", "detail"),
        ("annotation", f"/notes/{found['annotation_id']}/", "detail"),
    ]
    result = [{"name": n, "path": p, "category": c, "info": {"path": p}} for n, p, c in plain]
    notes = {
        "search_common_relevance": {"hits": found["common_hits"]},
        "search_common_date": {"hits": found["common_hits"]},
        "search_rare_relevance": {"word": found["rare_word"], "hits": found["rare_hits"]},
        "search_rare_date": {"word": found["rare_word"], "hits": found["rare_hits"]},
        "search_none_relevance": {"hits": 0},
        "search_none_date": {"hits": 0},
        "deep_page": {"page": found["deep_page"], "which": found["deep_page_note"]},
        "meeting": {
            "items": found["meeting_items"],
            "annotations": found["meeting_annotations"],
        },
    }
    for scenario in result:
        scenario["info"].update(notes.get(scenario["name"], {}))
    result.append(
        {
            "name": "repeat",
            "path": "/notes/",
            "mode": "conditional",
            "category": "repeat",
            "info": {"path": "/notes/ with the first response's validators"},
        }
    )
    export = f"/notes/export.csv?date_after={found['export_date_after']}"
    result.append(
        {
            "name": "export_csv_10k",
            "path": export,
            "mode": "stream",
            "category": "export",
            "requests": 10,
            "min_requests": 3,
            "info": {"path": export, "rows": found["export_rows"]},
        }
    )
    result.append({"name": "api", "path": "/api/notes/", "category": "list", "info": {}})
    return result


def run_load(port: int, plan_scenarios: list[dict]) -> dict:
    """Drive the scenarios from bench/loadgen.py in its own process; return its figures."""
    plan = {
        "host": HOST,
        "port": port,
        "concurrency": env_int("BENCH_CONCURRENCY", 2),
        "requests": env_int("BENCH_REQUESTS", 200),
        "min_requests": env_int("BENCH_MIN_REQUESTS", 20),
        "seconds": env_int("BENCH_SECONDS", 15),
        "scenarios": plan_scenarios,
    }
    proc = subprocess.run(
        [PYTHON, str(BENCH / "loadgen.py")],
        input=json.dumps(plan),
        capture_output=False,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    figures = json.loads(proc.stdout)
    for scenario in plan_scenarios:
        figures[scenario["name"]]["category"] = scenario["category"]
    return figures


# --------------------------------------------------------------------------- main


def now_iso() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def machine_info(server_url: str) -> dict:
    import django
    import gunicorn

    return {
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "postgres": postgres_version(server_url),
        "django": django.get_version(),
        "gunicorn": gunicorn.__version__,
        "gunicorn_workers": 2,
        "client_concurrency": env_int("BENCH_CONCURRENCY", 2),
        # Not the path itself (it names this machine's folders): where the code came from.
        "app_dir": "this checkout" if APP_DIR == ROOT else "BENCH_APP_DIR (another tree)",
        "app_commit": git_commit(),
    }


def git_commit() -> str | None:
    """The commit of the code under test, with "+dirty" for uncommitted changes (read-only)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=APP_DIR, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=APP_DIR,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return None
    return (commit + ("+dirty" if dirty else "")) if commit else None


def load_previous() -> dict:
    if os.environ.get("BENCH_FRESH") == "1" or not RESULTS_JSON.exists():
        return {}
    try:
        return json.loads(RESULTS_JSON.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def bench_size(size: int, server_url: str, previous: dict) -> tuple[dict, dict | None, dict]:
    """Prepare, serve and measure one size; return its scenario figures as deployed, the same
    with the page cache off (None with BENCH_UNCACHED=0) and setup notes."""
    with tempfile.TemporaryDirectory(prefix="bench-static-") as static_root:
        db_url, setup = prepare(size, server_url, static_root)
        if setup["generate_demo"] == "reused":  # keep the time measured when it was generated
            earlier = previous.get("setup", {}).get(str(size), {})
            for key in ("generate_demo_s", "generated_at"):
                if key in earlier:
                    setup[key] = earlier[key]
        found = None
        cold_figures = None
        passes = [("", {})]
        if os.environ.get("BENCH_UNCACHED", "1") != "0":
            passes.append(("-uncached", {"PAGE_CACHE_SECONDS": "0"}))
        measured = []
        for suffix, extra_env in passes:
            port = free_port()
            log(f"bench_{size}{suffix}: gunicorn on {HOST}:{port}")
            logfile = LOGS / f"gunicorn-{size}{suffix}.log"
            server = start_gunicorn(db_url, static_root, port, logfile, extra_env)
            try:
                if found is None:
                    found = discover(port, db_url)
                    setup["discovered"] = found
                    setup["load_average_before"] = [round(x, 2) for x in os.getloadavg()]
                total = found["public_annotations"]
                log(f"bench_{size}{suffix}: measuring ({total} public annotations)")
                started = time.perf_counter()
                measured.append(run_load(port, scenarios(found)))
                setup[f"measure{suffix.replace('-', '_')}_s"] = round(time.perf_counter() - started)
                if not suffix and os.environ.get("BENCH_COLD", "1") != "0":
                    cold_figures = measure_cold(port, db_url)
            finally:
                stop_gunicorn(server)
                log(f"bench_{size}{suffix}: gunicorn stopped")
        setup["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
        setup["measured_at"] = now_iso()
    return measured[0], (measured[1] if len(measured) > 1 else None), setup, cold_figures


def measure_cold(port: int, db_url: str) -> dict:
    """The cold pass (bench/cold.py): the floor, then distinct URLs each asked once (list and
    facet pages, searches, the API), then the first requests after each of a few writes."""
    per_kind = env_int("BENCH_COLD_URLS", 60)
    log(f"cold pass: {per_kind} distinct URLs per kind, then after-write rounds")
    plan = [{"name": "floor", "path": "/healthz", "category": "floor"}]
    plan += cold.cold_scenarios(db_url, seed=env_int("BENCH_COLD_SEED", 7), per_kind=per_kind)
    figures = run_load(port, plan)
    figures["after_write"] = cold.after_write(port, db_url, rounds=env_int("BENCH_WRITES", 8))
    return figures


def main() -> int:
    if os.environ.get("BENCH_TOPOLOGY") == "cluster":  # one app server against two
        import cluster  # bench/cluster.py, beside this file

        return cluster.bench()
    sizes = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,1000000").split(",") if s]
    if not sizes or any(s < 1 for s in sizes):
        sys.exit("BENCH_SIZES must be positive integers, e.g. 10000,1000000")
    if os.environ.get("DATABASE_URL"):
        log("DATABASE_URL is ignored: the benchmark uses the embedded server's bench_* dbs")
    exit_on_sigterm()
    LOGS.mkdir(exist_ok=True)
    if APP_DIR != ROOT:
        log(f"code under test: {APP_DIR}")
    server_url = embedded_url()
    buffers = size_buffers(server_url)
    previous = load_previous()
    results = {k: v for k, v in previous.items() if k.isdigit()}
    uncached = dict(previous.get("uncached", {}))
    setups = dict(previous.get("setup", {}))
    colds = dict(previous.get("cold", {}))
    for size in sizes:
        figures, figures_uncached, setup, figures_cold = bench_size(size, server_url, previous)
        if figures_cold is not None:
            colds[str(size)] = figures_cold
        results[str(size)] = figures
        if figures_uncached is not None:
            uncached[str(size)] = figures_uncached
        else:
            uncached.pop(str(size), None)
        setups[str(size)] = setup
        output = {
            **dict(sorted(results.items(), key=lambda kv: int(kv[0]))),
            "uncached": dict(sorted(uncached.items(), key=lambda kv: int(kv[0]))),
            "cold": dict(sorted(colds.items(), key=lambda kv: int(kv[0]))),
            "setup": setups,
            "machine": {**machine_info(server_url), "shared_buffers": buffers},
            "generated_at": now_iso(),
        }
        RESULTS_JSON.write_text(json.dumps(output, indent=2, ensure_ascii=False) + "\n")
        write_reports(output, RESULTS_MD)
    log(f"wrote {RESULTS_JSON.relative_to(ROOT)} and {RESULTS_MD.relative_to(ROOT)}")
    print(RESULTS_MD.read_text(encoding="utf-8"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
