"""Patency reads the stented segments only (pathway.md section 5): a finding on a segment that
carries no stent ends no form of patency; a segment stented at a re-intervention counts from
that procedure on. Walked through the services, read on the kept rows and the figures."""

import pytest

from outcomes.models import EpisodeOutcome
from outcomes.selectors import outcomes_get
from tasks import services as task_services
from tests.factories import days_ago, prepare_and_move, record_procedure
from tests.outcomes.support import STENTED, discharged, duplex, move, plus

pytestmark = pytest.mark.django_db

POPLITEAL = "left_popliteal"
EXTERNAL = "left_external_iliac"
FORMS = ("primary", "assisted_primary", "secondary")


def seen(nurse, episode, on, **results):
    """A duplex visit reporting each segment named."""
    return task_services.visit_record(
        actor=nurse,
        episode_id=episode.id,
        kind="duplex",
        performed_on=on,
        segments=[{"segment": s, "result": r} for s, r in results.items()],
    )


def patency_of(episode) -> dict:
    row = EpisodeOutcome.objects.get(episode=episode)
    return {form: (getattr(row, f"{form}_days"), getattr(row, f"{form}_event")) for form in FORMS}


def test_a_non_stented_finding_leaves_patency_unchanged(coordinator, nurse, admin_user):
    start = days_ago(200)
    clot, plain = discharged(coordinator, start), discharged(coordinator, start)
    for episode in (clot, plain):
        duplex(nurse, episode, plus(start, 30))
    seen(nurse, clot, plus(start, 60), **{STENTED: "patent", POPLITEAL: "occluded"})
    duplex(nurse, plain, plus(start, 60))

    assert patency_of(clot) == patency_of(plain) == dict.fromkeys(FORMS, (60, False))
    figures = outcomes_get(actor=admin_user)["patency"]
    assert [figures[form]["6"]["events"] for form in FORMS] == [0, 0, 0]


def test_a_segment_stented_at_a_reintervention_counts_from_that_procedure(coordinator, nurse):
    start = days_ago(300)
    episode = discharged(coordinator, start)
    # Day 30: the stent narrowed, and the external iliac below it (no stent yet) occluded.
    narrowed = seen(nurse, episode, plus(start, 30), **{STENTED: "stenosis", EXTERNAL: "occluded"})
    move(
        coordinator,
        episode,
        "reintervene",
        plus(start, 35),
        reason="Stenosis.",
        reintervention={"cause": "stenosis", "segments": [STENTED], "visit": narrowed.id},
    )
    stents = [
        {"product": "Wallstent", "diameter_mm": 16, "length_mm": 90, "segment": s}
        for s in (STENTED, EXTERNAL)
    ]
    record_procedure(coordinator, episode, date=plus(start, 36), stents=stents)
    move(coordinator, episode, "complete_procedure", plus(start, 36))
    prepare_and_move(coordinator, episode, "discharge", plus(start, 37))
    seen(nurse, episode, plus(start, 60), **{STENTED: "patent", EXTERNAL: "patent"})
    # Day 100: the external iliac stent, placed on day 36, occludes.
    seen(nurse, episode, plus(start, 100), **{STENTED: "patent", EXTERNAL: "occluded"})

    assert patency_of(episode) == {
        "primary": (30, True),  # the stented common iliac's stenosis
        "assisted_primary": (100, True),  # the day-30 occlusion was of no stent
        "secondary": (100, True),
    }


def test_a_stent_spanning_two_segments_loses_patency_on_a_finding_in_either(
    coordinator, nurse, admin_user
):
    start = days_ago(200)
    spanning, lower = discharged(coordinator, start), discharged(coordinator, start)
    for episode in (spanning, lower):  # one long stent from the common into the external iliac
        record_procedure(
            coordinator,
            episode,
            date=start,
            reason="One long stent.",
            stents=[
                {
                    "product": "Venovo",
                    "diameter_mm": 14,
                    "length_mm": 150,
                    "segments": [STENTED, EXTERNAL],
                },
            ],
        )
    seen(nurse, spanning, plus(start, 30), **{STENTED: "patent", EXTERNAL: "patent"})
    seen(nurse, lower, plus(start, 30), **{STENTED: "patent", EXTERNAL: "patent"})
    # Day 90: the lower end of the stent, in the external iliac, occludes.
    seen(nurse, spanning, plus(start, 90), **{STENTED: "patent", EXTERNAL: "occluded"})
    seen(nurse, lower, plus(start, 90), **{STENTED: "patent", EXTERNAL: "patent"})

    assert patency_of(spanning) == dict.fromkeys(FORMS, (90, True))
    assert patency_of(lower) == dict.fromkeys(FORMS, (90, False))
    figures = outcomes_get(actor=admin_user)["patency"]
    assert [figures[form]["6"]["events"] for form in FORMS] == [1, 1, 1]
