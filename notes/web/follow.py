"""Following without an account: "Bevaka" on a filtered list, a case, a party or a person.

The form takes an address; a link mailed to it confirms the follow (double opt-in). Every
answer to the form is the same whether or not the address follows anything, so the form
cannot be used to find out. Links in emails act by their token (notes.alerts.link_token):
confirm, manage all follows, stop one, or end them all with the address (RFC 8058's one-click
POST, which carries no CSRF token: the token in the address is the proof). Forms on these
pages carry a CSRF token, so none of them is kept in the page cache (never_cache).
"""

from __future__ import annotations

import hashlib
import logging
import threading

from django import forms
from django.conf import settings
from django.db import transaction
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django_ratelimit.core import get_usage

from notes.alerts import QUERY_LENGTH, Follow, Subscriber, by_token, link_token
from notes.models import Person
from notes.queries.alerts import follow_kind, normalised_query
from notes.queries.annotations import filtered_annotations
from notes.web import alert_mail
from notes.web.client import client_address
from notes.web.errors import NotFoundWithReason, bad_filter

log = logging.getLogger(__name__)


class FollowForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Din e-postadress"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    language = forms.ChoiceField(
        label=gettext_lazy("Språk i e-posten"),
        choices=[("sv", "Svenska"), ("en", "English")],
        widget=forms.RadioSelect,
    )


