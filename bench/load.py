"""A load run: many concurrent clients for a fixed time against the production server.

    make load                      # 50 clients, 60 s, on the bench_10000 database
    LOAD_CLIENTS=20 LOAD_SECONDS=30 LOAD_SIZE=2000 make load

Serves the app with gunicorn and production settings (as bench/run.py does; rate limits out
of the way, since every client here shares one address), then lets each client loop over a
mix of pages, searches, detail pages and API calls on its own keep-alive connection until the
time is up. Errors are 5xx answers and failed connections; 4xx would be a bug in the mix.
Writes bench/load-results.json (or LOAD_RESULTS) and prints a summary. Loopback only;
bounded in time. Interrupted, failed or killed (even with SIGKILL), it leaves no gunicorn.
"""

from __future__ import annotations

import http.client
import json
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import run as bench
from loadgen import percentile

MIX = [
    "/",
    "/notes/",
    "/notes/?party=S&date_after=2018-01-01&date_before=2020-12-31",
    "/notes/?item=3",
    "/notes/?q=skola",
    "/notes/?q=Flemingsberg&sort=newest",
    "/meetings/",
    "/parties/",
    "/api/notes/?party=V",
    "/notes/feed.atom?party=M",
]


def client_loop(port: int, paths: list[str], stop_at: float, out: list, lock: threading.Lock):
    connection = http.client.HTTPConnection(bench.HOST, port, timeout=60)
    statuses: Counter = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    index = 0
    while time.monotonic() < stop_at:
        path = paths[index % len(paths)]
        index += 1
        started = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            statuses[response.status] += 1
            if response.status >= 500:
                errors.append(f"{response.status} {path}")
        except (OSError, http.client.HTTPException) as error:
            errors.append(f"{type(error).__name__} {path}")
            connection.close()
            connection = http.client.HTTPConnection(bench.HOST, port, timeout=60)
            continue
        latencies.append((time.perf_counter() - started) * 1000)
    connection.close()
    with lock:
        out.append((statuses, latencies, errors))


def run_clients(port: int, details: dict, clients: int, seconds: int, results: list) -> float:
    """``clients`` threads requesting the mix for ``seconds``; return the wall time."""
    paths = [*MIX, f"/notes/{details['annotation_id']}/", f"/meetings/{details['meeting_id']}/"]
    stop_at = time.monotonic() + seconds
    lock = threading.Lock()
    threads = [
        threading.Thread(
            target=client_loop,
            args=(port, paths[i % len(paths) :] + paths[: i % len(paths)], stop_at, results, lock),
            daemon=True,  # an interrupted run does not wait for its clients
        )
        for i in range(clients)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    return time.monotonic() - began


def main() -> int:
    bench.exit_on_sigterm()
    clients = bench.env_int("LOAD_CLIENTS", 50)
    seconds = bench.env_int("LOAD_SECONDS", 60)
    size = bench.env_int("LOAD_SIZE", 10000)
    server_url = bench.embedded_url()
    results: list = []
    with tempfile.TemporaryDirectory(prefix="load-static-") as static_root:
        bench.LOGS.mkdir(exist_ok=True)
        db_url, _ = bench.prepare(size, server_url, static_root)
        port = bench.free_port()
        proc = bench.start_gunicorn(db_url, static_root, port, bench.LOGS / "load-gunicorn.log")
        try:  # whatever happens from here (an error, Ctrl-C, SIGTERM), gunicorn is stopped
            wall = run_clients(port, bench.discover(port, db_url), clients, seconds, results)
        finally:
            bench.stop_gunicorn(proc)
    statuses: Counter = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    for s, lat, err in results:
        statuses.update(s)
        latencies.extend(lat)
        errors.extend(err)
    latencies.sort()
    summary = {
        "clients": clients,
        "seconds": seconds,
        "annotations": size,
        "requests": sum(statuses.values()),
        "rps": round(sum(statuses.values()) / wall, 1),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "errors": len(errors),
        "error_examples": errors[:10],
        "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
        "p99_ms": round(percentile(latencies, 99), 1) if latencies else None,
        "machine": bench.machine_info(server_url),
        "generated_at": bench.now_iso(),
    }
    target = Path(os.environ.get("LOAD_RESULTS") or bench.BENCH / "load-results.json")
    target.write_text(json.dumps(summary, indent=1) + "\n")
    print(json.dumps({k: v for k, v in summary.items() if k != "machine"}, indent=1))
    return 1 if errors else 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning:platformdirs.api")
    sys.exit(main())
