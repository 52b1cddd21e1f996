"""EpisodeOfCare: the episode, its state as FHIR's status, and its standing moves as
statusHistory (each with our state in an extension; corrected moves are in Provenance)."""

from __future__ import annotations

from fhir import codes
from fhir.builders.common import day, ref, resource, rid
from pathway.codes import State

STATUS = {
    State.SELECTION: "planned",
    State.MDT_DISCUSSION: "planned",
    State.IMAGING: "planned",
    State.PROCEDURE: "active",
    State.POST_OP: "active",
    State.SURVEILLANCE: "active",
    State.COMPLETED: "finished",
    State.EXCLUDED: "cancelled",
    State.WITHDRAWN: "cancelled",
    State.DECEASED: "finished",
}
TERMINAL_STATUS = ("finished", "cancelled")


def states_of(status: str) -> list[str]:
    return [state for state, mapped in STATUS.items() if mapped == status]


def standing_moves(moves) -> list:
    """The moves that stand: neither corrections nor corrected."""
    corrected = {m.corrects_id for m in moves if m.corrects_id}
    return [m for m in moves if m.corrects_id is None and m.id not in corrected]


def state_extension(state: str) -> dict:
    return {
        "url": codes.extension("pathway-state"),
        "valueCoding": codes.coding(codes.local("pathway-state"), state, state.replace("_", " ")),
    }


def episode_resource(data) -> dict:
    episode = data.episode
    moves = standing_moves(data.moves)
    history = []
    for move, following in zip(moves, [*moves[1:], None], strict=True):
        period = {"start": day(move.effective_on)}
        if following is not None:
            period["end"] = day(following.effective_on)
        history.append(
            {
                "extension": [state_extension(move.target)],
                "status": STATUS[move.target],
                "period": period,
            }
        )
    status = STATUS[episode.state]
    started = {"start": day(moves[0].effective_on)} if moves else None
    if started and status in TERMINAL_STATUS and moves:
        started["end"] = day(moves[-1].effective_on)
    diagnosis = None
    if data.one_to_one("selection") is not None:
        diagnosis = [{"condition": ref("Condition", rid(episode.id, "dvt")), "rank": 1}]
    return resource(
        "EpisodeOfCare",
        episode.id,
        extension=[state_extension(episode.state)],
        status=status,
        statusHistory=history,  # every standing move, the current one open-ended
        type=[
            codes.local_concept(
                "episode-type",
                "ilio-caval-thrombectomy-pathway",
                "Ilio-caval thrombectomy and stent pathway",
            )
        ],
        diagnosis=diagnosis,
        patient=ref("Patient", episode.patient_id),
        period=started,
        referralRequest=[ref("ServiceRequest", episode.id)],
    )
