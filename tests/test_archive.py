"""export_archive and import_archive (full JSON export), backup_db and restore_db (pg_dump)."""

from __future__ import annotations

import datetime
import io
import json

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from notes.ingest.archive import FORMAT_VERSION, sections
from notes.models import (
    AgendaItem,
    Annotation,
    Attendance,
    Ballot,
    Body,
    Meeting,
    Party,
    Person,
    SearchWord,
    Vote,
)
from notes.queries.search import search
from tests.factories import (
    AgendaItemFactory,
    AnnotationFactory,
    BodyFactory,
    MeetingFactory,
    PartyFactory,
    PersonFactory,
)

HistoricalAnnotationParties = apps.get_model("notes", "HistoricalAnnotation_parties")
HistoricalAnnotationSignatories = apps.get_model("notes", "HistoricalAnnotation_signatories")
LINKS = (Annotation.parties.through, Annotation.signatories.through)


def _models():
    return [s.model for s in sections()]


def snapshot() -> dict:
    """Every stored value of every archive table, history and links included."""
    state = {
        model._meta.label: list(model._base_manager.order_by("pk").values()) for model in _models()
    }
    for through in LINKS:
        # Link rows get new ids on import; what counts is which, and in which order.
        columns = [f.attname for f in through._meta.concrete_fields if not f.primary_key]
        state[through._meta.label] = list(
            through.objects.order_by("annotation_id", "pk").values_list(*columns)
        )
    state["m2m"] = {
        a.pk: (sorted(a.parties.values_list("pk", flat=True)), list(a.signatories.all()))
        for a in Annotation.objects.prefetch_related("signatories")
    }
    return state


def counts() -> dict[str, int]:
    return {m._meta.label: m._base_manager.count() for m in [*_models(), *LINKS]}


def empty_database() -> None:
    """Delete every archive row (history and vocabulary too), children first, and rewind the
    id sequences, as in a freshly migrated database."""
    tables = [
        m._meta.db_table
        for m in [
            Ballot,
            Vote,
            Attendance,
            HistoricalAnnotationSignatories,
            HistoricalAnnotationParties,
            Annotation.history.model,
            AgendaItem.history.model,
            Meeting.history.model,
            *LINKS,
            Annotation,
            AgendaItem,
            Meeting,
            Person,
            Party,
            Body,
            SearchWord,
        ]
    ]
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f'DELETE FROM "{table}"')
        for model in [*_models(), *LINKS]:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence(%s, %s), 1, false)",
                [model._meta.db_table, model._meta.pk.column],
            )
    assert not any(counts().values())


def export(path) -> bytes:
    call_command("export_archive", str(path), stdout=io.StringIO())
    return path.read_bytes()


