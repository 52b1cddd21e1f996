"""Bad input on every write: a 400 naming the field (or a 404/409 where the contract says so),
never a 500, and nothing already saved changes."""

import datetime as dt

import pytest
from django.utils import timezone

from pathway.codes import State
from pathway.models import Episode
from tests import factories as f
from tests.api import support as s
from tests.conftest import _user
from tests.module_rows import rows_for_the_module

pytestmark = pytest.mark.django_db

DROP = object()  # a field left out of the body


def changed(body: dict, changes: dict) -> dict:
    out = {**body, **changes}
    return {k: v for k, v in out.items() if v is not DROP}


def refused(response, *path, status=400, before=None):
    """`response` is refused naming `path`, and nothing saved changed."""
    s.names(response, *path, status=status)
    if before is not None:
        assert s.saved() == before


# --- patients -------------------------------------------------------------------------------
PATIENT_CASES = [
    *[pytest.param({k: DROP}, k, id=f"no {k}") for k in s.patient_body()],
    pytest.param({"birth_date": "17/05/1970"}, "birth_date", id="birth date not ISO"),
    pytest.param({"birth_date": "1970-02-30"}, "birth_date", id="30 February"),
    pytest.param({"birth_date": s.ahead(1)}, "birth_date", id="born tomorrow"),
    pytest.param({"sex": "yes"}, "sex", id="unknown sex"),
    pytest.param({"mrn": ""}, "mrn", id="blank mrn"),
    pytest.param({"mrn": "X" * 33}, "mrn", id="mrn too long"),
    pytest.param({"given_name": None}, "given_name", id="null given name"),
    pytest.param({"family_name": ["Lovelace"]}, "family_name", id="family name a list"),
]


@pytest.mark.parametrize(("changes", "field"), PATIENT_CASES)
def test_a_patient_with_bad_details_is_not_registered(changes, field, as_coordinator, patient):
    before = s.saved()
    response = as_coordinator.post("/api/patients/", changed(s.patient_body(), changes), "json")
    refused(response, field, before=before)


def test_a_second_patient_with_the_same_mrn_is_refused_naming_mrn(as_coordinator, patient):
    before = s.saved()
    response = as_coordinator.post("/api/patients/", s.patient_body(mrn=patient.mrn), "json")
    refused(response, "mrn", before=before)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"birth_date": s.ahead(3)}, "birth_date", id="born in the future"),
        pytest.param({"sex": "n/a"}, "sex", id="unknown sex"),
        pytest.param({"mrn": "TAKEN-1"}, "mrn", id="another patient's mrn"),
    ],
)
def test_a_bad_correction_leaves_the_patient_as_registered(changes, field, as_coordinator, patient):
    f.PatientFactory(mrn="TAKEN-1")
    before = s.saved()
    response = as_coordinator.patch(f"/api/patients/{patient.id}/", changes, "json")
    refused(response, field, before=before)


# --- users ----------------------------------------------------------------------------------
USER_CASES = [
    pytest.param({"role": "surgeon"}, "role", id="unknown role"),
    pytest.param({"role": DROP}, "role", id="no role"),
    pytest.param({"password": "Ab1x"}, "password", id="short password"),
    pytest.param({"password": "qwertyuiop"}, "password", id="common password"),
    pytest.param({"password": ""}, "password", id="blank password"),
    pytest.param({"username": "nurse-1"}, "username", id="username taken"),
    pytest.param({"username": "NURSE-1"}, "username", id="username taken in other case"),
    pytest.param({"username": "new staff!"}, "username", id="username with a space"),
    pytest.param({"username": ""}, "username", id="blank username"),
    pytest.param({"email": DROP}, "email", id="no email: alerts are emailed"),
    pytest.param({"email": ""}, "email", id="blank email"),
    pytest.param({"email": "nell-at-unit"}, "email", id="not an email"),
    pytest.param({"full_name": DROP}, "full_name", id="no full name"),
    pytest.param({"full_name": "   "}, "full_name", id="blank full name"),
    pytest.param(
        {"username": "zoë.ångström", "password": "zoe12345"},
        "password",
        id="password like the username once accents are set aside",
    ),
]


