"""Production mode: settings from the environment, refused when weak, `check --deploy` clean,
and gunicorn serving the app and its static files with the security headers."""

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
STRONG = secrets.token_urlsafe(60)


def production_env(**changes) -> dict:
    db = connection.settings_dict
    env = {
        **os.environ,
        "PATHWAY_PRODUCTION": "1",
        "DJANGO_SECRET_KEY": STRONG,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,pathway.example",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "DJANGO_DEBUG": "0",
        "DJANGO_ALLOW_ASYNC_UNSAFE": None,  # the browser tests set it; deploy refuses it
    }
    env.update(changes)
    return {k: v for k, v in env.items() if v is not None}


def manage(*args, env) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_in_production_mode(db):
    done = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env())
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    "key, why",
    [
        (None, "must be set"),
        ("short-but-not-empty", "at least 50 characters"),
        ("a" * 60, "different characters"),
        ("dev-only-insecure-key-do-not-use-in-production", "development key"),
        ("django-insecure-" + "x1y2z3" * 10, "development key"),
    ],
)
def test_production_refuses_to_start_with_a_weak_secret_key(key, why):
    done = manage("check", env=production_env(DJANGO_SECRET_KEY=key))

    assert done.returncode != 0
    assert why in done.stderr
    if key:
        assert key not in done.stderr  # the key itself is never printed


def test_production_refuses_debug_and_missing_hosts_or_database():
    for changes, why in [
        ({"DJANGO_DEBUG": "1"}, "DJANGO_DEBUG cannot be on"),
        ({"DJANGO_ALLOWED_HOSTS": None}, "DJANGO_ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL must be set"),
    ]:
        done = manage("check", env=production_env(**changes))
        assert done.returncode != 0 and why in done.stderr


def test_every_page_carries_a_content_security_policy_that_allows_no_inline_script(client):
    policy = client.get("/accounts/login/")["Content-Security-Policy"]

    assert (
        "script-src 'self'" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url: str, **headers):
    request = urllib.request.Request(url, headers={"Host": "pathway.example", **headers})
    try:  # 30 s: a first page took more than 5 on a busy machine (the suite under xdist)
        return urllib.request.build_opener(NoRedirects).open(request, timeout=30)
    except urllib.error.HTTPError as error:
        return error


# Production's static storage (config/settings.py): collectstatic's hashed, compressed copies.
PRODUCTION_STATIC = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


@pytest.mark.integration
def test_gunicorn_serves_the_styled_admin_and_security_headers_in_production(
    db, tmp_path, settings
):
    env = production_env(
        DJANGO_SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO", STATIC_ROOT_DIR=str(tmp_path)
    )
    # Collected here, as production collects them, without starting Django again for it (the
    # production script's own collectstatic is run by tests/security/test_slow_clients.py).
    settings.STATIC_ROOT = str(tmp_path)
    settings.STORAGES = {**settings.STORAGES, "staticfiles": PRODUCTION_STATIC}
    call_command("collectstatic", interactive=False, verbosity=0)
    port = _free_port()
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--logger-class",
            "core.logging.AccessLog",
            "--access-logfile",
            "-",
            "--access-logformat",
            '"%(m)s %(U)s" %(s)s %(r)s',
            "--forwarded-allow-ips",
            "127.0.0.1",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.2)
        proto = {"X-Forwarded-Proto": "https"}
        css = _get(f"{base}/static/admin/css/base.css", **proto)
        assert css.status == 200 and "max-age=" in css.headers["Cache-Control"]
        login = _get(f"{base}/accounts/login/?next=/api/patients/%3Fsearch%3DSMITH", **proto)
        assert login.status == 200
        assert "max-age=31536000" in login.headers["Strict-Transport-Security"]
        assert login.headers["X-Content-Type-Options"] == "nosniff"
        assert login.headers["Referrer-Policy"] == "same-origin"
        assert "default-src 'self'" in login.headers["Content-Security-Policy"]
        assert _get(f"{base}/healthz").status == 301  # plain http is sent to https
        _get(f"{base}/feeds/FEEDSECRET42/clinic.ics?x=SMITH", **proto)
    finally:
        # A graceful stop: SIGINT's quick one could interrupt the worker still finishing the
        # last answer, whose error line then names the request, query string and all.
        server.terminate()
        log = server.communicate(timeout=20)[0]
    assert '"GET /accounts/login/" 200' in log and "SMITH" not in log  # no query string logged
    assert '"GET /feeds/[secret]/clinic.ics"' in log and "FEEDSECRET42" not in log


def test_no_template_holds_an_inline_script_a_handler_or_a_javascript_url():
    """The policy would block each silently (a 'Go back' link that did nothing was one)."""
    import re

    inline = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+=|javascript:", re.I)
    found = [
        str(path.relative_to(ROOT))
        for app in ("core", "pathway", "patients", "tasks")
        for path in (ROOT / app / "templates").rglob("*.html")
        if inline.search(path.read_text())
    ]
    assert found == []
