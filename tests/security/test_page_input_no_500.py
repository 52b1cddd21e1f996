"""Page input that used to answer a bare 500 (issue 21's probe): a year beyond the calendar in the
live Villalta score, a superscript digit where the episode page posts a number, and the schema
saying a move's `corrects` may be null, as every answer that corrects nothing shows."""

import pytest

from pathway.codes import State
from tests.conftest import client_for
from tests.factories import PatientFactory, walk_to

pytestmark = pytest.mark.django_db


def test_the_live_villalta_score_ignores_a_procedure_date_in_the_year_9999(nurse, client):
    client.force_login(nurse)

    response = client.get(
        "/inbox/villalta/", {"procedure_on": "9999-12-01", "performed_on": "2024-05-01"}
    )

    assert response.status_code == 200


@pytest.mark.parametrize("field", ["expected_state", "procedure-stent_rows"])
def test_a_superscript_digit_posted_by_a_record_form_is_not_a_500(coordinator, client, field):
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    client.force_login(coordinator)

    response = client.post(f"/episodes/{episode.id}/record/procedure/", {field: "²"})

    assert response.status_code < 500


def test_a_superscript_digit_posted_as_a_move_forms_stage_is_a_400_in_words(coordinator, client):
    """`"²".isdigit()` is True but int("²") fails: the stage is looked up by name, never parsed."""
    episode = walk_to(coordinator, PatientFactory(), State.PROCEDURE)
    client.force_login(coordinator)
    body = {
        "transition": "withdraw",
        "move-withdraw-reason": "Moved away.",
        "move-withdraw-expected_state": "²",
    }

    response = client.post(f"/episodes/{episode.id}/move/", body)

    assert response.status_code == 400
    assert "stage that does not exist" in response.content.decode()


def test_the_schema_says_a_move_may_correct_nothing(as_nurse):
    schema = as_nurse.get("/api/schema/?format=json").json()

    assert schema["components"]["schemas"]["HistoryOut"]["properties"]["corrects"]["nullable"]


def test_a_move_that_corrects_nothing_answers_null(coordinator):
    episode = walk_to(coordinator, PatientFactory(), State.MDT_DISCUSSION)

    rows = client_for(coordinator).get(f"/api/episodes/{episode.id}/history/").json()

    assert rows and all(r["corrects"] is None for r in rows)


def test_a_user_cannot_be_deleted_in_the_admin_only_deactivated(admin_user, nurse, client):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)

    response = client.post(f"/admin/auth/user/{nurse.id}/delete/", {"post": "yes"})

    assert response.status_code == 403
    nurse.refresh_from_db()
    assert nurse.is_active
