"""The VTE-BLEED score (pathway.md section 7): the bleeding risk on anticoagulation, at selection
and at discharge, shown with its parts. It informs; it never blocks a move."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from pathway.rules.base import age_on, selection_of
from pathway.rules.renal import clearance_on

if TYPE_CHECKING:
    from pathway.models import Episode

VTE_BLEED_POINTS = {
    "active_cancer": Decimal("2"),
    "uncontrolled_hypertension": Decimal("1"),  # in a man
    "anaemia": Decimal("1.5"),
    "prior_bleeding": Decimal("1.5"),
    "age_60_or_over": Decimal("1.5"),
    "renal_dysfunction": Decimal("1.5"),  # creatinine clearance 30-60 mL/min
}
VTE_BLEED_HIGH_RISK = Decimal("2")
AGE_POINTS_FROM = 60
RENAL_DYSFUNCTION_ML_MIN = (Decimal("30"), Decimal("60"))  # both included


@dataclass(frozen=True)
class Part:
    factor: str
    points: float


@dataclass(frozen=True)
class VteBleed:
    """The score, whether it is high (>= 2), the factors that scored, and the facts that could
    not be told (the score may then be an underestimate): `creatinine_clearance` with no renal
    function known, `sex` for uncontrolled hypertension when the sex is neither male nor
    female. `at` and `on`: when it was assessed (`selection` or `discharge`, and the day)."""

    score: float
    high_risk: bool
    parts: tuple[Part, ...]
    missing: tuple[str, ...] = field(default=())
    at: str = ""
    on: dt.date | None = None


def vte_bleed(
    *,
    age: int,
    sex: str,
    active_cancer: bool,
    uncontrolled_hypertension: bool,
    anaemia: bool,
    prior_bleeding: bool,
    creatinine_clearance: Decimal | None,
) -> VteBleed:
    """VTE-BLEED from its facts: active cancer 2; a man with uncontrolled hypertension 1;
    anaemia 1.5; a history of bleeding 1.5; age 60 or over 1.5; creatinine clearance 30-60
    mL/min 1.5. High risk from 2."""
    low, high = RENAL_DYSFUNCTION_ML_MIN
    scored = {
        "active_cancer": active_cancer,
        "uncontrolled_hypertension": uncontrolled_hypertension and sex == "male",
        "anaemia": anaemia,
        "prior_bleeding": prior_bleeding,
        "age_60_or_over": age >= AGE_POINTS_FROM,
        "renal_dysfunction": creatinine_clearance is not None
        and low <= creatinine_clearance <= high,
    }
    missing = []
    if creatinine_clearance is None:
        missing.append("creatinine_clearance")
    if uncontrolled_hypertension and sex not in ("male", "female"):
        missing.append("sex")
    points = [(name, VTE_BLEED_POINTS[name]) for name, counts in scored.items() if counts]
    score = sum((p for _, p in points), Decimal(0))
    return VteBleed(
        score=float(score),
        high_risk=score >= VTE_BLEED_HIGH_RISK,
        parts=tuple(Part(name, float(p)) for name, p in points),
        missing=tuple(missing),
    )


def vte_bleed_on(episode: Episode, day: dt.date, at: str) -> VteBleed | None:
    """VTE-BLEED on `day`: the selection's facts as recorded now, the age on `day`, the sex
    from the patient and the latest renal function measured on or before `day`. None without
    a selection assessment."""
    sel = selection_of(episode)
    if sel is None:
        return None
    patient = episode.patient
    renal = clearance_on(
        episode.measurements.all(), day, birth_date=patient.birth_date, sex=patient.sex
    )
    score = vte_bleed(
        age=age_on(patient.birth_date, day),
        sex=patient.sex,
        active_cancer=sel.active_cancer,
        uncontrolled_hypertension=sel.uncontrolled_hypertension,
        anaemia=sel.anaemia,
        prior_bleeding=sel.prior_bleeding,
        creatinine_clearance=None if renal is None else renal.value,
    )
    return replace(score, at=at, on=day)


def vte_bleed_at_selection(episode: Episode) -> VteBleed | None:
    """On the day of the selection assessment."""
    sel = selection_of(episode)
    return None if sel is None else vte_bleed_on(episode, sel.assessed_on, "selection")


def vte_bleed_at_discharge(episode: Episode) -> VteBleed | None:
    """On the effective date of the discharge that stands (the latest, after a
    re-intervention); None before the patient is discharged."""
    move = episode.standing_move("discharge")
    return None if move is None else vte_bleed_on(episode, move.effective_on, "discharge")
