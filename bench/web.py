"""p50/p95 of the pages and endpoints, and the peak memory of the process serving them.

Runs in a fresh process (the runner spawns one per size after the fill), so its peak resident
set is that of serving the requests, not of filling the database.
"""

from __future__ import annotations

import resource
import time

# (label, role, url, group): the group picks the goal (dashboards have the looser one).
PAGES = [
    ("worklist /episodes/", "coordinator", "/episodes/", "page"),
    ("episode page /episodes/<id>/", "coordinator", "/episodes/{episode}/", "page"),
    ("GET /api/episodes/<id>/", "coordinator", "/api/episodes/{episode}/", "page"),
    ("inbox /inbox/", "nurse", "/inbox/", "page"),
    ("GET /api/alerts/", "nurse", "/api/alerts/", "page"),
    ("GET /api/dashboard/", "admin", "/api/dashboard/", "dashboard"),
    ("dashboard /dashboard/", "admin", "/dashboard/", "dashboard"),
]
OUTCOMES = [
    ("GET /api/dashboard/outcomes/", "/api/dashboard/outcomes/"),
    ("outcomes /dashboard/outcomes/", "/dashboard/outcomes/"),
]


def _forget() -> None:
    """What a change of the facts does to the outcomes figures: nothing kept."""
    from django.core.cache import cache

    cache.clear()  # the figures and the drawn charts


def timed(client, url: str, requests: int, cold: bool = False) -> dict:
    """Milliseconds of `requests` GETs after a warm-up of 3."""
    from bench.common import percentile

    for _ in range(3):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(requests):
        if cold:
            _forget()
        start = time.perf_counter()
        response = client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return {
        "p50": percentile(samples, 50),
        "p95": percentile(samples, 95),
        "bytes": len(response.content),
    }


def peak_rss_mb() -> float:
    """The process's resident set peak (VmHWM; ru_maxrss is the same figure, in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(url: str, requests: int) -> dict:
    """Every page and endpoint; the outcomes ones cold and warm. Sets Django up on `url`."""
    from bench.common import setup, signed_in

    setup(url)
    from django.contrib.auth import get_user_model

    from bench.fill import targets

    where = targets()
    clients = {}
    for role in ("coordinator", "nurse", "admin"):
        clients[role] = signed_in(get_user_model().objects.get(username=f"bench-{role}"))
    started_mb = peak_rss_mb()
    rows = []
    for label, role, path, group in PAGES:
        rows.append((label, group, timed(clients[role], path.format(**where), requests)))
    for cold in (True, False):
        for label, path in OUTCOMES:
            name = f"{label} ({'cold' if cold else 'warm'})"
            rows.append((name, "dashboard", timed(clients["admin"], path, requests, cold)))
    return {"rows": rows, "rss_start_mb": started_mb, "rss_peak_mb": peak_rss_mb()}
