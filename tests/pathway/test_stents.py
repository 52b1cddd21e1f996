"""Stents that span segments, with their lot number or UDI (issue 18): written through the
service and the episode page's form (any number of rows, more without JavaScript), kept in the
note's revisions, carried over from the one-segment rows, and found again by a recall."""

import datetime as dt
import importlib

import pytest
import time_machine
from django.apps import apps
from django.urls import reverse
from django.utils import timezone

from core.errors import InvalidInput
from pathway import services
from pathway.codes import State
from pathway.models import ProcedureNote, Stent, StentSegment
from tests.factories import (
    PatientFactory,
    episode_in,
    prepare_and_move,
    record_procedure,
    walk_to,
)

pytestmark = pytest.mark.django_db
CARRY_OVER = importlib.import_module("pathway.migrations.0012_stent_spans_lot_udi")

# A four-stent IVC-to-femoral reconstruction of the left leg, top down.
RECONSTRUCTION = [
    ("Sinus-XL", 24, 90, ["ivc"], "IVC-771"),
    ("Venovo", 16, 120, ["ivc", "left_common_iliac"], "VN-1602"),
    ("Venovo", 14, 120, ["left_common_iliac", "left_external_iliac"], "VN-1403"),
    ("Abre", 12, 100, ["left_external_iliac", "left_common_femoral"], "AB-1210"),
]


@pytest.fixture(autouse=True)
def at_midday():
    noon = dt.datetime.combine(timezone.localdate(), dt.time(12))
    with time_machine.travel(timezone.make_aware(noon), tick=True):
        yield


def reconstruction() -> list[dict]:
    return [
        {"product": p, "diameter_mm": d, "length_mm": length, "segments": segs, "lot": lot}
        for p, d, length, segs, lot in RECONSTRUCTION
    ]


def spans(episode) -> list[list[str]]:
    note = ProcedureNote.objects.get(episode=episode)
    return [s.segments for s in note.stents.prefetch_related("spans")]


# --- the service ------------------------------------------------------------------------------
def test_a_four_stent_reconstruction_keeps_each_stent_with_its_segments_and_lot(coordinator):
    episode = episode_in(State.PROCEDURE, coordinator)

    record_procedure(coordinator, episode, stents=reconstruction())

    assert spans(episode) == [segs for *_, segs, _ in RECONSTRUCTION]
    note = ProcedureNote.objects.get(episode=episode)
    assert note.stents.count() == 4  # stents are counted as stents, not as segments
    assert [s.segment for s in note.stents.all()] == [
        "ivc",
        "ivc",
        "left_common_iliac",
        "left_external_iliac",
    ]  # the first each spans, for the clients that know one segment
    assert [s.lot for s in note.stents.all()] == [lot for *_, lot in RECONSTRUCTION]


def test_rewriting_the_note_replaces_the_stents_and_the_revision_keeps_what_was_written(
    coordinator,
):
    episode = episode_in(State.PROCEDURE, coordinator)
    record_procedure(coordinator, episode, stents=reconstruction())

    record_procedure(coordinator, episode, stents=reconstruction()[:1])

    assert spans(episode) == [["ivc"]]
    assert StentSegment.objects.filter(stent__note__episode=episode).count() == 1
    first, second = ProcedureNote.history.filter(episode_id=episode.id).order_by("history_id")
    assert [s["segments"] for s in first.parts["stents"]] == [s for *_, s, _ in RECONSTRUCTION]
    assert first.parts["stents"][1]["lot"] == "VN-1602"
    assert second.parts["stents"] == [
        {
            "product": "Sinus-XL",
            "diameter_mm": 24,
            "length_mm": 90,
            "segment": "ivc",
            "segments": ["ivc"],
            "lot": "IVC-771",
            "udi": "",
        }
    ]


def test_a_segment_named_twice_in_one_stent_is_refused_in_words(coordinator):
    episode = episode_in(State.PROCEDURE, coordinator)
    twice = {**reconstruction()[1], "segments": ["ivc", "left_common_iliac", "ivc"]}

    with pytest.raises(InvalidInput) as refused:
        record_procedure(coordinator, episode, stents=[reconstruction()[0], twice])

    assert refused.value.errors == {"stents": ["Stent 2: IVC is named more than once."]}
    assert not ProcedureNote.objects.filter(episode=episode).exists()


