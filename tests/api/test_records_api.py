"""Pathway records over HTTP (API contract, "Pathway records"): revisions of every write, the
reason a record needs once a move relied on it, dates that fit the timeline, complications,
post-op checks, the new codes, the warnings, and the coded re-intervention."""

import datetime as dt

import pytest
from django.utils import timezone

from pathway.codes import State
from pathway.models import Reintervention
from tests import factories as f
from tests.api import support as s

pytestmark = pytest.mark.django_db

REVISION_KEYS = {"record", "record_id", "actor", "at", "reason", "before", "after"}


def put(client, episode_id, tail, body):
    return client.put(s.episode_url(episode_id, tail), body, format="json")


def post(client, episode_id, tail, body):
    return client.post(s.episode_url(episode_id, tail), body, format="json")


def move(client, episode_id, name, **body):
    return post(client, episode_id, "transitions/", {"transition": name, **body})


def revisions(client, episode_id) -> list[dict]:
    return s.ok(client.get(s.episode_url(episode_id, "revisions/")))


def pathway_revisions(client, episode_id) -> list[dict]:
    """The revisions of the pathway's records (the follow-ups' are the tasks app's)."""
    return [r for r in revisions(client, episode_id) if r["record"] not in ("follow_up", "visit")]


def episode(client, episode_id) -> dict:
    return s.ok(client.get(s.episode_url(episode_id)))


def warning_rules(client, episode_id) -> set[str]:
    return {w["rule"] for w in episode(client, episode_id)["warnings"]}


def started_at(day: dt.date, hour: int = 8) -> str:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour))).isoformat()


def ago(n: int) -> dt.date:
    return s.today() - dt.timedelta(days=n)


def complication_body(**overrides) -> dict:
    body = {
        "kind": "pulmonary_embolism",
        "occurred_on": s.ago(0),
        "severity": "moderate",
        "bleeding_class": None,
        "notes": "",
    }
    return {**body, **overrides}


def check_body(**overrides) -> dict:
    body = {
        "at": timezone.now().isoformat(),
        "limb_perfusion": "normal",
        "compartment_signs": False,
        "access_bleeding": False,
        "pain_score": 2,
        "mobilised": True,
    }
    return {**body, **overrides}


# --- revisions ----------------------------------------------------------------------------------
def test_a_new_selection_is_listed_as_a_revision_with_no_before(as_coordinator, coordinator):
    ep = f.open_episode(coordinator)
    written = s.ok(put(as_coordinator, ep.id, "selection/", s.selection_body()))

    (revision,) = revisions(as_coordinator, ep.id)

    assert set(revision) == REVISION_KEYS
    assert (revision["record"], revision["record_id"]) == ("selection", written["id"])
    assert (revision["actor"], revision["reason"]) == ("coordinator-1", "")
    assert revision["before"] is None
    assert revision["after"]["assessed_on"] == s.ago(0)
    assert revision["after"]["indications"] == ["phlegmasia_cerulea_dolens"]
    assert revision["after"]["thrombophilia"] == "not_tested"
    assert dt.datetime.fromisoformat(revision["at"]) <= timezone.now()


def test_a_changed_record_lists_its_facts_before_and_after(as_coordinator, coordinator):
    ep = f.open_episode(coordinator)
    put(as_coordinator, ep.id, "selection/", s.selection_body(pe_suspected=False))
    s.ok(put(as_coordinator, ep.id, "selection/", s.selection_body(pe_suspected=True)))

    first, second = revisions(as_coordinator, ep.id)

    assert second["before"] == first["after"]
    assert (second["before"]["pe_suspected"], second["after"]["pe_suspected"]) == (False, True)
    assert second["record_id"] == first["record_id"]
    assert first["at"] <= second["at"]


def test_any_role_reads_the_revisions_but_only_staff_who_record_may_write(
    as_coordinator, as_nurse, as_admin, anonymous, coordinator
):
    ep = f.open_episode(coordinator)
    s.ok(put(as_coordinator, ep.id, "selection/", s.selection_body()))

    assert len(revisions(as_nurse, ep.id)) == 1
    assert len(revisions(as_admin, ep.id)) == 1
    assert anonymous.get(s.episode_url(ep.id, "revisions/")).status_code == 401
    assert put(as_nurse, ep.id, "selection/", s.selection_body()).status_code == 403
    assert len(revisions(as_coordinator, ep.id)) == 1


