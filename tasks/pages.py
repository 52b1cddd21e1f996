"""Web pages of follow-ups and alerts: thin, like the API. The nurse's inbox (acknowledge,
record a follow-up's result or an unscheduled visit in place, with htmx or without) and the
admin dashboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import roles
from core.dates import add_months
from core.errors import Conflict, InvalidInput
from core.web import page_for
from pathway import labels
from pathway.villalta import (
    PTS_FROM_MONTHS,
    PTS_WORDS,
    VILLALTA_ITEMS,
    pts_assessable,
    villalta_category,
    villalta_score,
)
from tasks import selectors, services
from tasks.forms import VillaltaForm, form_for
from tasks.models import Alert, UnitSettings, Visit
from tasks.services.result_rules import followup_closed, takes_unscheduled_visits

ALERT_KINDS: dict[str, tuple[str, str]] = {
    Alert.Kind.DUE: ("Due", "ok"),
    Alert.Kind.OVERDUE: ("Overdue", "warn"),
    Alert.Kind.ESCALATION: ("Escalated", "bad"),
    Alert.Kind.URGENT_RESULT: ("Urgent result", "bad"),
    Alert.Kind.STALLED: ("Stalled", "warn"),
    Alert.Kind.COURSE_ENDING: ("Course at its end", "warn"),
}
GRADES: dict[str | None, tuple[str, str]] = {
    Alert.Grade.CRITICAL: ("Critical", "bad"),
    Alert.Grade.OUT_OF_RANGE: ("Out of range", "warn"),
}
FOLLOW_UP_STATUSES = {
    "due_now": "Due now (window open)",
    "overdue": "Overdue (window closed)",
    "due_this_week": "Due this week (window not yet open)",
    "later": "Later",
}


PER_PAGE = 50
# a result entered late
LATE_WORDS: dict[str, str] = {Visit.Kind.DUPLEX: "Duplex", Visit.Kind.INR_CHECK: "INR"}


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def finding_words(finding: dict | None) -> str | None:
    """What an urgent alert found, in a line for its card: the INR and its target range, or
    each segment not patent and its result, from the finding's numbers; else its words."""
    if not finding:
        return None
    if finding.get("inr"):
        low, high = finding.get("target_low"), finding.get("target_high")
        target = f" — target {low}–{high}" if low and high else ""
        return f"INR {finding['inr']}{target}"
    if finding.get("segments"):
        return "; ".join(
            f"{_upper_first(labels.code(part['segment']))}: {labels.code(part['result'])}"
            for part in finding["segments"]
        )
    return finding.get("text") or None


def _row(alert: Alert) -> dict:
    """What one alert's card shows and offers."""
    fu = alert.follow_up if alert.follow_up_id else None
    word, tone = ALERT_KINDS.get(alert.kind, (alert.kind, ""))
    return {
        "alert": alert,
        "patient": alert.episode.patient,
        "subject": selectors.alert_subject(alert),
        "due_on": fu.due_on if fu else None,
        "kind": word,
        "tone": tone,
        "grade": GRADES.get(alert.grade),
        "critical": alert.grade == Alert.Grade.CRITICAL,
        "finding": finding_words(alert.finding),
        # What the card offers, by the result rules: the follow-up's result while it takes one,
        # unscheduled visits while the episode takes them.
        "follow_up": fu if fu and followup_closed(fu) is None else None,
        "surveillance": takes_unscheduled_visits(alert.episode.state),
    }


def _rows(actor, page_number=1) -> tuple[list[dict], list[dict], object]:
    """A page of the caller's open alerts grouped by patient (selectors.alert_inbox_by_patient:
    the patients in the order of their most urgent alert, critical findings first), with what
    each card shows and offers; and the same rows as one list, in that order."""
    groups, page = selectors.alert_inbox_by_patient(actor=actor, page_number=page_number)
    cards: list[dict[str, Any]] = []
    for group in groups:
        rows = [_row(alert) for alert in group.alerts]
        cards.append(
            {
                "patient": group.patient,
                "rows": rows,
                "critical": any(row["critical"] for row in rows),
            }
        )
    return [row for card in cards for row in card["rows"]], cards, page


def _inbox_context(request) -> dict:
    rows, cards, page = _rows(request.user, request.GET.get("page"))
    return {"rows": rows, "cards": cards, "page": page, "undo_minutes": services.UNDO_MINUTES}


def _inbox_list(
    request, done: str | None = None, status: int = 200, tone: str = "ok"
) -> HttpResponse:
    """The list, with what was just done on top: `tone` "warn" for an alarming result, "bad"
    for a refusal, so neither looks like a routine success."""
    context = _inbox_context(request) | {"done": done, "done_tone": tone}
    return render(request, "tasks/_inbox_list.html", context, status=status)


