"""Import annotation texts in the clerks' admin: paste or upload, preview, then import.

The page uses the same parser and importer as the `import_notes` command (notes.ingest.parsing,
notes.ingest.importing), so a text is read the same way whichever route it takes into the archive.
Texts imported here are saved with ``publish=False``: a new meeting stays a draft until a
clerk publishes it. A text for a meeting that is already published would be public at once:
the preview says so, and the clerk chooses to hold it as a draft (a HeldText, outside the
archive, published later from the admin's *Väntande texter*) or to make it public now.

Three steps on one URL:

1. GET: a form with a textarea (several texts separated by a line holding only ``---`` or
   ``===``) and a multiple file upload (one annotation per ``.txt`` file).
2. POST ``action=preview``: every text is parsed and shown with what was read from it and
   whether it is new or already in the archive (a dry-run import); errors are shown as the
   command line reports them, in the clerk's language (``källa, rad N: här väntades …``).
   Uploaded files are
   carried forward as editable text areas, so they can be corrected without re-uploading.
3. POST ``action=import``: only when every text parses and nothing changed since the
   preview, each text is imported in its own transaction; otherwise nothing is saved.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.validators import FileExtensionValidator
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from notes.ingest.decoding import decode_bytes
from notes.ingest.import_checks import missing_permission, parse_error_message
from notes.ingest.importing import Outcome, import_bytes
from notes.ingest.parsing import NoteRecord, ParseError, parse_bytes
from notes.models import Annotation, AnnotationKind, HeldText, Meeting
from notes.parties import find_party

MAX_TEXTS = 200
MAX_BYTES = 1024 * 1024  # per file or pasted text
EXCERPT_CHARS = 300

# A line holding only "---" or "===" (surrounding spaces allowed) separates pasted texts; the
# next text starts on the line after it, so its line numbers are those of the text alone.
SEPARATOR = re.compile(r"^[ \t]*(?:---|===)[ \t]*(?:\n|\Z)", re.MULTILINE)

ACTION_PREVIEW = "preview"
ACTION_IMPORT = "import"
# What becomes of a text for a meeting that is already published (everything of a published
# meeting is public): held as a draft until a clerk publishes it, or public at once.
HOLD, PUBLIC = "hold", "public"


# --------------------------------------------------------------------------- texts


@dataclass(frozen=True)
class SubmittedText:
    """One annotation text: where it came from and its content (already decoded)."""

    source: str
    text: str
    from_file: bool = False

    @property
    def data(self) -> bytes:
        return self.text.encode("utf-8")


def split_pasted(text: str) -> list[str]:
    """The texts in a paste, split at separator lines; blank pieces are dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [piece for piece in SEPARATOR.split(text) if piece.strip()]


def _digest(texts: list[SubmittedText]) -> str:
    """A fingerprint of what was previewed, so an import of something else is refused."""
    digest = hashlib.sha256()
    for submitted in texts:
        for part in (submitted.source, submitted.text):
            encoded = part.encode("utf-8")
            digest.update(len(encoded).to_bytes(8, "big"))
            digest.update(encoded)
    return digest.hexdigest()


