"""Each episode's outcome row follows its facts: after every kind of write (results, visits,
re-intervention, a corrected procedure date or stents, a new target range or anticoagulant, an
admin's correction) the rows are those a rebuild from scratch writes, and the figures read
them."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.forms.models import model_to_dict

from outcomes.models import EpisodeOutcome
from outcomes.selectors import outcomes_get
from outcomes.services import episode_outcomes_rebuild, outcomes_deferred
from pathway import services
from pathway.codes import State
from tasks import services as task_services
from tests.factories import PatientFactory, days_ago, record_procedure, walk_to
from tests.outcomes.support import STENTED, discharged, duplex, inr, move, plus

pytestmark = pytest.mark.django_db


def rows() -> dict:
    return {r.episode_id: model_to_dict(r) for r in EpisodeOutcome.objects.all()}


def assert_in_line() -> dict:
    """The rows as the writes left them equal the rows rebuilt from the facts."""
    kept = rows()
    episode_outcomes_rebuild()
    assert rows() == kept
    return kept


def test_an_episode_gets_its_row_with_its_index_procedure(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE, on=days_ago(30))
    assert rows() == {}
    record_procedure(coordinator, episode, date=days_ago(30), underlying_lesion="compression")
    row = assert_in_line()[episode.id]
    assert (row["time_zero"], row["lesion"], row["primary_days"], row["primary_event"]) == (
        days_ago(30),
        "compression",
        0,
        False,
    )


def test_every_write_keeps_the_rows_in_line_with_the_facts(coordinator, nurse, admin_user):
    start = days_ago(400)
    episode = discharged(coordinator, start)
    other = discharged(coordinator, days_ago(300), booked_days_before=2)
    assert_in_line()

    duplex(nurse, episode, start + dt.timedelta(30))
    inr(nurse, episode, start + dt.timedelta(30), "2.5")
    inr(nurse, episode, start + dt.timedelta(40), "3.5")
    row = assert_in_line()[episode.id]
    assert (row["primary_days"], row["primary_event"], row["ttr"]) == (30, False, 50.0)

    occluded = duplex(nurse, episode, start + dt.timedelta(100), "occluded")
    assert assert_in_line()[episode.id]["secondary_event"] is True
    move(
        coordinator,
        episode,
        "reintervene",
        start + dt.timedelta(100),
        reason="Occluded.",
        reintervention={"cause": "occlusion", "segments": [STENTED], "visit": occluded.id},
    )
    record_procedure(coordinator, episode, date=start + dt.timedelta(102))
    row = assert_in_line()[episode.id]
    assert (row["secondary_days"], row["secondary_event"]) == (102, False)  # reopened

    # The admin undoes the re-intervention: the occlusion stands unopened again.
    move(admin_user, episode, "correct", start + dt.timedelta(102), reason="Wrong patient.")
    row = assert_in_line()[episode.id]
    assert (row["secondary_days"], row["secondary_event"]) == (100, True)

    # The index procedure was a day earlier than written: every day count moves by one.
    services.procedure_note_record(
        actor=coordinator,
        episode_id=other.id,
        reason="Typed the wrong day.",
        **_note_fields(other, date=days_ago(301)),
    )
    assert assert_in_line()[other.id]["time_zero"] == days_ago(301)

    # Off the VKA: no TTR is owed any longer.
    services.discharge_plan_record(
        actor=coordinator,
        episode_id=other.id,
        anticoagulant="doac",
        target_inr_low=None,
        target_inr_high=None,
        planned_duration_months=6,
        compression_stockings=True,
        compression_reason="",
        reason="Switched to a DOAC.",
    )
    row = assert_in_line()[other.id]
    assert (row["vka"], row["ttr"]) == (False, None)


def test_stents_target_ranges_and_a_switch_keep_the_rows_in_line(coordinator, nurse, admin_user):
    start = days_ago(400)
    episode = discharged(coordinator, start)  # a VKA, 2.0-3.0
    segments = [
        {"segment": STENTED, "result": "patent"},
        {"segment": "left_popliteal", "result": "occluded"},
    ]
    task_services.visit_record(
        actor=nurse,
        episode_id=episode.id,
        kind="duplex",
        performed_on=plus(start, 30),
        segments=segments,
    )
    for day, value in ((30, "2.5"), (40, "3.5"), (50, "2.5")):
        inr(nurse, episode, plus(start, day), value)
    row = assert_in_line()[episode.id]
    assert (row["primary_days"], row["primary_event"], row["ttr"]) == (30, False, 50.0)

    # A new range applies to the next readings only.
    _plan(coordinator, episode, target_inr_low=Decimal("2.5"), target_inr_high=Decimal("3.5"))
    assert assert_in_line()[episode.id]["ttr"] == 50.0

    # The index note corrected: the popliteal was stented too, so its occlusion counts.
    stents = _note_fields(episode)["stents"]
    stents.append(stents[0] | {"segment": "left_popliteal"})
    services.procedure_note_record(
        actor=coordinator,
        episode_id=episode.id,
        reason="Left out the popliteal stent.",
        **_note_fields(episode, stents=stents),
    )
    row = assert_in_line()[episode.id]
    assert (row["primary_event"], row["assisted_primary_event"]) == (True, True)

    # Switched to a DOAC: the VKA period's TTR stays.
    _plan(coordinator, episode, anticoagulant="doac")
    row = assert_in_line()[episode.id]
    assert (row["vka"], row["ttr"]) == (True, 50.0)

    # A re-intervention that placed a stent, then undone: its stent counts for nothing.
    other = discharged(coordinator, days_ago(300))
    move(
        coordinator,
        other,
        "reintervene",
        days_ago(250),
        reason="Symptoms.",
        reintervention={"cause": "symptoms"},
    )
    record_procedure(
        coordinator,
        other,
        date=days_ago(249),
        stents=[stents[0] | {"segment": "left_external_iliac"}],
    )
    move(admin_user, other, "correct", days_ago(249), reason="Wrong patient.")
    task_services.visit_record(
        actor=nurse,
        episode_id=other.id,
        kind="duplex",
        performed_on=days_ago(240),
        segments=[
            {"segment": STENTED, "result": "patent"},
            {"segment": "left_external_iliac", "result": "occluded"},
        ],
    )
    row = assert_in_line()[other.id]
    assert (row["assisted_primary_days"], row["assisted_primary_event"]) == (60, False)


def _plan(coordinator, episode, **changes):
    fields = dict(
        anticoagulant="vka",
        target_inr_low=None,
        target_inr_high=None,
        planned_duration_months=6,
        compression_stockings=True,
        compression_reason="",
    )
    services.discharge_plan_record(
        actor=coordinator, episode_id=episode.id, reason="Changed.", **fields | changes
    )


def _note_fields(episode, **changes) -> dict:
    note = episode.procedure_notes.get(reintervention=None)
    stents = [
        {
            "product": s.product,
            "diameter_mm": s.diameter_mm,
            "length_mm": s.length_mm,
            "segment": s.segment,
        }
        for s in note.stents.all()
    ]
    fields = {
        "date": note.date,
        "access": note.access,
        "technique": note.technique,
        "device": note.device,
        "thrombolytic_agent": note.thrombolytic_agent,
        "thrombolytic_dose": note.thrombolytic_dose,
        "thrombolytic_dose_unit": note.thrombolytic_dose_unit,
        "angioplasty": note.angioplasty,
        "ivus": note.ivus,
        "completion_venography": {
            "patent": note.completion_patent,
            "residual_stenosis_pct": note.residual_stenosis_pct,
            "dissection": note.dissection,
        },
        "stents": stents,
        "inflow": note.inflow,
        "underlying_lesion": note.underlying_lesion,
    }
    return fields | changes


def test_the_figures_read_the_rows_and_a_rebuild_repairs_them(coordinator, nurse, admin_user):
    episode = discharged(coordinator, days_ago(200))
    duplex(nurse, episode, days_ago(100), "stenosis")
    figures = outcomes_get(actor=admin_user)
    assert figures["patency"]["primary"]["6"]["events"] == 1
    EpisodeOutcome.objects.all().delete()  # lost, say in a restore of one table
    assert outcomes_get(actor=admin_user)["episodes"] == 0
    call_command("outcomes_rebuild", verbosity=0)
    assert outcomes_get(actor=admin_user) == figures


def test_a_deferred_refresh_writes_the_rows_when_it_flushes_even_after_an_error(coordinator):
    with pytest.raises(RuntimeError), outcomes_deferred() as deferred:
        first = discharged(coordinator, days_ago(40), lesion="compression")
        assert rows() == {}  # noted, not yet reduced
        assert deferred.flush() == 1
        assert set(rows()) == {first.id}
        second = discharged(coordinator, days_ago(20))
        raise RuntimeError("the loader stopped")

    assert set(assert_in_line()) == {first.id, second.id}


def test_after_migrate_an_upgraded_database_has_the_rows_a_rebuild_writes(coordinator, nurse):
    """tasks 0008 creates the table empty (a migration runs no project code); an upgraded
    database's episodes get their rows once `migrate` is done, from today's code."""
    from django.core.management.sql import emit_post_migrate_signal

    episode = discharged(coordinator, days_ago(200))
    duplex(nurse, episode, days_ago(100), "stenosis")
    inr(nurse, episode, days_ago(90), "2.5")
    discharged(coordinator, days_ago(300), booked_days_before=2)
    rebuilt = assert_in_line()
    EpisodeOutcome.objects.all().delete()  # as tasks 0008 leaves a database that had episodes

    emit_post_migrate_signal(verbosity=0, interactive=False, db="default")

    assert rows() == rebuilt and len(rebuilt) == 2
