"""import_notes remembers the parties and people it has looked up for the rest of its run
(#19: 10,000 files), but only what a committed file read or made: a file that fails and is
rolled back must leave nothing behind that a later file would link to."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from notes.models import Annotation, Person

pytestmark = pytest.mark.django_db(transaction=True)  # the import commits file by file

TEXT = """Huddinge kommun
Kommunfullmäktige
{day} maj 2021

Reservation från (S) och (V)

§ {number} Budget för år {number}

Vi reserverar oss mot beslutet i ärende {number}.

Anna Andersson (S)
Per Persson (V)
"""


def _write(folder, name, number, day=5):
    path = folder / name
    path.write_text(TEXT.format(number=number, day=day), encoding="utf-8")
    return path


def test_later_files_do_not_look_up_the_names_again(tmp_path):
    for number in range(1, 7):
        _write(tmp_path, f"{number:02}.txt", number)
    with CaptureQueriesContext(connection) as ctx:
        call_command("import_notes", str(tmp_path), no_progress=True)
    person_lookups = [
        q for q in ctx.captured_queries if 'FROM "notes_person"' in q["sql"] and "UPPER" in q["sql"]
    ]
    assert Annotation.objects.count() == 6
    assert len(person_lookups) == 2  # one per signatory, in the first file only
    assert Person.objects.filter(name="Anna Andersson").count() == 1


def test_a_failed_file_leaves_nothing_remembered(tmp_path, monkeypatch):
    """The first file makes a new person and then fails: rolled back. The next file names the
    same person: it must be made again (not linked to the row that was rolled back)."""
    from notes.ingest import importing

    _write(tmp_path, "01.txt", 1)
    _write(tmp_path, "02.txt", 2)
    real = importing.create_annotation
    calls = {"n": 0}

    def failing_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise importing.IntegrityError("made to fail after the people were made")
        return real(*args, **kwargs)

    monkeypatch.setattr(importing, "create_annotation", failing_once)
    with pytest.raises(CommandError):
        call_command("import_notes", str(tmp_path), no_progress=True)
    assert Annotation.objects.count() == 1
    annotation = Annotation.objects.get()
    assert sorted(annotation.signatories.values_list("name", flat=True)) == [
        "Anna Andersson",
        "Per Persson",
    ]
