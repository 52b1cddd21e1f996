"""The anticoagulation courses of an episode as read back (pathway.md section 7), for the
courses API: each course with what follows from its agent (its class) and its duration (its
planned end), both derived on the model."""

from __future__ import annotations

from core.errors import NotFound
from pathway.models import AnticoagulationCourse
from pathway.selectors.episodes import episode_get


def episode_courses(*, actor, episode_id: int) -> list[AnticoagulationCourse]:
    """Every course of the episode the actor may see, oldest first (by start, then as
    entered): two queries whatever the number of courses."""
    episode = episode_get(actor=actor, episode_id=episode_id)
    return list(episode.courses.order_by("started_on", "id"))


def course_get(*, actor, episode_id: int, course_id: int) -> AnticoagulationCourse:
    """One course of the episode; NotFound when the id names none of this episode's courses
    (another episode's course included)."""
    episode = episode_get(actor=actor, episode_id=episode_id)
    course = episode.courses.filter(id=course_id).first()
    if course is None:
        raise NotFound("No such course in this episode.")
    return course
