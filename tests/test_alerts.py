"""Email alerts (#21): follow without an account, double opt-in, digests sent at most once,
one-click unsubscribe, no way to learn whether an address follows anything.

The first test holds a real SMTP conversation on loopback (aiosmtpd); the rest read Django's
locmem outbox, which holds the same messages.
"""

from __future__ import annotations

import datetime
import email
import email.policy
import io
import re
import socket
from urllib.parse import urlencode

import feedparser
import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from huddinge_archive.email_url import email_settings
from notes.alerts import Digest, DigestEntry, Follow, Subscriber, by_token, link_token
from notes.management.commands.send_alerts import write_digest
from notes.models import Annotation
from notes.queries.alerts import normalised_query
from notes.web import follow as follow_views
from tests.factories import (
    AgendaItemFactory,
    AnnotationFactory,
    MeetingFactory,
    PersonFactory,
    party,
)

URL = re.compile(r"http://testserver(/[^\s<>\"]*)")


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = "http://testserver"
    caches["ratelimit"].clear()


class Inbox:
    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)
        return "250 OK"


def send_alerts(**streams) -> str:
    out = io.StringIO()
    call_command("send_alerts", stdout=out, stderr=streams.get("stderr", io.StringIO()))
    return out.getvalue()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield inbox
    controller.stop()


def text_of(message) -> str:
    if hasattr(message, "get_body"):
        return message.get_body(preferencelist=("plain",)).get_content()
    return message.body


def html_of(message) -> str:
    if hasattr(message, "get_body"):
        return message.get_body(preferencelist=("html",)).get_content()
    return message.alternatives[0][0]


def paths_in(text: str) -> list[str]:
    return URL.findall(text)


def annotation_ids(text: str) -> list[int]:
    return [int(m) for m in re.findall(r"http://testserver/notes/(\d+)/", text)]


def subscribe(client, query: str, address: str, language: str = "sv", **extra):
    return client.post(f"/bevaka/?{query}", {"email": address, "language": language}, **extra)


def confirm_from(client, message) -> None:
    path = next(p for p in paths_in(text_of(message)) if p.startswith("/bevaka/bekrafta/"))
    page = client.get(path)
    assert page.status_code == 200 and "Ja, bekräfta" in page.content.decode()
    assert client.post(path).status_code == 200


def published_meeting(**kwargs):
    return MeetingFactory(**kwargs)


def annotation(text="Om skolan i Vårby.", parties=("V",), meeting=None, **kwargs):
    item = AgendaItemFactory(meeting=meeting or published_meeting(), **kwargs.pop("item", {}))
    return AnnotationFactory(item=item, text=text, parties=[party(p) for p in parties], **kwargs)


def follow_confirmed(query: str, address: str = "a@example.org", language: str = "sv") -> Follow:
    subscriber, _ = Subscriber.objects.get_or_create(email=address, defaults={"language": language})
    return Follow.objects.create(
        subscriber=subscriber,
        query=query,
        kind=Follow.Kind.SEARCH,
        label=query,
        confirmed_at=timezone.now(),
    )


# -- the whole conversation over SMTP --------------------------------------------------------


