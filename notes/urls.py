from django.urls import path

from notes import views

app_name = "notes"

urlpatterns = [
    path("", views.home, name="home"),
    path("notes/", views.annotation_list, name="annotation_list"),
    path("notes/<int:pk>/", views.annotation_detail, name="annotation_detail"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("parties/", views.party_list, name="party_list"),
    path("parties/<slug:slug>/", views.party_detail, name="party_detail"),
    path("people/<slug:slug>/", views.person_detail, name="person_detail"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("parties.css", views.party_css, name="party_css"),
]
