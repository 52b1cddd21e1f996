"""What the benchmarks share: a PostgreSQL database of their own, created when missing."""

import os

import dj_database_url
import psycopg


def ensure_database() -> None:
    """Create the database DATABASE_URL names, if it does not exist yet."""
    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=cfg["HOST"],
        port=cfg["PORT"] or 5432,
        user=cfg["USER"],
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [cfg["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')


def setup(url: str) -> None:
    """Point Django at `url` (created if missing) and set it up: each benchmark process,
    the runner's children included, calls this before importing app code."""
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    ensure_database()
    import django

    django.setup()


def with_name(url: str, name: str) -> str:
    """The same server as `url`, another database: the runner keeps one database per phase."""
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


def percentile(samples: list[float], p: float) -> float:
    """Nearest-rank percentile (the same rule for every figure in the table)."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def _child(queue, fn, args) -> None:
    try:
        queue.put(("ok", fn(*args)))
    except BaseException as error:
        queue.put(("error", repr(error)))
        raise


def in_child(fn, *args, timeout: float = 7200):
    """Run `fn(*args)` in a fresh spawned process and return its result: each phase gets its
    own Django set-up and database, and the page timings a process whose memory is their own.
    Not a pool: the moves phase starts client processes of its own."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, fn, args))
    proc.start()
    status, value = queue.get(timeout=timeout)
    proc.join(timeout=60)
    if status != "ok":
        raise RuntimeError(f"{fn.__module__}.{fn.__name__} failed: {value}")
    return value


def signed_in(user):
    """A test client with `user`'s sign-in finished. The benchmarks measure pages, not signing
    in: for an account that signs in in two steps (the bench's admin), the session is marked
    verified with its authenticator (one is set up if need be), as django_otp.login does after
    a right code (core/second_factor/)."""
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from core.second_factor.rules import NONE, second_step_need

    client = Client()
    client.force_login(user)
    if second_step_need(user) != NONE:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="Bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client
