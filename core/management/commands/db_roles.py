"""Make (or bring up to date) the role the app connects as. Run as the tables' owner, after
each `migrate`:

    DATABASE_URL=$MIGRATE_DATABASE_URL manage.py db_roles --app-role pathway_app

The password, when the role needs one, is read from the environment variable named by
--password-env, never from the command line (which `ps` shows)."""

import os

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from core.db_roles import RoleRefused, app_role_grant


class Command(BaseCommand):
    help = "Create or update the app's database role: row access only, owns nothing."

    def add_arguments(self, parser):
        parser.add_argument("--app-role", required=True, help="name of the app's role")
        parser.add_argument("--password-env", help="environment variable holding its password")

    def handle(self, *args, app_role, password_env=None, **options):
        password = None
        if password_env:
            password = os.environ.get(password_env)
            if not password:
                raise CommandError(f"{password_env} is not set.")
        try:
            with transaction.atomic():
                granted = app_role_grant(role=app_role, password=password)
        except RoleRefused as refused:
            raise CommandError(str(refused)) from None
        self.stdout.write(
            f"{'Created' if granted.created else 'Updated'} role {granted.role}: rows of "
            f"{granted.tables} tables, {granted.append_only} of them append-only "
            f"(insert and read only), {granted.deletable} operational (rows may be deleted), "
            "none other deletable; owns nothing."
        )
        if granted.unclassified:  # core/db_roles.py lists each table's kind
            self.stderr.write(
                "Tables of no kind in core/db_roles.py, granted as clinical (no DELETE): "
                + ", ".join(granted.unclassified)
            )
