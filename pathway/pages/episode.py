"""The episode page: thin, like the API: parse, call a service or selector, render."""

from django.shortcuts import render

from core import roles
from core.web import page_for


@page_for(roles.VIEW_EPISODES, "see episodes")
def episode(request, episode_id: int):
    return render(request, "pathway/episode.html", {})
