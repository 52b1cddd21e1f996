"""Renal function and weight (pathway.md section 7): the creatinine clearance of a measurement,
given or computed by Cockcroft–Gault, and what is known on a day. Pure functions of the rows
given: the rules and selectors pass them the episode's measurements (prefetched on the episode
view), so nothing here queries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from pathway.rules.base import age_on

if TYPE_CHECKING:
    from pathway.models import Measurement

# Cockcroft–Gault with the creatinine in µmol/L: (140 − age) × weight × factor / creatinine.
COCKCROFT_GAULT_FACTOR = {"male": Decimal("1.23"), "female": Decimal("1.04")}
GIVEN, COCKCROFT_GAULT = "given", "cockcroft_gault"
TENTH = Decimal("0.1")


def cockcroft_gault(
    *, age: int, weight_kg: Decimal, creatinine_umol_l: Decimal, sex: str
) -> Decimal | None:
    """The creatinine clearance in mL/min (1 decimal, never below 0); None when the sex is not
    recorded as male or female (the formula has no factor for it)."""
    factor = COCKCROFT_GAULT_FACTOR.get(sex)
    if factor is None:
        return None
    value = (140 - age) * Decimal(weight_kg) * factor / Decimal(creatinine_umol_l)
    return max(value, Decimal(0)).quantize(TENTH, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Clearance:
    """A creatinine clearance as known on a day: its value (None when it cannot be told), how
    it was had (`given` or `cockcroft_gault`), the measurement's date, and why not, in words."""

    value: Decimal | None
    method: str | None
    on: dt.date
    note: str = ""


def in_order(measurements: Iterable[Measurement]) -> list[Measurement]:
    return sorted(measurements, key=lambda m: (m.measured_on, m.id or 0))


def latest_weight(measurements: Iterable[Measurement], day: dt.date) -> Measurement | None:
    """The latest measurement on or before `day` with a weight, or None."""
    known = [m for m in in_order(measurements) if m.weight_kg is not None and m.measured_on <= day]
    return known[-1] if known else None


def clearance_of(
    measurement: Measurement, *, measurements: Iterable[Measurement], birth_date: dt.date, sex: str
) -> Clearance:
    """The clearance of one measurement: the one given, else Cockcroft–Gault from its
    creatinine, the age in whole years on its date and the latest weight known on or before
    that date (from any of `measurements`)."""
    day = measurement.measured_on
    if measurement.creatinine_clearance_ml_min is not None:
        return Clearance(measurement.creatinine_clearance_ml_min, GIVEN, day)
    if measurement.creatinine_umol_l is None:
        return Clearance(None, None, day, "No creatinine or creatinine clearance was recorded.")
    if sex not in COCKCROFT_GAULT_FACTOR:
        return Clearance(
            None,
            None,
            day,
            "Not computed: Cockcroft–Gault needs the patient's sex "
            "recorded as male or female; give the creatinine clearance.",
        )
    weighed = latest_weight([*measurements, measurement], day)
    if weighed is None or weighed.weight_kg is None:  # latest_weight finds only weighed ones
        return Clearance(
            None,
            None,
            day,
            "Not computed: no weight is recorded on or before "
            f"{day.isoformat()}; Cockcroft–Gault needs it.",
        )
    value = cockcroft_gault(
        age=age_on(birth_date, day),
        weight_kg=weighed.weight_kg,
        creatinine_umol_l=measurement.creatinine_umol_l,
        sex=sex,
    )
    return Clearance(value, COCKCROFT_GAULT, day)


def clearance_on(
    measurements: Iterable[Measurement], day: dt.date, *, birth_date: dt.date, sex: str
) -> Clearance | None:
    """The renal function known on `day`: the clearance of the latest measurement on or before
    it that has a creatinine or a clearance (its value None when it cannot be computed), or
    None when nothing of the kind is recorded by then."""
    rows = in_order(measurements)
    renal = [
        m
        for m in rows
        if m.measured_on <= day
        and (m.creatinine_clearance_ml_min is not None or m.creatinine_umol_l is not None)
    ]
    if not renal:
        return None
    return clearance_of(renal[-1], measurements=rows, birth_date=birth_date, sex=sex)
