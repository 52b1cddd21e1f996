"""One synthetic patient's story up to the discharge, written through the pathway services:
referral, selection, MDT, imaging, procedure and post-op, each dated along a cursor that never
passes today, so every date fits the episode's timeline as the services check it."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

if TYPE_CHECKING:
    from django.contrib.auth.models import User

from demo.synthetic import draws, journey
from pathway import services
from pathway.codes import Contraindication
from pathway.rules import SYMPTOM_WINDOW_DAYS
from patients.services import patient_create
from tasks.models import Alert
from tasks.services import alert_acknowledge

SEEN_AFTER = dt.timedelta(days=2)  # an urgent finding older than this was seen at the time


@dataclass
class Actors:
    """Who writes what: the coordinator moves and records, the nurse records results, the admin
    reads the outcomes."""

    coordinator: User
    nurse: User
    admin: User


@dataclass
class Story:
    rng: random.Random
    actors: Actors
    today: dt.date
    fate: str
    on: dt.date  # the cursor: the date of the latest move or record
    episode_id: int = 0  # set as the episode is opened (cohort.patient_write)
    state: str = "selection"
    side: str = "left"
    stented: list[str] = field(default_factory=list)
    lesion: str = "none"
    inflow: str = "good"
    procedure_on: dt.date | None = None
    anticoagulant: str = ""
    pe_suspected: bool = False
    planned_stents: list[dict] = field(default_factory=list)
    # surveillance (demo/synthetic/surveillance.py)
    index_on: dt.date | None = None
    pts_propensity: float = 0.0
    inr_spread: float = 0.5
    pending: dict | None = None
    selection: dict = field(default_factory=dict)  # as recorded, to record it again
    # the anticoagulation journey (demo/synthetic/journey.py)
    journey: journey.Journey | None = None
    born: dt.date = dt.date.min  # set as the patient is registered (patient_register)
    sex: str = ""
    ward_until: dt.date | None = None  # a bridged patient stays on the ward until then
    discharged_on: dt.date | None = None  # the first discharge
    seen_after = SEEN_AFTER

    def age_on(self, day: dt.date) -> int:
        return day.year - self.born.year - ((day.month, day.day) < (self.born.month, self.born.day))

    def seen(self, **of) -> None:
        urgent_seen(self, **of)

    def later(self, low: int, high: int) -> dt.date:
        """Move the cursor on by low-high days, never past today."""
        self.on = min(self.on + dt.timedelta(days=self.rng.randint(low, high)), self.today)
        return self.on

    def move(self, name: str, **kwargs) -> None:
        actor = self.actors.coordinator
        episode = services.episode_transition(
            episode_id=self.episode_id, name=name, actor=actor, effective_on=self.on, **kwargs
        )
        self.state = episode.state

    def at(self, day: dt.date, hour: int) -> dt.datetime:
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
        return min(moment, timezone.now())


def patient_register(*, story: Story, mrn: str, number: int, referred_on: dt.date):
    """An obviously synthetic patient (an MRN starting SYN, family name Synthetic-<n>)."""
    rng = story.rng
    age = rng.randint(19, 78)
    born = referred_on - dt.timedelta(days=age * 365 + rng.randint(0, 364))
    story.born = born
    story.sex = draws.pick(rng, (("female", 55), ("male", 44), ("other", 1)))
    return patient_create(
        actor=story.actors.coordinator,
        mrn=mrn,
        given_name=rng.choice(draws.GIVEN),
        family_name=f"Synthetic-{number:06d}",
        birth_date=born,
        sex=story.sex,
    )


def selection_write(story: Story) -> None:
    rng, coordinator = story.rng, story.actors.coordinator
    story.side = "left" if rng.random() < 0.7 else "right"  # May-Thurner: mostly left
    stents = draws.stents_draw(rng, story.side)
    story.stented = [s["segment"] for s in stents]
    story.planned_stents = stents
    story.pe_suspected = rng.random() < 0.15
    assessed = story.later(0, 1)
    delay = draws.pick(rng, (("early", 85), ("late", 12), ("beyond", 3)))
    days = {"early": (1, 13), "late": (14, 21), "beyond": (22, 28)}[delay]
    excluded = story.fate == "excluded_selection"
    contraindications = [rng.choice(draws.CONTRAINDICATIONS)] if excluded else []
    unfit = story.fate == "unfit"
    thrombophilia = draws.pick(
        rng, (("not_tested", 15), ("pending", 20), ("negative", 50), ("positive", 15))
    )
    story.selection = dict(
        assessed_on=assessed,
        symptom_onset=assessed - dt.timedelta(days=rng.randint(*days)),
        indications=rng.sample(draws.INDICATIONS, rng.randint(1, 3)),
        contraindications=contraindications,
        fit_for_procedure=not unfit,
        thrombus_segments=draws.thrombus_draw(rng, story.side, story.stented),
        pe_suspected=story.pe_suspected,
        symptom_window_override=(
            "Phlegmasia threatening the limb; benefit outweighs the late presentation."
            if delay == "beyond"
            else None
        ),
        thrombophilia=thrombophilia,
        thrombophilia_finding="factor V Leiden" if thrombophilia == "positive" else "",
        comorbidities=rng.choice(("", "", "hypertension", "type 2 diabetes", "obesity")),
    )
    journey.selection_draw(story)
    services.selection_record(actor=coordinator, episode_id=story.episode_id, **story.selection)
    journey.measurements_write(story)
    if excluded:
        label = Contraindication(contraindications[0]).label.lower()
        story.move("exclude", reason=f"Absolute contraindication: {label}.")
    elif unfit:
        story.move("exclude", reason="Not fit for a major procedure (anaesthetic review).")
    else:
        story.later(0, 2)
        story.move("refer_to_mdt")


def mdt_write(story: Story, decision: str = "proceed") -> None:
    rng = story.rng
    attendees = ["vascular_surgeon", "interventional_radiologist"]
    recommended = (("haematologist", 0.85), ("anaesthetist", 0.8))
    attendees += [role for role, share in recommended if rng.random() < share]
    if decision == "proceed" and rng.random() < 0.08:
        services.mdt_decision_add(
            actor=story.actors.coordinator,
            episode_id=story.episode_id,
            date=story.later(1, 7),
            attendees=attendees,
            decision="defer",
            rationale="Await thrombophilia screen.",
        )
    services.mdt_decision_add(
        actor=story.actors.coordinator,
        episode_id=story.episode_id,
        date=story.later(1, 7),
        attendees=attendees,
        decision=decision,
        rationale={
            "proceed": "Extensive iliocaval DVT, high PTS risk, fit.",
            "anticoagulation_alone": "Limited thrombus burden: anticoagulation alone.",
        }[decision],
        anaesthetic_risk=rng.choice(("ASA 1", "ASA 2", "ASA 2", "ASA 3")),
    )
    story.move("approve" if decision == "proceed" else "exclude")


def imaging_write(story: Story) -> None:
    """A duplex (often the diagnostic scan, before referral is allowed), CT or MR venography,
    echocardiography when PE is suspected, then anticoagulation and the booking."""
    rng, coordinator, episode_id = story.rng, story.actors.coordinator, story.episode_id
    services.imaging_study_add(
        actor=coordinator,
        episode_id=episode_id,
        modality="duplex",
        date=story.later(0, 3),
        thrombus_segments=story.stented,
    )
    blocked = story.fate == "excluded_imaging"
    services.imaging_study_add(
        actor=coordinator,
        episode_id=episode_id,
        modality="ct_venography" if rng.random() < 0.8 else "mr_venography",
        date=story.later(0, 3),
        ivc_anomaly=blocked,
        ivc_filter=rng.random() < 0.05,
        thrombus_segments=story.stented,
        findings="Absent infrarenal IVC." if blocked else "",
    )
    if blocked:
        story.move("return_to_mdt", reason="CT venography shows an absent infrarenal IVC.")
        mdt_write(story, decision="anticoagulation_alone")
        return
    if story.pe_suspected:
        services.imaging_study_add(
            actor=coordinator,
            episode_id=episode_id,
            modality="echocardiography",
            date=story.on,
            right_heart_strain=rng.random() < 0.3,
        )
    services.anticoagulation_record(
        actor=coordinator,
        episode_id=episode_id,
        agent="ufh_infusion" if rng.random() < 0.6 else "lmwh",
        started_at=story.at(story.on, 8),
    )
    story.later(0, 2)
    _book(story)
    if rng.random() < 0.05:
        story.later(0, 2)
        story.move("postpone", reason="Theatre list cancelled.")
        story.later(2, 7)
        _book(story)


def _book(story: Story) -> None:
    """Book the procedure; beyond the symptom window on the booking day (thrombus_age) the MDT
    accepts the late clot first, recorded as the selection's override with a reason."""
    selection = story.selection
    late = (story.on - selection["symptom_onset"]).days > SYMPTOM_WINDOW_DAYS
    if late and not selection["symptom_window_override"]:
        selection["symptom_window_override"] = "MDT: benefit outweighs the thrombus age."
        services.selection_record(
            actor=story.actors.coordinator,
            episode_id=story.episode_id,
            **selection,
            reason="Booked beyond the symptom window, as the MDT accepted.",
        )
    story.move("schedule_procedure")


