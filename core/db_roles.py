"""The database role the app connects as (PostgreSQL): it reads and writes rows, and nothing
more. It owns no table, so it cannot TRUNCATE, DROP or ALTER one (nor disable its triggers); it
is no superuser, so it cannot set session_replication_role (which would skip every trigger).
Every table is one of five kinds (the lists below; tests/core/test_db_roles_clinical.py fails on a
table of none):

- append-only: the move history, its re-interventions, every record's revisions, the access
  log and the acknowledgements: SELECT and INSERT only;
- clinical: corrected, never deleted: SELECT, INSERT and UPDATE, no DELETE;
- operational, deleted: failed sign-ins, tokens, sessions, saved answers, calendar feeds,
  emails owed, the derived outcome rows: the app deletes these, so DELETE too;
- operational, kept: accounts, roles, settings, schedule rules, export jobs: no DELETE;
- read-only: django_migrations (the app checks which ran; it applies none).

A table of no kind is treated as clinical (no DELETE). Migrations run as the tables' owner
(MIGRATE_DATABASE_URL in bin/run.sh), which then runs `manage.py db_roles` to (re)grant this
role what the tables of the day need.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db import connection
from psycopg import sql
from simple_history.models import HistoricalChanges

SCHEMA = "public"
READ_ONLY = ("django_migrations",)  # the app checks which migrations ran; it applies none
ROW_WRITES = "SELECT, INSERT, UPDATE"  # and DELETE on the operational tables alone
APPEND_ONLY_MODELS = (
    ("pathway", "Transition"),
    ("pathway", "Reintervention"),  # why a re-intervention was made, written with its move
    ("patients", "PatientAccess"),
    ("tasks", "AlertAcknowledgement"),  # who acknowledged an alert, who took it back
)
# Clinical rows are corrected, never deleted (a correction writes a revision; a follow-up is
# cancelled, not deleted; a note written again supersedes its stents, `Stent.superseded_at`).
CLINICAL_MODELS = (
    ("patients", "Patient"),
    ("pathway", "Episode"),
    ("pathway", "SelectionAssessment"),
    ("pathway", "MdtDecision"),
    ("pathway", "ImagingStudy"),
    ("pathway", "PreProcedureAnticoagulation"),
    ("pathway", "ProcedureNote"),
    ("pathway", "Stent"),
    ("pathway", "StentSegment"),
    ("pathway", "DischargePlan"),
    ("pathway", "Complication"),
    ("pathway", "PostOpCheck"),
    ("pathway", "AnticoagulationCourse"),
    ("pathway", "Measurement"),
    ("tasks", "FollowUp"),
    ("tasks", "Visit"),
    ("tasks", "DuplexSegmentResult"),
    ("tasks", "Alert"),
)
# Operational rows the app deletes today, and why each may go (DELETE granted):
OPERATIONAL_TABLES = (
    "auth_user_groups",  # a user's role changed (core/services.py)
    "auth_user_user_permissions",
    "axes_accessattempt",  # failed sign-ins, cleared by a success or an admin's unlock
    "axes_accessattemptexpiration",
    "axes_accessfailurelog",
    "axes_accesslog",
    "core_apitoken",  # sign-out, password change, the nightly purge (core/tokens.py, jobs.py)
    "core_websession",  # the same (core/tokens.py)
    "django_session",
    "core_savedanswer",  # idempotency keys' saved answers, kept a day (core/idempotency.py)
    "outcomes_episodeoutcome",  # derived from the records, rebuilt (outcomes/services/rows.py)
    "outcomes_episodeshare",  # derived: an episode's shares, replaced (outcomes/services/counts.py)
    "outcomes_episodeoutcomecount",  # derived: the sums of the shares, rebuilt (the same)
    "outcomes_staycount",
    "otp_static_statictoken",  # a recovery code, used once or replaced (core/second_factor)
    "otp_static_staticdevice",  # a second factor reset by an admin (a lost phone)
    "otp_totp_totpdevice",
    "tasks_calendarfeed",  # a nurse's calendar feed secret, revoked (tasks/services/feeds.py)
    "tasks_delivery",  # emails owed; an unsent digest about a resolved alert goes (alerts.py)
)
# Operational rows the app never deletes (no DELETE): accounts are deactivated, settings and
# schedule rules changed (the admin offers no delete), an export job is cancelled or expires
# and only its files go (fhir/jobs.py).
OPERATIONAL_KEPT_TABLES = (
    "auth_user",
    "auth_group",
    "auth_permission",
    "auth_group_permissions",
    "core_secondfactorreset",  # who reset whose second factor, when
    "core_signinsettings",
    "django_admin_log",
    "django_content_type",
    "fhir_exportjob",
    "tasks_schedulerule",
    "tasks_unitsettings",
)


class RoleRefused(Exception):
    """The role cannot be made the app's role as it stands (the message says why)."""


def append_only_tables() -> list[str]:
    """The tables whose rows are never changed nor removed: the move history, every record's
    revisions (django-simple-history's historical tables) and who read which patient."""
    tables = {apps.get_model(*name)._meta.db_table for name in APPEND_ONLY_MODELS}
    tables |= {m._meta.db_table for m in apps.get_models() if issubclass(m, HistoricalChanges)}
    return sorted(tables)


def clinical_tables() -> list[str]:
    """The tables whose rows are corrected, never deleted."""
    return sorted(apps.get_model(*name)._meta.db_table for name in CLINICAL_MODELS)


@dataclass(frozen=True)
class Granted:
    role: str
    created: bool
    tables: int
    append_only: int
    deletable: int
    unclassified: tuple[str, ...] = ()  # tables of no kind: granted as clinical (no DELETE)


