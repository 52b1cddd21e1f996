"""Stents over HTTP (API contract, "Pathway records"): a stent names the one segment it covers
or the segments it spans, with its lot number and UDI; older clients that send one segment get
what they always got, plus the new fields; a recall finds every patient with a lot or UDI."""

import pytest

from pathway.codes import State
from tests import factories as f
from tests.api import support as s

pytestmark = pytest.mark.django_db

RECONSTRUCTION = [
    ["ivc"],
    ["ivc", "left_common_iliac"],
    ["left_common_iliac", "left_external_iliac"],
    ["left_external_iliac", "left_common_femoral"],
]


def put_procedure(client, episode_id, **overrides):
    return client.put(
        s.episode_url(episode_id, "procedure/"), s.procedure_body(**overrides), format="json"
    )


def spanning(segments, **extra) -> dict:
    stent = {k: v for k, v in s.stent().items() if k != "segment"}
    return {**stent, "segments": segments, **extra}


def test_an_older_client_sending_one_segment_gets_what_it_got_before_plus_the_new_fields(
    as_coordinator, coordinator
):
    ep = f.episode_in(State.PROCEDURE, coordinator)

    note = s.ok(put_procedure(as_coordinator, ep.id))

    (stent,) = note["stents"]
    assert stent == {**s.stent(), "segments": ["right_common_iliac"], "lot": "", "udi": ""}
    read = s.ok(as_coordinator.get(s.episode_url(ep.id)))["records"]["procedure_notes"]
    assert read[0]["stents"] == [stent]


def test_a_four_stent_reconstruction_from_the_ivc_to_the_groin_is_read_back_in_order(
    as_coordinator, coordinator
):
    ep = f.episode_in(State.PROCEDURE, coordinator)
    stents = [
        spanning(seg, lot=f" L{i} ", udi=f"(01)0884521{i}") for i, seg in enumerate(RECONSTRUCTION)
    ]

    note = s.ok(put_procedure(as_coordinator, ep.id, stents=stents))

    assert [x["segments"] for x in note["stents"]] == RECONSTRUCTION
    assert [x["segment"] for x in note["stents"]] == [
        "ivc",
        "ivc",
        "left_common_iliac",
        "left_external_iliac",
    ]
    assert [x["lot"] for x in note["stents"]] == ["L0", "L1", "L2", "L3"]  # trimmed
    assert note["stents"][3]["udi"] == "(01)08845213"


def test_the_segments_need_not_be_next_to_each_other(as_coordinator, coordinator):
    ep = f.episode_in(State.PROCEDURE, coordinator)
    skipping = spanning(["left_common_iliac", "left_common_femoral"])

    note = s.ok(put_procedure(as_coordinator, ep.id, stents=[skipping]))

    assert note["stents"][0]["segments"] == ["left_common_iliac", "left_common_femoral"]


@pytest.mark.parametrize(
    "stent, words",
    [
        ({**s.stent(), "segments": ["ivc"]}, "not both"),
        ({k: v for k, v in s.stent().items() if k != "segment"}, "Name the segment"),
        (spanning([]), "empty"),
        (spanning(["ivc", "left_knee"]), "not a valid choice"),
        (spanning(["ivc", "left_common_iliac", "ivc"]), "IVC is named more than once"),
        (spanning(["ivc"], lot="x" * 101), "100 characters"),
    ],
    ids=["segment-and-segments", "neither", "empty", "unknown", "twice", "long-lot"],
)
def test_a_stent_with_bad_segments_or_lot_is_refused_in_words_and_nothing_is_written(
    as_coordinator, coordinator, stent, words
):
    ep = f.episode_in(State.PROCEDURE, coordinator)

    response = put_procedure(as_coordinator, ep.id, stents=[stent])

    assert response.status_code == 400, response.content
    assert words.lower() in response.content.decode().lower()
    assert not ep.procedure_notes.exists()


def recall(client, **query):
    return client.get("/api/stents/", query)


def test_a_recall_by_lot_finds_every_patient_with_that_stent_and_only_them(
    as_coordinator, as_admin, coordinator
):
    first, second, other = (f.episode_in(State.PROCEDURE, coordinator) for _ in range(3))
    s.ok(put_procedure(as_coordinator, first.id, stents=[spanning(["ivc"], lot="A17-0042")]))
    s.ok(
        put_procedure(
            as_coordinator,
            second.id,
            stents=[
                spanning(["left_common_iliac"], lot="B1"),
                spanning(["left_external_iliac", "left_common_femoral"], lot="a17-0042"),
            ],
        )
    )
    s.ok(put_procedure(as_coordinator, other.id, stents=[spanning(["ivc"], lot="A17-0043")]))

    found = s.ok(recall(as_admin, lot=" A17-0042 "))

    assert [(r["episode"], r["segments"]) for r in found] == [
        (first.id, ["ivc"]),
        (second.id, ["left_external_iliac", "left_common_femoral"]),
    ]
    assert found[0]["mrn"] == first.patient.mrn
    assert s.ok(recall(as_coordinator, lot="A17-0042")) == found


def test_a_recall_by_udi_finds_every_lot_of_the_device(as_coordinator, coordinator):
    one, two = (f.episode_in(State.PROCEDURE, coordinator) for _ in range(2))
    s.ok(
        put_procedure(
            as_coordinator, one.id, stents=[spanning(["ivc"], udi="(01)08845210000001(10)L1")]
        )
    )
    s.ok(
        put_procedure(
            as_coordinator, two.id, stents=[spanning(["ivc"], udi="(01)08845210000001(10)L2")]
        )
    )

    found = s.ok(recall(as_coordinator, udi="(01)08845210000001"))

    assert sorted(r["episode"] for r in found) == [one.id, two.id]


def test_a_recall_needs_a_lot_or_udi_and_knows_its_parameters(as_coordinator):
    assert "lot number" in recall(as_coordinator).content.decode()
    assert recall(as_coordinator).status_code == 400
    assert recall(as_coordinator, batch="A1").status_code == 400
    assert s.ok(recall(as_coordinator, lot="nothing-like-it")) == []


def test_nurses_do_not_search_stents(as_nurse):
    assert recall(as_nurse, lot="A1").status_code == 403
