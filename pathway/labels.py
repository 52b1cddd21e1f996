"""The words a clinician reads on a page for the engine's names: states, moves and rules.
Pages show these, never machine names like `refer_to_mdt` or `active_bleeding`."""

from pathway.codes import State

STATES: dict[str, str] = {
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
    "surveillance_finished": "Safe to finish surveillance",
    "correctable_move": "A move to undo",
    "thrombophilia_assessed": "Thrombophilia tested",
    "postop_checks_recorded": "Post-op checks",
    "postop_checks_after_procedure": "Post-op checks after the procedure",
    "completion_venogram": "Completion venogram",
    "inflow": "Inflow to the stents",
    "imaging_findings_reviewed": "Imaging findings seen by the MDT",
    "imaging_current": "Imaging recent enough",
    "thrombus_age": "Thrombus age at booking",
    "plausible_age": "Plausible age",
    "anticoagulant_suitable": "Anticoagulant suitable",
    "bridging_complete": "Bridging to the VKA complete",
}


def sentence(words: str | None) -> str:
    """Words starting a sentence: the first letter up, the rest as it is ("INR check", not
    str.capitalize()'s "Inr check"; "IVC", not "Ivc")."""
    words = words or ""
    return words[:1].upper() + words[1:]


def days(count) -> str:
    """A number of days in words: 1 -> "1 day", 1.0 -> "1 day", 2.5 -> "2.5 days"."""
    if count is None:
        return "–"
    number = float(count)
    shown = f"{number:g}" if number != int(number) else str(int(number))
    return f"{shown} day" if number == 1 else f"{shown} days"


def state(name: str) -> str:
    return STATES.get(name, sentence(name.replace("_", " ")))


def move(name: str) -> str:
    return MOVES.get(name, sentence(name.replace("_", " ")))


def rule(name: str) -> str:
    return RULES.get(name, sentence(name.replace("_", " ")))


def code(value: str | None) -> str:
    """A coded value in words: `left_common_iliac` -> `left common iliac`."""
    return CODES.get(value or "", (value or "").replace("_", " "))


# --- words for coded values (forms, records, the timeline) ------------------------------------
CODES = {
    "ivc": "IVC",
    "ufh_infusion": "UFH infusion",
    "lmwh": "LMWH",
    "vka": "VKA (e.g. warfarin)",
    "doac": "DOAC",
    "ct_venography": "CT venography",
    "mr_venography": "MR venography",
    "duplex": "duplex ultrasound",
    "crnm": "clinically relevant non-major",
    "major": "major (ISTH)",
    "pts": "post-thrombotic syndrome",
    "recurrent_dvt": "recurrent DVT",
    "pulmonary_embolism": "pulmonary embolism (PE)",
    "high_pts_risk": "high PTS risk",
    "anticoagulation_review": "anticoagulation review",
    "inr_check": "INR check",
    "urgent_result": "urgent result",
    "not_tested": "not tested",
    "post_thrombotic": "post-thrombotic",
    "compression": "compression (e.g. May-Thurner)",
    "proceed": "proceed",
    "anticoagulation_alone": "anticoagulation alone",
    "ivc_filter_or_anomaly_preventing": "IVC filter or anomaly preventing intervention",
    "irreversible_ischaemia": "irreversible limb ischaemia",
    "active_bleeding": "active bleeding or significant bleeding risk",
}

