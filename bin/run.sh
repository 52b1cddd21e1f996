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
# Migrations as the tables' owner when MIGRATE_DATABASE_URL is set, then the app role's grants
# (bin/migrate.sh; README, Security and reliability).
PY="$PY" bin/migrate.sh
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