@pytest.mark.django_db
def test_subscribe_confirm_digest_once_and_unsubscribe_over_smtp(client, smtp):
    before = annotation(text="En äldre anteckning om skolan.")  # public before the follow
    form = client.get("/bevaka/?party=V&q=skola")
    assert form.status_code == 200
    assert "parti V, sökning &#x27;skola&#x27;" in form.content.decode()
    assert "no-store" in form["Cache-Control"]

    sent = subscribe(client, "party=V&q=skola", "Reader@Example.org")
    assert sent.status_code == 200 and "Kontrollera din e-post" in sent.content.decode()
    assert len(smtp.messages) == 1
    confirmation = smtp.messages[0]
    assert confirmation["To"] == "reader@example.org"
    assert confirmation["Subject"].strip() == "Bekräfta din bevakning: parti V, sökning 'skola'"

    send_alerts()
    assert len(smtp.messages) == 1, "nothing before the follow is confirmed"

    confirm_from(client, confirmation)
    matching = annotation(text="Vi vill bygga en ny skola i Vårby.")
    annotation(text="Vi vill bygga en ny skola i Vårby.", parties=("S",))  # other party
    annotation(text="Om vägarna.")  # other words

    for _run in range(2):
        send_alerts()
    assert len(smtp.messages) == 2, "one digest, however often the command runs"
    digest = smtp.messages[1]
    assert digest["Subject"].strip() == "Nytt i protokollsarkivet: parti V, sökning 'skola'"
    assert annotation_ids(text_of(digest)) == [matching.pk]
    assert annotation_ids(html_of(digest)) == [matching.pk]
    assert before.pk not in annotation_ids(text_of(digest))
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = re.fullmatch(r"<http://testserver(/\S+)>", digest["List-Unsubscribe"].strip())
    assert unsubscribe is not None

    # RFC 8058: a POST with that body and nothing else (no cookie, no CSRF token).
    one_click = Client(enforce_csrf_checks=True).post(
        unsubscribe.group(1),
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert one_click.status_code == 200
    assert not Subscriber.objects.exists() and not Follow.objects.exists()
    annotation(text="Ännu en skola i Vårby.")
    send_alerts()
    assert len(smtp.messages) == 2


# -- what is sent ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_drafts_and_withdrawn_annotations_are_never_sent():
    follow = follow_confirmed("party=V")
    draft_meeting = MeetingFactory(draft=True)
    draft = annotation(meeting=draft_meeting)
    withdrawn = annotation()
    Annotation.objects.filter(pk=withdrawn.pk).update(
        withdrawn_at=timezone.now(), withdrawal_reason="Fel protokoll."
    )
    withdrawn.refresh_from_db()
    assert not withdrawn.is_public
    send_alerts()
    assert mail.outbox == []

    # The draft's meeting is published: now it is new, and sent once.
    draft_meeting.published_at = timezone.now()
    draft_meeting.save()
    send_alerts()
    send_alerts()
    assert len(mail.outbox) == 1
    assert annotation_ids(text_of(mail.outbox[0])) == [draft.pk]
    assert set(DigestEntry.objects.filter(follow=follow).values_list("annotation", flat=True)) == {
        draft.pk
    }


QUERIES = st.fixed_dictionaries(
    {},
    optional={
        "party": st.sampled_from(["V", "S", "SD"]),
        "q": st.sampled_from(["skola", "vägar", "Vårby"]),
        "kind": st.sampled_from(["reservation", "protokollsanteckning"]),
        "case": st.just("KS-2024/7"),
    },
)


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=QUERIES)
def test_a_digest_lists_what_the_same_filters_atom_feed_lists(client, query):
    """For any filter: the annotations a digest lists are the feed's entries for the same
    query string, less those public before the follow (and in the feed's order)."""
    Follow.objects.all().delete()
    Subscriber.objects.all().delete()
    mail.outbox.clear()
    old = annotation(text="En gammal skola.")
    follow = follow_confirmed(
        "&".join(f"{k}={v}" for k, v in sorted(query.items())), address="feed@example.org"
    )
    texts = ["Skola i Vårby.", "Om vägar i Vårby.", "Skolans vägar."]
    for n, (text, parties) in enumerate(zip(texts * 2, ["V", "S", "SD"] * 2, strict=True)):
        annotation(
            text=text,
            parties=(parties,),
            kind="reservation" if n % 2 else "protokollsanteckning",
            item={"case_number": "KS-2024/7" if n < 3 else "KS-2024/8"},
        )
    send_alerts()
    feed = feedparser.parse(client.get("/notes/feed.atom?" + follow.query).content)
    expected = [int(e.link.rstrip("/").rsplit("/", 1)[1]) for e in feed.entries]
    expected = [pk for pk in expected if pk != old.pk and pk >= old.pk]
    sent = annotation_ids(text_of(mail.outbox[0])) if mail.outbox else []
    assert sent == expected


@pytest.mark.django_db
def test_one_email_per_address_with_a_section_per_follow_and_english_on_request():
    follow_confirmed("party=V", address="en@example.org", language="en")
    follow_confirmed("party=S", address="en@example.org", language="en")
    v, s = annotation(parties=("V",)), annotation(parties=("S",))
    send_alerts()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "New in the minutes archive: 2 annotations for what you follow"
    assert sorted(annotation_ids(message.body)) == sorted([v.pk, s.pk])
    assert "Stop following this:" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.django_db
