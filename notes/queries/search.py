"""Swedish search: one query language, compiled term by term into SQL.

One entry point, `search(queryset, q)`, used by every output through the FilterSet. The
language (`notes.queries.query_language`): terms separated by spaces all narrow the result,
`or` widens, `-term` removes, parentheses group. Each term matches on its own, whatever
stands beside it, so the algebra holds: hits(A B) = hits(A) ∩ hits(B),
hits(A or B) = hits(A) ∪ hits(B), hits(A -B) = hits(A) − hits(B).

- Words and phrases are matched with PostgreSQL's `swedish` configuration against the
  stored, weighted `search_vector` (item title and case number above the text, names below).
- A word may be part of a compound: `brott` also finds `brottsförebyggande`. The parts are
  looked up in the vocabulary table (`SearchWord`, trigram index) and OR-ed into the term,
  negated or not; whole-word matches rank above such partial ones.
- Typed without accents, a word also finds the vocabulary's words that differ from it only
  in their accents (`vikmang` finds Vikmång), ranked below the exact spelling.
- A party's name or capital abbreviation finds the party's own annotations (ranked first)
  and the texts and titles that mention it.
- `ärende 22`, `§ 45` and a diarienummer or its prefix are looked up by the item, in the
  same way as the `item` and `case` filters; exact references come first.
- A word that full-text search cannot use (a stop word such as `och`) is left out; a query
  of nothing else finds nothing.
"""

from __future__ import annotations

import re
from typing import Any

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import models
from django.db.models import Exists, F, Lookup, OuterRef, Q, Subquery
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from notes.models import (
    ACCENTED,
    FOLDED,
    AgendaItem,
    Annotation,
    AnnotationQuerySet,
    Party,
    SearchWord,
)
from notes.models import case_key as case_key_expression
from notes.parties import PARTIES
from notes.queries import cache
from notes.queries import query_language as ql
from notes.queries.reading import reading

# Highlight markers from Unicode's private-use area: they cannot collide with markup, and the
# snippet is HTML-escaped before they are turned into <mark>.
MARK_START, MARK_STOP = "\ue000", "\ue001"

_MIN_PART_LENGTH = 3
_MAX_PARTS_PER_WORD = 30
_FOLD = str.maketrans(ACCENTED, FOLDED)
_LEXEME = re.compile(r"'((?:[^']|'')*)'(:[*A-D]+)?")
_PARTY_NAMES = {p.abbreviation: p.name for p in PARTIES}
_MARKERS = re.compile(f"([{MARK_START}{MARK_STOP}])")


class EqualsAny(Lookup):
    """`lhs = ANY(rhs)`, for an ARRAY(subquery) the planner evaluates first, on its own."""

    lookup_name = "equals_any"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", [*lhs_params, *rhs_params]


def case_items(value: str) -> Q | None:
    """The annotations of items with this case number or its first parts: `KS-2021` is every
    KS-2021/…, `KS-2021/12` that case and its sub-numbers (KS-2021/12.3), never KS-2021/123.
    Letter case and white space do not matter. None for an empty value."""
    key = ql.case_key(value)
    if not key:
        return None
    if key[-1] in ql.CASE_SEPARATORS:
        parts = Q(case_key__startswith=key)
    else:
        parts = Q(case_key=key)
        for separator in ql.CASE_SEPARATORS:
            parts |= Q(case_key__startswith=key + separator)
    return _of_items(AgendaItem.objects.alias(case_key=case_key_expression()).filter(parts))


def _of_items(items) -> Q:
    # The items first (their index), then their annotations: as ARRAY(subquery) the item ids
    # are an InitPlan the planner cannot misjudge. Joined, it expected a series such as
    # KS-2021 to be spread over the years and walked the date index through hundreds of
    # thousands of newer rows (7 s at a million annotations).
    return Q(EqualsAny(F("item_id"), ArraySubquery(items.order_by().values("pk"))))


