"""Publishing a meeting, taking it back, and withdrawing it: each asks first, says what it
does to the public pages, and is kept in the history with who, when and why.

- *Publicera* (a list action, or the button on a draft): a confirmation page lists what
  becomes public — every meeting with its items and annotations — before anything changes.
- *Avpublicera*: a meeting published by mistake goes back to being a draft (its pages give
  404 again). A reason is required; it is the history record's change reason.
- *Återkalla sammanträdet*: the meeting's page stays, and says when and why its annotations
  were withdrawn; every annotation in force is withdrawn with the same reason (as a single
  annotation is), so it leaves lists, search, feeds and exports. For a record that must stay.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.utils import update_change_reason

from notes.models import Annotation, Attendance, Meeting, Vote


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Skäl"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=gettext_lazy("Sparas i historiken."),
    )


def publish(meetings, reason: str) -> int:
    """Publish the drafts among `meetings` (through save(), so the history says who)."""
    count = 0
    with transaction.atomic():
        for meeting in meetings.filter(published_at__isnull=True).select_for_update():
            meeting.published_at = timezone.now()
            meeting.version += 1
            meeting.save()
            update_change_reason(meeting, reason)
            count += 1
    return count


def unpublish(meeting: Meeting, reason: str) -> None:
    with transaction.atomic():
        meeting.published_at = None
        meeting.version += 1
        meeting.save()
        update_change_reason(meeting, reason)


def withdraw(meeting: Meeting, reason: str) -> int:
    """Withdraw the meeting and every annotation of it in force; how many annotations."""
    now = timezone.now()
    with transaction.atomic():
        meeting.withdrawn_at = now
        meeting.withdrawal_reason = reason
        meeting.version += 1
        meeting.save()
        update_change_reason(meeting, reason)
        annotations = Annotation.objects.filter(item__meeting=meeting, withdrawn_at__isnull=True)
        count = 0
        for annotation in annotations.select_for_update():
            annotation.withdrawn_at = now
            annotation.withdrawal_reason = reason
            annotation.version += 1
            annotation.save()
            update_change_reason(annotation, reason)
            count += 1
    return count


def publication_summary(meetings) -> list[Meeting]:
    """The drafts among `meetings`, each with its items and how many annotations each has."""
    drafts = meetings.filter(published_at__isnull=True).select_related("body").order_by("date")
    drafts = drafts.prefetch_related("items")
    result = list(drafts)
    counts = dict(
        Annotation.objects.filter(item__meeting__in=result, withdrawn_at__isnull=True)
        .values_list("item")
        .annotate(n=Count("pk"))
        .values_list("item", "n")
    )
    votes = dict(
        Vote.objects.filter(item__meeting__in=result)
        .values_list("item__meeting")
        .annotate(n=Count("pk"))
        .values_list("item__meeting", "n")
    )
    present = dict(
        Attendance.objects.filter(meeting__in=result)
        .values_list("meeting")
        .annotate(n=Count("pk"))
        .values_list("meeting", "n")
    )
    for meeting in result:
        meeting.summary_items = [(item, counts.get(item.pk, 0)) for item in meeting.items.all()]
        meeting.summary_total = sum(n for _item, n in meeting.summary_items)
        # What a protocol import brought besides the annotations: public with them.
        meeting.summary_votes = votes.get(meeting.pk, 0)
        meeting.summary_attendance = present.get(meeting.pk, 0)
        meeting.summary_decisions = sum(1 for item in meeting.items.all() if item.decision)
        meeting.summary_protocol = _protocol_summary(meeting)
    return result


def _protocol_summary(meeting) -> str:
    """ "2 beslut, 1 omröstning och närvaron (10 personer)", or "" when there is none."""
    parts = []
    if meeting.summary_decisions:
        count = meeting.summary_decisions
        parts.append(ngettext("%(count)s beslut", "%(count)s beslut", count) % {"count": count})
    if meeting.summary_votes:
        count = meeting.summary_votes
        parts.append(
            ngettext("%(count)s omröstning", "%(count)s omröstningar", count) % {"count": count}
        )
    if meeting.summary_attendance:
        count = meeting.summary_attendance
        parts.append(
            ngettext("närvaron (%(count)s person)", "närvaron (%(count)s personer)", count)
            % {"count": count}
        )
    if len(parts) > 1:
        return _("%(first)s och %(last)s") % {"first": ", ".join(parts[:-1]), "last": parts[-1]}
    return parts[0] if parts else ""


def confirm_publication(model_admin, request, queryset):
    """The publish action's confirmation page; on confirmation, publishes."""
    if request.POST.get("confirmed") == "yes":
        count = publish(queryset, _("Publicerad"))
        model_admin.message_user(
            request,
            ngettext(
                "%(count)s sammanträde publicerades.", "%(count)s sammanträden publicerades.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )
        return None
    drafts = publication_summary(queryset)
    if not drafts:
        model_admin.message_user(
            request, _("De valda sammanträdena är redan publicerade."), messages.WARNING
        )
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Publicera sammanträden?"),
        "opts": Meeting._meta,
        "drafts": drafts,
        "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
        "already": queryset.filter(published_at__isnull=False).count(),
    }
    return TemplateResponse(request, "admin/notes/meeting/publish_confirm.html", context)


def _reason_view(model_admin, request, pk, *, action: str):
    meeting = get_object_or_404(Meeting.objects.select_related("body"), pk=pk)
    if not model_admin.has_change_permission(request, meeting):
        raise PermissionDenied
    change_url = reverse("admin:notes_meeting_change", args=[pk])
    if action == "unpublish" and meeting.published_at is None:
        model_admin.message_user(request, _("Sammanträdet är redan ett utkast."), messages.WARNING)
        return redirect(change_url)
    if action == "withdraw" and meeting.withdrawn_at is not None:
        model_admin.message_user(request, _("Sammanträdet är redan återkallat."), messages.WARNING)
        return redirect(change_url)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"].replace("\r\n", "\n")
        if action == "unpublish":
            unpublish(meeting, reason)
            text = _("Sammanträdet är ett utkast igen: dess sidor visas inte längre.")
        else:
            count = withdraw(meeting, reason)
            text = _("Sammanträdet och dess %(count)s anteckningar har återkallats.") % {
                "count": count
            }
        model_admin.message_user(request, text, messages.SUCCESS)
        return redirect(change_url)
    in_force = Annotation.objects.filter(item__meeting=meeting, withdrawn_at__isnull=True)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Avpublicera sammanträde")
        if action == "unpublish"
        else _("Återkalla sammanträde"),
        "action": action,
        "meeting": meeting,
        "in_force": in_force.count(),
        "form": form,
        "opts": Meeting._meta,
        "original": meeting,
    }
    return TemplateResponse(request, "admin/notes/meeting/reason.html", context)


def publish_view(model_admin, request, pk):
    """The publish button on a draft's page: the same confirmation as the list action."""
    if not model_admin.has_change_permission(request):
        raise PermissionDenied
    queryset = Meeting.objects.filter(pk=pk)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        confirm_publication(model_admin, request, queryset)
        return redirect(reverse("admin:notes_meeting_change", args=[pk]))
    response = confirm_publication(model_admin, request, queryset)
    return response or redirect(reverse("admin:notes_meeting_change", args=[pk]))


def meeting_urls(model_admin) -> list:
    site = model_admin.admin_site

    def view(function, **kwargs):
        return site.admin_view(lambda request, pk: function(model_admin, request, pk, **kwargs))

    return [
        path("<int:pk>/publish/", view(publish_view), name="notes_meeting_publish"),
        path(
            "<int:pk>/unpublish/",
            view(_reason_view, action="unpublish"),
            name="notes_meeting_unpublish",
        ),
        path(
            "<int:pk>/withdraw/",
            view(_reason_view, action="withdraw"),
            name="notes_meeting_withdraw",
        ),
    ]
