"""The rules a follow-up's or a visit's result must meet, shared by the one-by-one writers
(results.py) and the bulk path (results_bulk.py), so both refuse the same results with the same
errors.

The rules read a few facts of the episode (its latest standing move, its stented segments, the
current procedure's date, the target INR range). `episode_facts_load` reads them for many
episodes in a fixed number of queries, and only those the kinds of result need."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotFound
from pathway.models import DischargePlan, ProcedureNote, Stent, Transition
from pathway.outcomes import VILLALTA_ITEMS
from tasks.models import DuplexSegmentResult, Kind, UnitSettings

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


@dataclass
class EpisodeFacts:
    """What the result rules read of one episode, as it stands when the result is recorded."""

    previous_move: tuple[str, dt.date]  # the latest standing move: name, effective date
    stented: set[str] = field(default_factory=set)  # every procedure's stented segments
    procedure_on: dt.date | None = None  # the current procedure note's date
    target_inr: tuple[Decimal, Decimal] | None = None


def episode_facts_load(episode_ids, kinds) -> dict[int, EpisodeFacts]:
    """The facts of these episodes that results of `kinds` need: the moves always, the stents
    and notes for a duplex, the target range for an INR; one query each, whatever the number
    of episodes."""
    ids = sorted(set(episode_ids))
    latest, redo = {}, {}
    moves = Transition.objects.filter(
        episode_id__in=ids, corrects__isnull=True, corrected_by__isnull=True
    ).values_list("episode_id", "id", "name", "effective_on")
    for episode_id, move_id, name, on in sorted(moves, key=lambda m: m[1]):
        latest[episode_id] = (name, on)
        if name == "reintervene":
            redo[episode_id] = move_id
    facts = {episode_id: EpisodeFacts(previous_move=latest[episode_id]) for episode_id in ids}
    if Kind.DUPLEX in kinds:
        for episode_id, segment in Stent.objects.filter(note__episode_id__in=ids).values_list(
            "note__episode_id", "segment"
        ):
            facts[episode_id].stented.add(segment)
        notes = ProcedureNote.objects.filter(episode_id__in=ids).order_by("date", "id")
        for episode_id, redo_id, on in notes.values_list("episode_id", "reintervention_id", "date"):
            current = facts[episode_id]
            if redo_id == redo.get(episode_id) and current.procedure_on is None:
                current.procedure_on = on
    if Kind.INR_CHECK in kinds:
        plans = dict.fromkeys(ids)
        for episode_id, low, high in DischargePlan.objects.filter(episode_id__in=ids).values_list(
            "episode_id", "target_inr_low", "target_inr_high"
        ):
            plans[episode_id] = (low, high) if low is not None else None
        unit = None
        for episode_id, plan in plans.items():
            if plan is None:
                unit = unit or UnitSettings.current()
                plan = (unit.default_inr_low, unit.default_inr_high)
            facts[episode_id].target_inr = plan
    return facts


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
    facts: EpisodeFacts,
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
    missing = sorted(facts.stented - set(seen))
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
    result = {
        "villalta": dict(villalta) if villalta is not None else None,
        "vcss": dict(vcss) if vcss is not None else None,
        "ceap": ceap,
        "procedure_on": facts.procedure_on.isoformat() if facts.procedure_on else None,
    }
    return result, segments, urgent


def _inr_result(facts: EpisodeFacts, inr: Decimal) -> tuple[dict, bool]:
    """Judged against the plan's range as it stands now: a corrected range applies to the next
    readings, and each earlier one keeps the target it was judged by."""
    low, high = facts.target_inr
    return {"inr": str(inr), "target": [str(low), str(high)]}, not (low <= inr <= high)


def result_of(facts: EpisodeFacts, kind: str, data: dict) -> tuple[dict, dict | None, bool]:
    """A follow-up's or a visit's result: what is kept, its parts (a duplex's segment
    results), and whether it is alarming enough to alert the coordinator at once."""
    if kind == Kind.DUPLEX:
        result, segments, urgent = _duplex_result(
            facts, data["segments"], data.get("villalta"), data.get("vcss"), data.get("ceap")
        )
        return result, {"segments": segments}, urgent
    if kind == Kind.INR_CHECK:
        result, urgent = _inr_result(facts, data["inr"])
        return result, None, urgent
    return {"adherent": data["adherent"], "notes": data.get("notes", "")}, None, False


def not_before_previous_move(facts: EpisodeFacts, performed_on: dt.date) -> str | None:
    name, on = facts.previous_move
    if performed_on < on:
        return (
            f"This date is before the previous move of the episode ('{name}' on {on.isoformat()})."
        )
    return None


def not_in_future(performed_on: dt.date) -> None:
    if performed_on > timezone.localdate():
        raise InvalidInput({"performed_on": "This date is in the future."})


def followup_result_check(follow_up, facts: EpisodeFacts, performed_on: dt.date, data: dict):
    """A scheduled follow-up's result: dated in its window or later and not before the latest
    move (earlier is an unscheduled visit), and meeting its kind's rules. Returns what
    `result_of` does."""
    early = []
    if performed_on < follow_up.window_opens_on:
        early.append(
            f"This date is before the window opens ({follow_up.window_opens_on.isoformat()}); "
            "record an unscheduled visit instead."
        )
    if problem := not_before_previous_move(facts, performed_on):
        early.append(problem)
    if early:
        raise InvalidInput({"performed_on": early})
    return result_of(facts, follow_up.kind, data)


def followup_takes_result(follow_up) -> None:
    """Only an open follow-up takes a result, and only once."""
    if follow_up is None:
        raise NotFound("No such follow-up.")
    if follow_up.completed_at:
        raise Conflict("A result has already been recorded for this follow-up.")
    if follow_up.cancelled_at:
        raise Conflict("This follow-up was cancelled; it takes no result.")
