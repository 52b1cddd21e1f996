"""Settings read from the environment. SQLite by default; PostgreSQL when DATABASE_URL is set."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from whitenoise.compress import Compressor

from config.secrets import DEV_KEY, secret_key_problem

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


PRODUCTION = env_bool("PATHWAY_PRODUCTION")
# Off unless asked for: Django's debug page shows the process environment, database URL
# included, to whoever triggers an error.
DEBUG = env_bool("DJANGO_DEBUG")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DJANGO_DEBUG cannot be on in production (PATHWAY_PRODUCTION).")
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if PRODUCTION:
    if problem := secret_key_problem(SECRET_KEY):
        raise ImproperlyConfigured(problem)
elif not SECRET_KEY:
    SECRET_KEY = DEV_KEY
ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h] or (
    [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("DJANGO_ALLOWED_HOSTS must name the hosts served in production.")
if PRODUCTION and not os.environ.get("DATABASE_URL"):
    raise ImproperlyConfigured("DATABASE_URL must be set in production (PostgreSQL).")
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

SIMPLE_HISTORY_REVERT_DISABLED = True  # revisions are read, never restored over a record

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "rest_framework",
    "knox",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and Redoc served by the app, no CDN
    "django_htmx",
    "axes",
    "django_otp",  # two-step sign-in (core/second_factor/): codes from an authenticator app
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # recovery codes, each good once
    "simple_history",
    "core",
    "patients",
    "pathway",
    "tasks",
    "outcomes",
    "fhir",  # above pathway and tasks: the FHIR R4 facade at /fhir/
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files from the app, in every mode
    "core.middleware.NoStore",  # every other answer: Cache-Control: no-store (patient data)
    "csp.middleware.CSPMiddleware",
    "core.uploads.RefuseFiles",  # no page or endpoint takes a file: refused before it is read
    "core.one_transaction.OneTransaction",  # all below is one transaction; a 503 saved nothing
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "core.second_factor.middleware.VerifiedBySession",  # django-otp's: user.is_verified()
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.IdleSignOut",  # a web sign-in idle past SignInSettings.idle_minutes ends
    "core.second_factor.middleware.SecondStep",  # no page before the code, for those who need it
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.FormRepeats",  # a form sent twice is answered with its first answer
    "core.web.WordedRefusals",  # a page's refusal without a body gets one in words
    "core.web.NulFreeQueries",  # a page's query with a NUL byte: a 400 in words
    "core.web.DomainErrorPages",  # a refused action on a page answers with a page, not a 500
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out sign-in
]

# Failed sign-ins are throttled (django-axes) on the sign-in page and the token endpoint alike:
# after AXES_FAILURE_LIMIT failures for one username from one address, that pair is locked out
# for the cool-off period (an admin may unlock it on /users/). The address is the client's:
# behind TRUSTED_PROXY_COUNT proxies that append to X-Forwarded-For (nginx's
# $proxy_add_x_forwarded_for), the entry that many from the right (core/signin.py); with 0,
# REMOTE_ADDR, and the header is ignored. Without it, every client behind the proxy would share
# its address, and five wrong passwords from anyone would lock the username out for everyone.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.signin.locked_out"  # a 429 page in words
AXES_VERBOSE = False
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
AXES_CLIENT_IP_CALLABLE = "core.signin.client_address"
# Two-step sign-in (core/second_factor/, docs/security.md): a wrong code counts as a failed
# sign-in towards the same lockout, and is never written into axes' records.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "code", "otp"]  # axes' two, and codes
OTP_TOTP_ISSUER = "Ilio-caval pathway"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.web.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Connections kept for a minute: opening one costs 5-6 ms of every request.
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The first-run SQLite file is shared by the server, the worker and beat: wait for locks
    # and take the write lock up front rather than failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE"}
    )
elif DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # PostgreSQL's JIT compiles a plan for milliseconds of work: on the worklist it took half
    # the query's time (bench/pages.py). Pages and moves are short queries: no JIT.
    # random_page_cost 1.1 (the default 4 is for spinning disks): with it the planner reads the
    # search's trigram indexes instead of scanning every patient (bench/search.py: 4 x faster).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", "-c jit=off -c random_page_cost=1.1"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "core.passwords.FoldedUserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Bodies of web forms and the API: Django answers a larger one with a 400.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 500
# No page or endpoint takes a file (core/uploads.py): the one upload handler refuses a file part
# at its headers, so no file is held in memory or spooled to disk.
FILE_UPLOAD_HANDLERS = ["core.uploads.NoFiles"]
FILE_UPLOAD_MAX_MEMORY_SIZE = 0

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.environ.get("PATHWAY_TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = os.environ.get("STATIC_ROOT_DIR") or BASE_DIR / "staticfiles"
# Production serves collected, hashed files (far-future cache headers); elsewhere whitenoise
# reads them from the apps, so `make run` needs no collectstatic.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = WHITENOISE_AUTOREFRESH = not PRODUCTION
# Source maps are fetched by browsers' developer tools alone: gzipping them (half of the 14 MB
# collected, twice with the hashed copies) was half of collectstatic's time at each deploy.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (*Compressor.SKIP_COMPRESS_EXTENSIONS, "map")

# Content-Security-Policy (django-csp), in every mode so the browser tests meet it: scripts only
# from the app. Styles may be inline: the outcome charts are matplotlib SVGs embedded in the
# page, which style their elements with attributes. The API docs' views widen it for Swagger
# UI and Redoc (config/urls.py).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = REDIS_URL
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # a killed worker's task is delivered again
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# An unacknowledged task (its worker died) is delivered again after this many seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
}
# Every periodic job, and only here. Follow-ups due in months are rows in the database, found
# by the sweep every minute; nothing long waits in the broker. Daily, in the unit's time zone
# (CELERY_TIMEZONE): the top-up of the follow-ups of episodes in surveillance (pathway.md
# section 4) at 02:30; the purge of expired API tokens and sessions, and of the answers kept
# for repeats (core/idempotency.py), at 03:15.
CELERY_BEAT_SCHEDULE = {
    "sweep-follow-ups": {"task": "tasks.jobs.sweep_followups", "schedule": 60.0},
    "send-digests": {"task": "tasks.jobs.send_digests", "schedule": 15 * 60.0},
    "top-up-follow-ups": {
        "task": "tasks.jobs.top_up_followups",
        "schedule": crontab(hour=2, minute=30),
    },
    "purge-expired-credentials": {
        "task": "core.jobs.purge_expired_credentials",
        "schedule": crontab(hour=3, minute=15),
    },
    # FHIR bulk exports: expired files deleted, stalled jobs enqueued again (fhir/jobs.py).
    "sweep-fhir-exports": {"task": "fhir.jobs.sweep_bulk_exports", "schedule": 10 * 60.0},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",  # documents each GET's `query`
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    # JSON in, as the contract says, and only JSON: bounded in size and depth
    # (core/parsers.py), a 400 in words, never a 500; any other body is a 415 (core/uploads.py).
    "DEFAULT_PARSER_CLASSES": ["core.parsers.LimitedJSONParser"],
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}

# API tokens (django-rest-knox, core/tokens.py): hashed, one per sign-in, ending after a shift
# (API_TOKEN_HOURS), on sign-out and when the password changes.
KNOX_TOKEN_MODEL = "core.ApiToken"
REST_KNOX = {
    "TOKEN_MODEL": "core.ApiToken",
    "TOKEN_TTL": timedelta(hours=float(os.environ.get("API_TOKEN_HOURS", "10"))),
    "AUTH_HEADER_PREFIX": "Token",  # the contract's `Authorization: Token <token>`
    "TOKEN_LIMIT_PER_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Ilio-caval thrombectomy pathway API",
    "DESCRIPTION": "Perioperative care pathway for ilio-caval thrombectomy with venous stenting.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # The system's fonts: the policy (CONTENT_SECURITY_POLICY) loads no font from elsewhere.
    "REDOC_UI_SETTINGS": {
        "theme": {
            "typography": {
                "fontFamily": "system-ui, -apple-system, 'Segoe UI', sans-serif",
                "headings": {"fontFamily": "system-ui, -apple-system, 'Segoe UI', sans-serif"},
            }
        }
    },
    # The contract: no endpoint but the token endpoint and /healthz answers anonymously.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.error_statuses",  # the 400/401/403/404/409 every operation can answer
    ],
    "ENUM_NAME_OVERRIDES": {
        "SegmentEnum": "pathway.codes.Segment",
        "AgentEnum": "pathway.codes.PreOpAgent",  # before the procedure
        "CourseAgentEnum": "pathway.codes.CourseAgent",  # an anticoagulation course
        "StateEnum": "pathway.codes.State",
        "ComplicationKindEnum": "pathway.codes.ComplicationKind",
        "FollowUpKindEnum": "tasks.models.Kind",
        "VisitKindEnum": "tasks.models.Visit.Kind",
        "AlertKindEnum": "tasks.models.Alert.Kind",
        "AlertGradeEnum": "tasks.models.Alert.Grade",
    },
}

EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = os.environ.get("DJANGO_EMAIL_FILE_PATH", str(BASE_DIR / "run" / "mail"))
DEFAULT_FROM_EMAIL = os.environ.get("DJANGO_DEFAULT_FROM_EMAIL", "pathway@localhost")
# Where the app is reached from outside: alert emails link to the episode page under it.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# FHIR (fhir/): the URL our local code systems and extensions live under, and the unit's MRN
# identifier system (what a hospital's systems send as Patient.identifier.system).
FHIR_SYSTEM_BASE = os.environ.get(
    "FHIR_SYSTEM_BASE", "https://ilio-caval-pathway.example.org/fhir"
).rstrip("/")
FHIR_MRN_SYSTEM = os.environ.get("FHIR_MRN_SYSTEM", f"{FHIR_SYSTEM_BASE}/sid/mrn")
# Where bulk exports write their ndjson files (each job a folder; deleted when they expire).
FHIR_EXPORT_DIR = os.environ.get("FHIR_EXPORT_DIR") or str(BASE_DIR / "run" / "fhir-export")

# Patient data never goes to logs: log only ids and rule names, at WARNING by default.
# Request lines lose their query strings (a search's MRN or name): core/logging.py.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"no_query_strings": {"()": "core.logging.QueryStringsRemoved"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["no_query_strings"]},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {
        # SQL is never logged, whatever LOG_LEVEL says: its parameters are patients' details.
        "django.db.backends": {"level": "INFO"},
        "django.server": {
            "handlers": ["console"],
            "level": "INFO",
            "propagate": False,
            "filters": ["no_query_strings"],
        },
    },
}

if PRODUCTION:
    # Behind a TLS-terminating proxy, name the header it sets, e.g. HTTP_X_FORWARDED_PROTO.
    if proxy_header := os.environ.get("DJANGO_SECURE_PROXY_SSL_HEADER"):
        SECURE_PROXY_SSL_HEADER = (proxy_header, "https")
    SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env_bool("DJANGO_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
# Web sessions in the database, each row naming its user (core/sessions.py), so "sign out
# everywhere" (POST /api/auth/logout-all/) ends them with the user's API tokens.
SESSION_ENGINE = "core.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_SECONDS", str(12 * 3600)))  # a shift
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