def test_an_annotation_two_follows_match_is_counted_once():
    follow_confirmed("party=V")
    follow_confirmed("kind=reservation")
    both = annotation(kind="reservation")
    send_alerts()
    assert mail.outbox[0].subject == "Nytt i protokollsarkivet: 1 anteckning för dina bevakningar"
    assert annotation_ids(mail.outbox[0].body) == [both.pk, both.pk], "listed in each section"


@pytest.mark.django_db
def test_a_long_digest_lists_some_and_links_to_the_rest(settings):
    settings.ALERT_LIST_SIZE = 3
    follow_confirmed("party=V")
    for _n in range(5):
        annotation()
    send_alerts()
    body = mail.outbox[0].body
    assert len(annotation_ids(body)) == 3
    assert "Och 2 till:" in body and "http://testserver/notes/?party=V" in body
    send_alerts()
    assert len(mail.outbox) == 1, "the two named by the link are not sent again"


@pytest.mark.django_db
def test_digest_queries_do_not_grow_with_the_annotations(django_assert_max_num_queries):
    def queries_for(n: int) -> int:
        Follow.objects.all().delete()
        Subscriber.objects.all().delete()
        follow = follow_confirmed("party=V")
        follow_confirmed("kind=reservation", address=follow.subscriber.email)
        for _n in range(n):
            annotation(kind="reservation", signatories=[PersonFactory()])
        with CaptureQueriesContext(connection) as context:
            assert write_digest(follow.subscriber_id) is not None
        return len(context.captured_queries)

    assert queries_for(3) == queries_for(12)


# -- crashes, refusals, at most once -----------------------------------------------------------


class RefusingBackend:
    def __init__(self, *args, **kwargs):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def open(self):
        pass

    def close(self):
        pass

    def send_messages(self, messages):
        raise OSError("421 try again later")


@pytest.mark.django_db
def test_a_refused_digest_is_sent_on_the_next_run_and_only_then(settings):
    follow_confirmed("party=V")
    sent = annotation()
    settings.EMAIL_BACKEND = "tests.test_alerts.RefusingBackend"
    send_alerts()
    digest = Digest.objects.get()
    assert digest.status == Digest.Status.PENDING and digest.attempts == 1
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    send_alerts()
    send_alerts()
    assert len(mail.outbox) == 1 and annotation_ids(mail.outbox[0].body) == [sent.pk]
    digest.refresh_from_db()
    assert digest.status == Digest.Status.SENT and digest.text == "" and digest.html == ""


@pytest.mark.django_db
def test_a_crash_after_writing_sends_the_digest_once_and_a_crash_while_sending_never_again():
    follow = follow_confirmed("party=V")
    first = annotation()
    # Crash after the digest was written, before it was sent: the next run sends it.
    assert write_digest(follow.subscriber_id) is not None
    assert write_digest(follow.subscriber_id) is None, "nothing new: nothing written"
    send_alerts()
    assert [annotation_ids(m.body) for m in mail.outbox] == [[first.pk]]
    # Crash while the mail server had it: marked `sending`, never sent again.
    second = annotation()
    digest = write_digest(follow.subscriber_id)
    Digest.objects.filter(pk=digest.pk).update(status=Digest.Status.SENDING)
    errors = []

    class Err:
        def write(self, text):
            errors.append(text)

    send_alerts(stderr=Err())
    assert len(mail.outbox) == 1
    assert "not sent again" in "".join(errors)
    assert DigestEntry.objects.filter(follow=follow, annotation=second).exists()


# -- subscribing: double opt-in, limits, nothing to learn ------------------------------------


@pytest.mark.django_db
def test_the_form_answers_the_same_whether_or_not_the_address_follows_anything(client):
    party("V")
    follow_confirmed("party=V", address="known@example.org")
    known = subscribe(client, "party=V", "known@example.org")
    unknown = subscribe(client, "party=V", "unknown@example.org")
    assert known.status_code == unknown.status_code == 200
    assert known.content.decode().replace("known@", "X@") == unknown.content.decode().replace(
        "unknown@", "X@"
    )
    link_known = client.post("/bevaka/lank/", {"email": "known@example.org"})
    link_unknown = client.post("/bevaka/lank/", {"email": "nobody@example.org"})
    assert link_known.content == link_unknown.content
    # The link is sent after the answer (so it takes no longer for a known address).
    for thread in follow_views.BACKGROUND:
        thread.join(5)
    # Only the mailbox learns: the known address gets "already following" and its link.
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects == [
        "Bekräfta din bevakning: parti V",
        "Dina bevakningar i protokollsarkivet",
        "Du bevakar redan: parti V",
    ]


