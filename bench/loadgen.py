"""A small HTTP load generator for the benchmark, run as its own process by bench/run.py.

It reads a JSON plan on stdin and writes JSON results on stdout::

    {"host": "127.0.0.1", "port": 8123, "concurrency": 2, "requests": 200,
     "min_requests": 20, "seconds": 20,
     "scenarios": [{"name": "floor", "path": "/healthz", "mode": "plain"}, ...]}

Each scenario gets a warm-up (not measured), then up to ``requests`` requests from
``concurrency`` threads, each thread holding one keep-alive connection (``http.client``).
A scenario is bounded both by count and by time: the count is scaled down from the warm-up's
latency so that it fits in about ``seconds``, and no new request starts after twice that.

Modes:

- ``plain``: GET the path; latency is until the whole body has been read.
- ``conditional``: GET once to collect ETag / Last-Modified, then measure GETs that send them
  back as If-None-Match / If-Modified-Since (a plain repeat when there are none).
- ``stream``: like plain, one request at a time, also recording time to first body byte.
- ``urls``: each of ``paths`` once, one client, no warm-up (the cold pass, bench/cold.py).

Only loopback addresses are accepted.
"""

from __future__ import annotations

import http.client
import json
import statistics
import sys
import threading
import time
from collections import Counter

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
READ_CHUNK = 64 * 1024


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of ``values`` (which must not be empty)."""
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


class Client:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, host: str, port: int, timeout: float = 180):
        self.host, self.port, self.timeout = host, port, timeout
        self.conn: http.client.HTTPConnection | None = None

    def get(self, path: str, headers: dict[str, str] | None = None) -> dict:
        """GET ``path``; return status, headers, body size, latency and time to first byte."""
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            started = time.perf_counter()
            try:
                self.conn.request(
                    "GET", path, headers={"Accept-Encoding": "identity", **(headers or {})}
                )
                response = self.conn.getresponse()
                first = response.read(1)
                ttfb = time.perf_counter() - started
                size = len(first)
                while chunk := response.read(READ_CHUNK):
                    size += len(chunk)
                elapsed = time.perf_counter() - started
            except (http.client.HTTPException, ConnectionError, TimeoutError, OSError):
                self.close()
                if attempt == 2:
                    raise
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            return {
                "status": response.status,
                "headers": {k.lower(): v for k, v in response.getheaders()},
                "bytes": size,
                "seconds": elapsed,
                "ttfb": ttfb,
            }
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def summarise(samples: list[dict], wall: float) -> dict:
    """Latency percentiles (ms), throughput and status counts of the measured requests."""
    latencies = [s["seconds"] * 1000 for s in samples]
    statuses = Counter(str(s["status"]) for s in samples)
    result = {
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "mean_ms": round(statistics.fmean(latencies), 1),
        "max_ms": round(max(latencies), 1),
        "rps": round(len(samples) / wall, 2) if wall > 0 else None,
        "requests": len(samples),
        "status": dict(sorted(statuses.items())),
        "bytes_avg": round(statistics.fmean(s["bytes"] for s in samples)),
    }
    return result


def run_urls(plan: dict, scenario: dict) -> dict:
    """Each of the scenario's paths once, in order, from one client, with no warm-up: the
    cold pass (bench/cold.py), where no cache keyed on the URL can answer."""
    client = Client(plan["host"], plan["port"])
    samples, errors = [], []
    started = time.perf_counter()
    try:
        for path in scenario["paths"]:
            try:
                sample = client.get(path)
            except Exception as exc:  # a failed request is reported, not fatal
                errors.append(f"{type(exc).__name__}: {exc}")
                continue
            sample["path"] = path
            samples.append(sample)
    finally:
        client.close()
    wall = time.perf_counter() - started
    if not samples:
        return {"error": errors[:3] or ["no request completed"]}
    result = summarise(samples, wall)
    result["concurrency"] = 1
    slowest = sorted(samples, key=lambda s: -s["seconds"])[:5]
    result["slowest"] = [[s["path"], round(s["seconds"] * 1000, 1)] for s in slowest]
    if errors:
        result["errors"] = len(errors)
        result["first_error"] = errors[0]
    result.update(scenario.get("info", {}))
    return result


def run_scenario(plan: dict, scenario: dict) -> dict:
    """Warm up, size the run from the warm-up, measure; return the scenario's figures."""
    host, port = plan["host"], plan["port"]
    mode = scenario.get("mode", "plain")
    if mode == "urls":
        return run_urls(plan, scenario)
    concurrency = 1 if mode == "stream" else int(scenario.get("concurrency", plan["concurrency"]))
    path = scenario["path"]
    extra: dict = {}
    headers: dict[str, str] = {}

    clients = [Client(host, port) for _ in range(concurrency)]
    try:
        # Warm-up: each connection once (so every worker has seen the query), not measured.
        warm = [c.get(path) for c in clients for _ in range(scenario.get("warmup", 1))]
        if mode == "conditional":
            validators = warm[0]["headers"]
            if "etag" in validators:
                headers["If-None-Match"] = validators["etag"]
            if "last-modified" in validators:
                headers["If-Modified-Since"] = validators["last-modified"]
            extra["validators"] = (
                sorted(h for h in ("etag", "last-modified") if h in validators)
                or "none (plain repeat)"
            )
            extra["first_status"] = warm[0]["status"]
        mean_warm = statistics.fmean(w["seconds"] for w in warm)
        budget = float(scenario.get("seconds", plan["seconds"]))
        wanted = int(scenario.get("requests", plan["requests"]))
        fits = int(budget * concurrency / max(mean_warm, 1e-4))
        floor = min(int(scenario.get("min_requests", plan["min_requests"])), wanted)
        target = max(min(wanted, fits), floor)
        if target < wanted:
            extra["scaled_down_from"] = wanted
        deadline = time.perf_counter() + 2 * budget

        samples: list[dict] = []
        errors: list[str] = []
        lock = threading.Lock()
        issued = 0

        def worker(client: Client) -> None:
            nonlocal issued
            while True:
                with lock:
                    if issued >= target or time.perf_counter() > deadline:
                        return
                    issued += 1
                try:
                    sample = client.get(path, headers)
                except Exception as exc:  # a failed request is reported, not fatal
                    with lock:
                        errors.append(f"{type(exc).__name__}: {exc}")
                    continue
                with lock:
                    samples.append(sample)

        started = time.perf_counter()
        threads = [threading.Thread(target=worker, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
    finally:
        for client in clients:
            client.close()

    if not samples:
        return {"error": errors[:3] or ["no request completed"], **extra}
    result = summarise(samples, wall)
    result["concurrency"] = concurrency
    if len(samples) < target:
        extra["stopped_by_time_after"] = len(samples)
    if errors:
        extra["errors"] = len(errors)
        extra["first_error"] = errors[0]
    if mode == "conditional" and "If-None-Match" in headers:
        # A 200 to If-None-Match is either a changed ETag (unstable validator) or no 304 support.
        sent = headers["If-None-Match"]
        extra["same_etag"] = sum(1 for s in samples if s["headers"].get("etag") == sent)
    if mode == "stream":
        ttfb = [s["ttfb"] * 1000 for s in samples]
        extra["ttfb_p50_ms"] = round(percentile(ttfb, 50), 1)
        extra["ttfb_p95_ms"] = round(percentile(ttfb, 95), 1)
        extra["total_p50_ms"] = result["p50_ms"]
        extra["mb_per_response"] = round(result["bytes_avg"] / 1e6, 2)
    result.update(extra)
    result.update(scenario.get("info", {}))
    return result


def main() -> None:
    plan = json.load(sys.stdin)
    if plan["host"] not in LOOPBACK:
        sys.exit(f"loadgen: refusing non-loopback host {plan['host']!r}")
    results = {}
    for scenario in plan["scenarios"]:
        started = time.perf_counter()
        results[scenario["name"]] = run_scenario(plan, scenario)
        figures = results[scenario["name"]]
        print(
            f"  {scenario['name']:<26} p50 {figures.get('p50_ms', '-'):>8} ms  "
            f"p95 {figures.get('p95_ms', '-'):>8} ms  rps {figures.get('rps', '-'):>7}  "
            f"n={figures.get('requests', 0)} status={figures.get('status', figures.get('error'))}"
            f"  ({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
            flush=True,
        )
    json.dump(results, sys.stdout)


if __name__ == "__main__":
    main()
