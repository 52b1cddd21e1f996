"""Bodies no client should be able to turn into a 500: deep JSON, huge JSON, constants JSON does
not have; and passwords a guesser would try first."""

import json

import pytest

from core.parsers import JSON_MAX_DEPTH
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def post_raw(client, url, raw: str):
    return client.post(url, data=raw, content_type="application/json")


def test_json_nested_a_thousand_levels_deep_gets_a_400_in_words_not_a_500(anonymous):
    deep = "[" * 1000 + "]" * 1000
    response = post_raw(anonymous, "/api/auth/token/", deep)

    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "nested deeper" in response.json()["detail"]
    assert (
        "DATABASE" not in response.content.decode() and "Traceback" not in response.content.decode()
    )


def test_json_just_inside_the_depth_limit_is_parsed(as_coordinator):
    nested = {"mrn": "A1"}
    for _ in range(JSON_MAX_DEPTH - 2):
        nested = {"x": nested}
    response = post_raw(as_coordinator, "/api/patients/", json.dumps(nested))

    assert response.status_code == 400  # parsed, then refused naming the missing fields
    assert "mrn" in response.json() or "given_name" in response.json()


def test_brackets_inside_strings_do_not_count_as_nesting(as_coordinator):
    body = {
        "mrn": "[" * 500,
        "given_name": "{" * 50,
        "family_name": "B",
        "birth_date": "1970-01-01",
        "sex": "female",
    }
    response = post_raw(as_coordinator, "/api/patients/", json.dumps(body))

    assert response.status_code == 400
    assert "mrn" in response.json()  # too long: a field error, not a parse error


def test_a_body_over_a_megabyte_gets_a_400(as_coordinator):
    huge = json.dumps({"mrn": "A" * (1024 * 1024 + 10)})
    response = post_raw(as_coordinator, "/api/patients/", huge)

    assert response.status_code == 400
    assert "larger than" in response.json()["detail"]


@pytest.mark.parametrize("raw", ["NaN", '{"inr": Infinity}', "{", '{"a": "\\ud800"', "\xff"])
def test_malformed_json_gets_a_400_that_does_not_echo_the_body(as_coordinator, raw):
    response = post_raw(as_coordinator, "/api/patients/", raw)

    assert response.status_code == 400
    assert "not valid" in response.json()["detail"]


def test_a_huge_sign_in_form_gets_a_400_not_a_500(client):
    response = client.post(
        "/accounts/login/", {"username": "x", "password": "y" * (1024 * 1024 + 1)}
    )

    assert response.status_code == 400


@pytest.mark.parametrize(
    "password, why",
    [
        ("coordinator-two", "too similar"),
        ("83920174619", "entirely numeric"),
        ("password1", "too common"),
    ],
)
def test_an_admin_cannot_give_a_new_user_a_guessable_password(as_admin, password, why):
    response = as_admin.post(
        "/api/users/",
        {
            "username": "coordinator-two",
            "password": password,
            "role": "coordinator",
            "email": "two@unit.example",
            "full_name": "Cody Two",
        },
        format="json",
    )

    assert response.status_code == 400
    assert why in " ".join(response.json()["password"])


def test_a_strong_password_is_accepted(as_admin):
    UserFactory(username="someone-else")
    response = as_admin.post(
        "/api/users/",
        {
            "username": "coordinator-two",
            "password": "vein-stent-Harbour-42",
            "role": "coordinator",
            "email": "two@unit.example",
            "full_name": "Cody Two",
        },
        format="json",
    )
    assert response.status_code == 201