def test_the_revisions_of_an_unknown_episode_are_not_found(as_nurse):
    assert as_nurse.get(s.episode_url(987654, "revisions/")).status_code == 404


def test_writing_the_same_record_again_lists_no_new_revision(as_coordinator, coordinator):
    ep = f.open_episode(coordinator)
    body = s.selection_body()
    s.ok(put(as_coordinator, ep.id, "selection/", body))
    s.ok(move(as_coordinator, ep.id, "refer_to_mdt"))

    s.ok(put(as_coordinator, ep.id, "selection/", body))  # no reason needed: nothing changes

    assert len(revisions(as_coordinator, ep.id)) == 1


def test_decimals_and_dates_read_as_strings_in_a_revision(as_coordinator, coordinator):
    ep = f.episode_in(State.POST_OP, coordinator)
    s.ok(
        put(
            as_coordinator,
            ep.id,
            "discharge-plan/",
            s.discharge_plan_body(anticoagulant="vka", target_inr_low="2.5", target_inr_high="3.5"),
        )
    )

    (plan,) = [r for r in revisions(as_coordinator, ep.id) if r["record"] == "discharge_plan"]

    assert (plan["after"]["target_inr_low"], plan["after"]["target_inr_high"]) == ("2.5", "3.5")
    (note,) = [r for r in revisions(as_coordinator, ep.id) if r["record"] == "procedure_note"]
    assert note["after"]["date"] == s.ago(0)
    assert note["after"]["thrombolytic_dose"] == "10.00"


def test_a_procedure_note_revision_carries_its_stents(as_coordinator, coordinator):
    ep = f.episode_in(State.PROCEDURE, coordinator)
    s.ok(put(as_coordinator, ep.id, "procedure/", s.procedure_body()))
    longer = s.stent(length_mm=150)
    s.ok(put(as_coordinator, ep.id, "procedure/", s.procedure_body(stents=[longer])))

    notes = [r for r in revisions(as_coordinator, ep.id) if r["record"] == "procedure_note"]

    assert [n["after"]["stents"] for n in notes] == [[s.stent_kept()], [s.stent_kept(longer)]]
    assert notes[1]["before"]["stents"] == [s.stent_kept()]


def test_the_same_start_time_sent_in_another_utc_offset_is_no_change(as_coordinator, coordinator):
    ep = f.episode_in(State.PROCEDURE, coordinator)
    stored = episode(as_coordinator, ep.id)["records"]["anticoagulation"]
    same_instant = dt.datetime.fromisoformat(stored["started_at"]).astimezone(
        dt.timezone(dt.timedelta(hours=-5))
    )

    s.ok(
        put(
            as_coordinator,
            ep.id,
            "anticoagulation/",
            {"agent": stored["agent"], "started_at": same_instant.isoformat()},
        )
    )

    assert [r["record"] for r in revisions(as_coordinator, ep.id)].count("anticoagulation") == 1


# --- a reason where a move relied on the record -------------------------------------------------
def test_coordinator_cannot_rewrite_the_selection_after_referral_without_a_reason(
    as_coordinator, coordinator
):
    ep = f.episode_in(State.MDT_DISCUSSION, coordinator)
    saved = s.saved()

    message = s.names(put(as_coordinator, ep.id, "selection/", s.selection_body()), "reason")

    assert "refer_to_mdt" in message[0]
    assert s.saved() == saved
    s.ok(
        put(
            as_coordinator,
            ep.id,
            "selection/",
            s.selection_body(reason="Re-assessed after the CT."),
        )
    )
    latest = revisions(as_coordinator, ep.id)[-1]
    assert (latest["record"], latest["reason"]) == ("selection", "Re-assessed after the CT.")
    assert latest["before"] is not None
    reread = s.ok(as_coordinator.get(s.episode_url(ep.id, "selection/")))
    assert reread["edited_after_move"] is True


def test_the_answer_to_a_correcting_write_says_it_was_edited_after_the_move_as_a_read_does(
    as_coordinator, coordinator
):
    """PUT answers with the record; it should be the record a GET shows, flag included."""
    ep = f.episode_in(State.MDT_DISCUSSION, coordinator)

    written = s.ok(
        put(
            as_coordinator,
            ep.id,
            "selection/",
            s.selection_body(reason="Re-assessed after the CT."),
        )
    )

    reread = s.ok(as_coordinator.get(s.episode_url(ep.id, "selection/")))
    assert reread["edited_after_move"] is True
    assert written["edited_after_move"] == reread["edited_after_move"]


