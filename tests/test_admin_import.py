"""Importing texts in the clerks' admin: paste or upload, preview, import as drafts."""

import re
from html import unescape

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from notes.ingest.admin_import import MAX_BYTES, MAX_TEXTS
from notes.models import AgendaItem, Annotation, Meeting, Person

pytestmark = pytest.mark.django_db

URL = "/admin/notes/annotation/import/"

SECOND_TEXT = """Kommunfullmäktige
2022-03-14

RESERVATION

§ 45 Budget för 2023 med plan för 2024-2025

Vi reserverar oss mot beslutet till förmån för vårt förslag om fler fritidsgårdar i Flemingsberg.

Anna Andersson (V)
"""

# Line 2 should be the date (the body, date and kind header may come in any order).
MALFORMED = """Kommunstyrelsen
inte ett datum

PROTOKOLLSANTECKNING
"""


@pytest.fixture
def sample_text(sample_path):
    return sample_path.read_text(encoding="utf-8")


def counts():
    return (
        Meeting.objects.count(),
        AgendaItem.objects.count(),
        Annotation.objects.count(),
        Person.objects.count(),
    )


def page_text(response) -> str:
    """The response's visible text, tags dropped and whitespace collapsed."""
    html = response.content.decode()
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def digest_of(response) -> str:
    match = re.search(r'name="digest" value="([0-9a-f]+)"', response.content.decode())
    assert match, "the preview offers no import"
    return match.group(1)


# --------------------------------------------------------------------------- access


def test_clerk_gets_the_form(clerk):
    assert reverse("admin:notes_annotation_import") == URL
    response = clerk.get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<label for="id_text">' in html
    assert '<label for="id_files">' in html
    assert 'type="file"' in html and "multiple" in html
    assert 'enctype="multipart/form-data"' in html
    assert "Förhandsgranska" in html


def test_user_without_add_permission_is_refused(client):
    user = User.objects.create_user("utan", password="x-very-secret-3", is_staff=True)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"text": "x", "action": "preview"}).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_changelist_links_to_the_import(clerk):
    html = clerk.get("/admin/notes/annotation/").content.decode()
    assert f'href="{URL}"' in html
    assert "Importera texter" in html


# --------------------------------------------------------------------------- preview


