"""Fault injection: commands killed at random moments, and many started at once, against a
server of the test's own (#16). After every round the next command succeeds, every
committed row is still there, each import is all or nothing, and no process a command
started (the development server's child, a gunicorn) is left behind.

The seed is fixed, so a failure can be replayed; FAULT_SEED picks another stream."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "notes" / "sample_data" / "huddinge-ks-2021-05-05-arende-22.txt"
SEED = int(os.environ.get("FAULT_SEED", "16"))


def _env(data: Path, **extra: str) -> dict:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "RUN_MAIN")
    }
    env.update(EMBEDDED_PGDATA=str(data), DEBUG="1", **extra)
    return env


def _start(data: Path, *args: str, **extra: str) -> subprocess.Popen:
    """A command in a session of its own: whatever it starts shares its process group."""
    return subprocess.Popen(
        [sys.executable, *args],
        cwd=ROOT,
        env=_env(data, **extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _run(data: Path, *args: str, timeout: float = 300, **extra: str) -> str:
    command = _start(data, *args, **extra)
    _, err = command.communicate(timeout=timeout)
    assert command.returncode == 0, f"{args}: {err[-2000:]}"
    return err


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover - a group of another user
        return True
    return True


def assert_nothing_left(command: subprocess.Popen, within: float = 20) -> None:
    """No process of the command's group is alive (reaped zombies aside) within ``within`` s."""
    command.wait(timeout=within)
    deadline = time.monotonic() + within
    while _group_alive(command.pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = _group_members(command.pid)
    assert not left, f"left running after {command.args}: {left}"


def _group_members(pgid: int) -> list[str]:
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            state, group = fields[0], int(fields[2])
            if group == pgid and state != "Z":
                members.append((entry / "cmdline").read_text().replace("\0", " "))
        except (OSError, ValueError):
            continue
    return members


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _text(number: int) -> Path:
    """The sample annotation under another meeting date and item number."""
    return (
        SAMPLE.read_text(encoding="utf-8")
        .replace("2021-05-05", f"2019-{1 + number % 12:02d}-{1 + number // 12:02d}")
        .replace("Ärende 22", f"Ärende {100 + number}")
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A migrated archive on an embedded server of the test's own; stopped afterwards."""
    data = tmp_path_factory.mktemp("faults") / "pgdata"
    texts = tmp_path_factory.mktemp("texts")
    _run(data, "manage.py", "migrate", "--noinput", "-v", "0", timeout=600)
    _run(data, "manage.py", "import_notes", str(SAMPLE))
    url = subprocess.run(
        [sys.executable, "-m", "huddinge_archive.embedded_db", "start"],
        cwd=ROOT,
        env=_env(data),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    yield data, texts, url
    subprocess.run(
        [sys.executable, "-m", "huddinge_archive.embedded_db", "stop"],
        cwd=ROOT,
        env=_env(data),
        capture_output=True,
        timeout=120,
    )


def _rows(url: str) -> dict[int, tuple]:
    """Every annotation: (item id, fingerprint, item number, parties, signatories) by id."""
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            """
            SELECT a.id, a.item_id, a.fingerprint, i.number,
                   (SELECT count(*) FROM notes_annotation_parties p WHERE p.annotation_id = a.id),
                   (SELECT count(*) FROM notes_annotation_signatories s
                     WHERE s.annotation_id = a.id)
            FROM notes_annotation a JOIN notes_agendaitem i ON i.id = a.item_id
            """
        ).fetchall()
    return {row[0]: row[1:] for row in rows}


def _write_text(texts: Path, number: int) -> Path:
    path = texts / f"text-{number}.txt"
    path.write_text(_text(number), encoding="utf-8")
    return path


@pytest.mark.parametrize("broken", ["", "[123", "garbage", "\x00"])
def test_a_pid_list_left_broken_does_not_stop_the_next_command(server, broken):
    data, _, _ = server
    pid_list = data / ".handle_pids.json"
    pid_list.write_text(broken)
    _run(data, "manage.py", "check", "--database", "default")
    assert isinstance(json.loads(pid_list.read_text()), list)


def test_commands_killed_at_random_moments_leave_everything_usable(server):
    data, texts, url = server
    committed = _rows(url)
    assert len(committed) == 1
    rng = random.Random(SEED)
    imported_numbers = set()
    for round_number in range(30):
        kind = rng.choice(["check", "import", "runserver"])
        if kind == "check":
            args = ("manage.py", "check", "--database", "default")
        elif kind == "import":
            args = ("manage.py", "import_notes", str(_write_text(texts, round_number)))
        else:
            args = ("manage.py", "runserver", f"127.0.0.1:{_free_port()}")
        command = _start(data, *args)
        time.sleep(rng.uniform(0.05, 3.0))
        command.send_signal(rng.choice([signal.SIGKILL, signal.SIGTERM]))
        assert_nothing_left(command)

        rows = _rows(url)
        # Every row committed before is there, unchanged.
        assert {k: rows[k] for k in committed} == committed, f"round {round_number}: {kind}"
        new = [row for k, row in rows.items() if k not in committed]
        # The interrupted import saved all of its file (item, parties, signatories) or nothing.
        assert all(row[2] == 100 + round_number and row[3] == 1 and row[4] == 1 for row in new)
        # The next command works, and the file, imported again, is there exactly once.
        if kind == "import":
            _run(data, *args)
            imported_numbers.add(round_number)
        else:
            _run(data, "manage.py", "check", "--database", "default")
        committed = _rows(url)
        json.loads((data / ".handle_pids.json").read_text())
    numbers = sorted(row[2] for row in committed.values())
    assert numbers == sorted([22, *(100 + n for n in imported_numbers)])


def test_eight_commands_at_once_ten_times(server):
    data, texts, url = server
    before = _rows(url)
    for round_number in range(10):
        number = 200 + round_number
        text = str(_write_text(texts, number))
        commands = [
            _start(data, "manage.py", "import_notes", text)
            if i < 3  # the same file by three at once, as two clerks might
            else _start(data, "manage.py", "check", "--database", "default")
            for i in range(8)
        ]
        outcomes = [(c.wait(timeout=300), c.stderr.read()[-800:]) for c in commands]
        assert [code for code, _ in outcomes] == [0] * 8, outcomes
        for command in commands:
            assert_nothing_left(command)
        rows = _rows(url)
        assert {k: rows[k] for k in before} == before
        assert sorted(row[2] for k, row in rows.items() if k not in before) == [100 + number]
        before = rows
    assert isinstance(json.loads((data / ".handle_pids.json").read_text()), list)


def test_make_load_reports_and_leaves_no_process_when_killed(server, tmp_path):
    """`bench/load.py` (make load) on the test's server: it reports figures; SIGTERM or
    SIGKILL while it measures leaves no gunicorn of its own running."""
    data, _, _ = server
    results = tmp_path / "load.json"
    extra = {"LOAD_SECONDS": "2", "LOAD_SIZE": "60", "LOAD_CLIENTS": "2"}
    _run(data, "bench/load.py", timeout=600, LOAD_RESULTS=str(results), **extra)
    figures = json.loads(results.read_text())
    assert figures["requests"] > 0
    assert figures["errors"] == 0
    assert figures["statuses"] == {"200": figures["requests"]}

    extra["LOAD_SECONDS"] = "120"
    for sig in (signal.SIGTERM, signal.SIGKILL):
        command = _start(data, "bench/load.py", LOAD_RESULTS=str(tmp_path / "x.json"), **extra)
        deadline = time.monotonic() + 300
        while not any("gunicorn" in m for m in _group_members(command.pid)):
            assert command.poll() is None, command.stderr.read()
            assert time.monotonic() < deadline, "gunicorn never started"
            time.sleep(0.2)
        time.sleep(1)
        command.send_signal(sig)
        assert_nothing_left(command, within=40)
        assert not (tmp_path / "x.json").exists()
