"""The ward the permission matrix runs in, built once for the module: a user per role, one
with none and a superuser, an episode in each state a write needs, a follow-up and an alert for
everyone. Clients are made per request from what is kept here, so a sign-out cannot leak into
the next cell."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import Group
from django.test import Client
from django.utils import timezone

from pathway import services
from pathway.codes import State
from tasks.models import Alert, FollowUp
from tests import factories as f
from tests.api import support as s
from tests.conftest import client_for
from tests.two_step import mark_verified

PASSWORD = "a-long-test-password"  # UserFactory's
ROLES = ("anonymous", "no_role", "coordinator", "nurse", "admin", "superuser")


@dataclass
class World:
    users: dict = field(default_factory=dict)  # role -> user (no anonymous)
    api: dict = field(default_factory=dict)  # role -> APIClient from client_for
    sessions: dict = field(default_factory=dict)  # role -> session key of a web sign-in
    spare: object = None  # a nurse the users page may change
    patient: object = None  # without an episode
    selection: object = None  # ready to be referred to the MDT
    scheduling: object = None  # in imaging, ready to be scheduled for the procedure
    discharging: object = None  # post-op, ready to be discharged
    referred: object = None  # in MDT discussion, the referral the last move (to correct)
    imaging: object = None
    procedure: object = None
    post_op: object = None
    course: object = None  # an anticoagulation course of the post-op episode
    surveillance: object = None
    follow_up: object = None  # open, of the surveillance episode
    alerts: dict = field(default_factory=dict)  # role -> an open alert in that user's inbox

    def api_client(self, role: str):
        return self.api.get(role) or client_for(None)

    def page_client(self, role: str) -> Client:
        client = Client()
        if role in self.sessions:
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


def _user(role: str):
    if role == "superuser":  # in no role group: counts as an admin
        return f.UserFactory(username="matrix-root", is_superuser=True, is_staff=True)
    user = f.UserFactory(username=f"matrix-{role}", email=f"{role}@unit.example")
    if role != "no_role":
        user.groups.add(Group.objects.get(name=role))
    return user


def build() -> World:
    w = World()
    for role in ROLES[1:]:
        w.users[role] = _user(role)
        w.api[role] = client_for(w.users[role])
        web = Client()
        web.force_login(w.users[role])
        mark_verified(web, w.users[role])  # built before the tests' force_login fixture runs
        w.sessions[role] = web.cookies[settings.SESSION_COOKIE_NAME].value
    w.spare = f.UserFactory(username="matrix-spare")
    w.spare.groups.add(Group.objects.get(name="nurse"))
    actor = w.users["coordinator"]
    w.patient = f.PatientFactory()
    w.selection = s.ready_for("refer_to_mdt", actor)
    w.referred = f.prepare_and_move(actor, s.ready_for("refer_to_mdt", actor), "refer_to_mdt")
    w.scheduling = s.ready_for("schedule_procedure", actor)
    w.discharging = s.ready_for("discharge", actor)
    w.imaging = f.episode_in(State.IMAGING, actor)
    w.procedure = f.episode_in(State.PROCEDURE, actor)
    w.post_op = f.episode_in(State.POST_OP, actor)
    w.course = services.course_add(
        actor=actor, episode_id=w.post_op.id, agent="enoxaparin", started_on=f.today()
    )
    # Discharged two weeks after a same-day walk: the 2-week review's window is open today.
    two_weeks_ago = f.today() - dt.timedelta(days=14)
    w.surveillance = f.walk_to(actor, f.PatientFactory(), State.SURVEILLANCE, on=two_weeks_ago)
    w.follow_up = FollowUp.objects.get(
        episode=w.surveillance, kind="anticoagulation_review", due_on=f.today()
    )
    for role in ROLES[1:]:  # no_role: a nurse's alert, kept after her role was taken away
        w.alerts[role] = Alert.objects.create(
            episode=w.surveillance,
            follow_up=w.follow_up,
            kind=Alert.Kind.DUE,
            recipient=w.users[role],
            created_at=timezone.now(),
        )
    return w


def result_body(follow_up: FollowUp) -> dict:
    """A valid result of `follow_up`, whatever its kind, dated today."""
    today = s.ago(0)
    if follow_up.kind == "duplex":
        segments = follow_up.episode.current_procedure_note().stents.values_list("segment")
        found = [{"segment": seg, "result": "patent"} for (seg,) in segments]
        return {"performed_on": today, "segments": found}
    if follow_up.kind == "inr_check":
        return {"performed_on": today, "inr": "2.4"}
    return {"performed_on": today, "adherent": True, "notes": ""}


def result_form(follow_up: FollowUp) -> dict:
    """The inbox form of the same result."""
    body = result_body(follow_up)
    data = {"performed_on": body["performed_on"]}
    for seg in body.get("segments", []):
        data[f"segment_{seg['segment']}"] = "patent"
    if "inr" in body:
        data["inr"] = body["inr"]
    if "adherent" in body:
        data["adherent"] = "yes"
    return data
