"""The rules a follow-up's or a visit's result must meet, shared by the one-by-one writers
(results.py) and the bulk path (results_bulk.py), so both refuse the same results with the same
errors.

The rules read a few facts of the episode (its latest standing move, its stays in surveillance,
its stented segments and procedure dates, the long-term anticoagulant and its target INR range).
`episode_facts_load` reads them for many episodes in a fixed number of queries, and only those
the kinds of result need."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Q
from django.utils import timezone

from core.errors import Conflict, InvalidInput, NotFound
from pathway.codes import COURSE_CLASS, TERMINAL, Anticoagulant, CourseClass, State
from pathway.models import (
    AnticoagulationCourse,
    DischargePlan,
    ProcedureNote,
    Transition,
)
from pathway.selectors.stents import stented_segments
from pathway.villalta import VILLALTA_ITEMS
from tasks.models import DuplexSegmentResult, FollowUp, Kind, UnitSettings
from tasks.services.findings import duplex_finding, inr_finding, review_finding
from tasks.urgency import Urgent

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
# An INR does not measure these anticoagulants' effect: it is kept, and judged against nothing.
NOT_JUDGED_BY_INR = (Anticoagulant.DOAC, Anticoagulant.LMWH)


@dataclass
class EpisodeFacts:
    """What the result rules read of one episode, as it stands when the result is recorded."""

    previous_move: tuple[str, dt.date]  # the latest standing move: name, effective date
    # Each stay in surveillance: from the standing move into it to the next one (None: it goes on).
    stays: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    # (procedure date, segment), in the order placed
    stents: list[tuple[dt.date, str]] = field(default_factory=list)
    procedures: list[dt.date] = field(default_factory=list)  # standing procedure notes' dates
    target_inr: tuple[Decimal, Decimal] | None = None
    anticoagulant: str | None = None  # the discharge plan's long-term anticoagulant
    # The courses (pathway.md section 7) as (class, started_on, stopped_on, target range or None).
    courses: list[tuple[str, dt.date, dt.date | None, tuple | None]] = field(default_factory=list)
    post_op_since: dt.date | None = None  # the day the episode went into post-op, while there

    def inr_judged_by(self, day: dt.date) -> tuple[str | None, tuple | None]:
        """What an INR taken that day is judged against: the VKA course running then (its
        range); on a DOAC, nothing; else the discharge plan (or the unit's default range); a
        heparin alone before any plan, nothing."""
        running = [c for c in self.courses if c[1] <= day and (c[2] is None or c[2] >= day)]
        vka = [c for c in running if c[0] == CourseClass.VKA]
        if vka:
            return CourseClass.VKA, max(vka, key=lambda c: c[1])[3]
        if any(c[0] == CourseClass.DOAC for c in running):
            return CourseClass.DOAC, None
        if self.anticoagulant is None and running:  # a heparin alone, no plan yet
            return CourseClass.PARENTERAL, None
        return self.anticoagulant, self.target_inr

    def stented_on(self, day: dt.date) -> set[str]:
        """The segments stented by then: at the index procedure and at any re-intervention
        before that day (a duplex entered late does not report a stent placed after it)."""
        return {segment for on, segment in self.stents if on <= day}

    def stented(self) -> list[str]:
        """Every segment stented at any procedure, in the order placed: what a duplex reports
        (one dated before a re-intervention, only those stented by its day: `stented_on`)."""
        return list(dict.fromkeys(segment for _, segment in self.stents))

    def procedure_on(self, day: dt.date) -> dt.date | None:
        """The date of the procedure in force that day: the latest standing one before it."""
        return max((on for on in self.procedures if on <= day), default=None)


def _moves_load(ids: list[int]) -> dict[int, EpisodeFacts]:
    """Each episode's latest standing move and its stays in surveillance, from one query."""
    facts: dict[int, EpisodeFacts] = {}
    moves = Transition.objects.filter(
        episode_id__in=ids, corrects__isnull=True, corrected_by__isnull=True
    ).values_list("episode_id", "id", "name", "target", "effective_on")
    for episode_id, _, name, target, on in sorted(moves, key=lambda m: m[1]):
        current = facts.setdefault(episode_id, EpisodeFacts(previous_move=(name, on)))
        current.previous_move = (name, on)
        if current.stays and current.stays[-1][1] is None:
            current.stays[-1] = (current.stays[-1][0], on)
        if target == State.SURVEILLANCE:
            current.stays.append((on, None))
    return facts


def episode_facts_load(episode_ids, kinds) -> dict[int, EpisodeFacts]:
    """The facts of these episodes that results of `kinds` need: the moves always, the stents
    and notes for a duplex, the plan's anticoagulant and target range for an INR; one query
    each, whatever the number of episodes."""
    ids = sorted(set(episode_ids))
    facts = _moves_load(ids)
    if Kind.DUPLEX in kinds:
        notes = ProcedureNote.objects.filter(episode_id__in=ids)
        standing = Transition.objects.filter(
            name="reintervene", corrects__isnull=True, corrected_by__isnull=True
        )
        for episode_id, on in notes.filter(
            Q(reintervention__isnull=True) | Q(reintervention__in=standing)
        ).values_list("episode_id", "date"):
            facts[episode_id].procedures.append(on)
        for episode_id, spans in stented_segments(episode_ids=ids).items():
            if spans:
                facts[episode_id].stents += [(s.placed_on, s.segment) for s in spans]
    if Kind.INR_CHECK in kinds:
        # (anticoagulant, target range): a range is stored whole or not at all
        plans: dict[int, tuple[Any, Any]] = dict.fromkeys(ids, (None, None))
        for episode_id, agent, low, high in DischargePlan.objects.filter(
            episode_id__in=ids
        ).values_list("episode_id", "anticoagulant", "target_inr_low", "target_inr_high"):
            plans[episode_id] = (agent, (low, high) if low is not None else None)
        unit = None
        for episode_id, (agent, target) in plans.items():
            if target is None:
                unit = unit or UnitSettings.current()
                target = (unit.default_inr_low, unit.default_inr_high)
            facts[episode_id].target_inr = target
            facts[episode_id].anticoagulant = agent
        for episode_id, agent, start, stop, low, high in (
            AnticoagulationCourse.objects.filter(episode_id__in=ids)
            .order_by("started_on", "id")
            .values_list(
                "episode_id",
                "agent",
                "started_on",
                "stopped_on",
                "target_inr_low",
                "target_inr_high",
            )
        ):
            target = (low, high) if low is not None else None
            facts[episode_id].courses.append((COURSE_CLASS[agent], start, stop, target))
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
    performed_on: dt.date,
    segments: list[dict],
    villalta: dict | None = None,
    vcss: dict | None = None,
    ceap: str | None = None,
) -> tuple[dict, list[dict], Urgent | None]:
    """Every segment stented by then in any procedure of the episode is reported (after a
    re-intervention, the index stents too); the segments are rows, the JSON keeps the rest."""
    segments = [{"segment": s["segment"], "result": s["result"]} for s in segments]
    seen = [s["segment"] for s in segments]
    if len(seen) != len(set(seen)):
        raise InvalidInput({"segments": "Each segment may be reported once."})
    missing = sorted(facts.stented_on(performed_on) - set(seen))
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
    procedure_on = facts.procedure_on(performed_on)
    result = {
        "villalta": dict(villalta) if villalta is not None else None,
        "vcss": dict(vcss) if vcss is not None else None,
        "ceap": ceap,
        "procedure_on": procedure_on.isoformat() if procedure_on else None,
    }
    return result, segments, duplex_finding(segments)