def _run(cursor, statement, *args) -> None:
    composed = sql.SQL(statement).format(*args) if args else sql.SQL(statement)
    cursor.execute(composed.as_string(cursor.connection))


def _attributes_wrong(cursor, role: str) -> list[str]:
    cursor.execute(
        "SELECT rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls, rolcanlogin "
        "FROM pg_roles WHERE rolname = %s",
        [role],
    )
    row = cursor.fetchone()
    flags = ("superuser", "createrole", "createdb", "replication", "bypassrls")
    found = [f"it has {flag}" for flag, on in zip(flags, row[:5], strict=True) if on]
    if not row[5]:
        found.append("it cannot log in")
    return found


def _refusals(cursor, role: str) -> list[str]:
    found = _attributes_wrong(cursor, role)
    cursor.execute(
        "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner "
        "WHERE r.rolname = %s",
        [role],
    )
    if owned := cursor.fetchone()[0]:
        found.append(f"it owns {owned} relations (REASSIGN OWNED BY it TO the owner first)")
    cursor.execute(
        "SELECT string_agg(g.rolname, ', ') FROM pg_auth_members m "
        "JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles r ON r.oid = m.member "
        "WHERE r.rolname = %s",
        [role],
    )
    if groups := cursor.fetchone()[0]:
        found.append(f"it is a member of {groups} and would hold their rights")
    cursor.execute("SELECT has_schema_privilege(%s, %s, 'CREATE')", [role, SCHEMA])
    if cursor.fetchone()[0]:
        found.append(f"it may create tables in schema {SCHEMA} (REVOKE CREATE ... FROM PUBLIC)")
    return found


def app_role_grant(*, role: str, password: str | None = None) -> Granted:
    """Create or update `role` as the app's role and grant it row access to every table of
    the schema as it stands, and to the tables the current user (the owner) creates later.
    Run as the tables' owner, again after each migration. Refuses a role that would keep more
    rights than these (RoleRefused), and refuses to act as the role itself."""
    if connection.vendor != "postgresql":
        raise RoleRefused("Database roles are PostgreSQL's; this database is not.")
    ident = sql.Identifier(role)
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_database()")
        owner, database = cursor.fetchone()
        if owner == role:
            raise RoleRefused("Run this as the tables' owner, not as the app's role.")
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        created = cursor.fetchone() is None
        attributes = "LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB NOREPLICATION NOBYPASSRLS"
        if created:
            _run(cursor, "CREATE ROLE {} " + attributes, ident)
        elif _attributes_wrong(cursor, role):  # needs CREATEROLE (or a superuser)
            _run(cursor, "ALTER ROLE {} " + attributes, ident)
        if password is not None:
            _run(cursor, "ALTER ROLE {} PASSWORD {}", ident, sql.Literal(password))
        if refusals := _refusals(cursor, role):
            raise RoleRefused(f"Role {role} cannot be the app's role: " + "; ".join(refusals))
        tables = _tables(cursor)
        append_only = [t for t in append_only_tables() if t in tables]
        deletable = [t for t in OPERATIONAL_TABLES if t in tables]
        schema = sql.Identifier(SCHEMA)
        _run(cursor, "GRANT CONNECT ON DATABASE {} TO {}", sql.Identifier(database), ident)
        _run(cursor, "GRANT USAGE ON SCHEMA {} TO {}", schema, ident)
        # From nothing each time: a right granted by hand earlier (TRUNCATE, TRIGGER) goes.
        _run(cursor, "REVOKE ALL ON ALL TABLES IN SCHEMA {} FROM {}", schema, ident)
        _run(cursor, "REVOKE ALL ON ALL SEQUENCES IN SCHEMA {} FROM {}", schema, ident)
        _run(cursor, f"GRANT {ROW_WRITES} ON ALL TABLES IN SCHEMA {{}} TO {{}}", schema, ident)
        _run(cursor, "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {} TO {}", schema, ident)
        for table in deletable:
            _run(cursor, "GRANT DELETE ON {} TO {}", sql.Identifier(table), ident)
        for table in [*append_only, *(t for t in READ_ONLY if t in tables)]:
            _run(cursor, "REVOKE UPDATE ON {} FROM {}", sql.Identifier(table), ident)
        for table in [t for t in READ_ONLY if t in tables]:
            _run(cursor, "REVOKE INSERT ON {} FROM {}", sql.Identifier(table), ident)
        # Tables a later migration creates are readable and writable at once, never deletable;
        # run this again after it so that a new revision table loses UPDATE (and an
        # operational one gains DELETE).
        _run(  # an earlier version granted DELETE on every new table
            cursor,
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {} REVOKE DELETE ON TABLES FROM {}",
            schema,
            ident,
        )
        _run(
            cursor,
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {{}} GRANT {ROW_WRITES} ON TABLES TO {{}}",
            schema,
            ident,
        )
        _run(
            cursor,
            "ALTER DEFAULT PRIVILEGES IN SCHEMA {} GRANT USAGE, SELECT ON SEQUENCES TO {}",
            schema,
            ident,
        )
    known = {*append_only_tables(), *clinical_tables(), *OPERATIONAL_TABLES, *READ_ONLY}
    known |= set(OPERATIONAL_KEPT_TABLES)
    return Granted(
        role=role,
        created=created,
        tables=len(tables),
        append_only=len(append_only),
        deletable=len(deletable),
        unclassified=tuple(sorted(tables - known)),
    )


def _tables(cursor) -> set[str]:
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [SCHEMA])
    return {name for (name,) in cursor.fetchall()}
