"""The table the runner prints and docs/benchmarks.md: figures beside their goals, and the
machine they came from (figures from different machines or runs do not compare)."""

from __future__ import annotations

import datetime as dt
import os
import platform
from pathlib import Path

# Where the table goes: docs/benchmarks.md, unless BENCH_REPORT names another file (the smoke
# test's, tests/bench/test_bench_smoke.py, so a tiny run never replaces the real figures).
DOC = Path(
    os.environ.get("BENCH_REPORT") or Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
)


def machine(url: str) -> dict:
    """CPU model, cores, memory, PostgreSQL and Python versions."""
    import psycopg

    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    with psycopg.connect(url) as conn:
        row = conn.execute("SHOW server_version").fetchone()
        assert row is not None  # SHOW answers one row
        pg = row[0]
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{kib / 1024 / 1024:.1f} GiB",
        "PostgreSQL": pg,
        "Python": platform.python_version(),
    }


def verdict(ok: bool, binding: bool = True) -> str:
    """met/MISSED; in brackets where the goal is set at another size than the one measured."""
    word = "met" if ok else "MISSED"
    return word if binding else f"({word})"


def table(rows: list[tuple]) -> str:
    head = "| measure | size | figure | goal | verdict |\n| --- | --- | --- | --- | --- |\n"
    return head + "\n".join("| " + " | ".join(str(c) for c in row) + " |" for row in rows)


def write(rows: list[tuple], info: dict, settings: dict, notes: list[str]) -> Path:
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py); every figure below comes from one run. These",
        "machines are noisy: compare figures from one run only.",
        "",
        f"Run: {when}. Settings: " + ", ".join(f"{k}={v}" for k, v in settings.items()) + ".",
        "",
        "Machine: " + "; ".join(f"{k} {v}" for k, v in info.items()) + ".",
        "",
        table(rows),
        "",
        *notes,
        "",
    ]
    DOC.parent.mkdir(exist_ok=True)
    DOC.write_text("\n".join(lines))
    return DOC
