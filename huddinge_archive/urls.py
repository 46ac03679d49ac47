from django.conf import settings
from django.contrib import admin
from django.urls import include, path

admin.site.site_header = f"{settings.MUNICIPALITY_NAME} – protokollsarkiv"
admin.site.site_title = "Protokollsarkiv"
admin.site.index_title = "Registrering"

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("notes.web.urls")),
]

handler400 = "notes.web.errors.bad_request"
handler404 = "notes.web.errors.page_not_found"
handler500 = "notes.web.errors.server_error"
