"""The clerks' admin: data entry with history, publishing, withdrawal and edit conflicts.

- Every change to a meeting, item or annotation is kept (django-simple-history): the History
  button lists versions with what changed, shows any version and restores it.
- Nothing public is deleted by a clerk: annotations are withdrawn with a reason. Only a
  superuser can purge, and the purge is kept in the history too.
- A save is refused when someone else saved the same record since the form was opened.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from simple_history.admin import SimpleHistoryAdmin

from notes.admin import (
    alerts,  # noqa: F401 (registers the email alerts' admin)
    held,  # noqa: F401 (registers the held texts' admin)
    votes,  # noqa: F401 (registers the votes' admin)
)
from notes.admin.meetings import ReasonForm, confirm_publication, meeting_urls
from notes.admin.record_forms import AnnotationForm, OptimisticLockForm
from notes.appeals import appeal_deadline, notice_warnings
from notes.ingest.admin_import import admin_import_urls
from notes.ingest.admin_protocol import protocol_import_urls
from notes.models import (
    AgendaItem,
    Annotation,
    Attendance,
    Body,
    Erasure,
    Meeting,
    Party,
    Person,
    Vote,
)


class ClerkLoginForm(AdminAuthenticationForm):
    """The admin's login, saying why a right password for an account without staff status
    does not let one in (Django's own message only asks for the right password again)."""

    def confirm_login_allowed(self, user):
        if user.is_active and not user.is_staff:
            raise ValidationError(
                _(
                    "Lösenordet stämmer, men kontot %(username)s har inte behörighet till "
                    "administrationen. Be den som sköter arkivet att göra det till ett "
                    "registratorskonto (gruppen Clerk eller manage.py create_clerk)."
                ),
                code="not_staff",
                params={"username": user.get_username()},
            )
        super().confirm_login_allowed(user)


admin.site.login_form = ClerkLoginForm


class SuperuserDeletes:
    """Public records are not deleted by clerks: only a superuser may purge (and the history
    records it)."""

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


class RecordAdmin(SuperuserDeletes, SimpleHistoryAdmin):
    """History for clerks; deletion for superusers only (and recorded by the history)."""

    form = OptimisticLockForm

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request.reverting_to_version = True  # read by get_form() and save_model()
        with transaction.atomic():  # all of a restore, or nothing of it
            return super().history_form_view(request, object_id, version_id, extra_context)

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if getattr(request, "reverting_to_version", False):
            return type(form.__name__, (form,), {"reverting": True})
        return form

    def save_model(self, request, obj, form, change):
        # A form the clerk left alone writes nothing (and adds no empty version to the
        # history), stale or not; a restore from the history page is a change by definition.
        if change and not form.has_changed() and not getattr(form, "reverting", False):
            return
        if getattr(request, "reverting_to_version", False):
            self._keep_state(request, obj)
        super().save_model(request, obj, form, change)

    # Set by the form's own save (the version moves, a correction is dated), not restored.
    STATE_SET_BY_THE_FORM = frozenset({"version", "corrected_at"})

    def _keep_state(self, request, obj) -> None:
        """A restore brings back what a clerk edits, never the record's state: publication,
        withdrawal and the other fields no form edits stay as they are now."""
        current = type(obj)._default_manager.get(pk=obj.pk)
        readonly = set(self.get_readonly_fields(request, current))
        for field in obj._meta.concrete_fields:
            if field.name in self.STATE_SET_BY_THE_FORM or field.primary_key:
                continue
            if not field.editable or field.name in readonly:
                setattr(obj, field.attname, getattr(current, field.attname))

    def save_related(self, request, form, formsets, change):
        if not change or form.has_changed() or getattr(form, "reverting", False):
            super().save_related(request, form, formsets, change)
            return
        for formset in formsets:  # the inline rows are checked and saved on their own
            self.save_formset(request, form, formset, change=change)


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name"]
    prepopulated_fields = {"slug": ["name"]}


class AgendaItemFormSet(forms.BaseInlineFormSet):
    """Item numbers and § numbers are unique within a meeting.

    The database says so too, but an inline formset leaves the meeting out of each form's
    validation, so without this a duplicate would surface as an IntegrityError.
    """

    def clean(self):
        super().clean()
        seen: dict[str, set[int]] = {"number": set(), "paragraph": set()}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            for field, values in seen.items():
                value = form.cleaned_data.get(field)
                if value is None:
                    continue
                if value in values:
                    form.add_error(field, _("Numret finns redan på det här sammanträdet."))
                values.add(value)


class AgendaItemInline(SuperuserDeletes, admin.TabularInline):
    model = AgendaItem
    form = OptimisticLockForm
    # Django's tabular inline with a label in every cell, so the rows can stack on a phone.
    template = "admin/notes/meeting/items_tabular.html"
    formset = AgendaItemFormSet
    fields = ["number", "paragraph", "title", "case_number", "lock_version"]
    extra = 1
    show_change_link = True


@admin.register(Meeting)
class MeetingAdmin(RecordAdmin):
    list_display = ["date", "body", "status", "is_demo"]
    list_select_related = ["body"]
    list_filter = ["body", ("published_at", admin.EmptyFieldListFilter), "is_demo"]
    date_hierarchy = "date"
    search_fields = ["body__name", "items__title", "items__case_number"]
    autocomplete_fields = ["body"]
    # A link typed without a scheme is read as https (Django 6's default; no warning now).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fields = [
        "body",
        "date",
        "time",
        "location",
        "source_url",
        "attested_on",
        "posted_on",
        "taken_down_on",
        "appeal_deadline",
        "minutes_kept_at",
        "published_at",
        "withdrawn_at",
        "withdrawal_reason",
        "from_protocol",
        "lock_version",
    ]
    readonly_fields = [
        "appeal_deadline",
        "published_at",
        "withdrawn_at",
        "withdrawal_reason",
        "from_protocol",
    ]
    inlines = [AgendaItemInline]
    actions = ["publish"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        for message in notice_warnings(obj, timezone.localdate()):
            messages.warning(request, message)

    @admin.display(description=gettext_lazy("kan överklagas till och med"))
    def appeal_deadline(self, meeting):
        """Three weeks from the notice, moved on past days off (notes.appeals)."""
        if meeting.posted_on is None:
            return _("– (räknas från dagen då anslaget sätts upp)")
        return appeal_deadline(meeting.posted_on).isoformat()

    @admin.display(description=gettext_lazy("ur protokollet"))
    def from_protocol(self, meeting):
        """Links to the meeting's votes and attendance, which a protocol import brings."""
        if meeting.pk is None:
            return "–"
        counted = Vote.objects.filter(item__meeting=meeting).count()
        present = Attendance.objects.filter(meeting=meeting).count()
        return format_html(
            '<a href="{}?item__meeting__id__exact={}">{}</a> · '
            '<a href="{}?meeting__id__exact={}">{}</a>',
            reverse("admin:notes_vote_changelist"),
            meeting.pk,
            ngettext("%(count)s omröstning", "%(count)s omröstningar", counted)
            % {"count": counted},
            reverse("admin:notes_attendance_changelist"),
            meeting.pk,
            ngettext("%(count)s närvarande", "%(count)s närvarande", present) % {"count": present},
        )

    @admin.display(description=gettext_lazy("status"))
    def status(self, meeting):
        if meeting.withdrawn_at:
            return _("Återkallat %(date)s") % {"date": f"{meeting.withdrawn_at:%Y-%m-%d}"}
        if meeting.published_at:
            return _("Publicerad %(date)s") % {"date": f"{meeting.published_at:%Y-%m-%d}"}
        return _("Utkast")

    @admin.action(description=gettext_lazy("Publicera valda sammanträden …"))
    def publish(self, request, queryset):
        # A confirmation page lists what becomes public first (notes.admin.meetings).
        return confirm_publication(self, request, queryset)

    def get_urls(self):
        return protocol_import_urls(self.admin_site) + meeting_urls(self) + super().get_urls()


class AnnotationInline(SuperuserDeletes, admin.StackedInline):
    model = Annotation
    form = AnnotationForm
    fields = ["kind", "parties", "signatories", "text", "source", "lock_version"]
    autocomplete_fields = ["parties", "signatories"]
    extra = 1
    show_change_link = True


@admin.register(AgendaItem)
class AgendaItemAdmin(RecordAdmin):
    list_display = ["__str__", "meeting", "case_number"]
    list_select_related = ["meeting__body"]
    list_filter = ["meeting__body"]
    date_hierarchy = "meeting__date"
    search_fields = ["title", "case_number", "=number", "meeting__body__name"]
    autocomplete_fields = ["meeting"]
    fields = ["meeting", "number", "paragraph", "title", "case_number", "decision", "lock_version"]
    inlines = [AnnotationInline]


@admin.register(Party)
class PartyAdmin(SimpleHistoryAdmin):
    list_display = ["name", "abbreviation", "colour"]
    search_fields = ["name", "abbreviation"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Person)
class PersonAdmin(SimpleHistoryAdmin):
    list_display = ["name", "party", "is_demo"]
    list_select_related = ["party"]
    list_filter = ["party", "is_demo"]
    search_fields = ["name"]
    autocomplete_fields = ["party"]
    prepopulated_fields = {"slug": ["name"]}


class WithdrawForm(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].help_text = gettext_lazy("Visas på anteckningens publika sida.")


@admin.register(Annotation)
class AnnotationAdmin(RecordAdmin):
    form = AnnotationForm
    list_display = ["__str__", "kind", "date", "status", "is_demo"]
    list_select_related = ["item__meeting__body"]
    list_filter = [
        "kind",
        "item__meeting__body",
        "parties",
        ("withdrawn_at", admin.EmptyFieldListFilter),
        "is_demo",
    ]
    date_hierarchy = "date"
    search_fields = ["text", "item__title", "item__case_number", "signatories__name"]
    autocomplete_fields = ["item", "parties", "signatories"]
    readonly_fields = ["date", "withdrawn_at", "withdrawal_reason", "created_at", "updated_at"]
    fields = [
        "item",
        "kind",
        "parties",
        "signatories",
        "text",
        "source",
        "date",
        "withdrawn_at",
        "withdrawal_reason",
        "lock_version",
    ]

    @admin.display(description=gettext_lazy("status"))
    def status(self, annotation):
        if annotation.withdrawn_at:
            return _("Återkallad")
        if annotation.item.meeting.published_at is None:
            return _("Utkast")
        return _("Publicerad")

    def get_urls(self):
        urls = [
            path(
                "<int:pk>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="notes_annotation_withdraw",
            ),
            # The clerks' text import: same parser and importer as `import_notes`, as drafts.
            *admin_import_urls(self.admin_site),
        ]
        return urls + super().get_urls()

    def withdraw_view(self, request, pk):
        """Withdraw with a reason: the public page stays and says why."""
        annotation = get_object_or_404(Annotation, pk=pk)
        if not self.has_change_permission(request, annotation):
            raise PermissionDenied
        change_url = reverse("admin:notes_annotation_change", args=[pk])
        if annotation.withdrawn_at:
            self.message_user(request, _("Anteckningen är redan återkallad."), messages.WARNING)
            return redirect(change_url)
        form = WithdrawForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            annotation.withdrawn_at = timezone.now()
            annotation.withdrawal_reason = form.cleaned_data["reason"]
            annotation.version += 1
            annotation.save()
            self.message_user(request, _("Anteckningen har återkallats."), messages.SUCCESS)
            return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Återkalla anteckning"),
            "annotation": annotation,
            "form": form,
            "opts": self.model._meta,
            "original": annotation,
        }
        return TemplateResponse(request, "admin/notes/annotation/withdraw.html", context)


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    """Erasures are made by `manage.py erase_text` (it asks first); here they are only read."""

    list_display = ["annotation", "erased_at", "requested_by", "reason"]
    list_select_related = ["annotation__item__meeting__body"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