@pytest.mark.parametrize(("changes", "field"), USER_CASES)
def test_a_user_with_bad_details_is_not_created(changes, field, as_admin, nurse):
    before = s.saved()
    response = as_admin.post("/api/users/", changed(s.user_body(), changes), "json")
    refused(response, field, before=before)


# --- episodes -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="no patient"),
        pytest.param({"patient": 987654}, id="unknown patient"),
        pytest.param({"patient": "Ada"}, id="patient not an id"),
        pytest.param({"patient": None}, id="null patient"),
        pytest.param({"patient": 10**20}, id="patient id beyond any integer column"),
    ],
)
def test_an_episode_needs_a_known_patient(body, as_coordinator, patient):
    before = s.saved()
    refused(as_coordinator.post("/api/episodes/", body, "json"), "patient", before=before)


def test_a_patient_on_the_pathway_cannot_get_a_second_episode(coordinator, as_coordinator):
    episode = f.episode_in(State.IMAGING, coordinator)
    before = s.saved()
    response = as_coordinator.post("/api/episodes/", {"patient": episode.patient_id}, "json")
    refused(response, "detail", status=409, before=before)


def test_a_patient_whose_episode_ended_can_start_again(coordinator, as_coordinator):
    episode = f.episode_in(State.IMAGING, coordinator)
    f.services.episode_transition(
        episode_id=episode.id, name="withdraw", actor=coordinator, reason="Moved away."
    )
    body = s.ok(as_coordinator.post("/api/episodes/", {"patient": episode.patient_id}, "json"), 201)
    assert body["state"] == "selection" and body["id"] != episode.id


def test_an_unknown_state_filter_is_refused(as_nurse):
    s.names(as_nurse.get("/api/episodes/?state=limbo"), "state")


def test_a_search_with_a_null_character_is_refused(as_nurse, patient):
    s.names(as_nurse.get("/api/patients/?search=Ada%00"), "search")


# --- transitions ----------------------------------------------------------------------------
TRANSITION_CASES = [
    pytest.param({"transition": "teleport"}, "transition", id="unknown move"),
    pytest.param({}, "transition", id="no move named"),
    pytest.param({"transition": None}, "transition", id="null move"),
    pytest.param({"transition": "withdraw"}, "reason", id="withdraw without a reason"),
    pytest.param({"transition": "withdraw", "reason": "   "}, "reason", id="blank reason"),
    pytest.param({"transition": "exclude", "reason": None}, "reason", id="exclude, null reason"),
    pytest.param(
        {"transition": "refer_to_mdt", "effective_on": s.ahead(1)},
        "effective_on",
        id="effective tomorrow",
    ),
    pytest.param(
        {"transition": "refer_to_mdt", "effective_on": s.ago(1)},
        "effective_on",
        id="effective before the episode was opened",
    ),
    pytest.param(
        {"transition": "refer_to_mdt", "effective_on": "last tuesday"},
        "effective_on",
        id="effective date not a date",
    ),
    pytest.param({"transition": "record_death"}, "effective_on", id="death without its date"),
    pytest.param(
        {"transition": "refer_to_mdt", "expected_state": "limbo"},
        "expected_state",
        id="unknown expected state",
    ),
]


@pytest.mark.parametrize(("body", "field"), TRANSITION_CASES)
def test_a_bad_move_request_moves_nothing(body, field, coordinator, as_coordinator):
    episode = s.ready_for("refer_to_mdt", coordinator)
    before = s.saved()
    response = as_coordinator.post(s.episode_url(episode.id, "transitions/"), body, "json")
    refused(response, field, before=before)


def test_a_move_that_does_not_leave_the_current_state_is_a_conflict(coordinator, as_coordinator):
    episode = s.ready_for("refer_to_mdt", coordinator)
    before = s.saved()

    response = as_coordinator.post(
        s.episode_url(episode.id, "transitions/"), {"transition": "discharge"}, "json"
    )

    assert "selection" in s.names(response, "detail", status=409)
    assert response.json()["unmet"] == []
    assert s.saved() == before


