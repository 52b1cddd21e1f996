"""The random draws of a synthetic patient, each from the patient's own `random.Random`: pure
values (no database), so the same seed gives the same cohort whatever the database holds."""

from __future__ import annotations

import random
from collections.abc import Iterable
from decimal import Decimal
from typing import TypeVar

from pathway.codes import Contraindication
from pathway.villalta import VILLALTA_ITEMS

T = TypeVar("T")

GIVEN = (
    "Alex",
    "Billie",
    "Casey",
    "Dana",
    "Eden",
    "Frankie",
    "Gale",
    "Harper",
    "Indy",
    "Jules",
    "Kai",
    "Lee",
    "Morgan",
    "Noor",
    "Oakley",
    "Parker",
    "Quinn",
    "Reese",
    "Sam",
    "Toni",
)
CONTRAINDICATIONS = tuple(Contraindication.values)
INDICATIONS = (
    "phlegmasia_cerulea_dolens",
    "phlegmasia_alba_dolens",
    "severe_swelling",
    "rapid_onset_pain",
    "venous_claudication",
    "anticoagulation_failed",
    "high_pts_risk",
)
# The stented run, from the top down, with a diameter range for each vein (mm).
RUNS = (
    (("common_iliac",), 0.30),
    (("common_iliac", "external_iliac"), 0.35),
    (("ivc", "common_iliac"), 0.12),
    (("common_iliac", "external_iliac", "common_femoral"), 0.15),
    (("ivc", "common_iliac", "external_iliac"), 0.08),
)
DIAMETER = {
    "ivc": (18, 24),
    "common_iliac": (14, 18),
    "external_iliac": (12, 14),
    "common_femoral": (12, 14),
}
PRODUCTS = ("Wallstent", "Venovo", "Vici", "Abre", "Sinus-Venous", "Zilver Vena")
# Underlying lesion: its share, and its chance of losing primary patency within a year.
LESIONS = {"compression": (0.45, 0.12), "none": (0.35, 0.15), "post_thrombotic": (0.20, 0.35)}


def pick(rng: random.Random, weighted: Iterable[tuple[T, float]]) -> T:
    """One of `weighted`, a sequence of (value, weight)."""
    values, weights = zip(*weighted, strict=True)
    return rng.choices(values, weights=weights)[0]


def segment(side: str, vein: str) -> str:
    return "ivc" if vein == "ivc" else f"{side}_{vein}"


def stents_draw(rng: random.Random, side: str) -> list[dict]:
    """1-3 stents along a realistic run (IVC to common femoral), one per segment."""
    run = pick(rng, RUNS)
    stents = []
    for vein in run:
        low, high = DIAMETER[vein]
        stents.append(
            {
                "product": rng.choice(PRODUCTS),
                "diameter_mm": rng.randint(low, high),
                "length_mm": rng.choice((60, 80, 90, 100, 120, 140)),
                "segment": segment(side, vein),
            }
        )
    return stents


def thrombus_draw(rng: random.Random, side: str, stented: list[str]) -> list[str]:
    """The clot reaches below the stents, often to the femoral or popliteal vein."""
    below = [segment(side, v) for v in ("femoral", "popliteal") if rng.random() < 0.5]
    return list(dict.fromkeys(stented + below))


def villalta_draw(rng: random.Random, propensity: float) -> dict:
    """Eleven items 0-3 whose total follows the patient's propensity (0 none ... 1 severe)."""
    target = max(0, round(rng.gauss(propensity * 18, 2.5)))
    items = dict.fromkeys(VILLALTA_ITEMS, 0)
    for _ in range(min(target, 3 * len(items))):
        name = rng.choice([n for n, v in items.items() if v < 3])
        items[name] += 1
    items["ulcer"] = propensity > 0.8 and rng.random() < 0.3
    return items


def inr_draw(rng: random.Random, spread: float) -> Decimal:
    value = min(max(rng.gauss(2.5, spread), 1.0), 6.0)
    return Decimal(str(round(value, 1)))


def failure_day(rng: random.Random, first_year_risk: float) -> int:
    """Days after the procedure when the stent loses patency: most failures come in the
    first weeks and months, then about 5% a year."""
    if rng.random() < first_year_risk:
        return 7 + int(358 * rng.random() ** 1.8)
    return 365 + int(rng.expovariate(0.05 / 365))
