"""The tables database triggers keep: the search vocabulary, the archive's version and the
kept facet counts (see notes/sql/README.md). Clerks and importers never write them.

Defined here and re-exported by notes.models, where Django and the rest of the app find them.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = [
    "ACCENTED", "COPIES", "COPY_INDEXES", "FOLDED", "ArchiveVersion", "FacetCount",
    "PartySetCount", "PartySetMonthCount", "SearchWord", "folded",
]  # fmt: skip

# Annotation's columns that triggers keep (migrations 0024, 0025): is it public (its meeting
# published, itself not withdrawn), its meeting's body, its parties' ids (sorted), its item's
# number. Lists, counts and facets filter on them without joins (#19).
COPIES = ["is_public", "body_key", "party_ids", "item_number"]
COPY_INDEXES = [
    # Public lists newest first, date ranges, and the facets of any result without
    # words, from the index alone; and /notes/?body=… newest first.
    models.Index(
        fields=["-date", "-id"],
        include=["kind", "body_key", "party_ids"],
        condition=Q(is_public=True),
        name="annotation_public_date_idx",
    ),
    models.Index(
        fields=["body_key", "-date", "-id"],
        include=["kind", "party_ids"],
        condition=Q(is_public=True),
        name="annotation_public_body_idx",
    ),
    models.Index(  # /notes/?item=N, rows and facets
        fields=["item_number", "-date", "-id"],
        include=["kind", "body_key", "party_ids"],
        condition=Q(is_public=True),
        name="annotation_public_item_idx",
    ),
    # Full-text search with the filters inside the index (btree_gin), so that a filtered
    # search visits only its own rows (and those of its date range).
    GinIndex(
        # Not the date: a range of dates inside a GIN index is a partial match over every
        # date in it, slower for long ranges than filtering the matched rows (measured).
        fields=["search_vector", "party_ids", "kind", "body_key", "item_number"],
        condition=Q(is_public=True),
        name="annotation_public_search_idx",
    ),
]

ACCENTED, FOLDED = "åäáàâãöóòôøéèêëüúùûíìîïçñ", "aaaaaaoooooeeeeuuuuiiiicn"


def folded(field: str) -> models.Func:
    """`translate(field, ACCENTED, FOLDED)`: each accented letter as typed without its accent."""
    args = (models.F(field), models.Value(ACCENTED), models.Value(FOLDED))
    return models.Func(*args, function="translate", output_field=models.TextField())


class SearchWord(models.Model):
    """The archive's vocabulary: every distinct lexeme of every search vector.

    Swedish glues words together: `brott` must find `brottsförebyggande`. A trigram index
    over the distinct words stays small as the archive grows, where one over whole texts
    would not; the words that contain a searched part are then looked up in the ordinary
    full-text index. Filled by a trigger (migration 0003); words are never removed (a stale
    one costs a lookup that finds nothing).
    """

    word = models.TextField(primary_key=True)

    class Meta:
        verbose_name = _("sökord")
        verbose_name_plural = _("sökord")
        indexes = [
            # word LIKE '%part%' for compound-word parts.
            GinIndex(OpClass("word", name="gin_trgm_ops"), name="searchword_trgm_idx"),
            # The words a query typed without accents means: `vikmang` is vikmång, and
            # `forskol` is part of förskoleplats.
            GinIndex(
                OpClass(folded("word"), name="gin_trgm_ops"), name="searchword_folded_trgm_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.word


class ArchiveVersion(models.Model):
    """One row whose number grows on every write to the archive's tables (database triggers).

    Public pages are a function of the archive's contents, the URL and the language, so this
    number makes a cheap ETag: a repeat request is answered 304 without rendering anything.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    version = models.BigIntegerField(default=1)
    changed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("arkivversion")
        verbose_name_plural = _("arkivversioner")
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="archiveversion_single_row"),
        ]

    def __str__(self) -> str:
        return str(self.version)


class FacetCount(models.Model):
    """Public annotations counted by party, body, kind and year, kept by database triggers.

    A row with party_id 0 counts annotations whatever their parties; a row with a party's id
    and co_party_id 0 counts that party's annotations; one with both ids counts the
    annotations the two parties wrote together (the party facet of a one-party filter).
    Every change to an annotation, its party links, its item's meeting or that meeting's
    publication and body moves the counts (migration 0010). Facets of a large result filtered
    only by one party, body, kind and whole years, the party list's counts and the home and
    party charts are sums over these rows instead of counts over the
    archive. Bulk loaders defer the triggers and rebuild (notes.sql.bulk).
    """

    pk = models.CompositePrimaryKey("party_id", "co_party_id", "body_id", "kind", "year")
    party_id = models.BigIntegerField()
    co_party_id = models.BigIntegerField(default=0)
    body_id = models.BigIntegerField()
    kind = models.CharField(max_length=32)
    year = models.IntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("fasetträkning")
        verbose_name_plural = _("fasetträkningar")

    def __str__(self) -> str:
        return (
            f"{self.party_id}/{self.co_party_id}/{self.body_id}/{self.kind}/{self.year}: {self.n}"
        )


class PartySetCount(models.Model):
    """Public annotations counted by their exact set of parties (Annotation.party_ids, sorted),
    body, kind and year, kept by a trigger on the annotation's own kept copies (migration
    0028, notes/sql/0028_party_set_counts.sql).

    Any union of parties is a sum over the sets that meet it, and each party's share of it a
    sum over the sets that also hold that party: the count and every facet of a filter of
    several parties are exact sums over a few thousand rows (FacetCount's pairs cannot give
    them: an annotation of three parties would be counted twice). Bulk loaders defer the
    trigger and rebuild (notes.sql.bulk).
    """

    party_ids = ArrayField(models.BigIntegerField())
    body_key = models.BigIntegerField()
    kind = models.CharField(max_length=32)
    year = models.IntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("partiuppsättningsräkning")
        verbose_name_plural = _("partiuppsättningsräkningar")
        constraints = [
            models.UniqueConstraint(
                fields=["party_ids", "body_key", "kind", "year"], name="partysetcount_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.party_ids}/{self.body_key}/{self.kind}/{self.year}: {self.n}"


class PartySetMonthCount(models.Model):
    """PartySetCount by month: the same counts, kept by the same trigger (migration 0029).

    A date range that starts or ends inside a year is summed from the whole years kept, the
    whole months of its edges from here, and only what is left of a month at each end is
    counted over the rows (notes.queries.facets.kept_split).
    """

    party_ids = ArrayField(models.BigIntegerField())
    body_key = models.BigIntegerField()
    kind = models.CharField(max_length=32)
    year = models.IntegerField()
    month = models.SmallIntegerField()
    n = models.IntegerField(default=0)

    class Meta:
        verbose_name = _("partiuppsättningsräkning per månad")
        verbose_name_plural = _("partiuppsättningsräkningar per månad")
        constraints = [
            models.UniqueConstraint(
                fields=["party_ids", "body_key", "kind", "year", "month"],
                name="partysetmonthcount_unique",
            )
        ]
        # The months at a date range's edges: a few thousand of the table's rows, not all.
        indexes = [models.Index(fields=["year", "month"], name="partysetmonth_month_idx")]

    def __str__(self) -> str:
        return f"{self.party_ids}/{self.body_key}/{self.kind}/{self.year}-{self.month}: {self.n}"
