"""How the archive writes and compares values: case numbers, line ends, slugs, colours.

Defined here, below the models, and re-exported by notes.models.
"""

from __future__ import annotations

from collections.abc import Callable

from django.apps import apps
from django.core.validators import RegexValidator
from django.db import connection
from django.db.models import F, Func, Prefetch, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Upper
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

colour_validator = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("Ange färgen som #rrggbb."))


def case_key(field: str = "case_number") -> Func:
    """A diarienummer as it is compared: upper case, without white space (`ks - 2021 / 12`
    and `KS-2021/12` are the same case). Indexed on AgendaItem for prefix look-ups."""
    return Upper(Func(F(field), Value(r"\s"), Value(""), Value("g"), function="regexp_replace"))


def normalise_newlines(text: str) -> str:
    """CRLF (what a browser sends from a text box) and CR become LF, as in imported texts."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def unique_slug(name: str, is_taken: Callable[[str], bool], fallback: str = "person") -> str:
    """`slugify(name)`, or with -2, -3 … appended until `is_taken` says it is free."""
    base = slugify(name) or fallback
    slug, n = base, 2
    while is_taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


def public_source(source: str) -> str:
    """What the public may see of an annotation's `source`: a web address (the minutes a clerk
    linked to), never an import's file name or a clerk's own note, which stay in the admin."""
    value = (source or "").strip()
    return value if value.lower().startswith(("https://", "http://")) and " " not in value else ""


def entered_order(relation: str, queryset=None) -> Prefetch:
    """An annotation's parties or signatories in the order they were entered or imported
    (their link rows' ids), not alphabetically: "(V), (MP)" stays V, MP."""
    manager = getattr(apps.get_model("notes", "Annotation"), relation)  # the m2m descriptor
    through = connection.ops.quote_name(manager.through._meta.db_table)
    if queryset is None:
        queryset = manager.field.related_model._default_manager.all()
    # The prefetch joins the link table under its own name.
    return Prefetch(relation, queryset=queryset.order_by(RawSQL(f"{through}.id", ())))