def _own(abbreviation: str) -> Q:
    through = Annotation.parties.through
    party = Party.objects.filter(abbreviation=abbreviation).values("pk")
    return Q(Exists(through.objects.filter(annotation_id=OuterRef("pk"), party_id__in=party)))


def _quote(lexeme: str) -> str:
    return "'" + lexeme.replace("'", "''").replace("\\", "\\\\") + "'"


def _tsquery(text: str) -> Q:
    return Q(search_vector=SearchQuery(text, search_type="raw", config="simple"))


def expand_compounds(tsquery_text: str, parts: dict[str, list[str]] | None = None):
    """OR each lexeme with the vocabulary's words that contain it, or that differ from it
    only in accents.

    Negated lexemes are widened too, so that an exclusion removes what the same word would
    have found: `skola -förskola` leaves out förskolan and förskoleplatser, which `skola`
    alone finds. Returns the expanded tsquery text (for `to_tsquery('simple', …)`, since its
    lexemes are already stemmed) and the lexemes that were looked up. `parts`: the lookup's
    result when the caller has it (one query for a whole search).
    """
    positions = []
    for match in _LEXEME.finditer(tsquery_text):
        lexeme = match.group(1).replace("''", "'")
        if len(lexeme) >= _MIN_PART_LENGTH:
            positions.append((match.start(), match.end(), lexeme))
    lexemes = [lexeme for _start, _end, lexeme in positions]
    if not lexemes:
        return tsquery_text, []
    if parts is None:
        parts = words_containing(sorted(set(lexemes)))
    pieces, last = [], 0
    for start, end, lexeme in positions:
        alternatives = [w for w in parts.get(lexeme, []) if w != lexeme]
        pieces.append(tsquery_text[last:start])
        if alternatives:
            weights = _LEXEME.match(tsquery_text, start).group(2) or ""  # type: ignore[union-attr]
            quoted = " | ".join(_quote(w) + weights for w in [lexeme, *alternatives])
            pieces.append(f"( {quoted} )")
        else:
            pieces.append(tsquery_text[start:end])
        last = end
    pieces.append(tsquery_text[last:])
    return "".join(pieces), lexemes


def words_containing(lexemes: list[str]) -> dict[str, list[str]]:
    """For each lexeme, up to a few dozen vocabulary words that contain it (trigram index),
    and, for a lexeme typed without accents, the words that fold to it (`vikmång`)."""
    if not lexemes:
        return {}
    table = SearchWord._meta.db_table
    folded = [w for w in lexemes if w == w.translate(_FOLD)]
    sql = f"""
        SELECT part, w.word FROM unnest(%s::text[]) AS part
        CROSS JOIN LATERAL (
            SELECT word FROM {table}
            WHERE word LIKE '%%' || replace(replace(replace(part, '\\', '\\\\'), '%%', '\\%%'),
                                            '_', '\\_') || '%%'
            ORDER BY length(word), word
            LIMIT %s
        ) AS w
        UNION ALL
        SELECT part, w.word FROM unnest(%s::text[]) AS part
        CROSS JOIN LATERAL (
            SELECT word FROM {table}
            WHERE translate(word, '{ACCENTED}', '{FOLDED}') LIKE
                '%%' || replace(replace(replace(part, '\\', '\\\\'), '%%', '\\%%'),
                                '_', '\\_') || '%%'
              AND word <> translate(word, '{ACCENTED}', '{FOLDED}')
            ORDER BY length(word), word
            LIMIT %s
        ) AS w
    """
    found: dict[str, list[str]] = {}
    params: list[Any] = [lexemes, _MAX_PARTS_PER_WORD, folded, _MAX_PARTS_PER_WORD]
    with reading().cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    for part, word in rows:
        words = found.setdefault(part, [])
        if word not in words:
            words.append(word)
    return found


def _to_tsqueries(texts: list[str]) -> list[str]:
    """websearch_to_tsquery('swedish', …) of each text, in one query, once per request (the
    search and the page's note on left-out words ask it of the same words)."""
    if not texts:
        return []
    return cache.for_this_request(("tsquery", tuple(texts)), lambda: _read_tsqueries(texts))


