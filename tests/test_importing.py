"""The import command and notes.ingest.importing: fields, idempotence, atomicity, exit status."""

import datetime
import itertools
import re

import pytest
from django.core.management import CommandError, call_command

from notes.models import AgendaItem, Annotation, Body, Meeting, Party, Person

pytestmark = pytest.mark.django_db

VARIANT = """Huddinge kommun
Kommunfullmäktige
5 maj 2021

Reservation från (S), (V) och (MP)

§ 45 Budget 2022 för Huddinge kommun
Dnr KS-2021/123

Vi reserverar oss mot beslutet.

Budgeten saknar satsningar på skolan.

Anna Andersson (S)
Per Persson (V)
Lina Holm (MP)
"""


def run_import(*paths, **options):
    call_command("import_notes", *[str(p) for p in paths], no_progress=True, **options)


def counts():
    return (Meeting.objects.count(), AgendaItem.objects.count(), Annotation.objects.count())


def test_sample_imported_exactly(sample_path):
    run_import(sample_path)
    annotation = Annotation.objects.get()
    item = annotation.item
    assert item.meeting.body.name == "Kommunstyrelsen"
    assert item.meeting.body.short_name == "KS"
    assert item.meeting.date == datetime.date(2021, 5, 5)
    assert annotation.date == datetime.date(2021, 5, 5)
    assert item.number == 22
    assert item.title == (
        "Huddinge kommuns preventionsarbete - beslut om instruktioner för referensgrupp "
        "samt val av ledamöter till densamma"
    )
    assert annotation.kind == Annotation.Kind.PROTOKOLLSANTECKNING
    assert [p.abbreviation for p in annotation.parties.all()] == ["S"]
    assert annotation.parties.get().name == "Socialdemokraterna"
    person = annotation.signatories.get()
    assert person.name == "Sara Heelge Vikmång"
    assert person.party.abbreviation == "S"
    assert annotation.source == sample_path.name
    # Every paragraph verbatim, the stray closing quote included.
    raw = sample_path.read_text(encoding="utf-8")
    start = raw.index("Huddinge är i många")
    end = raw.index("som nu tillsätts.") + len("som nu tillsätts.")
    assert annotation.text == raw[start:end]
    assert "civilsamhället.”" in annotation.text


def test_import_twice_adds_nothing(sample_path, capsys):
    run_import(sample_path)
    before = counts(), Party.objects.count(), Person.objects.count()
    run_import(sample_path)
    assert (counts(), Party.objects.count(), Person.objects.count()) == before
    assert "0 imported, 1 unchanged, 0 failed" in capsys.readouterr().out


def test_variant_with_paragraph_dnr_and_several_parties(tmp_path):
    path = tmp_path / "kf.txt"
    path.write_text(VARIANT, encoding="utf-8")
    run_import(path)
    annotation = Annotation.objects.get()
    assert annotation.kind == Annotation.Kind.RESERVATION
    assert annotation.item.number is None
    assert annotation.item.paragraph == 45
    assert annotation.item.case_number == "KS-2021/123"
    assert annotation.item.meeting.body.short_name == "KF"
    assert sorted(annotation.parties.values_list("abbreviation", flat=True)) == ["MP", "S", "V"]
    people = {p.name: p.party.abbreviation for p in annotation.signatories.all()}
    assert people == {"Anna Andersson": "S", "Per Persson": "V", "Lina Holm": "MP"}


def test_windows_1252_crlf_file_imports_like_utf8(tmp_path, sample_path):
    text = sample_path.read_text(encoding="utf-8")
    path = tmp_path / "ansi.txt"
    path.write_bytes(text.replace("\n", "\r\n").encode("cp1252"))
    run_import(path)
    run_import(sample_path)  # the same annotation in UTF-8: recognised as already there
    annotation = Annotation.objects.get()
    assert annotation.text.startswith("Huddinge är i många")
    assert "\r" not in annotation.text


def test_malformed_file_saves_nothing_and_others_still_import(tmp_path, sample_path, capsys):
    bad = tmp_path / "a-bad.txt"
    bad.write_text("Kommunstyrelsen\n2021-05-05\nPROTOKOLLSANTECKNING\n\nText utan ärende.\n")
    good = tmp_path / "b-good.txt"
    good.write_bytes(sample_path.read_bytes())
    with pytest.raises(CommandError):
        run_import(tmp_path)
    out, err = capsys.readouterr()
    assert "a-bad.txt:5: expected an item line" in err
    assert "1 imported, 0 unchanged, 1 failed" in out
    assert counts() == (1, 1, 1)