def acknowledged_words(alert: Alert) -> str:
    """What an acknowledgement answers: "Acknowledged: INR check due 2024-02-10 for Zoë
    Ångström." (on the page only, never in a log)."""
    patient = alert.episode.patient
    name = f"{patient.given_name} {patient.family_name}"
    return f"Acknowledged: {selectors.alert_subject(alert)} for {name}."


UNDO_SESSION_KEY = "inbox_acknowledged"  # the alert just acknowledged without htmx, for its Undo


@page_for(roles.RECORD_RESULTS, "see an inbox")
@require_GET
def inbox(request):
    context = _inbox_context(request)
    just_done = request.session.pop(UNDO_SESSION_KEY, None)
    if just_done is not None:  # acknowledged without htmx: say so in words, offer Undo
        alert = selectors.alert_acknowledged_by(actor=request.user, alert_id=just_done)
        if alert is not None:
            context["acknowledged"] = {"alert": alert, "words": acknowledged_words(alert)}
    response = render(request, "tasks/inbox.html", context)
    add_never_cache_headers(response)  # patient data: never kept by a browser or a proxy
    return response


@page_for(roles.RECORD_RESULTS, "acknowledge alerts")
@require_POST
def acknowledge(request, alert_id: int):
    alert = services.alert_acknowledge(actor=request.user, alert_id=alert_id)
    context = {
        "alert": alert,
        "words": acknowledged_words(alert),
        "undo_minutes": services.UNDO_MINUTES,
    }
    if request.htmx:  # the card becomes the answer in words, with its Undo
        return render(request, "tasks/_acknowledged.html", context)
    request.session[UNDO_SESSION_KEY] = alert.id
    return redirect("inbox")


@page_for(roles.RECORD_RESULTS, "acknowledge alerts")
@require_POST
def unacknowledge(request, alert_id: int):
    alert = services.alert_unacknowledge(actor=request.user, alert_id=alert_id)
    if request.htmx:  # the alert's card is back where the answer was
        alert = selectors.alert_inbox(actor=request.user).get(id=alert.id)
        context = {"row": _row(alert), "restored": True}
        return render(request, "tasks/_inbox_alert.html", context)
    patient = alert.episode.patient
    messages.success(
        request,
        f"Back in your inbox: {selectors.alert_subject(alert)} for "
        f"{patient.given_name} {patient.family_name}.",
    )
    return redirect("inbox")


def _record(request, *, kind: str, facts: selectors.ResultForm, write, context: dict):
    """Show the form of a result (a partial for htmx) and record it with `write(**kwargs)`,
    which returns the follow-up or visit recorded; an alarming one says so, in words. `facts`:
    what the form shows of the rules the result is judged by (the segments a duplex reports)."""
    episode, segments = facts.episode, facts.segments
    prefix = context["prefix"]
    data = request.POST if request.method == "POST" else None
    # A reason is asked for once the episode has left surveillance, or carried on when the
    # service asked for one (a result of an earlier stay, found by its date).
    late = context.get("late_since") is not None or (data is not None and "reason" in data)
    form = form_for(kind, segments=segments, data=data, prefix_id=prefix, late=late)
    back = context.get("back") or reverse("inbox")
    if data is not None and form.is_valid():
        try:
            recorded = write(**form.service_kwargs())
        except InvalidInput as exc:
            form.add_service_errors(exc.errors)
        except Conflict as exc:
            if request.htmx:
                return _inbox_list(request, done=exc.detail, tone="bad")
            messages.error(request, exc.detail)
            return redirect(back)
        else:
            done = f"{context['what']} recorded for {episode.patient.family_name}."
            if recorded.urgent:  # the recorder is told on the spot, and who was alerted
                done = f"{done} {recorded.urgent.said()}"
            if getattr(recorded, "late_reason", ""):  # the service judged it late
                done = (
                    f"{LATE_WORDS[kind]} of {recorded.performed_on.isoformat()} recorded as a "
                    "late result; it counts for the outcomes and alerted nobody."
                )
            if request.htmx:
                response = _inbox_list(request, done=done, tone="warn" if recorded.urgent else "ok")
                response["HX-Retarget"] = "#inbox"
                response["HX-Reswap"] = "outerHTML"
                return response
            (messages.warning if recorded.urgent else messages.success)(request, done)
            return redirect(back)
    note = episode.current_procedure_note() if kind == "duplex" else None
    context |= {
        "form": form,
        "kind": kind,
        "episode": episode,
        "patient": episode.patient,
        "procedure_on": note.date if note else None,
        "back": back,
    }
    status = 400 if form.errors and not request.htmx else 200
    template = "tasks/_record_form.html" if request.htmx else "tasks/record.html"
    return render(request, template, context, status=status)


