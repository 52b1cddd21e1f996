"""The procedure note (with its stents) and the discharge plan."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.errors import InvalidInput
from pathway import labels
from pathway.codes import (
    DEFAULT_TARGET_INR,
    THROMBOLYTIC_UNIT,
    Anticoagulant,
    Segment,
    State,
    Technique,
)
from pathway.models import DischargePlan, ProcedureNote, Stent, StentSegment
from pathway.rules import inr_range_problem
from pathway.services.common import (
    Writer,
    editable,
    no_future,
    not_after,
    not_before,
    record_write,
    relied_on_by,
)
from pathway.services.course_sync import courses_follow_discharge_plan

MAX_DOSE = {"mg": Decimal("100"), "IU": Decimal("10000000")}


def _check_thrombolysis(technique, agent, dose, unit) -> None:
    if agent is None:
        if technique == Technique.PHARMACOMECHANICAL:
            raise InvalidInput(
                {"thrombolytic_agent": "Pharmacomechanical thrombolysis needs the agent."}
            )
        if dose is not None or unit:
            field = "thrombolytic_dose" if dose is not None else "thrombolytic_dose_unit"
            raise InvalidInput({field: "A dose was given without an agent."})
        return
    expected = THROMBOLYTIC_UNIT[agent]
    if dose is None:
        raise InvalidInput({"thrombolytic_dose": "Give the dose of the thrombolytic agent."})
    if unit != expected:
        raise InvalidInput(
            {"thrombolytic_dose_unit": f"The dose of {agent} is given in {expected}."}
        )
    if not (Decimal(0) < dose <= MAX_DOSE[expected]):
        limit = f"{MAX_DOSE[expected]} {unit}"
        raise InvalidInput({"thrombolytic_dose": f"Give a dose above 0 and at most {limit}."})


STENT_FACTS = ("product", "diameter_mm", "length_mm", "segment", "segments", "lot", "udi")


def _stents_of(note: ProcedureNote) -> dict:
    """The stents of a note as its revisions keep them: each with its segments, lot and UDI."""
    stents = note.stents.prefetch_related("spans")
    return {"stents": [{f: getattr(s, f) for f in STENT_FACTS} for s in stents]}


def _stent_checked(number: int, stent: dict) -> dict:
    """One stent as written: the segments it spans (`segments`, or the one `segment` of the
    older clients), each known and named once, in the order given; lot and UDI trimmed."""
    where = f"Stent {number}"
    segments = stent.get("segments")
    if segments is None:
        segments = [stent["segment"]] if stent.get("segment") else []
    elif stent.get("segment") and stent["segment"] != (segments[:1] or [None])[0]:
        raise InvalidInput(
            {"stents": f"{where}: give the segments it spans, or one segment, not both."}
        )
    if not segments:
        raise InvalidInput({"stents": f"{where}: name the segment or segments it spans."})
    unknown = [s for s in segments if s not in Segment.values]
    if unknown:
        raise InvalidInput({"stents": f"{where}: unknown segment {', '.join(map(str, unknown))}."})
    twice = sorted({s for s in segments if segments.count(s) > 1})
    if twice:
        named = ", ".join(labels.code(s) for s in twice)
        raise InvalidInput({"stents": f"{where}: {named} is named more than once."})
    checked = {
        "product": stent["product"],
        "diameter_mm": stent["diameter_mm"],
        "length_mm": stent["length_mm"],
        "segment": segments[0],
        "segments": list(segments),
        "lot": (stent.get("lot") or "").strip(),
        "udi": (stent.get("udi") or "").strip(),
    }
    try:
        Stent(**{k: v for k, v in checked.items() if k != "segments"}).full_clean(exclude=["note"])
    except ValidationError as error:
        raise InvalidInput(
            {
                "stents": "; ".join(
                    f"{where}: {labels.field(f)}: {' '.join(m)}"
                    for f, m in error.message_dict.items()
                )
            }
        ) from None
    return checked


def _stents_save(note: ProcedureNote, stents: list[dict]) -> None:
    """The stents' rows, then the rows of the segments each spans (two INSERTs)."""
    placed = Stent.objects.bulk_create(
        Stent(note=note, **{k: v for k, v in s.items() if k != "segments"}) for s in stents
    )
    StentSegment.objects.bulk_create(
        StentSegment(stent=stent, segment=segment, position=i)
        for stent, s in zip(placed, stents, strict=True)
        for i, segment in enumerate(s["segments"])
    )


# A procedure dated before its booking: the booking may be what was dated wrong (pathway.md
# section 2: an admin corrects the last move).
BOOKING_HINT = {
    False: "If the booking itself was dated wrong, an admin can correct the booking: “Undo the "
    "last move (admin)” (the correct move) back to it, then book again with the right "
    "effective date.",
    True: "If the re-intervention itself was dated wrong, an admin can correct it: “Undo the "
    "last move (admin)” (the correct move) back to it, then re-intervene again with the right "
    "effective date.",
}


def _booked_on(episode, reintervention, among) -> dt.date | None:
    """When the procedure was booked: the standing schedule_procedure, or the reintervene."""
    if reintervention is not None:
        return reintervention.effective_on
    booked = relied_on_by(episode, "schedule_procedure", among=among)
    return booked and booked.effective_on