@pytest.mark.parametrize(
    "state, tail, body",
    [
        (State.PROCEDURE, "anticoagulation/", lambda: s.anticoagulation_body()),
        (State.POST_OP, "procedure/", lambda: s.procedure_body()),
        (State.SURVEILLANCE, "discharge-plan/", lambda: s.discharge_plan_body()),
    ],
    ids=["anticoagulation-after-booking", "note-after-completion", "plan-after-discharge"],
)
def test_a_record_a_standing_move_relied_on_changes_only_with_a_reason(
    as_coordinator, coordinator, state, tail, body
):
    ep = f.episode_in(state, coordinator)
    saved = s.saved()

    s.names(put(as_coordinator, ep.id, tail, body()), "reason")

    assert s.saved() == saved
    s.ok(put(as_coordinator, ep.id, tail, {**body(), "reason": "Misrecorded."}))


def test_the_episode_lists_the_records_edited_after_the_move(as_coordinator, coordinator):
    ep = f.episode_in(State.SURVEILLANCE, coordinator)
    assert episode(as_coordinator, ep.id)["edited_after_move"] == []

    s.ok(put(as_coordinator, ep.id, "procedure/", s.procedure_body(reason="Misrecorded.")))
    s.ok(put(as_coordinator, ep.id, "discharge-plan/", s.discharge_plan_body(reason="DOAC.")))

    data = episode(as_coordinator, ep.id)
    assert sorted(data["edited_after_move"]) == ["discharge_plan", "procedure_note"]
    records = data["records"]
    assert records["procedure_notes"][0]["edited_after_move"] is True
    assert records["discharge_plan"]["edited_after_move"] is True
    assert records["selection"]["edited_after_move"] is False
    assert records["anticoagulation"]["edited_after_move"] is False


def test_after_an_admin_undoes_the_referral_the_selection_changes_without_a_reason(
    as_coordinator, as_admin, coordinator
):
    ep = f.episode_in(State.MDT_DISCUSSION, coordinator)
    s.ok(move(as_admin, ep.id, "correct", reason="Referred by mistake."))

    s.ok(put(as_coordinator, ep.id, "selection/", s.selection_body()))

    data = episode(as_coordinator, ep.id)
    assert data["records"]["selection"]["edited_after_move"] is False
    assert data["edited_after_move"] == []
    assert revisions(as_coordinator, ep.id)[-1]["before"] is not None  # it did change


# --- the timeline -------------------------------------------------------------------------------
def test_an_mdt_dated_2020_on_an_episode_opened_this_year_is_a_400_naming_the_referral(
    as_coordinator, coordinator
):
    ep = f.episode_in(State.MDT_DISCUSSION, coordinator)

    message = s.names(post(as_coordinator, ep.id, "mdt/", s.mdt_body(date="2020-03-12")), "date")

    assert message == [f"This date is before the referral date ({s.ago(0)})."]
    assert episode(as_coordinator, ep.id)["records"]["mdt_decisions"] == []


def test_a_selection_assessed_before_the_referral_is_a_400_naming_the_referral(
    as_coordinator, coordinator
):
    ep = f.open_episode(coordinator)

    response = put(as_coordinator, ep.id, "selection/", s.selection_body(assessed_on=s.ago(1)))

    assert s.names(response, "assessed_on") == [
        f"This date is before the referral date ({s.ago(0)})."
    ]


def test_a_procedure_typed_ten_years_early_is_a_400_naming_the_booking(as_coordinator, coordinator):
    ep = f.episode_in(State.PROCEDURE, coordinator)
    typo = s.today().replace(year=s.today().year - 10)

    response = put(as_coordinator, ep.id, "procedure/", s.procedure_body(date=s.iso(typo)))

    (message,) = s.names(response, "date")
    assert message.startswith(f"This date is before the date it was booked ({s.ago(0)}).")
    assert "an admin can correct the booking" in message
    assert episode(as_coordinator, ep.id)["records"]["procedure_notes"] == []


