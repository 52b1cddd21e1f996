"""Recording results: a scheduled follow-up's (which completes it) or an unscheduled visit's
(which completes nothing). An alarming one alerts the coordinator at once, either way."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core import roles
from core.errors import Conflict, InvalidInput, NotFound
from core.revisions import mark
from pathway.codes import TERMINAL, State
from pathway.models import Episode, Stent
from pathway.outcomes import VILLALTA_ITEMS
from tasks.models import DuplexSegmentResult, FollowUp, Kind, UnitSettings, Visit
from tasks.services.alerts import (
    RECORD_RESULTS,
    alerts_resolve,
    enqueue,
    urgent_alerts_insert,
)
from tasks.services.outcomes import episode_outcomes_refresh

# The revised Venous Clinical Severity Score: ten attributes, each 0-3.
VCSS_ITEMS = (
    "pain",
    "varicose_veins",
    "venous_oedema",
    "skin_pigmentation",
    "inflammation",
    "induration",
    "active_ulcer_number",
    "active_ulcer_duration",
    "active_ulcer_size",
    "compression_therapy",
)
# The CEAP clinical classes (CEAP 2020: C2r recurrent varices, C4c corona phlebectatica, C6r
# recurrent active ulcer).
CEAP_CLASSES = ("C0", "C1", "C2", "C2r", "C3", "C4a", "C4b", "C4c", "C5", "C6", "C6r")


def _target_inr(episode: Episode) -> tuple[Decimal, Decimal]:
    """The plan's range as it stands when the reading is recorded: a corrected range applies to
    the next readings, and each earlier one keeps the target it was judged by."""
    plan = getattr(episode, "discharge_plan", None)
    if plan is not None and plan.target_inr_low is not None:
        return plan.target_inr_low, plan.target_inr_high
    unit = UnitSettings.current()
    return unit.default_inr_low, unit.default_inr_high


def _check_items(field: str, items: dict | None, names, extra=()) -> None:
    """Every score item named and 0-3; an unknown one is refused, never silently dropped."""
    if items is None:
        return
    unknown = sorted(set(items) - set(names) - set(extra))
    missing = [n for n in names if n not in items]
    bad = [n for n in names if n in items and not (type(items[n]) is int and 0 <= items[n] <= 3)]
    for problem, which in (("Unknown", unknown), ("Missing", missing), ("Not 0-3", bad)):
        if which:
            raise InvalidInput({field: f"{problem}: {', '.join(which)}."})


def _duplex_result(
    episode: Episode,
    segments: list[dict],
    villalta: dict | None = None,
    vcss: dict | None = None,
    ceap: str | None = None,
) -> tuple[dict, list[dict], bool]:
    """Every segment stented in any procedure of the episode is reported (after a
    re-intervention, the index stents too); the segments are rows, the JSON keeps the rest."""
    segments = [{"segment": s["segment"], "result": s["result"]} for s in segments]
    seen = [s["segment"] for s in segments]
    if len(seen) != len(set(seen)):
        raise InvalidInput({"segments": "Each segment may be reported once."})
    stented = set(Stent.objects.filter(note__episode=episode).values_list("segment", flat=True))
    missing = sorted(stented - set(seen))
    if missing:
        raise InvalidInput(
            {"segments": f"Report every stented segment; missing: {', '.join(missing)}."}
        )
    if not segments:
        raise InvalidInput({"segments": "Report the result of each stented segment."})
    if any(s["result"] not in DuplexSegmentResult.Result.values for s in segments):
        raise InvalidInput({"segments": "A result is patent, stenosis or occluded."})
    _check_items("villalta", villalta, VILLALTA_ITEMS, extra=("ulcer",))
    _check_items("vcss", vcss, VCSS_ITEMS)
    if ceap is not None and ceap not in CEAP_CLASSES:
        raise InvalidInput({"ceap": f"Unknown CEAP class: {ceap}."})
    urgent = any(s["result"] != DuplexSegmentResult.Result.PATENT for s in segments)
    note = episode.current_procedure_note()
    result = {
        "villalta": dict(villalta) if villalta is not None else None,
        "vcss": dict(vcss) if vcss is not None else None,
        "ceap": ceap,
        "procedure_on": note.date.isoformat() if note else None,
    }
    return result, segments, urgent


def _inr_result(episode: Episode, inr: Decimal) -> tuple[dict, bool]:
    low, high = _target_inr(episode)
    return {"inr": str(inr), "target": [str(low), str(high)]}, not (low <= inr <= high)


def _not_before_previous_move(episode: Episode, performed_on: dt.date) -> str | None:
    previous = episode.effective_history().order_by("-id").first()
    if performed_on < previous.effective_on:
        return (
            f"This date is before the previous move of the episode ('{previous.name}' on "
            f"{previous.effective_on.isoformat()})."
        )
    return None


def _not_in_future(performed_on: dt.date) -> None:
    if performed_on > timezone.localdate():
        raise InvalidInput({"performed_on": "This date is in the future."})


def _result_of(episode: Episode, kind: str, data: dict) -> tuple[dict, dict | None, bool]:
    """A follow-up's or a visit's result: what is kept, its parts (a duplex's segment
    results), and whether it is alarming enough to alert the coordinator at once."""
    if kind == Kind.DUPLEX:
        result, segments, urgent = _duplex_result(
            episode, data["segments"], data.get("villalta"), data.get("vcss"), data.get("ceap")
        )
        return result, {"segments": segments}, urgent
    if kind == Kind.INR_CHECK:
        result, urgent = _inr_result(episode, data["inr"])
        return result, None, urgent
    return {"adherent": data["adherent"], "notes": data.get("notes", "")}, None, False


def _outcome_facts_changed(episode: Episode, kind: str) -> None:
    """A duplex (patency, Villalta) or an INR reading (TTR) changes the episode's outcome row."""
    if kind in (Kind.DUPLEX, Kind.INR_CHECK):
        episode_outcomes_refresh(episode_ids=[episode.id])