def test_referring_without_a_selection_assessment_says_which_rules_are_unmet(
    coordinator, as_coordinator
):
    episode = f.episode_in(State.SELECTION, coordinator)
    before = s.saved()

    response = as_coordinator.post(
        s.episode_url(episode.id, "transitions/"), {"transition": "refer_to_mdt"}, "json"
    )

    s.names(response, "detail", status=409)
    unmet = response.json()["unmet"]
    assert all(set(u) == {"rule", "message"} and u["message"] for u in unmet)
    assert {u["rule"] for u in unmet} == {
        "indication_documented",
        "no_absolute_contraindication",
        "fit_for_procedure",
        "symptom_window",
    }
    assert s.saved() == before


def test_approving_without_a_radiologist_at_the_mdt_is_blocked_by_the_quorum(
    coordinator, as_coordinator
):
    episode = f.episode_in(State.MDT_DISCUSSION, coordinator)
    f.record_mdt(coordinator, episode, attendees=["vascular_surgeon", "haematologist"])
    before = s.saved()

    response = as_coordinator.post(
        s.episode_url(episode.id, "transitions/"), {"transition": "approve"}, "json"
    )

    assert [u["rule"] for u in s.names(response, "unmet", status=409)] == ["mdt_quorum"]
    assert s.saved() == before


def test_a_move_made_meanwhile_by_someone_else_is_a_conflict(coordinator, as_coordinator):
    episode = s.ready_for("refer_to_mdt", coordinator)
    before = s.saved()
    response = as_coordinator.post(
        s.episode_url(episode.id, "transitions/"),
        {"transition": "withdraw", "reason": "Declined.", "expected_state": "mdt_discussion"},
        "json",
    )
    refused(response, "detail", status=409, before=before)


def test_an_admin_cannot_correct_an_episode_that_never_moved(coordinator, as_admin):
    episode = f.episode_in(State.SELECTION, coordinator)
    before = s.saved()
    response = as_admin.post(
        s.episode_url(episode.id, "transitions/"),
        {"transition": "correct", "reason": "Oops."},
        "json",
    )
    assert [u["rule"] for u in s.names(response, "unmet", status=409)] == ["correctable_move"]
    assert s.saved() == before


# --- pathway records ------------------------------------------------------------------------
def _episode_with(state, *records):
    """An episode in `state`, with `records` (factories' record_* helpers) already saved."""

    def build(actor):
        episode = f.episode_in(state, actor)
        for record in records:
            record(actor, episode)
        return episode

    return build


RECORDS = {
    # name: (method, tail, valid body, episode with an earlier record of that kind)
    "selection": ("put", "selection/", s.selection_body, _episode_with(State.SELECTION)),
    "mdt": ("post", "mdt/", s.mdt_body, _episode_with(State.MDT_DISCUSSION, f.record_mdt)),
    "imaging": (
        "post",
        "imaging/",
        s.imaging_body,
        _episode_with(State.IMAGING, lambda a, e: f.record_imaging(a, e, "duplex")),
    ),
    "anticoagulation": (
        "put",
        "anticoagulation/",
        s.anticoagulation_body,
        _episode_with(State.IMAGING, f.record_anticoagulation),
    ),
    "procedure": (  # the note a move relied on: a change says why
        "put",
        "procedure/",
        lambda **o: s.procedure_body(**{"reason": "Corrected from the theatre log.", **o}),
        _episode_with(State.POST_OP),
    ),
    "discharge-plan": (
        "put",
        "discharge-plan/",
        s.discharge_plan_body,
        _episode_with(State.POST_OP, f.record_discharge_plan),
    ),
}
# The selection at SELECTION is recorded before each case, so a PUT has something to replace.
RECORDS["selection"] = (
    *RECORDS["selection"][:3],
    _episode_with(State.SELECTION, f.record_selection),
)


