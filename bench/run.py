"""One benchmark run, `make bench`: moves/s through the services beside pgbench and the same
statements as raw SQL, the follow-up sweep beside its raw select, p50/p95 of the pages and
endpoints and the web process's peak memory at each size. Prints the table and writes it, with
the machine, to docs/benchmarks.md.

    BENCH_SIZES=2000 BENCH_REQUESTS=5 BENCH_SECONDS=3 BENCH_SWEEP_EPISODES=10000 \\
        .venv/bin/python bench/run.py       # a quick run

Databases (created if missing, EMPTIED): BENCH_DATABASE_URL's name for the pages, with
`_moves` and `_sweep` appended for those phases; pgbench's own in pathway_bench_pgbench
(BENCH_PGBENCH_URL, at BENCH_PGBENCH_SCALE, 10). BENCH_REPORT: where the table is written
instead of docs/benchmarks.md (tests/bench/test_bench_smoke.py runs it all at tiny sizes).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import fhir, phases, report, web
from bench.common import in_child, with_name
from bench.moves import pgbench

URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pathway_bench_run")
PGBENCH_URL = os.environ.get("BENCH_PGBENCH_URL", with_name(URL, "pathway_bench_pgbench"))
SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20"))
CLIENTS = [int(s) for s in os.environ.get("BENCH_CLIENTS", "1,2,8").split(",")]
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
PGBENCH_SCALE = int(os.environ.get("BENCH_PGBENCH_SCALE", "10"))
PER_CLIENT = int(os.environ.get("BENCH_MOVE_EPISODES", "5"))
SWEEP = int(os.environ.get("BENCH_SWEEP_EPISODES", "100000"))
OWED = int(os.environ.get("BENCH_SWEEP_OWED", str(SWEEP // 10)))
GOAL_SIZE = 100_000
GOALS_MS = {"page": 150, "dashboard": 300}


def _check(url: str, prefix: str) -> None:
    """Only this machine, and only the databases this runner may empty."""
    parts = urlparse(url)
    assert parts.hostname in ("127.0.0.1", "localhost"), f"not local: {url}"
    assert parts.path.lstrip("/").startswith(prefix), f"not a {prefix}* database: {url}"


def moves_rows() -> tuple[list, list]:
    seconds = max(1, round(SECONDS))
    tps = pgbench(PGBENCH_URL, CLIENTS, seconds, PGBENCH_SCALE)
    got = in_child(phases.moves, with_name(URL, _name() + "_moves"), CLIENTS, SECONDS, PER_CLIENT)
    rows = []
    for n in CLIENTS:
        services, raw = got["rows"][n]["services"], got["rows"][n]["raw"]
        ratio = services / raw
        rows.append(
            (
                f"moves/s, {n} client{'s' if n > 1 else ''}: services / raw SQL",
                "-",
                f"{services:,.0f} / {raw:,.0f} = {ratio:.2f} x (pgbench -N: {tps[n]:,.0f} TPS)",
                ">= 0.7 x raw",
                report.verdict(ratio >= 0.7),
            )
        )
    per_move = ", ".join(f"{name} {n}" for name, n in got["statements"].items())
    rows.append(("statements per move (BEGIN and COMMIT included)", "-", per_move, "-", "-"))
    notes = [
        f"- `{name}`, the statements one move sends: {order}."
        for name, order in got["sequence"].items()
    ]
    return rows, notes


def sweep_rows() -> list:
    got = in_child(phases.sweep, with_name(URL, _name() + "_sweep"), SWEEP, OWED)
    rate = got["alerts"] / got["sweep"]
    size = f"{SWEEP:,} ep., {got['rows']:,} follow-ups"
    return [
        (
            "sweep: alerts/s (whole sweep, deliveries and commits included)",
            size,
            f"{got['alerts']:,} in {got['sweep']:.2f} s = {rate:,.0f}/s",
            ">= 10,000/s",
            report.verdict(rate >= 10_000),
        ),
        (
            "sweep: claiming selects vs the raw indexed select",
            size,
            f"{got['claim'] * 1000:.1f} ms / {got['raw'] * 1000:.1f} ms = "
            f"{got['claim'] / got['raw']:.2f} x ({got['claims']} statements)",
            "<= 2 x raw",
            report.verdict(got["claim"] <= 2 * got["raw"]),
        ),
    ]


def pages_rows(size: int) -> list:
    filled = in_child(phases.fill, URL, size)
    print(
        f"  filled {size:,} episodes in {filled['seconds']:.0f} s "
        f"({filled['walked']} walked, {filled['alerts']} alerts)",
        flush=True,
    )
    got = in_child(web.measure, URL, REQUESTS)
    binding = size == GOAL_SIZE
    rows = []
    for label, group, t in got["rows"]:
        goal = GOALS_MS[group]
        rows.append(
            (
                label,
                f"{size:,}",
                f"p50 {t['p50']:.1f} ms, p95 {t['p95']:.1f} ms",
                f"p95 <= {goal} ms",
                report.verdict(t["p95"] <= goal, binding),
            )
        )
    rows.append(
        (
            "web process peak RSS (VmHWM)",
            f"{size:,}",
            f"{got['rss_peak_mb']:.0f} MB ({got['rss_start_mb']:.0f} MB before the first request)",
            "-",
            "-",
        )
    )
    return rows


def _name() -> str:
    return urlparse(URL).path.lstrip("/")


def main() -> None:
    _check(URL, "pathway_bench_run")
    _check(PGBENCH_URL, "pathway_bench_pgbench")
    started = time.perf_counter()
    print("moves ...", flush=True)
    rows, notes = moves_rows()
    print("sweep ...", flush=True)
    rows += sweep_rows()
    for size in SIZES:
        print(f"pages at {size:,} episodes ...", flush=True)
        rows += pages_rows(size)
        print(f"FHIR at {size:,} episodes ...", flush=True)
        rows += fhir.rows_at(URL, size, REQUESTS)  # on the pages' database, as filled
    settings = {
        "BENCH_SIZES": ",".join(map(str, SIZES)),
        "BENCH_REQUESTS": REQUESTS,
        "BENCH_CLIENTS": ",".join(map(str, CLIENTS)),
        "BENCH_SECONDS": SECONDS,
        "BENCH_MOVE_EPISODES": PER_CLIENT,
        "BENCH_SWEEP_EPISODES": SWEEP,
        "BENCH_SWEEP_OWED": OWED,
    }
    notes = [
        f"- Took {time.perf_counter() - started:.0f} s. Verdicts in brackets: the page goals "
        f"are set at {GOAL_SIZE:,} episodes, not at the size measured.",
        "- Moves: each client process loops its own episodes between mdt_discussion and "
        "imaging (`approve`, guarded by the MDT decision and its quorum; `return_to_mdt`, with "
        "a reason). Raw SQL: the statements captured from one move of each kind, replayed "
        "with psycopg (client-side binding, as Django's backend) on other episodes, the "
        "episode id and timestamps substituted. pgbench -N runs in its own database "
        f"(scale {PGBENCH_SCALE}) on the same server.",
        "- Pages: django.test.Client with force_login in a fresh process per size (its peak "
        "RSS is the last row of each size), 3 warm-up requests, then BENCH_REQUESTS each; "
        "outcomes cold: Django's cache and the chart cache emptied before each request.",
        "- FHIR (bench/fhir.py): $everything as an admin over walked episodes, then across "
        "the cohort; the bulk export is the Celery job's own function writing every type "
        "for the whole system, in a process of its own (its peak RSS is the export's).",
        *notes,
    ]
    print(report.table(rows))
    path = report.write(rows, report.machine(URL), settings, notes)
    print(f"written to {path}")


if __name__ == "__main__":
    main()
