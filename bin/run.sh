#!/usr/bin/env bash
# The main job: migrate, load the demo cohort and users, then serve the app on
# http://127.0.0.1:${PORT:-8000} with its Celery worker and beat. SQLite unless DATABASE_URL
# is set. If Redis does not answer, say so and serve anyway: reminders wait in the database.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
BIN=$(dirname "$PY")
PORT=${PORT:-8000}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/0}
mkdir -p run

echo "Database: ${DATABASE_URL:-SQLite (db.sqlite3); set DATABASE_URL for PostgreSQL}"
# Database roles: with MIGRATE_DATABASE_URL (the tables' owner) set, migrations and the app
# role's grants run as the owner, and everything else as DATABASE_URL's role, which owns
# nothing (`manage.py db_roles`; README, Security and reliability).
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
"$PY" manage.py load_demo

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

if "$PY" -c "import os, redis; redis.Redis.from_url(os.environ['REDIS_URL'], socket_connect_timeout=1).ping()" 2>/dev/null; then
  "$BIN/celery" -A config worker --loglevel=INFO --concurrency=2 >run/worker.log 2>&1 &
  pids+=($!)
  "$BIN/celery" -A config beat --loglevel=INFO --schedule=run/celerybeat-schedule >run/beat.log 2>&1 &
  pids+=($!)
  echo "Celery worker and beat started (logs in run/worker.log and run/beat.log)."
else
  echo "Redis does not answer at $REDIS_URL: serving WITHOUT the Celery worker and beat."
  echo "Start Redis and run 'make run' again; nothing owed is lost meanwhile."
fi

echo "Serving on http://127.0.0.1:$PORT/ (sign in at /accounts/login/; API at /api/, schema at /api/schema/, admin at /admin/)"
"$PY" manage.py runserver "127.0.0.1:$PORT" --noreload
