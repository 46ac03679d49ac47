"""The sitemap: every public page, for search engines.

/sitemap.xml is an index of one sitemap per section (/sitemap-annotations.xml and so on), so
no file goes past the protocol's 50,000 URLs however large the archive grows: Django splits a
section into ?p=2, ?p=3 … and the index lists every page. Demo data is left out: made-up
annotations have no place in a search engine.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.sitemaps import Sitemap
from django.db.models import Max, QuerySet
from django.urls import reverse

from notes.models import AgendaItem, Annotation, Meeting, Party, Person


class UpdatedAtSitemap(Sitemap):
    """A model sitemap with `lastmod` from updated_at.

    Django's default get_latest_lastmod() would call lastmod() for every row; one MAX() query
    gives the index its date instead.
    """

    def lastmod(self, obj):
        return obj.updated_at

    def get_latest_lastmod(self):
        items = cast("QuerySet[Any]", self.items())  # every subclass's items() is a queryset
        return items.aggregate(latest=Max("updated_at"))["latest"]


class AnnotationSitemap(UpdatedAtSitemap):
    def items(self):
        return (
            Annotation.objects.visible()
            .filter(is_demo=False)
            .only("id", "updated_at")
            .order_by("id")
        )


class MeetingSitemap(UpdatedAtSitemap):
    def items(self):
        return (
            Meeting.objects.published()
            .filter(is_demo=False)
            .only("id", "updated_at")
            .order_by("id")
        )


class ItemSitemap(Sitemap):
    def items(self):
        return (
            AgendaItem.objects.filter(meeting__is_demo=False, meeting__published_at__isnull=False)
            .only("id")
            .order_by("id")
        )


class PartySitemap(Sitemap):
    def items(self):
        return Party.objects.only("slug").order_by("slug")


class PersonSitemap(Sitemap):
    def items(self):
        return Person.objects.public().filter(is_demo=False).only("slug").order_by("slug")


class StaticSitemap(Sitemap):
    """The lists that are not a database row."""

    def items(self):
        return [
            "notes:home",
            "notes:annotation_list",
            "notes:meeting_list",
            "notes:party_list",
        ]

    def location(self, item):
        return reverse(item)


SITEMAPS = {
    "static": StaticSitemap,
    "annotations": AnnotationSitemap,
    "meetings": MeetingSitemap,
    "items": ItemSitemap,
    "parties": PartySitemap,
    "people": PersonSitemap,
}
