#!/usr/bin/env bash
# Production: settings from the environment only (PATHWAY_PRODUCTION=1, DJANGO_SECRET_KEY,
# DJANGO_ALLOWED_HOSTS, DATABASE_URL; see the README's "Security and reliability"). Migrates
# (as MIGRATE_DATABASE_URL's owner role when set), collects the static files, then serves with
# gunicorn on ${BIND:-127.0.0.1:8000} behind a TLS-terminating proxy. Run the Celery worker and
# beat beside it:
#   celery -A config worker --concurrency=2   and   celery -A config beat
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
BIN=$(dirname "$PY")
export PATHWAY_PRODUCTION=1
DATABASE_URL="${MIGRATE_DATABASE_URL:-$DATABASE_URL}" "$PY" manage.py migrate --noinput
"$PY" manage.py check --deploy --fail-level WARNING
"$PY" manage.py collectstatic --noinput --verbosity 0
# The access log names the path without its query string (%(U)s, not %(r)s): a search's words
# (an MRN, a name) never reach it.
exec "$BIN/gunicorn" config.wsgi:application \
  --bind "${BIND:-127.0.0.1:8000}" --workers "${WEB_WORKERS:-3}" --threads "${WEB_THREADS:-2}" \
  --timeout 30 --graceful-timeout 20 --max-requests 2000 --max-requests-jitter 200 \
  --logger-class core.logging.AccessLog \
  --access-logfile - --access-logformat '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms' \
  --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}"
