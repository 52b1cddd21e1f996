"""Slow clients (slowloris): many connections that each send their request a byte at a time.
Alone, gunicorn lends each one of its threads until the request is whole, so a few of them tie
it up and the clinic's pages stop answering. Behind nginx (bin/serve-production.sh with
PROXY=nginx, deploy/nginx.conf) they wait in nginx, which hands gunicorn only whole requests:
the pages answer at once. Real processes: the production script, on free ports, on the test
database, with the app's own database role (made by the script's `db_roles`)."""

import getpass
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.security.test_production import STRONG, production_env

ROOT = Path(__file__).resolve().parents[2]
WORKERS, THREADS = 1, 2  # gunicorn serves this many requests at once
SLOW_CLIENTS = 24  # well over WORKERS x THREADS (production's 3 x 2 too)
ANSWER_WITHIN = 2.0  # seconds a probe may take while the slow clients hang on
# nginx drops a client whose headers are not whole this many seconds on (production's 10 s):
# shorter here, still well past the probes made while every slow client hangs on.
HEADER_TIMEOUT = 6
START_AT_MOST = 90  # seconds: migrate, grant, check, collectstatic, then serve, on a busy machine

pytestmark = [
    pytest.mark.integration,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tls() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the script's self-signed certificate
    return context


@dataclass
class Served:
    https_port: int  # nginx
    gunicorn_port: int
    log: Path

    @property
    def https(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"


def _owner_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def _seeded_rows_back() -> None:
    """A transactional test before this module may have emptied the tables. The script's
    `migrate` would then seed the content types and permissions again under new ids, which the
    tests' own restore of the migrations' rows collides with: put those rows back first."""
    from django.contrib.contenttypes.models import ContentType

    seeded = getattr(connection, "_test_serialized_contents", None)
    if seeded and not ContentType.objects.exists():
        connection.creation.deserialize_db_from_string(seeded)


@pytest.fixture(scope="module")
def served(tmp_path_factory, django_db_setup, django_db_blocker):
    """bin/serve-production.sh with PROXY=nginx, for this module's tests: migrating as the
    owner, granting a role of its own (dropped after), serving on free ports."""
    tmp_path = tmp_path_factory.mktemp("served")
    if connection.vendor != "postgresql":
        pytest.skip("the app's database role is PostgreSQL's (set DATABASE_URL)")
    with django_db_blocker.unblock():
        _seeded_rows_back()
    db = connection.settings_dict
    web_role = f"{db['NAME']}_web"
    ports = {name: _free_port() for name in ("gunicorn", "https", "http")}
    env = production_env(
        PY=sys.executable,
        PROXY="nginx",
        MIGRATE_DATABASE_URL=_owner_url(),
        DATABASE_URL=f"postgres://{web_role}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        BIND=f"127.0.0.1:{ports['gunicorn']}",
        WEB_WORKERS=str(WORKERS),
        WEB_THREADS=str(THREADS),
        PROXY_ADDRESS="127.0.0.1",
        PROXY_PORT=str(ports["https"]),
        PROXY_HTTP_PORT=str(ports["http"]),
        PROXY_DIR=str(tmp_path / "nginx"),
        PROXY_USER=getpass.getuser(),  # nginx's workers read the static files in tmp_path
        STATIC_ROOT_DIR=str(tmp_path / "static"),
        PROXY_HEADER_TIMEOUT=f"{HEADER_TIMEOUT}s",
    )
    log = tmp_path / "served.log"
    with log.open("w") as out:
        server = subprocess.Popen(
            ["bin/serve-production.sh"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    served = Served(ports["https"], ports["gunicorn"], log)
    try:
        deadline = time.monotonic() + START_AT_MOST
        while _probe(f"{served.https}/healthz", timeout=1) != 200:
            assert server.poll() is None, f"the script stopped: {log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"not serving: {log.read_text()[-3000:]}"
            time.sleep(0.1)
        yield served
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        with psycopg.connect(_owner_url(), autocommit=True) as owner:
            if owner.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [web_role]).fetchone():
                owner.execute(f'DROP OWNED BY "{web_role}"')
                owner.execute(f'DROP ROLE "{web_role}"')


def _probe(url: str, timeout: float = ANSWER_WITHIN, **headers) -> int | None:
    """The status the server answers with, or None if it does not answer within `timeout`."""

    class NoRedirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirects, urllib.request.HTTPSHandler(context=_tls()))
    try:
        return opener.open(urllib.request.Request(url, headers=headers), timeout=timeout).status
    except urllib.error.HTTPError as error:
        return error.code
    except (TimeoutError, urllib.error.URLError, ConnectionError):
        return None


@contextmanager
def _slow_clients(port: int, *, tls: bool):
    """SLOW_CLIENTS connections, the even ones sending their headers, the odd ones a JSON body,
    one byte every 0.3 s, for as long as the block lasts. Yields the set of those the server
    has cut off (a send refused), which grows as it does."""
    socks = []
    for n in range(SLOW_CLIENTS):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if tls:
            sock = _tls().wrap_socket(sock)
        if n % 2:
            sock.sendall(
                b"POST /api/patients/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/json\r\nContent-Length: 5000\r\n\r\n"
            )
        else:
            sock.sendall(b"GET /healthz HTTP/1.1\r\n")
        socks.append(sock)
    done, cut_off = threading.Event(), set()

    def drip():
        while not done.wait(0.3):
            for n, sock in enumerate(socks):
                if n not in cut_off:
                    try:
                        sock.sendall(b"X")
                    except OSError:
                        cut_off.add(n)

    dripping = threading.Thread(target=drip, daemon=True)
    dripping.start()
    time.sleep(1)  # every one of them is being read, byte by byte
    try:
        yield cut_off
    finally:
        done.set()
        dripping.join()
        for sock in socks:
            sock.close()


def _timed(url: str, **headers) -> tuple[int | None, float]:
    started = time.monotonic()
    status = _probe(url, **headers)
    return status, time.monotonic() - started


def test_slow_clients_tie_up_gunicorn_alone_but_wait_in_nginx_while_the_pages_answer(
    served, settings
):
    settings.SECRET_KEY = STRONG  # the server's key: the session below is signed with it
    coordinator = UserFactory()
    coordinator.groups.add(Group.objects.get(name="coordinator"))
    browser = Client()
    browser.force_login(coordinator)
    cookie = f"sessionid={browser.cookies['sessionid'].value}"
    worklist = reverse("worklist")
    # A first page compiles its templates: warm it, so that what is timed below is the attack.
    assert _probe(f"{served.https}{worklist}", timeout=30, Cookie=cookie) == 200

    with _slow_clients(served.https_port, tls=True) as cut_off:
        opened = time.monotonic()
        health = _timed(f"{served.https}/healthz")
        page = _timed(f"{served.https}{worklist}", Cookie=cookie)
        assert health[0] == 200 and health[1] < ANSWER_WITHIN, health
        assert page[0] == 200 and page[1] < ANSWER_WITHIN, page  # signed in: no redirect

        # The same attack on gunicorn itself: its threads are all taken, nothing answers, asked
        # directly or through nginx (both asked at once, each given ANSWER_WITHIN).
        gunicorn = f"http://127.0.0.1:{served.gunicorn_port}"
        with _slow_clients(served.gunicorn_port, tls=False), ThreadPoolExecutor(2) as asking:
            alone = asking.submit(_probe, f"{gunicorn}/healthz", **{"X-Forwarded-Proto": "https"})
            behind = asking.submit(_probe, f"{served.https}/healthz")
            alone, behind = alone.result(), behind.result()
        assert alone is None and behind is None
        # Once they have gone, it answers again.
        assert _probe(f"{served.https}/healthz", timeout=10) == 200

        # nginx cuts off each client still sending its headers HEADER_TIMEOUT on
        # (client_header_timeout, however busily it sends); one sending its body a byte at a
        # time waits in nginx.
        headers_only = set(range(0, SLOW_CLIENTS, 2))
        while not headers_only <= cut_off and time.monotonic() < opened + HEADER_TIMEOUT + 5:
            time.sleep(0.2)
        assert cut_off == headers_only


def _raw(port: int, request: bytes) -> tuple[str, str]:
    """Send `request` over TLS as it stands; the answer's status line and the rest of it, read
    to the end its Content-Length gives (nginx, having refused a body it did not read, keeps the
    connection open a while for one that may still come: lingering_timeout)."""
    with _tls().wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10)) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
            head, ended, body = answer.partition(b"\r\n\r\n")
            length = re.search(rb"\r\ncontent-length: *(\d+)", head, re.IGNORECASE)
            if ended and length and len(body) >= int(length[1]):
                break
    status, _, rest = answer.decode("latin-1").partition("\r\n")
    return status, rest


