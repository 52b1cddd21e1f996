"""Saves that are safe and visible (issue 18): a double click on every record form of the episode
page and on "Register the patient" saves once and lands where one click would; a form sent
twice at the same moment past the disabled button (a retry) is answered with its first answer;
a refused save says so in a banner at the top and puts the focus on the field to correct."""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pathway.codes import State
from pathway.models import (
    Complication,
    DischargePlan,
    ImagingStudy,
    MdtDecision,
    PostopCheck,
    PreProcedureAnticoagulation,
    ProcedureNote,
    SelectionAssessment,
)
from patients.models import Patient
from tests.e2e.conftest import (
    accessible,
    every_request_answered,
    person,
    shot,
    signed_in,
)
from tests.factories import PatientFactory, days_ago, episode_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

PHONE = {"width": 390, "height": 844}


def d(n: int) -> str:
    return days_ago(n).isoformat()


def started_at() -> str:
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now - dt.timedelta(hours=1), midnight).strftime("%Y-%m-%dT%H:%M")


def field(page, kind: str, name: str):
    return page.locator(f"#{kind} [name='{kind}-{name}']")


def check(page, kind: str, name: str, value: str | None = None) -> None:
    value_part = f"[value='{value}']" if value else ""
    page.locator(f"#{kind} [name='{kind}-{name}']{value_part}").check()


def double_click_save(page, kind: str) -> None:
    button = page.locator(f"form[action$='/record/{kind}/'] button[type='submit']:not([name])")
    with every_request_answered(page), page.expect_navigation():
        button.dblclick()
    expect(page.locator(".messages")).to_contain_text("Saved")


def history(model, episode) -> int:
    return model.history.filter(episode_id=episode.id).count()


@pytest.fixture
def cora(page):
    user = person("coordinator", "cora")
    signed_in(page, user)
    return user


def test_a_double_click_on_each_record_form_saves_once(page, cora):
    # Selection and the MDT decision
    selecting = episode_in(State.SELECTION, cora)
    page.goto(f"/episodes/{selecting.id}/")
    field(page, "selection", "symptom_onset").fill(d(5))
    field(page, "selection", "assessed_on").fill(d(0))
    check(page, "selection", "indications", "severe_swelling")
    check(page, "selection", "thrombus_segments", "ivc")
    check(page, "selection", "fit_for_procedure")
    field(page, "selection", "thrombophilia").select_option("not_tested")
    double_click_save(page, "selection")
    assert history(SelectionAssessment, selecting) == 1

    discussing = episode_in(State.MDT_DISCUSSION, cora)
    page.goto(f"/episodes/{discussing.id}/")
    field(page, "mdt", "date").fill(d(0))
    for role in ("vascular_surgeon", "interventional_radiologist", "haematologist"):
        check(page, "mdt", "attendees", role)
    field(page, "mdt", "decision").select_option("proceed")
    double_click_save(page, "mdt")
    assert MdtDecision.objects.filter(episode=discussing).count() == 1

    # Imaging and the anticoagulation before the procedure
    working_up = episode_in(State.IMAGING, cora)
    page.goto(f"/episodes/{working_up.id}/")
    field(page, "imaging", "modality").select_option("duplex")
    field(page, "imaging", "date").fill(d(0))
    field(page, "imaging", "ivc_anomaly").select_option("no")
    field(page, "imaging", "ivc_filter").select_option("no")
    double_click_save(page, "imaging")
    assert ImagingStudy.objects.filter(episode=working_up).count() == 1
    field(page, "anticoagulation", "agent").select_option("ufh_infusion")
    field(page, "anticoagulation", "started_at").fill(started_at())
    double_click_save(page, "anticoagulation")
    assert history(PreProcedureAnticoagulation, working_up) == 1

    # The procedure note and a complication
    booked = episode_in(State.PROCEDURE, cora)
    page.goto(f"/episodes/{booked.id}/")
    field(page, "procedure", "date").fill(d(0))
    field(page, "procedure", "access_1_vein").select_option("popliteal")
    field(page, "procedure", "access_1_side").select_option("left")
    field(page, "procedure", "technique").select_option("aspiration")
    field(page, "procedure", "completion_patent").select_option("yes")
    double_click_save(page, "procedure")
    assert history(ProcedureNote, booked) == 1
    field(page, "complication", "kind_code").select_option("pulmonary_embolism")
    field(page, "complication", "occurred_on").fill(d(0))
    field(page, "complication", "severity").select_option("moderate")
    double_click_save(page, "complication")
    assert Complication.objects.filter(episode=booked).count() == 1

    # The discharge plan and a post-op check
    recovering = episode_in(State.POST_OP, cora)
    page.goto(f"/episodes/{recovering.id}/")
    field(page, "discharge_plan", "anticoagulant").select_option("doac")
    field(page, "discharge_plan", "planned_duration_months").fill("6")
    check(page, "discharge_plan", "compression_stockings")
    double_click_save(page, "discharge_plan")
    assert history(DischargePlan, recovering) == 1
    field(page, "postop_check", "limb_perfusion").select_option("normal")
    field(page, "postop_check", "pain_score").fill("2")
    double_click_save(page, "postop_check")
    assert PostopCheck.objects.filter(episode=recovering).count() == 1


