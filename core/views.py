import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render


def broker_status() -> str:
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
    except Exception:  # noqa: BLE001 - any failure means the database is not usable
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