@pytest.mark.django_db
def test_subscribing_is_limited_per_address_and_per_client(client, settings):
    party("V"), party("S")
    settings.ALERT_LIMITS = {"address": (2, 3600), "client": (3, 3600)}
    for n in range(2):
        assert (
            subscribe(client, "party=V", "a@example.org", REMOTE_ADDR=f"10.0.0.{n}").status_code
            == 200
        )
    refused = subscribe(client, "party=V", "A@example.org", REMOTE_ADDR="10.0.0.9")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 3600
    assert re.search(r"Försök igen om \d+ minut(er)?\.", refused.content.decode())
    assert 'value="A@example.org"' in refused.content.decode(), "what was typed stays"
    caches["ratelimit"].clear()
    for n in range(3):
        assert subscribe(client, "party=S", f"{n}@example.org").status_code == 200
    limited = subscribe(client, "party=S", "new@example.org")
    assert limited.status_code == 429 and "För många försök" in limited.content.decode()
    assert not Follow.objects.filter(subscriber__email="new@example.org").exists()
    # A client already refused does not use up an address's tries: its owner can still ask.
    for _n in range(5):
        assert subscribe(client, "party=S", "victim@example.org").status_code == 429
    owner = subscribe(client, "party=S", "victim@example.org", REMOTE_ADDR="10.9.9.9")
    assert owner.status_code == 200


@pytest.mark.django_db
def test_bad_input_is_a_clear_4xx(client):
    party("V")
    response = subscribe(client, "party=V", "not an address")
    assert response.status_code == 400 and "e-postadress" in response.content.decode()
    assert client.get("/bevaka/?date_after=igår").status_code == 400
    assert client.get("/bevaka/?person=ingen-alls").status_code == 404
    too_long = client.get("/bevaka/?" + urlencode({"q": "å" * 200, "case": "Ö" * 50}))
    assert too_long.status_code == 400 and "för långt" in too_long.content.decode()
    link = client.post("/bevaka/lank/", {"email": "nej"})
    assert link.status_code == 400 and 'name="email"' in link.content.decode(), "the form again"
    assert client.get("/bevaka/lank/").status_code == 200
    # A line break in a filter is never a line of an email's header.
    newline = subscribe(client, "party=V&q=skola%0ABcc:%20x@example.org", "nl@example.org")
    assert newline.status_code in (200, 400)
    if newline.status_code == 200:
        assert "\n" not in Follow.objects.get().label
        assert "\n" not in mail.outbox[0].subject
    assert Subscriber.objects.filter(email="not an address").count() == 0


@pytest.mark.django_db
def test_a_confirmation_link_is_valid_for_48_hours(client):
    party("V")
    subscribe(client, "party=V", "late@example.org")
    follow = Follow.objects.get()
    path = next(p for p in paths_in(mail.outbox[0].body) if "/bekrafta/" in p)
    Follow.objects.filter(pk=follow.pk).update(
        created_at=timezone.now() - datetime.timedelta(hours=49)
    )
    assert client.get(path).status_code == 410
    assert client.post(path).status_code == 410
    follow.refresh_from_db()
    assert follow.confirmed_at is None
    # Asking again sends a fresh link that works.
    subscribe(client, "party=V", "late@example.org")
    confirm_from(client, mail.outbox[-1])
    follow.refresh_from_db()
    assert follow.confirmed_at is not None


