"""Public pages. Small function views; what they read comes from `notes.queries`."""

from __future__ import annotations

import itertools

from django.conf import settings
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from huddinge_archive.replicas import replica_states
from notes.models import AgendaItem, Annotation, Body, Meeting, Party, Person
from notes.queries import cache, charts, pagination, search
from notes.queries.annotations import (
    annotation_facets,
    case_path,
    filtered_annotations,
    for_rows,
    item_with_annotations,
    meeting_with_items,
    parties_with_counts,
    party_count,
    party_votes,
    public_versions,
    settle_count,
    tally,
)
from notes.queries.cache import cache_state
from notes.queries.filters import AnnotationFilter
from notes.web import citation
from notes.web.chart_html import render_chart
from notes.web.chips import active_filters, redirect_to_canonical
from notes.web.errors import NotFoundWithReason
from notes.web.exports import MAX_ROWS as EXPORT_LIMIT


def page_or_404(request, queryset, per_page=None, count=None, hits=None):
    """The requested page (notes.queries.pagination), or a 404 that says why it is not there."""
    try:
        return pagination.paginate(
            request, queryset, per_page=per_page, known_count=count, hits=hits
        )
    except pagination.PageError as error:
        raise NotFoundWithReason(str(error)) from None


def clerk_preview(request) -> bool:
    """Whether this request may see drafts: a signed-in clerk previewing a meeting's pages.
    (Anonymous requests carry no session, so this reads nothing from the database.)"""
    user = request.user
    return user.is_authenticated and user.is_staff and user.has_perm("notes.view_meeting")


def render_record(request, template: str, context: dict, meeting: Meeting):
    """A meeting's, item's or annotation's page. A draft's page (only a clerk gets this far)
    says it is a draft, and no cache keeps it."""
    draft = meeting.published_at is None
    response = render(request, template, {**context, "draft_preview": draft})
    if draft:
        response["Cache-Control"] = "private, no-store"
    return response


@require_safe
def home(request):
    latest = Annotation.objects.public().for_list()[:10]
    meetings = Meeting.objects.published().for_list()[:8]
    return render(
        request,
        "notes/home.html",
        {
            "latest": latest,
            "meetings": meetings,
            "filter": AnnotationFilter(None, queryset=Annotation.objects.none()),
            "party_chart": chart_html(
                request,
                "party_chart",
                (),
                "chart-parties",
                lambda: charts.per_party_per_year(_("Anteckningar per parti och år")),
            ),
            "body_chart": chart_html(
                request,
                "body_chart",
                (),
                "chart-bodies",
                lambda: charts.per_body_per_year(_("Anteckningar per organ och år")),
            ),
        },
    )


def chart_html(request, name: str, parts, chart_id: str, compute):
    """A chart's figure, rendered once per archive version and language: its SVG and table
    are some hundred template nodes, the same for every reader."""
    return cache.cached(
        request,
        name + "_html",
        (*parts, chart_id),
        lambda: render_chart(compute(), chart_id),
    )


@require_safe
def annotation_list(request):
    # sort=relevance is the default: with words it ranks, without them it lists newest first.
    canonical = redirect_to_canonical(request, {"sort": "relevance"})
    if canonical is not None:
        return canonical
    annotation_filter, result = filtered_annotations(request.GET)
    if result is None:
        return render(
            request,
            "notes/annotation_list.html",
            {"filter": annotation_filter, "errors": annotation_filter.error_list()},
            status=400,
        )
    known = tally(annotation_filter, result, request)
    page = page_or_404(request, for_rows(result), count=known.count, hits=known.hits)
    facet_lists = annotation_facets(request, annotation_filter, result, page, known.facets)
    settle_count(page, facet_lists)
    return render(
        request,
        "notes/annotation_list.html",
        {
            "filter": annotation_filter,
            "page": page,
            "chips": active_filters(request.path, request.GET, annotation_filter.form.cleaned_data),
            "facets": facet_lists if facet_lists != cache.UNAVAILABLE else None,
            "facets_unavailable": facet_lists == cache.UNAVAILABLE,
            "searching": annotation_filter.searching,
            "export_limit": EXPORT_LIMIT,
            "left_out": search.left_out(annotation_filter.form.cleaned_data["q"])
            if annotation_filter.searching
            else [],
        },
    )


@require_safe
def annotation_detail(request, pk):
    drafts = clerk_preview(request)
    annotations = Annotation.objects.all() if drafts else Annotation.objects.visible()
    annotation = get_object_or_404(annotations.for_list(), pk=pk)
    versions = public_versions(annotation) if annotation.corrected_at else []
    context = {
        "annotation": annotation,
        "version_pairs": list(itertools.pairwise(versions)),
        "citation": _citation(request, annotation),
    }
    return render_record(request, "notes/annotation_detail.html", context, annotation.item.meeting)


def _citation(request, annotation):
    permalink = request.build_absolute_uri(annotation.get_absolute_url())
    return citation.cite(annotation, permalink, timezone.localdate())


