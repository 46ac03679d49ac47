"""Swedish search: web-search syntax, stemming, compound-word parts and reference look-ups.

One entry point, `search(queryset, q)`, used by every output through the FilterSet.

- Words are matched with PostgreSQL's `swedish` configuration against the stored, weighted
  `search_vector` (item title and case number above the text, names below it).
- A word may be part of a compound: `brott` also finds `brottsförebyggande`. The parts are
  looked up in the vocabulary table (`SearchWord`, trigram index) and OR-ed into the query;
  whole-word matches rank above such partial ones.
- References typed into the box — `ärende 22`, `§ 45`, `KS-2021/123`, a party abbreviation
  such as `SD` or a party name — are recognised, and exact matches come first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection, models
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from notes.models import Annotation, AnnotationQuerySet, SearchWord
from notes.parties import find_party

# Highlight markers from Unicode's private-use area: they cannot collide with markup, and the
# snippet is HTML-escaped before they are turned into <mark>.
MARK_START, MARK_STOP = "\ue000", "\ue001"

_ITEM = re.compile(r"\b(?:ärende|arende)(?:nummer|nr)?\.?\s*(?:nr\.?\s*)?(\d{1,6})\b", re.I)
_PARAGRAPH = re.compile(r"§\s*(\d{1,6})\b")
_CASE = re.compile(
    r"(?:\bdnr\.?:?\s*)?\b([A-Za-zÅÄÖåäö]{1,10})\s*-\s*((?:19|20)\d{2})\s*/\s*(\d{1,7})((?:[.:]\d+)*)",
    re.I,
)
_WORD = re.compile(r"[^\s\"()]+")
# Parties by abbreviation are recognised only in capitals ("S", "SD"); by name in any case.
_MIN_PART_LENGTH = 3
_MAX_PARTS_PER_WORD = 30


@dataclass
class ParsedQuery:
    """What the search box held: references, and the words left over for full-text search."""

    text: str = ""
    item_numbers: list[int] = field(default_factory=list)
    paragraphs: list[int] = field(default_factory=list)
    case_numbers: list[str] = field(default_factory=list)
    parties: list[str] = field(default_factory=list)

    @property
    def has_references(self) -> bool:
        return bool(self.item_numbers or self.paragraphs or self.case_numbers or self.parties)


def parse_query(q: str) -> ParsedQuery:
    parsed = ParsedQuery()
    rest = q.replace("\x00", " ")

    def take(pattern, handler):
        nonlocal rest

        def replace(match):
            handler(match)
            return " "

        rest = pattern.sub(replace, rest)

    take(_ITEM, lambda m: parsed.item_numbers.append(int(m.group(1))))
    take(_PARAGRAPH, lambda m: parsed.paragraphs.append(int(m.group(1))))
    take(
        _CASE,
        lambda m: parsed.case_numbers.append(
            f"{m.group(1).upper()}-{m.group(2)}/{m.group(3)}{m.group(4)}"
        ),
    )

    def party(match):
        word = match.group(0)
        bare = word.strip(",.;:")
        info = find_party(bare)
        if info is None:
            return word
        # Abbreviations only in capitals ("S", "SD"): a lowercase "s" is just a letter.
        if (bare.isupper() and len(bare) <= 4) or bare.lower() == info.name.lower():
            if info.abbreviation not in parsed.parties:
                parsed.parties.append(info.abbreviation)
            return " "
        return word

    rest = _WORD.sub(party, rest)
    parsed.text = " ".join(rest.split())
    return parsed


_LEXEME = re.compile(r"'((?:[^']|'')*)'(:[*A-D]+)?")


def expand_compounds(tsquery_text: str) -> tuple[str, list[str]]:
    """OR each lexeme with the vocabulary's words that contain it.

    Negated lexemes are widened too, so that an exclusion removes what the same word would
    have found: `skola -förskola` leaves out förskolan and förskoleplatser, which `skola`
    alone finds. Returns the expanded tsquery text (for `to_tsquery('simple', …)`, since its
    lexemes are already stemmed) and the lexemes that were looked up.
    """
    lexemes = []
    positions = []
    for match in _LEXEME.finditer(tsquery_text):
        lexeme = match.group(1).replace("''", "'")
        if len(lexeme) >= _MIN_PART_LENGTH:
            positions.append((match.start(), match.end(), lexeme))
            lexemes.append(lexeme)
    if not lexemes:
        return tsquery_text, []
    parts = _words_containing(sorted(set(lexemes)))
    pieces, last = [], 0
    for start, end, lexeme in positions:
        alternatives = [w for w in parts.get(lexeme, []) if w != lexeme]
        pieces.append(tsquery_text[last:start])
        if alternatives:
            quoted = " | ".join(_quote(w) for w in [lexeme, *alternatives])
            pieces.append(f"( {quoted} )")
        else:
            pieces.append(tsquery_text[start:end])
        last = end
    pieces.append(tsquery_text[last:])
    return "".join(pieces), lexemes


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("'", "''").replace("\\", "\\\\") + "'"


def _words_containing(lexemes: list[str]) -> dict[str, list[str]]:
    """For each lexeme, up to a few dozen vocabulary words that contain it (trigram index)."""
    if not lexemes:
        return {}
    sql = f"""
        SELECT part, w.word
        FROM unnest(%s::text[]) AS part
        CROSS JOIN LATERAL (
            SELECT word FROM {SearchWord._meta.db_table}
            WHERE word LIKE '%%' || replace(replace(replace(part, '\\', '\\\\'), '%%', '\\%%'),
                                            '_', '\\_') || '%%'
            ORDER BY length(word), word
            LIMIT %s
        ) AS w
    """
    found: dict[str, list[str]] = {}
    with connection.cursor() as cursor:
        cursor.execute(sql, [lexemes, _MAX_PARTS_PER_WORD])
        for part, word in cursor.fetchall():
            found.setdefault(part, []).append(word)
    return found


def websearch_tsquery_text(text: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT websearch_to_tsquery('swedish', %s)::text", [text])
        return cursor.fetchone()[0]


def search(queryset: AnnotationQuerySet, q: str) -> AnnotationQuerySet:
    """`queryset` narrowed by a full-text and reference search; adds `rank` and `snippet`.

    Exact reference matches (`ärende 22`, `§ 45`, `KS-2021/123`, `SD`) come first, then
    by relevance; order_by_relevance() applies that order.
    """
    parsed = parse_query(q)
    references = Q()
    if parsed.item_numbers:
        references |= Q(item__number__in=parsed.item_numbers)
    if parsed.paragraphs:
        references |= Q(item__paragraph__in=parsed.paragraphs)
    for case_number in parsed.case_numbers:
        references |= Q(item__case_number__iexact=case_number)
    if parsed.parties:
        references |= Q(
            models.Exists(
                Annotation.parties.through.objects.filter(
                    annotation_id=models.OuterRef("pk"),
                    party__abbreviation__in=parsed.parties,
                )
            )
        )

    text_match = None
    rank: models.Expression
    snippet: models.Expression
    tsquery = websearch_tsquery_text(parsed.text) if parsed.text else ""
    if tsquery:
        expanded, _parts = expand_compounds(tsquery)
        exact = SearchQuery(parsed.text, search_type="websearch", config="swedish")
        wide = SearchQuery(expanded, search_type="raw", config="simple")
        text_match = Q(search_vector=wide)
        vector = models.F("search_vector")
        # Whole words count twice: they match both queries, compound parts only the wide one.
        rank = SearchRank(vector, exact) + SearchRank(vector, wide)
        snippet = SearchHeadline(
            "text",
            wide,
            config="swedish",
            start_sel=MARK_START,
            stop_sel=MARK_STOP,
            max_words=35,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=" … ",
        )
    else:
        rank = models.Value(0.0, output_field=models.FloatField())
        snippet = models.Value("", output_field=models.TextField())

    if not references and text_match is None:
        # Only stop words, or nothing searchable: no result, but the same columns.
        return queryset.none().annotate(reference_match=models.Value(0), rank=rank, snippet=snippet)
    condition: Q | None
    if references and text_match:
        # An OR across the annotation and its item cannot use either side's index (the
        # planner would scan every annotation); a union of the two index lookups can.
        either = (
            Annotation.objects.filter(references)
            .order_by()
            .values("pk")
            .union(Annotation.objects.filter(text_match).order_by().values("pk"))
        )
        condition = Q(pk__in=either)
    else:
        condition = references or text_match
        assert condition is not None  # one side matches, or the empty result returned above
    reference_match = (
        models.Case(
            models.When(references, then=models.Value(1)),
            default=models.Value(0),
            output_field=models.IntegerField(),
        )
        if references
        else models.Value(0, output_field=models.IntegerField())
    )
    return queryset.filter(condition).annotate(
        reference_match=reference_match, rank=rank, snippet=snippet
    )


def order_by_relevance(queryset: AnnotationQuerySet) -> AnnotationQuerySet:
    """Exact reference matches first, then by relevance, then newest."""
    return queryset.order_by("-reference_match", "-rank", "-date", "-id")


def highlight(snippet: str | None) -> SafeString:
    """The database's snippet with its markers as <mark>, everything else escaped."""
    if not snippet:
        return mark_safe("")
    escaped = escape(snippet)
    # Balance the markers so hostile text containing them cannot leave a <mark> open.
    out, open_ = [], False
    for char in escaped:
        if char == MARK_START and not open_:
            out.append("<mark>")
            open_ = True
        elif char == MARK_STOP and open_:
            out.append("</mark>")
            open_ = False
        elif char not in (MARK_START, MARK_STOP):
            out.append(char)
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))