@pytest.fixture(scope="module")
def _episodes_of_the_module(django_db_setup, django_db_blocker, _app_role):
    """The episodes the record cases write to, one per kind of record, and the post-op
    episode with every kind of record (`everything` below): walked once for the module, as
    each test would have walked the same; a test's writes are undone after it."""

    def make() -> dict:
        coordinator = _user("coordinator")
        episode = f.episode_in(State.POST_OP, coordinator)
        f.record_discharge_plan(coordinator, episode)
        return {
            "everything": {"episode": episode.id, "patient": episode.patient_id},
            "records": {name: RECORDS[name][3](coordinator).id for name in RECORDS},
        }

    yield from rows_for_the_module(django_db_blocker, make)


@pytest.fixture
def episode_for(_episodes_of_the_module, coordinator):
    """The episode with an earlier record of the kind (RECORDS), read fresh."""
    return lambda record: Episode.objects.get(id=_episodes_of_the_module["records"][record])


def _send(client, record, episode_id, body):
    method, tail, _, _ = RECORDS[record]
    return getattr(client, method)(s.episode_url(episode_id, tail), body, format="json")


def _case(record, changes, *path, id):
    return pytest.param(record, changes, path, id=f"{record}: {id}")


def _stent(**changes):
    return {"stents": [s.stent(**changes)]}


def _agent(agent, dose, unit, technique="pharmacomechanical"):
    return {
        "technique": technique,
        "thrombolytic_agent": agent,
        "thrombolytic_dose": dose,
        "thrombolytic_dose_unit": unit,
    }


def _completion(**changes):
    return {"completion_venography": {"patent": True, "dissection": False, **changes}}


