import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from demo import walk as demo
from pathway import services
from tasks import services as task_services
from tasks.models import FollowUp
from tests.tasks.support import (
    PROCEDURE_ON,
    at,
    discharge,
    sweep_on,
)

D = dt.date


@pytest.fixture
def clock():
    """Time stands still (no tick) on the procedure day until a test moves it on."""
    with time_machine.travel(at(PROCEDURE_ON), tick=False) as traveller:
        yield traveller


def the(episode, kind: str, due_on: dt.date) -> FollowUp:
    return FollowUp.objects.get(episode=episode, kind=kind, due_on=due_on)


def full_episode(coordinator, nurse, clock, patient=None):
    """An episode with a record of every kind: operated on 31 Jan 2024 (a Wallstent in the
    left common iliac), discharged on a VKA on 3 Feb, a major access-site bleed, weight and
    creatinine, an INR and a duplex with Villalta, VCSS and CEAP recorded, alerts raised, the
    selection corrected (a second revision), then re-intervened on 14 Mar (a Viabahn in the
    left external iliac) and discharged again on 18 Mar."""
    kwargs = {"patient": patient} if patient is not None else {}
    episode = discharge(coordinator, clock, **kwargs)
    services.complication_add(
        actor=coordinator,
        episode_id=episode.id,
        kind="access_site_bleeding",
        occurred_on=D(2024, 2, 1),
        severity="moderate",
        bleeding_class="major",
    )
    services.measurement_add(
        actor=coordinator,
        episode_id=episode.id,
        measured_on=D(2024, 2, 3),
        weight_kg=Decimal("71.5"),
        creatinine_umol_l=Decimal("88"),
    )
    sweep_on(clock, D(2024, 2, 7))
    clock.move_to(at(D(2024, 2, 9)))
    task_services.followup_record_result(
        actor=nurse,
        performed_on=D(2024, 2, 9),
        follow_up_id=the(episode, "inr_check", D(2024, 2, 10)).id,
        inr=Decimal("3.4"),
    )
    clock.move_to(at(D(2024, 2, 14)))
    villalta = dict.fromkeys(
        (
            "pain",
            "cramps",
            "heaviness",
            "paraesthesia",
            "pruritus",
            "pretibial_oedema",
            "skin_induration",
            "hyperpigmentation",
            "redness",
            "venous_ectasia",
            "pain_on_calf_compression",
        ),
        1,
    )
    task_services.followup_record_result(
        actor=nurse,
        performed_on=D(2024, 2, 14),
        follow_up_id=the(episode, "duplex", D(2024, 2, 14)).id,
        segments=[{"segment": "left_common_iliac", "result": "patent"}],
        villalta={**villalta, "ulcer": False},
        vcss=dict.fromkeys(
            (
                "pain",
                "varicose_veins",
                "venous_oedema",
                "skin_pigmentation",
                "inflammation",
                "induration",
                "active_ulcer_number",
                "active_ulcer_duration",
                "active_ulcer_size",
                "compression_therapy",
            ),
            1,
        ),
        ceap="C3",
    )
    demo.record_selection(
        coordinator,
        episode,
        assessed_on=D(2024, 1, 31),
        symptom_onset=D(2024, 1, 26),
        reason="Extent re-read on the CT.",
        thrombus_segments=["ivc", "left_common_iliac", "left_external_iliac"],
    )
    clock.move_to(at(D(2024, 3, 14)))
    services.episode_transition(
        actor=coordinator,
        episode_id=episode.id,
        name="reintervene",
        reason="Leg swelling again.",
        reintervention={"cause": "symptoms", "segments": ["left_common_iliac"]},
    )
    clock.move_to(at(D(2024, 3, 15)))
    demo.record_procedure(
        coordinator,
        episode,
        stents=[
            {
                "product": "Viabahn",
                "diameter_mm": 14,
                "length_mm": 60,
                "segment": "left_external_iliac",
                "lot": "A17-0042",
                "udi": "(01)00884521123456(17)261231(10)A17-0042",
            }
        ],
    )
    services.episode_transition(actor=coordinator, episode_id=episode.id, name="complete_procedure")
    clock.move_to(at(D(2024, 3, 18)))
    episode = demo.prepare_and_move(coordinator, episode, "discharge")
    clock.move_to(at(D(2024, 3, 25)))
    task_services.visit_record(
        actor=nurse,
        episode_id=episode.id,
        kind="duplex",
        performed_on=D(2024, 3, 25),
        segments=[
            {"segment": "left_common_iliac", "result": "patent"},
            {"segment": "left_external_iliac", "result": "stenosis"},
        ],
    )
    return episode


def more_records(coordinator, nurse, clock, episode, n: int = 3):
    """`n` more of each kind of record the episode can take in surveillance."""
    for i in range(n):
        day = D(2024, 3, 26 + i)
        clock.move_to(at(day))
        services.complication_add(
            actor=coordinator,
            episode_id=episode.id,
            kind="lymphoedema",
            occurred_on=day,
            severity="mild",
        )
        services.measurement_add(
            actor=coordinator, episode_id=episode.id, measured_on=day, weight_kg=Decimal("72")
        )
        services.course_add(
            actor=coordinator,
            episode_id=episode.id,
            agent="enoxaparin",
            started_on=day,
            stopped_on=day,
        )
        task_services.visit_record(
            actor=nurse,
            episode_id=episode.id,
            kind="inr_check",
            performed_on=day,
            inr=Decimal("2.5"),
        )


@pytest.fixture(autouse=True)
def export_folder(settings, tmp_path):
    """Bulk exports write under the test's own folder."""
    settings.FHIR_EXPORT_DIR = str(tmp_path / "exports")
    return tmp_path / "exports"
