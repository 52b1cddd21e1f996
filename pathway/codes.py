"""The coded values of pathway.md section 3 and the API contract."""

from django.db import models


class State(models.TextChoices):
    SELECTION = "selection"
    MDT_DISCUSSION = "mdt_discussion"
    IMAGING = "imaging"
    PROCEDURE = "procedure"
    POST_OP = "post_op"
    SURVEILLANCE = "surveillance"
    COMPLETED = "completed"
    EXCLUDED = "excluded"
    WITHDRAWN = "withdrawn"
    DECEASED = "deceased"


TERMINAL = (State.COMPLETED, State.EXCLUDED, State.WITHDRAWN, State.DECEASED)
ACTIVE = tuple(s for s in State if s not in TERMINAL)


class Indication(models.TextChoices):
    PHLEGMASIA_CERULEA_DOLENS = "phlegmasia_cerulea_dolens"
    PHLEGMASIA_ALBA_DOLENS = "phlegmasia_alba_dolens"
    SEVERE_SWELLING = "severe_swelling"
    RAPID_ONSET_PAIN = "rapid_onset_pain"
    VENOUS_CLAUDICATION = "venous_claudication"
    ANTICOAGULATION_CONTRAINDICATED = "anticoagulation_contraindicated"
    ANTICOAGULATION_FAILED = "anticoagulation_failed"
    HIGH_PTS_RISK = "high_pts_risk"


class Contraindication(models.TextChoices):
    ACTIVE_BLEEDING = "active_bleeding"
    SEVERE_SEPSIS = "severe_sepsis"
    IRREVERSIBLE_ISCHAEMIA = "irreversible_ischaemia"
    UNCORRECTABLE_COAGULOPATHY = "uncorrectable_coagulopathy"
    IVC_FILTER_OR_ANOMALY_PREVENTING = "ivc_filter_or_anomaly_preventing"
    LIMITED_LIFE_EXPECTANCY = "limited_life_expectancy"
    ANTICOAGULATION_INTOLERANCE = "anticoagulation_intolerance"


_VEINS = ("common_iliac", "external_iliac", "common_femoral", "femoral", "popliteal")
Segment = models.TextChoices(  # type: ignore[call-overload]  # the stubs want a literal list
    "Segment",
    [("IVC", "ivc")]
    + [(f"{s}_{v}".upper(), f"{s}_{v}") for s in ("left", "right") for v in _VEINS],
)


class MdtRole(models.TextChoices):
    VASCULAR_SURGEON = "vascular_surgeon"
    INTERVENTIONAL_RADIOLOGIST = "interventional_radiologist"
    HAEMATOLOGIST = "haematologist"
    ANAESTHETIST = "anaesthetist"


class MdtOutcome(models.TextChoices):
    PROCEED = "proceed"
    ANTICOAGULATION_ALONE = "anticoagulation_alone"
    DEFER = "defer"


class Modality(models.TextChoices):
    DUPLEX = "duplex"
    CT_VENOGRAPHY = "ct_venography"
    MR_VENOGRAPHY = "mr_venography"
    ECHOCARDIOGRAPHY = "echocardiography"


CROSS_SECTIONAL = (Modality.CT_VENOGRAPHY, Modality.MR_VENOGRAPHY)


class PreOpAgent(models.TextChoices):
    UFH_INFUSION = "ufh_infusion"
    LMWH = "lmwh"


class AccessVein(models.TextChoices):
    FEMORAL = "femoral"
    POPLITEAL = "popliteal"
    INTERNAL_JUGULAR = "internal_jugular"


class Side(models.TextChoices):
    LEFT = "left"
    RIGHT = "right"


class Technique(models.TextChoices):
    ASPIRATION = "aspiration"
    RHEOLYTIC = "rheolytic"
    PHARMACOMECHANICAL = "pharmacomechanical"


class Thrombolytic(models.TextChoices):
    ALTEPLASE = "alteplase"
    UROKINASE = "urokinase"


THROMBOLYTIC_UNIT = {Thrombolytic.ALTEPLASE: "mg", Thrombolytic.UROKINASE: "IU"}


class Anticoagulant(models.TextChoices):
    VKA = "vka"
    DOAC = "doac"
    LMWH = "lmwh"


DEFAULT_TARGET_INR = ("2.0", "3.0")


class CourseAgent(models.TextChoices):
    """pathway.md section 7: the agents of an anticoagulation course; `lmwh`, `vka` and `doac`
    when the product is not named."""

    UFH_INFUSION = "ufh_infusion", "UFH infusion"
    ENOXAPARIN = "enoxaparin"
    DALTEPARIN = "dalteparin"
    TINZAPARIN = "tinzaparin"
    FONDAPARINUX = "fondaparinux"
    WARFARIN = "warfarin"
    ACENOCOUMAROL = "acenocoumarol"
    PHENPROCOUMON = "phenprocoumon"
    APIXABAN = "apixaban"
    RIVAROXABAN = "rivaroxaban"
    EDOXABAN = "edoxaban"
    DABIGATRAN = "dabigatran"
    LMWH = "lmwh", "LMWH (product not named)"
    VKA = "vka", "VKA (product not named)"
    DOAC = "doac", "DOAC (product not named)"


