#!/usr/bin/env bash
# Production: settings from the environment only (PATHWAY_PRODUCTION=1, DJANGO_SECRET_KEY,
# DJANGO_ALLOWED_HOSTS, DATABASE_URL; see the README's "Security and reliability"). Migrates
# and grants the app's role (as MIGRATE_DATABASE_URL's owner role when set: bin/migrate.sh),
# collects the static files, then serves with gunicorn on ${BIND:-127.0.0.1:8000}.
# With PROXY=nginx, nginx is started in front of it (deploy/nginx.conf, rendered into
# PROXY_DIR, a fresh temp folder unless given): HTTPS on PROXY_ADDRESS:PROXY_PORT (0.0.0.0:8443),
# plain HTTP on PROXY_HTTP_PORT (8080) redirecting to it; TLS_CERT and TLS_KEY name the
# certificate (without them, a self-signed one is made for this run only). Without PROXY, put
# another TLS-terminating proxy in front. Run the Celery worker and beat beside it:
#   celery -A config worker --concurrency=2   and   celery -A config beat
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
BIN=$(dirname "$PY")
BIND=${BIND:-127.0.0.1:8000}
export PATHWAY_PRODUCTION=1
if [ "${PROXY:-}" = nginx ]; then
  NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}  # /usr/sbin: not on a user's PATH
  [ -x "$NGINX" ] || { echo "PROXY=nginx: nginx is not installed (apt-get install -y nginx, or make proxy)" >&2; exit 1; }
  # The app is behind one proxy that appends the client to X-Forwarded-For and says the scheme.
  export TRUSTED_PROXY_COUNT=${TRUSTED_PROXY_COUNT:-1}
  export DJANGO_SECURE_PROXY_SSL_HEADER=${DJANGO_SECURE_PROXY_SSL_HEADER:-HTTP_X_FORWARDED_PROTO}
elif [ -n "${PROXY:-}" ]; then
  echo "PROXY=$PROXY: the one proxy this script starts is nginx (PROXY=nginx)" >&2; exit 1
fi
# Migrating, the deploy checks and collecting the static files need nothing of each other:
# side by side, each must succeed.
PY="$PY" bin/migrate.sh &
migrating=$!
"$PY" manage.py check --deploy --fail-level WARNING &
checking=$!
"$PY" manage.py collectstatic --noinput --verbosity 0 &
collecting=$!
wait "$migrating"
wait "$checking"
wait "$collecting"
# The access log names the path without its query string (%(U)s, not %(r)s): a search's words
# (an MRN, a name) never reach it.
gunicorn=("$BIN/gunicorn" config.wsgi:application
  --bind "$BIND" --workers "${WEB_WORKERS:-3}" --threads "${WEB_THREADS:-2}"
  --timeout 30 --graceful-timeout 20 --max-requests 2000 --max-requests-jitter 200
  --logger-class core.logging.AccessLog
  --access-logfile - --access-logformat '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'
  --forwarded-allow-ips "${FORWARDED_ALLOW_IPS:-127.0.0.1}" --no-control-socket)
[ "${PROXY:-}" = nginx ] || exec "${gunicorn[@]}"

# nginx in front: the config rendered for this run's ports and paths into PROXY_DIR (its pid
# file and temp folders too), nginx in the foreground beside gunicorn; either ending ends both.
made_dir=""
pids=()
stop() {
  trap - TERM INT EXIT
  kill "${pids[@]}" 2>/dev/null || true
  wait || true
  [ -z "$made_dir" ] || rm -rf "$made_dir"  # a self-signed key made for this run goes with it
}
trap 'stop; exit 0' TERM INT
trap stop EXIT
[ -n "${PROXY_DIR:-}" ] || made_dir=$(mktemp -d -t pathway-nginx.XXXXXX)
export PROXY_DIR=${PROXY_DIR:-$made_dir}
mkdir -p "$PROXY_DIR" && chmod 711 "$PROXY_DIR"
export PROXY_ADDRESS=${PROXY_ADDRESS:-0.0.0.0} PROXY_PORT=${PROXY_PORT:-8443}
export PROXY_HTTP_PORT=${PROXY_HTTP_PORT:-8080} UPSTREAM=$BIND
# The HSTS header nginx sends, from the settings' own variables (config/settings.py).
on() { case "$(echo "${1:-}" | tr '[:upper:]' '[:lower:]' | xargs)" in 1|true|yes|on) return 0 ;; esac; return 1; }
export HSTS="max-age=${DJANGO_HSTS_SECONDS:-31536000}"
if on "${DJANGO_HSTS_INCLUDE_SUBDOMAINS:-1}"; then HSTS="$HSTS; includeSubDomains"; fi
if on "${DJANGO_HSTS_PRELOAD:-1}"; then HSTS="$HSTS; preload"; fi
export BODY_MAX=${PROXY_BODY_MAX:-1m}  # = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
export HEADER_TIMEOUT=${PROXY_HEADER_TIMEOUT:-10s}  # the whole request header within this
export HTTPS_PORT_SUFFIX=":$PROXY_PORT"; [ "$PROXY_PORT" != 443 ] || HTTPS_PORT_SUFFIX=""
STATIC_ROOT=$(realpath -m "${STATIC_ROOT_DIR:-staticfiles}")  # as config/settings.py says
export STATIC_ROOT
# As root, nginx's workers run as PROXY_USER (www-data): it must read STATIC_ROOT.
export PROXY_USER_LINE=""; [ "$(id -u)" != 0 ] || PROXY_USER_LINE="user ${PROXY_USER:-www-data};"
if [ -z "${TLS_CERT:-}" ]; then
  echo "TLS_CERT and TLS_KEY unset: a self-signed certificate for this run only (browsers warn)" >&2
  export TLS_CERT="$PROXY_DIR/self-signed.crt" TLS_KEY="$PROXY_DIR/self-signed.key"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 30 \
    -subj "/CN=${TLS_NAME:-localhost}" -keyout "$TLS_KEY" -out "$TLS_CERT" 2>/dev/null
fi
: "${TLS_KEY:?TLS_CERT is set: set TLS_KEY too}"
names='$PROXY_DIR $PROXY_USER_LINE $PROXY_ADDRESS $PROXY_PORT $PROXY_HTTP_PORT $UPSTREAM
  $HSTS $BODY_MAX $HEADER_TIMEOUT $HTTPS_PORT_SUFFIX $STATIC_ROOT $TLS_CERT $TLS_KEY'
envsubst "$names" <deploy/nginx.conf >"$PROXY_DIR/nginx.conf"
"$NGINX" -q -t -p "$PROXY_DIR" -e stderr -c "$PROXY_DIR/nginx.conf"

"${gunicorn[@]}" &
pids+=($!)
# Through a pipe: nginx opens /dev/stdout afresh, and were it a file, its lines and gunicorn's
# would overwrite each other.
"$NGINX" -p "$PROXY_DIR" -e stderr -c "$PROXY_DIR/nginx.conf" > >(cat) 2>&1 &
pids+=($!)
echo "nginx on https://$PROXY_ADDRESS:$PROXY_PORT/ in front of gunicorn on $BIND (config in $PROXY_DIR)" >&2
wait -n
