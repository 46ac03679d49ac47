"""python manage.py purge_login_records [--days N]: delete the lock-out's records of logins
(address, browser, user name) older than the retention period. Run it daily from cron."""

from __future__ import annotations

import datetime

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = (
        "Delete login records (failed attempts, lock-outs, login log: IP address, user agent "
        "and user name) older than LOGIN_RECORD_RETENTION_DAYS (or --days). A record of a "
        "lock-out still in force is kept until the lock-out ends."
    )

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None)

    def handle(self, *args, days=None, **options):
        days = settings.LOGIN_RECORD_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("--days must be 1 or more.")
        before = timezone.now() - datetime.timedelta(days=days)
        # A lock-out lasts AXES_COOLOFF_TIME (hours): its attempts are kept at least that long.
        cooloff = datetime.timedelta(hours=float(settings.AXES_COOLOFF_TIME))
        attempts_before = min(before, timezone.now() - cooloff)
        counts = {
            "attempts": AccessAttempt.objects.filter(attempt_time__lt=attempts_before).delete()[0],
            "failures": AccessFailureLog.objects.filter(attempt_time__lt=before).delete()[0],
            "logins": AccessLog.objects.filter(attempt_time__lt=before).delete()[0],
        }
        self.stdout.write(
            f"Deleted login records older than {days} days: "
            + ", ".join(f"{n} {what}" for what, n in counts.items())
        )