FIELDS = {  # record fields named in the timeline's "what changed"
    "assessed_on": "assessed on",
    "symptom_onset": "symptom onset",
    "fit_for_procedure": "fit for a major procedure",
    "thrombus_segments": "thrombus segments",
    "pe_suspected": "PE suspected",
    "symptom_window_override": "symptom window override",
    "ivc_anomaly": "IVC anomaly",
    "ivc_filter": "IVC filter",
    "started_at": "started at",
    "thrombolytic_agent": "thrombolytic agent",
    "thrombolytic_dose": "thrombolytic dose",
    "thrombolytic_dose_unit": "dose unit",
    "ivus": "IVUS",
    "completion_patent": "completion venogram patent",
    "residual_stenosis_pct": "residual stenosis %",
    "target_inr_low": "target INR from",
    "target_inr_high": "target INR to",
    "planned_duration_months": "planned duration (months)",
    "compression_stockings": "compression stockings",
    "compression_reason": "why no stockings",
    "underlying_lesion": "underlying lesion",
    "occurred_on": "occurred on",
    "bleeding_class": "bleeding class",
    "limb_perfusion": "limb perfusion",
    "compartment_signs": "compartment signs",
    "access_bleeding": "access-site bleeding",
    "pain_score": "pain score",
    "active_cancer": "active cancer",
    "uncontrolled_hypertension": "uncontrolled hypertension",
    "prior_bleeding": "history of bleeding",
    "measured_on": "measured on",
    "weight_kg": "weight (kg)",
    "creatinine_umol_l": "creatinine (µmol/L)",
    "creatinine_clearance_ml_min": "creatinine clearance (mL/min)",
    "creatinine_clearance": "creatinine clearance",
    # every other field a revision shows, by the label its form gives it
    "indications": "presentation and indications",
    "contraindications": "absolute contraindications",
    "thrombophilia": "thrombophilia",
    "thrombophilia_finding": "thrombophilia finding",
    "comorbidities": "comorbidities",
    "anaemia": "anaemia",
    "pregnancy": "pregnancy",
    "contraception": "uses contraception",
    "date": "date",
    "attendees": "attendees",
    "decision": "MDT decision",
    "rationale": "rationale",
    "anaesthetic_risk": "anaesthetic risk",
    "modality": "study",
    "right_heart_strain": "right-heart strain",
    "findings": "findings",
    "agent": "agent",
    "dose": "dose",
    "dose_unit": "dose unit",
    "frequency": "frequency",
    "started_on": "started on",
    "stopped_on": "stopped on",
    "reason": "reason",
    "end_decision": "decision at the end",
    "origin": "recorded from",
    "kind": "kind",
    "severity": "severity (SIR)",
    "notes": "notes",
    "at": "time of the check",
    "mobilised": "mobilised",
    "access": "access veins",
    "technique": "thrombus removal technique",
    "device": "device",
    "angioplasty": "angioplasty",
    "dissection": "dissection",
    "complications": "intra-procedural complications",
    "inflow": "inflow",
    "stents": "stents",
    "diameter_mm": "diameter (mm)",
    "length_mm": "length (mm)",
    "anticoagulant": "anticoagulant",
    "due_on": "due on",
    "performed_on": "performed on",
    "result": "result",
    "segments": "stented segments",
    "cancelled_at": "cancelled at",
    "cancel_reason": "why cancelled",
    "late_reason": "why entered late",
}

RECORDS = {
    "selection": "Selection",
    "mdt_decision": "MDT decision",
    "imaging_study": "Imaging",
    "anticoagulation": "Pre-procedure anticoagulation",
    "procedure_note": "Procedure note",
    "discharge_plan": "Discharge plan",
    "complication": "Complication",
    "postop_check": "Post-op check",
    "visit": "Unscheduled visit",
    "follow_up": "Follow-up result",
    "measurement": "Renal function and weight",
}

VTE_BLEED_FACTORS = {  # pathway.md section 7
    "active_cancer": "Active cancer",
    "uncontrolled_hypertension": "Uncontrolled hypertension (a man)",
    "anaemia": "Anaemia",
    "prior_bleeding": "History of bleeding",
    "age_60_or_over": "Age 60 or over",
    "renal_dysfunction": "Creatinine clearance 30–60 mL/min",
}


def code_words(value) -> str:
    """A coded value in words, using the words above when there are any."""
    if value is None:
        return ""
    return CODES.get(str(value), str(value).replace("_", " "))


def vte_bleed_factor(name: str) -> str:
    return VTE_BLEED_FACTORS.get(name, sentence(name.replace("_", " ")))


def field(name: str) -> str:
    return FIELDS.get(name, name.replace("_", " "))


def record(name: str) -> str:
    return RECORDS.get(name, sentence(name.replace("_", " ")))


def words(text: str) -> str:
    """A service's message in words: quoted machine names ('refer_to_mdt') become labels."""
    import re

    def one(match):
        name = match.group(1)
        if name in MOVES:
            return f"“{MOVES[name]}”"
        if name in STATES:
            return f"“{STATES[name]}”"
        return f"“{code_words(name)}”"

    return re.sub(r"'([a-z][a-z_]*)'", one, text or "")
