from django.conf import settings


class SwedishByDefaultMiddleware:
    """Swedish unless the visitor chose another language with the switcher.

    Django would otherwise follow the browser's Accept-Language, and an English-language
    browser would get an interface that is only partly translated. The choice is kept in the
    language cookie that `set_language` writes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.LANGUAGE_COOKIE_NAME not in request.COOKIES:
            request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
