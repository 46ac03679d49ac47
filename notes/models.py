"""The archive's tables: bodies, their meetings, agenda items, parties, people, annotations.

Rules live in the database (constraints, NOT NULL) as well as in forms, so a clerk's form,
the importer and a raw SQL session all meet the same rules.
"""

from __future__ import annotations

import hashlib

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Upper
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from notes.alerts import Digest, DigestEntry, Follow, Subscriber  # noqa: F401 (re-exported)
from notes.appeals import Announcement
from notes.beside import Erasure, HeldText, StagedProtocol  # noqa: F401 (re-exported)
from notes.kept import (  # noqa: F401 (re-exported)
    ACCENTED,
    COPIES,
    COPY_INDEXES,
    FOLDED,
    ArchiveVersion,
    FacetCount,
    PartySetCount,
    PartySetMonthCount,
    SearchWord,
    folded,
)

# The tables that database triggers keep (vocabulary, version, counts), defined beside these.
# How values are written and compared (case numbers, line ends, slugs), re-exported.
from notes.values import (  # noqa: F401 (re-exported)
    case_key,
    colour_validator,
    entered_order,
    normalise_newlines,
    public_source,
    unique_slug,
)
from notes.votes import Attendance, Ballot, Vote  # noqa: F401 (re-exported)


class Body(models.Model):
    """A political body: kommunfullmäktige, kommunstyrelsen, a nämnd or an utskott."""

    class Kind(models.TextChoices):
        COUNCIL = "fullmaktige", _("Fullmäktige")
        EXECUTIVE = "styrelse", _("Styrelse")
        COMMITTEE = "namnd", _("Nämnd")
        SUBCOMMITTEE = "utskott", _("Utskott")
        OTHER = "ovrigt", _("Övrigt")

    name = models.CharField(_("namn"), max_length=200, unique=True)
    short_name = models.CharField(_("förkortning"), max_length=20, blank=True)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("typ"), max_length=20, choices=Kind, default=Kind.COMMITTEE)

    class Meta:
        verbose_name = _("organ")
        verbose_name_plural = pgettext_lazy("plural", "organ")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("notes:meeting_list") + f"?body={self.slug}"


class MeetingQuerySet(models.QuerySet):
    def published(self):
        """What the public may see: meetings a clerk has published (minutes approved)."""
        return self.filter(published_at__isnull=False)

    def for_list(self):
        # Counted per row shown (a correlated subquery), not by grouping every meeting.
        in_force = (
            Annotation.objects.filter(
                item__meeting=models.OuterRef("pk"), withdrawn_at__isnull=True
            )
            .order_by()
            .values("item__meeting")
            .annotate(count=models.Count("pk"))
            .values("count")
        )
        return (
            self.select_related("body")
            .order_by("-date", "-id")
            .annotate(
                annotation_count=Coalesce(
                    models.Subquery(in_force, output_field=models.IntegerField()), 0
                )
            )
        )