@pytest.mark.django_db
def test_unconfirmed_follows_and_their_addresses_go_after_seven_days():
    old = Subscriber.objects.create(email="old@example.org")
    Follow.objects.create(
        subscriber=old,
        query="party=V",
        label="V",
        kind="party",
        created_at=timezone.now() - datetime.timedelta(days=8),
    )
    recent = Subscriber.objects.create(email="recent@example.org")
    Follow.objects.create(subscriber=recent, query="party=V", label="V", kind="party")
    kept = follow_confirmed("party=S", address="kept@example.org")
    Follow.objects.filter(pk=kept.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )
    send_alerts()
    assert set(Subscriber.objects.values_list("email", flat=True)) == {
        "recent@example.org",
        "kept@example.org",
    }


@pytest.mark.django_db
def test_the_manage_page_shows_and_ends_follows(client):
    first = follow_confirmed("party=V")
    second = follow_confirmed("party=S")
    page = client.get(f"/bevaka/hantera/{link_token(first.subscriber)}/")
    content = page.content.decode()
    assert page.status_code == 200 and "a@example.org" in content
    assert "party=V" in content and "party=S" in content
    assert client.post(f"/bevaka/sluta/{link_token(first)}/").status_code == 200
    assert list(Follow.objects.all()) == [second]
    # The last one takes the address with it.
    client.post(f"/bevaka/sluta/{link_token(second)}/")
    assert not Subscriber.objects.exists()


@pytest.mark.django_db
def test_tokens_are_not_guessable_from_the_database(client):
    follow = follow_confirmed("party=V")
    assert by_token(Follow, link_token(follow)) == follow
    for forged in (f"{follow.pk}-{follow.key}", f"{follow.pk}-", "x-y", f"{follow.pk}", "-1-a"):
        assert by_token(Follow, forged) is None
        assert client.get(f"/bevaka/hantera/{forged}/").status_code == 404
    assert client.post(f"/bevaka/sluta/{follow.pk}-{'0' * 32}/").status_code == 404
    assert Follow.objects.filter(pk=follow.pk).exists()


@pytest.mark.django_db
def test_one_click_twice_is_done_twice(client):
    follow = follow_confirmed("party=V")
    url = f"/bevaka/avsluta/{link_token(follow.subscriber)}/"
    for _n in range(2):
        response = client.post(url, "List-Unsubscribe=One-Click", content_type="text/plain")
        assert response.status_code == 200
    assert not Subscriber.objects.exists()


@pytest.mark.django_db
def test_only_the_mailbox_changes_the_language_of_its_emails(client):
    party("V"), party("S")
    follow = follow_confirmed("party=V", address="anna@example.org", language="sv")
    # Somebody asks for English emails to Anna's address.
    subscribe(client, "party=S", "anna@example.org", language="en")
    follow.subscriber.refresh_from_db()
    assert follow.subscriber.language == "sv"
    assert mail.outbox[-1].subject == "Confirm your alert: party S", "the request's own language"
    annotation(parties=("V",))
    send_alerts()
    assert mail.outbox[-1].subject.startswith("Nytt i protokollsarkivet"), "still Swedish"
    # Anna confirms it herself: from then on, English.
    confirm_from(client, mail.outbox[-2])
    follow.subscriber.refresh_from_db()
    assert follow.subscriber.language == "en"


