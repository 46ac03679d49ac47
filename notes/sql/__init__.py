"""The SQL of the database's triggers and functions, one file per migration (see README.md).

A file is part of a migration's history: it never changes once released. A later change to a
trigger or function is a new file, loaded by a new migration.
"""

from pathlib import Path

_FOLDER = Path(__file__).parent


def read(name: str) -> str:
    """The text of the file `name` in this folder, e.g. read("0010_facet_counts.sql")."""
    path = _FOLDER / name
    if path.parent != _FOLDER or path.suffix != ".sql":
        raise ValueError(f"not an SQL file of notes/sql/: {name!r}")
    return path.read_text(encoding="utf-8")
