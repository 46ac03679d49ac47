"""The English catalogue is complete and compiles: every interface string has a translation."""

import re
from pathlib import Path

import django
import pytest
from babel.messages.pofile import read_po

CATALOGUE = Path(__file__).resolve().parent.parent / "locale/en/LC_MESSAGES/django.po"


def test_english_catalogue_is_complete():
    with CATALOGUE.open("rb") as f:
        catalog = read_po(f)
    untranslated, fuzzy = [], []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(message.id)
        if message.fuzzy:
            fuzzy.append(message.id)
    assert not untranslated, f"untranslated: {untranslated}"
    assert not fuzzy, f"fuzzy: {fuzzy}"
    assert len(catalog) > 200


def test_placeholders_survive_translation():
    with CATALOGUE.open("rb") as f:
        catalog = read_po(f)
    import re

    placeholder = re.compile(r"%\((\w+)\)s")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(placeholder.findall(ids[-1]))
        for string in strings:
            assert set(placeholder.findall(string)) <= wanted | set(placeholder.findall(ids[0]))


# {% translate "…" %} (with an optional context) and {% blocktranslate %}…{% endblocktranslate %},
# as Django's makemessages reads them from templates.
_TRANSLATE = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(["'])(?P<msg>.*?)\1"""
    r"""(?:\s+context\s+(["'])(?P<ctx>.*?)\3)?[^%]*%\}""",
    re.S,
)
_BLOCK = re.compile(
    r"\{%\s*blocktrans(?:late)?(?P<args>[^%]*)%\}(?P<body>.*?)\{%\s*endblocktrans(?:late)?\s*%\}",
    re.S,
)
_VARIABLE = re.compile(r"\{\{\s*(\w+)\s*\}\}")
TEMPLATES = CATALOGUE.parent.parent.parent.parent / "templates"


def _template_messages():
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        where = path.relative_to(TEMPLATES)
        for match in _TRANSLATE.finditer(text):
            yield where, match.group("msg"), match.group("ctx")
        for match in _BLOCK.finditer(text):
            args = match.group("args")
            singular = re.split(r"\{%\s*plural\s*%\}", match.group("body"))[0]
            singular = _VARIABLE.sub(r"%(\1)s", singular)
            if "trimmed" in args.split():
                singular = " ".join(line.strip() for line in singular.strip().splitlines())
            context = re.search(r"context\s+[\"'](.*?)[\"']", args)
            yield where, singular, context.group(1) if context else None


def test_every_string_in_the_templates_is_in_the_catalogue():
    """As for the code: a template's string missing from the catalogue stays Swedish in English
    mode (the admin's templates included). Django's own admin strings ("Home", "Delete?")
    are translated by Django's catalogue."""
    with CATALOGUE.open("rb") as f:
        catalog = read_po(f)
    found = list(_template_messages())
    assert len(found) > 100  # the extraction works
    # What admin templates copied from Django say in Django's words.
    admin_catalogue = Path(django.__file__).parent / "contrib/admin/locale/sv/LC_MESSAGES"
    with (admin_catalogue / "django.po").open("rb") as f:
        django_own = {m.id for m in read_po(f) if isinstance(m.id, str)}
    # And the libraries' English strings that the Swedish catalogue translates (their
    # templates are copied to change a detail).
    with (CATALOGUE.parent.parent.parent / "sv/LC_MESSAGES/django.po").open("rb") as f:
        django_own |= {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f)}
    missing = [
        f"templates/{where}: {msgid!r}"
        for where, msgid, context in found
        if msgid not in django_own and catalog.get(msgid, context=context) is None
    ]
    assert missing == []


def test_every_string_in_the_code_is_in_the_catalogue():
    """A string wrapped in gettext in Python code but missing from the catalogue would stay
    Swedish in English mode: `manage.py makemessages -l en` and a translation are due."""
    from babel.messages.extract import extract_from_dir

    with CATALOGUE.open("rb") as f:
        catalog = read_po(f)
    keywords = {
        "_": None,
        "gettext": None,
        "gettext_lazy": None,
        "pgettext": ((1, "c"), 2),
        "pgettext_lazy": ((1, "c"), 2),
        "ngettext": (1, 2),
        "ngettext_lazy": (1, 2),
    }
    root = CATALOGUE.parent.parent.parent.parent
    methods = [("**/migrations/**", "ignore"), ("**.py", "python")]
    missing = []
    for package in ("notes", "huddinge_archive"):
        for filename, lineno, message, _comments, context in extract_from_dir(
            str(root / package), method_map=methods, keywords=keywords
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if catalog.get(msgid, context=context) is None:
                missing.append(f"{package}/{filename}:{lineno}: {msgid!r}")
    assert missing == []


@pytest.mark.parametrize(
    ("language", "shown", "more"),
    [
        ("sv", "20\xa0004 anteckningar", "Fler än 1\xa0000 anteckningar"),
        ("en", "20,004 annotations", "More than 1,000 annotations"),
    ],
)
def test_counts_on_pages_are_grouped_as_the_language_groups_digits(language, shown, more):
    from django.template.loader import render_to_string
    from django.utils import translation

    from notes.queries.pagination import Window

    known = Window([], 25, 20004, exact=False, counted=True)
    bound = Window([], 25, 1234567, exact=False)  # an estimate: never shown
    with translation.override(language):
        assert render_to_string("includes/result_count.html", {"page": known}) == shown
        assert render_to_string("includes/result_count.html", {"page": bound}) == more
