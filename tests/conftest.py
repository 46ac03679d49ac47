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
    from notes.importing import import_file
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