def test_a_reintervention_may_name_any_segment_a_stent_spans(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    record_procedure(coordinator, episode, stents=reconstruction(), reason="Four stents.")
    prepare_and_move(coordinator, episode, "discharge")

    services.episode_transition(
        actor=coordinator,
        episode_id=episode.id,
        name="reintervene",
        reason="Occluded.",
        reintervention={"cause": "occlusion", "segments": ["left_common_femoral"]},
    )

    episode.refresh_from_db()
    assert episode.state == State.PROCEDURE


# --- the migration ----------------------------------------------------------------------------
@pytest.mark.db_owner  # it empties the spans as they were before the migration: the owner may
def test_the_migration_carries_each_one_segment_stent_over_to_its_span(coordinator):
    episode = episode_in(State.PROCEDURE, coordinator)
    record_procedure(coordinator, episode)  # one Wallstent in the left common iliac
    second = episode_in(State.PROCEDURE, coordinator)
    record_procedure(
        coordinator,
        second,
        stents=[
            {"product": "Venovo", "diameter_mm": 14, "length_mm": 120, "segment": "ivc"},
            {"product": "Venovo", "diameter_mm": 14, "length_mm": 120, "segment": "right_femoral"},
        ],
    )
    StentSegment.objects.all().delete()  # the rows as they were before stents could span

    CARRY_OVER.spans_from_segments(apps, None)

    assert spans(episode) == [["left_common_iliac"]]
    assert spans(second) == [["ivc"], ["right_femoral"]]
    assert StentSegment.objects.count() == Stent.objects.count() == 3


# --- the episode page's form ------------------------------------------------------------------
def record_url(episode):
    return reverse("episode-record", args=[episode.id, "procedure"])


def page_url(episode):
    return reverse("episode-page", args=[episode.id])


def form_data(stents, **extra) -> dict:
    data = {
        "procedure-date": timezone.localdate().isoformat(),
        "procedure-access_1_vein": "femoral",
        "procedure-access_1_side": "left",
        "procedure-technique": "pharmacomechanical",
        "procedure-thrombolytic_agent": "alteplase",
        "procedure-thrombolytic_dose": "10",
        "procedure-thrombolytic_dose_unit": "mg",
        "procedure-completion_patent": "yes",
    }
    for i, (product, diameter, length, segments, lot) in enumerate(stents, start=1):
        data.update(
            {
                f"procedure-stent_{i}_product": product,
                f"procedure-stent_{i}_diameter": diameter,
                f"procedure-stent_{i}_length": length,
                f"procedure-stent_{i}_segment": segments,
                f"procedure-stent_{i}_lot": lot,
            }
        )
    data.update(extra)
    return data


def stent_rows(response) -> int:
    return response.context["forms"][
        [f["form"].kind for f in response.context["forms"]].index("procedure")
    ]["form"].stent_rows


def test_the_four_stent_reconstruction_saves_through_the_page_form(client, coordinator):
    episode = episode_in(State.PROCEDURE, coordinator)
    client.force_login(coordinator)
    assert stent_rows(client.get(page_url(episode))) == 3

    # Three rows filled, then "Add another stent": the form again, one row more, nothing saved.
    added = client.post(
        record_url(episode),
        form_data(RECONSTRUCTION[:3], **{"procedure-stent_rows": "3", "procedure-add_stent": "1"}),
    )
    assert added.status_code == 200
    assert stent_rows(added) == 4
    html = added.content.decode()
    assert 'name="procedure-stent_4_product"' in html and "autofocus" in html
    assert "please check" not in html
    assert not ProcedureNote.objects.filter(episode=episode).exists()

    saved = client.post(
        record_url(episode), form_data(RECONSTRUCTION, **{"procedure-stent_rows": "4"})
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    assert spans(episode) == [segs for *_, segs, _ in RECONSTRUCTION]

    page = client.get(page_url(episode))
    assert stent_rows(page) == 5  # the four written and an empty one for a fifth
    html = page.content.decode()
    assert 'value="AB-1210"' in html
    assert "Left external iliac, Left common femoral" in html or (
        "left external iliac, left common femoral" in html.lower()
    )


def test_a_failed_save_shows_one_empty_row_below_the_stents_typed(client, coordinator):
    episode = episode_in(State.PROCEDURE, coordinator)
    client.force_login(coordinator)
    typed = [*RECONSTRUCTION[:3], ("Abre", 12, 100, [], "AB-1210")]  # no segment for the 4th

    response = client.post(record_url(episode), form_data(typed, **{"procedure-stent_rows": "4"}))

    assert response.status_code == 400
    assert stent_rows(response) == 5
    assert "Fill in every field of this stent." in response.content.decode()


def test_an_older_form_posting_one_segment_a_row_still_saves(client, coordinator):
    episode = episode_in(State.PROCEDURE, coordinator)
    client.force_login(coordinator)

    response = client.post(record_url(episode), form_data([RECONSTRUCTION[0]]))

    assert response.status_code == 302
    assert spans(episode) == [["ivc"]]


# --- the recall page --------------------------------------------------------------------------
def test_the_recall_page_lists_the_patients_with_a_lot_for_coordinators_only(
    client, coordinator, nurse
):
    episode = episode_in(State.PROCEDURE, coordinator)
    record_procedure(coordinator, episode, stents=reconstruction())
    client.force_login(coordinator)

    found = client.get(reverse("stent-recall"), {"lot": "vn-1403"})

    assert found.status_code == 200
    assert [r.episode_id for r in found.context["rows"]] == [episode.id]
    assert episode.patient.mrn in found.content.decode()
    assert found["Cache-Control"].startswith("max-age=0") or "no-store" in found["Cache-Control"]
    assert client.get(reverse("stent-recall")).status_code == 200  # the empty search box
    client.force_login(nurse)
    assert client.get(reverse("stent-recall"), {"lot": "vn-1403"}).status_code == 403
