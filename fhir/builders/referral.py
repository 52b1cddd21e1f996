"""ServiceRequest: the referral that opened an episode (its id is the episode's), dated by the
opening's effective date. Built from the episode, never stored apart from it."""

from __future__ import annotations

from fhir import codes
from fhir.builders.common import day, ref, resource
from pathway.codes import State

REFERRAL_CODE = "ilio-caval-thrombectomy-assessment"
REFERRAL_WORDS = "Referral for ilio-caval thrombectomy assessment"
LEFT_SELECTION = "completed"


def referral_resource(data) -> dict:
    episode = data.episode
    opening = next((m for m in data.moves if m.name == "open"), None)
    if episode.state == State.SELECTION:
        status = "active"
    elif episode.state in (State.EXCLUDED, State.WITHDRAWN) and len(data.moves) <= 2:
        status = "revoked"
    else:
        status = LEFT_SELECTION
    return resource(
        "ServiceRequest",
        episode.id,
        status=status,
        intent="order",
        code=codes.local_concept("referral", REFERRAL_CODE, REFERRAL_WORDS),
        subject=ref("Patient", episode.patient_id),
        authoredOn=day(opening.effective_on) if opening else None,
    )