class CourseClass(models.TextChoices):
    PARENTERAL = "parenteral"
    VKA = "vka", "VKA"
    DOAC = "doac", "DOAC"


COURSE_CLASS: dict[str, str] = {
    **{
        a: CourseClass.PARENTERAL
        for a in ("ufh_infusion", "enoxaparin", "dalteparin", "tinzaparin", "fondaparinux", "lmwh")
    },
    **{a: CourseClass.VKA for a in ("warfarin", "acenocoumarol", "phenprocoumon", "vka")},
    **{a: CourseClass.DOAC for a in ("apixaban", "rivaroxaban", "edoxaban", "dabigatran", "doac")},
}


# The agents an older client's codes stand for: the discharge plan's `lmwh` is a low-molecular-
# weight heparin (not a UFH infusion, nor fondaparinux); `vka` and `doac` their whole class.
UNNAMED_AGENTS = ("lmwh", "vka", "doac")
PLAN_AGENTS = {
    "lmwh": ("lmwh", "enoxaparin", "dalteparin", "tinzaparin"),
    "vka": tuple(a for a, c in COURSE_CLASS.items() if c == CourseClass.VKA),
    "doac": tuple(a for a, c in COURSE_CLASS.items() if c == CourseClass.DOAC),
}


class CourseOrigin(models.TextChoices):
    """Who wrote a course: entered as a course, or by one of the older endpoints (the
    pre-procedure anticoagulation record, the discharge plan), which keep their meaning by
    writing the matching course."""

    ENTERED = "entered", "entered as a course"
    PRE_PROCEDURE = "pre_procedure", "the pre-procedure anticoagulation record"
    DISCHARGE_PLAN = "discharge_plan", "the discharge plan"


class CourseDecision(models.TextChoices):
    """What was decided when a finite course reached (or neared) its planned end."""

    STOP = "stop"
    CONTINUE = "continue"
    CHANGE = "change"


class Pregnancy(models.TextChoices):
    PREGNANT = "pregnant"
    NOT_PREGNANT = "not_pregnant"
    NOT_APPLICABLE = "not_applicable"


class Thrombophilia(models.TextChoices):
    NOT_TESTED = "not_tested"
    PENDING = "pending"
    NEGATIVE = "negative"
    POSITIVE = "positive"


class Inflow(models.TextChoices):
    GOOD = "good"
    FAIR = "fair"
    POOR = "poor"


class UnderlyingLesion(models.TextChoices):
    NONE = "none"
    COMPRESSION = "compression"
    POST_THROMBOTIC = "post_thrombotic"


class ComplicationKind(models.TextChoices):
    ACCESS_SITE_BLEEDING = "access_site_bleeding"
    HAEMATOMA = "haematoma"
    COMPARTMENT_SYNDROME = "compartment_syndrome"
    PULMONARY_EMBOLISM = "pulmonary_embolism"
    STENT_MIGRATION = "stent_migration"
    STENT_MALAPPOSITION = "stent_malapposition"
    ACUTE_STENT_THROMBOSIS = "acute_stent_thrombosis"
    ACCESS_VESSEL_INJURY = "access_vessel_injury"
    CONTRAST_REACTION = "contrast_reaction"
    VENOUS_RUPTURE = "venous_rupture"
    PTS = "pts"
    STENT_RESTENOSIS = "stent_restenosis"
    STENT_THROMBOSIS = "stent_thrombosis"
    CHRONIC_VENOUS_HYPERTENSION = "chronic_venous_hypertension"
    RECURRENT_DVT = "recurrent_dvt"
    LYMPHOEDEMA = "lymphoedema"
    DEVICE_RELATED = "device_related"
    GASTROINTESTINAL_BLEEDING = "gastrointestinal_bleeding"
    INTRACRANIAL_HAEMORRHAGE = "intracranial_haemorrhage"
    OTHER_BLEEDING = "other_bleeding"
    OTHER = "other"


BLEEDING_KINDS = (
    ComplicationKind.ACCESS_SITE_BLEEDING,
    ComplicationKind.HAEMATOMA,
    ComplicationKind.GASTROINTESTINAL_BLEEDING,
    ComplicationKind.INTRACRANIAL_HAEMORRHAGE,
    ComplicationKind.OTHER_BLEEDING,
)
EARLY_DAYS = 30  # a complication within 30 days of the procedure it follows is early


class Severity(models.TextChoices):
    """The SIR adverse-event classification."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    LIFE_THREATENING = "life_threatening"
    DEATH = "death"


class BleedingClass(models.TextChoices):
    MAJOR = "major", "major (ISTH)"
    CRNM = "crnm", "clinically relevant non-major"
    MINOR = "minor"


class LimbPerfusion(models.TextChoices):
    NORMAL = "normal"
    IMPAIRED = "impaired"


class ReinterventionCause(models.TextChoices):
    STENOSIS = "stenosis"
    OCCLUSION = "occlusion"
    SYMPTOMS = "symptoms"
    OTHER = "other"


DUPLEX_CAUSES = (ReinterventionCause.STENOSIS, ReinterventionCause.OCCLUSION)
