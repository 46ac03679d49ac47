"""Login records (IP address, user agent, user name) are deleted after their retention."""

from __future__ import annotations

import datetime

import pytest
from axes.models import AccessAttempt, AccessLog
from django.core.management import CommandError, call_command
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _age(model, days: int, **fields):
    record = model.objects.create(
        user_agent=f"Mozilla ({days} days)", ip_address="203.0.113.9", username="karin", **fields
    )
    model.objects.filter(pk=record.pk).update(
        attempt_time=timezone.now() - datetime.timedelta(days=days)
    )
    return record


def test_records_past_the_retention_are_deleted_and_newer_kept(settings, capsys):
    settings.LOGIN_RECORD_RETENTION_DAYS = 30
    old = _age(AccessAttempt, 31, failures_since_start=3)
    recent = _age(AccessAttempt, 2, failures_since_start=1)
    old_log, new_log = _age(AccessLog, 40), _age(AccessLog, 1)
    call_command("purge_login_records")
    assert not AccessAttempt.objects.filter(pk=old.pk).exists()
    assert AccessAttempt.objects.filter(pk=recent.pk).exists()
    assert not AccessLog.objects.filter(pk=old_log.pk).exists()
    assert AccessLog.objects.filter(pk=new_log.pk).exists()
    assert "1 attempts" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("purge_login_records", "--days", "0")


def test_a_lock_out_in_force_is_kept(settings):
    settings.AXES_COOLOFF_TIME = 24 * 3  # hours
    attempt = _age(AccessAttempt, 2, failures_since_start=5)
    call_command("purge_login_records", "--days", "1")
    assert AccessAttempt.objects.filter(pk=attempt.pk).exists()
