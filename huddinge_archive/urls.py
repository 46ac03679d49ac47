from django.conf import settings
from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy
from django.views.generic import RedirectView


def _site_header() -> str:
    return gettext("%(municipality)s – protokollsarkiv") % {
        "municipality": settings.MUNICIPALITY_NAME
    }


admin.site.site_header = lazy(_site_header, str)()
admin.site.site_title = gettext_lazy("Protokollsarkiv")
admin.site.index_title = gettext_lazy("Registrering")

urlpatterns = [
    path(settings.ADMIN_PATH, admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Clients that ask for /favicon.ico without reading the page's icon link (feed readers,
    # bookmarks) get the same icon rather than a rendered 404 page.
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("img/favicon.svg"), permanent=True),
    ),
    path("", include("notes.web.urls")),
]

handler400 = "notes.web.errors.bad_request"
handler404 = "notes.web.errors.page_not_found"
handler500 = "notes.web.errors.server_error"
