from django.urls import include, path

from notes import views

app_name = "notes"

urlpatterns = [
    path("", views.home, name="home"),
    path("notes/", views.annotation_list, name="annotation_list"),
    path("notes/<int:pk>/", views.annotation_detail, name="annotation_detail"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("items/<int:pk>/", views.item_detail, name="item_detail"),
    path("parties/", views.party_list, name="party_list"),
    path("parties/<slug:slug>/", views.party_detail, name="party_detail"),
    path("people/<slug:slug>/", views.person_detail, name="person_detail"),
    # Exports, feeds, calendars and the sitemap; the read-only JSON API.
    path("", include("notes.urls_open_data")),
    path("api/", include("notes.urls_api")),
    path("tillganglighet/", views.accessibility, name="accessibility"),
    path("sprak/<str:code>/", views.switch_language, name="switch_language"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("parties.css", views.party_css, name="party_css"),
]
