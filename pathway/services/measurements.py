"""Renal function and weight (pathway.md section 7), recorded at selection and whenever updated:
each a dated measurement kept with its revisions. The creatinine clearance is not stored when
not given: it is computed on read (Cockcroft–Gault), so a later correction of the weight or the
birth date never leaves a stale figure behind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.db import transaction

from core.errors import InvalidInput
from pathway.models import Measurement
from pathway.services.common import Writer, after_referral, editable, no_future, record_write

VALUES = ("weight_kg", "creatinine_umol_l", "creatinine_clearance_ml_min")


def _decimal(name: str, value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise InvalidInput({name: "A number is required."}) from None


def measurement_add(
    *,
    actor,
    episode_id: int,
    measured_on: dt.date,
    weight_kg: Decimal | None = None,
    creatinine_umol_l: Decimal | None = None,
    creatinine_clearance_ml_min: Decimal | None = None,
    reason: str = "",
) -> Measurement:
    """A weight, a creatinine or a creatinine clearance (at least one) measured on a day of the
    episode's timeline (from the referral, not in the future)."""
    given = {
        "weight_kg": _decimal("weight_kg", weight_kg),
        "creatinine_umol_l": _decimal("creatinine_umol_l", creatinine_umol_l),
        "creatinine_clearance_ml_min": _decimal(
            "creatinine_clearance_ml_min", creatinine_clearance_ml_min
        ),
    }
    if all(v is None for v in given.values()):
        raise InvalidInput(
            {
                name: "Give the weight, the creatinine or the creatinine clearance."
                for name in VALUES
            }
        )
    no_future(measured_on=measured_on)
    with transaction.atomic():
        episode = editable(
            episode_id,
            actor,
            states=WRITERS["measurement"].open_in,
            dates={"measured_on": measured_on},
        )
        after_referral(episode, measured_on=measured_on)
        record, _ = record_write(
            Measurement(episode=episode),
            episode=episode,
            actor=actor,
            reason=reason,
            values={"measured_on": measured_on, **given},
        )
    return record


# What the page and the API read of this writer (common.Writer): open all along, like the
# selection (a weight or a creatinine may be updated at any stage).
WRITERS = {"measurement": Writer(measurement_add)}