def register(page, mrn: str) -> None:
    page.goto("/patients/new/")
    page.get_by_label("MRN").fill(mrn)
    page.get_by_label("Given name").fill("Grace")
    page.get_by_label("Family name").fill("Hopper")
    page.get_by_label("Birth date").fill("1956-12-09")
    page.get_by_label("Sex").select_option("female")


def test_a_double_click_on_register_the_patient_registers_once_and_opens_the_episode_form(
    page, cora
):
    register(page, "RX300001")
    with every_request_answered(page), page.expect_navigation():
        page.get_by_role("button", name="Register the patient").dblclick()

    patient = Patient.objects.get(mrn="RX300001")
    assert page.url.endswith(f"/episodes/new/?patient={patient.id}")
    expect(page.locator("main")).not_to_contain_text("already exists")
    assert Patient.objects.filter(mrn="RX300001").count() == 1


def test_the_same_form_sent_twice_at_once_past_the_button_is_answered_alike(page, cora):
    """A retry the button cannot stop (a network retry, a script): the server answers the
    second sending with the first answer."""
    register(page, "RX300002")
    landed = page.evaluate("""async () => {
        const form = document.querySelector("form[action='/patients/new/']");
        const body = new URLSearchParams(new FormData(form));
        const send = () => fetch(form.action, {method: "POST", body: body});
        const answers = await Promise.all([send(), send()]);
        return answers.map(a => [a.status, a.url]);
    }""")

    patient = Patient.objects.get(mrn="RX300002")
    where = f"/episodes/new/?patient={patient.id}"
    assert [status for status, _ in landed] == [200, 200]
    assert all(url.endswith(where) for _, url in landed), landed


def test_a_refused_save_shows_a_banner_and_focuses_the_field(page, cora):
    episode = episode_in(State.MDT_DISCUSSION, cora, patient=PatientFactory())
    page.goto(f"/episodes/{episode.id}/")
    check(page, "mdt", "attendees", "vascular_surgeon")
    field(page, "mdt", "decision").select_option("proceed")
    field(page, "mdt", "date").fill(d(-3))  # in the future
    with page.expect_navigation():
        page.locator("form[action$='/record/mdt/'] button[type='submit']").click()

    banner = page.locator("#not-saved")
    expect(banner).to_be_visible()
    expect(banner).to_have_attribute("role", "alert")
    expect(banner).to_contain_text("Not saved: MDT date")
    expect(banner).to_contain_text("See the highlighted field")
    expect(field(page, "mdt", "date")).to_be_focused()
    expect(field(page, "mdt", "date")).to_have_attribute("aria-invalid", "true")
    assert MdtDecision.objects.filter(episode=episode).count() == 0
    accessible(page)
    shot(page, "saves-not-saved", full_page=False)  # the screen as she sees it

    page.set_viewport_size(PHONE)
    page.reload()  # the browser sends the refused form again: refused again, the same way
    expect(page.locator("#not-saved")).to_contain_text("Not saved: MDT date")
    expect(field(page, "mdt", "date")).to_be_focused()
    accessible(page)
    shot(page, "saves-not-saved-phone", full_page=False)


def test_a_refused_registration_names_the_field_in_the_banner(page, cora):
    register(page, "RX300003")
    page.get_by_label("Given name").fill("")
    with page.expect_navigation():
        page.get_by_role("button", name="Register the patient").click()

    expect(page.locator("#not-saved")).to_contain_text("Not saved: Given name")
    expect(page.get_by_label("Given name")).to_be_focused()
    accessible(page)