def _inr_result(
    facts: EpisodeFacts, performed_on: dt.date, inr: Decimal
) -> tuple[dict, Urgent | None]:
    """Judged against the range of the VKA course running that day (else the plan's) as it
    stands now: a corrected range applies to the next readings, and each earlier one keeps the
    target it was judged by. Off a VKA (a DOAC, a heparin) an INR is kept with no target and
    judged against nothing (it does not measure their effect)."""
    anticoagulant, target = facts.inr_judged_by(performed_on)
    if anticoagulant in NOT_JUDGED_BY_INR or anticoagulant == CourseClass.PARENTERAL:
        return {"inr": str(inr), "target": None, "anticoagulant": anticoagulant}, None
    low, high = target or facts.target_inr  # type: ignore[misc]  # loaded for INR checks
    return {"inr": str(inr), "target": [str(low), str(high)]}, inr_finding(inr, low, high)


def _review_result(data: dict) -> tuple[dict, Urgent | None]:
    """Adherence to the anticoagulant and, when asked, to the stockings: either not kept to
    is a finding."""
    result = {"adherent": data["adherent"], "notes": data.get("notes", "")}
    compression = data.get("compression_adherent")
    if compression is not None:
        result["compression_adherent"] = compression
    return result, review_finding(data["adherent"], compression)


