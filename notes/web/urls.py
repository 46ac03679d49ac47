"""Every public URL of the archive, in one place: pages, open data and the JSON API.

Each route names its view; each view reads through `notes.queries` (see the README's
*Architecture*). The clerks' admin is mounted by the project URLconf.
"""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path, re_path

from notes.queries.cache import cached_response
from notes.web import api, board, exports, feeds, follow, views, vote_exports
from notes.web.sitemaps import SITEMAPS

app_name = "notes"

pages = [
    path("", views.home, name="home"),
    path("notes/", views.annotation_list, name="annotation_list"),
    path("notes/<int:pk>/", views.annotation_detail, name="annotation_detail"),
    re_path(
        r"^notes/(?P<pk>[0-9]+)/cite\.(?P<style>json|bib)$",
        views.annotation_citation,
        name="annotation_citation",
    ),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("parties/", views.party_list, name="party_list"),
    path("parties/<slug:slug>/", views.party_detail, name="party_detail"),
    path("people/<slug:slug>/", views.person_detail, name="person_detail"),
    path("tillganglighet/", views.accessibility, name="accessibility"),
    path("anslagstavla/", board.notice_board, name="notice_board"),
    path("sprak/<str:code>/", views.switch_language, name="switch_language"),
    # Email alerts (notes/web/follow.py): follow, confirm, manage, stop one, end all.
    path("bevaka/", follow.follow, name="follow"),
    path("bevaka/lank/", follow.send_link, name="follow_link"),
    path("bevaka/bekrafta/<str:token>/", follow.confirm, name="follow_confirm"),
    path("bevaka/hantera/<str:token>/", follow.manage, name="follow_manage"),
    path("bevaka/sluta/<str:token>/", follow.stop, name="follow_stop"),
    path("bevaka/avsluta/<str:token>/", follow.unsubscribe, name="unsubscribe"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("parties.css", views.party_css, name="party_css"),
]

# Exports, feeds, the meeting calendar and the sitemap: the same filters as /notes/.
open_data = [
    path("notes/export.csv", exports.export_csv, name="export_csv"),
    path("notes/export.json", exports.export_json, name="export_json"),
    path("notes/feed.atom", feeds.feed_atom, name="feed_atom"),
    path("meetings/calendar.ics", feeds.meetings_ics, name="meetings_ics"),
    path("votes.csv", vote_exports.votes_csv, name="votes_csv"),
    path("anslagstavla/feed.atom", board.notice_board_feed, name="notice_board_feed"),
    path("anslagstavla/anslagstavla.csv", board.notice_board_csv, name="notice_board_csv"),
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

# The read-only JSON API (django-ninja, notes.web.api; names: notes:api_...). Its routes are
# declared on the operations in notes/web/api/views.py (@operation("/notes/", ...)):
#   api/ (index), api/notes/, api/notes/<id>/, api/meetings/, api/meetings/<id>/,
#   api/parties/, api/bodies/, api/anslagstavla/, api/openapi.json
api_routes = [
    path("api/", include(api.urlpatterns)),
    # Anything else under /api/ ending in a slash: a JSON 404, not the site's HTML page.
    # (Without the slash, APPEND_SLASH first redirects here.)
    re_path(r"^api/[\s\S]+/$", api.not_found, name="api_not_found"),
]

urlpatterns = pages + open_data + api_routes