RECORD_CASES = [
    # selection
    _case("selection", {"indications": ["broken_leg"]}, "indications", id="unknown indication"),
    _case("selection", {"indications": "severe_swelling"}, "indications", id="indications a word"),
    _case("selection", {"indications": None}, "indications", id="null indications"),
    _case(
        "selection",
        {"contraindications": ["bad_mood"]},
        "contraindications",
        id="unknown contraindication",
    ),
    _case("selection", {"thrombus_segments": ["aorta"]}, "thrombus_segments", id="unknown segment"),
    _case("selection", {"assessed_on": s.ahead(1)}, "assessed_on", id="assessed tomorrow"),
    _case("selection", {"assessed_on": "yesterday"}, "assessed_on", id="assessed on a word"),
    _case("selection", {"assessed_on": DROP}, "assessed_on", id="no assessment date"),
    _case(
        "selection",
        {"assessed_on": s.ago(5), "symptom_onset": s.ago(2)},
        "symptom_onset",
        id="onset after the assessment",
    ),
    _case(
        "selection",
        {"fit_for_procedure": "perhaps"},
        "fit_for_procedure",
        id="fitness neither yes nor no",
    ),
    # mdt
    _case("mdt", {"attendees": []}, "attendees", id="nobody attended"),
    _case("mdt", {"attendees": ["cardiologist"]}, "attendees", id="unknown attendee role"),
    _case("mdt", {"attendees": "haematologist"}, "attendees", id="attendees a word"),
    _case("mdt", {"decision": "maybe"}, "decision", id="unknown decision"),
    _case("mdt", {"decision": DROP}, "decision", id="no decision"),
    _case("mdt", {"date": s.ahead(2)}, "date", id="held the day after tomorrow"),
    _case("mdt", {"anaesthetic_risk": "x" * 101}, "anaesthetic_risk", id="risk text too long"),
    # imaging
    _case("imaging", {"modality": "xray"}, "modality", id="unknown modality"),
    _case("imaging", {"date": s.ahead(1)}, "date", id="done tomorrow"),
    _case("imaging", {"ivc_filter": "sometimes"}, "ivc_filter", id="ivc filter not a yes/no"),
    _case("imaging", {"thrombus_segments": ["aorta"]}, "thrombus_segments", id="unknown segment"),
    # anticoagulation
    _case("anticoagulation", {"agent": "warfarin"}, "agent", id="unknown agent"),
    _case(
        "anticoagulation",
        {"started_at": (timezone.now() + dt.timedelta(hours=3)).isoformat()},
        "started_at",
        id="started in three hours",
    ),
    _case("anticoagulation", {"started_at": "this morning"}, "started_at", id="bad datetime"),
    _case("anticoagulation", {"started_at": DROP}, "started_at", id="no start time"),
    # procedure
    _case("procedure", _stent(diameter_mm=5), "stents", 0, "diameter_mm", id="stent 5 mm wide"),
    _case("procedure", _stent(diameter_mm=37), "stents", 0, "diameter_mm", id="stent 37 mm wide"),
    _case("procedure", _stent(length_mm=9), "stents", 0, "length_mm", id="stent 9 mm long"),
    _case("procedure", _stent(length_mm=251), "stents", 0, "length_mm", id="stent 251 mm long"),
    _case("procedure", _stent(segment="aorta"), "stents", 0, "segment", id="stent in the aorta"),
    _case("procedure", {"stents": "Wallstent"}, "stents", id="stents a word"),
    _case(
        "procedure",
        _completion(residual_stenosis_pct=101),
        "completion_venography",
        "residual_stenosis_pct",
        id="residual stenosis 101%",
    ),
    _case(
        "procedure",
        _completion(residual_stenosis_pct=-1),
        "completion_venography",
        "residual_stenosis_pct",
        id="residual stenosis -1%",
    ),
    _case(
        "procedure",
        {"completion_venography": DROP},
        "completion_venography",
        id="no completion venography",
    ),
    _case("procedure", {"technique": "laser"}, "technique", id="unknown technique"),
    _case(
        "procedure",
        _agent("alteplase", "20", "IU"),
        "thrombolytic_dose_unit",
        id="alteplase in IU",
    ),
    _case(
        "procedure",
        _agent("urokinase", "250000", "mg"),
        "thrombolytic_dose_unit",
        id="urokinase in mg",
    ),
    _case(
        "procedure",
        _agent("streptokinase", "20", "mg"),
        "thrombolytic_agent",
        id="unknown thrombolytic",
    ),
    _case("procedure", _agent("alteplase", None, "mg"), "thrombolytic_dose", id="agent no dose"),
    _case("procedure", _agent("alteplase", "0", "mg"), "thrombolytic_dose", id="alteplase 0 mg"),
    _case(
        "procedure", _agent("alteplase", "500", "mg"), "thrombolytic_dose", id="alteplase 500 mg"
    ),
    _case(
        "procedure",
        _agent(None, "20", "mg", technique="aspiration"),
        "thrombolytic_dose",
        id="dose without an agent",
    ),
    _case(
        "procedure",
        _agent(None, None, None),
        "thrombolytic_agent",
        id="pharmacomechanical without an agent",
    ),
    _case(
        "procedure",
        _agent(None, None, "mg", technique="aspiration"),
        "thrombolytic_dose_unit",
        id="dose unit without an agent",
    ),
    _case("procedure", {"access": []}, "access", id="no access"),
    _case(
        "procedure",
        {"access": [{"vein": "radial", "side": "left", "ultrasound_guided": True}]},
        "access",
        0,
        "vein",
        id="unknown access vein",
    ),
    _case(
        "procedure",
        {"access": [{"vein": "femoral", "side": "both", "ultrasound_guided": True}]},
        "access",
        0,
        "side",
        id="unknown access side",
    ),
    _case("procedure", {"date": s.ahead(1)}, "date", id="operated tomorrow"),
    # discharge plan
    _case(
        "discharge-plan",
        {"anticoagulant": "doac", "target_inr_low": "2.0", "target_inr_high": "3.0"},
        "target_inr_low",
        id="INR targets for a doac",
    ),
    _case(
        "discharge-plan",
        {"anticoagulant": "doac", "target_inr_high": "3.0"},
        "target_inr_high",
        id="upper INR target for a doac",
    ),
    _case(
        "discharge-plan",
        {"anticoagulant": "vka", "target_inr_low": "2.0"},
        "target_inr_high",
        id="vka without an upper INR target",
    ),
    _case(
        "discharge-plan",
        {"anticoagulant": "vka", "target_inr_high": "3.0"},
        "target_inr_low",
        id="vka without a lower INR target",
    ),
    _case(
        "discharge-plan",
        {"anticoagulant": "vka", "target_inr_low": "3.0", "target_inr_high": "2.0"},
        "target_inr_low",
        id="vka low above high",
    ),
    _case(
        "discharge-plan",
        {"anticoagulant": "vka", "target_inr_low": "2.5", "target_inr_high": "2.5"},
        "target_inr_low",
        id="vka low equal to high",
    ),
    _case(
        "discharge-plan",
        {"anticoagulant": "vka", "target_inr_low": "1.0", "target_inr_high": "3.0"},
        "target_inr_low",
        id="vka low below 1.5",
    ),
    _case(
        "discharge-plan",
        {"anticoagulant": "vka", "target_inr_low": "2.25", "target_inr_high": "3.0"},
        "target_inr_low",
        id="vka INR to two decimals",
    ),
    _case(
        "discharge-plan",
        {"compression_stockings": False, "compression_reason": ""},
        "compression_reason",
        id="no stockings, no reason",
    ),
    _case(
        "discharge-plan",
        {"compression_stockings": False, "compression_reason": "   "},
        "compression_reason",
        id="no stockings, blank reason",
    ),
    _case(
        "discharge-plan",
        {"planned_duration_months": 0},
        "planned_duration_months",
        id="zero months",
    ),
    _case(
        "discharge-plan",
        {"planned_duration_months": -3},
        "planned_duration_months",
        id="negative months",
    ),
    _case("discharge-plan", {"anticoagulant": "aspirin"}, "anticoagulant", id="unknown drug"),
    _case(
        "discharge-plan",
        {"compression_stockings": DROP},
        "compression_stockings",
        id="stockings not said",
    ),
]


