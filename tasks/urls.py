"""Web pages of follow-ups and alerts: the nurse's inbox and the admin dashboard."""

from django.urls import path

from tasks import pages

urlpatterns = [
    path("inbox/", pages.inbox, name="inbox"),
    path("inbox/alerts/<int:alert_id>/acknowledge/", pages.acknowledge, name="alert-acknowledge"),
    path(
        "inbox/alerts/<int:alert_id>/unacknowledge/",
        pages.unacknowledge,
        name="alert-unacknowledge",
    ),
    path("inbox/follow-ups/<int:follow_up_id>/record/", pages.record_result, name="record-result"),
    path(
        "inbox/episodes/<int:episode_id>/visits/<str:kind>/",
        pages.record_visit,
        name="record-visit",
    ),
    path("inbox/villalta/", pages.villalta, name="villalta-score"),
    path("dashboard/", pages.dashboard, name="dashboard"),
]

from tasks import pages_nurses  # noqa: E402 - a nurse's follow-ups, clinic lists and feed

urlpatterns += [
    path("follow-ups/", pages_nurses.my_follow_ups, name="my-follow-ups"),
    path("follow-ups/feed/", pages_nurses.feed_create, name="feed-create"),
    path("follow-ups/feed/revoke/", pages_nurses.feed_revoke, name="feed-revoke"),
    path("clinics/<str:clinic>/", pages_nurses.clinic, name="clinic"),
    path("feeds/<str:secret>/clinic.ics", pages_nurses.clinic_feed, name="clinic-feed"),
]
