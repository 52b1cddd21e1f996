"""A coordinator walks a patient from referral to surveillance through the HTTP API alone."""

import datetime as dt

import pytest
from django.utils import timezone

pytestmark = pytest.mark.django_db


def _ok(response, code=200):
    assert response.status_code == code, response.content
    return response.json()


def test_coordinator_walks_a_patient_from_selection_to_surveillance(as_admin, anonymous):
    token = None
    _ok(
        as_admin.post(
            "/api/users/",
            {
                "username": "cora",
                "password": "a-long-secret-pw1",
                "role": "coordinator",
                "email": "cora@unit.example",
                "full_name": "Cora Ordinator",
            },
            format="json",
        ),
        201,
    )
    token = _ok(
        anonymous.post("/api/auth/token/", {"username": "cora", "password": "a-long-secret-pw1"})
    )["token"]
    c = anonymous
    c.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    today = timezone.localdate()
    d = lambda n: (today - dt.timedelta(days=n)).isoformat()  # noqa: E731

    patient = _ok(
        c.post(
            "/api/patients/",
            {
                "mrn": "X1",
                "given_name": "A",
                "family_name": "B",
                "birth_date": "1970-01-01",
                "sex": "female",
            },
            format="json",
        ),
        201,
    )
    body = {"patient": patient["id"], "opened_on": d(2)}  # referred two days ago
    episode = _ok(c.post("/api/episodes/", body, format="json"), 201)
    assert episode["state"] == "selection"
    eid = episode["id"]
    u = f"/api/episodes/{eid}/"

    def move(name, expect="ok", **extra):
        r = c.post(f"{u}transitions/", {"transition": name, **extra}, format="json")
        return r

    blocked = move("refer_to_mdt")
    assert blocked.status_code == 409
    assert {x["rule"] for x in blocked.json()["unmet"]} == {
        "indication_documented",
        "no_absolute_contraindication",
        "fit_for_procedure",
        "symptom_window",
    }

    _ok(
        c.put(
            f"{u}selection/",
            {
                "assessed_on": d(1),
                "symptom_onset": d(5),
                "indications": ["phlegmasia_cerulea_dolens"],
                "contraindications": [],
                "fit_for_procedure": True,
                "thrombus_segments": ["ivc", "right_common_iliac"],
                "pe_suspected": True,
                "symptom_window_override": None,
            },
            format="json",
        )
    )
    assert _ok(move("refer_to_mdt"))["state"] == "mdt_discussion"
    _ok(
        c.post(
            f"{u}mdt/",
            {
                "date": d(0),
                "attendees": ["vascular_surgeon", "interventional_radiologist"],
                "decision": "proceed",
                "rationale": "r",
            },
            format="json",
        ),
        201,
    )
    detail = _ok(c.get(u))
    assert [w["rule"] for w in detail["warnings"]] == ["mdt_quorum"]
    assert _ok(move("approve"))["state"] == "imaging"
    for modality, ivc in (("duplex", None), ("ct_venography", False), ("echocardiography", None)):
        _ok(
            c.post(
                f"{u}imaging/",
                {
                    "modality": modality,
                    "date": d(0),
                    "ivc_anomaly": ivc,
                    "ivc_filter": ivc,
                    "findings": "",
                },
                format="json",
            ),
            201,
        )
    _ok(
        c.put(
            f"{u}anticoagulation/",
            {"agent": "lmwh", "started_at": timezone.now().isoformat()},
            format="json",
        )
    )
    assert _ok(move("schedule_procedure"))["state"] == "procedure"
    _ok(
        c.put(
            f"{u}procedure/",
            {
                "date": d(0),
                "access": [{"vein": "femoral", "side": "right", "ultrasound_guided": True}],
                "technique": "rheolytic",
                "device": "AngioJet",
                "thrombolytic_agent": None,
                "thrombolytic_dose": None,
                "thrombolytic_dose_unit": None,
                "angioplasty": True,
                "stents": [
                    {
                        "product": "Wallstent",
                        "diameter_mm": 18,
                        "length_mm": 90,
                        "segment": "right_common_iliac",
                    }
                ],
                "ivus": True,
                "completion_venography": {
                    "patent": True,
                    "residual_stenosis_pct": 0,
                    "dissection": False,
                },
            },
            format="json",
        )
    )
    assert _ok(move("complete_procedure"))["state"] == "post_op"
    _ok(
        c.post(
            f"{u}imaging/",
            {"modality": "duplex", "date": d(0), "findings": "patent"},
            format="json",
        ),
        201,
    )
    _ok(
        c.put(
            f"{u}discharge-plan/",
            {
                "anticoagulant": "doac",
                "planned_duration_months": None,
                "compression_stockings": True,
            },
            format="json",
        )
    )
    assert _ok(move("discharge"))["state"] == "surveillance"

    history = _ok(c.get(f"{u}history/"))
    assert [h["transition"] for h in history] == [
        "open",
        "refer_to_mdt",
        "approve",
        "schedule_procedure",
        "complete_procedure",
        "discharge",
    ]
    assert all(h["actor"] == "cora" for h in history)
