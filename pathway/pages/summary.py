"""The summary for the patient and their GP (issue 18), printable on one or two A4 pages
(app.css: @page A4, no navigation): the diagnosis and its extent, the procedure and discharge
dates, the anticoagulant actually taken, the next appointments, whom to call at the unit, and
the guide's advice in plain words."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from core import roles
from core.web import page_for
from pathway.selectors.summary import episode_patient_summary
from patients.services import patient_access_record


@require_GET
@page_for(roles.VIEW_EPISODES, "see episodes")
def print_view(request, episode_id: int):
    summary = episode_patient_summary(actor=request.user, episode_id=episode_id)
    patient_access_record(
        actor=request.user, patient_id=summary.patient.id, episode_id=episode_id, what="page:print"
    )
    response = render(
        request,
        "pathway/print.html",
        {
            "s": summary,
            "episode": summary.episode,
            "patient": summary.patient,
        },
    )
    add_never_cache_headers(response)  # patient data: never kept by a browser or a proxy
    return response
