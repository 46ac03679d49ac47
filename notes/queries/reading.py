"""The connection a request's reads go to: a replica for a public read where replicas are
configured (huddinge_archive.replicas, through Django's router), else the primary. Raw SQL of
the queries (kept counts, facets, the search's vocabulary, statement timeouts) uses it too,
so one page never mixes a replica's rows with the primary's counts."""

from __future__ import annotations

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper

from notes.models import Annotation


def reading_alias() -> str:
    return router.db_for_read(Annotation)


def reading() -> BaseDatabaseWrapper:
    return connections[reading_alias()]
