"""The alert emails: a confirmation link, a manage link, and the digest of what is new.

Each is plain text with a simple HTML alternative, in the subscriber's language, rendered from
templates/email/. Every email about alerts carries the manage link; digests also carry the
one-click unsubscribe headers of RFC 8058 (List-Unsubscribe, List-Unsubscribe-Post).
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.http import QueryDict
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from notes.alerts import Digest, Follow, Subscriber, link_token
from notes.queries.annotations import filtered_annotations
from notes.web.feeds import describe_filter


def label_for(annotation_filter) -> str:
    """What a filter follows, in words of the active language, on one line."""
    return " ".join(describe_filter(annotation_filter).split()) or _("alla anteckningar")


def label_of(follow: Follow) -> str:
    """The follow's filter in words of the active language (the label kept when it was made,
    if its filter no longer holds)."""
    annotation_filter, result = filtered_annotations(QueryDict(follow.query))
    return follow.label if result is None else label_for(annotation_filter)


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def manage_url(subscriber: Subscriber) -> str:
    return absolute(reverse("notes:follow_manage", args=[link_token(subscriber)]))


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute(reverse("notes:unsubscribe", args=[link_token(subscriber)]))


def list_url(follow: Follow) -> str:
    path = reverse("notes:annotation_list")
    return absolute(path + ("?" + follow.query if follow.query else ""))


def rendered(template: str, context: dict, language: str) -> tuple[str, str]:
    """(plain text, HTML) of templates/email/<template>.txt and .html in `language`."""
    with translation.override(language):
        return (
            render_to_string(f"email/{template}.txt", context),
            render_to_string(f"email/{template}.html", context),
        )


def message(
    to: str, subject: str, text: str, html: str, unsubscribe: str = ""
) -> EmailMultiAlternatives:
    headers = {"Auto-Submitted": "auto-generated"}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    mail = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [to], headers=headers)
    mail.attach_alternative(html, "text/html")
    return mail


def confirmation(follow: Follow) -> EmailMultiAlternatives:
    """The double opt-in: a link that confirms the follow (valid 48 hours), or, for a follow
    already confirmed, that it is, so the form says the same whatever the address follows."""
    subscriber = follow.subscriber
    context = {
        "follow": follow,
        "confirm_url": absolute(reverse("notes:follow_confirm", args=[link_token(follow)])),
        "list_url": list_url(follow),
        "manage_url": manage_url(subscriber),
        "municipality": settings.MUNICIPALITY_NAME,
    }
    template = "follow_active" if follow.confirmed_at else "follow_confirm"
    # Until it is confirmed, in the language asked for with it; then in the address's.
    language = subscriber.language if follow.confirmed_at else follow.language
    with translation.override(language):
        follow.shown_label = label_of(follow)
        subject = _("Bekräfta din bevakning: %(label)s") % {"label": follow.shown_label}
        if follow.confirmed_at:
            subject = _("Du bevakar redan: %(label)s") % {"label": follow.shown_label}
    text, html = rendered(template, context, language)
    return message(subscriber.email, subject, text, html)


def manage_link(subscriber: Subscriber) -> EmailMultiAlternatives:
    context = {"manage_url": manage_url(subscriber), "municipality": settings.MUNICIPALITY_NAME}
    text, html = rendered("manage_link", context, subscriber.language)
    with translation.override(subscriber.language):
        subject = _("Dina bevakningar i protokollsarkivet")
    return message(subscriber.email, subject, text, html)


def digest_content(subscriber: Subscriber, sections: list[dict]) -> dict:
    """Subject, text and HTML of a digest. `sections`: per follow, `follow`, `annotations`
    (listed), `more` (how many more are new, reached by the list's link) and `ids` (all of
    them)."""
    with translation.override(subscriber.language):
        for section in sections:
            section["follow"].shown_label = label_of(section["follow"])
    for section in sections:
        section["list_url"] = list_url(section["follow"])
        section["stop_url"] = absolute(
            reverse("notes:follow_stop", args=[link_token(section["follow"])])
        )
        for annotation in section["annotations"]:
            annotation.absolute_url = absolute(annotation.get_absolute_url())
    context = {
        "sections": sections,
        "manage_url": manage_url(subscriber),
        "unsubscribe_url": unsubscribe_url(subscriber),
        "municipality": settings.MUNICIPALITY_NAME,
    }
    text, html = rendered("digest", context, subscriber.language)
    # Annotations, not entries: one that two follows match is counted once.
    count = len({pk for section in sections for pk in section["ids"]})
    with translation.override(subscriber.language):
        if len(sections) == 1:
            label = sections[0]["follow"].shown_label
            subject = _("Nytt i protokollsarkivet: %(label)s") % {"label": label}
        else:
            subject = ngettext(
                "Nytt i protokollsarkivet: %(count)s anteckning för dina bevakningar",
                "Nytt i protokollsarkivet: %(count)s anteckningar för dina bevakningar",
                count,
            ) % {"count": count}
    return {
        "subject": subject[:300],
        "text": text,
        "html": html,
        "unsubscribe_url": unsubscribe_url(subscriber),
    }


def digest_message(digest: Digest) -> EmailMultiAlternatives:
    return message(
        digest.subscriber.email, digest.subject, digest.text, digest.html, digest.unsubscribe_url
    )