def import_(path) -> str:
    out = io.StringIO()
    call_command("import_archive", str(path), stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.fixture
def clerk():
    return get_user_model().objects.create_user("karin")


@pytest.fixture
def archive(sample_annotation, clerk):
    """A bit of everything: drafts, withdrawn and deleted annotations, edits with users."""
    sd = PartyFactory(name="Sverigedemokraterna", abbreviation="SD", colour="#dddd00")
    m = PartyFactory(name="Moderaterna", abbreviation="M", colour="#1b49dd")
    people = [PersonFactory(party=sd), PersonFactory(party=m), PersonFactory(party=None)]
    body = BodyFactory(name="Bygg- och miljönämnden", short_name="BMN", kind=Body.Kind.COMMITTEE)
    draft = MeetingFactory(body=body, draft=True, date=datetime.date(2024, 2, 29))
    item = AgendaItemFactory(meeting=draft, number=None, paragraph=45, case_number="BMN-2024/7")
    annotation = AnnotationFactory(
        item=item,
        kind=Annotation.Kind.RESERVATION,
        text="Vi reserverar oss mot beslutet om Visättra. ”Citat” – och ‘så’.",
        parties=[m, sd],
        signatories=[people[2], people[0], people[1]],
    )
    annotation._history_user = clerk
    annotation._change_reason = "Stavfel rättat"
    annotation.text += " Rättad."
    annotation.save()
    annotation.parties.remove(sd)

    withdrawn = AnnotationFactory(item=AgendaItemFactory(meeting=draft, number=9))
    withdrawn.withdrawn_at = datetime.datetime(2024, 3, 1, 8, 30, 0, 123456, tzinfo=datetime.UTC)
    withdrawn.withdrawal_reason = "Fel ärende"
    withdrawn.version += 1
    withdrawn.save()

    doomed = AnnotationFactory(item=item, text="Ska raderas.")
    doomed._history_user = clerk
    doomed.delete()

    draft.published_at = datetime.datetime(2024, 3, 14, 12, tzinfo=datetime.UTC)
    draft._history_user = clerk
    draft.save()
    return annotation


def test_round_trip_is_byte_for_byte_and_record_for_record(tmp_path, archive):
    before = snapshot()
    assert before[Annotation.history.model._meta.label]
    assert any(r["history_type"] == "-" for r in before[Annotation.history.model._meta.label])
    a = export(tmp_path / "a.json")

    empty_database()
    import_(tmp_path / "a.json")
    assert snapshot() == before
    b = export(tmp_path / "b.json")
    assert a == b

    # Again into the same database: nothing changes.
    out = import_(tmp_path / "a.json")
    assert "0 rows inserted, 0 updated" in out
    assert "0 search vectors rebuilt" in out
    assert export(tmp_path / "c.json") == a
    assert snapshot() == before

    # The sequences were moved past the imported ids: new rows get fresh ones.
    highest = max(r["id"] for r in before["notes.Annotation"])
    new = AnnotationFactory(item=AgendaItem.objects.first())
    assert new.pk > highest
    assert new.history.earliest().history_id > max(
        r["history_id"] for r in before[Annotation.history.model._meta.label]
    )


def test_document_shape(tmp_path, archive):
    document = json.loads(export(tmp_path / "a.json"))
    assert document["format"] == "huddinge-archive"
    assert document["version"] == FORMAT_VERSION
    row = next(r for r in document["annotations"] if r["id"] == archive.pk)
    assert "search_vector" not in row
    assert "fingerprint" not in row
    assert row["date"] == "2024-02-29"
    m, sd = Party.objects.get(abbreviation="M"), Party.objects.get(abbreviation="SD")
    assert row["parties"] == [m.pk]
    # Signatories in the order they were linked, not by id.
    assert row["signatories"] == list(
        Annotation.signatories.through.objects.filter(annotation=archive)
        .order_by("pk")
        .values_list("person_id", flat=True)
    )
    history = [r for r in document["historical_annotations"] if r["id"] == archive.pk]
    assert history[0]["history_user"] is None
    edit = next(r for r in history if r["history_change_reason"] == "Stavfel rättat")
    assert edit["history_user"] == "karin"
    assert edit["history_date"].endswith("+00:00")
    assert edit["text"].endswith("Rättad.")
    party_sets = {}
    for r in document["historical_annotation_parties"]:
        party_sets.setdefault(r["history_id"], set()).add(r["party_id"])
    assert {m.pk, sd.pk} in [party_sets.get(r["history_id"]) for r in history]
    withdrawn = next(r for r in document["annotations"] if r["withdrawn_at"])
    assert withdrawn["withdrawn_at"] == "2024-03-01T08:30:00.123456+00:00"
    assert "Visättra. ”Citat”" in (tmp_path / "a.json").read_text(encoding="utf-8")
    for section in sections():
        ids = [r[section.model._meta.pk.attname] for r in document[section.key]]
        assert ids == sorted(ids)


def test_history_survives(tmp_path, archive, clerk):
    meeting = archive.item.meeting

    def history():
        return (
            list(archive.history.order_by("history_id").values()),
            list(meeting.history.order_by("history_id").values()),
            list(archive.item.history.order_by("history_id").values()),
            [
                (h.history_id, sorted(p.party_id for p in h.parties.all()))
                for h in archive.history.order_by("history_id")
            ],
        )

    before = history()
    assert [h["history_type"] for h in before[0]][:1] == ["+"]
    assert {h["history_change_reason"] for h in before[0]} >= {"Stavfel rättat"}
    export(tmp_path / "a.json")
    empty_database()
    import_(tmp_path / "a.json")
    assert history() == before
    edits = archive.history.filter(history_change_reason="Stavfel rättat")
    assert {e.history_user for e in edits} == {clerk}
    assert edits.earliest().text.endswith("Rättad.")
    # Old versions can still be looked at, with the parties they had then.
    versions = list(archive.history.order_by("history_id"))
    assert versions[0].instance.text == (
        "Vi reserverar oss mot beslutet om Visättra. ”Citat” – och ‘så’."
    )
    party_sets = [{p.party.abbreviation for p in v.parties.all()} for v in versions]
    assert {"M", "SD"} in party_sets
    assert party_sets[-1] == {"M"}


def test_history_user_without_account_becomes_null(tmp_path, archive, clerk):
    export(tmp_path / "a.json")
    empty_database()
    clerk.delete()
    err = io.StringIO()
    call_command("import_archive", str(tmp_path / "a.json"), stdout=io.StringIO(), stderr=err)
    assert "karin" in err.getvalue()
    assert not Annotation.history.filter(history_user__isnull=False).exists()
    assert Annotation.history.filter(history_change_reason="Stavfel rättat").exists()


def test_file_wins_over_a_differing_row_without_new_history(tmp_path, archive):
    a = export(tmp_path / "a.json")
    Body.objects.filter(pk=archive.item.meeting.body_id).update(name="Fel namn")
    Annotation.objects.filter(pk=archive.pk).update(text="Ändrad text")
    archive.signatories.clear()  # this writes a history row of its own
    extra = BodyFactory(name="Kvar efter import")
    history_before = Annotation.history.count()

    out = import_(tmp_path / "a.json")
    assert "2 updated" in out
    assert Body.objects.get(pk=archive.item.meeting.body_id).name == "Bygg- och miljönämnden"
    archive.refresh_from_db()
    assert archive.text.endswith("Rättad.")
    assert archive.signatories.count() == 3
    assert Annotation.history.count() == history_before
    # Rows the file does not have are kept: an import merges.
    assert Body.objects.filter(pk=extra.pk).exists()
    extra.delete()
    # Everything is as in the file, except the history row that clear() wrote, which is kept.
    b = json.loads(export(tmp_path / "b.json"))
    a = json.loads(a)
    assert {k: v for k, v in b.items() if not k.startswith("historical_")} == {
        k: v for k, v in a.items() if not k.startswith("historical_")
    }
    assert len(b["historical_annotations"]) == len(a["historical_annotations"]) + 1


def test_search_works_after_import(tmp_path, sample_annotation):
    export(tmp_path / "a.json")
    empty_database()
    assert not Annotation.objects.exists()
    out = import_(tmp_path / "a.json")
    assert "1 search vectors rebuilt" in out
    found = search(Annotation.objects.all(), "kriminella")
    assert sample_annotation.pk in {a.pk for a in found}
    # The signatory's name is in the rebuilt vector: the links were there when it was built.
    assert search(Annotation.objects.all(), "Heelge").filter(pk=sample_annotation.pk).exists()
    assert search(Annotation.objects.all(), "S").filter(pk=sample_annotation.pk).exists()
    assert SearchWord.objects.filter(word__startswith="kriminel").exists()
    # The search triggers work again for rows written after the import.
    new = AnnotationFactory(
        item=AgendaItem.objects.get(), text="Om gängkriminaliteten i Flemingsberg."
    )
    assert search(Annotation.objects.all(), "Flemingsberg").filter(pk=new.pk).exists()


def _corrupt(document: dict) -> None:
    document["annotations"][0]["parties"].append(987654)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": "huddinge-archive", "version": 1, ', "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        (lambda d: d.update(version=99), "unsupported format version 99"),
        (lambda d: d.update(format="something-else"), "not an archive export"),
        (lambda d: d.pop("people"), "missing key(s): people"),
        (lambda d: d["meetings"][0].pop("date"), "meetings[0] is missing key(s): date"),
        (lambda d: d["bodies"][0].update(colour="#fff"), "bodies[0] has unknown key(s): colour"),
        (lambda d: d["meetings"][0].update(date="5 maj 2021"), "is not an ISO date"),
        (lambda d: d["people"].append(d["people"][0]), "appears twice"),
        (_corrupt, "987654"),
        (lambda d: d["annotations"][0].update(item_id=987654), "987654"),
    ],
)
def test_bad_file_saves_nothing(tmp_path, archive, content, message):
    export(tmp_path / "a.json")
    document = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    empty_database()
    # Something that an import would otherwise insert, to see that it is not.
    path = tmp_path / "bad.json"
    if callable(content):
        content(document)
        content = json.dumps(document)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match="Nothing imported") as excinfo:
        call_command("import_archive", str(path), stdout=io.StringIO())
    assert message in str(excinfo.value)
    assert not any(counts().values())


