"""History, withdrawal, purge, edit conflicts and login throttling in the clerks' admin."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from notes.models import Annotation, Meeting
from tests.factories import MeetingFactory, party

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(db):
    admin = User.objects.create_superuser("root", password="x-very-secret-2")
    other = Client()
    other.force_login(admin)
    return other


def annotation_form(annotation, **changes):
    data = {
        "item": annotation.item_id,
        "kind": annotation.kind,
        "parties": [p.pk for p in annotation.parties.all()],
        "signatories": [p.pk for p in annotation.signatories.all()],
        "text": annotation.text,
        "source": annotation.source,
        "lock_version": annotation.version,
    }
    data.update(changes)
    return data


def test_every_change_is_kept_with_who_and_what(clerk, clerk_user, sample_annotation):
    url = f"/admin/notes/annotation/{sample_annotation.pk}/change/"
    response = clerk.post(url, annotation_form(sample_annotation, text="Rättad text."))
    assert response.status_code == 302
    history = sample_annotation.history.order_by("history_date")
    latest = history.last()
    assert latest.text == "Rättad text."
    assert latest.history_user == clerk_user
    delta = latest.diff_against(latest.prev_record)
    assert [change.field for change in delta.changes] == ["text"]
    assert history.first().text.startswith("Huddinge är i många")
    # The history page lists the versions and what changed.
    html = clerk.get(f"/admin/notes/annotation/{sample_annotation.pk}/history/").content.decode()
    assert "karin" in html
    assert "Rättad text." in html


def test_restore_an_earlier_version(clerk, sample_annotation):
    original_text = sample_annotation.text
    url = f"/admin/notes/annotation/{sample_annotation.pk}/change/"
    clerk.post(url, annotation_form(sample_annotation, text="Felaktig ändring."))
    first = sample_annotation.history.earliest("history_date")
    revert_url = f"/admin/notes/annotation/{sample_annotation.pk}/history/{first.history_id}/"
    assert clerk.get(revert_url).status_code == 200
    sample_annotation.refresh_from_db()
    response = clerk.post(revert_url, annotation_form(sample_annotation, text=original_text))
    assert response.status_code == 302
    sample_annotation.refresh_from_db()
    assert sample_annotation.text == original_text
    # Created, changed, restored (and a record per many-to-many save in between).
    assert sample_annotation.history.count() >= 3
    assert sample_annotation.history.latest("history_date").text == original_text


def test_second_of_two_simultaneous_edits_is_refused(clerk, sample_annotation):
    url = f"/admin/notes/annotation/{sample_annotation.pk}/change/"
    opened_by_first = annotation_form(sample_annotation, text="Den första ändringen.")
    opened_by_second = annotation_form(sample_annotation, text="Den andra ändringen.")
    assert clerk.post(url, opened_by_first).status_code == 302
    response = clerk.post(url, opened_by_second)
    assert response.status_code == 200
    assert "någon annan har sparat" in response.content.decode()
    sample_annotation.refresh_from_db()
    assert sample_annotation.text == "Den första ändringen."


def test_meeting_edit_conflict_too(clerk, sample_annotation):
    meeting = sample_annotation.item.meeting
    url = f"/admin/notes/meeting/{meeting.pk}/change/"
    form = {
        "body": meeting.body_id,
        "date": "2021-05-05",
        "lock_version": meeting.version,
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
    }
    Meeting.objects.filter(pk=meeting.pk).update(version=meeting.version + 1)  # someone saved
    response = clerk.post(url, form)
    assert response.status_code == 200
    assert "någon annan har sparat" in response.content.decode()


def test_clerk_withdraws_with_reason(clerk, client, sample_annotation):
    url = f"/admin/notes/annotation/{sample_annotation.pk}/withdraw/"
    assert clerk.get(url).status_code == 200
    assert clerk.post(url, {"reason": ""}).status_code == 200  # a reason is required
    assert clerk.post(url, {"reason": "Fel parti angavs."}).status_code == 302
    sample_annotation.refresh_from_db()
    assert sample_annotation.withdrawn_at is not None
    assert sample_annotation.history.latest("history_date").withdrawal_reason == (
        "Fel parti angavs."
    )
    page = client.get(sample_annotation.get_absolute_url()).content.decode()
    assert "Fel parti angavs." in page


def test_clerk_cannot_delete_but_superuser_purge_is_recorded(
    clerk, superuser_client, sample_annotation
):
    pk = sample_annotation.pk
    assert clerk.post(f"/admin/notes/annotation/{pk}/delete/", {"post": "yes"}).status_code == 403
    meeting = sample_annotation.item.meeting
    assert (
        clerk.post(f"/admin/notes/meeting/{meeting.pk}/delete/", {"post": "yes"}).status_code == 403
    )
    assert Annotation.objects.filter(pk=pk).exists()

    response = superuser_client.post(f"/admin/notes/annotation/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Annotation.objects.filter(pk=pk).exists()
    purge = Annotation.history.filter(id=pk).latest("history_date")
    assert purge.history_type == "-"
    assert purge.history_user.username == "root"


def test_clerk_publishes_a_draft(clerk):
    meeting = MeetingFactory(draft=True)
    response = clerk.post(
        "/admin/notes/meeting/",
        {"action": "publish", "_selected_action": [meeting.pk], "confirmed": "yes"},
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.published_at is not None
    assert meeting.history.latest("history_date").history_user.username == "karin"


def test_draft_status_visible_to_clerks(clerk):
    meeting = MeetingFactory(draft=True)
    html = clerk.get("/admin/notes/meeting/").content.decode()
    assert "Utkast" in html
    assert clerk.get(f"/admin/notes/meeting/{meeting.pk}/change/").status_code == 200


def test_clerk_cannot_manage_users_groups_or_purge(clerk, clerk_user):
    assert clerk.get("/admin/auth/user/").status_code == 403
    assert clerk.get("/admin/auth/group/").status_code == 403
    assert clerk.get(f"/admin/auth/user/{clerk_user.pk}/change/").status_code == 403
    assert not clerk_user.has_perm("notes.delete_annotation")
    assert not clerk_user.has_perm("auth.change_user")


def test_repeated_failed_logins_are_throttled(client, clerk_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        response = client.post(
            "/admin/login/?next=/admin/", {"username": "karin", "password": "fel"}
        )
    # Locked out now, even with the right password.
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "karin", "password": "x-very-secret-1"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_successful_login_still_works(client, clerk_user):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "karin", "password": "x-very-secret-1"}
    )
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_party_still_in_history_of_m2m(clerk, sample_annotation):
    url = f"/admin/notes/annotation/{sample_annotation.pk}/change/"
    m = party("M")
    parties = [p.pk for p in sample_annotation.parties.all()] + [m.pk]
    assert clerk.post(url, annotation_form(sample_annotation, parties=parties)).status_code == 302
    latest = sample_annotation.history.latest("history_date")
    assert {p.party.abbreviation for p in latest.parties.all()} == {"S", "M"}


def test_stored_hostile_text_is_inert_in_the_admin(clerk):
    from tests.factories import AgendaItemFactory, AnnotationFactory, PersonFactory

    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    annotation = AnnotationFactory(
        item=AgendaItemFactory(title=payload),
        text=payload,
        signatories=[PersonFactory(name=payload, slug="hostile")],
    )
    annotation.text = payload + " ändrad"
    annotation.save()
    for url in [
        "/admin/notes/annotation/",
        f"/admin/notes/annotation/{annotation.pk}/change/",
        f"/admin/notes/annotation/{annotation.pk}/history/",
        "/admin/notes/agendaitem/",
        "/admin/notes/person/",
        f"/admin/notes/annotation/{annotation.pk}/withdraw/",
    ]:
        html = clerk.get(url).content.decode()
        assert "<script>alert(1)" not in html, url
        assert "<img src=x" not in html, url
