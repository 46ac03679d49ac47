from django.conf import settings

from notes.models import Annotation
from notes.queries import cache


def archive(request):
    """Site-wide template values: the municipality's name and whether demo data is present."""
    return {
        "municipality_name": settings.MUNICIPALITY_NAME,
        # Lazy: evaluated only where base.html renders the banner; one indexed EXISTS per
        # archive version.
        "has_demo_data": lambda: cache.cached(
            request,
            "has_demo_data",
            (),
            lambda: Annotation.objects.public().filter(is_demo=True).exists(),
        ),
    }
