"""python manage.py send_alerts: email each address what became public for what it follows.

Run it from cron, daily or hourly (README, *Email alerts*). In two steps:

1. Write: per address, in one transaction with the address's row locked, the digest's text
   and the annotations it lists (DigestEntry, unique per follow and annotation). The decision
   to send an annotation and the record that it was sent are one commit: a second run, or one
   after a crash, finds it listed and does not send it again. Nothing new: no digest.
2. Send: each digest waiting is first marked `sending` (committed), then handed to the mail
   server, then marked `sent` and its text emptied. A crash in between leaves it `sending`,
   and it is not sent again (at most once; the command reports such digests). A mail server
   that refuses it puts it back for the next run, up to MAX_ATTEMPTS.

It also deletes follows left unconfirmed for seven days, and addresses that follow nothing.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import get_connection
from django.core.management.base import BaseCommand
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from notes.models import Digest, DigestEntry, Subscriber
from notes.queries.alerts import newly_public, purge_unconfirmed, subscribers_with_follows
from notes.web.alert_mail import digest_content, digest_message

MAX_ATTEMPTS = 5
# At most this many of a follow's new annotations are recorded per digest (listed or
# counted as "and N more"); the rest wait for the next one.
TAKEN_PER_DIGEST = 1000


def sections_for(subscriber: Subscriber) -> list[dict]:
    """Per confirmed follow with something new: what the digest lists, and how many more."""
    sections = []
    for follow in subscriber.follows.filter(confirmed_at__isnull=False):
        rows = newly_public(follow)
        if rows is None:
            continue
        ids = list(rows.values_list("pk", flat=True)[:TAKEN_PER_DIGEST])
        if not ids:
            continue
        # The list's own rows (notes.models for_list): parties in the order entered.
        listed = list(rows.filter(pk__in=ids[: settings.ALERT_LIST_SIZE]))
        for annotation in listed:
            annotation.party_list = ", ".join(p.abbreviation for p in annotation.parties.all())
        sections.append(
            {"follow": follow, "annotations": listed, "more": len(ids) - len(listed), "ids": ids}
        )
    return sections


def write_digest(subscriber_id: int) -> Digest | None:
    with transaction.atomic():
        subscriber = (
            Subscriber.objects.select_for_update(skip_locked=True).filter(pk=subscriber_id).first()
        )
        if subscriber is None:  # gone, or another run is writing its digest
            return None
        sections = sections_for(subscriber)
        if not sections:
            return None
        digest = Digest.objects.create(
            subscriber=subscriber, **digest_content(subscriber, sections)
        )
        DigestEntry.objects.bulk_create(
            DigestEntry(follow=section["follow"], annotation_id=pk, digest=digest)
            for section in sections
            for pk in section["ids"]
        )
        return digest


def send_digest(digest_id: int, connection) -> str:
    """Claims the digest, sends it, records the outcome: `sent`, `retry`, `failed` or
    `taken` (another run has it)."""
    claimed = Digest.objects.filter(pk=digest_id, status=Digest.Status.PENDING).update(
        status=Digest.Status.SENDING, attempts=F("attempts") + 1
    )
    if not claimed:
        return "taken"
    digest = Digest.objects.select_related("subscriber").get(pk=digest_id)
    try:
        mail = digest_message(digest)
        mail.connection = connection
        mail.send()
    except Exception:
        status = Digest.Status.FAILED if digest.attempts >= MAX_ATTEMPTS else Digest.Status.PENDING
        Digest.objects.filter(pk=digest_id).update(status=status)
        return "failed" if status == Digest.Status.FAILED else "retry"
    Digest.objects.filter(pk=digest_id).update(
        status=Digest.Status.SENT, sent_at=timezone.now(), subject="", text="", html=""
    )
    return "sent"


class Command(BaseCommand):
    help = (
        "Email every address with confirmed follows what became public for them since the "
        "last digest (one email per address, none when nothing is new), and delete follows "
        "left unconfirmed for seven days. Safe to run again or after a crash: an annotation "
        "is sent at most once per follow."
    )

    def handle(self, *args, **options):
        purged = purge_unconfirmed(timezone.now())
        written = sum(write_digest(pk) is not None for pk in subscribers_with_follows())
        outcomes: dict[str, int] = {}
        waiting = Digest.objects.filter(status=Digest.Status.PENDING).order_by("pk")
        with get_connection() as connection:
            for digest_id in list(waiting.values_list("pk", flat=True)):
                outcome = send_digest(digest_id, connection)
                outcomes[outcome] = outcomes.get(outcome, 0) + 1
        stuck = Digest.objects.filter(status=Digest.Status.SENDING).count()
        self.stdout.write(
            f"Digests written: {written}; sent: {outcomes.get('sent', 0)}; "
            f"to retry: {outcomes.get('retry', 0)}; failed: {outcomes.get('failed', 0)}; "
            f"unconfirmed follows deleted: {purged}"
        )
        if stuck:
            self.stderr.write(
                f"{stuck} digest(s) were being sent when a run stopped; they are not sent "
                "again (at most once)."
            )