# --- complications ------------------------------------------------------------------------------
def test_a_complication_is_added_and_listed_with_early_derived(as_coordinator, coordinator):
    ep = f.episode_in(State.POST_OP, coordinator)

    added = s.ok(
        post(
            as_coordinator,
            ep.id,
            "complications/",
            complication_body(
                kind="access_site_bleeding",
                bleeding_class="major",
                severity="severe",
                notes="Popliteal puncture site.",
            ),
        ),
        201,
    )

    assert added["early"] is True
    assert (added["kind"], added["bleeding_class"], added["severity"]) == (
        "access_site_bleeding",
        "major",
        "severe",
    )
    listed = s.ok(as_coordinator.get(s.episode_url(ep.id, "complications/")))
    assert [(c["id"], c["early"]) for c in listed] == [(added["id"], True)]


def test_a_complication_weeks_after_the_procedure_is_late(as_coordinator, coordinator):
    ep = f.walk_to(coordinator, f.PatientFactory(), State.SURVEILLANCE, on=ago(45))

    added = s.ok(
        post(
            as_coordinator,
            ep.id,
            "complications/",
            complication_body(kind="pts", occurred_on=s.ago(0)),
        ),
        201,
    )

    assert added["early"] is False


@pytest.mark.parametrize(
    "body, field",
    [
        (complication_body(kind="haematoma"), "bleeding_class"),
        (complication_body(bleeding_class="minor"), "bleeding_class"),
        (complication_body(kind="broken_leg"), "kind"),
        (complication_body(severity="catastrophic"), "severity"),
        (complication_body(kind="haematoma", bleeding_class="huge"), "bleeding_class"),
    ],
    ids=["bleed-without-class", "class-without-bleed", "kind", "severity", "class"],
)
def test_a_complication_with_a_wrong_code_is_a_400(as_coordinator, coordinator, body, field):
    ep = f.episode_in(State.POST_OP, coordinator)

    s.names(post(as_coordinator, ep.id, "complications/", body), field)

    assert s.ok(as_coordinator.get(s.episode_url(ep.id, "complications/"))) == []


@pytest.mark.parametrize("state", [State.SELECTION, State.PROCEDURE])
def test_a_complication_before_any_procedure_note_is_a_409(as_coordinator, coordinator, state):
    ep = f.episode_in(state, coordinator)

    response = post(as_coordinator, ep.id, "complications/", complication_body())

    assert response.status_code == 409, response.content


def test_a_closed_episode_takes_no_complication(as_coordinator, coordinator):
    ep = f.episode_in(State.SURVEILLANCE, coordinator)
    s.ok(move(as_coordinator, ep.id, "withdraw", reason="Moved away."))

    response = post(as_coordinator, ep.id, "complications/", complication_body())

    assert response.status_code == 409, response.content


def test_a_nurse_may_read_but_not_add_complications(as_nurse, coordinator):
    ep = f.episode_in(State.POST_OP, coordinator)

    assert post(as_nurse, ep.id, "complications/", complication_body()).status_code == 403
    assert s.ok(as_nurse.get(s.episode_url(ep.id, "complications/"))) == []


# --- post-op checks -----------------------------------------------------------------------------
def test_a_postop_check_is_recorded_in_post_op_and_listed(as_coordinator, coordinator):
    ep = f.episode_in(State.POST_OP, coordinator)
    assert "postop_checks_recorded" in warning_rules(as_coordinator, ep.id)

    added = s.ok(post(as_coordinator, ep.id, "postop-checks/", check_body(pain_score=0)), 201)

    assert (added["pain_score"], added["limb_perfusion"], added["mobilised"]) == (0, "normal", True)
    listed = s.ok(as_coordinator.get(s.episode_url(ep.id, "postop-checks/")))
    assert [c["id"] for c in listed] == [added["id"]]
    assert "postop_checks_recorded" not in warning_rules(as_coordinator, ep.id)


@pytest.mark.parametrize(
    "body, field",
    [
        (check_body(pain_score=11), "pain_score"),
        (check_body(pain_score=-1), "pain_score"),
        (check_body(limb_perfusion="cold"), "limb_perfusion"),
    ],
    ids=["pain-11", "pain-negative", "perfusion"],
)
def test_a_postop_check_out_of_range_is_a_400(as_coordinator, coordinator, body, field):
    ep = f.episode_in(State.POST_OP, coordinator)

    s.names(post(as_coordinator, ep.id, "postop-checks/", body), field)

    assert s.ok(as_coordinator.get(s.episode_url(ep.id, "postop-checks/"))) == []