class Meeting(Announcement):
    """One sammanträde of a body (with its justering and notice: notes.appeals)."""

    body = models.ForeignKey(
        Body, on_delete=models.PROTECT, related_name="meetings", verbose_name=_("organ")
    )
    date = models.DateField(_("datum"))
    # Null while the meeting is a draft: nothing of it is public until a clerk publishes it.
    published_at = models.DateTimeField(
        _("publicerad"),
        null=True,
        blank=True,
        help_text=_("Tomt så länge sammanträdet är ett utkast. Sätts när protokollet publiceras."),
    )
    location = models.CharField(
        _("plats"),
        max_length=200,
        blank=True,
        default="",
        db_default="",
        help_text=_("Var sammanträdet hölls, t.ex. Kommunalhuset, Sessionssalen."),
    )
    time = models.CharField(
        _("tid"),
        max_length=50,
        blank=True,
        default="",
        db_default="",
        help_text=_("t.ex. 16.00–18.30"),
    )
    source_url = models.URLField(
        _("länk till protokollet"),
        max_length=500,
        blank=True,
        default="",
        db_default="",
        help_text=_(
            "Adressen till det officiella, publicerade protokollet (kommunens webbplats). "
            "Visas i citat, exporter och API:t."
        ),
    )
    is_demo = models.BooleanField(_("demodata"), default=False, editable=False)
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ändrad"), auto_now=True)
    # A published meeting whose annotations were all withdrawn: its page stays and says why.
    withdrawn_at = models.DateTimeField(_("återkallat"), null=True, blank=True, editable=False)
    withdrawal_reason = models.TextField(
        _("skäl för återkallelse"), blank=True, default="", db_default="", editable=False
    )
    # Optimistic locking: a clerk's save is refused if someone else saved in between.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = MeetingQuerySet.as_manager()
    # Not a field (a bare annotation makes none): set on the rows of for_list() by annotate().
    annotation_count: int
    # Every change, with who and when: public records are corrected, never silently altered.
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("sammanträde")
        verbose_name_plural = _("sammanträden")
        ordering = ["-date", "body__name"]
        constraints = [
            # One sammanträde per body and day; also serves "meetings of a body by date".
            models.UniqueConstraint(fields=["body", "date"], name="meeting_unique_body_date"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawal_reason=""),
                name="meeting_withdrawal_has_reason",
            ),
        ]
        indexes = [
            # /meetings/ newest first, published only; the id breaks ties for keyset pages.
            models.Index(
                fields=["-date", "-id"],
                condition=Q(published_at__isnull=False),
                name="meeting_published_date_id_idx",
            ),
            # The anslagstavla: published meetings whose notice went up in the last weeks.
            models.Index(
                fields=["posted_on"],
                condition=Q(published_at__isnull=False),
                name="meeting_published_posted_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.body} {self.date:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("notes:meeting_detail", args=[self.pk])

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        # Annotations carry a copy of the meeting date for cheap date filters and ordering.
        Annotation.objects.filter(item__meeting=self).exclude(date=self.date).update(date=self.date)


class AgendaItem(models.Model):
    """An ärende on a meeting's agenda, known by its ärende number or, failing that, its §."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="items", verbose_name=_("sammanträde")
    )
    number = models.PositiveIntegerField(_("ärendenummer"), null=True, blank=True)
    paragraph = models.PositiveIntegerField(_("paragraf (§)"), null=True, blank=True)
    title = models.TextField(_("rubrik"), blank=True)
    case_number = models.CharField(
        _("diarienummer"),
        max_length=50,
        blank=True,
        help_text=_("Till exempel KS-2021/123."),
    )
    decision = models.TextField(
        _("beslut"), blank=True, default="", db_default="", help_text=_("Som protokollet anger.")
    )

    class Meta:
        verbose_name = _("ärende")
        verbose_name_plural = _("ärenden")
        ordering = ["meeting", "number", "paragraph"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"],
                condition=Q(number__isnull=False),
                name="agendaitem_unique_meeting_number",
            ),
            models.UniqueConstraint(
                fields=["meeting", "paragraph"],
                condition=Q(paragraph__isnull=False),
                name="agendaitem_unique_meeting_paragraph",
            ),
            models.CheckConstraint(
                condition=Q(number__isnull=False) | Q(paragraph__isnull=False),
                name="agendaitem_number_or_paragraph",
                violation_error_message=_("Ange ärendenummer eller paragraf (§)."),
            ),
        ]
        indexes = [
            # /notes/?item=22 (all items with that ärende number).
            models.Index(fields=["number"], name="agendaitem_number_idx"),
            # `§ 45` in the search box (all items with that paragraph).
            models.Index(fields=["paragraph"], name="agendaitem_paragraph_idx"),
            # The case path of an item: iexact compiles to UPPER(case_number) = UPPER(%s).
            models.Index(Upper("case_number"), name="agendaitem_case_upper_idx"),
            # /notes/?case=KS-2021 (a case number or its prefix): LIKE 'KS-2021/%' on the key.
            models.Index(
                OpClass(case_key(), name="text_pattern_ops"), name="agendaitem_case_key_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.title}".strip()

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    history = HistoricalRecords()

    @property
    def label(self) -> str:
        if self.number is not None:
            return _("Ärende %(number)s") % {"number": self.number}
        return f"§ {self.paragraph}"

    def get_absolute_url(self) -> str:
        return reverse("notes:item_detail", args=[self.pk])


class Party(models.Model):
    name = models.CharField(_("namn"), max_length=100, unique=True)
    abbreviation = models.CharField(_("förkortning"), max_length=10, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    colour = models.CharField(
        _("färg"), max_length=7, default="#444444", validators=[colour_validator]
    )
    # Not a field (a bare annotation makes none): set on the parties of parties_with_counts().
    annotation_count: int
    # Renaming a party changes every page that names it: kept with who and when.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("parti")
        verbose_name_plural = _("partier")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(colour__regex=r"^#[0-9a-fA-F]{6}$"), name="party_colour_hex"
            ),
            models.CheckConstraint(
                condition=~Q(abbreviation=""), name="party_abbreviation_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.abbreviation})"

    def get_absolute_url(self) -> str:
        return reverse("notes:party_detail", args=[self.slug])


class PersonQuerySet(models.QuerySet):
    def public(self):
        """People who signed at least one annotation the public may see."""
        return self.filter(
            models.Exists(
                Annotation.signatories.through.objects.filter(
                    person_id=models.OuterRef("pk"),
                    annotation__item__meeting__published_at__isnull=False,
                )
            )
        )


class Person(models.Model):
    """A signatory of annotations."""

    name = models.CharField(_("namn"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    party = models.ForeignKey(
        Party,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="people",
        verbose_name=_("parti"),
    )
    is_demo = models.BooleanField(_("demodata"), default=False, editable=False)

    objects = PersonQuerySet.as_manager()
    # A signatory renamed or moved to another party: kept with who and when.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("personer")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("notes:person_detail", args=[self.slug])


class AnnotationQuerySet(models.QuerySet):
    def visible(self):
        """Annotations on published meetings, withdrawn ones included (their pages say so)."""
        return self.filter(item__meeting__published_at__isnull=False)

    def public(self):
        """What lists, counts, search, feeds, exports and the API show: published, in force
        (the row's own copy, kept by triggers: no join to the item and meeting)."""
        return self.filter(is_public=True)

    def for_list(self):
        """A list row, in fixed queries whatever the page size; not the vector no page reads."""
        rows = self.defer("search_vector").select_related("item__meeting__body")
        return rows.prefetch_related(entered_order("parties"), entered_order("signatories"))


class AnnotationKind(models.TextChoices):
    # The values are the parser's KIND_* constants.
    PROTOKOLLSANTECKNING = "protokollsanteckning", _("Protokollsanteckning")
    RESERVATION = "reservation", _("Reservation")
    SARSKILT_YTTRANDE = "sarskilt_yttrande", _("Särskilt yttrande")
    ERSATTARYTTRANDE = "ersattaryttrande", _("Ersättaryttrande")


class Annotation(models.Model):
    """A protokollsanteckning, reservation, särskilt yttrande or ersättaryttrande on an item."""

    Kind = AnnotationKind

    item = models.ForeignKey(
        AgendaItem,
        on_delete=models.CASCADE,
        related_name="annotations",
        verbose_name=_("ärende"),
    )
    kind = models.CharField(pgettext_lazy("annotation", "typ"), max_length=30, choices=Kind)
    parties = models.ManyToManyField(Party, related_name="annotations", verbose_name=_("partier"))
    signatories = models.ManyToManyField(
        Person, related_name="annotations", blank=True, verbose_name=_("undertecknare")
    )
    text = models.TextField(_("text"), help_text=_("Ordagrant som i protokollet."))
    source = models.CharField(
        _("källa"),
        max_length=500,
        blank=True,
        help_text=_("Var texten kommer ifrån, till exempel filnamn eller protokollets adress."),
    )
    # A copy of the meeting date (kept in step by Meeting.save and the importer): every list is
    # ordered and filtered by it, and reading it here saves two joins on every request.
    date = models.DateField(_("sammanträdesdatum"), editable=False)
    # Kind and text hashed: importing the same file twice finds the row instead of adding one.
    fingerprint = models.CharField(max_length=64, editable=False)
    is_demo = models.BooleanField(_("demodata"), default=False, editable=False)
    created_at = models.DateTimeField(_("skapad"), auto_now_add=True)
    updated_at = models.DateTimeField(_("ändrad"), auto_now=True)
    # Weighted Swedish search vector: item title and case number (A), text (B), parties and
    # signatories (C). Written only by database triggers (migration 0003), so every write —
    # admin, importer, bulk insert, raw SQL — keeps it current.
    search_vector = SearchVectorField(null=True, editable=False)
    # Public records are never silently removed: a wrong or retracted annotation is withdrawn,
    # and its page says when and why.
    withdrawn_at = models.DateTimeField(_("återkallad"), null=True, blank=True, editable=False)
    withdrawal_reason = models.TextField(_("skäl för återkallelse"), blank=True, editable=False)
    # Set when a clerk changes what the public reads (text, kind, item, parties, signatories)
    # after publication: the page says "Rättad" and shows the earlier public versions.
    corrected_at = models.DateTimeField(_("rättad"), null=True, blank=True, editable=False)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    # Copies kept by triggers (0024, 0025) whatever a write sends, so lists and facets read one
    # table (#19): public (meeting published, not withdrawn), body, party ids, item number.
    is_public = models.BooleanField(default=False, editable=False)
    body_key = models.BigIntegerField(null=True, editable=False)
    party_ids = ArrayField(models.BigIntegerField(), default=list, editable=False)
    item_number = models.IntegerField(null=True, editable=False)

    objects = AnnotationQuerySet.as_manager()
    history = HistoricalRecords(
        m2m_fields=[parties, signatories],
        # Derived columns: the vector and copies are rebuilt by triggers, the fingerprint
        # from the text.
        excluded_fields=["search_vector", "fingerprint", "updated_at", *COPIES],
    )

    class Meta:
        verbose_name = _("anteckning")
        verbose_name_plural = _("anteckningar")
        ordering = ["-date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["item", "fingerprint"], name="annotation_unique_item_fingerprint"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AnnotationKind.values), name="annotation_kind_valid"
            ),
            models.CheckConstraint(condition=~Q(text=""), name="annotation_text_not_empty"),
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | ~Q(withdrawal_reason=""),
                name="annotation_withdrawal_has_reason",
            ),
        ]
        indexes = [
            # Every list: newest first, date_after/date_before ranges.
            models.Index(fields=["-date", "-id"], name="annotation_date_id_idx"),
            # /notes/?kind=reservation newest first.
            models.Index(fields=["kind", "-date"], name="annotation_kind_date_idx"),
            # Full-text search: search_vector @@ query.
            GinIndex(fields=["search_vector"], name="annotation_search_idx"),
            # The "demo data present" banner on every page.
            models.Index(fields=["is_demo"], condition=Q(is_demo=True), name="annotation_demo_idx"),
            *COPY_INDEXES,
            # Facet counts and charts over large results read this index only (about 40 bytes
            # an annotation) instead of the table's rows with their text and search vector.
            models.Index(
                fields=["item"],
                include=["id", "kind", "date"],
                condition=Q(withdrawn_at__isnull=True),
                name="annotation_public_cover_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}, {self.item.label}, {self.item.meeting}"

    @property
    def public_source(self) -> str:
        """The source as the public sees it: a web address, or nothing (notes.values)."""
        return public_source(self.source)

    def get_absolute_url(self) -> str:
        return reverse("notes:annotation_detail", args=[self.pk])

    @staticmethod
    def compute_fingerprint(kind: str, text: str) -> str:
        """The same kind and text on the same item is the same annotation."""
        normalised = "\n".join(line.rstrip() for line in text.strip().splitlines())
        return hashlib.sha256(f"{kind}\x1f{normalised}".encode()).hexdigest()

    def save(self, *args, **kwargs):
        if self.item_id is not None:
            self.date = self.item.meeting.date
        self.text = normalise_newlines(self.text)
        self.withdrawal_reason = normalise_newlines(self.withdrawal_reason)
        self.fingerprint = self.compute_fingerprint(self.kind, self.text)
        super().save(*args, **kwargs)