def _read_tsqueries(texts: list[str]) -> list[str]:
    with reading().cursor() as cursor:
        cursor.execute(
            "SELECT websearch_to_tsquery('swedish', t)::text "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n",
            [texts],
        )
        return [row[0] for row in cursor.fetchall()]


class _Compiler:
    """Turns the tree into one Q, term by term, with what ranking and snippets need."""

    def __init__(self, tree: ql.Node):
        self.tree = tree
        found = list(ql.terms(tree))
        texts: list[str] = []
        for term, _negated in found:
            if term.kind == "text":
                texts.append(term.value)
            elif term.kind == "phrase":
                texts.append(f'"{term.value}"')
            elif term.kind == "party":
                texts.extend([_PARTY_NAMES[term.value], term.value])
        exact = iter(_to_tsqueries(texts))
        self.exact: dict[ql.Term, str] = {}
        self.abbreviation: dict[str, str] = {}
        for term, _negated in found:
            if term.kind in ("text", "phrase"):
                self.exact[term] = next(exact)
            elif term.kind == "party":
                self.exact[term], self.abbreviation[term.value] = next(exact), next(exact)
        lexemes = sorted(
            {
                m.group(1).replace("''", "'")
                for text in self.exact.values()
                for m in _LEXEME.finditer(text)
            }
            - {""}
        )
        parts = words_containing([w for w in lexemes if len(w) >= _MIN_PART_LENGTH])
        self.wide = {
            term: expand_compounds(text, parts)[0] if text else ""
            for term, text in self.exact.items()
        }
        self.positive = [term for term, negated in found if not negated]

    def condition(self, node: ql.Node) -> Q | None:
        """The node's condition; None for a node with nothing searchable (left out)."""
        if isinstance(node, ql.Term):
            return self.term(node)
        if isinstance(node, ql.Not):
            inner = self.condition(node.child)
            return ~inner if inner is not None else None
        conditions = [c for c in map(self.condition, node.children) if c is not None]
        if not conditions:
            return None
        combined = conditions[0]
        for condition in conditions[1:]:
            combined = combined & condition if isinstance(node, ql.All) else combined | condition
        return combined

    def term(self, term: ql.Term) -> Q | None:
        if term.kind == "item":
            return _of_items(AgendaItem.objects.filter(number=int(term.value)))
        if term.kind == "paragraph":
            return _of_items(AgendaItem.objects.filter(paragraph=int(term.value)))
        if term.kind == "case":
            return case_items(term.value)
        wide = self.wide[term]
        if term.kind == "party":
            # Its own annotations hold its name and abbreviation among their names (weight
            # C); a text mentions it by name, or by its abbreviation in capitals, which the
            # vector (lower case) cannot tell: the text itself is checked for those.
            abbreviation = self.abbreviation[term.value]
            own = f"{abbreviation}:C" if abbreviation else ""
            named = " | ".join(f"( {t} )" for t in (wide, own) if t)
            if not abbreviation:
                return _tsquery(named) if named else None
            # Only the text's own words (weight B) are read again for the capitals.
            mentioned = _tsquery(f"{abbreviation}:B") & Q(text__regex=rf"\m{term.value}\M")
            return (_tsquery(named) | mentioned) if named else mentioned
        return _tsquery(wide) if wide else None

    def references(self) -> Q | None:
        """Annotations an exact reference of the query points at: these rank first."""
        refs: list[Q | None] = []
        for term in self.positive:
            if term.kind == "party":
                refs.append(_own(term.value))
            elif term.kind in ("item", "paragraph", "case"):
                refs.append(self.term(term))
        combined = None
        for ref in refs:
            if ref is not None:
                combined = ref if combined is None else combined | ref
        return combined

    def ranking_query(self, table: dict) -> str:
        return " | ".join(f"( {table[t]} )" for t in self.positive if table.get(t))


