"""What an urgent result found, graded and in words (pathway.md section 6): the alert carries it
so the coordinator sees the value and the target, or the segment and its result, without
opening the record; critical ones come first in every inbox.

Pure functions of the result: the writers (results.py, results_bulk.py, consequences.py) call
them and hand what they return to `urgent_alerts_insert`."""

from __future__ import annotations

from decimal import Decimal

from pathway import labels
from pathway.codes import LimbPerfusion
from tasks.models import Alert, DuplexSegmentResult
from tasks.urgency import Urgent

# An INR this high (bleeding) or this low (clotting) is critical whatever the target.
CRITICAL_INR_HIGH = Decimal("5.0")
CRITICAL_INR_LOW = Decimal("1.5")
SEGMENT_RESULT_WORDS = {
    DuplexSegmentResult.Result.STENOSIS: "stenosis ≥ 50%",
    DuplexSegmentResult.Result.OCCLUDED: "occluded",
}
NOT_ADHERENT = "not taking the anticoagulant as prescribed"
NO_STOCKINGS = "not wearing the compression stockings"


def _sentence(parts: list[str]) -> str:
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def inr_words(value: Decimal) -> str:
    """4.60 -> "4.6", 5 -> "5.0", 1.99 -> "1.99": as a clinician writes an INR."""
    value = Decimal(value).normalize()
    exponent = value.as_tuple().exponent  # an int: an INR is finite
    return str(value.quantize(Decimal("0.1")) if exponent > -1 else value)  # type: ignore[operator]


def inr_finding(inr: Decimal, low: Decimal, high: Decimal) -> Urgent | None:
    """An INR outside the target range; critical at 5.0 and above or 1.5 and below."""
    if low <= inr <= high:
        return None
    critical = inr >= CRITICAL_INR_HIGH or inr <= CRITICAL_INR_LOW
    value, floor, ceiling = inr_words(inr), str(low), str(high)
    return Urgent(
        grade=Alert.Grade.CRITICAL if critical else Alert.Grade.OUT_OF_RANGE,
        finding={
            "text": f"INR {value} (target {floor}–{ceiling})",
            "inr": value,
            "target_low": floor,
            "target_high": ceiling,
        },
    )


def duplex_finding(segments: list[dict]) -> Urgent | None:
    """Each segment not patent, with its result; critical when any is occluded."""
    found = [s for s in segments if s["result"] != DuplexSegmentResult.Result.PATENT]
    if not found:
        return None
    occluded = any(s["result"] == DuplexSegmentResult.Result.OCCLUDED for s in found)
    return Urgent(
        grade=Alert.Grade.CRITICAL if occluded else Alert.Grade.OUT_OF_RANGE,
        finding={
            "text": _sentence(
                [f"{labels.code(s['segment'])}: {SEGMENT_RESULT_WORDS[s['result']]}" for s in found]
            ),
            "segments": [{"segment": s["segment"], "result": s["result"]} for s in found],
        },
    )


def review_finding(adherent: bool, compression_adherent: bool | None) -> Urgent | None:
    """Non-adherence is a finding: the anticoagulant not taken, or the stockings not worn."""
    found = [NOT_ADHERENT] if adherent is False else []
    if compression_adherent is False:
        found.append(NO_STOCKINGS)
    if not found:
        return None
    return Urgent(grade=Alert.Grade.OUT_OF_RANGE, finding={"text": _sentence(found)})


def postop_check_finding(check) -> Urgent | None:
    """An impaired limb or compartment signs are critical; access-site bleeding alone is not."""
    critical = []
    if check.limb_perfusion == LimbPerfusion.IMPAIRED:
        critical.append("limb perfusion impaired")
    if check.compartment_signs:
        critical.append("signs of compartment syndrome")
    found = critical + (["access-site bleeding"] if check.access_bleeding else [])
    if not found:
        return None
    return Urgent(
        grade=Alert.Grade.CRITICAL if critical else Alert.Grade.OUT_OF_RANGE,
        finding={"text": _sentence(found)},
    )
