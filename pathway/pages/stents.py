"""The stent recall page: a lot number or UDI in, every patient who carries such a stent out
(coordinators, admins). Thin: parse the query, call the selector, render."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

from core import roles
from core.errors import InvalidInput
from core.web import page_for
from pathway import labels
from pathway.selectors import stent_recall


@require_GET
@page_for(roles.RECORD_PATHWAY_DATA, "search stents for a recall")
def recall(request):
    lot, udi = request.GET.get("lot", "").strip(), request.GET.get("udi", "").strip()
    rows, error, status = None, "", 200
    if lot or udi:
        try:
            rows = stent_recall(actor=request.user, lot=lot, udi=udi)
        except InvalidInput as problem:
            error = " ".join(labels.words(m) for ms in problem.errors.values() for m in ms)
            status = 400
    response = render(
        request,
        "pathway/stent_recall.html",
        {
            "lot": lot,
            "udi": udi,
            "rows": rows,
            "error": error,
            "patients": len({r.patient_id for r in rows or []}),
        },
        status=status,
    )
    add_never_cache_headers(response)  # patient data
    return response