@pytest.mark.parametrize(("record", "changes", "path"), RECORD_CASES)
def test_a_bad_record_is_refused_and_the_earlier_one_kept(
    record, changes, path, coordinator, as_coordinator, episode_for
):
    episode = episode_for(record)
    body = changed(RECORDS[record][2](), changes)
    before = s.saved()

    response = _send(as_coordinator, record, episode.id, body)

    refused(response, *path, before=before)


@pytest.mark.parametrize("record", RECORDS)
def test_the_valid_body_of_each_record_is_accepted(
    record, coordinator, as_coordinator, episode_for
):
    """The counterpart of the cases above: unchanged, the same body is saved."""
    episode = episode_for(record)
    response = _send(as_coordinator, record, episode.id, RECORDS[record][2]())
    assert response.status_code in (200, 201), response.content


def test_an_mdt_decision_outside_mdt_discussion_is_a_conflict(coordinator, as_coordinator):
    episode = f.episode_in(State.IMAGING, coordinator)
    before = s.saved()
    refused(
        _send(as_coordinator, "mdt", episode.id, s.mdt_body()), "detail", status=409, before=before
    )


def test_a_procedure_note_during_selection_is_a_conflict(coordinator, as_coordinator):
    episode = f.episode_in(State.SELECTION, coordinator)
    before = s.saved()
    response = _send(as_coordinator, "procedure", episode.id, s.procedure_body())
    refused(response, "detail", status=409, before=before)


@pytest.mark.parametrize("record", RECORDS)
def test_the_records_of_a_withdrawn_episode_are_closed(
    record, coordinator, as_coordinator, episode_for
):
    episode = episode_for(record)
    f.services.episode_transition(
        episode_id=episode.id, name="withdraw", actor=coordinator, reason="Declined."
    )
    before = s.saved()
    response = _send(as_coordinator, record, episode.id, RECORDS[record][2]())
    refused(response, "detail", status=409, before=before)


def test_a_withdrawn_episode_makes_no_further_move(coordinator, as_coordinator):
    episode = f.episode_in(State.IMAGING, coordinator)
    f.services.episode_transition(
        episode_id=episode.id, name="withdraw", actor=coordinator, reason="Declined."
    )
    before = s.saved()
    response = as_coordinator.post(
        s.episode_url(episode.id, "transitions/"),
        {"transition": "record_death", "effective_on": s.ago(0)},
        "json",
    )
    refused(response, "detail", status=409, before=before)


