"""Surveillance of one synthetic patient: the results of the follow-ups the discharge scheduled
(each within its window, none after today), an unscheduled visit when an occlusion brings the
patient back, re-interventions with their own procedure and discharge, and the exit.

Patency follows a drawn failure day (pathway.md section 5: primary patency of roughly 70-90% at
1-2 years): from the first duplex on or after it, a stented segment shows stenosis or occlusion
until a re-intervention reopens it."""

from __future__ import annotations

import datetime as dt
import heapq
from dataclasses import dataclass, field

from demo.synthetic import draws, journey
from demo.synthetic.story import (
    SEEN_AFTER,
    Story,
    discharge_write,
    procedure_note_write,
    urgent_seen,
)
from pathway import rules, services
from pathway.models import Episode
from tasks.models import FollowUp
from tasks.services import followup_results_record_bulk, visit_record

JITTER = {"duplex": (-4, 6), "anticoagulation_review": (-4, 6), "inr_check": (-2, 3)}
OVERDUE_SHARE = 0.2  # of follow-ups whose window closed in the last OVERDUE_DAYS days
OVERDUE_DAYS = 45


@dataclass
class Exit:
    name: str  # record_death, withdraw or complete
    on: dt.date
    reason: str = ""


@dataclass
class Failure:
    on: dt.date
    segment: str
    result: str  # stenosis or occluded
    symptomatic: bool
    seen: bool = False


def _failure_draw(story: Story) -> Failure:
    rng = story.rng
    risk = draws.LESIONS[story.lesion][1] * (1.8 if story.inflow == "poor" else 1.0)
    occluded = rng.random() < 0.35
    assert story.procedure_on is not None  # operated
    return Failure(
        on=story.procedure_on + dt.timedelta(days=draws.failure_day(rng, risk)),
        segment=rng.choice(story.stented),
        result="occluded" if occluded else "stenosis",
        symptomatic=occluded and rng.random() < 0.35,
    )


def _performed_on(story: Story, row: FollowUp) -> dt.date | None:
    """When the nurse did it: near the due date, inside the window, not before the last move;
    None while it is still owed (due today, or overdue)."""
    low, high = JITTER[row.kind]
    day = row.due_on + dt.timedelta(days=story.rng.randint(low, high))
    day = min(max(day, row.window_opens_on, story.on), row.window_closes_on)
    if day > story.today:
        return None  # due now: the window is open and the nurse has not done it yet
    recent = row.window_closes_on >= story.today - dt.timedelta(days=OVERDUE_DAYS)
    if recent and story.rng.random() < OVERDUE_SHARE:
        return None
    return day


def _segments(story: Story, failure: Failure, day: dt.date) -> list[dict]:
    failed = day >= failure.on
    return [
        {"segment": s, "result": failure.result if failed and s == failure.segment else "patent"}
        for s in dict.fromkeys(story.stented)
    ]


def _duplex_data(story: Story, failure: Failure, day: dt.date) -> dict:
    data: dict[str, object] = {"segments": _segments(story, failure, day)}
    assert story.index_on is not None  # in surveillance
    if (day - story.index_on).days >= 90:  # PTS is diagnosed from 3 months
        data["villalta"] = draws.villalta_draw(story.rng, story.pts_propensity)
    return data


@dataclass
class Owed:
    """The patient's follow-up results, collected in date order and written together through
    the bulk path before any other write of the patient (a visit, a complication, a move), so
    every write sees what it would have seen one by one."""

    story: Story
    results: list[dict] = field(default_factory=list)
    seen: list[int] = field(default_factory=list)  # follow-ups whose urgent alerts were seen

    def add(self, row: FollowUp, day: dt.date, data: dict) -> None:
        self.results.append({"follow_up_id": row.id, "performed_on": day, **data})
        if day < self.story.today - SEEN_AFTER:
            self.seen.append(row.id)

    def write(self) -> None:
        if self.results:
            followup_results_record_bulk(actor=self.story.actors.nurse, results=self.results)
        if self.seen:
            urgent_seen(self.story, follow_up_id__in=self.seen)
        self.results, self.seen = [], []


def _found(story: Story, failure: Failure, day: dt.date, **shown_by) -> dt.date | None:
    """A failure is seen for the first time: a late complication, sometimes, and the date of
    the re-intervention it prompts (None: watched, not treated, or after today)."""
    failure.seen = True
    rng = story.rng
    if rng.random() < 0.5:
        kind = "stent_thrombosis" if failure.result == "occluded" else "stent_restenosis"
        services.complication_add(
            actor=story.actors.coordinator,
            episode_id=story.episode_id,
            kind=kind,
            occurred_on=day,
            severity=rng.choice(("mild", "moderate")),
        )
    if rng.random() < (0.75 if failure.result == "occluded" else 0.5):
        story.pending = {
            "cause": "occlusion" if failure.result == "occluded" else "stenosis",
            "segments": [failure.segment],
            **shown_by,
        }
        return day + dt.timedelta(days=rng.randint(1, 14))
    return None


