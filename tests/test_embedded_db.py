"""The embedded server's wrapper survives interrupted and simultaneous commands: the
package's pid list is written atomically and read forgivingly, and starts are serialised."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from huddinge_archive.embedded_db import read_pid_list, write_pid_list

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("content", ["", "{", "null", '{"a": 1}', "[1, 2", "\x00\x00"])
def test_a_broken_pid_list_reads_as_empty(tmp_path, content):
    path = tmp_path / ".handle_pids.json"
    path.write_text(content)
    assert read_pid_list(path) == []


def test_the_pid_list_keeps_live_processes_and_is_replaced_whole(tmp_path):
    path = tmp_path / ".handle_pids.json"
    dead = 2**22 + 12345  # above any pid this machine hands out
    write_pid_list(path, [os.getpid(), dead, -1])
    assert json.loads(path.read_text()) == [os.getpid(), dead, -1]
    assert read_pid_list(path) == [os.getpid()]
    assert [p.name for p in tmp_path.iterdir()] == [".handle_pids.json"]  # no leftovers


def _env(data: Path) -> dict:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")
    }
    env["EMBEDDED_PGDATA"] = str(data)
    return env


def _check(data: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "check", "--database", "default"],
        cwd=ROOT,
        env=_env(data),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def own_server(tmp_path):
    data = tmp_path / "pgdata"
    yield data
    subprocess.run(
        [sys.executable, "-m", "huddinge_archive.embedded_db", "stop"],
        cwd=ROOT,
        env=_env(data),
        capture_output=True,
        timeout=120,
    )


def test_commands_survive_kills_broken_lists_and_each_other(own_server):
    data = own_server
    first = _check(data)
    _out, err = first.communicate(timeout=300)
    assert first.returncode == 0, err
    pid_list = data / ".handle_pids.json"

    # A list left empty or half-written by a killed command: the next command works.
    for broken in ("", "[123", "garbage"):
        pid_list.write_text(broken)
        command = _check(data)
        assert command.wait(timeout=120) == 0, command.stderr.read()

    # Commands killed at random moments (seeded), then the next one works.
    rng = random.Random(16)
    for _ in range(4):
        command = _check(data)
        time.sleep(rng.uniform(0.05, 1.5))
        command.send_signal(rng.choice([signal.SIGKILL, signal.SIGTERM]))
        command.wait(timeout=60)
        after = _check(data)
        assert after.wait(timeout=120) == 0, after.stderr.read()
        json.loads(pid_list.read_text())  # readable, whatever happened

    # Eight at the same moment.
    commands = [_check(data) for _ in range(8)]
    results = [c.wait(timeout=300) for c in commands]
    assert results == [0] * 8, [c.stderr.read()[-500:] for c in commands]
    assert isinstance(json.loads(pid_list.read_text()), list)