def test_bad_file_leaves_existing_data_alone(tmp_path, archive):
    export(tmp_path / "a.json")
    document = json.loads((tmp_path / "a.json").read_text(encoding="utf-8"))
    document["bodies"][0]["name"] = "Ändrat"
    _corrupt(document)
    (tmp_path / "bad.json").write_text(json.dumps(document), encoding="utf-8")
    before = snapshot()
    with pytest.raises(CommandError, match="987654"):
        call_command("import_archive", str(tmp_path / "bad.json"), stdout=io.StringIO())
    assert snapshot() == before


def test_missing_file(tmp_path, db):
    with pytest.raises(CommandError, match="cannot read"):
        call_command("import_archive", str(tmp_path / "nope.json"))


# --- backup_db / restore_db --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_backup_and_restore(tmp_path):
    """pg_dump reads committed data from its own connection, hence a transactional test."""
    annotation = AnnotationFactory(
        text="Kriminella nätverk i Flemingsberg.", parties=[PartyFactory()]
    )
    annotation.text += " Ändrad."
    annotation.save()
    body = annotation.item.meeting.body
    before = snapshot()
    assert connection.settings_dict["NAME"].startswith("test_")

    out = io.StringIO()
    dump = tmp_path / "backup.dump"
    call_command("backup_db", "--output", str(dump), stdout=out)
    assert out.getvalue().strip() == str(dump)
    assert dump.read_bytes()[:5] == b"PGDMP"

    Body.objects.filter(pk=body.pk).update(name="Fel")
    Annotation.objects.all().delete()
    PartyFactory(name="Ny", abbreviation="NY")

    call_command("restore_db", str(dump), "--yes", stdout=io.StringIO())
    assert snapshot() == before
    assert search(Annotation.objects.all(), "kriminella").filter(pk=annotation.pk).exists()
    # Sequences came back too.
    assert AnnotationFactory(item=annotation.item).pk > annotation.pk


def test_backup_default_path(tmp_path, settings, transactional_db):
    settings.BASE_DIR = tmp_path
    out = io.StringIO()
    call_command("backup_db", stdout=out)
    path = tmp_path / "backups" / out.getvalue().strip().rsplit("/", 1)[-1]
    assert str(path) == out.getvalue().strip()
    assert path.name.startswith("archive-")
    assert path.name.endswith(".dump")
    assert path.stat().st_size > 0
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temporary file left


def test_restore_refuses_missing_file(tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("restore_db", str(tmp_path / "nope.dump"), "--yes")


def test_restore_asks_first(tmp_path, monkeypatch):
    dump = tmp_path / "x.dump"
    dump.write_bytes(b"PGDMP")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    with pytest.raises(CommandError, match="cancelled"):
        call_command("restore_db", str(dump))