def _period_write(story: Story, failure: Failure, exit_: Exit | None) -> dt.date | None:
    """Record the results owed since the last discharge, in date order, up to the exit or to a
    re-intervention, with the anticoagulation journey's writes at their dates (a course change
    may cancel follow-ups still owed, skipped then); return the re-intervention's date, if one
    is due by then."""
    rows = FollowUp.objects.filter(episode_id=story.episode_id).owed(today=story.today)
    events = [(day, 0, row.id, row) for row in rows if (day := _performed_on(story, row))]
    if failure.symptomatic and story.on <= failure.on <= story.today:
        events.append((failure.on, 0, 0, None))  # the patient comes back with a swollen leg
    queued: set[str] = set()

    def journey_queue(since: dt.date) -> None:
        for day, key, write in journey.surveillance_events(story, since):
            if key not in queued:
                queued.add(key)
                heapq.heappush(events, (day, 1, len(queued), write))

    heapq.heapify(events)
    journey_queue(story.on)
    redo_on, owed, cancelled = None, Owed(story), set()
    while events:
        day, _, row_id, row = heapq.heappop(events)
        if (exit_ and day >= exit_.on) or (redo_on and day >= redo_on):
            break
        if callable(row):  # a journey write: a course change may cancel follow-ups owed
            owed.write()
            row()
            ahead = [e[2] for e in events if isinstance(e[3], FollowUp)]
            cancelled |= set(
                FollowUp.objects.filter(id__in=ahead, cancelled_at__isnull=False).values_list(
                    "id", flat=True
                )
            )
            journey_queue(day)
            continue
        if row_id in cancelled:
            continue
        if row is None:
            owed.write()
            visit = visit_record(
                actor=story.actors.nurse,
                episode_id=story.episode_id,
                kind="duplex",
                performed_on=day,
                **_duplex_data(story, failure, day),
            )
            urgent_seen(story, visit=visit)
            redo_on = _found(story, failure, day, visit=visit.id) or redo_on
            continue
        data: dict[str, object] = {"adherent": story.rng.random() < 0.9}
        if row.kind == "duplex":
            data = _duplex_data(story, failure, day)
        elif row.kind == "inr_check":
            data = {"inr": draws.inr_draw(story.rng, story.inr_spread)}
            day = journey.inr_day(story, day)
        owed.add(row, day, data)
        if row.kind == "duplex" and day >= failure.on and not failure.seen:
            owed.write()
            redo_on = _found(story, failure, day, follow_up=row.id) or redo_on
    owed.write()
    if redo_on and redo_on <= story.today and not (exit_ and redo_on >= exit_.on):
        return redo_on
    return None


def _reintervention_write(story: Story, on: dt.date) -> None:
    story.on = on
    story.move("reintervene", reason="Duplex finding.", reintervention=story.pending)
    assert story.pending is not None  # a failure found
    segment = story.pending["segments"][0]
    stents = []
    if story.rng.random() < 0.4:  # a new stent inside the failed one; else angioplasty alone
        stents = [
            {
                "product": story.rng.choice(draws.PRODUCTS),
                "diameter_mm": 14,
                "length_mm": 60,
                "segment": segment,
            }
        ]
    procedure_note_write(story, stents, redo=True)
    discharge_write(story, first=False)


def surveillance_write(story: Story, exit_: Exit | None) -> None:
    """From the discharge to today or the exit, re-intervening when a failure prompts it."""
    story.index_on = story.procedure_on
    story.pts_propensity = draws.pick(story.rng, ((0.1, 60), (0.4, 25), (0.65, 10), (0.9, 5)))
    story.inr_spread = story.rng.choice((0.35, 0.45, 0.6, 0.8))
    failure = _failure_draw(story)
    while (redo_on := _period_write(story, failure, exit_)) is not None:
        _reintervention_write(story, redo_on)
        failure = _failure_draw(story)
    if exit_ is not None and exit_.on <= story.today:
        story.on = max(exit_.on, story.on)
        if exit_.name == "record_death":
            story.move("record_death")
        elif exit_.name != "complete" or _safe_to_finish(story, exit_):
            story.move(exit_.name, reason=exit_.reason)


def _safe_to_finish(story: Story, exit_: Exit) -> bool:
    """Before finishing surveillance the coordinator reviews the urgent results left unseen;
    a stent the latest duplex shows failing, untreated, keeps the patient in surveillance
    (pathway.md section 6, `surveillance_finished`)."""
    urgent_seen(story, episode_id=story.episode_id)
    episode = Episode.objects.get(id=story.episode_id)
    episode.pending_reason = exit_.reason
    return rules.surveillance_finished(episode) is None
