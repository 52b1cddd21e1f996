import os

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from rest_framework.test import APIClient

from tests import app_role, parallel, template_db
from tests.factories import PatientFactory, UserFactory


def _flush_may_truncate():
    """The test runner empties the database after each transactional test (Django's flush).
    The history and the revisions refuse DELETE, and TRUNCATE (pathway/migrations/0009) unless
    the transaction says `pathway.allow_truncate`. The flush acts as the owner (tests/app_role.py)
    and, when the owner is a superuser (as here and in CI), empties each table with DELETE with
    the triggers off for its transaction (`session_replication_role = replica`): TRUNCATE makes
    new files for every table and index, 1.5-2.5 s a flush here, DELETE of a test's few rows
    takes milliseconds, and the tables are as empty after either. Otherwise (or asked to reset
    the sequences) one TRUNCATE of every table, its transaction saying `allow_truncate`;
    nothing else in the tests says either."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    sql_flush = DatabaseOperations.sql_flush

    def flush_allowed(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables:
            return []
        if not reset_sequences and _owner_is_superuser(self.connection):
            quoted = (style.SQL_FIELD(self.quote_name(table)) for table in tables)
            return [
                "SET LOCAL ROLE NONE",
                "SET LOCAL session_replication_role = replica",
                *(f"{style.SQL_KEYWORD('DELETE FROM')} {table}" for table in quoted),
            ]
        statements = sql_flush(
            self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
        )
        return ["SET LOCAL ROLE NONE", "SET LOCAL pathway.allow_truncate = 'on'", *statements]

    DatabaseOperations.sql_flush = flush_allowed


def _owner_is_superuser(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")
        return bool(cursor.fetchone()[0])


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


@pytest.fixture(scope="session")
def django_db_setup(
    request,
    django_test_environment,
    django_db_blocker,
    django_db_use_migrations,
    django_db_keepdb,
    django_db_createdb,
    django_db_modify_db_settings,
):
    """Each worker's test database is a copy of a template migrated once (tests/template_db.py),
    not a migration of its own; `--reuse-db`, `--nomigrations` and SQLite as pytest-django does."""
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases
    from pytest_django.fixtures import _disable_migrations, _get_databases_for_setup

    aliases, serialized = _get_databases_for_setup(request.session.items)
    own_way = django_db_keepdb or not django_db_use_migrations or connection.vendor != "postgresql"
    if not own_way and aliases <= {"default"}:
        with django_db_blocker.unblock():
            base = template_db.create(serialize="default" in serialized)
        yield
        with django_db_blocker.unblock():
            template_db.destroy(base)
        return
    if not django_db_use_migrations:
        _disable_migrations()
    keep = {"keepdb": True} if django_db_keepdb and not django_db_createdb else {}
    with django_db_blocker.unblock():
        config = setup_databases(
            verbosity=request.config.option.verbose,
            interactive=False,
            aliases=aliases,
            serialized_aliases=serialized,
            **keep,
        )
    yield
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            teardown_databases(config, verbosity=request.config.option.verbose)


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
