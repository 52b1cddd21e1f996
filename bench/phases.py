"""What the runner runs in its child processes, one function a phase: each sets Django up on
its own database first (importable functions, so a spawned process can find them)."""

from __future__ import annotations


def moves(url: str, counts: list[int], seconds: float, per_client: int) -> dict:
    from bench.common import setup

    setup(url)
    from bench import moves as bench_moves

    return bench_moves.measure(url, counts, seconds, per_client)


def sweep(url: str, episodes: int, owed: int) -> dict:
    from bench.common import setup

    setup(url)
    from bench import sweep as bench_sweep

    seconds, follow_ups = bench_sweep.fill(episodes, owed)
    return {"fill": seconds, "rows": follow_ups, **bench_sweep.measure()}


def fill(url: str, episodes: int) -> dict:
    from bench.common import setup

    setup(url)
    from bench import fill as bench_fill

    return bench_fill.fill(episodes)
