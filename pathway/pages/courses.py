"""The journey section's writes: start a course, change or stop one. Thin, like the record
forms: parse, call pathway.services.course_add or course_change, then back to the section, or
the page again with the errors inline in words."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from core import roles
from core.errors import Conflict, InvalidInput
from core.web import page_for
from pathway import services
from pathway.forms.courses import CourseAddForm, CourseChangeForm
from pathway.pages.episode import _add_errors, _page, _refused, _render

ANCHOR = "journey"


@require_POST
@page_for(roles.RECORD_PATHWAY_DATA, "record pathway data")
def course_add(request, episode_id: int):
    form = CourseAddForm(request.POST)
    if form.is_valid():
        try:
            course = services.course_add(actor=request.user, episode_id=episode_id,
                                         **form.service_kwargs())  # fmt: skip
        except InvalidInput as error:
            _add_errors(form, error)
        except Conflict as error:
            _refused(request, error)
            return redirect(_page(episode_id, ANCHOR))
        else:
            messages.success(request, f"Saved: {course.get_agent_display()} started.")
            return redirect(_page(episode_id, ANCHOR))
    return _render(request, episode_id, {"course_add": form}, status=400)


@require_POST
@page_for(roles.RECORD_PATHWAY_DATA, "record pathway data")
def course_change(request, episode_id: int, course_id: int):
    form = CourseChangeForm(request.POST, course_id=course_id)
    if form.is_valid():
        try:
            course = services.course_change(
                actor=request.user, episode_id=episode_id, course_id=course_id,
                reason=form.cleaned_data["reason"], **form.changes(),
            )  # fmt: skip
        except InvalidInput as error:
            _add_errors(form, error)
        except Conflict as error:
            _refused(request, error)
            return redirect(_page(episode_id, ANCHOR))
        else:
            done = "stopped" if course.stopped_on else "changed"
            messages.success(request, f"Saved: {course.get_agent_display()} {done}.")
            return redirect(_page(episode_id, ANCHOR))
    return _render(request, episode_id, {f"course:{course_id}": form}, status=400)