def procedure_note_write(story: Story, stents: list[dict], *, redo: bool = False) -> None:
    rng = story.rng
    technique = draws.pick(rng, (("pharmacomechanical", 60), ("aspiration", 25), ("rheolytic", 15)))
    agent = rng.choice(("alteplase", "urokinase")) if technique == "pharmacomechanical" else None
    dose = {"alteplase": Decimal(rng.choice((10, 15, 20))), "urokinase": Decimal(250000)}
    story.procedure_on = story.later(0, 3)
    access: dict[str, object] = {"vein": rng.choice(("popliteal", "femoral")), "side": story.side}
    access["ultrasound_guided"] = True
    services.procedure_note_record(
        actor=story.actors.coordinator,
        episode_id=story.episode_id,
        date=story.procedure_on,
        access=[access],
        technique=technique,
        device={"pharmacomechanical": "Trellis", "aspiration": "Indigo", "rheolytic": "AngioJet"}[
            technique
        ],
        thrombolytic_agent=agent,
        thrombolytic_dose=dose[agent] if agent else None,
        thrombolytic_dose_unit={"alteplase": "mg", "urokinase": "IU"}.get(agent or ""),
        angioplasty=True,
        stents=stents,
        ivus=rng.random() < 0.7,
        completion_venography={
            "patent": redo or rng.random() < 0.97,
            "residual_stenosis_pct": rng.choice((0, 5, 10, 10, 20, 30)),
            "dissection": rng.random() < 0.02,
        },
        inflow=story.inflow,
        underlying_lesion=story.lesion,
    )
    story.move("complete_procedure")


