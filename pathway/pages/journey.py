"""The episode page's "Anticoagulation journey" section: the courses drawn as a timeline (SVG
from pathway.charts), the courses and INR readings as tables, and for coordinators and admins
the forms to start a course and to change or stop one (posted to pathway.pages.courses)."""

from __future__ import annotations

from core import roles
from pathway import charts, services
from pathway.codes import CourseAgent, CourseClass
from pathway.forms.courses import CourseAddForm, CourseChangeForm
from pathway.selectors.journey import _journey

UNNAMED = {CourseAgent.LMWH: "LMWH", CourseAgent.VKA: "VKA", CourseAgent.DOAC: "DOAC"}


def agent_words(course) -> str:
    """The agent as a short label: the product, or the class when the product is not named."""
    return UNNAMED.get(course.agent, course.get_agent_display())


def class_words(course) -> str:
    return CourseClass(course.agent_class).label


def bridging_ids(journey) -> set[int]:
    """The parenteral courses bridging a VKA now: planned to stop once bridging is done."""
    return {b.parenteral.id for b in journey.bridging}


def journey_chart(journey) -> str:
    bars = tuple(
        charts.Bar(agent_words(c), c.agent_class, c.started_on, c.stopped_on)
        for c in journey.courses
    )
    dots = tuple(charts.Dot(r.performed_on, r.inr or "?", r.in_range) for r in journey.readings)
    return charts.journey_svg(bars, dots, today=journey.today)


def journey_context(user, episode, bound: dict) -> dict:
    """What the section shows; `bound`: forms posted back with their errors, by key
    ("course_add", "course:<id>"). `episode`: the page's, read for the user by episode_view
    with its courses prefetched, so the journey reads neither again."""
    journey = _journey(episode)
    open_in = services.WRITERS["course"].open_in  # the course writers' states
    can_write = user.has_perm(roles.RECORD_PATHWAY_DATA) and episode.state in open_in
    bridging = bridging_ids(journey)
    rows = []
    for course in journey.courses:
        form = None
        if can_write:
            form = bound.get(f"course:{course.id}")
            form = (
                form.shown_for(course)
                if form
                else CourseChangeForm(course_id=course.id, course=course)
            )
        rows.append(
            {
                "course": course,
                "agent": agent_words(course),
                "form": form,
                "class_words": class_words(course),
                "bridging": course.id in bridging,
            }
        )
    return {
        "journey": journey,
        "svg": journey_chart(journey),
        "rows": rows,
        "add_form": (bound.get("course_add") or CourseAddForm()) if can_write else None,
        "can_write": can_write,
    }
