"""A nurse's pages beyond the inbox: her follow-ups (read only), the clinic lists of the
duplex lab and the INR clinic per day (printable), and her clinic list as a calendar feed
(/feeds/<secret>/clinic.ics, icalendar) with the secret made, shown once and revoked from her
follow-ups page. Thin: parse, call one selector or service, render."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET, require_POST

from core import roles
from core.web import page_for
from tasks import selectors, services

CLINIC_NAMES = {"duplex": "Duplex lab", "inr": "INR clinic"}


def _no_store(response: HttpResponse) -> HttpResponse:
    add_never_cache_headers(response)  # patient data: never kept by a browser or a proxy
    return response


def _follow_ups_page(request, *, secret: str | None = None, said: str | None = None):
    context = selectors.followups_mine(actor=request.user) | {
        "has_feed": selectors.calendar_feed_exists(actor=request.user),
        "feed_url": _feed_url(request, secret) if secret else None,
        "said": said,
        "clinics": CLINIC_NAMES,
    }
    return _no_store(render(request, "tasks/follow_ups.html", context))


@page_for(roles.RECORD_RESULTS, "see follow-ups owed")
@require_GET
def my_follow_ups(request):
    return _follow_ups_page(request)


def _feed_url(request, secret: str) -> str:
    return request.build_absolute_uri(reverse("clinic-feed", args=[secret]))


@page_for(roles.RECORD_RESULTS, "subscribe to a clinic list")
@require_POST
def feed_create(request):
    """A new feed URL, shown on this answer only (it is stored as a digest): not a redirect."""
    secret = services.calendar_feed_create(actor=request.user)
    return _follow_ups_page(request, secret=secret)


@page_for(roles.RECORD_RESULTS, "subscribe to a clinic list")
@require_POST
def feed_revoke(request):
    revoked = services.calendar_feed_revoke(actor=request.user)
    said = (
        "Your calendar feed is revoked: its address no longer answers."
        if revoked
        else "You had no calendar feed."
    )
    return _follow_ups_page(request, said=said)


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else timezone.localdate()
    except ValueError:
        return None


@page_for(roles.RECORD_RESULTS, "see clinic lists")
@require_GET
def clinic(request, clinic: str):
    if clinic not in CLINIC_NAMES:
        raise Http404("No such clinic.")
    day = _day(request.GET.get("day"))
    if day is None:
        context: dict[str, object] = {
            "title": "Please check",
            "detail": "Write the day as YYYY-MM-DD.",
        }
        return render(request, "core/error.html", context, status=400)
    rows = selectors.clinic_list(actor=request.user, clinic=clinic, day=day)
    context = {
        "clinic": clinic,
        "name": CLINIC_NAMES[clinic],
        "day": day,
        "rows": rows,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "clinics": CLINIC_NAMES,
    }
    return _no_store(render(request, "tasks/clinic.html", context))


def initials(patient) -> str:
    """The feed names nobody: the MRN and initials only ("Z.Å.")."""
    return "".join(f"{name[:1].upper()}." for name in (patient.given_name, patient.family_name))


@require_GET
def clinic_feed(request, secret: str):
    """The calendar feed: one all-day event per follow-up owed on its due date, each named by
    the test, the MRN and the patient's initials only. A secret revoked, replaced or never made
    answers 404, as does one whose user may no longer sign in."""
    from icalendar import Calendar, Event  # here, not at every process's start

    found = selectors.calendar_feed_follow_ups(secret=secret)
    if found is None:
        raise Http404("No such feed.")
    _user, follow_ups = found
    calendar = Calendar()
    calendar.add("prodid", "-//Ilio-caval pathway//clinic list//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Clinic list (follow-ups owed)")
    stamp = timezone.now()
    for fu in follow_ups:
        patient = fu.episode.patient
        event = Event()
        event.add("uid", f"follow-up-{fu.id}@ilio-caval-pathway")
        event.add("dtstamp", stamp)
        event.add("dtstart", fu.due_on)
        event.add("dtend", fu.due_on + dt.timedelta(days=1))
        event.add("summary", f"{fu.get_kind_display()}: {patient.mrn} {initials(patient)}")
        event.add(
            "description",
            f"Window {fu.window_opens_on.isoformat()} to {fu.window_closes_on.isoformat()}.",
        )
        event.add("url", request.build_absolute_uri(reverse("episode-page", args=[fu.episode_id])))
        calendar.add_component(event)
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="clinic.ics"'
    return _no_store(response)
