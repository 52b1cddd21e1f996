"""Moves per second through the services, beside the same statements replayed as raw SQL.

Each client loops its own episodes between mdt_discussion and imaging: `approve` (guarded: the
latest MDT decision says proceed and had its quorum) and `return_to_mdt` (a reason required).
The loop needs no preparation per move, so a client can run for seconds on a few episodes, and
every move takes the row lock, runs the guards, saves and appends its history row.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import time

NEXT = {"mdt_discussion": "approve", "imaging": "return_to_mdt"}
REASON = "Bench: back to the MDT."


def prepare(count: int) -> list[int]:
    """`count` episodes walked through the services to mdt_discussion, with a proceed decision
    recorded (what `approve` needs). Returns their ids, and empties the app's tables first."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection

    from demo import walk
    from pathway.codes import State
    from patients.models import Patient

    call_command("migrate", verbosity=0)
    with connection.cursor() as cursor:
        cursor.execute(  # bench's own database: it may empty the history (migration 0009)
            "SET pathway.allow_truncate = 'on'; TRUNCATE patients_patient RESTART IDENTITY CASCADE"
        )
    actor, _ = get_user_model().objects.get_or_create(username="bench-coordinator")
    actor.groups.set([Group.objects.get(name="coordinator")])
    ids = []
    for i in range(count):
        patient = Patient.objects.create(
            mrn=f"M{i:05d}",
            given_name=f"Mover{i}",
            family_name="Patient",
            birth_date=dt.date(1965, 1, 1),
            sex="female",
        )
        episode = walk.walk_to(actor, patient, State.MDT_DISCUSSION)
        walk.record_mdt(actor, episode)
        ids.append(episode.id)
    return ids


def _actor():
    from django.contrib.auth import get_user_model

    return get_user_model().objects.get(username="bench-coordinator")


def _states(ids: list[int]) -> dict[int, str]:
    from pathway.models import Episode

    return dict(Episode.objects.filter(id__in=ids).values_list("id", "state"))


def move(actor, episode_id: int, state: str) -> str:
    """One guarded move out of `state`; returns the state it leads to."""
    from pathway.services import episode_transition

    name = NEXT[state]
    reason = REASON if name == "return_to_mdt" else ""
    return episode_transition(episode_id=episode_id, name=name, actor=actor, reason=reason).state


class Capture:
    """The statements one move sends, with their parameters. execute_wrapper sees the
    savepoints too; BEGIN and COMMIT go through the driver, so the replay adds them."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, tuple]] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append((sql, tuple(params or ())))
        return execute(sql, params, many, context)


def _plain(value):
    """Parameters as plain Python values, so they pickle and psycopg adapts them alone."""
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return int(value)
    return value


def capture(first: int, second: int) -> dict[str, list]:
    """Each move of the loop as a replayable template: its statements captured on two episodes
    (after a warm-up move, so the actor's permissions are cached as in a running client), the
    parameter slots holding the episode id found where the two captures differ by it."""
    from django.db import connection

    actor = _actor()
    for episode_id in (first, second):  # warm-up: the loop once round
        state = _states([episode_id])[episode_id]
        move(actor, episode_id, move(actor, episode_id, state))
    captured: dict[str, list] = {}
    for episode_id in (first, second):
        state = _states([episode_id])[episode_id]
        for _ in range(2):
            recorder = Capture()
            with connection.execute_wrapper(recorder):
                new = move(actor, episode_id, state)
            captured.setdefault(NEXT[state], []).append(recorder.statements)
            state = new
    templates = {}
    for name, (one, two) in captured.items():
        assert len(one) == len(two), name
        steps: list[tuple[str, list, list, list]] = [("BEGIN", [], [], [])]
        for (sql, a), (_, b) in zip(one, two, strict=True):
            pairs = enumerate(zip(a, b, strict=True))
            # The id itself, or an array of it (the outcome counts' refresh takes one).
            ids = [j for j, pair in pairs if pair in ((first, second), ([first], [second]))]
            now = [j for j, x in enumerate(a) if isinstance(x, dt.datetime)]
            # Anything else that differs would be another row's id (one the move inserted or
            # read) that the replay would have to substitute too: none in this loop.
            other = [
                j
                for j, (x, y) in enumerate(zip(a, b, strict=True))
                if x != y and j not in ids and j not in now
            ]
            # Resolving the episode's stalled alerts names the move just written; the bench's
            # episodes have no alerts, so replayed with the captured id it touches no row, as
            # the service's own UPDATE does here.
            moot = sql.startswith('UPDATE "tasks_alert"')
            assert moot or not other, (name, sql, other)
            steps.append((sql, [_plain(x) for x in a], ids, now))
        steps.append(("COMMIT", [], [], []))
        templates[name] = steps
    return templates


def _replay(cursor, steps, episode_id: int) -> None:
    now = dt.datetime.now(dt.UTC)
    for sql, params, ids, stamps in steps:
        values = list(params)
        for j in ids:
            values[j] = [episode_id] if isinstance(values[j], list) else episode_id
        for j in stamps:
            values[j] = now
        cursor.execute(sql, values or None)
        if cursor.description is not None:
            cursor.fetchall()


def _run(ids, seconds, barrier, step) -> tuple[int, float]:
    barrier.wait(timeout=300)
    began = time.perf_counter()
    moves = 0
    deadline = began + seconds
    while time.perf_counter() < deadline:
        step(ids[moves % len(ids)])
        moves += 1
    return moves, time.perf_counter() - began


def services_client(url, ids, seconds, barrier, results) -> None:
    """A client process: guarded moves through the services round its own episodes."""
    from bench.common import setup

    setup(url)
    actor = _actor()
    states = _states(ids)

    def step(episode_id):
        states[episode_id] = move(actor, episode_id, states[episode_id])

    results.put(_run(ids, seconds, barrier, step))


def raw_client(url, ids, seconds, barrier, results, templates, states) -> None:
    """A client process: the captured statements replayed with psycopg on its own episodes
    (a client-side binding cursor, as Django's backend uses)."""
    import psycopg

    states = dict(states)
    conn = psycopg.connect(
        url, autocommit=True, options="-c jit=off", cursor_factory=psycopg.ClientCursor
    )
    cursor = conn.cursor()

    def step(episode_id):
        name = NEXT[states[episode_id]]
        _replay(cursor, templates[name], episode_id)
        states[episode_id] = "imaging" if name == "approve" else "mdt_discussion"

    results.put(_run(ids, seconds, barrier, step))
    conn.close()


def clients(target, url, groups, seconds, *extra) -> float:
    """Start one spawned process per group of episodes, release them together, and return
    the moves per second they made in all."""
    import multiprocessing as mp

    ctx = mp.get_context("spawn")
    barrier, results = ctx.Barrier(len(groups)), ctx.Queue()
    procs = [
        ctx.Process(target=target, args=(url, ids, seconds, barrier, results, *extra))
        for ids in groups
    ]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=seconds + 300) for _ in procs]
    for proc in procs:
        proc.join(timeout=60)
    return sum(n / elapsed for n, elapsed in outcomes)


