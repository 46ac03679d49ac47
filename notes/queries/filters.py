"""One FilterSet for every output that lists annotations: pages now, feeds and exports later.

`/notes/?party=S&item=22` and the same parameters anywhere else select the same annotations.
"""

from __future__ import annotations

import functools

import django_filters
from django import forms
from django.db.models import BigIntegerField, Value
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from notes.models import Annotation, Body, Party, Person
from notes.queries import cache
from notes.queries.search import case_items, order_by_relevance, search


def party_table() -> list[tuple[str, str, int]]:
    """Every party as (abbreviation, name, id), by name; kept until the archive changes (a
    party's write moves its version). The filter's choices, its lookup of the chosen
    parties' ids and the page's chips read it: no query of their own a page."""
    return cache.cached(
        None,
        "party_table",
        (),
        lambda: list(Party.objects.order_by("name").values_list("abbreviation", "name", "pk")),
    )


def body_table() -> list[tuple[str, str, int]]:
    """Every body as (slug, name, id), by name; kept as the parties are."""
    return cache.cached(
        None,
        "body_table",
        (),
        lambda: list(Body.objects.order_by("name").values_list("slug", "name", "pk")),
    )


def _party_choices():
    return [(abbreviation, f"{name} ({abbreviation})") for abbreviation, name, _ in party_table()]


def _body_choices():
    return [(slug, name) for slug, name, _ in body_table()]


def is_search(cleaned: dict) -> bool:
    """Whether a filter's cleaned data holds words to search for."""
    return bool((cleaned.get("q") or "").strip())


class UpperCaseMultipleChoiceField(forms.MultipleChoiceField):
    """Accepts party abbreviations in any letter case (`party=s` means S); ignores `party=`."""

    def to_python(self, value):
        return [str(v).strip().upper() for v in super().to_python(value) if str(v).strip()]


class PartyFilter(django_filters.MultipleChoiceFilter):
    field_class = UpperCaseMultipleChoiceField


class WholeNumberFilter(django_filters.NumberFilter):
    """An item number: a whole number (`item=1.5` is refused, not read as item 1)."""

    field_class = forms.IntegerField


def no_control_characters(value: str) -> None:
    """Search words and case numbers are text: control characters are refused, not stored
    in feed titles or passed on (XML cannot even hold most of them)."""
    # NUL has Django's own validator and message; this catches the other control characters.
    if any((0 < ord(c) < 32 and c not in "\t\n\r") or ord(c) == 127 for c in value):
        raise forms.ValidationError(_("Texten innehåller otillåtna kontrolltecken."))


class AnnotationFilterForm(forms.Form):
    def clean(self):
        cleaned = super().clean()
        assert cleaned is not None  # Form.clean() returns cleaned_data, set by full_clean()
        after, before = cleaned.get("date_after"), cleaned.get("date_before")
        if after and before and after > before:
            self.add_error("date_before", _("Slutdatumet ligger före startdatumet."))
        return cleaned


class AnnotationFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Sök"), method="filter_q", max_length=200)
    party = PartyFilter(
        label=_("Parti"),
        choices=_party_choices,
        method="filter_party",
        widget=forms.CheckboxSelectMultiple,
    )
    body = django_filters.ChoiceFilter(
        label=_("Organ"),
        choices=_body_choices,
        method="filter_body",
        empty_label=_("Alla organ"),
    )
    item = WholeNumberFilter(
        label=_("Ärende nr"),
        field_name="item_number",  # the annotation's copy of its item's number
        min_value=1,
        max_value=100000,
    )
    case = django_filters.CharFilter(label=_("Diarienummer"), method="filter_case", max_length=50)
    person = django_filters.CharFilter(
        label=_("Person"),
        method="filter_person",
        max_length=200,
        help_text=_("Personens namn som i adressen till hens sida, till exempel anna-andersson."),
    )
    kind = django_filters.ChoiceFilter(
        label=_("Typ"), choices=Annotation.Kind.choices, empty_label=_("Alla typer")
    )
    date_after = django_filters.DateFilter(
        label=_("Från datum"),
        field_name="date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_before = django_filters.DateFilter(
        label=_("Till datum"),
        field_name="date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    sort = django_filters.ChoiceFilter(
        label=_("Sortering"),
        choices=[
            ("relevance", _("Relevans (vid sökning)")),
            ("newest", _("Nyast först")),
            ("oldest", _("Äldst först")),
        ],
        empty_label=None,
        method="filter_sort",
    )

    class Meta:
        model = Annotation
        fields: list[str] = []
        form = AnnotationFilterForm

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(data, *args, **kwargs)
        # Parties and bodies read at most once per filter, when first needed: validation
        # and then each widget iterated the choices anew, a query each time.
        self.form.fields["party"].choices = functools.cache(_party_choices)
        self.form.fields["body"].choices = functools.cache(_body_choices)
        for name in ("q", "case", "person"):
            self.form.fields[name].validators.append(no_control_characters)
        for field in self.form.fields.values():
            # Only YYYY-MM-DD: the format the URL promises.
            if isinstance(field, forms.DateField):
                field.input_formats = ["%Y-%m-%d"]
                field.error_messages["invalid"] = _("Ange datumet som ÅÅÅÅ-MM-DD.")

    def filter_q(self, queryset, name, value):
        return search(queryset, value) if value.strip() else queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        sort = self.form.cleaned_data.get("sort") or ""
        if sort == "oldest":
            return queryset.order_by("date", "id")
        if sort == "newest" or not self.searching:
            return queryset.order_by("-date", "-id")
        return order_by_relevance(queryset)

    @property
    def searching(self) -> bool:
        """Whether the (valid) filter holds words to search for: ranks and snippets apply."""
        return is_search(self.form.cleaned_data)

    def filter_sort(self, queryset, name, value):
        return queryset  # applied last, in filter_queryset

    def filter_case(self, queryset, name, value):
        """A case number, or its first parts: `KS-2021` is every KS-2021/…, `KS-2021/12` that
        case and its sub-numbers (KS-2021/12.3), never KS-2021/123; as a diarienummer in q."""
        condition = case_items(value)
        return queryset if condition is None else queryset.filter(condition)

    def filter_person(self, queryset, name, value):
        """The annotations a person signed: the person's id looked up first, then the
        signatory links by that id (their index)."""
        person_id = Person.objects.filter(slug=value.strip().lower()).values_list("pk", flat=True)
        links = Annotation.signatories.through.objects.filter(person_id__in=person_id[:1])
        return queryset.filter(pk__in=links.values("annotation_id"))

    def filter_body(self, queryset, name, value):
        # The body's id looked up first, then the annotation's own copy of it (body_key):
        # no join to the item and meeting for every row.
        if not value:
            return queryset
        body_id = next((pk for slug, _, pk in body_table() if slug == value), None)
        if not body_id:
            return queryset.none()
        # As a bigint, the column's own type: the search index's body column (btree_gin's
        # int8_ops) has no bigint = integer operator, so a plain 2 left the body out of the
        # index and a search's every hit in all bodies was read from the table and thrown
        # away (120 ms rather than 32 for a common word in one body at a million).
        return queryset.filter(body_key=Cast(Value(body_id), BigIntegerField()))

    def filter_party(self, queryset, name, value):
        if not value:
            return queryset
        # Any of the chosen parties: their ids looked up first, then matched against the
        # annotation's own sorted copy of its parties' ids (Annotation.party_ids, kept by
        # triggers). The link table joined or probed per row made the planner walk every
        # link of a large party and fetch each annotation's row (seconds at a million).
        ids = [pk for abbreviation, _, pk in party_table() if abbreviation in value]
        return queryset.filter(party_ids__overlap=ids) if ids else queryset.none()

    def error_list(self):
        """The form's errors as (label, message) pairs for the page."""
        errors: list[tuple] = []  # (label, message), either of them possibly lazy
        for name, messages in self.form.errors.items():
            label = self.form.fields[name].label if name in self.form.fields else name
            errors.extend((label, m) for m in messages)
        return errors
