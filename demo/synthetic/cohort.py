"""A deterministic synthetic cohort over the past five years, written through the services.

Each patient has its own `random.Random(f"{seed}:{n}")`, so the same seed gives the same
patients, dates, states and results (on the same day: dates count back from today). Fates are
dealt from shuffled decks of forty, so any cohort of forty or more has every stage and exit.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from core.roles import ROLES
from demo.synthetic import story as steps
from demo.synthetic.broker import history_tasks_in_memory
from demo.synthetic.journey import Journey
from demo.synthetic.parallel import cohort_write_parallel, workers_check
from demo.synthetic.story import Actors, Story
from demo.synthetic.surveillance import Exit, surveillance_write
from outcomes.services import outcomes_deferred
from pathway import services
from pathway.models import Episode
from patients.models import Patient
from tasks.services.delivery import deliveries_withhold

OUTCOMES_EVERY = 250  # patients between two reductions of their outcome rows
HISTORY = "Raised while loading the demo's history: in the inbox, not emailed."
ACTOR_NAMES = {"coordinator": "demo-coordinator", "nurse": "demo-nurse", "admin": "demo-admin"}
EARLY = ("selection", "mdt_discussion", "imaging", "procedure", "post_op")
# One deck: 5 early (one per active stage before surveillance), 9 leaving before a procedure,
# 26 treated (2 die, 1 withdraws, 3 complete surveillance, 20 still in it).
DECK = (
    [f"early:{s}" for s in EARLY]
    + ["excluded_selection"] * 3
    + ["unfit", "excluded_mdt", "excluded_mdt", "excluded_mdt"]
    + ["excluded_imaging", "withdrawn_early"]
    + ["dies", "dies", "withdraws", "completes", "completes", "completes"]
    + ["treated"] * 20
)
# Every this many decks, one treated patient has a 3-month course that reached its planned end
# a few weeks ago with no decision recorded (journey.py): the `course_ending` alert to show.
UNDECIDED_EVERY = 5
# How long ago an early patient was referred, to be found in that stage today.
EARLY_AGO = {
    "selection": (0, 2),
    "mdt_discussion": (2, 6),
    "imaging": (4, 10),
    "procedure": (8, 16),
    "post_op": (10, 18),
}


def cohort_actors() -> Actors:
    """The demo user of each role (demo/cohort.py), created without a usable password when
    missing: `load_demo` gives them passwords."""
    users = {}
    for role in ROLES:
        user, created = get_user_model().objects.get_or_create(username=ACTOR_NAMES[role])
        if created:
            user.email = f"{user.username}@unit.example"
            user.is_staff = user.is_superuser = role == "admin"
            user.set_unusable_password()
            user.save()
            user.groups.set([Group.objects.get(name=role)])
        users[role] = user
    return Actors(**users)


def _slice_write(cards, seed, years, today, done) -> None:
    """One forked worker's share (demo/synthetic/parallel.py): its own actors, its patients."""
    cards_write(cards=cards, seed=seed, actors=cohort_actors(), today=today, years=years, done=done)


def mrn_prefix(seed: int) -> str:
    return f"SYN{seed}-"


def patient_mrn(seed: int, number: int) -> str:
    return f"{mrn_prefix(seed)}{number:06d}"


def history_withhold(*, patients: Q) -> int:
    """A loaded history raises the alerts it would have raised, and they wait in the inbox;
    but none is news, so no email goes out at once for any of them (the coordinator of a
    first-run demo got 509 urgent emails for results years old). Routine alerts stay in the
    nurse's daily digest. For patients loaded in this load only (`patients`: a condition on
    the patient): every alert of theirs is history."""
    episodes = Episode.objects.filter(patient__in=Patient.objects.filter(patients))
    return deliveries_withhold(episodes=episodes, reason=HISTORY)


