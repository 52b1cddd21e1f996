"""The episode and its state machine, and the append-only history of its moves.

Transitions carry no side effects: pathway/services/moves.py locks, transitions, saves and
writes the history row in one transaction. `custom` on each transition says what the service
must ask for. In PostgreSQL the database holds the two to each other at commit: no state change
without its history row, no history row without its state change (pathway/migrations/0013,
with the two columns the models do not name: `pathway_transition.txid`, the transaction that
wrote the row, and `pathway_episode.state_txid`, the one that last changed the state).
"""

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django_fsm import RETURN_VALUE, FSMField, FSMModelMixin, transition

from pathway import hooks, ttr
from pathway.codes import ACTIVE, TERMINAL, ReinterventionCause, State
from pathway.conditions import guard
from patients.models import Patient

if TYPE_CHECKING:
    from pathway.hooks import Failures
    from pathway.models.procedure import ProcedureNote

REASON = {"reason_required": True}


class Episode(FSMModelMixin, models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="episodes")
    state = FSMField(default=State.SELECTION, choices=State.choices, protected=True, db_index=True)
    assigned_coordinator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_nurse = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # The effective date of the latest standing move (the move into the current state), kept by
    # the move service: time in stage and days in stage read it instead of the whole history.
    entered_on = models.DateField(default=timezone.localdate, null=True, blank=True, editable=False)

    # Transient: the reason given with the move being attempted, read by surveillance_finished,
    # and its effective date, read by the rules measured on the move's day (thrombus_age).
    pending_reason: str | None = None
    pending_effective_on: dt.date | None = None

    class Meta:
        ordering = ["-id"]
        # The worklist lists the longest in their stage first.
        indexes = [models.Index(fields=["entered_on", "id"], name="episode_entered_on")]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"],
                condition=~Q(state__in=[s.value for s in TERMINAL]),
                name="one_open_episode_per_patient",
                violation_error_message="The patient already has an open episode.",
            )
        ]
        permissions = [
            ("run_transition", "Can move episodes through the pathway"),
            ("record_pathway_data", "Can record pathway data"),
            ("correct_transition", "Can correct the last transition"),
            ("view_dashboard", "Can view pathway dashboards"),
        ]

    def __str__(self) -> str:
        return f"Episode {self.pk}"

    # --- derived facts read by rules -----------------------------------------------------
    def effective_history(self) -> "QuerySet[Transition]":
        """Moves that stand: not corrections, and not undone by one."""
        return self.history.filter(corrects__isnull=True, corrected_by__isnull=True)

    def last_move_into(self, state: str) -> "Transition | None":
        return self.effective_history().filter(target=state).order_by("-id").first()

    def standing_moves(self, *names: str) -> "dict[str, Transition | None]":
        """The latest standing move of each of `names` (None when none stands), read in one
        statement: for `standing_move(..., among=)` when a writer needs several."""
        latest: dict[str, Transition | None] = dict.fromkeys(names)
        for move in self.effective_history().filter(name__in=names).order_by("-id"):
            if latest[move.name] is None:
                latest[move.name] = move
        return latest

    def standing_move(
        self,
        name: str,
        *,
        since: "Transition | None" = None,
        among: "dict[str, Transition | None] | None" = None,
    ) -> "Transition | None":
        """The latest standing move `name` (made after the move `since`, when given): the move
        that relies on the records it checked; `among`: read by `standing_moves` with it."""
        move = (self.standing_moves(name) if among is None else among)[name]
        if move is None or (since is not None and move.id <= since.id):
            return None
        return move

    def latest_standing_move(self) -> "Transition | None":
        """The latest move that stands (the opening at the earliest): the one the next move
        follows, so a corrected move never bounds the next one's date."""
        return self.effective_history().order_by("-id").first()

    def last_correctable_move(self) -> "Transition | None":
        return self.effective_history().exclude(name="open").order_by("-id").first()

    def current_reintervention(
        self, *, among: "dict[str, Transition | None] | None" = None
    ) -> "Transition | None":
        return self.standing_move("reintervene", among=among)

    def current_procedure_note(self) -> "ProcedureNote | None":
        return self.procedure_notes.filter(reintervention=self.current_reintervention()).first()

    def opened_on(self) -> dt.date:
        """The referral date: the effective date of the opening (never undone, so read with
        the episode when its statement annotated `referral_date=opened_on_subquery()`)."""
        known: dt.date | None = self.__dict__.get("referral_date")
        if known is not None:
            return known
        return self.history.get(name="open").effective_on

    @staticmethod
    def opened_on_subquery() -> Subquery:
        """opened_on() as an annotation of an episodes' statement: `referral_date=`."""
        opening = Transition.objects.filter(episode=OuterRef("pk"), name="open")
        return Subquery(opening.values("effective_on")[:1])

    # What the rules read of the rows the tasks app keeps: facts from the readers it registers
    # (pathway/hooks.py), so this app reads none of its tables.
    def follow_ups_owed(self, *, today: dt.date) -> int:
        """How many follow-ups are due or overdue."""
        return hooks.read("follow_ups_owed", episode_ids=[self.id], today=today)[self.id]

    def urgent_findings(self) -> list:
        """Its unresolved urgent-result alerts, as `hooks.UrgentFinding`s, oldest first."""
        return hooks.read("urgent_findings", episode_ids=[self.id])[self.id]

    def latest_duplex_failures(self) -> "Failures | None":
        """The latest duplex's day and the stented segments it shows failing, or None."""
        return hooks.read("duplex_failures", episode_ids=[self.id])[self.id]

    def inr_readings(self) -> "list[tuple[dt.date, Decimal]]":
        """Its INR readings taken on a VKA (those that count for TTR, pathway.ttr), (day, INR)
        in the order done."""
        results = hooks.read("inr_results", episode_ids=[self.id])[self.id]
        return [
            (on, Decimal(inr))
            for on, inr, _ in ttr.vka_readings((r.performed_on, r.result) for r in results)
        ]

    # --- the state machine (pathway.md section 2) ----------------------------------------
    @transition(
        field=state,
        source=State.SELECTION,
        target=State.MDT_DISCUSSION,
        conditions=[
            guard("indication_documented"),
            guard("no_absolute_contraindication"),
            guard("fit_for_procedure"),
            guard("symptom_window"),
        ],
    )
    def refer_to_mdt(self):
        """Present the case to the multidisciplinary team."""

    @transition(
        field=state,
        source=State.MDT_DISCUSSION,
        target=State.IMAGING,
        conditions=[
            guard("mdt_decision_recorded"),
            guard("mdt_quorum"),
            guard("no_absolute_contraindication"),
        ],
    )
    def approve(self):
        """The MDT decided to proceed: start the pre-procedure work-up."""

    @transition(
        field=state,
        source=State.IMAGING,
        target=State.PROCEDURE,
        conditions=[
            guard("duplex_done"),
            guard("cross_sectional_done"),
            guard("ivc_assessed"),
            guard("echo_if_pe"),
            guard("anticoagulated"),
            guard("thrombus_age"),
            guard("no_absolute_contraindication"),
        ],
    )
    def schedule_procedure(self):
        """Book the thrombectomy."""

    @transition(
        field=state,
        source=State.PROCEDURE,
        target=State.POST_OP,
        conditions=[guard("procedure_recorded"), guard("no_absolute_contraindication")],
    )
    def complete_procedure(self):
        """The procedure is done and documented."""

    @transition(
        field=state,
        source=State.POST_OP,
        target=State.SURVEILLANCE,
        conditions=[guard("predischarge_duplex"), guard("discharge_plan_recorded")],
    )
    def discharge(self):
        """Home, into duplex and anticoagulation surveillance."""

    @transition(
        field=state,
        source=State.SURVEILLANCE,
        target=State.COMPLETED,
        conditions=[guard("surveillance_finished")],
        custom=REASON,
    )
    def complete(self):
        """Surveillance finished: a decision, so always with a reason."""

    @transition(field=state, source=State.IMAGING, target=State.MDT_DISCUSSION, custom=REASON)
    def return_to_mdt(self):
        """Back to the MDT, e.g. imaging shows an IVC anomaly."""

    @transition(field=state, source=State.PROCEDURE, target=State.IMAGING, custom=REASON)
    def postpone(self):
        """The procedure will not go ahead as booked."""

    @transition(
        field=state,
        source=[State.SELECTION, State.MDT_DISCUSSION, State.IMAGING],
        target=State.EXCLUDED,
        custom=REASON,
    )
    def exclude(self):
        """Not a candidate."""

    @transition(
        field=state,
        source=State.SURVEILLANCE,
        target=State.PROCEDURE,
        custom={"reason_required": True, "reintervention_required": True},
    )
    def reintervene(self):
        """Back to the table, e.g. the duplex showed occlusion."""

    @transition(field=state, source=list(ACTIVE), target=State.WITHDRAWN, custom=REASON)
    def withdraw(self):
        """The patient declined or left the pathway."""

    @transition(
        field=state,
        source=list(ACTIVE),
        target=State.DECEASED,
        custom={"effective_on_required": True},
    )
    def record_death(self):
        """Died; the effective date is the date of death."""

    @transition(
        field=state,
        source="*",
        target=RETURN_VALUE(*State.values),
        conditions=[guard("correctable_move")],
        custom={"reason_required": True, "admin_only": True},
    )
    def correct(self, back_to: str) -> str:
        """Undo the last move that stands; the service names the state it came from."""
        return back_to


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise PermissionError("The pathway history is append-only.")

    def delete(self):
        raise PermissionError("The pathway history is append-only.")


