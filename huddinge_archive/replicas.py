"""Reads from database replicas (`DATABASE_REPLICA_URLS`): public pages read a streaming
replica; writes, clerks' sessions and the requests right after a write read the primary.

`ReplicaMiddleware` decides per request whether it may read a replica, picks one that
answers and sets `read_from` (a context variable) for `ReplicaRouter`; raw SQL of the
queries reads the same connection (`notes.queries.reading`). Outside a request (commands,
migrations, the test suite) everything reads the primary. A replica that does not answer
is left alone for a while and the next one, or the primary, serves the request.
"""

from __future__ import annotations

import contextvars
import logging
import random
import time

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.db import DatabaseError, connections

log = logging.getLogger(__name__)

# The database this request reads from, chosen once per request by the middleware (so every
# query of a page reads the same one); outside a request: the primary.
read_from: contextvars.ContextVar[str] = contextvars.ContextVar("read_from", default="default")
# A replica that failed to connect is skipped this long.
DOWN_SECONDS = 10.0
_down_until: dict[str, float] = {}


def replica_aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith("replica")]


def usable_replica() -> str | None:
    """A replica that answers, in random order (spreading the reads), or None."""
    aliases = replica_aliases()
    random.shuffle(aliases)
    now = time.monotonic()
    for alias in aliases:
        if _down_until.get(alias, 0.0) > now:
            continue
        try:
            connections[alias].ensure_connection()
            return alias
        except DatabaseError as error:
            _down_until[alias] = now + DOWN_SECONDS
            log.warning("replica %s does not answer, reading elsewhere: %s", alias, error)
    return None


def replica_states() -> list[dict]:
    """For /healthz: each replica, whether it answers and how far its replay lags (seconds
    since the last transaction it replayed; it grows while the primary writes nothing)."""
    states = []
    for alias in replica_aliases():
        try:
            with connections[alias].cursor() as cursor:
                cursor.execute("SELECT extract(epoch FROM now() - pg_last_xact_replay_timestamp())")
                lag = cursor.fetchone()[0]
            states.append({"name": alias, "state": "ok", "lag_seconds": _rounded(lag)})
        except DatabaseError:
            _down_until[alias] = time.monotonic() + DOWN_SECONDS
            states.append({"name": alias, "state": "down", "lag_seconds": None})
    return states


def _rounded(lag) -> float | None:
    return None if lag is None else round(float(lag), 3)


class ReplicaRouter:
    """Reads go to a replica only where the middleware allowed it; writes always go to the
    primary; migrations run on the primary (the replicas copy it)."""

    def db_for_read(self, model, **hints):
        return read_from.get()

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaMiddleware:
    """A GET or HEAD without a session (no clerk) and without a recent write of its own may
    read a replica. Any other request reads the primary, and a request that may have written
    sets a cookie that keeps its client on the primary for PRIMARY_AFTER_WRITE_SECONDS (read
    your own writes while the replicas catch up)."""

    COOKIE = "primary_until"

    def __init__(self, get_response):
        if not settings.DATABASE_REPLICA_URLS:
            raise MiddlewareNotUsed  # one database: nothing to decide, no cookie to set
        self.get_response = get_response

    def __call__(self, request):
        safe = request.method in ("GET", "HEAD")
        pinned = (
            not safe
            or settings.SESSION_COOKIE_NAME in request.COOKIES
            or self.COOKIE in request.COOKIES
            or request.path.startswith("/" + settings.ADMIN_PATH)
        )
        token = read_from.set("default" if pinned else usable_replica() or "default")
        try:
            response = self.get_response(request)
        finally:
            read_from.reset(token)
        if not safe:
            response.set_cookie(
                self.COOKIE,
                "1",
                max_age=settings.PRIMARY_AFTER_WRITE_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=request.is_secure(),
            )
        return response
