"""The clerks' admin forms: a version and the values the clerk was shown on every row
(no silent overwrite), and an annotation's text and names as entered.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Case, Value, When
from django.db.models.signals import m2m_changed
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _

from notes.models import Annotation, Meeting, normalise_newlines


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