def test_a_body_over_the_apps_limit_is_refused_by_nginx_unread(served, settings):
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # nginx's client_max_body_size is the same
    head = (
        "POST /api/patients/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n"
    )
    over = head.replace("/api/patients/", "/api/patients/?search=SMITH").format(limit + 1)
    status, rest = _raw(served.https_port, over.encode())  # no body sent
    assert " 413 " in status and "Strict-Transport-Security: max-age=" in rest
    # nginx's error lines would quote the request line, search and all: it logs none of them.
    assert "SMITH" not in served.log.read_text()

    status, _ = _raw(served.https_port, head.format(limit).encode() + b" " * limit)
    assert " 413 " not in status  # the app's to answer (anonymous: refused)


def test_static_files_are_nginxs_and_no_log_holds_a_query_string(served):
    manifest = served.log.parent / "static" / "staticfiles.json"
    hashed = json.loads(manifest.read_text())["paths"]["admin/css/base.css"]

    css = urllib.request.urlopen(f"{served.https}/static/{hashed}", context=_tls(), timeout=10)
    assert css.status == 200 and "immutable" in css.headers["Cache-Control"]
    search = f"{served.https}/accounts/login/?next=/patients/%3Fsearch%3DSMITH"
    assert _probe(search, timeout=10) == 200
    _probe(f"{served.https}/feeds/FEEDSECRET42/clinic.ics", timeout=10)

    # nginx writes a line once the answer is sent, through a pipe: wait for the last one.
    deadline = time.monotonic() + 10
    while '"GET /feeds/[secret]/clinic.ics ' not in served.log.read_text():
        assert time.monotonic() < deadline, "the clinic feed's request was never logged"
        time.sleep(0.05)
    lines = served.log.read_text().splitlines()
    assert not [line for line in lines if "FEEDSECRET42" in line]
    assert any(line.startswith("proxy ") and '"GET /accounts/login/ ' in line for line in lines)
    assert any(line.startswith("proxy ") and f'"GET /static/{hashed} ' in line for line in lines)
    assert not [line for line in lines if "SMITH" in line or "?" in line]
    assert not [line for line in lines if "/static/" in line and not line.startswith("proxy ")]


