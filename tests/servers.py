"""Real app servers for the tests that need them (a shared cache, replicas): gunicorn with
the given environment on free loopback ports, answering /healthz before the test goes on."""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if predicate():
                return
        time.sleep(0.3)
    raise AssertionError("timed out waiting")


def manage(env: dict, *args: str, timeout: int = 300, quiet: bool = False) -> None:
    """`manage.py *args` in the project, with `env`; fails the test if the command does."""
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=timeout,
        capture_output=quiet,
    )


def start_apps(env: dict, count: int, apps: list) -> list[str]:
    """`count` gunicorn servers (one worker each), appended to `apps` as they start (so the
    caller's `finally` stops them whatever fails); returns their base URLs."""
    manage(env, "collectstatic", "--noinput", "-v0")
    urls = []
    for _ in range(count):
        port = free_port()
        command = [sys.executable, "-m", "gunicorn", "huddinge_archive.wsgi", "-w", "1"]
        command += ["-b", f"127.0.0.1:{port}", "--timeout", "30"]
        apps.append(
            subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    for url in urls:
        wait_until(
            lambda url=url: urllib.request.urlopen(url + "/healthz", timeout=5).status == 200
        )
    return urls


def stop_apps(apps: list) -> None:
    for app in apps:
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=10)
