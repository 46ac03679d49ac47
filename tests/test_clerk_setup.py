"""Clerk accounts that work as the README says: its command, followed word for word, gives an
account that signs in; group membership alone does too; a non-staff login is told why."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, User
from django.core.management import CommandError, call_command
from django.test import Client

pytestmark = pytest.mark.django_db

README = Path(__file__).resolve().parent.parent / "README.md"
PASSWORD = "Kommunarkiv-2026-lösen"


def _readme_command() -> list[str]:
    lines = [line.strip() for line in README.read_text(encoding="utf-8").splitlines()]
    commands = [line for line in lines if re.match(r"^\S*python manage\.py create_clerk ", line)]
    assert len(commands) == 1, commands
    words = shlex.split(commands[0])
    return words[words.index("create_clerk") + 1 :]


def _login(username: str, password: str) -> Client:
    client = Client()
    response = client.post(
        "/admin/login/?next=/admin/", {"username": username, "password": password}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"] == "/admin/"
    return client


def test_the_readme_step_gives_a_clerk_who_signs_in(monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSWORD)
    Group.objects.filter(name="Clerk").delete()  # the command makes it if it is missing
    arguments = _readme_command()
    call_command("create_clerk", *arguments)
    client = _login(arguments[0], PASSWORD)
    page = client.get("/admin/").content.decode()
    assert "Anteckningar" in page
    assert client.get("/admin/notes/annotation/add/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 403  # a clerk, not an administrator


def test_create_clerk_without_input_reads_the_environment(monkeypatch):
    monkeypatch.delenv("DJANGO_CLERK_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="DJANGO_CLERK_PASSWORD"):
        call_command("create_clerk", "olle", "--no-input")
    monkeypatch.setenv("DJANGO_CLERK_PASSWORD", "123")
    with pytest.raises(CommandError):
        call_command("create_clerk", "olle", "--no-input")  # too short, all digits
    assert not User.objects.filter(username="olle").exists()
    monkeypatch.setenv("DJANGO_CLERK_PASSWORD", PASSWORD)
    call_command("create_clerk", "olle", "--no-input")
    _login("olle", PASSWORD)


def test_create_clerk_makes_an_existing_user_a_clerk_and_keeps_the_password():
    User.objects.create_user("eva", password=PASSWORD)
    call_command("create_clerk", "eva", "--no-input")
    eva = User.objects.get(username="eva")
    assert eva.is_staff and eva.groups.filter(name="Clerk").exists()
    _login("eva", PASSWORD)


def test_adding_a_user_to_the_clerk_group_in_the_admin_gives_staff_status():
    root = User.objects.create_superuser("root", password="x-very-secret-2")
    admin = Client()
    admin.force_login(root)
    user = User.objects.create_user("per", password=PASSWORD)
    clerks = Group.objects.get(name="Clerk")
    response = admin.post(
        f"/admin/auth/user/{user.pk}/change/",
        {
            "username": "per",
            "is_active": "on",
            "groups": [clerks.pk],
            "date_joined_0": "2026-12-01",
            "date_joined_1": "10:00:00",
            "initial-date_joined_0": "2026-12-01",
            "initial-date_joined_1": "10:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    user.refresh_from_db()
    assert user.is_staff
    _login("per", PASSWORD)
    # The other way round too: the group's side of the relation.
    lena = User.objects.create_user("lena", password=PASSWORD)
    clerks.user_set.add(lena)
    lena.refresh_from_db()
    assert lena.is_staff


def test_a_right_password_without_staff_status_is_told_why_and_not_counted():
    User.objects.create_user("stina", password=PASSWORD)
    response = Client().post("/admin/login/", {"username": "stina", "password": PASSWORD})
    assert response.status_code == 200
    page = response.content.decode()
    assert "har inte behörighet till administrationen" in page
    assert "create_clerk" in page
    assert not AccessAttempt.objects.filter(username="stina").exists()
    # A wrong password still gets Django's own message, which reveals nothing.
    response = Client().post("/admin/login/", {"username": "stina", "password": "fel"})
    assert "har inte behörighet" not in response.content.decode()
