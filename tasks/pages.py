"""Web pages of follow-ups and alerts: thin, like the API."""

from django.shortcuts import render

from core import roles
from core.web import page_for
from tasks.services import RECORD_RESULTS


@page_for(RECORD_RESULTS, "see an inbox")
def inbox(request):
    return render(request, "tasks/inbox.html", {})


@page_for(roles.VIEW_DASHBOARD, "see the dashboard")
def dashboard(request):
    return render(request, "tasks/dashboard.html", {})
