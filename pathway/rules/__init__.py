"""The clinical rules of pathway.md, each a function named as the rule:

- guards.py: the guards of section 2, which block a move until they are met;
- advisory.py: the warnings a move allows but a clinician should see;
- base.py: the Unmet answer and the FSM wrapper they share.
"""

from pathway.rules.advisory import (
    completion_venogram,
    inflow,
    postop_check_alarming,
    postop_checks_recorded,
    thrombophilia_assessed,
    warnings,
)
from pathway.rules.base import Rule, Unmet, answer, answered_once, date_problem, guard
from pathway.rules.guards import (
    INR_BOUNDS,
    SYMPTOM_WINDOW_DAYS,
    SYMPTOM_WINDOW_LATE_DAYS,
    anticoagulated,
    correctable_move,
    cross_sectional_done,
    discharge_plan_recorded,
    duplex_done,
    echo_if_pe,
    fit_for_procedure,
    indication_documented,
    inr_range_problem,
    ivc_assessed,
    mdt_decision_recorded,
    mdt_quorum,
    no_absolute_contraindication,
    predischarge_duplex,
    procedure_recorded,
    surveillance_finished,
    symptom_days,
    symptom_window,
)

__all__ = [
    "INR_BOUNDS",
    "SYMPTOM_WINDOW_DAYS",
    "SYMPTOM_WINDOW_LATE_DAYS",
    "Rule",
    "Unmet",
    "anticoagulated",
    "completion_venogram",
    "correctable_move",
    "cross_sectional_done",
    "date_problem",
    "discharge_plan_recorded",
    "duplex_done",
    "echo_if_pe",
    "fit_for_procedure",
    "answer",
    "answered_once",
    "guard",
    "indication_documented",
    "inflow",
    "inr_range_problem",
    "ivc_assessed",
    "mdt_decision_recorded",
    "mdt_quorum",
    "no_absolute_contraindication",
    "postop_check_alarming",
    "postop_checks_recorded",
    "predischarge_duplex",
    "procedure_recorded",
    "surveillance_finished",
    "symptom_days",
    "symptom_window",
    "thrombophilia_assessed",
    "warnings",
]
