"""TEST_AS_APP_ROLE=1 (PostgreSQL): the tests run with the privileges of the app's role
(core/db_roles.py), as the app runs in production. The test database is made and migrated by
the owner, as production's is; then every connection says `SET ROLE <the app's role>`, so each
statement is checked against the app's rights. The test runner's flush, and the tests marked
`db_owner` (those that prove what the triggers refuse the owner), act as the owner again. For
the tests of races, the role may also read pg_stat_activity (pg_read_all_stats).
"""

import os

from django.core.management import call_command
from django.db import connection
from django.db.backends.signals import connection_created


def wanted() -> bool:
    return os.environ.get("TEST_AS_APP_ROLE") == "1" and connection.vendor == "postgresql"


def role_name() -> str:
    return f"{connection.settings_dict['NAME']}_app"


def _set_role(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f'SET ROLE "{role_name()}"')


def _drop_leftover() -> None:
    """A run stopped before its teardown leaves the role behind, still holding the
    statistics right granted below, which db_roles rightly refuses: start from none."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role_name()])
        if cursor.fetchone():
            cursor.execute(f'DROP OWNED BY "{role_name()}"; DROP ROLE "{role_name()}"')


def start() -> str:
    """Make the role as the owner would (db_roles), then connect as it from now on."""
    _drop_leftover()
    call_command("db_roles", app_role=role_name(), verbosity=0)
    with connection.cursor() as cursor:
        # Tests of races watch the other sessions' waits in pg_stat_activity, which shows
        # them only to their user: reading the statistics is the one right added for tests.
        cursor.execute(f'GRANT pg_read_all_stats TO "{role_name()}"')
    connection_created.connect(_set_role, dispatch_uid="tests-app-role")
    connection.close()
    return role_name()


def stop() -> None:
    connection_created.disconnect(dispatch_uid="tests-app-role")
    connection.close()
    with connection.cursor() as cursor:
        cursor.execute(f'DROP OWNED BY "{role_name()}"; DROP ROLE "{role_name()}"')