@pytest.mark.parametrize("state", [State.PROCEDURE, State.SURVEILLANCE])
def test_a_postop_check_outside_post_op_is_a_409(as_coordinator, coordinator, state):
    ep = f.episode_in(state, coordinator)

    assert post(as_coordinator, ep.id, "postop-checks/", check_body()).status_code == 409


# --- the new codes and the warnings -------------------------------------------------------------
def test_a_positive_thrombophilia_needs_the_finding(as_coordinator, coordinator):
    ep = f.open_episode(coordinator)

    s.names(
        put(as_coordinator, ep.id, "selection/", s.selection_body(thrombophilia="positive")),
        "thrombophilia_finding",
    )
    s.names(
        put(as_coordinator, ep.id, "selection/", s.selection_body(thrombophilia="maybe")),
        "thrombophilia",
    )

    written = s.ok(
        put(
            as_coordinator,
            ep.id,
            "selection/",
            s.selection_body(
                thrombophilia="positive", thrombophilia_finding="Antiphospholipid syndrome"
            ),
        )
    )
    assert (written["thrombophilia"], written["thrombophilia_finding"]) == (
        "positive",
        "Antiphospholipid syndrome",
    )


def test_the_procedure_takes_inflow_and_underlying_lesion_codes(as_coordinator, coordinator):
    ep = f.episode_in(State.PROCEDURE, coordinator)

    s.names(put(as_coordinator, ep.id, "procedure/", s.procedure_body(inflow="great")), "inflow")
    s.names(
        put(as_coordinator, ep.id, "procedure/", s.procedure_body(underlying_lesion="tumour")),
        "underlying_lesion",
    )
    written = s.ok(
        put(
            as_coordinator,
            ep.id,
            "procedure/",
            s.procedure_body(inflow="poor", underlying_lesion="post_thrombotic"),
        )
    )

    assert (written["inflow"], written["underlying_lesion"]) == ("poor", "post_thrombotic")
    assert "inflow" in warning_rules(as_coordinator, ep.id)


def test_post_op_shows_the_warnings_of_a_poor_result_and_missing_checks(
    as_coordinator, coordinator
):
    ep = f.episode_in(State.PROCEDURE, coordinator)
    venogram = {"patent": True, "residual_stenosis_pct": 60, "dissection": False}
    s.ok(put(as_coordinator, ep.id, "procedure/", s.procedure_body(completion_venography=venogram)))
    s.ok(move(as_coordinator, ep.id, "complete_procedure"))

    warnings = episode(as_coordinator, ep.id)["warnings"]

    assert {w["rule"] for w in warnings} == {
        "thrombophilia_assessed",
        "postop_checks_recorded",
        "completion_venogram",
    }
    assert all(w["message"] for w in warnings)


# --- re-intervention over HTTP ------------------------------------------------------------------
def test_reintervene_carries_its_codes_in_the_transition_body(as_coordinator, coordinator):
    ep = f.episode_in(State.SURVEILLANCE, coordinator)

    data = s.ok(
        move(
            as_coordinator,
            ep.id,
            "reintervene",
            reason="Swollen leg again.",
            reintervention={"cause": "stenosis", "segments": ["left_common_iliac"]},
        )
    )

    assert data["state"] == State.PROCEDURE
    kept = Reintervention.objects.get(move__episode_id=ep.id)
    assert (kept.cause, kept.segments) == ("stenosis", ["left_common_iliac"])


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "Swollen leg again."},
        {"reason": "Swollen leg again.", "reintervention": None},
        {"reason": "Swollen leg again.", "reintervention": {"cause": "boredom"}},
        {"reason": "Swollen leg again.", "reintervention": {"cause": "occlusion"}},
        {
            "reason": "Swollen leg again.",
            "reintervention": {"cause": "occlusion", "segments": ["right_popliteal"]},
        },
        {
            "reason": "Swollen leg again.",
            "reintervention": {
                "cause": "occlusion",
                "segments": ["left_common_iliac"],
                "follow_up": 987654,
            },
        },
        {"reintervention": {"cause": "symptoms"}},
    ],
    ids=["missing", "null", "cause", "no-segments", "unstented", "follow-up", "no-reason"],
)
def test_reintervene_without_valid_codes_is_a_400(as_coordinator, coordinator, body):
    ep = f.episode_in(State.SURVEILLANCE, coordinator)
    saved = s.saved()

    response = move(as_coordinator, ep.id, "reintervene", **body)

    assert response.status_code == 400, response.content
    assert s.saved() == saved
    assert not Reintervention.objects.filter(move__episode_id=ep.id).exists()


