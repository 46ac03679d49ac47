"""Colours the charts can be told apart by: the CIEDE2000 colour difference, a palette chosen
with it, and an assignment that keeps every pair of series in a chart at least MIN_DELTA_E
apart (a difference most readers see at a glance; 2.3 is the smallest noticeable one).

CIEDE2000 after Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula:
implementation notes, supplementary test data, and mathematical observations"; the test
suite checks this code against their published pairs.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

MIN_DELTA_E = 10.0

# The chart palette, handed out in this order: Okabe and Ito's and Paul Tol's colour-blind-
# safe sets, darkened where needed so that each has 3:1 contrast on the white page (WCAG
# 1.4.11); every pair at least 16 apart. OTHER is the grey of the grouped rest ("Övriga").
PALETTE = (
    "#0072b2",  # blue
    "#c75300",  # vermillion
    "#007a5a",  # bluish green
    "#a8447f",  # reddish purple
    "#8a6d00",  # ochre
    "#332288",  # indigo
    "#cc6677",  # rose
    "#5a5a5a",  # dark grey
)
OTHER = "#949494"

# Parties in the colours voters know them by, where these stay apart from each other.
PARTY_COLOURS = {
    "S": "#d7191c",  # red
    "V": "#7b0d1e",  # dark red
    "M": "#1f6fc5",  # blue
    "KD": "#0b2b5b",  # navy
    "L": "#3d95d0",  # light blue
    "SD": "#a88400",  # yellow, darkened to 3:1
    "C": "#00843d",  # green
    "MP": "#5aa02c",  # light green, darkened to 3:1
}


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def to_lab(colour: str) -> tuple[float, float, float]:
    """#rrggbb (sRGB, D65) in CIE L*a*b*."""
    r, g, b = (_linear(int(colour[i : i + 2], 16) / 255) for i in (1, 3, 5))
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def delta_e_2000(lab1: Iterable[float], lab2: Iterable[float]) -> float:
    """The CIEDE2000 difference of two L*a*b* colours (kL = kC = kH = 1)."""
    l1, a1, b1 = lab1
    l2, a2, b2 = lab2
    c_mean = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_mean**7 / (c_mean**7 + 25**7)))
    a1p, a2p = a1 * (1 + g), a2 * (1 + g)
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dl, dc = l2 - l1, c2p - c1p
    if c1p * c2p == 0:
        dh = 0.0
    elif abs(h2p - h1p) <= 180:
        dh = h2p - h1p
    else:
        dh = h2p - h1p - 360 if h2p > h1p else h2p - h1p + 360
    dh_big = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh / 2))
    l_mean, cp_mean = (l1 + l2) / 2, (c1p + c2p) / 2
    if c1p * c2p == 0:
        h_mean = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_mean = (h1p + h2p) / 2
    else:
        h_mean = (h1p + h2p + 360) / 2 if h1p + h2p < 360 else (h1p + h2p - 360) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_mean - 30))
        + 0.24 * math.cos(math.radians(2 * h_mean))
        + 0.32 * math.cos(math.radians(3 * h_mean + 6))
        - 0.20 * math.cos(math.radians(4 * h_mean - 63))
    )
    s_l = 1 + 0.015 * (l_mean - 50) ** 2 / math.sqrt(20 + (l_mean - 50) ** 2)
    s_c = 1 + 0.045 * cp_mean
    s_h = 1 + 0.015 * cp_mean * t
    r_t = (
        -2
        * math.sqrt(cp_mean**7 / (cp_mean**7 + 25**7))
        * math.sin(math.radians(60 * math.exp(-(((h_mean - 275) / 25) ** 2))))
    )
    return math.sqrt(
        (dl / s_l) ** 2 + (dc / s_c) ** 2 + (dh_big / s_h) ** 2 + r_t * (dc / s_c) * (dh_big / s_h)
    )


def difference(colour1: str, colour2: str) -> float:
    return delta_e_2000(to_lab(colour1), to_lab(colour2))


def assign(preferred: list[str | None]) -> list[str]:
    """A colour per series, in order: its preferred one (a party's) when that stays
    MIN_DELTA_E from every colour already given, else the first palette colour that does."""
    given: list[str] = []
    candidates = [*PALETTE, *PARTY_COLOURS.values()]
    for wish in preferred:
        options = ([wish] if wish else []) + candidates
        choice = next(
            (c for c in options if all(difference(c, g) >= MIN_DELTA_E for g in given)), None
        )
        if choice is None:  # pragma: no cover - more series than MAX_SERIES never reach here
            raise ValueError("no distinct colour left")
        given.append(choice)
    return given
