"""Benchmark the FHIR facade: p50/p95 of GET /fhir/EpisodeOfCare/<id>/$everything, and a
whole-system bulk export's throughput (resources written per second) and the peak memory of
the process writing it, at each size (10,000 and 100,000 episodes by default).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pathway_bench_fhir \
        .venv/bin/python bench/fhir.py

The database named by DATABASE_URL is created if missing, migrated and EMPTIED first, then
filled as the page benchmarks fill theirs (bench/fill.py: operated episodes with their notes,
follow-ups and results in bulk SQL, a tenth open referrals, some walked through the services).
Each measure runs in a fresh process, so the export's peak memory is the export's own.
BENCH_SIZES sets the sizes, BENCH_REQUESTS the timed $everything requests; `make bench` runs
the same measures on its pages database (bench/run.py).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "20"))
GOAL_MS = 300  # $everything p95: a page's worth of work for the hospital's system
EXPORT_GOAL = 1_000  # resources/s, so 100,000 episodes export in well under an hour


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def everything(url: str, requests: int) -> dict:
    """p50/p95 of $everything over episodes taken across the cohort (the walked ones, the
    fullest, first), as an admin signed in with a session."""
    from bench.common import percentile, setup, signed_in

    setup(url)
    from django.contrib.auth import get_user_model

    from pathway.models import Episode

    walked = list(
        Episode.objects.filter(patient__mrn__startswith="W", state="surveillance")
        .order_by("id")
        .values_list("id", flat=True)[:requests]
    )
    count = Episode.objects.count()
    step = max(1, count // max(requests, 1))
    spread = list(Episode.objects.order_by("id").values_list("id", flat=True)[::step][:requests])
    targets = (walked + spread)[: max(requests, 1)] or spread
    client = signed_in(get_user_model().objects.get(username="bench-admin"))
    for episode_id in targets[:3]:  # warm-up
        assert client.get(f"/fhir/EpisodeOfCare/{episode_id}/$everything").status_code == 200
    samples, entries = [], 0
    for i in range(requests):
        episode_id = targets[i % len(targets)]
        start = time.perf_counter()
        response = client.get(f"/fhir/EpisodeOfCare/{episode_id}/$everything")
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
        entries = max(entries, response.json()["total"])
    return {"p50": percentile(samples, 50), "p95": percentile(samples, 95), "largest": entries}


def export(url: str) -> dict:
    """A whole-system export written by the job itself (fhir/services/exports.py), timed."""
    from bench.common import setup

    setup(url)
    from django.contrib.auth import get_user_model

    from fhir.models import ExportJob
    from fhir.services.exports import BATCH, EXPORT_TYPES, export_dir, export_run

    admin = get_user_model().objects.get(username="bench-admin")
    job = ExportJob.objects.create(
        requested_by=admin, types=list(EXPORT_TYPES), request_url="bench"
    )
    before = _peak_mb()
    start = time.perf_counter()
    assert export_run(job_id=job.id)
    seconds = time.perf_counter() - start
    job.refresh_from_db()
    resources = sum(o["count"] for o in job.output)
    size = sum(f.stat().st_size for f in export_dir(job.id).iterdir())
    import shutil

    shutil.rmtree(export_dir(job.id), ignore_errors=True)
    return {
        "seconds": seconds,
        "resources": resources,
        "episodes": job.total_episodes,
        "mb": size / 1e6,
        "rss_before_mb": before,
        "rss_peak_mb": _peak_mb(),
        "batch": BATCH,
    }


def rows_at(url: str, size: int, requests: int) -> list[tuple]:
    """The table's rows at one size, each measure in a process of its own."""
    from bench import report
    from bench.common import in_child

    got = in_child(everything, url, requests)
    out = in_child(export, url)
    rate = out["resources"] / out["seconds"]
    return [
        (
            "FHIR $everything /fhir/EpisodeOfCare/<id>/$everything",
            f"{size:,}",
            f"p50 {got['p50']:.1f} ms, p95 {got['p95']:.1f} ms (largest {got['largest']} "
            "resources)",
            f"p95 <= {GOAL_MS} ms",
            report.verdict(got["p95"] <= GOAL_MS),
        ),
        (
            "FHIR bulk export: resources/s (whole system, ndjson written)",
            f"{size:,}",
            f"{out['resources']:,} resources of {out['episodes']:,} episodes in "
            f"{out['seconds']:.1f} s = {rate:,.0f}/s ({out['mb']:.0f} MB)",
            f">= {EXPORT_GOAL:,}/s",
            report.verdict(rate >= EXPORT_GOAL),
        ),
        (
            "FHIR bulk export: peak RSS of the exporting process",
            f"{size:,}",
            f"{out['rss_peak_mb']:.0f} MB ({out['rss_before_mb']:.0f} MB before; batches of "
            f"{out['batch']} episodes)",
            "bounded (not growing with size)",
            "-",
        ),
    ]


def main() -> None:
    from bench import fhir as bench_fhir  # importable by name in the spawned processes
    from bench import phases, report
    from bench.common import in_child

    url = os.environ.setdefault(
        "DATABASE_URL", "postgres://postgres@127.0.0.1:5432/pathway_bench_fhir"
    )
    rows = []
    for size in SIZES:
        filled = in_child(phases.fill, url, size)
        print(f"filled {size:,} episodes in {filled['seconds']:.0f} s", flush=True)
        rows += bench_fhir.rows_at(url, size, REQUESTS)
    print(report.table(rows))


if __name__ == "__main__":
    main()
