"""The WSGI application, for gunicorn: `gunicorn huddinge_archive.wsgi`."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huddinge_archive.settings")
# No request may hold a worker for long; commands (migrations, imports) keep no limit.
os.environ.setdefault("DB_STATEMENT_TIMEOUT_MS", "10000")

application = get_wsgi_application()
