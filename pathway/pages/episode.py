"""The episode page: thin, like the API: parse with a form, call one service or selector,
render or redirect. Nurses read it; coordinators and admins also move and record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from core import roles
from core.errors import Conflict, InvalidInput, MoveRefused
from core.web import page_for
from pathway import hooks, labels, machine, services
from pathway.codes import TERMINAL, State
from pathway.forms.records import RECORD_FORMS, AssignForm, MoveForm, state_code
from pathway.labels import STAGES
from pathway.pages.journey import journey_context
from pathway.selectors import (
    episode_left_surveillance_on,
    episode_move,
    episode_view,
    with_clearance,
)
from pathway.selectors.episode_summary import episode_summary
from pathway.selectors.episodes import records_of
from pathway.selectors.timeline import episode_timeline
from patients.services import patient_access_record

# The visits a result done earlier in surveillance is recorded as (the record-visit page).
LATE_RESULTS = [
    ("duplex", "Record a duplex done earlier in surveillance"),
    ("inr_check", "Record an INR done earlier in surveillance"),
]

DANGER = {"exclude", "withdraw", "record_death", "correct"}
# The stage each record form belongs to: the current stage's forms come first, then the ones
# still open from earlier stages (the selection's VTE-BLEED facts, the imaging, ...).
FORM_STAGE = {
    "selection": State.SELECTION,
    "mdt": State.MDT_DISCUSSION,
    "imaging": State.IMAGING,
    "anticoagulation": State.IMAGING,
    "procedure": State.PROCEDURE,
    "discharge_plan": State.POST_OP,
    "complication": State.POST_OP,
    "postop_check": State.POST_OP,
}


def _code(name: str) -> str:
    """A move as the page posts it: its name, hyphenated (`refer-to-mdt`), so that a page left
    open across a release still names the same move, and no machine identifier is shown."""
    return name.replace("_", "-")


MOVE_OF_CODE = {_code(name): name for name in machine.NAMES}
OLDER_PAGE = "This form is from an older version of the page: reload it and make the move again."
NO_SUCH_MOVE = "The form asked for a move that does not exist: reload the page and choose again."


def _move_named(code: str) -> str:
    """The machine name of the move a form posted, or a 400 in words (a page from before moves
    were named posted a number)."""
    if code in MOVE_OF_CODE:
        return MOVE_OF_CODE[code]
    older = code.isascii() and code.isdigit()
    raise InvalidInput({"transition": OLDER_PAGE if older else NO_SUCH_MOVE})


def _prefix(name: str) -> str:
    return f"move-{_code(name)}"


def _page(episode_id: int, anchor: str = "") -> str:
    url = reverse("episode-page", args=[episode_id])
    return f"{url}#{anchor}" if anchor else url


def _strip(episode, history) -> list[dict]:
    """The six stages, done or current; an exit when the episode left; the re-intervention
    loop when there was one."""
    standing = [m for m in history if m.corrects_id is None and not _undone(m)]
    visited = {m.target for m in standing}
    here = episode.state
    steps = []
    order = list(STAGES)
    for stage in order:
        if here in order:
            cls = (
                "here"
                if stage == here
                else ("done" if order.index(stage) < order.index(here) else "")
            )
        elif here == State.COMPLETED:
            cls = "done"
        else:
            cls = "done" if stage in visited else ""
        status = {"here": "current stage", "done": "done", "": "not reached"}[cls]
        steps.append({"label": labels.state(stage), "cls": cls, "status": status})
    loops = sum(1 for m in standing if m.name == "reintervene")
    if loops:
        times = "once" if loops == 1 else f"{loops} times"
        steps.append(
            {
                "label": f"Re-intervention ({times}): back to procedure",
                "cls": "loop",
                "status": "loop",
            }
        )
    if here in TERMINAL:
        cls = "done" if here == State.COMPLETED else "exit"
        steps.append(
            {"label": labels.state(here), "cls": cls + " here-end", "status": "ended here"}
        )
    return steps


def _undone(move) -> bool:
    return getattr(move, "_undone", False)


def _staff(role: str) -> list[tuple[int, str]]:
    users = roles.users_in_role(role).order_by("first_name", "username")
    return [(u.id, u.get_full_name() or u.username) for u in users]


def _context(request, episode_id: int, bound: dict | None = None) -> dict:
    bound = bound or {}
    user = request.user
    view = episode_view(actor=user, episode_id=episode_id)
    episode = view.episode
    records = records_of(episode)  # read for the user above, relations partly prefetched
    timeline = episode_timeline(actor=user, episode_id=episode_id)
    history = sorted(episode.history.all(), key=lambda m: m.id)  # read with the view
    undone = {m.corrects_id for m in history if m.corrects_id}
    for m in history:
        m._undone = m.id in undone
    can_move = user.has_perm(roles.RUN_TRANSITIONS)
    can_record = user.has_perm(roles.RECORD_PATHWAY_DATA)

    moves: list[dict[str, Any]] = []
    if can_move:
        stented = sorted(
            {
                segment
                for n in records.procedure_notes
                for s in n.stents.all()
                for segment in s.segments
            }
        )
        duplexes = []
        if episode.state == State.SURVEILLANCE:
            duplexes = hooks.read("completed_duplexes", episode_id=episode.id)
        for mv in view.transitions:
            if not mv.permitted:
                continue
            form = bound.get(f"move:{mv.name}") or MoveForm(
                prefix=_prefix(mv.name),
                move=mv,
                stented=stented,
                duplexes=duplexes,
                initial={"expected_state": state_code(episode.state)},
            )
            moves.append(
                {
                    "view": mv,
                    "form": form,
                    "label": labels.move(mv.name),
                    "code": _code(mv.name),
                    "danger": mv.name in DANGER,
                    "unmet": [(labels.rule(u.rule), u.message) for u in mv.unmet],
                }
            )

    order = list(labels.MOVES)
    moves.sort(key=lambda m: (m["danger"], order.index(m["view"].name)))  # the way on, first

    forms: list[dict[str, Any]] = []
    if can_record:
        for kind, form_class in RECORD_FORMS.items():
            # Where it is offered, the record it shows and whether a move relied on it: the
            # writer's own data (services.WRITERS); the service has the last word.
            writer = services.WRITERS[kind]
            if episode.state not in writer.offered and kind not in bound:
                continue
            current = getattr(records, writer.record) if writer.single else None
            relied = current is not None and writer.relied_on_in(episode.state)
            form = bound.get(kind)
            if form is None:
                form = form_class(initial=form_class.initial_from(current), show_reason=relied)
            elif "reason" in form.errors:
                form.show_reason = True
            forms.append(
                {
                    "form": form,
                    "record": current,
                    "edited": getattr(current, "edited_after_move", False),
                }
            )
    forms.sort(key=lambda item: FORM_STAGE.get(item["form"].kind) != episode.state)

    late_results = []  # results done in surveillance, entered after the episode moved on
    if (
        user.has_perm(roles.RECORD_RESULTS)
        and episode.state != State.SURVEILLANCE
        and (episode_left_surveillance_on(actor=user, episode_id=episode.id))
    ):
        late_results = LATE_RESULTS
    # INR readings on the ward while a VKA is started (pathway.md section 7).
    post_op_inr = user.has_perm(roles.RECORD_RESULTS) and episode.state == State.POST_OP

    assign = None
    if can_move and episode.state not in TERMINAL:
        assign = bound.get("assign") or AssignForm(
            nurses=_staff(roles.NURSE),
            coordinators=_staff(roles.COORDINATOR),
            initial={
                "assigned_nurse": episode.assigned_nurse_id,
                "assigned_coordinator": episode.assigned_coordinator_id,
            },
        )
    return {
        "view": view,
        "episode": episode,
        "measurements": with_clearance(episode, episode.measurements.all()),  # prefetched
        "bleeding_risk": [
            _vte_bleed(v) for v in (view.vte_bleed_at_selection, view.vte_bleed_at_discharge) if v
        ],
        "patient": episode.patient,
        "records": records,
        "strip": _strip(episode, history),
        "moves": moves,
        "forms": forms,
        "assign": assign,
        "timeline": timeline,
        "journey": journey_context(user, episode, bound),
        "summary": episode_summary(view=view, records=records, timeline=timeline),
        "can_move": can_move,
        "can_record": can_record,
        "late_results": late_results,
        "post_op_inr": post_op_inr,
    }


def _vte_bleed(score) -> dict:
    """VTE-BLEED in words for its small table: each factor that scored, and what is unknown."""
    return {
        "title": f"At {score.at}, {score.on.isoformat()}",
        "parts": [(labels.vte_bleed_factor(p.factor), p.points) for p in score.parts],
        "score": score.score,
        "high_risk": score.high_risk,
        "missing": [labels.field(name) for name in score.missing],
    }


def _render(request, episode_id, bound=None, status=200):
    return render(
        request, "pathway/episode.html", _context(request, episode_id, bound), status=status
    )


def _add_errors(form, error: InvalidInput) -> None:
    for name, msgs in error.errors.items():
        target = name if name in form.fields else None
        for msg in msgs:
            text = labels.words(msg)
            if target is None and name not in ("non_field_errors", "__all__"):
                text = f"{labels.sentence(labels.field(name))}: {text}"
            form.add_error(target, text)


def _refused(request, error: Conflict, name: str | None = None) -> None:
    what = f"“{labels.move(name)}” was not done" if name else "This was not saved"
    if error.unmet:
        reasons = "; ".join(f"{labels.rule(u.rule)}: {u.message}" for u in error.unmet)
        messages.error(request, f"{what}: {reasons}")
    else:
        messages.error(request, f"{what}: {labels.words(error.detail)}")


@require_GET
@page_for(roles.VIEW_EPISODES, "see episodes")
def episode(request, episode_id: int):
    context = _context(request, episode_id)
    patient_access_record(
        actor=request.user,
        patient_id=context["episode"].patient_id,
        episode_id=episode_id,
        what="page:episode",
    )
    return render(request, "pathway/episode.html", context)


@require_POST
@page_for(roles.RUN_TRANSITIONS, "move patients along the pathway")
def move(request, episode_id: int):
    name = _move_named(request.POST.get("transition", ""))
    # The move's rules are the service's to judge, once: the page only finds the move.
    mv = episode_move(actor=request.user, episode_id=episode_id, name=name)
    if mv is None:
        messages.error(
            request,
            "That move is not possible from this stage any more "
            "(the episode may just have been moved by someone else).",
        )
        return redirect(_page(episode_id, "moves"))
    prefix = _prefix(name)
    stented = request.POST.getlist(f"{prefix}-segments")
    form = MoveForm(
        request.POST,
        prefix=prefix,
        move=mv,
        stented=stented,
        duplexes=[(v, v) for v in request.POST.getlist(f"{prefix}-follow_up") if v],
    )
    if form.is_valid():
        try:
            services.episode_transition(
                actor=request.user, episode_id=episode_id, **form.service_kwargs()
            )
        except InvalidInput as error:
            _add_errors(form, error)
        except Conflict as error:
            _refused(request, error, name)
            return redirect(_page(episode_id, "moves"))
        else:
            messages.success(request, f"Done: {labels.move(name)}.")
            return redirect(_page(episode_id))
    return _render(request, episode_id, {f"move:{name}": form}, status=400)


@require_POST
@page_for(roles.RECORD_PATHWAY_DATA, "record pathway data")
def record(request, episode_id: int, kind: str):
    form_class = RECORD_FORMS.get(kind)
    if form_class is None:
        raise InvalidInput({"record": "Unknown record."})
    form = form_class(request.POST)
    if getattr(form, "adds_row", False):  # "Add another stent": shown again, nothing saved
        return _render(request, episode_id, {kind: form.quiet()})  # type: ignore[union-attr]
    if form.is_valid():
        try:
            saved = services.WRITERS[kind].service(
                actor=request.user, episode_id=episode_id, **form.service_kwargs()
            )
        except InvalidInput as error:
            _add_errors(form, error)
        except ValidationError as error:  # a model check the service let through
            for msg in error.messages:
                form.add_error(None, msg)
        except (Conflict, MoveRefused) as error:
            _refused(request, error)
            return redirect(_page(episode_id, kind))
        else:
            urgent = getattr(saved, "urgent", None)  # an alarming post-op check: who was told
            if urgent:
                messages.warning(request, f"Saved: {form.title}. {urgent.said()}")
            else:
                messages.success(request, f"Saved: {form.title}.")
            return redirect(_page(episode_id, kind))
    return _render(request, episode_id, {kind: form}, status=400)


@require_POST
@page_for(roles.RUN_TRANSITIONS, "assign episodes")
def assign(request, episode_id: int):
    form = AssignForm(
        request.POST, nurses=_staff(roles.NURSE), coordinators=_staff(roles.COORDINATOR)
    )
    if form.is_valid():
        try:
            services.episode_assign(actor=request.user, episode_id=episode_id, **form.cleaned_data)
        except InvalidInput as error:
            _add_errors(form, error)
        except Conflict as error:
            _refused(request, error)
            return redirect(_page(episode_id, "assign"))
        else:
            messages.success(request, "Saved: who looks after this episode.")
            return redirect(_page(episode_id, "assign"))
    return _render(request, episode_id, {"assign": form}, status=400)
