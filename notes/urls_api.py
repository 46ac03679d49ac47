"""The read-only JSON API under /api/ (names: notes:api_...); see notes.api."""

from django.urls import path, re_path

from notes import api

urlpatterns = [
    path("", api.index, name="api_index"),
    path("notes/", api.note_list, name="api_note_list"),
    path("notes/<int:pk>/", api.note_detail, name="api_note_detail"),
    path("meetings/", api.meeting_list, name="api_meeting_list"),
    path("meetings/<int:pk>/", api.meeting_detail, name="api_meeting_detail"),
    path("parties/", api.party_list, name="api_party_list"),
    path("bodies/", api.body_list, name="api_body_list"),
    path("openapi.json", api.openapi_document, name="api_openapi"),
    # Anything else under /api/ ending in a slash: a JSON 404, not the site's HTML page.
    # (Without the slash, APPEND_SLASH first redirects here.)
    re_path(r"^[\s\S]+/$", api.not_found, name="api_not_found"),
]