# --- bodies that are not JSON objects -------------------------------------------------------
WRITES = [
    pytest.param("post", "/api/patients/", id="register a patient"),
    pytest.param("patch", "/api/patients/{patient}/", id="correct a patient"),
    pytest.param("post", "/api/users/", id="create a user"),
    pytest.param("post", "/api/episodes/", id="open an episode"),
    pytest.param("post", "/api/episodes/{episode}/transitions/", id="move"),
    *[
        pytest.param(method, f"/api/episodes/{{episode}}/{tail}", id=f"record {name}")
        for name, (method, tail, _, _) in RECORDS.items()
    ],
]


@pytest.fixture
def everything(_episodes_of_the_module, coordinator):
    """An episode in post_op, with every kind of record, and its patient (built once for the
    module: _episodes_of_the_module)."""
    return dict(_episodes_of_the_module["everything"])


@pytest.mark.parametrize(("method", "path"), WRITES)
@pytest.mark.parametrize(
    "raw",
    [
        pytest.param('{"transition": "approve", ', id="malformed JSON"),
        pytest.param("[]", id="empty list"),
        pytest.param('[{"mrn": "X"}]', id="list of objects"),
        pytest.param('"text"', id="bare string"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_refused(raw, method, path, everything, as_admin):
    before = s.saved()
    response = getattr(as_admin, method)(
        path.format(**everything), raw, content_type="application/json"
    )
    assert response.status_code == 400, response.content
    assert response.json()
    assert s.saved() == before


# --- ids that do not exist ------------------------------------------------------------------
MISSING = 987654
MISSING_CALLS = [
    pytest.param("get", f"/api/patients/{MISSING}/", None, id="read a patient"),
    pytest.param("patch", f"/api/patients/{MISSING}/", {"given_name": "A"}, id="correct a patient"),
    pytest.param("get", f"/api/episodes/{MISSING}/", None, id="read an episode"),
    pytest.param("get", f"/api/episodes/{10**20}/", None, id="read an episode with a huge id"),
    pytest.param("get", f"/api/episodes/{MISSING}/history/", None, id="read a history"),
    pytest.param(
        "post",
        f"/api/episodes/{MISSING}/transitions/",
        {"transition": "withdraw", "reason": "Declined."},
        id="move",
    ),
    *[
        pytest.param("get", f"/api/episodes/{MISSING}/{tail}", None, id=f"read {name}")
        for name, (_, tail, _, _) in RECORDS.items()
    ],
    *[
        pytest.param(method, f"/api/episodes/{MISSING}/{tail}", body(), id=f"record {name}")
        for name, (method, tail, body, _) in RECORDS.items()
    ],
]


@pytest.mark.parametrize(("method", "path", "body"), MISSING_CALLS)
def test_what_does_not_exist_is_not_found(method, path, body, everything, as_admin):
    before = s.saved()
    response = getattr(as_admin, method)(path, body, format="json")
    s.names(response, "detail", status=404)
    assert s.saved() == before


@pytest.mark.parametrize(
    ("path", "method", "body", "field"),
    [
        (
            "selection/",
            "put",
            {"assessed_on": "1900-01-02", "symptom_onset": "1900-01-01"},
            "symptom_onset",
        ),
        ("imaging/", "post", {"modality": "duplex", "date": "0001-01-01"}, "date"),
        (
            "anticoagulation/",
            "put",
            {"agent": "lmwh", "started_at": "1901-01-01T08:00:00Z"},
            "started_at",
        ),
    ],
)
def test_a_record_dated_before_the_patient_was_born_is_refused(
    as_coordinator, coordinator, path, method, body, field
):
    episode = f.episode_in(State.SELECTION, coordinator)
    if path == "selection/":
        body = s.selection_body(**body)
    response = getattr(as_coordinator, method)(
        f"/api/episodes/{episode.id}/{path}", body, format="json"
    )
    assert response.status_code == 400, response.content
    assert field in response.json()
