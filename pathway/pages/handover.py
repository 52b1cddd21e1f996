"""The handover page (pathway.md section 7): what the anticoagulation clinic or GP who takes over
needs, printable on one A4 page (app.css: @page A4, no navigation, compact tables)."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from core import roles
from core.web import page_for
from pathway import labels
from pathway.pages.journey import agent_words, bridging_ids, class_words
from pathway.selectors.journey import episode_handover
from patients.services import patient_access_record

# The latest readings fit on the page; the receiving clinic is told how many came before.
READINGS_SHOWN = 10


@require_GET
@page_for(roles.VIEW_EPISODES, "see episodes")
def handover(request, episode_id: int):
    h = episode_handover(actor=request.user, episode_id=episode_id)
    patient_access_record(
        actor=request.user, patient_id=h.patient.id, episode_id=episode_id, what="page:handover"
    )
    journey = h.journey
    readings = journey.readings[-READINGS_SHOWN:]
    bridging = bridging_ids(journey)
    response = render(
        request,
        "pathway/handover.html",
        {
            "h": h,
            "episode": h.episode,
            "patient": h.patient,
            "current": [
                {
                    "course": c,
                    "agent": agent_words(c),
                    "class_words": class_words(c),
                    "bridging": c.id in bridging,
                }
                for c in journey.current
            ],
            "stopped": [{"course": c, "agent": agent_words(c)} for c in journey.stopped],
            "readings": readings,
            "earlier_readings": len(journey.readings) - len(readings),
            "warnings": [(labels.rule(w.rule), w.message) for w in h.warnings],
        },
    )
    add_never_cache_headers(response)  # patient data: never kept by a browser or a proxy
    return response