def result_of(
    facts: EpisodeFacts, kind: str, performed_on: dt.date, data: dict
) -> tuple[dict, dict | None, Urgent | None]:
    """A follow-up's or a visit's result: what is kept, its parts (a duplex's segment
    results), and what is alarming about it (None: nothing), for the coordinator at once."""
    if kind == Kind.DUPLEX:
        result, segments, urgent = _duplex_result(
            facts,
            performed_on,
            data["segments"],
            data.get("villalta"),
            data.get("vcss"),
            data.get("ceap"),
        )
        return result, {"segments": segments}, urgent
    if kind == Kind.INR_CHECK:
        result, urgent = _inr_result(facts, performed_on, data["inr"])
        return result, None, urgent
    result, urgent = _review_result(data)
    return result, None, urgent


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


def _stays_words(stays) -> str:
    return " and ".join(
        f"from {start.isoformat()}" + (f" to {end.isoformat()}" if end else "")
        for start, end in stays
    )


@dataclass(frozen=True)
class VisitOpening:
    """How a visit is recorded now, before its date is known (what its form asks): `post_op`,
    an INR on the ward; `late_since`, the day the episode left surveillance, for a result done
    there and entered late, with a reason; neither, in the stay in surveillance going on."""

    post_op: bool = False
    late_since: dt.date | None = None


def takes_unscheduled_visits(state: str) -> bool:
    """An episode in surveillance takes unscheduled visits of every kind, as usual (a patient
    back with symptoms): what the inbox offers beside an alert."""
    return state == State.SURVEILLANCE


def visit_opening(facts: EpisodeFacts | None, *, state: str, kind: str) -> VisitOpening | None:
    """Whether and how a visit of `kind` is recorded in `state` (None: not now); visit_is_late
    then judges the date given. In post-op an INR is taken on the ward (pathway.md section 7);
    once the episode has left surveillance, a result of its last stay there may be entered."""
    if state == State.POST_OP and kind == Kind.INR_CHECK:
        return VisitOpening(post_op=True)
    if takes_unscheduled_visits(state):
        return VisitOpening()
    left_on = facts.stays[-1][1] if facts is not None and facts.stays else None
    return None if left_on is None else VisitOpening(late_since=left_on)


def visit_is_late(
    facts: EpisodeFacts, *, state: str, kind: str, performed_on: dt.date, reason: str
) -> bool:
    """When a visit may be dated: in the stay in surveillance going on, as usual; in an earlier
    stay, a result entered after the episode moved on (the duplex that led to a
    re-intervention, entered the day after), which needs a reason and is late (it alerts
    nobody: the episode has moved on); any other day is refused, naming the stays. In post-op
    an INR may be taken on the ward from the day the episode went there (pathway.md section 7:
    bridging to a VKA)."""
    opening = visit_opening(facts, state=state, kind=kind)
    if opening is not None and opening.post_op:
        name, since = facts.previous_move
        if performed_on < since:
            raise InvalidInput(
                {
                    "performed_on": (
                        f"The episode went into post-op on {since.isoformat()}; an INR on the ward "
                        "is dated from then."
                    )
                }
            )
        return False
    if not facts.stays:
        if state in TERMINAL:
            raise Conflict(f"The episode is closed ('{state}'); it takes no visits.")
        raise Conflict(
            f"Unscheduled visits are recorded in surveillance; the episode is in '{state}'."
        )
    for start, end in facts.stays:
        if end is None and start <= performed_on:
            return False
        if end is not None and start <= performed_on <= end:
            if not reason.strip():
                raise InvalidInput(
                    {
                        "reason": f"The episode left surveillance on {end.isoformat()}: say why "
                        "this result is entered after it moved on."
                    }
                )
            return True
    raise InvalidInput(
        {
            "performed_on": f"The patient was not in surveillance on {performed_on.isoformat()} "
            f"(in surveillance {_stays_words(facts.stays)})."
        }
    )


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
    return result_of(facts, follow_up.kind, performed_on, data)


def followup_closed(follow_up: FollowUp) -> str | None:
    """Why a follow-up takes no result, in words (None: it is open and takes one, once)."""
    if follow_up.completed_at:
        return "A result has already been recorded for this follow-up."
    if follow_up.cancelled_at:
        return "This follow-up was cancelled; it takes no result."
    return None


def followup_takes_result(follow_up: FollowUp | None) -> FollowUp:
    """Only an open follow-up takes a result, and only once."""
    if follow_up is None:
        raise NotFound("No such follow-up.")
    if closed := followup_closed(follow_up):
        raise Conflict(closed)
    return follow_up