def test_failure_after_parsing_rolls_back_the_whole_file(tmp_path, monkeypatch, sample_path):
    from notes.ingest import importing

    def broken_person(name, party):
        raise importing.IntegrityError("simulated failure after the rows were written")

    monkeypatch.setattr(importing, "ensure_person", broken_person)
    with pytest.raises(CommandError):
        run_import(sample_path)
    assert counts() == (0, 0, 0)


def test_import_commits_do_not_wait_for_the_disk_and_the_setting_is_restored(
    sample_path, monkeypatch
):
    """import_notes turns synchronous_commit off for its own run (each file still commits
    atomically), and gives the connection back as it found it, after a failure too."""
    from django.db import connection

    from notes.ingest import importing
    from notes.management.commands import import_notes

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    seen = []
    real = importing.import_file

    def recording(path, **options):
        seen.append(setting())
        return real(path, **options)

    monkeypatch.setattr(import_notes, "import_file", recording)
    before = setting()
    run_import(sample_path)
    assert seen == ["off"] and setting() == before == "on"
    assert counts() == (1, 1, 1)

    def failing(path, **options):
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(import_notes, "import_file", failing)
    with pytest.raises(RuntimeError):
        run_import(sample_path)
    assert setting() == "on"


def test_unknown_party_is_reported_not_invented(tmp_path):
    path = tmp_path / "okant.txt"
    path.write_text(VARIANT.replace("Per Persson (V)", "Per Persson (XYZ)"), encoding="utf-8")
    with pytest.raises(CommandError):
        run_import(path)
    assert counts() == (0, 0, 0)
    assert not Party.objects.filter(abbreviation="XYZ").exists()


def test_dry_run_saves_nothing(sample_path, capsys):
    run_import(sample_path, dry_run=True)
    assert counts() == (0, 0, 0)
    assert "Dry run, nothing saved: 1 imported" in capsys.readouterr().out


def test_missing_path_fails(tmp_path, capsys):
    with pytest.raises(CommandError):
        run_import(tmp_path / "finns-inte.txt")
    assert "no such file or folder" in capsys.readouterr().err


def test_existing_item_keeps_clerks_title(sample_path):
    run_import(sample_path)
    item = AgendaItem.objects.get()
    item.title = "Rättad rubrik"
    item.save()
    other = sample_path.read_text(encoding="utf-8").replace("PROTOKOLLSANTECKNING", "RESERVATION")
    from notes.ingest.importing import import_bytes

    result = import_bytes(other.encode(), "reservation.txt")
    assert result.outcome == "imported"
    item.refresh_from_db()
    assert item.title == "Rättad rubrik"
    assert item.annotations.count() == 2


def test_load_sample_data_if_empty(capsys):
    call_command("load_sample_data", demo=0)
    assert Annotation.objects.count() == 1
    call_command("load_sample_data", if_empty=True, demo=0)
    assert Annotation.objects.count() == 1
    assert Party.objects.filter(abbreviation__in=["S", "M", "SD", "L", "HP", "DP"]).count() == 6


