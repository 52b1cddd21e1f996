"""The episode page's anticoagulation journey (a timeline drawn as SVG, the courses, the INR
readings, the forms to start, change and stop a course) and the printable handover page."""

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse

from pathway import services
from pathway.codes import State
from pathway.models import Episode
from patients.models import PatientAccess
from tests.conftest import _user
from tests.factories import PatientFactory, walk_to
from tests.module_rows import rows_for_the_module
from tests.pathway import handover_case as case

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():
    with time_machine.travel(case.at(case.OPERATED), tick=False) as traveller:
        yield traveller


@pytest.fixture(scope="module")
def _bridged_of_the_module(django_db_setup, django_db_blocker, _app_role):
    """The handover case (tests/pathway/handover_case.py), walked once for the module in the
    frozen days a test's own clock would walk it in; each test's writes are undone."""

    def make() -> int:
        with time_machine.travel(case.at(case.OPERATED), tick=False) as clock:
            return case.bridged_to_warfarin(clock, _user("coordinator")).id

    yield from rows_for_the_module(django_db_blocker, make)


@pytest.fixture
def bridged(_bridged_of_the_module, clock, coordinator):
    """The case read fresh, the clock left on SEEN_ON as the walk leaves it."""
    clock.move_to(case.at(case.SEEN_ON))
    return Episode.objects.get(id=_bridged_of_the_module)


def page_of(episode):
    return reverse("episode-page", args=[episode.id])


def handover_of(episode):
    return reverse("episode-handover", args=[episode.id])


def signed_in(client, user):
    client.force_login(user)
    return client


def journey_of(html: str) -> str:
    start = html.index('id="journey"')
    return html[start : html.index("</section>", start)]


def add(client, episode, **fields):
    return client.post(
        reverse("episode-course-add", args=[episode.id]),
        {f"course-{k}": v for k, v in fields.items()},
    )


def change_form(html: str, course) -> dict:
    """What the page's change form for `course` posts as it stands: the values shown and the
    hidden copies of them."""
    prefix = f"course{course.id}-"
    fields = {}
    for name, value in re.findall(rf'name="((?:initial-)?{prefix}\w+)"[^>]*?value="([^"]*)"', html):
        fields[name] = value
    for name in re.findall(rf'<select name="((?:initial-)?{prefix}\w+)"', html):
        fields.setdefault(name, "")
    return fields


def change(client, episode, course, **edits):
    html = client.get(page_of(episode)).content.decode()
    data = change_form(html, course)
    data.update({f"course{course.id}-{k}": v for k, v in edits.items()})
    return client.post(reverse("episode-course-change", args=[episode.id, course.id]), data)


# --- the section ----------------------------------------------------------------------------
def test_the_journey_shows_the_courses_as_an_svg_timeline_with_the_inr_readings(
    client, bridged, coordinator
):
    html = signed_in(client, coordinator).get(page_of(bridged)).content.decode()
    section = journey_of(html)

    assert "Anticoagulation journey" in section
    svg = re.search(r"<svg role=\"img\" aria-label=\"([^\"]+)\".*?</svg>", section, re.S)
    assert svg and "Anticoagulation journey" in svg.group(1)
    for value in ("1.6", "1.9", "2.3"):  # each INR reading written on the chart
        assert f">{value}<" in svg.group(0) or f"{value}</text>" in svg.group(0)
    assert "Enoxaparin" in section and "Warfarin" in section
    assert "1 mg/kg twice daily" in section and "5 mg once daily" in section
    assert "6 months, to 2025-07-08" in section
    assert "while bridging" in section  # enoxaparin: until bridging is done, not lifelong
    assert "2.0–3.0" in section and "out of range" in section and "in range" in section
    assert "<script" not in section  # the CSP allows the app's own files only
    assert reverse("episode-handover", args=[bridged.id]) in html