@require_safe
def annotation_citation(request, pk, style):
    """The citation for reference managers: CSL-JSON (`cite.json`) or BibTeX (`cite.bib`)."""
    annotation = get_object_or_404(Annotation.objects.visible().for_list(), pk=pk)
    cited = _citation(request, annotation)
    response: HttpResponse
    if style == "json":
        response = JsonResponse([cited.csl], safe=False, json_dumps_params={"ensure_ascii": False})
        response["Content-Type"] = "application/vnd.citationstyles.csl+json; charset=utf-8"
    else:
        response = HttpResponse(cited.bibtex, content_type="application/x-bibtex; charset=utf-8")
    name = f"annotation-{annotation.pk}.{'json' if style == 'json' else 'bib'}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_safe
def meeting_list(request):
    canonical = redirect_to_canonical(request)
    if canonical is not None:
        return canonical
    meetings = Meeting.objects.published().for_list()
    bodies = Body.objects.all()
    body_slug = request.GET.get("body", "")
    selected_body = None
    if body_slug:
        selected_body = next((b for b in bodies if b.slug == body_slug), None)
        if selected_body is None:
            return render(
                request,
                "notes/meeting_list.html",
                {
                    "bodies": bodies,
                    "errors": [(_("Organ"), _("Okänt organ: %(slug)s") % {"slug": body_slug})],
                },
                status=400,
            )
        meetings = meetings.filter(body=selected_body)
    page = page_or_404(request, meetings)
    return render(
        request,
        "notes/meeting_list.html",
        {"page": page, "bodies": bodies, "selected_body": selected_body},
    )


@require_safe
def meeting_detail(request, pk):
    meetings = Meeting.objects.all() if clerk_preview(request) else Meeting.objects.published()
    meeting = get_object_or_404(meeting_with_items(meetings), pk=pk)
    return render_record(request, "notes/meeting_detail.html", {"meeting": meeting}, meeting)


@require_safe
def item_detail(request, pk):
    items = item_with_annotations(AgendaItem.objects.all(), drafts=clerk_preview(request))
    item = get_object_or_404(items, pk=pk)
    context = {"item": item, "case_path": case_path(item)}
    return render_record(request, "notes/item_detail.html", context, item.meeting)


@require_safe
def party_list(request):
    return render(request, "notes/party_list.html", {"parties": parties_with_counts(request)})


@require_safe
def party_detail(request, slug):
    party = get_object_or_404(Party, slug=slug)
    annotations = Annotation.objects.public().filter(parties=party).for_list()
    page = page_or_404(request, annotations, count=party_count(party))
    people = party.people.public().order_by("name")
    chart = chart_html(
        request,
        "party_chart",
        (party.pk,),
        "chart-party",
        lambda: charts.per_party_per_year(
            _("Anteckningar från %(party)s per år") % {"party": party.name},
            only_party=party,
        ),
    )
    return render(
        request,
        "notes/party_detail.html",
        {
            "party": party,
            "page": page,
            "people": people,
            "chart": chart,
            "votes": party_votes(party) if page.number == 1 else [],
        },
    )


@require_safe
def person_detail(request, slug):
    person = get_object_or_404(Person.objects.public().select_related("party"), slug=slug)
    page = page_or_404(request, person.annotations.public().for_list())
    return render(request, "notes/person_detail.html", {"person": person, "page": page})


@require_safe
def switch_language(request, code):
    """A link, not a form: public pages then carry no CSRF token and stay cacheable.

    Only the language cookie is set, and only to a language the site has.
    """
    if code not in dict(settings.LANGUAGES):
        raise NotFoundWithReason(_("Språket finns inte på webbplatsen."))
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    response = redirect(target)
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        code,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
    )
    return response


@require_safe
def accessibility(request):
    return render(
        request,
        "notes/accessibility.html",
        {
            "accessibility_contact": settings.ACCESSIBILITY_CONTACT,
            "statement_date": settings.ACCESSIBILITY_STATEMENT_DATE,
        },
    )


@require_safe
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database error means "not healthy", never a 500 page
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    body: dict[str, object] = {"status": "ok", "database": "ok", "cache": cache_state()}
    if settings.DATABASE_REPLICA_URLS:
        body["replicas"] = replica_states()
    return JsonResponse(body)


@require_safe
def robots_txt(request):
    sitemap = request.build_absolute_uri("/sitemap.xml")
    # Exports and the API are for people and programs that ask for them, not for crawlers.
    # The admin is not named: its address is nobody's business (it asks for a login anyway).
    lines = ["User-agent: *", "Disallow: /api/"]
    lines += ["Disallow: /notes/export", "Disallow: /bevaka/"]
    lines += [f"Sitemap: {sitemap}", ""]
    return HttpResponse("\n".join(lines), content_type="text/plain; charset=utf-8")


@require_safe
def party_css(request):
    """Party colours as a stylesheet, so templates need no inline style (strict CSP)."""
    rules = [
        f".party-{slug} {{ --party: {colour}; }}"
        for slug, colour in Party.objects.values_list("slug", "colour")
    ]
    response = HttpResponse("\n".join(rules) + "\n", content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "public, max-age=300"
    return response
