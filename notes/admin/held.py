"""Held texts: annotation texts imported as drafts into meetings that are already published.

A clerk sees each with what it was read as, corrects its text if need be, and publishes it
(after a confirmation that lists them), which imports it as any text is imported; or deletes
it, since it was never public.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from notes.ingest.import_checks import missing_permission, parse_error_message
from notes.ingest.importing import Outcome, import_bytes
from notes.ingest.parsing import ParseError, parse_bytes
from notes.models import HeldText


def _summary(held: HeldText) -> str:
    try:
        record = parse_bytes(held.text.encode("utf-8"), source=held.source)
    except ParseError as error:
        return _("Kan inte läsas: %(error)s") % {"error": error}
    where = record.body_name + f" {record.date:%Y-%m-%d}"
    if record.item_number is not None:
        where += ", " + _("ärende %(number)s") % {"number": record.item_number}
    return f"{where} ({', '.join(record.parties)})"


def publish_held(model_admin, request, queryset):
    """Confirm, then import each held text (in its own transaction, removed when imported)."""
    if request.POST.get("confirmed") != "yes":
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("Publicera väntande texter?"),
            "opts": HeldText._meta,
            "texts": [(held, _summary(held)) for held in queryset],
            "selected": [str(pk) for pk in queryset.values_list("pk", flat=True)],
        }
        return TemplateResponse(request, "admin/notes/heldtext/publish_confirm.html", context)
    published = unchanged = 0
    for held in queryset:
        try:
            record = parse_bytes(held.text.encode("utf-8"), source=held.source)
        except ParseError as error:
            messages.error(request, parse_error_message(error))
            continue
        refusal = missing_permission(record, request.user)
        if refusal:
            messages.error(request, f"{held.source}: {refusal}")
            continue
        with transaction.atomic():
            result = import_bytes(held.text.encode("utf-8"), held.source, publish=False)
            if result.outcome == Outcome.FAILED:
                messages.error(request, result.message)
                continue
            held.delete()
        if result.outcome == Outcome.IMPORTED:
            published += 1
        else:
            unchanged += 1
    model_admin.message_user(
        request,
        ngettext("%(count)s text publicerades.", "%(count)s texter publicerades.", published)
        % {"count": published}
        + (
            " "
            + ngettext(
                "%(count)s fanns redan i arkivet.", "%(count)s fanns redan i arkivet.", unchanged
            )
            % {"count": unchanged}
            if unchanged
            else ""
        ),
        messages.SUCCESS,
    )
    return None


@admin.register(HeldText)
class HeldTextAdmin(admin.ModelAdmin):
    list_display = ["source", "summary", "held_at", "held_by"]
    list_select_related = ["held_by"]
    fields = ["source", "text", "held_at", "held_by"]
    readonly_fields = ["held_at", "held_by"]
    actions = ["publish"]

    @admin.display(description=gettext_lazy("läses som"))
    def summary(self, held: HeldText) -> str:
        return _summary(held)

    @admin.action(description=gettext_lazy("Publicera valda texter …"))
    def publish(self, request, queryset):
        return publish_held(self, request, queryset)
