"""The coordinator's worklist: thin, like the API: parse, call a selector, render."""

from django.shortcuts import render

from core import roles
from core.web import page_for


@page_for(roles.RUN_TRANSITIONS, "use the coordinator's worklist")
def worklist(request):
    return render(request, "pathway/worklist.html", {})
