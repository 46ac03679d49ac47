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
from django.db import transaction
from django.db.models import Case, Value, When
from django.db.models.signals import m2m_changed
from django.forms.models import model_to_dict
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.admin import SimpleHistoryAdmin

from notes.admin import held  # noqa: F401 (registers the held texts' admin)
from notes.admin.meetings import confirm_publication, meeting_urls
from notes.ingest.admin_import import admin_import_urls
from notes.models import (
    AgendaItem,
    Annotation,
    Body,
    Meeting,
    Party,
    Person,
    normalise_newlines,
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


class OptimisticLockForm(forms.ModelForm):
    """Carries the record's version; a save over someone else's newer save is refused.

    Every field also carries the value the clerk was shown (Django's hidden initial), so a
    form can tell what the clerk changed from what someone else changed since it was opened.
    A row of a stale form that the clerk did not change is left as it is (not written at
    all, neither as a record's own form nor as an inline row of its parent's form); a row the
    clerk did change is refused with a message that names it.
    """

    lock_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # True on the history page's form, which shows an earlier version to restore: what is
    # "changed" there is what differs from the record as it is now, and the version it
    # carries is the record's current one (RecordAdmin.get_form sets it).
    reverting = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.show_hidden_initial = name != "lock_version"
        if self.instance.pk:
            version = self.instance.version
            if self.reverting:
                version = self._current().version
            self.fields["lock_version"].initial = version
        self.stale = False  # set by clean(): opened before someone else's save, not changed

    def _current(self):
        return type(self.instance)._default_manager.get(pk=self.instance.pk)

    @cached_property
    def changed_data(self):
        if self.reverting:  # restoring a version: changed is what differs from now
            now = model_to_dict(self._current())
            return [
                name
                for name, field in self.fields.items()
                if name in now and field.has_changed(now[name], self[name].data)
            ]
        # The version is bookkeeping: a newer one in the database is not a change of the
        # clerk's (it is what clean() looks at).
        return [name for name in super().changed_data if name != "lock_version"]

    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data, set by full_clean()
        if self.instance.pk:
            # The admin saves inside a transaction: the row stays locked until it commits, so
            # of two simultaneous saves the second waits and then sees the new version.
            current = (
                type(self.instance)
                .objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("version", flat=True)
                .first()
            )
            if current is not None and cleaned.get("lock_version") != current:
                if not self.has_changed():
                    self.stale = True
                    return cleaned
                raise ValidationError(
                    _(
                        "%(record)s: någon annan har sparat den här posten sedan du öppnade "
                        "den. Dina ändringar har inte sparats: öppna sidan på nytt, se vad som "
                        "ändrats i historiken och gör om dina ändringar."
                    )
                    % {"record": self.instance},
                    code="edit_conflict",
                )
        return cleaned

    def save(self, commit=True):
        if self.instance.pk and not self.stale:
            self.instance.version = (self.cleaned_data.get("lock_version") or 0) + 1
        return super().save(commit=commit)


# What the public reads of an annotation: a change to any of these after publication is a
# correction (the source is where the text came from, not part of it).
PUBLIC_FIELDS = {"text", "kind", "item", "parties", "signatories"}


class AnnotationForm(OptimisticLockForm):
    """An annotation's form: text with LF line ends (a browser sends CRLF), and parties and
    signatories kept in the order the clerk entered them (as the importer keeps them)."""

    ORDERED = ("parties", "signatories")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.ORDERED:
            if name not in self.fields:
                continue
            if self.is_bound:
                order = self._posted(name)
            elif self.instance.pk and not self.reverting:
                order = [str(o.pk) for o in _in_entered_order(self.instance, name)]
                self.initial[name] = [int(pk) for pk in order]
            else:
                continue
            field = self.fields[name]
            assert isinstance(field, forms.ModelMultipleChoiceField) and field.queryset is not None
            field.queryset = field.queryset.order_by(_positions(order), "name")

    @cached_property
    def changed_data(self):
        changed = super().changed_data
        if self.reverting:
            return changed
        for name in self.ORDERED:
            # The same parties in another order is a change too (a set would not see it).
            shown = [str(v) for v in self.data.getlist(self.add_initial_prefix(name))]  # type: ignore[attr-defined]
            if name in self.fields and name not in changed and shown != self._posted(name):
                changed.append(name)
        return changed

    def _posted(self, name: str) -> list[str]:
        """The ids as the form sent them, in its order (select2 appends a new choice)."""
        return [str(v) for v in self.data.getlist(self.add_prefix(name))]  # type: ignore[attr-defined]

    def clean_text(self):
        return normalise_newlines(self.cleaned_data.get("text") or "")

    def save(self, commit=True):
        # A change the public can read, to an annotation already public: a correction, shown
        # as one on its page (with the earlier versions), in the API and in the exports.
        instance = self.instance
        if (
            instance.pk
            and not self.stale
            and set(self.changed_data) & PUBLIC_FIELDS
            and Meeting.objects.filter(
                pk=instance.item.meeting_id, published_at__isnull=False
            ).exists()
        ):
            instance.corrected_at = timezone.now()
        return super().save(commit=commit)

    def _save_m2m(self):
        # Parties and signatories are written here, in order; the other relations by Django.
        chosen_by_name = {
            n: self.cleaned_data.pop(n) for n in self.ORDERED if n in self.cleaned_data
        }
        try:
            super()._save_m2m()  # type: ignore[misc]
        finally:
            self.cleaned_data.update(chosen_by_name)
        for name, chosen in chosen_by_name.items():
            by_pk = {str(o.pk): o for o in chosen}
            wanted = self._posted(name)
            ordered = [by_pk[pk] for pk in dict.fromkeys(wanted) if pk in by_pk]
            ordered += [o for pk, o in by_pk.items() if pk not in wanted]
            _set_in_order(self.instance, name, ordered)


def _set_in_order(annotation, name: str, ordered: list) -> None:
    """Make the annotation's links of `name` exactly `ordered`, in that order, with as few
    changes (and history records) as it takes: nothing when they already are; the new ones
    added after the kept ones when those keep their order; else all of them written anew."""
    current = _in_entered_order(annotation, name)
    if [o.pk for o in current] == [o.pk for o in ordered]:
        return
    manager = getattr(annotation, name)
    kept = [o for o in current if o in ordered]
    if [o.pk for o in kept] != [o.pk for o in ordered[: len(kept)]]:
        kept = []  # the order changed: write them all anew
    removed = [o for o in current if o not in kept]
    if removed:
        manager.remove(*removed)
    added = ordered[len(kept) :]
    if not added:
        return
    # One insert in this order (a plain add() inserts in an order of its own), announced as
    # one change, as add() does, so the history records it once.
    through = manager.through
    source, target = ("annotation", "party") if name == "parties" else ("annotation", "person")
    pk_set = {o.pk for o in added}
    model = type(added[0])
    signal_kwargs = {"instance": annotation, "reverse": False, "model": model, "pk_set": pk_set}
    m2m_changed.send(sender=through, action="pre_add", using="default", **signal_kwargs)
    through.objects.bulk_create([through(**{source: annotation, target: o}) for o in added])
    m2m_changed.send(sender=through, action="post_add", using="default", **signal_kwargs)


def _in_entered_order(annotation, name: str) -> list:
    through = getattr(Annotation, name).through
    return [
        link.party if name == "parties" else link.person
        for link in through.objects.filter(annotation=annotation)
        .select_related("party" if name == "parties" else "person")
        .order_by("id")
    ]


def _positions(pks: list[str]):
    """An ORDER BY expression that puts these ids first, in this order."""
    whens = [When(pk=int(pk), then=Value(n)) for n, pk in enumerate(pks) if pk.isdigit()]
    return Case(*whens, default=Value(len(whens))) if whens else Value(0)


class RecordAdmin(SimpleHistoryAdmin):
    """History for clerks; deletion for superusers only (and recorded by the history)."""

    form = OptimisticLockForm

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

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


class AgendaItemInline(admin.TabularInline):
    model = AgendaItem
    form = OptimisticLockForm
    # Django's tabular inline with a label in every cell, so the rows can stack on a phone.
    template = "admin/notes/meeting/items_tabular.html"
    formset = AgendaItemFormSet
    fields = ["number", "paragraph", "title", "case_number", "lock_version"]
    extra = 1
    show_change_link = True

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(Meeting)
class MeetingAdmin(RecordAdmin):
    list_display = ["date", "body", "status", "is_demo"]
    list_select_related = ["body"]
    list_filter = ["body", ("published_at", admin.EmptyFieldListFilter), "is_demo"]
    date_hierarchy = "date"
    search_fields = ["body__name", "items__title", "items__case_number"]
    autocomplete_fields = ["body"]
    fields = [
        "body",
        "date",
        "published_at",
        "withdrawn_at",
        "withdrawal_reason",
        "lock_version",
    ]
    readonly_fields = ["published_at", "withdrawn_at", "withdrawal_reason"]
    inlines = [AgendaItemInline]
    actions = ["publish"]

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
        return meeting_urls(self) + super().get_urls()


class AnnotationInline(admin.StackedInline):
    model = Annotation
    form = AnnotationForm
    fields = ["kind", "parties", "signatories", "text", "source", "lock_version"]
    autocomplete_fields = ["parties", "signatories"]
    extra = 1
    show_change_link = True

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(AgendaItem)
class AgendaItemAdmin(RecordAdmin):
    list_display = ["__str__", "meeting", "case_number"]
    list_select_related = ["meeting__body"]
    list_filter = ["meeting__body"]
    date_hierarchy = "meeting__date"
    search_fields = ["title", "case_number", "=number", "meeting__body__name"]
    autocomplete_fields = ["meeting"]
    fields = ["meeting", "number", "paragraph", "title", "case_number", "lock_version"]
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


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Skäl"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        help_text=gettext_lazy("Visas på anteckningens publika sida."),
    )


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