def test_another_move_given_reintervention_codes_is_a_400(as_coordinator, coordinator):
    ep = f.episode_in(State.POST_OP, coordinator)
    f.record_imaging(coordinator, ep, "duplex", ivc_anomaly=None, ivc_filter=None)
    f.record_discharge_plan(coordinator, ep)
    saved = s.saved()

    response = move(as_coordinator, ep.id, "discharge", reintervention={"cause": "symptoms"})

    s.names(response, "reintervention")
    assert s.saved() == saved


# --- a whole episode, then a corrected procedure date -------------------------------------------
def test_a_walked_episode_lists_every_write_and_the_corrected_procedure_date(
    as_coordinator, coordinator
):
    patient = s.ok(as_coordinator.post("/api/patients/", s.patient_body(), format="json"), 201)
    ep = s.ok(
        as_coordinator.post(
            "/api/episodes/", {"patient": patient["id"], "opened_on": s.ago(10)}, format="json"
        ),
        201,
    )
    eid = ep["id"]
    steps = [
        ("put", "selection/", s.selection_body(assessed_on=s.ago(10), symptom_onset=s.ago(14))),
        ("move", "refer_to_mdt", s.ago(10)),
        ("post", "mdt/", s.mdt_body(date=s.ago(9))),
        ("move", "approve", s.ago(9)),
        ("post", "imaging/", s.imaging_body(modality="duplex", date=s.ago(8))),
        ("post", "imaging/", s.imaging_body(date=s.ago(8))),
        ("put", "anticoagulation/", s.anticoagulation_body(started_at=started_at(ago(8)))),
        ("move", "schedule_procedure", s.ago(8)),
        ("put", "procedure/", s.procedure_body(date=s.ago(7))),
        ("move", "complete_procedure", s.ago(7)),
        ("post", "imaging/", s.imaging_body(modality="duplex", date=s.ago(5))),
        ("put", "discharge-plan/", s.discharge_plan_body()),
        ("move", "discharge", s.ago(5)),
    ]
    for kind, what, data in steps:
        if kind == "move":
            s.ok(move(as_coordinator, eid, what, effective_on=data))
        else:
            write = put if kind == "put" else post
            s.ok(write(as_coordinator, eid, what, data), 200 if kind == "put" else 201)
    assert episode(as_coordinator, eid)["state"] == State.SURVEILLANCE

    s.ok(
        put(
            as_coordinator,
            eid,
            "procedure/",
            s.procedure_body(date=s.ago(6), reason="Date copied from the wrong list."),
        )
    )

    rows = revisions(as_coordinator, eid)
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    ours = pathway_revisions(as_coordinator, eid)
    assert [r["record"] for r in ours] == [
        "selection",
        "mdt_decision",
        "imaging_study",
        "imaging_study",
        "anticoagulation",
        "anticoagulation_course",  # the UFH infusion the record started (pathway.md section 7)
        "procedure_note",
        "imaging_study",
        "discharge_plan",
        "anticoagulation_course",  # at discharge: the plan's VKA, made as a course
        "anticoagulation_course",  # and the UFH infusion stopped
        "procedure_note",
    ]
    assert all(r["actor"] == coordinator.username for r in ours)
    assert [r["before"] is None for r in ours] == [True] * 10 + [False, False]
    assert ours[10]["after"]["stopped_on"] == s.ago(5)
    corrected = ours[-1]
    assert corrected["record_id"] == ours[6]["record_id"]
    assert (corrected["before"]["date"], corrected["after"]["date"]) == (s.ago(7), s.ago(6))
    assert corrected["reason"] == "Date copied from the wrong list."
    assert corrected["before"]["stents"] == corrected["after"]["stents"] == [s.stent_kept()]
    assert corrected["before"] == {**corrected["after"], "date": s.ago(7)}
    assert episode(as_coordinator, eid)["edited_after_move"] == ["procedure_note"]
