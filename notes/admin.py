from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _

from notes.models import AgendaItem, Annotation, Body, Meeting, Party, Person


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
        seen = {"number": set(), "paragraph": set()}
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
    formset = AgendaItemFormSet
    fields = ["number", "paragraph", "title", "case_number"]
    extra = 1
    show_change_link = True


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["date", "body", "is_demo"]
    list_select_related = ["body"]
    list_filter = ["body", "is_demo"]
    date_hierarchy = "date"
    search_fields = ["body__name", "items__title", "items__case_number"]
    autocomplete_fields = ["body"]
    inlines = [AgendaItemInline]


class AnnotationInline(admin.StackedInline):
    model = Annotation
    fields = ["kind", "parties", "signatories", "text", "source"]
    autocomplete_fields = ["parties", "signatories"]
    extra = 1
    show_change_link = True


@admin.register(AgendaItem)
class AgendaItemAdmin(admin.ModelAdmin):
    list_display = ["__str__", "meeting", "case_number"]
    list_select_related = ["meeting__body"]
    list_filter = ["meeting__body"]
    date_hierarchy = "meeting__date"
    search_fields = ["title", "case_number", "=number", "meeting__body__name"]
    autocomplete_fields = ["meeting"]
    inlines = [AnnotationInline]


@admin.register(Party)
class PartyAdmin(admin.ModelAdmin):
    list_display = ["name", "abbreviation", "colour"]
    search_fields = ["name", "abbreviation"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "party", "is_demo"]
    list_select_related = ["party"]
    list_filter = ["party", "is_demo"]
    search_fields = ["name"]
    autocomplete_fields = ["party"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Annotation)
class AnnotationAdmin(admin.ModelAdmin):
    list_display = ["__str__", "kind", "date", "is_demo"]
    list_select_related = ["item__meeting__body"]
    list_filter = ["kind", "item__meeting__body", "parties", "is_demo"]
    date_hierarchy = "date"
    search_fields = ["text", "item__title", "item__case_number", "signatories__name"]
    autocomplete_fields = ["item", "parties", "signatories"]
    readonly_fields = ["date", "created_at", "updated_at"]
    fields = ["item", "kind", "parties", "signatories", "text", "source", "date"]
