"""The patient search page, for every role: a nurse finds a patient who is not in her inbox,
with each patient's episodes to open. Thin: parse, call the one search (patients.selectors'
patient_search, the API's too, with the episodes: pathway.selectors.patients), render. The
pathway's, not the patients app's: it lists episodes, and that app knows none."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from core import roles
from core.web import page_for
from pathway import labels
from pathway.selectors.patients import patient_search_with_episodes
from patients import selectors

PER_PAGE = 25


@page_for(roles.VIEW_PATIENTS, "see patients")
@require_GET
def patient_search(request):
    """`?q=` an MRN or words of a name, accents and case ignored (the contract's address: the
    request log drops query strings, core/logging.py)."""
    text = request.GET.get("q", "").strip()
    context = {"q": text, "page": None, "problem": None}
    status = 200
    if text:
        if problem := selectors.search_problem(text):
            context["problem"], status = problem, 400
        else:
            found = patient_search_with_episodes(actor=request.user, text=text)
            page = Paginator(found, PER_PAGE).get_page(request.GET.get("page"))
            for patient in page.object_list:
                patient.episode_rows = [
                    (episode, labels.state(episode.state)) for episode in patient.episodes.all()
                ]
            context["page"] = page
    response = render(request, "pathway/patient_search.html", context, status=status)
    add_never_cache_headers(response)  # patient data: never kept by a browser or a proxy
    return response
