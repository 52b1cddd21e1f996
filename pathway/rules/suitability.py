"""`anticoagulant_suitable` (pathway.md section 7): warnings about the anticoagulant a patient
is on, read from the facts on every view, so they show on the episode, at discharge and after
any course change alike. They inform; they block nothing."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from pathway.codes import CourseClass, Pregnancy, Thrombophilia
from pathway.rules.base import Unmet, age_on, move_day, selection_of, unmet
from pathway.rules.renal import Clearance, clearance_on, latest_weight

if TYPE_CHECKING:
    from pathway.models import AnticoagulationCourse, Episode, Measurement

APS = re.compile(r"antiphospholipid|\bAPS\b", re.IGNORECASE)
DOAC_MIN_CLEARANCE = Decimal("30")  # mL/min: a DOAC below it is a warning
DOAC_WEIGHT_KG = (Decimal("50"), Decimal("120"))  # a DOAC below or above is a warning
CHILDBEARING_AGE = (16, 50)  # both included
PREGNANCY_WORDS = "VKAs are teratogenic; DOACs are not used in pregnancy, where LMWH is."


def names_aps(thrombophilia: str, finding: str) -> bool:
    """A positive thrombophilia whose finding names antiphospholipid syndrome."""
    return thrombophilia == Thrombophilia.POSITIVE and bool(APS.search(finding or ""))


UNNAMED = {"lmwh": "LMWH", "vka": "a VKA", "doac": "a DOAC"}  # the product not named


def _agents(courses: Iterable[AnticoagulationCourse]) -> str:
    return ", ".join(sorted({UNNAMED.get(c.agent, c.agent) for c in courses}))


def doac_problems(
    doacs: list[AnticoagulationCourse],
    *,
    aps: bool,
    clearance: Clearance | None,
    weighed: Measurement | None,
) -> list[str]:
    """What makes the running DOAC course(s) a concern: APS, a clearance below 30 mL/min, a
    weight below 50 or above 120 kg (the latest of each)."""
    if not doacs:
        return []
    named = _agents([c for c in doacs if c.agent not in UNNAMED])
    on = f"A DOAC ({named})" if named else "A DOAC"
    found = []
    if aps:
        found.append(
            f"{on} with antiphospholipid syndrome recorded as the thrombophilia "
            "finding: DOACs are not recommended there."
        )
    if clearance is not None and clearance.value is not None:
        if clearance.value < DOAC_MIN_CLEARANCE:
            found.append(
                f"{on} with a creatinine clearance of {clearance.value} mL/min "
                f"({clearance.on.isoformat()}), below {DOAC_MIN_CLEARANCE} mL/min."
            )
    if weighed is not None and weighed.weight_kg is not None:  # latest_weight: only weighed ones
        low, high = DOAC_WEIGHT_KG
        kg, on_day = weighed.weight_kg, weighed.measured_on.isoformat()
        if kg < low:
            found.append(f"{on} at a weight of {kg} kg ({on_day}), below {low} kg.")
        elif kg > high:
            found.append(f"{on} at a weight of {kg} kg ({on_day}), above {high} kg.")
    return found


def pregnancy_problem(
    oral: list[AnticoagulationCourse],
    *,
    sex: str,
    age: int,
    pregnancy: str,
    contraception: bool | None,
) -> str | None:
    """A woman aged 16-50 on a VKA or a DOAC whose pregnancy and contraception status is not
    recorded, who is recorded as pregnant, or as using no contraception."""
    low, high = CHILDBEARING_AGE
    if not oral or sex != "female" or not low <= age <= high:
        return None
    who = f"A woman aged {age} on {_agents(oral)}"
    if pregnancy == Pregnancy.PREGNANT:
        return f"{who}, recorded as pregnant: {PREGNANCY_WORDS}"
    if pregnancy == Pregnancy.NOT_APPLICABLE:
        return None
    if not pregnancy:
        return (
            f"{who} with no pregnancy status recorded: {PREGNANCY_WORDS} Record pregnancy "
            "and contraception."
        )
    if contraception is None:
        return f"{who} with no contraception status recorded: {PREGNANCY_WORDS}"
    if contraception is False:
        return f"{who}, recorded as using no contraception: {PREGNANCY_WORDS}"
    return None


def running_on(
    courses: Iterable[AnticoagulationCourse], day: dt.date
) -> list[AnticoagulationCourse]:
    return [c for c in courses if c.running_on(day)]


def anticoagulant_suitable(episode: Episode) -> list[Unmet]:
    """The warnings about the VKA or DOAC courses running on the day judged (today on the
    episode view), one per concern, each named anticoagulant_suitable."""
    day = move_day(episode)
    running = running_on(episode.courses.all(), day)
    doacs = [c for c in running if c.agent_class == CourseClass.DOAC]
    oral = [c for c in running if c.agent_class in (CourseClass.DOAC, CourseClass.VKA)]
    if not oral:
        return []
    sel = selection_of(episode)
    patient = episode.patient
    measurements = list(episode.measurements.all())
    found = doac_problems(
        doacs,
        aps=sel is not None and names_aps(sel.thrombophilia, sel.thrombophilia_finding),
        clearance=clearance_on(measurements, day, birth_date=patient.birth_date, sex=patient.sex),
        weighed=latest_weight(measurements, day),
    )
    pregnancy = pregnancy_problem(
        oral,
        sex=patient.sex,
        age=age_on(patient.birth_date, day),
        pregnancy=sel.pregnancy if sel else "",
        contraception=sel.contraception if sel else None,
    )
    if pregnancy:
        found.append(pregnancy)
    return [unmet(anticoagulant_suitable, message) for message in found]