def test_an_episode_without_courses_says_so(client, coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.IMAGING)
    html = signed_in(client, coordinator).get(page_of(episode)).content.decode()

    assert "No course recorded yet." in journey_of(html)


def test_a_nurse_sees_the_journey_read_only_and_cannot_post(client, bridged, nurse):
    c = signed_in(client, nurse)
    section = journey_of(c.get(page_of(bridged)).content.decode())

    assert "Warfarin" in section and "<svg" in section
    assert "<form" not in section and "Start a course" not in section
    course = bridged.courses.get(agent="warfarin")
    assert add(c, bridged, agent="apixaban", started_on="2025-01-24").status_code == 403
    url = reverse("episode-course-change", args=[bridged.id, course.id])
    assert c.post(url, {f"course{course.id}-reason": "x"}).status_code == 403
    assert not bridged.courses.filter(agent="apixaban").exists()


# --- starting a course ------------------------------------------------------------------------
def test_a_coordinator_starts_a_course_from_the_page(client, bridged, coordinator):
    r = add(
        signed_in(client, coordinator),
        bridged,
        agent="dalteparin",
        dose="5000",
        dose_unit="IU",
        frequency="once daily",
        started_on="2025-01-24",
        reason="Cover while warfarin is held.",
    )

    assert r.status_code == 302 and r["Location"].endswith("#journey")
    course = bridged.courses.get(agent="dalteparin")
    assert (course.dose, course.dose_unit, course.started_on) == (
        Decimal("5000"),
        "IU",
        dt.date(2025, 1, 24),
    )
    assert course.stopped_on is None and course.reason == "Cover while warfarin is held."


