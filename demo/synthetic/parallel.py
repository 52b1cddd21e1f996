"""Writing a synthetic cohort in several processes: each writes every K-th patient (a patient
depends only on its own `Random(f"{seed}:{n}")` and its fate, so the slices are the cohort one
process would write), in its own connection, one transaction per patient, and reports each
finished patient so the progress bar counts patients across workers.

PostgreSQL only: SQLite takes one writer at a time."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import queue as queues
from collections.abc import Callable

from django.db import connection, connections

WAIT = 600  # seconds without a word from any worker before giving up on them


def workers_check(workers: int) -> None:
    if workers < 1:
        raise ValueError("--workers must be 1 or more.")
    if workers > 1 and connection.vendor != "postgresql":
        raise ValueError(
            f"Parallel writers need PostgreSQL; {connection.vendor} takes one writer at a time "
            "(use --workers 1)."
        )


# What a worker runs over its slice: (cards, seed, years, today, done), as the cohort writes.
SliceWriter = Callable[..., None]


def _slice_write(
    write: SliceWriter, cards: list[tuple[int, str]], seed, years, today, report
) -> None:
    """A worker: its patients in order, each in its own transaction; then done (or the kind
    of error, never its text, which could name a patient's record)."""
    try:
        write(cards, seed, years, today, lambda n: report.put(("patient", n)))
        report.put(("done", None))
    except Exception as exc:
        report.put(("failed", type(exc).__name__))
    finally:
        connections.close_all()


def cohort_write_parallel(
    *,
    cards: list[tuple[int, str]],
    seed: int,
    years: int,
    today: dt.date,
    workers: int,
    progress: Callable[[int], None] | None,
    write: SliceWriter,
) -> None:
    """Deal the numbered patients round-robin to `workers` forked processes and wait for all;
    a worker's failure stops the others and is raised (patients already committed stay)."""
    connections.close_all()  # each child opens its own connection; none is shared over fork
    context = multiprocessing.get_context("fork")
    report = context.Queue()
    processes = [
        context.Process(
            target=_slice_write, args=(write, cards[k::workers], seed, years, today, report)
        )
        for k in range(workers)
    ]
    for process in processes:
        process.start()
    running = workers
    try:
        while running:
            try:
                what, detail = report.get(timeout=WAIT)
            except queues.Empty:
                raise RuntimeError("The cohort's workers stopped answering.") from None
            if what == "patient" and progress is not None:
                progress(detail)
            elif what == "done":
                running -= 1
            elif what == "failed":
                raise RuntimeError(f"A cohort worker failed ({detail}).")
    finally:
        for process in processes:
            if running:
                process.terminate()
            process.join()
