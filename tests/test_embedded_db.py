"""The embedded server's wrapper: the package's pid list is written atomically and read
forgivingly. Commands killed or started together against a real server: test_faults.py."""

from __future__ import annotations

import json
import os

import pytest

from huddinge_archive.embedded_db import read_pid_list, write_pid_list


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
