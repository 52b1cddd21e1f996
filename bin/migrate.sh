#!/usr/bin/env bash
# Migrate, then (re)grant the app's database role what the tables of the day need. With
# MIGRATE_DATABASE_URL (the tables' owner) set, migrations and the grants run as the owner, and
# everything else runs as DATABASE_URL's role, which owns nothing (`manage.py db_roles`,
# core/db_roles.py; README, Security and reliability). Without it, DATABASE_URL migrates.
# Used by bin/run.sh and bin/serve-production.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
if [ -n "${MIGRATE_DATABASE_URL:-}" ]; then
  : "${DATABASE_URL:?MIGRATE_DATABASE_URL is the owner's; set DATABASE_URL too, the app's role}"
  APP_ROLE=$("$PY" -c 'import os, dj_database_url; print(dj_database_url.parse(os.environ["DATABASE_URL"])["USER"])')
  export PATHWAY_APP_PASSWORD
  PATHWAY_APP_PASSWORD=$("$PY" -c 'import os, dj_database_url; print(dj_database_url.parse(os.environ["DATABASE_URL"])["PASSWORD"] or "")')
  DATABASE_URL="$MIGRATE_DATABASE_URL" "$PY" manage.py migrate --noinput
  DATABASE_URL="$MIGRATE_DATABASE_URL" "$PY" manage.py db_roles --app-role "$APP_ROLE" \
    ${PATHWAY_APP_PASSWORD:+--password-env PATHWAY_APP_PASSWORD}
  unset PATHWAY_APP_PASSWORD
else
  "$PY" manage.py migrate --noinput
fi
