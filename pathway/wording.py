"""Results and recorded facts in clinical words, for the episode page's summary and timeline:
"INR 2.4 (target 2.0–3.0)", "Left common iliac: patent", never the stored JSON nor the
schedule's bookkeeping ("created by: 24", "offset days: 14"). Pure functions of the stored
values: pathway reads follow-ups and visits through the episode's reverse relations and never
imports the tasks app."""

from __future__ import annotations

from pathway import labels
from pathway.villalta import PTS_WORDS, VILLALTA_ITEMS, villalta_category, villalta_score

SEGMENT_RESULTS = {"patent": "patent", "stenosis": "stenosis ≥ 50%", "occluded": "occluded"}

KINDS = {
    "duplex": "Duplex ultrasound",
    "inr_check": "INR check",
    "anticoagulation_review": "Anticoagulation review",
}

# The schedule's bookkeeping kept with a follow-up's revisions: derived from moves and
# records, meaningless to a clinician, never shown as a change.
BOOKKEEPING = {
    "anchor",
    "course",
    "offset_months",
    "offset_days",
    "created_by",
    "cancelled_by",
    "completed_by",
    "completed_at",
    "reintervention",
    "window_opens_on",
    "window_closes_on",
}


def first_upper(text: str) -> str:
    """The first letter upper case, the rest as written: CT venography, not Ct venography."""
    return text[:1].upper() + text[1:]


def kind(name: str) -> str:
    return KINDS.get(name, first_upper(labels.code(name)))


def segment(name: str) -> str:
    return first_upper(labels.code(name))


def segment_results(rows) -> list[str]:
    """Each stented segment's duplex result: "Left common iliac: patent". `rows`: dicts or
    DuplexSegmentResult rows."""
    found = []
    for row in rows or ():
        seg = row["segment"] if isinstance(row, dict) else row.segment
        res = row["result"] if isinstance(row, dict) else row.result
        found.append(f"{segment(seg)}: {SEGMENT_RESULTS.get(res, labels.code(res))}")
    return found


def _yes(value) -> str:
    return {True: "yes", False: "no"}.get(value, "not recorded")


def result(kind_name: str, data: dict | None, segments=()) -> str:
    """A follow-up's or a visit's result in a clinician's words."""
    data = data or {}
    parts: list[str] = []
    if kind_name == "inr_check" or "inr" in data:
        text = f"INR {data.get('inr', '—')}"
        target = data.get("target")
        if target:
            text += f" (target {target[0]}–{target[1]})"
        elif data.get("anticoagulant"):
            text += f" (on {labels.code(data['anticoagulant'])}: not judged by the INR)"
        parts.append(text)
    parts += segment_results(segments or data.get("segments"))
    villalta = data.get("villalta")
    if villalta:
        scored = sum(1 for name in VILLALTA_ITEMS if name in villalta)
        if scored == len(VILLALTA_ITEMS):
            score = villalta_score(villalta)
            words = PTS_WORDS[villalta_category(villalta)]
            words = words[:1].lower() + words[1:]  # "no PTS", "mild PTS"
            ulcer = ", venous ulcer" if villalta.get("ulcer") else ""
            parts.append(f"Villalta score {score} ({words}{ulcer})")
        else:
            parts.append(f"Villalta: {scored} of {len(VILLALTA_ITEMS)} items scored")
    if data.get("vcss"):
        parts.append(f"VCSS {sum(int(v) for v in data['vcss'].values())}")
    if data.get("ceap"):
        parts.append(f"CEAP clinical class {data['ceap']}")
    if "adherent" in data:
        parts.append(f"Takes the anticoagulant as prescribed: {_yes(data['adherent'])}")
    if "compression_adherent" in data:
        parts.append(f"Wears the stockings: {_yes(data['compression_adherent'])}")
    if data.get("notes"):
        parts.append(f"Notes: {data['notes']}")
    return "; ".join(parts) or "recorded"


def stent(data: dict) -> str:
    """A stent of a revision's parts: "Wallstent 16 × 90 mm, left common iliac"."""
    data = dict(data)
    text = str(data.pop("product", "stent"))
    diameter, length = data.pop("diameter_mm", None), data.pop("length_mm", None)
    if diameter or length:
        text += f" {diameter or '?'} × {length or '?'} mm"
    rest = []
    for name, value in data.items():
        if name in ("id", "note", "note_id") or value in (None, "", []):
            continue
        if name in ("segment", "segments"):
            values = value if isinstance(value, list) else [value]
            rest.append(", ".join(labels.code(str(v)) for v in values))
        else:
            rest.append(f"{labels.field(name)} {value}")
    return ", ".join([text, *rest])
