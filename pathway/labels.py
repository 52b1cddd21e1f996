"""The words a clinician reads on a page for the engine's names: states, moves and rules.
Pages show these, never machine names like `refer_to_mdt` or `active_bleeding`."""

from pathway.codes import State

STATES = {
    State.SELECTION: "Selection",
    State.MDT_DISCUSSION: "MDT discussion",
    State.IMAGING: "Imaging and work-up",
    State.PROCEDURE: "Procedure",
    State.POST_OP: "Post-op",
    State.SURVEILLANCE: "Surveillance",
    State.COMPLETED: "Completed",
    State.EXCLUDED: "Excluded",
    State.WITHDRAWN: "Withdrawn",
    State.DECEASED: "Deceased",
}
STAGES = (  # the pathway strip, in order
    State.SELECTION,
    State.MDT_DISCUSSION,
    State.IMAGING,
    State.PROCEDURE,
    State.POST_OP,
    State.SURVEILLANCE,
)

MOVES = {
    "refer_to_mdt": "Refer to the MDT",
    "approve": "MDT approved: start the work-up",
    "schedule_procedure": "Book the procedure",
    "complete_procedure": "Procedure done",
    "discharge": "Discharge into surveillance",
    "complete": "Finish surveillance",
    "return_to_mdt": "Back to the MDT",
    "postpone": "Postpone the procedure",
    "exclude": "Exclude from the pathway",
    "reintervene": "Re-intervene",
    "withdraw": "Withdraw",
    "record_death": "Record death",
    "correct": "Undo the last move (admin)",
    "open": "Referred",
}

RULES = {
    "indication_documented": "Indication documented",
    "no_absolute_contraindication": "No absolute contraindication",
    "fit_for_procedure": "Fit for a major procedure",
    "symptom_window": "Symptom window",
    "mdt_decision_recorded": "MDT decision to proceed",
    "mdt_quorum": "MDT quorum",
    "duplex_done": "Venous duplex",
    "cross_sectional_done": "CT or MR venography",
    "ivc_assessed": "IVC assessed",
    "echo_if_pe": "Echocardiography when PE is suspected",
    "anticoagulated": "Therapeutic anticoagulation started",
    "procedure_recorded": "Procedure note",
    "predischarge_duplex": "Pre-discharge duplex",
    "discharge_plan_recorded": "Discharge anticoagulation plan",
    "surveillance_finished": "Follow-ups done",
    "correctable_move": "A move to undo",
    "thrombophilia_assessed": "Thrombophilia tested",
    "postop_checks_recorded": "Post-op checks",
    "completion_venogram": "Completion venogram",
    "inflow": "Inflow to the stents",
}


def state(name: str) -> str:
    return STATES.get(name, name.replace("_", " ").capitalize())


def move(name: str) -> str:
    return MOVES.get(name, name.replace("_", " ").capitalize())


def rule(name: str) -> str:
    return RULES.get(name, name.replace("_", " ").capitalize())


def code(value: str | None) -> str:
    """A coded value in words: `left_common_iliac` -> `left common iliac`."""
    return (value or "").replace("_", " ")