def _size_label() -> str:
    return _("%(size)s MB") % {"size": MAX_BYTES // (1024 * 1024)}


# --------------------------------------------------------------------------- form


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """A FileField that accepts several files (Django docs, "Uploading multiple files")."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".txt,text/plain"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single_clean = super().clean
        if isinstance(data, list | tuple):
            cleaned = [single_clean(item, initial) for item in data]
        else:
            cleaned = [single_clean(data, initial)]
        return [item for item in cleaned if item]


class ImportForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Inklistrade texter"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Klistra in en eller flera anteckningar. Skilj texterna åt med en rad som bara "
            "innehåller --- eller ===."
        ),
    )
    # The stubs see BaseForm.files (the uploads) here; at runtime the form's metaclass moves
    # declared fields into base_fields, so the two never meet.
    files = MultipleFileField(  # type: ignore[assignment]
        label=gettext_lazy("Filer"),
        required=False,
        validators=[FileExtensionValidator(["txt"])],
        help_text=gettext_lazy("Textfiler (.txt), en anteckning per fil."),
    )

    visibility = forms.ChoiceField(
        label=gettext_lazy("Texter till sammanträden som redan är publicerade"),
        choices=[
            (
                HOLD,
                gettext_lazy(
                    "Som utkast: hålls utanför arkivet tills du publicerar dem (Väntande texter)"
                ),
            ),
            (PUBLIC, gettext_lazy("Offentliga direkt")),
        ],
        initial=HOLD,
        required=False,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, carried=(), **kwargs):
        """`carried`: (file name, text) of files uploaded earlier and shown for correction."""
        super().__init__(*args, **kwargs)
        self.carried = list(carried)

    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data, set by full_clean()
        texts: list[SubmittedText] = []
        too_large: list[str] = []

        for number, piece in enumerate(split_pasted(cleaned.get("text") or ""), start=1):
            source = _("Inklistrad text %(number)s") % {"number": number}
            if len(piece.encode("utf-8")) > MAX_BYTES:
                too_large.append(source)
            texts.append(SubmittedText(source, piece))

        for name, text in self.carried:
            if not text.strip():  # an emptied file box: the clerk dropped that file
                continue
            if len(text.encode("utf-8")) > MAX_BYTES:
                too_large.append(name)
            texts.append(SubmittedText(name, decode_bytes(text.encode("utf-8")), from_file=True))

        for upload in cleaned.get("files") or []:
            if upload.size > MAX_BYTES:
                too_large.append(upload.name)
                continue
            texts.append(SubmittedText(upload.name, decode_bytes(upload.read()), from_file=True))

        if too_large:
            raise forms.ValidationError(
                _("Varje text och fil får vara högst %(size)s. För stora: %(names)s.")
                % {"size": _size_label(), "names": ", ".join(too_large)},
                code="too_large",
            )
        if len(texts) > MAX_TEXTS:
            raise forms.ValidationError(
                _("Högst %(max)s texter åt gången; du skickade %(count)s.")
                % {"max": MAX_TEXTS, "count": len(texts)},
                code="too_many",
            )
        if not texts:
            raise forms.ValidationError(
                _("Klistra in minst en text eller välj minst en fil."), code="empty"
            )
        cleaned["texts"] = texts
        return cleaned


def _carried_from_post(post) -> list[tuple[str, str]]:
    names = post.getlist("file_name")
    contents = post.getlist("file_text")
    if len(names) != len(contents):
        return []
    return list(zip(names, contents, strict=True))


# --------------------------------------------------------------------------- preview


@dataclass
class PreviewRow:
    submitted: SubmittedText
    record: NoteRecord | None = None
    error: str = ""
    outcome: str = ""
    meeting_published: bool = False
    duplicate_of: str = ""  # the earlier text in this submission that is the same annotation

    @property
    def source(self) -> str:
        return self.submitted.source

    @property
    def is_new(self) -> bool:
        return self.outcome == Outcome.IMPORTED and not self.duplicate_of

    @property
    def is_unchanged(self) -> bool:
        return self.outcome == Outcome.UNCHANGED

    @property
    def item(self) -> str:
        record = self.record
        if record is None:
            return ""
        parts = []
        if record.item_number is not None:
            parts.append(_("Ärende %(number)s") % {"number": record.item_number})
        if record.paragraph_number is not None:
            parts.append(f"§ {record.paragraph_number}")
        label = ", ".join(parts)
        return f"{label}: {record.item_title}" if record.item_title else label

    @property
    def kind(self) -> str:
        if self.record is None:
            return ""
        return str(dict(AnnotationKind.choices).get(self.record.kind, self.record.kind))

    @property
    def parties(self) -> list[str]:
        if self.record is None:
            return []
        names = []
        for abbreviation in self.record.parties:
            info = find_party(abbreviation)
            names.append(f"{info.name} ({info.abbreviation})" if info else abbreviation)
        return names

    @property
    def signatories(self) -> list[str]:
        if self.record is None:
            return []
        return [
            f"{person.name} ({person.party})" if person.party else person.name
            for person in self.record.signatories
        ]

    @property
    def excerpt(self) -> str:
        text = self.record.text if self.record is not None else self.submitted.text
        text = text.strip()
        return text if len(text) <= EXCERPT_CHARS else text[:EXCERPT_CHARS].rstrip() + "…"


def preview(texts: list[SubmittedText], user) -> list[PreviewRow]:
    """Parse every text and dry-run its import; nothing is saved."""
    rows = []
    seen: dict[tuple, PreviewRow] = {}
    for submitted in texts:
        row = PreviewRow(submitted)
        try:
            row.record = parse_bytes(submitted.data, source=submitted.source)
        except ParseError as error:
            row.error = parse_error_message(error)
            rows.append(row)
            continue
        row.error = missing_permission(row.record, user)
        if row.error:
            rows.append(row)
            continue
        result = import_bytes(submitted.data, submitted.source, dry_run=True, publish=False)
        row.outcome = result.outcome
        if result.outcome == Outcome.FAILED:
            row.error = result.message
        elif result.outcome == Outcome.IMPORTED:
            # The importer finds an annotation by its item and its kind and text hashed; a
            # second copy in the same submission would be found, not added, on import.
            record = row.record
            key = (
                " ".join(record.body_name.split()).casefold(),
                record.date,
                record.item_number,
                record.paragraph_number if record.item_number is None else None,
                Annotation.compute_fingerprint(record.kind, record.text),
            )
            first = seen.setdefault(key, row)
            if first is not row:
                row.duplicate_of = first.source
            # publish=False keeps a new meeting a draft, but a text on a meeting that is
            # already published would be public as soon as it is imported: say so, and let
            # the clerk choose (ImportForm.visibility).
            row.meeting_published = meeting_is_published(row.record)
        rows.append(row)
    return rows


def meeting_is_published(record: NoteRecord) -> bool:
    """Whether the text's meeting exists and is public."""
    return Meeting.objects.filter(
        body__name__iexact=" ".join(record.body_name.split()),
        date=record.date,
        published_at__isnull=False,
    ).exists()


# --------------------------------------------------------------------------- view


def import_view(request, admin_site=None):
    """The import page (see the module docstring)."""
    admin_site = admin_site or admin.site
    if not request.user.has_perm("notes.add_annotation"):
        raise PermissionDenied

    context = {
        **admin_site.each_context(request),
        "title": _("Importera texter"),
        "opts": Annotation._meta,
        "max_texts": MAX_TEXTS,
        "max_size": _size_label(),
        "action_preview": ACTION_PREVIEW,
        "action_import": ACTION_IMPORT,
    }

    if request.method != "POST":
        context["form"] = ImportForm()
        return TemplateResponse(request, "admin/notes/annotation/import.html", context)

    data = request.POST.copy()
    if not data.get("visibility"):
        data["visibility"] = HOLD  # the choice the page shows selected until the clerk changes it
    form = ImportForm(data, request.FILES, carried=_carried_from_post(request.POST))
    context["form"] = form
    if not form.is_valid():
        context["carried"] = form.carried
        return TemplateResponse(request, "admin/notes/annotation/import.html", context)

    texts: list[SubmittedText] = form.cleaned_data["texts"]
    rows = preview(texts, request.user)
    errors = [row for row in rows if row.error]
    digest = _digest(texts)
    # Files are carried forward as editable boxes; the textarea keeps the pasted texts.
    context.update(
        rows=rows,
        errors=errors,
        carried=[(t.source, t.text) for t in texts if t.from_file],
        digest=digest,
        new_count=sum(row.is_new for row in rows),
        unchanged_count=sum(row.is_unchanged for row in rows),
        duplicate_count=sum(bool(row.duplicate_of) for row in rows),
        published_count=sum(row.is_new and row.meeting_published for row in rows),
    )

    if request.POST.get("action") == ACTION_IMPORT:
        if errors:
            context["refused"] = _(
                "Ingenting importerades: rätta felen nedan och förhandsgranska igen."
            )
        elif request.POST.get("digest") != digest:
            context["refused"] = _(
                "Ingenting importerades: texterna har ändrats sedan förhandsgranskningen. "
                "Granska den nya förhandsgranskningen och importera sedan."
            )
        else:
            return _import(request, texts, hold=form.cleaned_data.get("visibility") != PUBLIC)
    return TemplateResponse(request, "admin/notes/annotation/import.html", context)


def _import(request, texts: list[SubmittedText], hold: bool):
    """Import each text in its own transaction; with `hold`, a new text for a meeting that is
    already published is held (HeldText) instead, outside the archive. Says what became of
    each: a draft (its meeting is not published), public, held, or already there."""
    imported: list[int] = []
    counts = {"draft": 0, "public": 0, "held": 0, "unchanged": 0}
    for submitted in texts:
        if hold and _hold(request, submitted):
            counts["held"] += 1
            continue
        result = import_bytes(submitted.data, submitted.source, publish=False)
        if result.outcome == Outcome.IMPORTED:
            assert result.annotation_id is not None  # set on every import but a dry run
            imported.append(result.annotation_id)
            public = Annotation.objects.filter(
                pk=result.annotation_id, item__meeting__published_at__isnull=False
            ).exists()
            counts["public" if public else "draft"] += 1
        elif result.outcome == Outcome.UNCHANGED:
            counts["unchanged"] += 1
        else:
            messages.error(request, result.message)
    parts = []
    if counts["draft"]:
        parts.append(
            ngettext(
                "%(count)s importerad som utkast: den syns inte förrän sammanträdet publiceras.",
                "%(count)s importerade som utkast: de syns inte förrän sammanträdet publiceras.",
                counts["draft"],
            )
            % {"count": counts["draft"]}
        )
    if counts["held"]:
        parts.append(
            ngettext(
                "%(count)s väntar på publicering under Väntande texter: sammanträdet är "
                "redan publicerat.",
                "%(count)s väntar på publicering under Väntande texter: deras sammanträden "
                "är redan publicerade.",
                counts["held"],
            )
            % {"count": counts["held"]}
        )
    if counts["public"]:
        parts.append(
            ngettext(
                "%(count)s importerad till ett publicerat sammanträde: den är offentlig nu.",
                "%(count)s importerade till publicerade sammanträden: de är offentliga nu.",
                counts["public"],
            )
            % {"count": counts["public"]}
        )
    if counts["unchanged"]:
        parts.append(
            ngettext(
                "%(count)s fanns redan i arkivet.",
                "%(count)s fanns redan i arkivet.",
                counts["unchanged"],
            )
            % {"count": counts["unchanged"]}
        )
    if parts:
        messages.success(request, " ".join(parts))
    if counts["held"] and not imported:
        return redirect(reverse("admin:notes_heldtext_changelist"))
    url = reverse("admin:notes_annotation_changelist")
    if imported:
        url += "?" + urlencode({"id__in": ",".join(str(pk) for pk in imported)})
    return redirect(url)


def _hold(request, submitted: SubmittedText) -> bool:
    """Hold the text if it is new and its meeting is published; whether it was held."""
    try:
        record = parse_bytes(submitted.data, source=submitted.source)
    except ParseError:
        return False  # the import reports it
    if not meeting_is_published(record):
        return False
    dry_run = import_bytes(submitted.data, submitted.source, dry_run=True, publish=False)
    if dry_run.outcome != Outcome.IMPORTED:
        return False  # already in the archive, or an error the import reports
    user = request.user if request.user.is_authenticated else None
    HeldText.objects.create(source=submitted.source, text=submitted.text, held_by=user)
    return True


def admin_import_urls(admin_site) -> list:
    """URL patterns for AnnotationAdmin.get_urls (before the admin's own catch-all patterns)."""

    def view(request):
        return import_view(request, admin_site=admin_site)

    return [path("import/", admin_site.admin_view(view), name="notes_annotation_import")]
