"""The summary at the top of the episode page: the diagnosis (the DVT and its extent), the
stage and the days in it, the key facts of each stage the episode has passed, the warnings,
the next three follow-ups and the latest results, in words.

Built, with no query of its own, from what the page has already read: the episode view, its
records and its timeline (whose follow-ups, results and visits are already in words)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from pathway import labels, wording
from pathway.codes import State
from pathway.labels import STAGES
from pathway.selectors.episodes import EpisodeRecords, EpisodeView

SHOWN = 3  # follow-ups ahead, and results


@dataclass
class StageFacts:
    stage: str  # the stage in words
    facts: list[str] = field(default_factory=list)
    procedure: object | None = None  # the procedure note, shown with its stents
    plan: object | None = None  # the discharge plan


@dataclass
class Upcoming:
    kind: str
    due_on: dt.date
    opens: dt.date
    closes: dt.date
    status: str


@dataclass
class Result:
    kind: str
    on: dt.date
    words: str
    unscheduled: bool = False


@dataclass
class Summary:
    diagnosis: str
    extent: str
    onset: dt.date | None
    stage: str
    days_in_stage: int
    since: dt.date | None
    past: list[StageFacts]
    warnings: list[tuple[str, str]]
    next_follow_ups: list[Upcoming]
    latest_results: list[Result]


def diagnosis(segments: list[str]) -> str:
    """The DVT named by its extent: "Left ilio-caval DVT", "Right iliofemoral DVT"."""
    if not segments:
        return "Deep vein thrombosis (extent not recorded)"
    sides = {s.split("_", 1)[0] for s in segments if s != "ivc"}
    side = {
        frozenset({"left"}): "Left ",
        frozenset({"right"}): "Right ",
        frozenset({"left", "right"}): "Bilateral ",
    }.get(frozenset(sides), "")
    iliac = any("iliac" in s for s in segments)
    if "ivc" in segments:
        name = "ilio-caval DVT" if iliac else "IVC thrombosis"
    elif iliac:
        name = "iliofemoral DVT"
    else:
        name = "femoropopliteal DVT"
    return wording.first_upper(f"{side}{name}")


def _codes(values) -> str:
    return ", ".join(labels.code(v) for v in values or ()) or "none"


def _past_stages(episode) -> list[str]:
    """The stages before the current one; every stage once the episode is closed."""
    if episode.state in STAGES:
        return list(STAGES[: STAGES.index(episode.state)])
    return list(STAGES)


def _stage_facts(episode, records: EpisodeRecords) -> list[StageFacts]:
    past = _past_stages(episode)
    found = []
    sel = records.selection
    if State.SELECTION in past and sel is not None:
        facts = [
            f"Assessed {sel.assessed_on:%Y-%m-%d}; symptom onset {sel.symptom_onset:%Y-%m-%d}.",
            f"Presentation: {_codes(sel.indications)}.",
            f"Absolute contraindications: {_codes(sel.contraindications)}.",
            f"Fit for a major procedure: {'yes' if sel.fit_for_procedure else 'no'}.",
            f"Thrombophilia: {labels.code(sel.thrombophilia)}"
            + (f" ({sel.thrombophilia_finding})" if sel.thrombophilia_finding else "")
            + ".",
        ]
        found.append(StageFacts(labels.state(State.SELECTION), facts))
    if State.MDT_DISCUSSION in past and records.mdt_decisions:
        mdt = records.mdt_decisions[-1]
        facts = [
            f"Decision on {mdt.date:%Y-%m-%d}: {labels.code(mdt.decision)}"
            + (f" ({mdt.rationale.rstrip('.')})" if mdt.rationale else "")
            + ".",
            f"Attendees: {_codes(mdt.attendees)}.",
        ]
        if len(records.mdt_decisions) > 1:
            facts.append(f"{len(records.mdt_decisions)} decisions recorded; the latest is shown.")
        found.append(StageFacts(labels.state(State.MDT_DISCUSSION), facts))
    if State.IMAGING in past and (records.imaging_studies or records.anticoagulation):
        facts = []
        for study in records.imaging_studies:
            seen = [
                f"IVC anomaly: {_tri(study.ivc_anomaly)}",
                f"IVC filter: {_tri(study.ivc_filter)}",
            ]
            if study.right_heart_strain is not None:
                seen.append(f"right-heart strain: {_tri(study.right_heart_strain)}")
            text = f"{wording.first_upper(labels.code(study.modality))} on {study.date:%Y-%m-%d}: "
            text += ", ".join(seen) + (f"; {study.findings}" if study.findings else "") + "."
            facts.append(text)
        ac = records.anticoagulation
        if ac is not None:
            started = timezone.localtime(ac.started_at)
            facts.append(
                f"Anticoagulation before the procedure: {labels.code(ac.agent)} from "
                f"{started:%Y-%m-%d %H:%M}."
            )
        found.append(StageFacts(labels.state(State.IMAGING), facts))
    if State.PROCEDURE in past and records.current_procedure_note is not None:
        found.append(
            StageFacts(labels.state(State.PROCEDURE), procedure=records.current_procedure_note)
        )
    if State.POST_OP in past and records.discharge_plan is not None:
        found.append(StageFacts("Discharge", plan=records.discharge_plan))
    return found


def _tri(value) -> str:
    return {True: "yes", False: "no"}.get(value, "not assessed")


OPEN = ("open", "due", "overdue")


def episode_summary(*, view: EpisodeView, records: EpisodeRecords, timeline: list) -> Summary:
    """The summary of what the page has already read: the episode view (with the warnings),
    its records and its timeline (the follow-ups, results and visits in words). No query."""
    episode = view.episode
    sel = records.selection
    segments = list(sel.thrombus_segments) if sel is not None else []
    ahead = [
        Upcoming(e.what, e.on, e.window[0], e.window[1], e.status)
        for e in timeline
        if e.kind == "follow_up" and e.status in OPEN
    ]
    ahead.sort(key=lambda f: f.due_on)
    results = [
        Result(e.what, e.on, e.detail, unscheduled=e.kind == "visit")
        for e in timeline
        if e.kind in ("result", "visit") and e.on is not None
    ]
    results.sort(key=lambda r: r.on, reverse=True)
    return Summary(
        diagnosis=diagnosis(segments) if sel is not None else "Not assessed yet",
        extent=", ".join(labels.code(s) for s in segments),
        onset=sel.symptom_onset if sel is not None else None,
        stage=labels.state(episode.state),
        days_in_stage=view.days_in_state,
        since=episode.entered_on,
        past=_stage_facts(episode, records),
        warnings=[(labels.rule(w.rule), w.message) for w in view.warnings],
        next_follow_ups=ahead[:SHOWN],
        latest_results=results[:SHOWN],
    )