def test_a_vka_started_without_a_target_gets_2_to_3(client, coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    today = episode.opened_on().isoformat()
    r = add(signed_in(client, coordinator), episode, agent="warfarin", started_on=today)

    assert r.status_code == 302
    course = episode.courses.get(agent="warfarin")
    assert (course.target_inr_low, course.target_inr_high) == (Decimal("2.0"), Decimal("3.0"))


@pytest.mark.parametrize(
    ("fields", "said"),
    [
        (
            {"agent": "apixaban", "target_inr_low": "2.0", "target_inr_high": "3.0"},
            "A target INR range is for a VKA only.",
        ),
        ({"agent": "warfarin", "target_inr_low": "3.0", "target_inr_high": "2.0"}, "INR"),
        (
            {"agent": "enoxaparin", "stopped_on": "2025-01-20"},
            "A course cannot stop before it starts.",
        ),
        ({"agent": "enoxaparin", "started_on": "2025-02-24"}, "future"),
        ({"agent": ""}, "This field is required."),
        ({"agent": "enoxaparin", "dose": "-1"}, "greater than or equal to 0"),
        ({"agent": "enoxaparin", "planned_duration_months": "0"}, "greater than or equal to 1"),
    ],
    ids=[
        "target-off-a-vka",
        "target-upside-down",
        "stop-before-start",
        "future",
        "no-agent",
        "negative-dose",
        "zero-months",
    ],
)
def test_a_bad_course_is_refused_in_words_on_the_page(client, bridged, coordinator, fields, said):
    data = {"started_on": "2025-01-22", **fields}
    r = add(signed_in(client, coordinator), bridged, **data)

    assert r.status_code == 400
    html = r.content.decode()
    section = journey_of(html)
    assert said in section
    assert "please check" in section and '<details class="course-add" open>' in section
    assert not bridged.courses.filter(started_on=dt.date(2025, 1, 22)).exists()


def test_a_course_before_the_referral_is_refused_in_words(client, bridged, coordinator):
    r = add(signed_in(client, coordinator), bridged, agent="enoxaparin", started_on="2024-12-01")

    assert r.status_code == 400
    assert "This date is before" in journey_of(r.content.decode())


def test_no_course_starts_in_a_closed_episode(client, bridged, coordinator):
    services.episode_transition(
        actor=coordinator, episode_id=bridged.id, name="withdraw", reason="Moved away."
    )
    c = signed_in(client, coordinator)
    assert "Start a course" not in journey_of(c.get(page_of(bridged)).content.decode())

    r = add(c, bridged, agent="apixaban", started_on="2025-01-24")
    assert r.status_code == 302
    said = c.get(r["Location"]).content.decode()
    assert "This was not saved" in said and "closed" in said
    assert not bridged.courses.filter(agent="apixaban").exists()


# --- changing and stopping a course ------------------------------------------------------------
def test_stopping_the_bridging_course_with_a_reason(client, bridged, coordinator):
    enoxaparin = bridged.courses.get(agent="enoxaparin")
    c = signed_in(client, coordinator)

    r = change(c, bridged, enoxaparin, stopped_on="2025-01-24", reason="INR in range twice.")

    assert r.status_code == 302 and r["Location"].endswith("#journey")
    enoxaparin.refresh_from_db()
    assert enoxaparin.stopped_on == case.SEEN_ON and enoxaparin.reason == "INR in range twice."
    assert enoxaparin.dose == Decimal("1") and enoxaparin.frequency == "twice daily"
    assert "Saved: Enoxaparin stopped." in c.get(r["Location"]).content.decode()


def test_a_change_without_a_reason_is_refused_in_words(client, bridged, coordinator):
    warfarin = bridged.courses.get(agent="warfarin")
    r = change(signed_in(client, coordinator), bridged, warfarin, dose="7.5")

    assert r.status_code == 400
    assert "Say why the course changes or stops." in journey_of(r.content.decode())
    warfarin.refresh_from_db()
    assert warfarin.dose == Decimal("5")


def test_a_change_that_changes_nothing_says_so(client, bridged, coordinator):
    warfarin = bridged.courses.get(agent="warfarin")
    r = change(signed_in(client, coordinator), bridged, warfarin, reason="Checked.")

    assert r.status_code == 400
    assert "Nothing was changed" in journey_of(r.content.decode())


def test_a_stop_before_the_start_is_refused_in_words(client, bridged, coordinator):
    warfarin = bridged.courses.get(agent="warfarin")
    r = change(
        signed_in(client, coordinator),
        bridged,
        warfarin,
        stopped_on="2025-01-02",
        reason="Entered in error.",
    )

    assert r.status_code == 400
    section = journey_of(r.content.decode())
    assert "A course cannot stop before it starts." in section
    assert re.search(r"<details open>\s*<summary>Change or stop Warfarin", section)


def test_only_what_this_user_changed_is_saved(client, bridged, coordinator, admin_user):
    """The page was opened before someone else raised the warfarin dose; stopping the course
    from it keeps their dose."""
    warfarin = bridged.courses.get(agent="warfarin")
    c = signed_in(client, coordinator)
    shown = change_form(c.get(page_of(bridged)).content.decode(), warfarin)
    services.course_change(
        actor=admin_user,
        episode_id=bridged.id,
        course_id=warfarin.id,
        dose=Decimal("7.5"),
        reason="INR low.",
    )

    p = f"course{warfarin.id}-"
    r = c.post(
        reverse("episode-course-change", args=[bridged.id, warfarin.id]),
        {**shown, f"{p}stopped_on": "2025-01-24", f"{p}reason": "Switched to apixaban."},
    )

    assert r.status_code == 302
    warfarin.refresh_from_db()
    assert warfarin.stopped_on == case.SEEN_ON and warfarin.dose == Decimal("7.5")


def test_a_vka_target_range_is_changed_from_the_page(client, bridged, coordinator):
    warfarin = bridged.courses.get(agent="warfarin")
    r = change(
        signed_in(client, coordinator),
        bridged,
        warfarin,
        target_inr_low="2.5",
        target_inr_high="3.5",
        reason="Recurrent thrombosis on 2.0-3.0.",
    )

    assert r.status_code == 302
    warfarin.refresh_from_db()
    assert (warfarin.target_inr_low, warfarin.target_inr_high) == (Decimal("2.5"), Decimal("3.5"))


def test_only_a_vka_course_shows_target_fields(client, bridged, coordinator):
    html = signed_in(client, coordinator).get(page_of(bridged)).content.decode()
    enoxaparin = bridged.courses.get(agent="enoxaparin")
    warfarin = bridged.courses.get(agent="warfarin")

    assert f'name="course{warfarin.id}-target_inr_low"' in html
    assert f'name="course{enoxaparin.id}-target_inr_low"' not in html


def test_a_course_of_another_episode_is_not_found(client, bridged, coordinator):
    other = walk_to(coordinator, PatientFactory(), State.POST_OP)
    course = bridged.courses.get(agent="warfarin")
    r = signed_in(client, coordinator).post(
        reverse("episode-course-change", args=[other.id, course.id]),
        {
            f"course{course.id}-started_on": "2025-01-08",
            f"course{course.id}-stopped_on": "2025-01-24",
            f"course{course.id}-reason": "Stop.",
        },
    )
    assert r.status_code == 404
    course.refresh_from_db()
    assert course.stopped_on is None


# --- the handover page -----------------------------------------------------------------------
def test_the_handover_page_has_everything_on_one_printable_page(client, bridged, coordinator):
    r = signed_in(client, coordinator).get(handover_of(bridged))

    assert r.status_code == 200
    html = r.content.decode()
    assert "Ada Lovelace" in html and "MRN-0042" in html and "12 Apr 1961" in html
    assert "Enoxaparin" in html and "Warfarin" in html and "5 mg" in html
    assert "<strong>Target INR:</strong> 2.0–3.0" in html
    assert "while bridging (below)" in html and "lifelong" not in html
    for day in ("15 Jan 2025", "19 Jan 2025", "22 Jan 2025"):
        assert day in html
    assert "Time in therapeutic range (Rosendaal): 32.1%" in html
    assert "29 Jan 2025 (between 26 Jan and 1 Feb 2025)" in html  # the next INR check
    assert "6 months of Warfarin, to 8 Jul 2025" in html
    assert "20 Jan 2025, 17 Feb 2025, 6 Apr 2025" in html  # the reviews
    assert "Continue Enoxaparin alongside Warfarin until at least 5 days" in html
    assert re.search(r'<button type="button" data-print>Print</button>', html)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script
    assert 'class="card print-page handover-page"' in html


def test_the_print_stylesheet_prints_the_handover_on_a4_without_navigation():
    css = (Path(settings.BASE_DIR) / "core/static/core/app.css").read_text()
    printing = css[css.index("@media print {\n  @page") :]
    assert "size: A4" in printing and ".handover-page" in printing
    assert re.search(
        r"@media print \{\s*\.top, \.skip, form, button, \.no-print \{ display: none", css
    )


def test_the_handover_page_shows_the_warnings_in_force(client, coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.POST_OP)
    html = signed_in(client, coordinator).get(handover_of(episode)).content.decode()

    assert "Warnings in force" in html and "Thrombophilia tested" in html
    assert "No INR reading yet." in html and "none booked" in html


def test_every_role_reads_the_handover_and_each_read_is_logged(client, bridged, nurse):
    r = signed_in(client, nurse).get(handover_of(bridged))

    assert r.status_code == 200
    assert "no-store" in r["Cache-Control"]
    assert (
        PatientAccess.objects.filter(
            user=nurse, episode_id=bridged.id, what="page:handover"
        ).count()
        == 1
    )


def test_the_episode_page_links_to_the_handover(client, bridged, nurse):
    html = signed_in(client, nurse).get(page_of(bridged)).content.decode()
    assert f'href="{handover_of(bridged)}">Anticoagulation handover</a>' in html


# The handover's unit contact and the pages' query budget walk the case themselves (its
# patient, MRN-0042, once): tests/pathway/test_journey_page_own_case.py.
