"""Web pages of the pathway: the coordinator's worklist and the episode page."""

from django.urls import path

from pathway import pages

urlpatterns = [
    path("episodes/", pages.worklist, name="worklist"),
    path("episodes/<int:episode_id>/", pages.episode, name="episode-page"),
]
