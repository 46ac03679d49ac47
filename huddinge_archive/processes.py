"""Child processes that end with the command that started them.

A process started by another one outlives it when the parent dies without stopping it: a
SIGKILL, or a SIGTERM the parent does not handle. Two places in the project start such
children: the development server's autoreloader (`manage.py runserver` runs the server in a
child and restarts it on every change) and the bench and test helpers that start gunicorn.
Killed, they left a server running on its port. Here a child asks the kernel for a SIGTERM
when its parent dies (Linux's PR_SET_PDEATHSIG) and, where that is not available, watches
its parent from a thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1


def _ask_kernel_for_sigterm_on_parent_death() -> bool:
    """Linux only: the kernel sends this process SIGTERM when its parent exits."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def end_with_parent() -> None:
    """`preexec_fn` for a child that must not outlive the process starting it."""
    _ask_kernel_for_sigterm_on_parent_death()


def exit_with_parent(parent: int | None = None, poll_seconds: float = 0.5) -> None:
    """Call early in a child: it stops when ``parent`` (by default its parent now) is gone."""
    parent = os.getppid() if parent is None else parent
    if _ask_kernel_for_sigterm_on_parent_death() and os.getppid() == parent:
        return
    if os.getppid() != parent:  # died before the request was made
        os.kill(os.getpid(), signal.SIGTERM)
        return

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(poll_seconds)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


PARENT_VARIABLE = "HUDDINGE_AUTORELOADER_PID"


def exit_with_autoreloader() -> None:
    """In `runserver`'s serving child (Django marks it with RUN_MAIN=true): stop when the
    autoreloading parent is killed, instead of serving on as an orphan. The parent names
    itself in the environment the child inherits, so a parent killed before the child got
    this far is noticed too."""
    if os.environ.get("RUN_MAIN") == "true":
        named = os.environ.get(PARENT_VARIABLE, "")
        exit_with_parent(int(named) if named.isdigit() else None)
    else:
        os.environ[PARENT_VARIABLE] = str(os.getpid())
