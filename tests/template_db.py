"""Each pytest-xdist worker's test database is a copy of one migrated template (PostgreSQL's
`CREATE DATABASE ... TEMPLATE`, a file copy taking a second) instead of a migration of its
own (12 to 50 s a worker here). The template is named after its base database and a hash of
every app's migrations, made by whichever worker comes first (the others wait on a lock), and
kept for the next run, which migrates again only once a migration has changed: on a fresh
machine (CI) the first run makes it. It holds what a migrated test database holds, the rows
the migrations and post_migrate seed included; the app's role (tests/app_role.py) is made on
each worker's copy afterwards, as before.

Each copy also says `synchronous_commit = off`: a commit need not wait for the WAL to reach
the disk (a test database does not outlive a crash of the server), which the transactional
tests, the browser tests and the processes they start commit often.

`--reuse-db`, `--nomigrations` and other databases than PostgreSQL keep pytest-django's way."""

from __future__ import annotations

import hashlib
import zlib
from contextlib import contextmanager
from pathlib import Path

import django
import psycopg
from django.apps import apps
from django.core.management import call_command
from django.db import connection, transaction

KEEP = 3  # templates kept for one base database (other worktrees' migrations): then dropped
_copied_from: tuple[str, str] | None = None  # (lock prefix, template) of this worker's database


def migrations_hash() -> str:
    """What the template depends on: every installed app's migrations, and Django's version."""
    digest = hashlib.sha256(django.get_version().encode())
    for config in sorted(apps.get_app_configs(), key=lambda c: c.label):
        folder = Path(config.path) / "migrations"
        for path in sorted(folder.glob("*.py")):
            digest.update(f"{config.label}/{path.name}".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def _server() -> dict:
    s = connection.settings_dict
    return {
        "host": s["HOST"] or None,
        "port": s["PORT"] or None,
        "user": s["USER"] or None,
        "password": s["PASSWORD"] or None,
    }


@contextmanager
def _locked(prefix: str):
    """A connection to the server's `postgres` database holding this base's lock: one
    template made, copied or dropped at a time."""
    key = zlib.crc32(prefix.encode())
    with psycopg.connect(**_server(), dbname="postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_advisory_lock(%s)", [key])
        try:
            yield admin
        finally:
            admin.execute("SELECT pg_advisory_unlock(%s)", [key])


def _drop(admin, name: str) -> None:
    admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _migrate_into(name: str) -> None:
    """Migrate database `name` as Django's test runner migrates a test database."""
    connection.close()
    connection.settings_dict["NAME"] = name
    try:
        call_command("migrate", verbosity=0, interactive=False, run_syncdb=True)
        call_command("createcachetable")
    finally:
        connection.close()


def _template(admin, prefix: str) -> str:
    name = prefix + migrations_hash()
    rows = admin.execute(
        "SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY oid",
        [prefix.replace("_", r"\_") + "%"],
    ).fetchall()
    have = [row[0] for row in rows if not row[0].endswith("_new")]
    if name in have:
        return name
    for old in have[: max(0, len(have) - KEEP + 1)]:
        _drop(admin, old)
    building = name + "_new"
    _drop(admin, building)
    admin.execute(f'CREATE DATABASE "{building}"')
    _migrate_into(building)
    admin.execute(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
    return name


def create(serialize: bool) -> str:
    """This worker's test database, copied from the template; returns the base name (for
    `destroy`). Serialized as Django's runner does when a test asks for serialized_rollback."""
    base = connection.settings_dict["NAME"]
    test_name = connection.creation._get_test_db_name()
    prefix = f"test_{base}"[:40] + "_tpl_"
    global _copied_from
    with _locked(prefix) as admin:
        template = _template(admin, prefix)
        _copied_from = (prefix, template)
        _drop(admin, test_name)
        admin.execute(f'CREATE DATABASE "{test_name}" TEMPLATE "{template}"')
        admin.execute(f'ALTER DATABASE "{test_name}" SET synchronous_commit = off')
    connection.close()
    from django.conf import settings

    settings.DATABASES[connection.alias]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    if serialize and _superuser():
        connection._test_serialized_contents = _snapshot()
        connection.creation.deserialize_db_from_string = _restore
    elif serialize:
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    connection.ensure_connection()
    return base


@contextmanager
def held():
    """The template this worker's database was copied from, its lock held meanwhile (no
    worker makes, copies or drops a template of this base then), for the tests that copy
    databases of their own from it (tests/bench/test_bench_smoke.py): None when the test
    database was made pytest-django's way."""
    if _copied_from is None:
        yield None
        return
    prefix, template = _copied_from
    with _locked(prefix):
        yield template


def _superuser() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = session_user")
        return bool(cursor.fetchone()[0])


def _snapshot() -> dict[str, bytes]:
    """serialized_rollback's copy of what the migrations left, as COPY's text of each table
    that has rows (the tables the flush empties): restoring it is one COPY a table, where
    Django's JSON is saved back one row at a time (about a thousand INSERTs, 1.2 s a test)."""
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    rows = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            with cursor.copy(f"COPY {connection.ops.quote_name(table)} TO STDOUT") as copy:
                text = b"".join(bytes(chunk) for chunk in copy)
            if text:
                rows[table] = text
    return rows


def _restore(rows: dict[str, bytes]) -> None:
    """The rows back, as the owner with the triggers off for this transaction. After a flush
    the tables are empty: one COPY each. A table that still has rows (the first such test
    after the ordinary ones) gets them as Django's save would: each row by its key, updated
    when there, inserted when not."""
    qn = connection.ops.quote_name
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SET LOCAL ROLE NONE")
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table, text in rows.items():
            cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {qn(table)})")
            if not cursor.fetchone()[0]:
                with cursor.copy(f"COPY {qn(table)} FROM STDIN") as copy:
                    copy.write(text)
                continue
            keys = connection.introspection.get_primary_key_columns(cursor, table)
            cursor.execute(f"CREATE TEMP TABLE restored (LIKE {qn(table)}) ON COMMIT DROP")
            with cursor.copy("COPY restored FROM STDIN") as copy:
                copy.write(text)
            cursor.execute("SELECT * FROM restored LIMIT 0")
            columns = [qn(column.name) for column in cursor.description]
            updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns)
            cursor.execute(
                f"INSERT INTO {qn(table)} SELECT * FROM restored "
                f"ON CONFLICT ({', '.join(map(qn, keys))}) DO UPDATE SET {updates}"
            )
            cursor.execute("DROP TABLE restored")


def destroy(base: str) -> None:
    connection.creation.destroy_test_db(base, verbosity=0)