def procedure_write(story: Story) -> None:
    rng = story.rng
    story.lesion = draws.pick(rng, [(k, v[0]) for k, v in draws.LESIONS.items()])
    story.inflow = draws.pick(rng, (("good", 70), ("fair", 20), ("poor", 10)))
    procedure_note_write(story, story.planned_stents)


def urgent_seen(story: Story, **of) -> None:
    """An urgent finding in the past was seen by the coordinator (no escalation left open)."""
    coordinator = story.actors.coordinator
    for alert_id in Alert.objects.filter(
        recipient=coordinator, kind=Alert.Kind.URGENT_RESULT, **of
    ).values_list("id", flat=True):
        alert_acknowledge(actor=coordinator, alert_id=alert_id)


def postop_write(story: Story) -> None:
    """Ward checks, sometimes an early complication, then the pre-discharge duplex, the plan
    and the discharge (which creates the follow-up schedule)."""
    rng, coordinator, episode_id = story.rng, story.actors.coordinator, story.episode_id
    procedure_on = story.procedure_on
    assert procedure_on is not None  # procedure_write ran
    for n in range(rng.randint(1, 3)):
        day = min(procedure_on + dt.timedelta(days=n), story.today)
        impaired = rng.random() < 0.02
        check = services.postop_check_add(
            actor=coordinator,
            episode_id=episode_id,
            at=story.at(day, 8 + 6 * (n % 2)),
            limb_perfusion="impaired" if impaired else "normal",
            compartment_signs=False,
            access_bleeding=False,
            pain_score=rng.randint(0, 5),
            mobilised=n > 0,
        )
        if impaired and day < story.today - SEEN_AFTER:
            urgent_seen(story, postop_check=check)  # years ago: it was seen then
    if rng.random() < 0.08:
        kind = draws.pick(
            rng,
            (
                ("access_site_bleeding", 4),
                ("haematoma", 3),
                ("pulmonary_embolism", 1),
                ("acute_stent_thrombosis", 1),
                ("contrast_reaction", 1),
            ),
        )
        bleeding = kind in ("access_site_bleeding", "haematoma")
        services.complication_add(
            actor=coordinator,
            episode_id=episode_id,
            kind=kind,
            occurred_on=min(procedure_on + dt.timedelta(days=rng.randint(0, 1)), story.today),
            severity=rng.choice(("mild", "mild", "moderate")),
            bleeding_class=rng.choice(("minor", "crnm")) if bleeding else None,
        )
    journey.postop_courses_write(story)


def discharge_write(story: Story, *, first: bool = True) -> None:
    rng, coordinator, episode_id = story.rng, story.actors.coordinator, story.episode_id
    discharged = story.later(1, 5)
    services.imaging_study_add(
        actor=coordinator,
        episode_id=episode_id,
        modality="duplex",
        date=discharged,
        findings="Stents patent.",
    )
    if story.ward_until and story.ward_until > discharged:  # bridging kept the patient in
        discharged = story.on = min(story.ward_until, story.today)
    story.ward_until = None
    plan = journey.discharge_courses_write(story, first=first)
    discharged = story.on  # a warfarin restarted after a re-intervention is bridged first
    if first:
        story.discharged_on = discharged
    if plan is not None:  # the long-term course's kind and duration: the plan names it
        story.anticoagulant, months = plan
        stockings = rng.random() < 0.9 if first else True
        services.discharge_plan_record(
            actor=coordinator,
            episode_id=episode_id,
            anticoagulant=story.anticoagulant,
            planned_duration_months=months,
            compression_stockings=stockings,
            compression_reason="" if stockings else "Declined by the patient.",
            reason="" if first else "Anticoagulation after the re-intervention.",
        )
    story.move("discharge")