class LinkForm(forms.Form):
    email = forms.EmailField(
        label=gettext_lazy("Din e-postadress"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


def _over_limit(request, address: str) -> int:
    """Counts this request against the client's limit, then, if the client is within it, the
    address's (ALERT_LIMITS): a client already refused cannot use up an address's tries and
    so lock its owner out. Seconds until the limit ends, 0 when within it."""
    hashed = hashlib.sha256(address.lower().encode()).hexdigest()
    keys = {"client": lambda group, r: client_address(r), "address": lambda group, r: hashed}
    for name, key in keys.items():
        allowed, window = settings.ALERT_LIMITS[name]
        usage = get_usage(
            request, group=f"alerts.{name}", key=key, rate=f"{allowed}/{window}s", increment=True
        )
        if usage and usage["should_limit"]:
            return max(int(usage["time_left"]), 1)
    return 0


def _too_many(request, template: str, context: dict, seconds: int):
    minutes = max(1, round(seconds / 60))
    context["message"] = ngettext(
        "För många försök. Försök igen om %(minutes)s minut.",
        "För många försök. Försök igen om %(minutes)s minuter.",
        minutes,
    ) % {"minutes": minutes}
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(seconds)
    return response


def _send(mail) -> bool:
    try:
        mail.send()
    except Exception:  # the mail server refused or did not answer
        log.exception("alert email not sent")
        return False
    return True


def _cannot_send(request):
    message = _("E-post kan inte skickas just nu. Försök igen senare.")
    return render(request, "notes/follow_message.html", {"message": message}, status=503)


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def follow(request):
    annotation_filter, result = filtered_annotations(request.GET)
    if result is None:
        return bad_filter(annotation_filter)
    person = (annotation_filter.form.cleaned_data.get("person") or "").strip().lower()
    if person and not Person.objects.public().filter(slug=person).exists():
        raise NotFoundWithReason(_("Personen finns inte i arkivet."))
    query = normalised_query(request.GET)
    if len(query) > QUERY_LENGTH:
        return render(
            request,
            "notes/follow_message.html",
            {"message": _("Filtret är för långt för en bevakning. Korta sökningen.")},
            status=400,
        )
    label = alert_mail.label_for(annotation_filter)
    language = translation.get_language() if translation.get_language() in ("sv", "en") else "sv"
    form = FollowForm(request.POST or None, initial={"language": language})
    context = {"form": form, "label": label, "query": query}
    if request.method != "POST":
        return render(request, "notes/follow.html", context)
    if not form.is_valid():
        return render(request, "notes/follow.html", context, status=400)
    address = form.cleaned_data["email"].strip().lower()
    if seconds := _over_limit(request, address):
        return _too_many(request, "notes/follow.html", context, seconds)
    with transaction.atomic():
        # The address's language is not changed here: only by confirming a follow, from
        # the mailbox (anyone may post any address to this form).
        subscriber, _created = Subscriber.objects.get_or_create(
            email=address, defaults={"language": form.cleaned_data["language"]}
        )
        found = Follow.objects.select_for_update().filter(subscriber=subscriber, query=query)
        chosen = found.first() or Follow(subscriber=subscriber, query=query)
        chosen.kind, chosen.label = follow_kind(query), label[:500]
        if chosen.confirmed_at is None:
            chosen.language = form.cleaned_data["language"]
            chosen.created_at = timezone.now()  # a new link: 48 hours from now
        chosen.save()
    if not _send(alert_mail.confirmation(chosen)):
        return _cannot_send(request)
    return render(request, "notes/follow_sent.html", {"label": label, "address": address})


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def send_link(request):
    """The manage link, to an address that asks. The answer, and the time it takes, are the
    same whether the address follows anything: the email is written either way, and sent
    (only to an address that follows something) after the answer, in the background."""
    form = LinkForm(request.POST or None)
    if request.method != "POST":
        return render(request, "notes/follow_link.html", {"link_form": form})
    if not form.is_valid():
        return render(request, "notes/follow_link.html", {"link_form": form}, status=400)
    address = form.cleaned_data["email"].strip().lower()
    if seconds := _over_limit(request, address):
        return _too_many(request, "notes/follow_link.html", {"link_form": form}, seconds)
    subscriber = Subscriber.objects.filter(email=address).first()
    written = alert_mail.manage_link(subscriber or Subscriber(pk=0, email=address))
    if subscriber is not None:
        send_in_background(written)
    message = _(
        "Om adressen har bevakningar har vi skickat en länk dit där du ser och avslutar dem."
    )
    return render(request, "notes/follow_message.html", {"message": message})


def send_in_background(mail) -> threading.Thread:
    """Sends `mail` in a thread of its own, so the answer does not wait for the mail server
    (and does not take longer for some addresses than for others). Failures are logged."""
    thread = threading.Thread(target=_send, args=(mail,), daemon=True)
    thread.start()
    BACKGROUND.append(thread)
    del BACKGROUND[:-20]
    return thread


# The latest background sends, for tests and a clean shutdown to wait for.
BACKGROUND: list[threading.Thread] = []


def _by_token(model, token: str):
    row = by_token(model, token)
    if row is None:
        raise NotFoundWithReason(
            _("Länken gäller inte (längre). Bevakningen kan redan vara avslutad.")
        )
    return row


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token):
    """A page with a button, so that a mail scanner following the link confirms nothing."""
    chosen = _by_token(Follow, token)
    chosen.shown_label = alert_mail.label_of(chosen)
    context = {"follow": chosen, "token": token, "manage_token": link_token(chosen.subscriber)}
    if chosen.link_expired():
        return render(
            request, "notes/follow_confirm.html", {**context, "expired": True}, status=410
        )
    if request.method == "POST" and chosen.confirmed_at is None:
        with transaction.atomic():
            Follow.objects.filter(pk=chosen.pk, confirmed_at__isnull=True).update(
                confirmed_at=timezone.now()
            )
            # Confirmed from the mailbox: its language is now the address's.
            Subscriber.objects.filter(pk=chosen.subscriber_id).update(language=chosen.language)
        chosen.confirmed_at = timezone.now()
    return render(request, "notes/follow_confirm.html", context)


@never_cache
@require_http_methods(["GET", "HEAD"])
def manage(request, token):
    subscriber = _by_token(Subscriber, token)
    follows = [(f, link_token(f)) for f in subscriber.follows.all()]
    for shown, _token in follows:
        shown.shown_label = alert_mail.label_of(shown)
    return render(
        request,
        "notes/follow_manage.html",
        {"subscriber": subscriber, "follows": follows, "token": token},
    )


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def stop(request, token):
    """One follow ended; the address goes with its last follow."""
    chosen = _by_token(Follow, token)
    subscriber = chosen.subscriber
    chosen.shown_label = alert_mail.label_of(chosen)
    if request.method != "POST":
        return render(request, "notes/follow_stop.html", {"follow": chosen, "token": token})
    with transaction.atomic():
        chosen.delete()
        remaining = subscriber.follows.exists()
        if not remaining:
            subscriber.delete()
    context = {
        "label": chosen.shown_label,
        "manage_token": link_token(subscriber) if remaining else "",
    }
    return render(request, "notes/follow_stopped.html", context)


@csrf_exempt
@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request, token):
    """Every follow of the address, and the address: the List-Unsubscribe link. A POST (a
    mail program's one-click, RFC 8058, or the page's button) ends them; a GET asks first."""
    subscriber = by_token(Subscriber, token)
    if subscriber is None and request.method == "POST":
        # Already ended (a mail program may send its one-click twice): done, as asked.
        return render(request, "notes/follow_stopped.html", {"label": "", "manage_token": ""})
    subscriber = _by_token(Subscriber, token)
    if request.method != "POST":
        context = {"subscriber": subscriber, "token": token}
        return render(request, "notes/unsubscribe.html", context)
    subscriber.delete()
    return render(request, "notes/follow_stopped.html", {"label": "", "manage_token": ""})