def left_out(q: str) -> list[str]:
    """The query's words that full-text search cannot use (stop words such as `och`), which
    the search leaves out: the page names them. One query, no table read."""
    tree = ql.parse(q)
    words = [t.value for t, _ in ql.terms(tree) if t.kind == "text"] if tree is not None else []
    return [w for w, query in zip(words, _to_tsqueries(words), strict=True) if not query]


def search(queryset: AnnotationQuerySet, q: str) -> AnnotationQuerySet:
    """`queryset` narrowed by the query `q`; adds `reference_match`, `rank` and `snippet`.

    Exact reference matches (`ärende 22`, `§ 45`, `KS-2021/123`, a party's own annotations)
    come first, then by relevance; order_by_relevance() applies that order.
    """
    tree = ql.parse(q)
    compiler = _Compiler(tree) if tree is not None else None
    condition = compiler.condition(tree) if compiler is not None and tree is not None else None
    rank: models.Expression = models.Value(0.0, output_field=models.FloatField())
    snippet: models.Expression = models.Value("", output_field=models.TextField())
    reference_match: models.Expression = models.Value(0, output_field=models.IntegerField())
    if compiler is None or condition is None:
        # Only stop words, or nothing searchable: no result, but the same columns.
        return queryset.none().annotate(
            reference_match=reference_match, rank=rank, snippet=snippet, title_snippet=snippet
        )
    exact, wide = compiler.ranking_query(compiler.exact), compiler.ranking_query(compiler.wide)
    if wide:
        vector = F("search_vector")
        exact_query = SearchQuery(exact, search_type="raw", config="simple")
        wide_query = SearchQuery(wide, search_type="raw", config="simple")
        # Whole words count twice: they match both queries, compound parts only the wide one.
        if exact == wide:  # no compound parts or accent variants: the same rank, read once
            rank = SearchRank(vector, wide_query) * models.Value(2.0)
        else:
            rank = SearchRank(vector, exact_query) + SearchRank(vector, wide_query)
        snippet = SearchHeadline(
            "text",
            wide_query,
            config="swedish",
            start_sel=MARK_START,
            stop_sel=MARK_STOP,
            max_words=35,
            min_words=15,
            max_fragments=2,
            fragment_delimiter=" … ",
        )
    title_snippet: models.Expression | Subquery = models.Value("", output_field=models.TextField())
    if wide:
        # The item's title with its matches marked: a hit found only in the title shows why.
        # A subquery, not a join: reading the result's ids or counting its hits (which
        # leave this column out) then joins no item per hit.
        headline = SearchHeadline(
            "title",
            SearchQuery(wide, search_type="raw", config="simple"),
            config="swedish",
            start_sel=MARK_START,
            stop_sel=MARK_STOP,
            highlight_all=True,
        )
        title_snippet = Subquery(
            AgendaItem.objects.filter(pk=OuterRef("item_id")).values(headline=headline)[:1],
            output_field=models.TextField(),
        )
    references = compiler.references()
    if references is not None:
        reference_match = models.Case(
            models.When(references, then=models.Value(1)),
            default=models.Value(0),
            output_field=models.IntegerField(),
        )
    return queryset.filter(condition).annotate(
        reference_match=reference_match, rank=rank, snippet=snippet, title_snippet=title_snippet
    )


def order_by_relevance(queryset: AnnotationQuerySet) -> AnnotationQuerySet:
    """Exact reference matches first, then by relevance, then newest."""
    return queryset.order_by("-reference_match", "-rank", "-date", "-id")


def highlight(snippet: str | None) -> SafeString:
    """The database's snippet with its markers as <mark>, everything else escaped."""
    if not snippet:
        return mark_safe("")
    # Balance the markers so hostile text containing them cannot leave a <mark> open. Split
    # at the markers, not read a character at a time (a tenth of a search page's time).
    out, open_ = [], False
    for part in _MARKERS.split(escape(snippet)):
        if part == MARK_START:
            if not open_:
                out.append("<mark>")
                open_ = True
        elif part == MARK_STOP:
            if open_:
                out.append("</mark>")
                open_ = False
        else:
            out.append(part)
    if open_:
        out.append("</mark>")
    return mark_safe("".join(out))
