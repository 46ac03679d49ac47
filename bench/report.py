"""Turn bench/results.json's figures into bench/results.md: a table and the targets' verdicts.

Targets (each computed from the p95 figures):

- scaling: at the largest size every scenario's p95 is at most 1.2x its p95 at the smallest;
- list and detail pages (and the API list): p95 at most 15x the floor's (/healthz) p95;
- every search: p95 at most 40x the floor's p95;
- repeat (the same /notes/ request again, conditional if the app gives validators):
  p95 at most 2x the floor's p95.

Run on its own (``python bench/report.py``) it rewrites results.md from results.json.
"""

from __future__ import annotations

import json
from pathlib import Path

SCALING_LIMIT = 1.2
LIST_DETAIL_LIMIT = 15
SEARCH_LIMIT = 40
REPEAT_LIMIT = 2


def sizes_of(results: dict) -> list[str]:
    return sorted((k for k in results if k.isdigit()), key=int)


def p95(results: dict, size: str, scenario: str) -> float | None:
    return results.get(size, {}).get(scenario, {}).get("p95_ms")


def fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}".replace(",", " ")
    return f"{value:,}".replace(",", " ")


def verdict(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def scaling_target(results: dict) -> list[str]:
    sizes = sizes_of(results)
    title = f"Scaling (p95 at the largest size ≤ {SCALING_LIMIT}× p95 at the smallest)"
    if len(sizes) < 2:
        return [f"- {title}: not assessed — only one size ({', '.join(sizes)}) measured."]
    small, large = sizes[0], sizes[-1]
    misses, worst = [], None
    for name in results[large]:
        before, after = p95(results, small, name), p95(results, large, name)
        if not before or after is None:
            continue
        ratio = after / before
        if worst is None or ratio > worst[1]:
            worst = (name, ratio, before, after)
        if ratio > SCALING_LIMIT:
            misses.append(f"{name} {fmt(before)} → {fmt(after)} ms ({ratio:.1f}×)")
    head = f"- {title}, {fmt(int(small))} → {fmt(int(large))}: {verdict(not misses)}"
    if misses:
        return [f"{head}; {len(misses)} missed: " + "; ".join(misses) + "."]
    name, ratio, before, after = worst
    return [f"{head}; worst {name} {fmt(before)} → {fmt(after)} ms ({ratio:.2f}×)."]


def relative_target(results: dict, title: str, categories: set[str], limit: float) -> list[str]:
    """One line per size: every scenario in ``categories`` against ``limit`` × floor p95."""
    lines = []
    for size in sizes_of(results):
        floor = p95(results, size, "floor")
        if not floor:
            lines.append(f"- {title} at {fmt(int(size))}: not assessed (no floor figure).")
            continue
        bound = limit * floor
        checked = [
            (name, fig["p95_ms"])
            for name, fig in results[size].items()
            if fig.get("category") in categories and fig.get("p95_ms") is not None
        ]
        misses = [(n, v) for n, v in checked if v > bound]
        head = (
            f"- {title} at {fmt(int(size))} (≤ {limit}× floor p95 {fmt(floor)} ms "
            f"= {fmt(bound)} ms): {verdict(not misses)}"
        )
        if misses:
            listed = "; ".join(f"{n} {fmt(v)} ms ({v / floor:.0f}×)" for n, v in misses)
            lines.append(f"{head}; {len(misses)} of {len(checked)} missed: {listed}.")
        elif checked:
            name, value = max(checked, key=lambda c: c[1])
            lines.append(f"{head}; worst {name} {fmt(value)} ms ({value / floor:.1f}×).")
        else:
            lines.append(f"{head}; nothing to check.")
    return lines


def target_lines(results: dict) -> list[str]:
    return [
        *scaling_target(results),
        *relative_target(results, "List and detail pages", {"list", "detail"}, LIST_DETAIL_LIMIT),
        *relative_target(results, "Searches", {"search"}, SEARCH_LIMIT),
        *relative_target(results, "Repeat", {"repeat"}, REPEAT_LIMIT),
    ]


def scenario_notes(results: dict, size: str) -> list[str]:
    """What each size's data-dependent scenarios actually requested."""
    figures = results[size]
    notes = []
    if "deep_page" in figures:
        notes.append(f"deep_page: {figures['deep_page'].get('which')}")
    if "search_rare_relevance" in figures:
        rare = figures["search_rare_relevance"]
        notes.append(f"rare word {rare.get('word')!r}: {fmt(rare.get('hits'))} hits")
    if "search_common_relevance" in figures:
        notes.append(f"common word: {fmt(figures['search_common_relevance'].get('hits'))} hits")
    if "repeat" in figures:
        rep = figures["repeat"]
        notes.append(
            f"repeat: validators {rep.get('validators')}, statuses {rep.get('status')}"
            + (
                f", {rep['same_etag']} of {rep.get('requests')} answers had the same ETag"
                if "same_etag" in rep
                else ""
            )
        )
    if "export_csv_10k" in figures:
        exp = figures["export_csv_10k"]
        notes.append(
            f"export_csv_10k: {fmt(exp.get('rows'))} rows, {exp.get('mb_per_response')} MB, "
            f"TTFB p50 {fmt(exp.get('ttfb_p50_ms'))} ms, total p50 {fmt(exp.get('p50_ms'))} ms"
        )
    if "meeting" in figures:
        meeting = figures["meeting"]
        notes.append(
            f"meeting: {meeting.get('items')} items, {meeting.get('annotations')} annotations"
        )
    odd = [
        f"{name} {fig['status']}"
        for name, fig in figures.items()
        if any(not code.startswith(("2", "3")) for code in fig.get("status", {})) or "error" in fig
    ]
    if odd:
        notes.append("**unexpected statuses/errors**: " + "; ".join(odd))
    scaled = [
        f"{name} {fig['requests']}"
        for name, fig in figures.items()
        if "scaled_down_from" in fig or "stopped_by_time_after" in fig
    ]
    if scaled:
        notes.append("fewer requests (slow scenarios): " + ", ".join(scaled))
    return notes


def table_lines(results: dict, scenarios: list[str]) -> list[str]:
    sizes = sizes_of(results)
    header = "| scenario | " + " | ".join(
        f"{fmt(int(s))} p50 ms | {fmt(int(s))} p95 ms | {fmt(int(s))} req/s" for s in sizes
    )
    lines = [header + " |", "|---|" + "---:|---:|---:|" * len(sizes)]
    for name in scenarios:
        cells = []
        for size in sizes:
            fig = results[size].get(name, {})
            cells += [fmt(fig.get("p50_ms")), fmt(fig.get("p95_ms")), fmt(fig.get("rps"))]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


COLD_LIST_LIMIT, COLD_SEARCH_LIMIT, COLD_MAX_LIMIT, AFTER_WRITE_LIMIT = 20, 40, 100, 20
UNCACHED_LIST_LIMIT = 10


def cold_targets(cold: dict, uncached: dict) -> list[str]:
    """#19's targets, per size: ratios to the floor measured in the same run."""
    lines = []
    for size in sizes_of(cold):
        figures = cold[size]
        floor = figures.get("floor", {}).get("p95_ms")
        if not floor:
            lines.append(f"- {fmt(int(size))}: not assessed (no floor figure).")
            continue
        checks = []  # (what, ms, limit, the floor it is measured against)
        for name, fig in figures.items():
            category = fig.get("category")
            limit = {"list": COLD_LIST_LIMIT, "search": COLD_SEARCH_LIMIT}.get(category)
            if category == "after_write":
                limit = AFTER_WRITE_LIMIT
            if limit is not None:
                checks.append((f"{name} p95", fig.get("p95_ms"), limit, floor))
                checks.append((f"{name} max", fig.get("max_ms"), COLD_MAX_LIMIT, floor))
        page_off = uncached.get(size, {})
        page_floor = page_off.get("floor", {}).get("p95_ms")
        for name, fig in page_off.items():
            if fig.get("category") == "list" and page_floor:
                what = f"page cache off {name} p95"
                checks.append((what, fig.get("p95_ms"), UNCACHED_LIST_LIMIT, page_floor))
        for what, value, limit, reference in checks:
            if value is None:
                continue
            ratio = value / reference
            lines.append(
                f"- {fmt(int(size))}, {what}: {fmt(value)} ms = {ratio:.0f}× floor "
                f"{fmt(reference)} ms (≤ {limit}×): {verdict(ratio <= limit)}"
            )
    return lines


def cold_lines(output: dict) -> list[str]:
    cold = output.get("cold") or {}
    if not sizes_of(cold):
        return []
    sizes = sizes_of(cold)
    names: list[str] = []
    for size in sizes:
        names += [name for name in cold[size] if name not in names]
    header = "| scenario | " + " | ".join(f"{fmt(int(s))} p50 | p95 | p99 | max" for s in sizes)
    table = [header + " |", "|---|" + "---:|---:|---:|---:|" * len(sizes)]
    for name in names:
        cells = []
        for size in sizes:
            fig = cold[size].get(name, {})
            cells += [fmt(fig.get(k)) for k in ("p50_ms", "p95_ms", "p99_ms", "max_ms")]
        table.append(f"| {name} | " + " | ".join(cells) + " |")
    slowest = []
    for size in sizes:
        for name, fig in cold[size].items():
            for path, ms in fig.get("slowest", [])[:3]:
                slowest.append(f"- {fmt(int(size))} {name}: `{path}` {fmt(ms)} ms")
    return [
        "",
        "## Cold: distinct URLs, nothing cached for them (`cold`)",
        "",
        "A seeded stream of distinct URLs (bench/cold.py): party subsets, date ranges, item "
        "numbers, kinds, bodies and one or two words of the archive's own texts, combined, on "
        "the list, as searches and through the API; each URL asked once by one client, so no "
        "cache keyed on the URL or the filter answers. `after_write`: a clerk's publish, then "
        "the first request to the home page, `/notes/` and a facet-heavy page (per round).",
        "",
        *table,
        "",
        "### Targets, cold (#19)",
        "",
        *cold_targets(cold, output.get("uncached") or {}),
        "",
        "### Slowest cold requests",
        "",
        *slowest,
    ]


def write_reports(output: dict, path: Path) -> None:
    """Write the markdown report for ``output`` (the content of results.json)."""
    sizes = sizes_of(output)
    scenarios: list[str] = []
    for size in sizes:
        scenarios += [name for name in output[size] if name not in scenarios]

    lines = [
        "# Benchmark results",
        "",
        f"Generated {output.get('generated_at')} by `make bench` (bench/run.py). "
        "Latency in milliseconds over whole responses; "
        f"{output.get('machine', {}).get('client_concurrency')} client connections against "
        "gunicorn with 2 sync workers, production settings.",
        "",
        "As deployed: a repeated URL is answered from the page cache until the archive changes.",
        "",
        *table_lines(output, scenarios),
        "",
        "## Targets",
        "",
        *target_lines(output),
    ]
    uncached = output.get("uncached") or {}
    if sizes_of(uncached):
        lines += [
            "",
            "## Every request rendered (page cache off)",
            "",
            "The same scenarios against a second server started with `PAGE_CACHE_SECONDS=0`: "
            "what a request costs when its page is not in the cache (a URL nobody asked for "
            "since the last write). The smaller caches (facets, charts, counts) stay on.",
            "",
            *table_lines(uncached, scenarios),
            "",
            "### Targets, page cache off",
            "",
            *target_lines(uncached),
        ]
    lines += cold_lines(output)
    lines += ["", "## Data and notes", ""]
    for size in sizes:
        setup = output.get("setup", {}).get(size, {})
        generated = setup.get("generate_demo_s")
        how = setup.get("generate_demo", "?")
        gen = f"generate_demo {fmt(generated)} s" if generated is not None else "generate_demo –"
        gen += f" ({how})"
        if "prewarm_mb" in setup:
            gen += f"; buffers prewarmed, {fmt(setup['prewarm_mb'])} MB in {setup['prewarm_s']} s"
        elif "prewarm" in setup:
            gen += f"; buffers not prewarmed ({setup['prewarm']})"
        lines.append(
            f"- **{fmt(int(size))}**: {fmt(setup.get('annotations'))} annotations, "
            f"{fmt(setup.get('meetings'))} meetings, {fmt(setup.get('search_words'))} "
            f"vocabulary words, {fmt(setup.get('database_mb'))} MB; {gen}; "
            f"load average {setup.get('load_average_before')} → "
            f"{setup.get('load_average_after')}; measured {setup.get('measured_at')}."
        )
        for note in scenario_notes(output, size):
            lines.append(f"  - {note}")
    machine = output.get("machine", {})
    lines += ["", "## Machine", ""]
    lines += [f"- {key}: {value}" for key, value in machine.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    here = Path(__file__).resolve().parent
    write_reports(
        json.loads((here / "results.json").read_text(encoding="utf-8")), here / "results.md"
    )
    print((here / "results.md").read_text(encoding="utf-8"))