def fates_deal(seed: int, patients: int) -> list[str]:
    fates = []
    for deck in range((patients + len(DECK) - 1) // len(DECK)):
        cards = list(DECK)
        if deck % UNDECIDED_EVERY == 0:  # one treated patient's course at its end, undecided
            cards[cards.index("treated")] = "undecided"
        random.Random(f"{seed}:deck:{deck}").shuffle(cards)
        fates += cards
    return fates[:patients]


def _referred_on(rng: random.Random, fate: str, today: dt.date, years: int) -> dt.date:
    span = years * 365
    if fate.startswith("early:"):
        ago = rng.randint(*EARLY_AGO[fate.removeprefix("early:")])
    elif fate == "completes":
        ago = rng.randint(span * 3 // 5, span)
    elif fate == "undecided":  # its 3-month course, started after the procedure, has ended
        ago = rng.randint(120, 150)
    elif fate in ("dies", "withdraws"):
        ago = rng.randint(120, span)
    else:
        ago = rng.randint(0, span)
    return today - dt.timedelta(days=ago)


def _exit_draw(story: Story, fate: str) -> Exit | None:
    rng, start = story.rng, story.on
    span = max((story.today - start).days, 1)
    if fate == "dies":
        return Exit("record_death", start + dt.timedelta(days=rng.randint(span // 4, span)))
    if fate == "withdraws":
        return Exit(
            "withdraw",
            start + dt.timedelta(days=rng.randint(span // 4, span)),
            "Moved out of the area; follow-up transferred.",
        )
    if fate == "completes":  # after two to three years (sooner in a cohort of fewer years)
        low = min(730, span * 2 // 3)
        days = rng.randint(low, max(low, min(1095, span)))
        return Exit(
            "complete",
            start + dt.timedelta(days=days),
            "Surveillance finished per protocol; care returned to the GP.",
        )
    return None


def patient_write(
    *, seed: int, number: int, fate: str, actors: Actors, today: dt.date, years: int
) -> None:
    """One patient, from referral to today, in one transaction."""
    rng = random.Random(f"{seed}:{number}")
    referred = _referred_on(rng, fate, today, years)
    story = Story(rng=rng, actors=actors, today=today, fate=fate, on=referred)
    story.journey = Journey(
        rng=random.Random(f"{seed}:{number}:anticoagulation"), undecided=fate == "undecided"
    )
    patient = steps.patient_register(
        story=story, mrn=patient_mrn(seed, number), number=number, referred_on=referred
    )
    story.episode_id = services.episode_open(
        actor=actors.coordinator, patient_id=patient.id, opened_on=referred
    ).id
    stop = fate.removeprefix("early:") if fate.startswith("early:") else None
    if stop == "selection":
        return steps.selection_write(story) if rng.random() < 0.5 else None
    steps.selection_write(story)
    if story.state != "mdt_discussion" or stop == "mdt_discussion":
        return None
    if fate == "withdrawn_early":
        story.later(1, 5)
        return story.move("withdraw", reason="Patient declined the procedure.")
    steps.mdt_write(story, "anticoagulation_alone" if fate == "excluded_mdt" else "proceed")
    if story.state != "imaging" or stop == "imaging":
        return None
    steps.imaging_write(story)
    if story.state != "procedure" or stop == "procedure":
        return None
    steps.procedure_write(story)
    steps.postop_write(story)
    if stop == "post_op":
        return None
    steps.discharge_write(story)
    return surveillance_write(story, _exit_draw(story, fate))


@dataclass(frozen=True)
class Generated:
    patients: int
    seconds: float


def cohort_generate(
    *,
    patients: int,
    seed: int,
    years: int = 5,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> Generated:
    """Write `patients` synthetic patients (MRNs SYN<seed>-000001 on), referred over the past
    `years`, through the services; `progress(1)` after each. Refuses a seed already loaded.
    With `workers` > 1 (PostgreSQL only), that many processes write disjoint slices."""
    if patients < 0:
        raise ValueError("The number of patients cannot be negative.")
    if not 1 <= years <= 20:
        raise ValueError("The cohort spans 1 to 20 years.")
    workers_check(workers)
    if Patient.objects.filter(mrn__startswith=mrn_prefix(seed)).exists():
        raise ValueError(f"A cohort with seed {seed} is already loaded.")
    started = timezone.now()
    actors = cohort_actors()
    today = timezone.localdate()
    cards = list(enumerate(fates_deal(seed, patients), start=1))
    if workers > 1:
        cohort_write_parallel(
            cards=cards,
            seed=seed,
            years=years,
            today=today,
            workers=workers,
            progress=progress,
            write=_slice_write,
        )
        return Generated(patients, (timezone.now() - started).total_seconds())
    cards_write(cards=cards, seed=seed, actors=actors, today=today, years=years, done=progress)
    return Generated(patients, (timezone.now() - started).total_seconds())


def cards_write(*, cards, seed, actors, today, years, done: Callable[[int], None] | None) -> None:
    """Numbered patients in order, each in its own transaction (`done(1)` after each). Their
    outcome rows are reduced every OUTCOMES_EVERY patients rather than on each write (the same
    rows: tests/demo/test_synthetic.py)."""
    with history_tasks_in_memory(), outcomes_deferred() as outcomes:
        for count, (number, fate) in enumerate(cards, start=1):
            with transaction.atomic():
                patient_write(
                    seed=seed, number=number, fate=fate, actors=actors, today=today, years=years
                )
                history_withhold(patients=Q(mrn=patient_mrn(seed, number)))
            if count % OUTCOMES_EVERY == 0:
                outcomes.flush()
            if done is not None:
                done(1)
