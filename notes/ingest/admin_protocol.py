"""Import a whole protocol in the clerks' admin: upload, read the report, confirm.

The same reader and importer as `manage.py import_protocol` (notes.ingest.protocol_save):

1. GET: a form with one file field (PDF with a text layer, or text).
2. POST ``action=preview`` with the file: it is read and imported in a transaction that is
   rolled back (a dry run); the page shows the report per page. A readable protocol is kept
   (StagedProtocol, by its SHA-256) for the next step.
3. POST ``action=import`` with that digest: imported for real, in one transaction; the clerk
   lands on the meeting (a draft when new) to check it and publish it. What is new for a
   meeting that is already published is saved only when the clerk ticks that it may become
   public at once; otherwise nothing is saved and the protocol stays staged.
"""

from __future__ import annotations

import datetime
import hashlib

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from notes.ingest.protocol_save import has_news, import_protocol, report_lines
from notes.ingest.protocol_text import MAX_PROTOCOL_BYTES
from notes.models import Meeting, StagedProtocol

ACTION_PREVIEW, ACTION_IMPORT = "preview", "import"
KEEP_STAGED = datetime.timedelta(days=1)


class ProtocolForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Protokoll"),
        help_text=gettext_lazy("En PDF med textlager, eller en textfil."),
    )


def protocol_import_view(request, admin_site=None):
    admin_site = admin_site or admin.site
    if not (
        request.user.has_perm("notes.add_meeting") and request.user.has_perm("notes.add_annotation")
    ):
        raise PermissionDenied
    context = {
        **admin_site.each_context(request),
        "title": _("Importera protokoll"),
        "opts": Meeting._meta,
        "action_preview": ACTION_PREVIEW,
        "action_import": ACTION_IMPORT,
        "form": ProtocolForm(),
    }
    template = "admin/notes/meeting/import_protocol.html"
    if request.method != "POST":
        return TemplateResponse(request, template, context)
    if request.POST.get("action") == ACTION_IMPORT:
        return _import(request, context, template)
    form = ProtocolForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return TemplateResponse(request, template, context, status=400)
    upload = form.cleaned_data["file"]
    if upload.size > MAX_PROTOCOL_BYTES:
        context["refused"] = _("Filen är större än %(size)s MB.") % {
            "size": MAX_PROTOCOL_BYTES // 1024 // 1024
        }
        return TemplateResponse(request, template, context, status=400)
    data = upload.read()
    result = import_protocol(data, upload.name, dry_run=True)
    if not result.ok:
        context["refused"] = result.error
        if result.protocol is not None:  # read, but refused: what was found, without the error
            context["report"] = report_lines(result, with_error=False)
        return TemplateResponse(request, template, context, status=400)
    context["report"] = report_lines(result)
    StagedProtocol.objects.filter(staged_at__lt=timezone.now() - KEEP_STAGED).delete()
    digest = hashlib.sha256(data).hexdigest()
    StagedProtocol.objects.update_or_create(
        digest=digest, defaults={"name": upload.name[:255], "data": data}
    )
    context.update(
        digest=digest,
        name=upload.name,
        meeting_exists=not result.meeting_created,
        meeting_published=result.meeting_published and has_news(result),
        nothing_new=not has_news(result),
    )
    return TemplateResponse(request, template, context)


def _import(request, context: dict, template: str):
    staged = StagedProtocol.objects.filter(digest=request.POST.get("digest", "")).first()
    if staged is None:
        context["refused"] = _(
            "Ingenting importerades: förhandsgranskningen har gått ut. Ladda upp protokollet igen."
        )
        return TemplateResponse(request, template, context, status=400)
    into_published = request.POST.get("into_published") == "1"
    result = import_protocol(bytes(staged.data), staged.name, into_published=into_published)
    if not result.ok:
        if result.protocol is not None:  # readable: keep it staged for the clerk's next choice
            context.update(
                digest=staged.digest,
                name=staged.name,
                meeting_exists=not result.meeting_created,
                meeting_published=result.meeting_published and has_news(result),
            )
        context["refused"] = result.error
        if result.meeting_published and has_news(result):
            context["refused"] += " " + _(
                "Kryssa i rutan nedan för att göra det nya offentligt direkt, eller avpublicera "
                "sammanträdet först."
            )
        context["report"] = report_lines(result, with_error=False)
        return TemplateResponse(request, template, context, status=400)
    staged.delete()
    messages.success(request, _done_message(staged.name, result))
    return redirect(reverse("admin:notes_meeting_change", args=[result.meeting_id]))


def _done_message(name: str, result) -> str:
    count = sum(result.created.values())
    if not count:
        return _("Protokollet %(name)s hade inget nytt: ingenting ändrades.") % {"name": name}
    done = ngettext(
        "Protokollet %(name)s importerades: %(count)s ny post.",
        "Protokollet %(name)s importerades: %(count)s nya poster.",
        count,
    ) % {"name": name, "count": count}
    if result.meeting_published:
        return done + " " + _("Sammanträdet är publicerat: det nya är offentligt.")
    return done + " " + _("Granska och publicera sammanträdet.")


def protocol_import_urls(admin_site) -> list:
    def view(request):
        return protocol_import_view(request, admin_site=admin_site)

    return [path("import-protocol/", admin_site.admin_view(view), name="notes_meeting_import")]
