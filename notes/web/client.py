"""The client's address, worked out once, the same way for rate limits, the admin's lock-out
and the request log.

Behind a reverse proxy every request comes from the proxy. The proxy says who its client was
in `X-Forwarded-For` (or, with FORWARDED_HEADER=Forwarded, the standard `Forwarded: for=…`;
only the one named is read), but anyone can send those headers:
they are read only when the request comes from an address in TRUSTED_PROXIES (networks, from
the environment variable of that name), and then from the right, the end each proxy appends
to, skipping the trusted proxies, so the first address that is not one of them is the
client. What a client wrote further left is never believed. With TRUSTED_PROXIES empty (the
default) the headers are ignored and the peer's address is the client's.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re

from django.conf import settings

_FORWARDED_FOR = re.compile(r'for\s*=\s*"?\[?([^\]";,]+)\]?"?', re.IGNORECASE)
_Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _networks():
    return [ipaddress.ip_network(n, strict=False) for n in getattr(settings, "TRUSTED_PROXIES", [])]


def _address(text: str) -> _Address | None:
    text = text.strip().strip('"')
    if text.count(":") == 1 and "." in text:  # 192.0.2.1:4711 (a port)
        text = text.split(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _hops(meta) -> list[str]:
    """The addresses the proxies reported, first (the original client) to last, from the one
    header FORWARDED_HEADER names: a client can send the other through a proxy that does not
    touch it, so it is never read."""
    if getattr(settings, "FORWARDED_HEADER", "X-Forwarded-For").lower() == "forwarded":
        return _FORWARDED_FOR.findall(meta.get("HTTP_FORWARDED", ""))
    return [h for h in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]


def client_address(request) -> str:
    """The client's address (see the module docstring); cached on the request."""
    cached = getattr(request, "_client_address", None)
    if cached is not None:
        return cached
    peer = request.META.get("REMOTE_ADDR", "") or "unknown"
    address = peer
    networks = _networks()
    current = _address(peer)
    if networks and current is not None and any(current in n for n in networks):
        for hop in reversed(_hops(request.META)):
            parsed = _address(hop)
            if parsed is None:
                break  # a proxy that writes nonsense: keep the last address we trust
            address = str(parsed)
            if not any(parsed in n for n in networks):
                break
    request._client_address = address
    return address


def axes_client_address(request) -> str | None:
    """For django-axes (AXES_CLIENT_IP_CALLABLE): the lock-out counts per real client
    (None, as axes' own lookup gives, for a request without an address)."""
    address = client_address(request)
    return address if _address(address) is not None else None


def logged_address(request) -> str:
    """The client's address as the request log keeps it: the network, not the person — an
    IPv4 address to its /24, IPv6 to its /48 — or a short keyed hash when LOG_CLIENT_HASH is
    set (the same client gives the same hash within a deployment, which cannot be reversed
    to the address without the SECRET_KEY)."""
    address = _address(client_address(request))
    if address is None:
        return ""
    if getattr(settings, "LOG_CLIENT_HASH", False):
        keyed = f"{settings.SECRET_KEY}:{address}".encode()
        return hashlib.sha256(keyed).hexdigest()[:16]
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
