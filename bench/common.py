"""What the benchmarks share: a PostgreSQL database of their own, created when missing."""

import os

import dj_database_url
import psycopg


def ensure_database() -> None:
    """Create the database DATABASE_URL names, if it does not exist yet."""
    cfg = dj_database_url.parse(os.environ["DATABASE_URL"])
    with psycopg.connect(
        host=cfg["HOST"], port=cfg["PORT"] or 5432, user=cfg["USER"], dbname="postgres",
        autocommit=True,
    ) as conn:  # fmt: skip
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname=%s", [cfg["NAME"]]).fetchone():
            conn.execute(f'CREATE DATABASE "{cfg["NAME"]}"')