def procedure_note_record(
    *,
    actor,
    episode_id: int,
    date: dt.date,
    access: list[dict],
    technique: str,
    completion_venography: dict,
    stents: list[dict],
    device: str = "",
    thrombolytic_agent: str | None = None,
    thrombolytic_dose: Decimal | None = None,
    thrombolytic_dose_unit: str | None = None,
    angioplasty: bool = False,
    ivus: bool = False,
    complications: str = "",
    inflow: str | None = None,
    underlying_lesion: str | None = None,
    reason: str = "",
) -> ProcedureNote:
    """Write the note of the current procedure (after re-intervention, a new one)."""
    no_future(date=date)
    if not access:
        raise InvalidInput({"access": "Record at least one access vein."})
    _check_thrombolysis(technique, thrombolytic_agent, thrombolytic_dose, thrombolytic_dose_unit)
    stents = [_stent_checked(i, dict(s)) for i, s in enumerate(stents, start=1)]
    with transaction.atomic():
        episode = editable(
            episode_id,
            actor,
            states=WRITERS["procedure"].open_in,
            dates={"date": date},
        )
        relied = WRITERS["procedure"].relied_on_by
        assert relied is not None  # declared below
        # The four moves the note is dated between and relied on by, in one statement.
        moves = episode.standing_moves("reintervene", "schedule_procedure", relied, "discharge")
        reintervention = episode.current_reintervention(among=moves)
        booked = _booked_on(episode, reintervention, moves)
        what = "the re-intervention was decided" if reintervention else "it was booked"
        not_before(
            booked, f"the date {what}", date=date, hint=BOOKING_HINT[reintervention is not None]
        )
        completed = relied_on_by(episode, relied, since=reintervention, among=moves)
        discharged = relied_on_by(episode, "discharge", since=reintervention, among=moves)
        not_after(discharged and discharged.effective_on, "the discharge", date=date)
        if reintervention is None:
            first = episode.complications.order_by("occurred_on").first()
            not_after(
                first.occurred_on if first else None, "a complication that followed it", date=date
            )
        note = ProcedureNote.objects.filter(episode=episode, reintervention=reintervention).first()
        new = note is None
        if new:
            note = ProcedureNote(episode=episode, reintervention=reintervention)
        else:
            note.revision_parts = _stents_of(note)  # type: ignore[union-attr, arg-type]  # not new

        def save_stents(note):
            if not new:  # superseded, not deleted: a clinical row is never deleted
                note.stents.update(superseded_at=timezone.now())
            _stents_save(note, stents)

        note, _ = record_write(
            note,
            episode=episode,
            actor=actor,
            reason=reason,
            relied_on=lambda: completed,
            parts={"stents": stents},
            save_parts=save_stents,
            values=dict(
                date=date,
                access=access,
                technique=technique,
                device=device,
                thrombolytic_agent=thrombolytic_agent,
                thrombolytic_dose=thrombolytic_dose,
                thrombolytic_dose_unit=thrombolytic_dose_unit,
                angioplasty=angioplasty,
                ivus=ivus,
                completion_patent=completion_venography["patent"],
                residual_stenosis_pct=completion_venography.get("residual_stenosis_pct"),
                dissection=completion_venography.get("dissection", False),
                complications=complications,
                inflow=inflow,
                underlying_lesion=underlying_lesion,
            ),
        )
    return note


def discharge_plan_record(
    *,
    actor,
    episode_id: int,
    anticoagulant: str,
    compression_stockings: bool,
    target_inr_low: Decimal | None = None,
    target_inr_high: Decimal | None = None,
    planned_duration_months: int | None = None,
    compression_reason: str = "",
    reason: str = "",
) -> DischargePlan:
    if anticoagulant == Anticoagulant.VKA:
        if target_inr_low is None and target_inr_high is None:
            target_inr_low, target_inr_high = (Decimal(v) for v in DEFAULT_TARGET_INR)
        problem = inr_range_problem(target_inr_low, target_inr_high)
        if problem:
            field = "target_inr_high" if target_inr_high is None else "target_inr_low"
            raise InvalidInput({field: problem})
    elif target_inr_low is not None or target_inr_high is not None:
        field = "target_inr_low" if target_inr_low is not None else "target_inr_high"
        raise InvalidInput({field: "A target INR range applies only to a VKA."})
    compression_reason = (compression_reason or "").strip()
    if not compression_stockings and not compression_reason:
        raise InvalidInput(
            {"compression_reason": "Say why compression stockings are not prescribed."}
        )
    if planned_duration_months is not None and not (1 <= planned_duration_months <= 600):
        raise InvalidInput(
            {"planned_duration_months": "Give 1 to 600 months, or null for lifelong."}
        )
    with transaction.atomic():
        episode = editable(episode_id, actor, states=WRITERS["discharge_plan"].open_in)
        record = DischargePlan.objects.filter(episode=episode).first()
        record, _ = record_write(
            record or DischargePlan(episode=episode),
            episode=episode,
            actor=actor,
            reason=reason,
            relied_on=lambda: relied_on_by(episode, WRITERS["discharge_plan"].relied_on_by),
            values=dict(
                anticoagulant=anticoagulant,
                target_inr_low=target_inr_low,
                target_inr_high=target_inr_high,
                planned_duration_months=planned_duration_months,
                compression_stockings=compression_stockings,
                compression_reason=compression_reason,
            ),
        )
        if episode.state == State.SURVEILLANCE:  # after discharge: the course follows the plan
            courses_follow_discharge_plan(
                actor=actor,
                episode=episode,
                plan=record,
                on=timezone.localdate(),
                at_discharge=False,
                reason=reason,
            )
    return record


# What the page and the API read of these writers (common.Writer): the note of the current
# procedure (after a re-intervention, a new one) and the plan, each replaced as a whole.
WRITERS = {
    "procedure": Writer(
        procedure_note_record,
        open_in=(State.PROCEDURE, State.POST_OP, State.SURVEILLANCE),
        relied_on_by="complete_procedure",
        record="current_procedure_note",
        single=True,
    ),
    "discharge_plan": Writer(
        discharge_plan_record,
        offered_in=(State.POST_OP, State.SURVEILLANCE),
        relied_on_by="discharge",
        record="discharge_plan",
        single=True,
    ),
}