class Transition(models.Model):
    """One move of an episode: who, when recorded, when effective, from, to and why.
    Append-only; in PostgreSQL a trigger rejects UPDATE and DELETE as well."""

    _undone: bool  # transient: the episode page marks the moves a correction undid

    episode = models.ForeignKey(Episode, on_delete=models.PROTECT, related_name="history")
    name = models.CharField(max_length=40)
    source = models.CharField(max_length=20, blank=True)
    target = models.CharField(max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    effective_on = models.DateField()
    reason = models.TextField(blank=True)
    corrects = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="corrected_by"
    )
    # The stay this move ended: days from the previous standing move's effective date (the
    # move into `source`) to this one's. Null for the opening and for corrections. A fact of
    # the move when it is made, so time in stage needs no walk through each episode's history.
    stay_days = models.IntegerField(null=True, blank=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(  # time in stage groups the stays from it alone
                fields=["source", "stay_days", "id"],
                name="transition_stays_idx",
                condition=Q(corrects__isnull=True, stay_days__isnull=False),
            ),
            # An episode's moves in order: the checks at commit read the row before each new
            # one and the latest (pathway/migrations/0013), one index step each, even for the
            # rows of a bulk load.
            models.Index(fields=["episode", "id"], name="transition_episode_order"),
        ]

    def __str__(self) -> str:
        return f"{self.name}: {self.source or '-'} -> {self.target}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("The pathway history is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The pathway history is append-only.")


class Reintervention(models.Model):
    """Why a `reintervene` was made, coded: patency reporting reads it. Written with its move
    and, like the history, never changed (in PostgreSQL the app's role may only insert it, and
    triggers refuse UPDATE, DELETE and TRUNCATE)."""

    move = models.OneToOneField(Transition, on_delete=models.PROTECT, related_name="reintervention")
    cause = models.CharField(max_length=12, choices=ReinterventionCause.choices)
    segments = models.JSONField(default=list)
    # The duplex that showed it: a follow-up's or a visit's id. Those rows are the tasks app's;
    # its migration 0014 holds these columns to them with foreign keys, so the database refuses
    # an id of no row while the pathway names none of that app's tables.
    follow_up_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    visit_id = models.BigIntegerField(null=True, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"re-intervention for {self.cause}"
