"""The client's address behind proxies: believed only from trusted proxies, read from the
right; used by the rate limits, the admin lock-out and the log (which keeps the network)."""

from __future__ import annotations

import json
import logging

import pytest
from django.core.cache import caches
from django.test import Client, RequestFactory

from notes.web.client import client_address, logged_address
from tests.factories import AnnotationFactory

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.5"


def _address(settings, remote, **headers):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **headers)
    return client_address(request)


@pytest.mark.parametrize(
    ("trusted", "remote", "headers", "expected"),
    [
        # No trusted proxies: the headers are ignored, whoever sends them.
        ([], "198.51.100.7", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "198.51.100.7"),
        # From an untrusted peer: ignored (a forged header).
        (["10.0.0.0/8"], "198.51.100.7", {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "198.51.100.7"),
        # From the proxy: the address it appended.
        (["10.0.0.0/8"], PROXY, {"HTTP_X_FORWARDED_FOR": "203.0.113.9"}, "203.0.113.9"),
        # A client that forges the header itself: the proxy appends the real address, which
        # is read from the right; the forged part is never reached.
        (
            ["10.0.0.0/8"],
            PROXY,
            {"HTTP_X_FORWARDED_FOR": "127.0.0.1, 1.2.3.4, 203.0.113.9"},
            "203.0.113.9",
        ),
        # Two proxies in a row (a load balancer, then nginx): both skipped.
        (
            ["10.0.0.0/8"],
            PROXY,
            {"HTTP_X_FORWARDED_FOR": "1.2.3.4, 203.0.113.9, 10.0.0.7"},
            "203.0.113.9",
        ),
        # A Forwarded header the client sent through a proxy that writes X-Forwarded-For:
        # never read (only the header FORWARDED_HEADER names is).
        (
            ["10.0.0.0/8"],
            PROXY,
            {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "HTTP_FORWARDED": "for=7.7.7.7"},
            "203.0.113.9",
        ),
        (["10.0.0.0/8"], PROXY, {"HTTP_X_FORWARDED_FOR": "203.0.113.9:5123"}, "203.0.113.9"),
        # Nonsense from a trusted proxy: the proxy itself, not the nonsense.
        (["10.0.0.0/8"], PROXY, {"HTTP_X_FORWARDED_FOR": "unknown"}, PROXY),
        (["10.0.0.0/8"], PROXY, {}, PROXY),
    ],
)
def test_the_client_address(settings, trusted, remote, headers, expected):
    settings.TRUSTED_PROXIES = trusted
    assert _address(settings, remote, **headers) == expected


def test_the_standard_header_when_the_proxies_write_it(settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.FORWARDED_HEADER = "Forwarded"
    headers = {
        "HTTP_FORWARDED": 'for=192.0.2.60;proto=https, for="[2001:db8::1]:4711"',
        "HTTP_X_FORWARDED_FOR": "7.7.7.7",  # now the one a client could forge: ignored
    }
    assert _address(settings, PROXY, **headers) == "2001:db8::1"


def test_rate_limits_count_each_client_behind_the_proxy(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.RATE_LIMITS = {"api": (2, 60)}
    caches["ratelimit"].clear()
    AnnotationFactory()

    def get(n, forwarded):
        return client.get(
            f"/api/notes/?page_size={n + 1}", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR=forwarded
        ).status_code

    assert [get(n, "203.0.113.9") for n in range(3)] == [200, 200, 429]
    assert get(3, "203.0.113.10") == 200  # another client behind the same proxy
    # Forging an address in front of the real one does not make a new client.
    assert get(4, "1.2.3.4, 203.0.113.9") == 429


def test_the_admin_lock_out_locks_the_client_not_the_proxy(settings, clerk_user):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    settings.AXES_FAILURE_LIMIT = 3
    attacker, clerk = Client(), Client()
    for _ in range(4):
        attacker.post(
            "/admin/login/",
            {"username": "karin", "password": "fel"},
            REMOTE_ADDR=PROXY,
            HTTP_X_FORWARDED_FOR="198.51.100.66",
        )
    # The clerk, behind the same proxy, signs in.
    response = clerk.post(
        "/admin/login/?next=/admin/",
        {"username": "karin", "password": "x-very-secret-1"},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR="203.0.113.20",
    )
    assert response.status_code == 302


def test_the_log_keeps_the_network_not_the_address(client, settings, caplog):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    with caplog.at_level(logging.INFO, logger="notes.requests"):
        client.get("/healthz", REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.9")
    records = [r for r in caplog.records if getattr(r, "client", None) is not None]
    assert records and records[-1].client == "203.0.113.0/24"
    assert "203.0.113.9" not in json.dumps([r.__dict__.get("client") for r in records])
    request = RequestFactory().get("/", REMOTE_ADDR="2001:db8:abcd:12::1")
    assert logged_address(request) == "2001:db8:abcd::/48"
    settings.LOG_CLIENT_HASH = True
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.9")
    hashed = logged_address(request)
    assert len(hashed) == 16 and "203" not in hashed
    assert hashed == logged_address(RequestFactory().get("/", REMOTE_ADDR="203.0.113.9"))
