"""What happens to the patient around and after the procedure: complications, post-op checks.

A post-op check with an alarming finding is announced through the after-record registry, where
the tasks app raises the coordinator's urgent alert in the same transaction.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, InvalidInput
from pathway.codes import BLEEDING_KINDS, State
from pathway.models import Complication, PostopCheck
from pathway.services.common import (
    Writer,
    after_referral,
    editable,
    no_future,
    not_before,
    record_write,
)

AFTER_PROCEDURE = (State.PROCEDURE, State.POST_OP, State.SURVEILLANCE)


def complication_add(
    *,
    actor,
    episode_id: int,
    kind: str,
    occurred_on: dt.date,
    severity: str,
    bleeding_class: str | None = None,
    notes: str = "",
    reason: str = "",
) -> Complication:
    """A coded complication; whether it is early is derived from the procedure it follows."""
    no_future(occurred_on=occurred_on)
    if kind in BLEEDING_KINDS and not bleeding_class:
        raise InvalidInput(
            {"bleeding_class": "Say whether the bleeding was major, clinically relevant or minor."}
        )
    if kind not in BLEEDING_KINDS and bleeding_class:
        raise InvalidInput({"bleeding_class": "A bleeding class applies to bleeding only."})
    with transaction.atomic():
        episode = editable(
            episode_id,
            actor,
            states=WRITERS["complication"].open_in,
            dates={"occurred_on": occurred_on},
        )
        after_referral(episode, occurred_on=occurred_on)
        procedures = list(episode.procedure_notes.order_by("date", "id"))
        if not procedures:
            raise Conflict("Record the procedure note first: a complication follows a procedure.")
        not_before(procedures[0].date, "the procedure", occurred_on=occurred_on)
        record, _ = record_write(
            Complication(episode=episode),
            episode=episode,
            actor=actor,
            reason=reason,
            values=dict(
                kind=kind,
                occurred_on=occurred_on,
                severity=severity,
                bleeding_class=bleeding_class,
                notes=notes,
            ),
        )
        record.early = record.early_after(procedures)
        return record


def postop_check_add(
    *,
    actor,
    episode_id: int,
    at: dt.datetime,
    limb_perfusion: str,
    compartment_signs: bool,
    access_bleeding: bool,
    pain_score: int,
    mobilised: bool,
    reason: str = "",
) -> PostopCheck:
    """A check on the ward after the procedure; only while the patient is in post-op."""
    if at > timezone.now():
        raise InvalidInput({"at": "The time of the check cannot be in the future."})
    on = timezone.localdate(at)
    with transaction.atomic():
        episode = editable(
            episode_id, actor, states=WRITERS["postop_check"].open_in, dates={"at": on}
        )
        note = episode.current_procedure_note()
        not_before(note.date if note else None, "the procedure", at=on)
        record, _ = record_write(
            PostopCheck(episode=episode),
            episode=episode,
            actor=actor,
            reason=reason,
            values=dict(
                at=at,
                limb_perfusion=limb_perfusion,
                compartment_signs=compartment_signs,
                access_bleeding=access_bleeding,
                pain_score=pain_score,
                mobilised=mobilised,
            ),
        )
        return record


# What the page and the API read of these writers (common.Writer): both add a record each time.
WRITERS = {
    "complication": Writer(complication_add, open_in=AFTER_PROCEDURE, record="complications"),
    "postop_check": Writer(postop_check_add, open_in=(State.POST_OP,), record="postop_checks"),
}
