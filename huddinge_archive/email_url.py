"""EMAIL_URL: where the archive's email goes, as one URL (as DATABASE_URL and CACHE_URL).

    smtp://user:password@mail.example.org:587?tls=1   STARTTLS (submission)
    smtps://user:password@mail.example.org:465        TLS from the start
    smtp://localhost:25                                a local relay, no login
    console:                                           printed (make run, development)
    locmem:                                            kept in django.core.mail.outbox (tests)
    file:///var/spool/archive-mail                     one file per message

User name and password are percent-encoded as in any URL. Parsed here (a few lines) rather
than by a dependency.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured

BACKENDS = {
    "console": "django.core.mail.backends.console.EmailBackend",
    "locmem": "django.core.mail.backends.locmem.EmailBackend",
    "file": "django.core.mail.backends.filebased.EmailBackend",
    "dummy": "django.core.mail.backends.dummy.EmailBackend",
    "smtp": "django.core.mail.backends.smtp.EmailBackend",
    "smtps": "django.core.mail.backends.smtp.EmailBackend",
}
TRUE = {"1", "true", "yes", "on"}


def email_settings(url: str) -> dict:
    """Django's EMAIL_* settings for `url`."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in BACKENDS:
        raise ImproperlyConfigured(
            f"EMAIL_URL must start with one of {', '.join(sorted(BACKENDS))}:, got {scheme!r}"
        )
    found: dict = {"EMAIL_BACKEND": BACKENDS[scheme]}
    if scheme == "file":
        found["EMAIL_FILE_PATH"] = unquote(parts.path)
    if scheme not in ("smtp", "smtps"):
        return found
    options = {k.lower(): v[-1].lower() for k, v in parse_qs(parts.query).items()}
    try:
        port = parts.port
    except ValueError:
        raise ImproperlyConfigured("EMAIL_URL has a port that is not a number.") from None
    found.update(
        EMAIL_HOST=parts.hostname or "localhost",
        EMAIL_PORT=port or (465 if scheme == "smtps" else 25),
        EMAIL_HOST_USER=unquote(parts.username or ""),
        EMAIL_HOST_PASSWORD=unquote(parts.password or ""),
        EMAIL_USE_SSL=scheme == "smtps" or options.get("ssl") in TRUE,
        EMAIL_USE_TLS=scheme == "smtp" and options.get("tls") in TRUE,
        EMAIL_TIMEOUT=int(options.get("timeout", "20")),
    )
    return found
