import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests import app_role, parallel
from tests.factories import PatientFactory, UserFactory


def _flush_may_truncate():
    """The test runner empties the database after each transactional test with one TRUNCATE
    of every table (Django's flush). The history and the revisions refuse TRUNCATE
    (pathway/migrations/0009) unless the transaction says `pathway.allow_truncate`: the
    flush's own transaction says so, as the owner (tests/app_role.py), and nothing else in
    the tests does."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def flush_allowed(self, style, tables, **kwargs):
        statements = sql_flush(self, style, tables, **kwargs)
        allow = ["SET LOCAL ROLE NONE", "SET LOCAL pathway.allow_truncate = 'on'"]
        return [*allow, *statements] if statements else []

    DatabaseOperations.sql_flush = flush_allowed


_flush_may_truncate()


def _redis_of_this_worker():
    """Under pytest-xdist each worker has a database of its own and a Redis database of its
    own (tests/parallel.py). Django's settings are read before this file, so they are set here
    (the Celery app reads them when first used), and in the environment for the processes the
    tests start."""
    own = parallel.redis_url_for(settings.REDIS_URL, os.environ.get("PYTEST_XDIST_WORKER", ""))
    if own == settings.REDIS_URL:
        return
    settings.REDIS_URL = settings.CELERY_BROKER_URL = os.environ["REDIS_URL"] = own
    from config.celery import app as celery_app

    celery_app.conf.broker_url = own


_redis_of_this_worker()


@pytest.fixture(scope="session", autouse=True)
def _app_role(django_db_setup, django_db_blocker):
    """With TEST_AS_APP_ROLE=1, the tests act with the app's database role (tests/app_role.py)."""
    if not app_role.wanted():
        yield None
        return
    with django_db_blocker.unblock():
        role = app_role.start()
    yield role
    with django_db_blocker.unblock():
        app_role.stop()


@pytest.fixture(autouse=True)
def _owner_when_marked(request, _app_role):
    """A test marked db_owner acts as the tables' owner: inside the test's transaction when
    one is open (its rollback ends it), else for the test, and back to the app's role after."""
    marked = request.node.get_closest_marker
    if _app_role is None or not (marked("db_owner") and marked("django_db")):
        yield
        return
    from django.db import connection

    local = connection.in_atomic_block
    with connection.cursor() as cursor:
        cursor.execute(f"SET {'LOCAL ' if local else ''}ROLE NONE")
    yield
    if not local:
        with connection.cursor() as cursor:
            cursor.execute(f'SET ROLE "{_app_role}"')


@pytest.fixture(autouse=True)
def empty_cache():
    """Each test starts with nothing cached (the outcome figures are)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def fast_passwords(settings):
    """Tests make many users; the production hasher would spend half a second on each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _force_login_takes_the_second_step(monkeypatch):
    """`client.force_login(user)` stands for a finished sign-in: for a user who signs in in two
    steps (admins), that is the password and the code, so the session is marked verified with
    their authenticator (one is set up for them if need be), as django_otp.login does after a
    right code (tests/two_step.py). The second step itself is tested through the pages
    (tests/core/test_two_step.py), which sign in with the form, not with force_login."""
    from django.test import Client

    from tests.two_step import mark_verified

    plain = Client.force_login

    def force_login(self, user, backend=None):
        plain(self, user, backend)
        mark_verified(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)


def _user(role: str):
    user = UserFactory(username=f"{role}-1")
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def coordinator(db):
    return _user("coordinator")


@pytest.fixture
def nurse(db):
    return _user("nurse")


@pytest.fixture
def admin_user(db):
    return _user("admin")


def client_for(user) -> APIClient:
    client = APIClient()
    if user is not None:
        from core.models import ApiToken

        # No expiry: many tests travel months ahead (tests/security/test_tokens.py: expiry).
        _, token = ApiToken.objects.create(
            user=user, expiry=None, password_stamp=user.get_session_auth_hash()
        )
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def as_coordinator(coordinator):
    return client_for(coordinator)


@pytest.fixture
def as_nurse(nurse):
    return client_for(nurse)


@pytest.fixture
def as_admin(admin_user):
    return client_for(admin_user)


@pytest.fixture
def anonymous():
    return APIClient()


@pytest.fixture
def patient(db):
    return PatientFactory()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Browser tests last: they need a committed database, and the flush after each of them
    takes the rows the migrations seeded, which the ordinary tests rely on (the browser tests
    seed them again for themselves). pytest-django has put the transactional tests after the
    others for the same reason. Under pytest-xdist (`--dist load`, `make test`) each worker
    gets its tests in this order, on a database of its own."""
    items.sort(key=lambda item: item.get_closest_marker("e2e") is not None)