@pytest.mark.django_db
def test_what_is_followed_is_named_in_the_readers_language(client):
    follow = follow_confirmed("party=V&q=skola")
    party("V")
    token = link_token(follow.subscriber)
    swedish = client.get(f"/bevaka/hantera/{token}/").content.decode()
    assert "parti V, sökning" in swedish
    client.cookies["django_language"] = "en"
    english = client.get(f"/bevaka/hantera/{token}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "party V, search" in english


# -- where Bevaka is offered -------------------------------------------------------------------


@pytest.mark.django_db
def test_lists_cases_parties_and_people_offer_to_follow(client):
    signer = PersonFactory(name="Anna Exempel", slug="anna-exempel", party=party("V"))
    made = annotation(item={"case_number": "KS-2024/7"}, signatories=[signer])
    listing = client.get("/notes/?party=V&q=skola").content.decode()
    assert 'href="/bevaka/?party=V&amp;q=skola"' in listing
    item_page = client.get(made.item.get_absolute_url()).content.decode()
    assert 'href="/bevaka/?case=KS-2024/7"' in item_page
    detail = client.get(made.get_absolute_url()).content.decode()
    assert 'href="/bevaka/?case=KS-2024/7"' in detail and 'href="/bevaka/?party=V"' in detail
    assert 'href="/bevaka/?party=V"' in client.get("/parties/vansterpartiet/").content.decode()
    person_page = client.get("/people/anna-exempel/").content.decode()
    assert 'href="/bevaka/?person=anna-exempel"' in person_page
    form = client.get("/bevaka/?person=anna-exempel").content.decode()
    assert "person Anna Exempel" in form


@pytest.mark.django_db
def test_the_person_filter_lists_what_the_person_signed(client):
    signer = PersonFactory(name="Anna Exempel", slug="anna-exempel", party=party("V"))
    signed = annotation(signatories=[signer])
    annotation()
    listing = client.get("/notes/?person=anna-exempel")
    assert listing.status_code == 200
    assert [a.pk for a in listing.context["page"].object_list] == [signed.pk]
    assert listing.context["page"].count == 1
    feed = feedparser.parse(client.get("/notes/feed.atom?person=anna-exempel").content)
    assert [e.link for e in feed.entries] == [f"http://testserver/notes/{signed.pk}/"]
    assert client.get("/notes/?person=ingen-alls").context["page"].count == 0


def test_email_url_gives_djangos_settings():
    assert email_settings("console:")["EMAIL_BACKEND"].endswith("console.EmailBackend")
    smtp = email_settings("smtp://user%40x:p%3Ass@mail.example.org:587?tls=1")
    assert smtp["EMAIL_HOST"] == "mail.example.org" and smtp["EMAIL_PORT"] == 587
    assert smtp["EMAIL_HOST_USER"] == "user@x" and smtp["EMAIL_HOST_PASSWORD"] == "p:ss"
    assert smtp["EMAIL_USE_TLS"] and not smtp["EMAIL_USE_SSL"]
    tls = email_settings("smtps://mail.example.org")
    assert tls["EMAIL_PORT"] == 465 and tls["EMAIL_USE_SSL"] and not tls["EMAIL_USE_TLS"]
    assert email_settings("file:///tmp/mail")["EMAIL_FILE_PATH"] == "/tmp/mail"
    with pytest.raises(ImproperlyConfigured):
        email_settings("carrier-pigeon://coop")


PARAMS = st.lists(
    st.tuples(
        st.sampled_from(["q", "party", "kind", "case", "page", "sort", "item", "after"]),
        st.text(alphabet="abcSVsv åä-/ 1", max_size=8),
    ),
    max_size=8,
)


@given(pairs=PARAMS, seed=st.randoms())
def test_a_filter_is_one_follow_whatever_the_order_of_its_parameters(pairs, seed):
    """The same filter reached from different pages (parameters in another order, paging and
    sorting, party letters in either case, blanks) is one follow; normalising is idempotent."""
    shuffled = list(pairs)
    seed.shuffle(shuffled)
    first = normalised_query(QueryDict(urlencode(pairs)))
    assert normalised_query(QueryDict(urlencode(shuffled))) == first
    assert normalised_query(QueryDict(first)) == first
    kept = QueryDict(first)
    assert not {"page", "sort", "after"} & set(kept.keys())
    assert all(v == v.strip() and v for values in kept.lists() for v in values[1])
    assert all(v == v.upper() for v in kept.getlist("party"))


@pytest.mark.django_db
def test_an_administrator_finds_and_erases_an_address(admin_client, clerk):
    """Erasure on request (GDPR): an administrator finds the address and deletes it with its
    follows; a clerk, who enters minutes, does not see the addresses at all."""
    follow_confirmed("party=V", address="erase-me@example.org")
    follow_confirmed("party=S", address="keep@example.org")
    found = admin_client.get("/admin/notes/subscriber/?q=erase-me")
    assert found.status_code == 200
    content = found.content.decode()
    assert "erase-me@example.org" in content and "keep@example.org" not in content
    assert "Prenumeranter" in content or "prenumeranter" in content
    erased = Subscriber.objects.get(email="erase-me@example.org")
    admin_client.post(f"/admin/notes/subscriber/{erased.pk}/delete/", {"post": "yes"})
    assert list(Subscriber.objects.values_list("email", flat=True)) == ["keep@example.org"]
    assert Follow.objects.count() == 1
    assert clerk.get("/admin/notes/subscriber/").status_code == 403
