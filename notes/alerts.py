"""Email alerts (bevakningar): an address follows filters of the archive and gets a digest of
what became public since the last one.

Only what the service needs is stored: the address, its language and what it follows (the
list page's query string). Links carry a token made from a random key of the row and the
site's SECRET_KEY (HMAC): a copy of the database alone cannot be used to confirm, manage or
end anybody's alerts, and a new SECRET_KEY ends every link sent before it. Defined here and
re-exported by notes.models, where Django and the rest of the app find them.

A digest is written and what it lists recorded in one transaction (Digest, DigestEntry), and
sent afterwards: an annotation is listed at most once per follow, whatever happens to the
command between the two steps (notes/management/commands/send_alerts.py).
"""

from __future__ import annotations

import datetime
import secrets

from django.db import models
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext_lazy as _

__all__ = ["Digest", "DigestEntry", "Follow", "Subscriber", "by_token", "link_token"]

CONFIRM_WITHIN = datetime.timedelta(hours=48)
UNCONFIRMED_KEPT = datetime.timedelta(days=7)
# The longest filter (a query string) a follow keeps.
QUERY_LENGTH = 1000


def new_key() -> str:
    return secrets.token_urlsafe(18)


def link_token(row: Subscriber | Follow) -> str:
    """The token in the links that act for `row`: its id and an HMAC of its key."""
    mac = salted_hmac(f"notes.alerts.{row._meta.model_name}", row.key).hexdigest()[:32]
    return f"{row.pk}-{mac}"


def by_token(model, token: str):
    """The row of `model` whose link carries `token`, or None."""
    head, _sep, _mac = token.partition("-")
    if not head.isascii() or not head.isdigit() or len(head) > 18:
        return None
    row = model.objects.filter(pk=int(head)).first()
    return row if row is not None and constant_time_compare(link_token(row), token) else None


class Subscriber(models.Model):
    """An email address that follows something. Its token's link shows and ends its follows."""

    email = models.EmailField(_("e-postadress"), max_length=254, unique=True)
    language = models.CharField(_("språk"), max_length=8, default="sv")
    key = models.CharField(max_length=40, default=new_key, editable=False)
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)

    class Meta:
        verbose_name = _("prenumerant")
        verbose_name_plural = _("prenumeranter")

    def __str__(self) -> str:
        return self.email


class Follow(models.Model):
    """One thing an address follows: a filter of the annotation list, as its query string.

    Nothing is sent before the follow is confirmed from the link mailed to the address
    (double opt-in); an unconfirmed follow's link is valid for 48 hours and the follow is
    deleted after seven days."""

    class Kind(models.TextChoices):
        SEARCH = "search", _("sökning")
        CASE = "case", _("ärende")
        PARTY = "party", _("parti")
        PERSON = "person", _("person")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="follows")
    kind = models.CharField(_("typ"), max_length=10, choices=Kind)
    query = models.CharField(_("filter"), max_length=QUERY_LENGTH)
    label = models.CharField(_("beskrivning"), max_length=500)
    key = models.CharField(max_length=40, default=new_key, editable=False)
    # The language asked for with this follow: the address's own once the follow is
    # confirmed (so nobody but the mailbox's owner changes the language of its emails).
    language = models.CharField(_("språk"), max_length=8, default="sv")
    # When the link was sent (again): it is valid for 48 hours from then.
    created_at = models.DateTimeField(_("skapad"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("bekräftad"), null=True, blank=True)

    # What it follows in the reader's words (notes.web.alert_mail.label_of), set for a page
    # or an email; `label` is the words of when it was made.
    shown_label: str = ""

    class Meta:
        verbose_name = _("bevakning")
        verbose_name_plural = _("bevakningar")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "query"], name="follow_unique_query")
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(confirmed_at__isnull=True),
                name="follow_unconfirmed_idx",
            )
        ]

    def __str__(self) -> str:
        return self.label

    def link_expired(self, now: datetime.datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.confirmed_at is None and now - self.created_at > CONFIRM_WITHIN


class Digest(models.Model):
    """One email to one address: written with its entries, then sent.

    `pending` → `sending` (committed before the mail server is asked) → `sent`. A digest
    left `sending` by a crash is not sent again: at most once. A mail server that refuses it
    puts it back to `pending` for the next run, up to a few attempts. Once sent its text is
    emptied: the archive keeps that it was sent, not the email."""

    class Status(models.TextChoices):
        PENDING = "pending", _("väntar")
        SENDING = "sending", _("skickas")
        SENT = "sent", _("skickat")
        FAILED = "failed", _("misslyckades")

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="digests")
    status = models.CharField(max_length=10, choices=Status, default=Status.PENDING)
    subject = models.CharField(max_length=300, blank=True)
    text = models.TextField(blank=True)
    html = models.TextField(blank=True)
    unsubscribe_url = models.CharField(max_length=500, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("utskick")
        verbose_name_plural = _("utskick")
        indexes = [
            models.Index(
                fields=["id"],
                condition=models.Q(status="pending"),
                name="digest_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id}: {self.status}"


class DigestEntry(models.Model):
    """An annotation listed for a follow: never again for the same follow."""

    follow = models.ForeignKey(Follow, on_delete=models.CASCADE, related_name="entries")
    annotation = models.ForeignKey("notes.Annotation", on_delete=models.CASCADE, related_name="+")
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="entries")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["follow", "annotation"], name="digest_entry_once_per_follow"
            )
        ]

    def __str__(self) -> str:
        return f"{self.follow_id}: {self.annotation_id}"
