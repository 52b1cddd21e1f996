"""The app's database role, and connections as it and as the tables' owner (PostgreSQL)."""

import io

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection


@pytest.fixture(scope="session")
def app_role(_app_role, django_db_setup, django_db_blocker):
    """The app's role on the test database, made by `db_roles` as the owner would make it
    (already made when the whole run acts as it: TEST_AS_APP_ROLE=1)."""
    if _app_role:
        yield _app_role
        return
    name = f"{connection.settings_dict['NAME']}_app"
    with django_db_blocker.unblock():
        call_command("db_roles", app_role=name, stdout=io.StringIO())
    yield name
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{name}"; DROP ROLE "{name}"')


def connect(user: str) -> psycopg.Connection:
    s = connection.settings_dict
    return psycopg.connect(
        host=s["HOST"], port=s["PORT"] or 5432, dbname=s["NAME"], user=user, autocommit=True
    )


@pytest.fixture
def as_app(app_role):
    with connect(app_role) as conn:
        yield conn


@pytest.fixture
def as_owner(django_db_setup):
    with connect(connection.settings_dict["USER"]) as conn:
        yield conn
