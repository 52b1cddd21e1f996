"""The journey section's writes: start a course, change or stop one. Thin, like the record
forms: parse, call pathway.services.course_add or course_change, then back to the section, or
the page again with the errors inline in words."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core import roles
from core.errors import Conflict, InvalidInput
from core.web import page_for
from pathway import services
from pathway.forms.courses import CourseAddForm, CourseChangeForm
from pathway.pages.episode import _add_errors, _page, _refused, _render

ANCHOR = "journey"


def _saved(request, episode_id: int, form, key: str, write, done) -> HttpResponse:
    """Call the service with the valid form: back to the journey with `done(course)` in words,
    or the page again with the refusal beside the fields (a Conflict: a banner)."""
    if form.is_valid():
        try:
            course = write()
        except InvalidInput as error:
            _add_errors(form, error)
        except Conflict as error:
            _refused(request, error)
            return redirect(_page(episode_id, ANCHOR))
        else:
            messages.success(request, f"Saved: {course.get_agent_display()} {done(course)}.")
            return redirect(_page(episode_id, ANCHOR))
    return _render(request, episode_id, {key: form}, status=400)


@require_POST
@page_for(roles.RECORD_PATHWAY_DATA, "record pathway data")
def course_add(request, episode_id: int):
    form = CourseAddForm(request.POST)
    return _saved(
        request,
        episode_id,
        form,
        "course_add",
        lambda: services.course_add(
            actor=request.user, episode_id=episode_id, **form.service_kwargs()
        ),
        lambda course: "started",
    )


@require_POST
@page_for(roles.RECORD_PATHWAY_DATA, "record pathway data")
def course_change(request, episode_id: int, course_id: int):
    form = CourseChangeForm(request.POST, course_id=course_id)
    return _saved(
        request,
        episode_id,
        form,
        f"course:{course_id}",
        lambda: services.course_change(
            actor=request.user,
            episode_id=episode_id,
            course_id=course_id,
            reason=form.cleaned_data["reason"],
            **form.changes(),
        ),
        lambda course: "stopped" if course.stopped_on else "changed",
    )