def followup_record_result(*, actor, follow_up_id: int, performed_on: dt.date, **data) -> FollowUp:
    """Complete a follow-up with its result; an alarming one alerts the coordinator at once.
    A result dated before the window opens belongs to an unscheduled visit."""
    roles.require(actor, RECORD_RESULTS, "record follow-up results")
    _not_in_future(performed_on)
    with transaction.atomic():
        # The episode first, then its follow-up: the order the moves take them in (an exit
        # locks the episode and then cancels its follow-ups), so the two never deadlock.
        episode_id = FollowUp.objects.filter(id=follow_up_id).values_list("episode_id").first()
        if episode_id is None:
            raise NotFound("No such follow-up.")
        Episode.objects.select_for_update(of=("self",)).filter(id=episode_id[0]).first()
        follow_up = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("episode")
            .filter(id=follow_up_id)
            .first()
        )
        if follow_up is None:
            raise NotFound("No such follow-up.")
        if follow_up.completed_at:
            raise Conflict("A result has already been recorded for this follow-up.")
        if follow_up.cancelled_at:
            raise Conflict("This follow-up was cancelled; it takes no result.")
        episode = follow_up.episode
        early = []
        if performed_on < follow_up.window_opens_on:
            early.append(
                f"This date is before the window opens ({follow_up.window_opens_on.isoformat()}); "
                "record an unscheduled visit instead."
            )
        if problem := _not_before_previous_move(episode, performed_on):
            early.append(problem)
        if early:
            raise InvalidInput({"performed_on": early})
        result, parts, urgent = _result_of(episode, follow_up.kind, data)
        follow_up.completed_at = timezone.now()
        follow_up.completed_by = actor
        follow_up.performed_on = performed_on
        follow_up.result = result
        follow_up.next_alert_on = None
        mark(follow_up, actor=actor, parts=parts)
        follow_up.save()
        if parts:
            DuplexSegmentResult.objects.bulk_create(
                DuplexSegmentResult(follow_up=follow_up, **s) for s in parts["segments"]
            )
        alerts_resolve(follow_ups=[follow_up.id], reason="The follow-up was completed.")
        _outcome_facts_changed(episode, follow_up.kind)
        if urgent:
            enqueue(urgent_alerts_insert(episode=episode, now=timezone.now(), follow_up=follow_up))
    return follow_up


def visit_record(*, actor, episode_id: int, kind: str, performed_on: dt.date, **data) -> Visit:
    """An unscheduled visit in surveillance (a patient back with symptoms): the same result
    fields and urgent alerts as a follow-up, and it completes no follow-up."""
    roles.require(actor, RECORD_RESULTS, "record visit results")
    if kind not in Visit.Kind.values:
        raise InvalidInput({"kind": f"A visit is one of: {', '.join(Visit.Kind.values)}."})
    _not_in_future(performed_on)
    with transaction.atomic():
        episode = Episode.objects.select_for_update(of=("self",)).filter(id=episode_id).first()
        if episode is None:
            raise NotFound("No such episode.")
        if episode.state in TERMINAL:
            raise Conflict(f"The episode is closed ('{episode.state}'); it takes no visits.")
        if episode.state != State.SURVEILLANCE:
            raise Conflict(
                f"Unscheduled visits are recorded in surveillance; the episode is in "
                f"'{episode.state}'."
            )
        if problem := _not_before_previous_move(episode, performed_on):
            raise InvalidInput({"performed_on": problem})
        result, parts, urgent = _result_of(episode, kind, data)
        visit = Visit(
            episode=episode, kind=kind, performed_on=performed_on, result=result, recorded_by=actor
        )
        mark(visit, actor=actor, parts=parts)
        visit.save()
        if parts:
            DuplexSegmentResult.objects.bulk_create(
                DuplexSegmentResult(visit=visit, **s) for s in parts["segments"]
            )
        _outcome_facts_changed(episode, kind)
        if urgent:
            enqueue(urgent_alerts_insert(episode=episode, now=timezone.now(), visit=visit))
    return visit
