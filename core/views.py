import time
from functools import lru_cache, wraps

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render, resolve_url
from django.templatetags.static import static
from django.views.decorators.http import require_http_methods

from core.middleware import IDLE_FOR, idle_stamp


def broker_status() -> str:
    import redis  # here, not at every process's start: only /healthz/ asks

    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=0.5, socket_timeout=0.5
        )
        client.ping()
        return "ok"
    except redis.RedisError:
        return "down"


def healthz(request):
    """Liveness for load balancers: 503 only if the database is down; the broker is reported."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = "ok"
    except Exception:
        database = "down"
    status = 200 if database == "ok" else 503
    return JsonResponse({"database": database, "broker": broker_status()}, status=status)


def home(request):
    """Each role's own page: coordinators their worklist, nurses their inbox, admins the
    dashboard (contract: Web pages)."""
    from django.shortcuts import redirect

    from core import roles
    from core.web import HOME

    if not request.user.is_authenticated:
        return redirect("login")
    role = roles.role_of(request.user)
    if role is None:
        return render(request, "core/error.html", NO_ROLE, status=403)
    return redirect(HOME[role])


NO_ROLE = {
    "title": "No role yet",
    "detail": "Your account has no role in the pathway yet. Ask an admin to give you one.",
}


def favicon(request):
    """/favicon.ico, asked for by browsers on pages that name no icon (the admin, the API's
    browsable pages): the app's icon, so no page logs a 404."""
    response = redirect(static("core/favicon.svg"))
    response["Cache-Control"] = "max-age=86400"
    return response


NOT_SIGNED_IN = "Authentication credentials were not provided."


def _wants_html(request) -> bool:
    accept = request.headers.get("Accept", "")
    return "text/html" in accept or "application/xhtml+xml" in accept


def docs_sign_in_first(view):
    """The API docs for a stranger: a browser gets a page in words with a sign-in link (still a
    401, as the contract says), an API client the API's own 401 (contract: no endpoint but the
    token endpoint and /healthz answers anonymously), in JSON whatever it accepts. Anyone
    signed in, or sending a token, is answered by the docs' view itself."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        anonymous = not request.user.is_authenticated and "Authorization" not in request.headers
        if not anonymous:
            return view(request, *args, **kwargs)
        if _wants_html(request):
            response = render(
                request, "core/docs_sign_in.html", {"next": request.get_full_path()}, status=401
            )
        else:  # what the API answers a client without credentials, whatever it accepts
            response = JsonResponse({"detail": NOT_SIGNED_IN}, status=401)
        response["WWW-Authenticate"] = "Token"
        return response

    return wrapper


# Redoc's sidebar always shows Redocly's logo from its CDN, which the Content Security Policy
# refuses (img-src: the app and data: only): served with a blank image in its place, the bundle
# fetches nothing from elsewhere (its fonts are the system's: settings.REDOC_UI_SETTINGS).
REDOC_BUNDLE = "drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js"
REDOCLY_LOGO = "https://cdn.redoc.ly/redoc/logo-mini.svg"
BLANK_IMAGE = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg'/%3E"


@lru_cache(maxsize=1)
def redoc_bundle_text() -> bytes:
    path = finders.find(REDOC_BUNDLE)
    assert isinstance(path, str), REDOC_BUNDLE  # shipped by drf-spectacular-sidecar
    with open(path, encoding="utf-8") as bundle:
        return bundle.read().replace(REDOCLY_LOGO, BLANK_IMAGE).encode()


def redoc_bundle(request):
    """Redoc's script (drf-spectacular-sidecar's copy) fetching nothing from elsewhere."""
    response = HttpResponse(redoc_bundle_text(), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


@require_http_methods(["GET", "POST"])
def keep_alive(request):
    """The idle warning's endpoint (core/static/core/app.js): a GET says how many seconds the
    web sign-in has left without counting as activity (another tab may have been used); a POST
    ("Stay signed in") counts as activity. Signed out (idle, or elsewhere): 401."""
    if not request.user.is_authenticated:
        return JsonResponse({"signed_in": False, "login": resolve_url("login")}, status=401)
    if request.method == "POST":
        idle_stamp(request, now=int(time.time()))
        request.idle_left = request.session[IDLE_FOR] or None
    return JsonResponse({"signed_in": True, "idle_seconds_left": request.idle_left})
