"""Web pages of follow-ups and alerts: the nurse's inbox and the admin dashboard."""

from django.urls import path

from tasks import pages

urlpatterns = [
    path("inbox/", pages.inbox, name="inbox"),
    path("dashboard/", pages.dashboard, name="dashboard"),
]
