"""Open data: exports, feeds, the meeting calendar and the sitemap (included at the site root)."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from notes import exports, feeds
from notes.cache import cached_response
from notes.sitemaps import SITEMAPS

urlpatterns = [
    path("notes/export.csv", exports.export_csv, name="export_csv"),
    path("notes/export.json", exports.export_json, name="export_json"),
    path("notes/feed.atom", feeds.feed_atom, name="feed_atom"),
    path("meetings/calendar.ics", feeds.meetings_ics, name="meetings_ics"),
    path(
        "sitemap.xml",
        cached_response("sitemap")(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "notes:sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cached_response("sitemap")(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
]