def _written(annotation: Annotation) -> dict:
    """What saving an annotation wrote: its row and vector, its links in the order written,
    its history records with the links of each, and lexemes missing from the vocabulary."""
    from django.db import connection

    # body_key: the two are on different bodies on purpose (one via the ORM, one imported).
    skip = {"id", "item_id", "created_at", "updated_at", "history_id", "history_date", "body_key"}
    history = list(annotation.history.order_by("history_date", "history_id"))
    assert all(a.history_date < b.history_date for a, b in itertools.pairwise(history))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT search_vector::text, (SELECT count(*) FROM unnest(tsvector_to_array("
            "search_vector)) AS w WHERE w NOT IN (SELECT word FROM notes_searchword)) "
            "FROM notes_annotation WHERE id = %s",
            [annotation.pk],
        )
        vector, missing_words = cursor.fetchone()
    row = Annotation.objects.filter(pk=annotation.pk).values().get()
    return {
        "row": {k: v for k, v in row.items() if k not in skip | {"search_vector"}},
        "vector": vector,
        "missing_words": missing_words,
        "parties": list(
            Annotation.parties.through.objects.filter(annotation=annotation)
            .order_by("id")
            .values_list("party__abbreviation", flat=True)
        ),
        "signatories": list(
            Annotation.signatories.through.objects.filter(annotation=annotation)
            .order_by("id")
            .values_list("person__name", flat=True)
        ),
        "history": [
            (
                {k: v for k, v in vars(h).items() if not k.startswith("_") and k not in skip},
                sorted(h.parties.values_list("party_id", flat=True)),
                sorted(h.signatories.values_list("person_id", flat=True)),
            )
            for h in history
        ],
    }


def _lexemes(vector: str) -> dict[str, str]:
    """A tsvector's words and their weights, without positions."""
    return {
        word: "".join(sorted(re.sub(r"[\d,]", "", positions)))
        for word, positions in re.findall(r"'((?:[^']|'')+)':([\dA-D,]+)", vector)
    }


@pytest.mark.parametrize(
    "signatures", ["Anna Andersson (S)\nPer Persson (V)\nLina Holm (MP)\nAnna Andersson (S)", ""]
)
def test_save_record_writes_what_the_orm_writes(signatures):
    """save_record() writes a new annotation, its links and its history in two round trips:
    the rows must be those that Annotation.objects.create(), parties.set() and
    signatories.set() write with django-simple-history (the importer's way before), but for
    the order of the links, which is the text's."""
    from notes.ingest.importing import ensure_party, ensure_person, save_record
    from notes.ingest.parsing import parse_note
    from notes.parties import find_party

    text = VARIANT.replace("Anna Andersson (S)\nPer Persson (V)\nLina Holm (MP)\n", signatures)
    fast, created = save_record(parse_note(text), source="same.txt")
    assert created

    # The same record on another body's meeting, written through the ORM.
    record = parse_note(text.replace("Kommunfullmäktige", "Kommunstyrelsen"))
    meeting = Meeting.objects.create(
        body=Body.objects.create(name="Kommunstyrelsen", slug="ks"),
        date=record.date,
        published_at=fast.item.meeting.published_at,
    )
    item = AgendaItem.objects.create(
        meeting=meeting,
        number=record.item_number,
        paragraph=record.paragraph_number,
        title=record.item_title,
        case_number=record.case_number,
    )
    orm = Annotation.objects.create(
        item=item, kind=record.kind, text=record.text, source="same.txt", date=meeting.date
    )
    orm.parties.set(ensure_party(find_party(a)) for a in record.parties)
    orm.signatories.set(
        ensure_person(s.name, ensure_party(find_party(s.party)) if s.party else None)
        for s in record.signatories
    )

    written, reference = _written(fast), _written(orm)
    # The links in the text's order (the ORM's set() inserts them in an order of its own).
    parties, signatories = written.pop("parties"), written.pop("signatories")
    assert parties == list(dict.fromkeys(record.parties))
    assert signatories == list(dict.fromkeys(s.name for s in record.signatories))
    assert sorted(reference.pop("parties")) == sorted(parties)
    assert sorted(reference.pop("signatories")) == sorted(signatories)
    # The vector lists the signatories in link order, which set() makes the order of a set of
    # ids (so it follows the ids' values): the same words with the same weights.
    assert _lexemes(written.pop("vector")) == _lexemes(reference.pop("vector"))
    assert written == reference
    assert len(written["history"]) == (3 if signatures else 2)
    assert written["missing_words"] == 0


@pytest.mark.parametrize("published", [True, False])
def test_existing_meeting_and_item_are_completed_not_overwritten(published):
    """A meeting that is still a draft gets published; an item the clerk created bare gets
    the file's title and case number (its history says so); nothing else changes."""
    from django.utils import timezone

    from notes.ingest.importing import ensure_body, import_bytes

    meeting = Meeting.objects.create(
        body=ensure_body("Kommunfullmäktige"),
        date=datetime.date(2021, 5, 5),
        published_at=timezone.now() if published else None,
    )
    published_at = meeting.published_at
    item = AgendaItem.objects.create(meeting=meeting, paragraph=45, title="")
    assert import_bytes(VARIANT.encode(), "variant.txt").outcome == "imported"
    meeting.refresh_from_db()
    item.refresh_from_db()
    assert meeting.published_at is not None
    assert meeting.published_at == published_at or not published
    assert (item.title, item.case_number) == ("Budget 2022 för Huddinge kommun", "KS-2021/123")
    assert item.history.count() == 2
    assert Annotation.objects.get().item == item
    assert import_bytes(VARIANT.encode(), "variant.txt").outcome == "unchanged"