def test_preview_of_the_sample_shows_what_was_read_and_saves_nothing(clerk, sample_text):
    before = counts()
    response = clerk.post(URL, {"text": sample_text, "action": "preview"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Inklistrad text 1" in text
    assert "Kommunstyrelsen" in text
    assert "2021-05-05" in text
    assert "Ärende 22: Huddinge kommuns preventionsarbete" in text
    assert "Protokollsanteckning" in text
    assert "Socialdemokraterna (S)" in text
    assert "Sara Heelge Vikmång" in text
    assert "Huddinge är i många avseenden" in text  # the start of the text
    table = re.search(r"<table>.*</table>", response.content.decode(), re.S).group(0)
    assert "hamnar snett" not in table  # …but only the start
    assert "Ny" in text
    html = response.content.decode()
    assert '<th scope="col">' in html
    assert 'role="alert"' not in html
    assert 'value="import"' in html
    # The textarea keeps what was pasted.
    assert "Sara Heelge Vikmång</textarea>" in html
    assert counts() == before


def test_preview_says_when_a_text_is_already_in_the_archive(clerk, sample_text, sample_annotation):
    text = page_text(clerk.post(URL, {"text": sample_text, "action": "preview"}))
    assert "Finns redan i arkivet" in text


def test_malformed_text_reports_the_line_and_blocks_the_import(clerk, sample_text):
    pasted = sample_text + "\n---\n" + MALFORMED
    before = counts()
    response = clerk.post(URL, {"text": pasted, "action": "preview"})
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert 'role="alert"' in html
    assert "Inklistrad text 2, rad 2: här väntades en rad med datum" in text
    assert "men texten har ”inte ett datum”" in text
    assert 'value="import"' not in html  # no import button while errors remain
    assert "inte ett datum\n" in html  # the textarea keeps the texts, to be corrected

    # Forcing the import saves nothing, not even the valid text.
    response = clerk.post(URL, {"text": pasted, "action": "import"})
    assert response.status_code == 200
    assert "Ingenting importerades" in page_text(response)
    assert "Inklistrad text 2, rad 2: här väntades" in page_text(response)
    assert counts() == before


def test_corrected_text_can_be_previewed_and_imported(clerk, sample_text):
    pasted = sample_text + "\n===\n" + SECOND_TEXT
    response = clerk.post(URL, {"text": pasted, "action": "preview"})
    assert 'role="alert"' not in response.content.decode()
    response = clerk.post(URL, {"text": pasted, "action": "import", "digest": digest_of(response)})
    assert response.status_code == 302
    assert Annotation.objects.count() == 2
    assert set(Annotation.objects.values_list("source", flat=True)) == {
        "Inklistrad text 1",
        "Inklistrad text 2",
    }


def test_import_of_texts_changed_since_the_preview_is_refused(clerk, sample_text):
    response = clerk.post(URL, {"text": sample_text, "action": "preview"})
    digest = digest_of(response)
    changed = sample_text + "\n---\n" + SECOND_TEXT
    response = clerk.post(URL, {"text": changed, "action": "import", "digest": digest})
    assert response.status_code == 200
    assert "texterna har ändrats sedan förhandsgranskningen" in page_text(response)
    assert Annotation.objects.count() == 0
    # The new preview can be imported.
    response = clerk.post(URL, {"text": changed, "action": "import", "digest": digest_of(response)})
    assert response.status_code == 302
    assert Annotation.objects.count() == 2


# --------------------------------------------------------------------------- upload and import


def upload(name, data):
    return SimpleUploadedFile(name, data, content_type="text/plain")


def test_upload_preview_import_as_drafts_then_again_unchanged(
    clerk, client, clerk_user, sample_text
):
    windows = sample_text.replace("\n", "\r\n").encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        windows.decode("utf-8")  # really Windows-1252, not UTF-8
    files = [upload("ks-22.txt", windows), upload("kf-45.txt", SECOND_TEXT.encode("utf-8-sig"))]
    response = clerk.post(URL, {"text": "", "files": files, "action": "preview"})
    assert response.status_code == 200
    html = response.content.decode()
    text = page_text(response)
    assert 'role="alert"' not in html
    assert "ks-22.txt" in text and "kf-45.txt" in text
    assert "Sara Heelge Vikmång" in text and "Anna Andersson (V)" in text
    assert "Kommunfullmäktige" in text and "§ 45: Budget för 2023" in text
    assert "Ersättaryttrande" not in text and "Reservation" in text
    # The files are carried forward, decoded, so no re-upload is needed.
    carried = re.findall(r'name="file_name" value="([^"]+)"', html)
    assert carried == ["ks-22.txt", "kf-45.txt"]
    carried_texts = [
        unescape(t).removeprefix("\n")
        for t in re.findall(r'<textarea name="file_text"[^>]*>(.*?)</textarea>', html, re.S)
    ]
    assert carried_texts[0].startswith("\n\nHuddinge kommun\nKommunstyrelsen")
    assert "civilsamhället.”" in carried_texts[0]
    assert Annotation.objects.count() == 0

    # Confirm: the browser sends back the carried files (with CRLF, as browsers do).
    data = {
        "text": "",
        "file_name": carried,
        "file_text": [t.replace("\n", "\r\n") for t in carried_texts],
        "digest": digest_of(response),
        "action": "import",
    }
    response = clerk.post(URL, data)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/notes/annotation/?id__in=")
    followed = clerk.get(response["Location"])
    assert "2 importerade som utkast: de syns inte förrän sammanträdet publiceras." in page_text(
        followed
    )
    assert followed.context["cl"].result_count == 2

    annotations = list(Annotation.objects.select_related("item__meeting__body"))
    assert len(annotations) == 2
    by_source = {a.source: a for a in annotations}
    assert set(by_source) == {"ks-22.txt", "kf-45.txt"}
    sample = by_source["ks-22.txt"]
    assert sample.text.startswith("Huddinge är i många avseenden")
    assert "civilsamhället.”" in sample.text  # Windows-1252 decoded correctly
    assert "\r" not in sample.text
    assert sample.item.number == 22
    assert [p.abbreviation for p in sample.parties.all()] == ["S"]
    assert [p.name for p in sample.signatories.all()] == ["Sara Heelge Vikmång"]
    for annotation in annotations:
        assert annotation.item.meeting.published_at is None  # a draft

    # Nothing of it is public (`client` is the clerk's: someone else looks).
    anonymous = Client()
    public = anonymous.get("/notes/").content.decode()
    assert "preventionsarbete" not in public
    assert "Flemingsberg" not in public
    assert anonymous.get(f"/notes/{sample.pk}/").status_code == 404

    # The history says who imported.
    record = sample.history.earliest("history_date")
    assert record.history_type == "+"
    assert record.history_user == clerk_user

    # The same again: reported as already there, nothing added.
    before = counts()
    response = clerk.post(URL, {"files": files_again(windows), "action": "preview"})
    text = page_text(response)
    assert text.count("Finns redan i arkivet") == 2
    assert "0 nya, 2 finns redan, 0 med fel" in text
    data["digest"] = digest_of(response)
    response = clerk.post(URL, data, follow=True)
    assert "2 fanns redan i arkivet." in page_text(response)
    assert "importerade" not in page_text(response)
    assert counts() == before


def files_again(windows):
    return [upload("ks-22.txt", windows), upload("kf-45.txt", SECOND_TEXT.encode("utf-8-sig"))]


def test_broken_uploaded_file_can_be_corrected_without_reupload(clerk, sample_text):
    response = clerk.post(URL, {"files": [upload("trasig.txt", MALFORMED.encode())]})
    text = page_text(response)
    assert "trasig.txt, rad 2: här väntades en rad med datum" in text
    assert re.findall(r'name="file_name" value="([^"]+)"', response.content.decode()) == [
        "trasig.txt"
    ]
    # The clerk corrects the box and previews again, then imports.
    data = {"file_name": ["trasig.txt"], "file_text": [sample_text], "action": "preview"}
    response = clerk.post(URL, data)
    assert 'role="alert"' not in response.content.decode()
    data.update(action="import", digest=digest_of(response))
    assert clerk.post(URL, data).status_code == 302
    assert Annotation.objects.get().source == "trasig.txt"


# --------------------------------------------------------------------------- limits


def test_too_many_texts_is_a_form_error(clerk):
    pasted = "\n---\n".join(f"Text {n}" for n in range(MAX_TEXTS + 1))
    before = counts()
    response = clerk.post(URL, {"text": pasted, "action": "preview"})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert f"Högst {MAX_TEXTS} texter åt gången; du skickade {MAX_TEXTS + 1}." in page_text(
        response
    )
    response = clerk.post(URL, {"text": pasted, "action": "import"})
    assert response.status_code == 200
    assert counts() == before


def test_too_large_file_is_a_form_error(clerk, sample_text):
    big = (sample_text + "x" * MAX_BYTES).encode()
    before = counts()
    response = clerk.post(URL, {"files": [upload("stor.txt", big)], "action": "import"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Varje text och fil får vara högst 1 MB. För stora: stor.txt." in text
    assert counts() == before


def test_too_large_pasted_text_is_a_form_error(clerk, sample_text):
    response = clerk.post(URL, {"text": sample_text + "x" * MAX_BYTES, "action": "preview"})
    assert response.status_code == 200
    assert "För stora: Inklistrad text 1." in page_text(response)
    assert Annotation.objects.count() == 0


def test_nothing_submitted_is_a_form_error(clerk):
    response = clerk.post(URL, {"text": "\n---\n  \n", "action": "preview"})
    assert response.status_code == 200
    assert "Klistra in minst en text eller välj minst en fil." in page_text(response)


def test_other_file_types_are_refused(clerk, sample_text):
    response = clerk.post(URL, {"files": [upload("sample.pdf", sample_text.encode())]})
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert "Filer: Filändelsen “pdf” är inte giltig." in page_text(response)
    assert 'name="file_name"' not in response.content.decode()
    assert Annotation.objects.count() == 0


def test_preview_warns_about_a_meeting_that_is_already_published(
    clerk, sample_text, sample_annotation
):
    assert sample_annotation.item.meeting.published_at is not None
    other = sample_text.replace("PROTOKOLLSANTECKNING", "SÄRSKILT YTTRANDE")
    text = page_text(clerk.post(URL, {"text": other, "action": "preview"}))
    assert "Särskilt yttrande" in text
    assert "Sammanträdet är redan publicerat: välj nedan om texten ska hållas som utkast" in text
    assert "1 av texterna hör till ett sammanträde som redan är publicerat." in text


def _import(clerk, text, **extra):
    response = clerk.post(URL, {"text": text, "action": "preview"})
    data = {"text": text, "digest": digest_of(response), "action": "import", **extra}
    return clerk.post(URL, data, follow=True)


def test_into_a_published_meeting_the_clerk_holds_it_as_a_draft(
    clerk, client, sample_text, sample_annotation
):
    from notes.models import HeldText

    other = sample_text.replace("PROTOKOLLSANTECKNING", "SÄRSKILT YTTRANDE")
    before = Annotation.objects.count()
    response = _import(clerk, other)  # the default: held
    assert "1 väntar på publicering under Väntande texter" in page_text(response)
    assert Annotation.objects.count() == before  # nothing in the archive, nothing public
    held = HeldText.objects.get()
    assert held.held_by.username == "karin"

    def public_yttranden():
        return Client().get("/api/notes/?kind=sarskilt_yttrande").json()["count"]

    assert public_yttranden() == 0
    # The list says what each held text is; publishing asks first, then imports it.
    listing = page_text(clerk.get("/admin/notes/heldtext/"))
    assert "Kommunstyrelsen 2021-05-05, ärende 22 (S)" in listing
    action = {"action": "publish", "_selected_action": [held.pk]}
    confirm = page_text(clerk.post("/admin/notes/heldtext/", action))
    assert "blir offentliga när du bekräftar" in confirm
    assert HeldText.objects.exists()
    clerk.post("/admin/notes/heldtext/", {**action, "confirmed": "yes"})
    assert not HeldText.objects.exists()
    assert Annotation.objects.count() == before + 1
    assert public_yttranden() == 1


def test_into_a_published_meeting_the_clerk_may_choose_public(
    clerk, client, sample_text, sample_annotation
):
    other = sample_text.replace("PROTOKOLLSANTECKNING", "RESERVATION")
    response = _import(clerk, other, visibility="public")
    assert "1 importerad till ett publicerat sammanträde: den är offentlig nu." in (
        page_text(response)
    )
    assert Client().get("/api/notes/?kind=reservation").json()["count"] == 1


def test_a_held_text_may_be_discarded_by_the_clerk(clerk, sample_text, sample_annotation):
    from notes.models import HeldText

    _import(clerk, sample_text.replace("PROTOKOLLSANTECKNING", "RESERVATION"))
    held = HeldText.objects.get()
    response = clerk.post(f"/admin/notes/heldtext/{held.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not HeldText.objects.exists()


def test_the_same_text_twice_in_one_submission_is_imported_once(clerk, sample_text):
    data = {"text": sample_text, "files": [upload("ks-22.txt", sample_text.encode())]}
    response = clerk.post(URL, {**data, "action": "preview"})
    text = page_text(response)
    assert "Samma text som Inklistrad text 1: importeras en gång" in text
    assert "Förhandsgranskning: 1 nya, 0 finns redan, 0 med fel, 1 dubblett" in text
    html = response.content.decode()
    data = {
        "text": sample_text,
        "file_name": re.findall(r'name="file_name" value="([^"]+)"', html),
        "file_text": [sample_text],
        "digest": digest_of(response),
        "action": "import",
    }
    response = clerk.post(URL, data, follow=True)
    assert (
        "1 importerad som utkast: den syns inte förrän sammanträdet publiceras. "
        "1 fanns redan i arkivet." in (page_text(response))
    )
    assert Annotation.objects.count() == 1


def test_a_clerk_cannot_create_a_body_through_the_import(clerk, sample_text):
    from notes.models import Body

    unknown = sample_text.replace("Kommunstyrelsen", "Hemliga nämnden")
    response = clerk.post(URL, {"text": unknown, "action": "preview"})
    text = page_text(response)
    assert "Organet ”Hemliga nämnden” finns inte i arkivet, och du får inte lägga till organ." in (
        text
    )
    assert 'value="import"' not in response.content.decode()  # nothing to confirm
    data = {"text": unknown, "digest": "x", "action": "import"}
    clerk.post(URL, data)
    assert not Body.objects.filter(name="Hemliga nämnden").exists()
    assert Annotation.objects.count() == 0


def test_a_held_text_edited_to_a_new_body_is_refused_on_publishing(
    clerk, sample_text, sample_annotation
):
    from notes.models import Body, HeldText

    held = HeldText.objects.create(
        source="ändrad.txt",
        text=sample_text.replace("Kommunstyrelsen", "Hemliga nämnden").replace(
            "PROTOKOLLSANTECKNING", "RESERVATION"
        ),
    )
    action = {"action": "publish", "_selected_action": [held.pk], "confirmed": "yes"}
    response = clerk.post("/admin/notes/heldtext/", action, follow=True)
    assert "du får inte lägga till organ" in page_text(response)
    assert HeldText.objects.filter(pk=held.pk).exists()
    assert not Body.objects.filter(name="Hemliga nämnden").exists()


def test_an_administrator_may_create_the_body(client, sample_text, db):
    from django.contrib.auth.models import User

    from notes.models import Body

    root = User.objects.create_superuser("root", password="x-very-secret-2")
    client.force_login(root)
    unknown = sample_text.replace("Kommunstyrelsen", "Valnämnden")
    response = client.post(URL, {"text": unknown, "action": "preview"})
    data = {"text": unknown, "digest": digest_of(response), "action": "import"}
    assert client.post(URL, data).status_code == 302
    assert Body.objects.filter(name__iexact="Valnämnden").exists()