def pgbench(url: str, counts: list[int], seconds: int, scale: int = 10) -> dict[int, float]:
    """`pgbench -N` (no updates of the small tables) TPS at each client count, in its own
    database initialised at `scale`."""
    import dj_database_url

    from bench.common import ensure_database

    os.environ["DATABASE_URL"] = url
    ensure_database()
    cfg = dj_database_url.parse(url)
    conn = ["-h", cfg["HOST"], "-p", str(cfg["PORT"] or 5432), "-U", cfg["USER"]]
    subprocess.run(
        ["pgbench", "-i", "-q", "-s", str(scale), *conn, cfg["NAME"]],
        check=True,
        capture_output=True,
    )
    tps = {}
    for n in counts:
        out = subprocess.run(
            ["pgbench", "-N", "-c", str(n), "-j", str(n), "-T", str(seconds), *conn, cfg["NAME"]],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        found = re.search(r"tps = ([\d.]+)", out)
        assert found is not None, out  # pgbench reports its tps
        tps[n] = float(found.group(1))
    return tps


def label(sql: str) -> str:
    """A statement in a few words: verb, table, and FOR UPDATE when it locks."""
    words = sql.split()
    verb = words[0].upper()
    if verb in ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"):
        return verb
    after = {"SELECT": "FROM", "UPDATE": "UPDATE", "INSERT": "INTO"}.get(verb)
    table = next(
        (words[i + 1].strip('"') for i, w in enumerate(words[:-1]) if w.upper() == after), "?"
    )
    return f"{verb} {table}" + (" FOR UPDATE" if "FOR UPDATE" in sql.upper() else "")


def sequence(steps) -> str:
    """The labels in order, repeats folded: 'SELECT x (2 x)'."""
    out: list[list] = []
    for sql, *_ in steps:
        name = label(sql)
        if out and out[-1][0] == name:
            out[-1][1] += 1
        else:
            out.append([name, 1])
    return ", ".join(name if n == 1 else f"{name} ({n} x)" for name, n in out)


def measure(url: str, counts: list[int], seconds: float, per_client: int) -> dict:
    """Prepare the episodes, capture one move of each kind, then time services and raw SQL at
    each client count. Runs in a child process of the runner (Django set up on `url`)."""
    top = max(counts)
    ids = prepare(2 * top * per_client + 2)
    templates = capture(ids[-2], ids[-1])
    mine, raws = ids[: top * per_client], ids[top * per_client : 2 * top * per_client]
    rows = {}
    for n in counts:
        split = [mine[i * per_client : (i + 1) * per_client] for i in range(n)]
        services = clients(services_client, url, split, seconds)
        split = [raws[i * per_client : (i + 1) * per_client] for i in range(n)]
        states = _states(raws)
        raw = clients(raw_client, url, split, seconds, templates, states)
        rows[n] = {"services": services, "raw": raw}
    per_move = {name: len(steps) for name, steps in templates.items()}
    order = {name: sequence(steps) for name, steps in templates.items()}
    return {"rows": rows, "statements": per_move, "sequence": order}