def test_a_client_cannot_escape_the_sign_in_lockout_by_naming_other_addresses(served, settings):
    """nginx appends the address it was reached from to X-Forwarded-For, and the app trusts
    that one entry (TRUSTED_PROXY_COUNT=1): the addresses a client writes there itself prove
    nothing, so wrong passwords sent 'from' many addresses still lock it out."""
    token, limit = f"{served.https}/api/auth/token/", settings.AXES_FAILURE_LIMIT
    answers = []
    for n in range(limit):
        request = urllib.request.Request(
            token,
            data=json.dumps({"username": "ward-pc", "password": f"guess-{n}"}).encode(),
            headers={"Content-Type": "application/json", "X-Forwarded-For": f"10.0.0.{n}"},
        )
        try:
            urllib.request.urlopen(request, context=_tls(), timeout=30)
        except urllib.error.HTTPError as error:
            answers.append((error.code, error.read().decode()))
    assert [code for code, _ in answers[:-1]] == [400] * (limit - 1)
    # The limit-th failure locks the username out from the one address nginx saw.
    assert answers[-1][0] == 403 and "Too many failed sign-ins" in answers[-1][1]


def test_sign_in_posts_beyond_a_burst_are_refused_by_nginx_per_address(served):
    """30 a minute, 20 at once (deploy/nginx.conf); nginx answers the rest 429 itself."""
    refused = []
    for _ in range(30):
        request = urllib.request.Request(
            f"{served.https}/api/auth/token/", data=b"-", headers={"Content-Type": "text/plain"}
        )
        try:
            urllib.request.urlopen(request, context=_tls(), timeout=30)
        except urllib.error.HTTPError as error:
            refused.append((error.code, "Content-Security-Policy" in error.headers))
    assert refused[0] == (415, True)  # the app's answer: JSON only
    assert (429, False) in refused  # nginx's, not the app's
