"""The coordinator's worklist: thin, like the API: parse, call a selector, render. The search
is posted and kept in the session, so no MRN or name ever reaches a URL or a server log. A new
search looks in every tab: the tab it was posted from is not kept, the other filters are."""

from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods

from core import roles
from core.errors import Conflict, DomainError
from core.web import page_for
from pathway import services
from pathway.forms.worklist import (
    FilterForm,
    NewEpisodeForm,
    NewPatientForm,
    SearchForm,
    show_domain_error,
    show_validation_error,
)
from pathway.selectors.worklist import patients_without_open_episode
from pathway.selectors.worklist import worklist as worklist_of
from patients.services import patient_create

SEARCH = "worklist_search"


def _filter_query(request, *names) -> str:
    """The filters of the request (they name no patient), as a query string."""
    return urlencode({k: v for k, v in request.GET.items() if k in names and v})


def _back_to_worklist(request, *, keep_tab: bool = True) -> HttpResponseRedirect:
    names = [n for n in FilterForm.base_fields if keep_tab or n != "state"]
    query = _filter_query(request, *names)
    url = reverse("worklist")
    return redirect(f"{url}?{query}" if query else url)


@page_for(roles.RUN_TRANSITIONS, "use the coordinator's worklist")
@require_http_methods(["GET", "POST"])
def worklist(request):
    if request.method == "POST":
        search = SearchForm(request.POST)
        if "clear" in request.POST:
            request.session.pop(SEARCH, None)
            return _back_to_worklist(request)
        if search.is_valid():
            request.session[SEARCH] = search.cleaned_data["q"]
            return _back_to_worklist(request, keep_tab=not search.cleaned_data["q"])
    else:
        search = SearchForm(initial={"q": request.session.get(SEARCH, "")})
    filters_form = FilterForm(request.GET)
    filters = filters_form.filters(request.session.get(SEARCH, ""))
    data = worklist_of(request.user, filters, page=request.GET.get("page", 1))
    kept = _filter_query(request, "mine", "blocked", "min_days")
    return render(
        request,
        "pathway/worklist.html",
        {
            "data": data,
            "search": search,
            "searching": bool(request.session.get(SEARCH)),
            "filters_form": filters_form,
            "kept": kept,
            "page_query": "&".join(q for q in (kept, urlencode({"state": filters.tab})) if q),
            "post_query": _filter_query(request, *FilterForm.base_fields),
        },
        status=400 if search.errors else 200,
    )


@page_for(roles.MANAGE_PATIENTS, "register patients")
@require_http_methods(["GET", "POST"])
def new_patient(request):
    form = NewPatientForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            patient = patient_create(actor=request.user, **form.cleaned_data)
        except DomainError as error:
            show_domain_error(form, error)
        except ValidationError as error:
            show_validation_error(form, error)
        else:
            return redirect(f"{reverse('new-episode')}?patient={patient.id}")
    status = 400 if form.errors else 200
    return render(request, "pathway/new_patient.html", {"form": form.mark_errors()}, status=status)


@page_for(roles.OPEN_EPISODES, "open episodes")
@require_http_methods(["GET", "POST"])
def new_episode(request):
    patients = patients_without_open_episode(request.user)
    if request.method == "POST":
        form = NewEpisodeForm(request.POST, patients=patients)
    else:
        form = NewEpisodeForm(initial={"patient": request.GET.get("patient")}, patients=patients)
    refused = False
    if request.method == "POST" and form.is_valid():
        try:
            episode = services.episode_open(
                actor=request.user,
                patient_id=form.cleaned_data["patient"].id,
                opened_on=form.cleaned_data["opened_on"],
            )
        except DomainError as error:
            show_domain_error(form, error)
            refused = isinstance(error, Conflict)  # e.g. the patient's death is recorded
        else:
            return redirect("episode-page", episode_id=episode.id)
    status = 409 if refused else 400 if form.errors else 200
    return render(request, "pathway/new_episode.html", {"form": form.mark_errors()}, status=status)
