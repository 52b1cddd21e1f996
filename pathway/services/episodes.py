"""Opening an episode, and naming who looks after it."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Q, Subquery
from django.utils import timezone

from core import roles
from core.errors import Conflict, InvalidInput
from pathway.codes import TERMINAL, State
from pathway.models import Episode, Transition
from pathway.services.common import lock, no_future
from patients.models import Patient
from patients.services import patient_access_record


def episode_open(*, actor, patient_id: int, opened_on: dt.date | None = None) -> Episode:
    """Open an episode in selection; `opened_on` (the referral date) may be back-dated."""
    roles.require(actor, roles.OPEN_EPISODES, "open episodes")
    no_future(opened_on=opened_on)
    with transaction.atomic():
        try:
            patient = Patient.objects.select_for_update().get(id=patient_id)
        except Patient.DoesNotExist:
            raise InvalidInput({"patient": "No such patient."}) from None
        if opened_on is not None and opened_on < patient.birth_date:
            raise InvalidInput({"opened_on": "This date is before the patient's birth."})
        # The episodes that bar a new one, in one statement: one not finished, or a death.
        barring = set(
            patient.episodes.filter(~Q(state__in=TERMINAL) | Q(state=State.DECEASED))
            .values_list("state", flat=True)
            .distinct()
        )
        if barring - set(TERMINAL):
            raise Conflict("The patient already has an episode that is not finished.")
        if State.DECEASED in barring:
            raise Conflict("The patient's death is recorded: no new episode can be opened.")
        opened_on = opened_on or timezone.localdate()
        episode = Episode.objects.create(patient=patient, entered_on=opened_on)
        Transition.objects.create(
            episode=episode,
            name="open",
            source="",
            target=episode.state,
            actor=actor,
            effective_on=opened_on,
        )
    return episode


def _staff_in(role: str, user_id: int | None, field: str):
    if user_id is None:
        return None
    user = roles.users_in_role(role).filter(id=user_id).first()
    if user is None:
        raise InvalidInput({field: f"No active user with the {role} role has that id."})
    return user


def episode_assign(*, actor, episode_id: int, **assigned: int | None) -> Episode:
    """Name the nurse and coordinator who get this episode's alerts (None: the whole role)."""
    roles.require(actor, roles.RUN_TRANSITIONS, "assign episodes")
    users = {
        field: _staff_in(role, assigned[field], field)
        for field, role in (
            ("assigned_nurse", roles.NURSE),
            ("assigned_coordinator", roles.COORDINATOR),
        )
        if field in assigned
    }
    with transaction.atomic():
        episode = lock(episode_id)
        if episode.state in TERMINAL:
            raise Conflict(f"The episode is closed ('{episode.state}').")
        for field, user in users.items():
            setattr(episode, field, user)
        if users:
            episode.save(update_fields=list(users))
    return episode


def episode_read_record(*, actor, episode_id: int, what: str) -> None:
    """The access log's row for a read of one of an episode's records (its history, revisions,
    a record, its follow-ups or visits), in one INSERT: the patient is looked up inside it."""
    patient = Subquery(Episode.objects.filter(id=episode_id).values("patient_id")[:1])
    patient_access_record(actor=actor, patient_id=patient, episode_id=episode_id, what=what)