@page_for(roles.RECORD_RESULTS, "record follow-up results")
@require_http_methods(["GET", "POST"])
def record_result(request, follow_up_id: int):
    follow_up = selectors.followup_for_result(actor=request.user, follow_up_id=follow_up_id)

    def write(**kwargs):
        return services.followup_record_result(
            actor=request.user, follow_up_id=follow_up.id, **kwargs
        )

    context = {
        "what": follow_up.get_kind_display(),
        "title": f"{follow_up.get_kind_display()} due {follow_up.due_on.isoformat()}",
        "window": (follow_up.window_opens_on, follow_up.window_closes_on),
        "action": request.path,
        "prefix": f"fu{follow_up.id}-",
    }
    facts = selectors.result_form_get(
        actor=request.user, episode_id=follow_up.episode_id, kind=follow_up.kind
    )
    return _record(request, kind=follow_up.kind, facts=facts, write=write, context=context)


@page_for(roles.RECORD_RESULTS, "record visit results")
@require_http_methods(["GET", "POST"])
def record_visit(request, episode_id: int, kind: str):
    if kind not in Visit.Kind.values:
        return HttpResponse("No such visit.", status=404)
    # In surveillance; an INR on the ward in post-op (pathway.md section 7: bridging to a VKA);
    # or a result of the last stay in surveillance, entered late: the result rules say which.
    facts = selectors.result_form_get(
        actor=request.user, episode_id=episode_id, kind=kind, visit=True
    )
    opening = facts.opening
    assert opening is not None  # result_form_get(visit=True) refuses a visit with none
    episode, post_op_inr, left_on = facts.episode, opening.post_op, opening.late_since

    def write(**kwargs):
        return services.visit_record(actor=request.user, episode_id=episode.id, kind=kind, **kwargs)

    what = f"Unscheduled {Visit.Kind(kind).label}"
    context = {
        "what": what,
        "title": what,
        "window": None,
        "action": request.path,
        "prefix": f"visit{episode.id}-{kind}-",
    }
    if post_op_inr:  # on the ward: back to the episode, a plain form
        what = "INR reading in post-op"
        context |= {
            "what": what,
            "title": what,
            "plain": True,
            "back": reverse("episode-page", args=[episode.id]),
        }
    if left_on is not None:  # a result done in surveillance, entered after it moved on
        what = f"{LATE_WORDS[kind]} done earlier in surveillance"
        context |= {
            "what": what,
            "title": what,
            "late_since": left_on,
            "back": reverse("episode-page", args=[episode.id]),
        }
    return _record(request, kind=kind, facts=facts, write=write, context=context)


@page_for(roles.RECORD_RESULTS, "score the Villalta scale")
@require_http_methods(["GET", "POST"])
def villalta(request):
    """The live Villalta score and PTS category of the items typed so far (pathway.villalta)."""
    form = VillaltaForm(request.POST or request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    given = {i: int(data[f"villalta_{i}"]) for i in VILLALTA_ITEMS if data.get(f"villalta_{i}")}
    items = {**{i: given.get(i, 0) for i in VILLALTA_ITEMS}, "ulcer": data.get("villalta_ulcer")}
    context = {
        "scored": len(given),
        "of": len(VILLALTA_ITEMS),
        "score": villalta_score(items),
        "category": PTS_WORDS[villalta_category(items)],
        "pts_from": None,
    }
    procedure_on = _date(request.POST.get("procedure_on") or request.GET.get("procedure_on"))
    performed_on = _date(request.POST.get("performed_on") or request.GET.get("performed_on"))
    if procedure_on and performed_on and not pts_assessable(procedure_on, performed_on):
        context["pts_from"] = add_months(procedure_on, PTS_FROM_MONTHS)
    return render(request, "tasks/_villalta.html", context)


# No date of this pathway lies beyond this year; a later one is a typing slip (and months added
# to 9999-12-01 would leave the calendar).
LAST_YEAR = 2999


def _date(value: str | None) -> dt.date | None:
    try:
        day = dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
    return day if day is None or day.year <= LAST_YEAR else None


@page_for(roles.VIEW_DASHBOARD, "see the dashboard")
@require_GET
def dashboard(request):
    data = selectors.dashboard_get(actor=request.user)
    # Each number links to the list it counts: a stage to the worklist's tab of that state;
    # follow-ups and alerts to the inbox, where they are acted on.
    worklist, inbox = reverse("worklist"), reverse("inbox")
    by_state = [
        (labels.state(s), n, f"{worklist}?{urlencode({'state': s})}")
        for s, n in data["by_state"].items()
    ]
    follow_ups = [(FOLLOW_UP_STATUSES[k], data["follow_ups"][k], inbox) for k in FOLLOW_UP_STATUSES]
    alerts = [(ALERT_KINDS[k][0], n, inbox) for k, n in data["open_alerts"].items()]
    context = {
        "by_state": by_state,
        "follow_ups": follow_ups,
        "open_follow_ups": data["follow_ups"]["open"],
        "alerts": alerts,
        "open_alerts": sum(data["open_alerts"].values()),
        "unrouted": data["unrouted_alerts"],
        "unemailed": data["unemailed_alerts"],
        "without_email": data["users_without_email"],
        "unit_settings_id": UnitSettings.current().pk,
    }
    return render(request, "tasks/dashboard.html", context)
