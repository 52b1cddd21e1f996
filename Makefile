# The two commands: `make run` (a working app with demo data) and `make test` (the whole suite);
# `make bench` measures moves, the sweep and the pages and writes docs/benchmarks.md.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pathway
# Each pytest-xdist worker N (gw0, gw1...) has its own test database (test_<name>_gwN) and
# Redis database (this one's number + N, within 0-15): tests/conftest.py.
TEST_REDIS_URL ?= redis://127.0.0.1:6379/12
# Worker processes for the suite: one per core (`make test TEST_WORKERS=0`: one process).
# `--dist load` hands each worker its tests in the collection's order, which the suite relies
# on (tests/conftest.py: transactional tests after the others, browser tests last).
TEST_WORKERS ?= auto
# The suite acts with the app's database role, as production runs (0: as the owner).
TEST_AS_APP_ROLE ?= 1
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/pathway_bench_run

.PHONY: run test lint install browser proxy bench fuzz screenshots
install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.txt
	touch $@

run: install
	PY=$(PY) bin/run.sh

# The browser tests drive Debian's Chromium headless shell (Playwright downloads no browser
# here): the old headless mode, as Playwright's own headless browser, with none of the full
# browser's window and its built-in pages (about 40% less processor than `chromium --headless`).
browser:
	@command -v chromium-headless-shell >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell >/dev/null; }

# nginx in front of gunicorn (bin/serve-production.sh PROXY=nginx): Debian's package, which the
# slow-client tests start (tests/security/test_slow_clients.py).
proxy:
	@command -v nginx >/dev/null 2>&1 || test -x /usr/sbin/nginx || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; }

# ruff's rules (stale noqa included) and its formatting, one style with no per-line exceptions.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: export DATABASE_URL = $(TEST_DATABASE_URL)
test: export REDIS_URL = $(TEST_REDIS_URL)
test: export TEST_AS_APP_ROLE := $(TEST_AS_APP_ROLE)
# Python writes its bytecode caches (this machine's environment says PYTHONDONTWRITEBYTECODE=1):
# otherwise each worker, and each server, Celery worker and benchmark the tests start, compiles
# the project and every test module anew, about 7 s of processor a process.
test: export PYTHONDONTWRITEBYTECODE :=
test: install lint browser proxy
	$(VENV)/bin/mypy
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist load

# The pictures docs/web-app.md shows (docs/screenshots/), taken by the browser tests as they
# walk the pages; `make test` runs the same tests without taking them.
screenshots: export DATABASE_URL = $(TEST_DATABASE_URL)
screenshots: export REDIS_URL = $(TEST_REDIS_URL)
screenshots: export TEST_AS_APP_ROLE := $(TEST_AS_APP_ROLE)
screenshots: export PYTHONDONTWRITEBYTECODE :=
screenshots: install browser
	SCREENSHOTS=1 $(VENV)/bin/pytest -n $(TEST_WORKERS) --dist load tests/e2e

# Issue 21 on demand: the pages fuzzed with FUZZ_EXAMPLES examples a route, the date arithmetic
# as many, and schemathesis's coverage and fuzzing phases with negative data, as every role.
FUZZ_EXAMPLES ?= 300
fuzz: export DATABASE_URL = $(TEST_DATABASE_URL)
fuzz: export REDIS_URL = $(TEST_REDIS_URL)
fuzz: export TEST_AS_APP_ROLE := $(TEST_AS_APP_ROLE)
fuzz: export PYTHONDONTWRITEBYTECODE :=
fuzz: install
	FUZZ_FULL=1 FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(VENV)/bin/pytest -n $(TEST_WORKERS) tests/fuzz

# Sizes, requests and durations from BENCH_* (see bench/run.py); the databases it empties are
# BENCH_DATABASE_URL's (and _moves, _sweep) and pathway_bench_pgbench.
bench: export BENCH_DATABASE_URL := $(BENCH_DATABASE_URL)
bench: export PYTHONDONTWRITEBYTECODE :=
bench: install
	$(PY) bench/run.py
