"""The figures' counts kept in the database follow the facts: after every kind of write (moves,
a correction undoing a move, results, a re-intervention and its note, complications, a
corrected procedure date, a new anticoagulant) the shares and counts are those a rebuild from
scratch writes; and a cohort whose date range cuts months in two counts the same episodes as
the outcome rows do."""

import contextlib
from collections import Counter

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.errors import DomainError
from outcomes import maths
from outcomes.selectors import groups, outcomes_get
from outcomes.services.counts import outcome_counts_rebuild
from pathway import services
from pathway.codes import State
from tests.factories import PatientFactory, days_ago, record_procedure, walk_to
from tests.outcomes.support import STENTED, discharged, duplex, inr, move, plus
from tests.outcomes.test_outcome_rows import _note_fields

pytestmark = pytest.mark.django_db


def counts() -> dict:
    """Every count and share, as {table: multiset of rows}, zero counts left out."""
    kept = {}
    for table, columns in (
        ("outcomes_episodeoutcomecount", "month, lesion, part, label, days, n"),
        ("outcomes_staycount", "month, lesion, state, stay_days, entered_on, n"),
        ("outcomes_episodeshare", "episode_id, time_zero, lesion, part, label, days, since, n"),
    ):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {columns} FROM {table} WHERE n <> 0")
            kept[table] = Counter(cursor.fetchall())
    return kept


def assert_counts_in_line() -> dict:
    """The counts as the writes left them equal the counts rebuilt from the facts."""
    kept = counts()
    outcome_counts_rebuild()
    assert counts() == kept
    return kept


def complication(actor, episode, kind, on):
    return services.complication_add(
        actor=actor, episode_id=episode.id, kind=kind, occurred_on=on, severity="mild"
    )


def test_every_write_keeps_the_counts_in_line_with_the_facts(coordinator, nurse, admin_user):
    start = days_ago(400)
    episode = discharged(coordinator, start, lesion="compression")
    other = discharged(coordinator, days_ago(300), booked_days_before=40)
    waiting = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION, on=days_ago(5))
    assert_counts_in_line()

    duplex(nurse, episode, plus(start, 30))
    inr(nurse, episode, plus(start, 30), "2.5")
    inr(nurse, episode, plus(start, 40), "3.5")
    complication(coordinator, episode, "pulmonary_embolism", plus(start, 5))
    complication(coordinator, other, "stent_restenosis", days_ago(100))
    assert_counts_in_line()

    occluded = duplex(nurse, episode, plus(start, 100), "occluded")
    move(
        coordinator,
        episode,
        "reintervene",
        plus(start, 100),
        reason="Occluded.",
        reintervention={"cause": "occlusion", "segments": [STENTED], "visit": occluded.id},
    )
    record_procedure(coordinator, episode, date=plus(start, 102))
    complication(
        coordinator, episode, "acute_stent_thrombosis", plus(start, 103)
    )  # early after the redo
    assert_counts_in_line()

    # The admin undoes the re-intervention: its stays and the haematoma's timing follow.
    move(admin_user, episode, "correct", plus(start, 102), reason="Wrong patient.")
    assert_counts_in_line()

    # The index procedure was a month earlier than written: its counts move to another month.
    services.procedure_note_record(
        actor=coordinator,
        episode_id=other.id,
        reason="Typed the wrong month.",
        **_note_fields(other, date=days_ago(330)),
    )
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
    move(coordinator, other, "complete", days_ago(0), reason="Surveillance finished.")
    record_mdt_and_approve(coordinator, waiting)
    kept = assert_counts_in_line()
    assert sum(n for (_, _, part, *_), n in _summed(kept) if part == "primary") == 2


def _summed(kept):
    return [
        (row[:-1], row[-1] * times) for row, times in kept["outcomes_episodeoutcomecount"].items()
    ]


def record_mdt_and_approve(actor, episode):
    from demo.walk import record_mdt

    record_mdt(actor, episode, date=days_ago(1))
    move(actor, episode, "approve", days_ago(0))


# What a random sequence of writes may do to one of a few episodes.
WRITES = st.lists(
    st.tuples(
        st.sampled_from(["duplex", "occluded", "inr", "complication", "redo", "correct"]),
        st.integers(0, 2),
        st.integers(1, 60),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck))
@given(writes=WRITES)
def test_any_sequence_of_writes_leaves_the_counts_a_rebuild_writes(
    coordinator, nurse, admin_user, writes
):
    starts = [days_ago(400), days_ago(250), days_ago(200)]
    episodes = [
        discharged(coordinator, on, lesion=lesion)
        for on, lesion in zip(starts, ["compression", None, "post_thrombotic"], strict=True)
    ]
    for what, which, day in writes:
        episode, on = episodes[which], plus(starts[which], day)
        episode.refresh_from_db()
        with contextlib.suppress(DomainError):  # a write refused changes nothing
            write(coordinator, nurse, admin_user, what, episode, on)
    assert_counts_in_line()


def write(coordinator, nurse, admin_user, what, episode, on):
    """One write of the sequence, through the services."""
    if what in ("duplex", "occluded"):
        duplex(nurse, episode, on, "patent" if what == "duplex" else "occluded")
    elif what == "inr":
        inr(nurse, episode, on, "2.7")
    elif what == "complication":
        complication(coordinator, episode, "stent_thrombosis", on)
    elif what == "redo" and episode.state == State.SURVEILLANCE:
        move(
            coordinator,
            episode,
            "reintervene",
            max(on, episode.entered_on),
            reason="Stenosed.",
            reintervention={"cause": "stenosis", "segments": [STENTED]},
        )
    elif what == "correct" and episode.state == State.PROCEDURE:
        move(admin_user, episode, "correct", episode.entered_on, reason="Not done.")


def _groups_from_rows(cohort) -> dict:
    grouped: Counter = Counter()
    for row in cohort:
        for form in maths.FORMS:
            grouped[form, getattr(row, f"{form}_days"), getattr(row, f"{form}_event")] += 1
    return {
        form: sorted((d, e, n) for (f, d, e), n in grouped.items() if f == form)
        for form in maths.FORMS
    }


@pytest.mark.parametrize(
    ("since", "until", "lesion"),  # days ago
    [
        (None, None, None),
        (400, None, None),
        (400, 150, "compression"),
        (350, 340, None),  # within a month, or across one month's end only
        (None, 260, None),
        (700, 0, "compression"),
    ],
)
def test_a_date_range_cutting_months_counts_the_episodes_of_the_rows(
    coordinator, nurse, admin_user, since, until, lesion
):
    for i, recorded in enumerate(["compression", None, "compression", "none", "compression"]):
        episode = discharged(coordinator, days_ago(420 - 37 * i), lesion=recorded)
        duplex(nurse, episode, days_ago(200 - 11 * i), "stenosis" if i % 2 else "patent")
    start, end = (None if d is None else days_ago(d) for d in (since, until))
    filters = (start, end, lesion)
    patency, _, _ = groups.patency_groups_pts_and_ttr(filters)
    assert patency == _groups_from_rows(groups.cohort_of(*filters))
    figures = outcomes_get(actor=admin_user, procedure_from=start, procedure_to=end, lesion=lesion)
    assert figures["episodes"] == groups.cohort_of(*filters).count()
