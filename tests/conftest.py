from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLE = FIXTURES / "huddinge-ks-2021-05-05-arende-22.txt"


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture
def sample_annotation(db):
    """The real sample, imported through the importer."""
    from notes.ingest.importing import import_file
    from notes.models import Annotation

    result = import_file(SAMPLE)
    assert result.outcome == "imported", result.message
    return Annotation.objects.get(pk=result.annotation_id)


@pytest.fixture(autouse=True)
def _plain_static_storage(settings):
    """Tests render templates without running collectstatic first."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    """Suites make hundreds of requests a minute from one address; tests of the limiter set
    their own limits."""
    settings.RATE_LIMITS = {}
    settings.ALERT_LIMITS = {"address": (10_000, 3600), "client": (10_000, 3600)}
    # The test client does not close a response nobody reads, as a server does: exports
    # would keep their slots. test_export_slots.py sets its own limit.
    settings.EXPORTS_PER_CLIENT = 0


@pytest.fixture(autouse=True)
def _empty_archive_cache():
    """Each test's database starts at the same archive version, so values cached under it by
    an earlier test must not be found (in production the version only grows). Rate-limit
    counts start from zero too."""
    from django.core.cache import caches

    for alias in ("archive", "pages", "ratelimit"):
        caches[alias].clear()
    yield
    for alias in ("archive", "pages", "ratelimit"):
        caches[alias].clear()


@pytest.fixture
def clerk_user(db):
    """Karin, a member of the Clerk group (created by a migration), signed in by `clerk`."""
    from django.contrib.auth.models import Group, User

    user = User.objects.create_user("karin", password="x-very-secret-1", is_staff=True)
    user.groups.add(Group.objects.get(name="Clerk"))
    return user


@pytest.fixture
def clerk(client, clerk_user):
    client.force_login(clerk_user)
    return client
