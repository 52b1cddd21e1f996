"""Real Celery workers for the integration tests: started on this test's own queue against the
test database and Redis, writing each email they send to a folder."""

import email
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import redis
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_TIMEOUT = 3  # seconds before Redis hands a dead worker's task out again
START_AT_MOST = 60  # seconds a worker may take to start on a busy machine
# What a worker logs at INFO when a task of its ends: the task's name and what it returned.
TASK_RESULT = re.compile(r"Task ([\w.]+)\[[\w-]+\] succeeded in [\d.e-]+s: (.*)$", re.MULTILINE)


def start_worker(
    mail_dir: Path,
    *,
    name: str,
    gate: Path | None = None,
    claim_seconds: float | None = None,
    log: Path | None = None,
    queue: str | None = None,
    visibility_timeout: int = VISIBILITY_TIMEOUT,
) -> subprocess.Popen:
    """A worker whose delivery claims last `claim_seconds` (the default, 2 minutes, if None),
    on `queue` (the test's own if None). Given a `gate` folder, each email waits there mid-send
    until the test opens it (tests/integration/slow_email.py); given a `log` file, the worker
    writes there the result of each task it runs (see task_results)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.REDIS_URL,
        "DJANGO_EMAIL_BACKEND": "tests.integration.slow_email.SlowFileBackend",
        "DJANGO_EMAIL_FILE_PATH": str(mail_dir),
        "CELERY_VISIBILITY_TIMEOUT": str(visibility_timeout),
    }
    if claim_seconds is not None:
        env["PATHWAY_DELIVERY_CLAIM_SECONDS"] = str(claim_seconds)
    if gate is not None:
        env["SLOW_EMAIL_GATE"] = str(gate)
    logging = [f"--logfile={log}", "--loglevel=INFO"] if log else ["--loglevel=WARNING"]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            f"--hostname={name}@itest",
            *logging,
            "-Q",
            queue or celery_app.conf.task_default_queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + START_AT_MOST
    while time.monotonic() < deadline:
        if celery_app.control.ping(destination=[f"{name}@itest"], timeout=0.25):
            return proc
        assert proc.poll() is None, "the Celery worker exited at start"
    stop(proc)
    raise AssertionError(f"the Celery worker did not start within {START_AT_MOST} s")


def stop(proc: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        proc.wait(timeout=30)


def wait_for(predicate, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def queue_drained(queue: str) -> bool:
    """No task of `queue` waits in Redis nor is held unacknowledged by a worker: every task
    sent to it has been run to the end (tasks are acknowledged late)."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        held = any(queue.encode() in value for value in client.hvals("unacked"))
        return client.llen(queue) == 0 and not held
    finally:
        client.close()


def settled(queue: str) -> bool:
    """`queue` is drained, and still is a moment later: a task being handed to a worker is, for
    an instant, neither waiting nor held, and a task sent before this was asked has been run
    to the end. What a test waits on instead of giving wrong sends a fixed time to arrive."""
    if not queue_drained(queue):
        return False
    time.sleep(0.3)
    return queue_drained(queue)


def redeliverable(queue: str) -> bool:
    """A task of `queue` is held unacknowledged (by a worker that died) for longer than the
    visibility timeout: the next worker to start hands it out again. Judged by the times Redis
    keeps beside each held task, so a slow machine only waits longer."""
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        tags = [tag for tag, value in client.hgetall("unacked").items() if queue.encode() in value]
        held = [client.zscore("unacked_index", tag) for tag in tags]
    finally:
        client.close()
    return bool(held) and all(
        since is not None and time.time() - since > VISIBILITY_TIMEOUT + 0.5 for since in held
    )


def task_results(log: Path, task: str) -> list[str]:
    """What each run of `task` returned, in order, as the worker logging to `log` wrote it."""
    if not log.exists():
        return []
    return [result for name, result in TASK_RESULT.findall(log.read_text()) if name == task]


class LentWorker:
    """A worker started once for the tests that need a plain one (SharedWorker), lent to one
    test: it takes the tasks of the test's own queue, and reports only what they did."""

    def __init__(self, shared: "SharedWorker", queue: str):
        self.shared, self.queue = shared, queue
        self.folder, self.log = shared.folder, shared.log
        self._mails_before = set(mails(self.folder))
        self._log_from = self.log.stat().st_size if self.log.exists() else 0
        self._consume("add_consumer")

    def _consume(self, command: str) -> None:
        replies = getattr(celery_app.control, command)(
            self.queue, destination=[self.shared.node], reply=True, timeout=10
        )
        assert any(self.shared.node in reply for reply in replies or []), (command, replies)

    def mails(self) -> list[Path]:
        return sorted(set(mails(self.folder)) - self._mails_before)

    def read_mails(self) -> list[email.message.Message]:
        return [email.message_from_bytes(path.read_bytes()) for path in self.mails()]

    def task_results(self, task: str) -> list[str]:
        """What each run of `task` for this test returned, in order (see task_results)."""
        if not self.log.exists():
            return []
        with self.log.open() as f:
            f.seek(self._log_from)
            written = f.read()
        return [result for name, result in TASK_RESULT.findall(written) if name == task]

    def give_back(self) -> None:
        """Once every task of the test's queue has run to the end (as a stopped worker's would
        have), the worker stops taking them: nothing of this test's reaches the next one."""
        try:
            assert wait_for(lambda: settled(self.queue), START_AT_MOST), "tasks still running"
        finally:
            self._consume("cancel_consumer")


class SharedWorker:
    """One plain worker (as start_worker's defaults, logging each task's result) for the tests
    that need no worker of their own: it starts once, on a queue nobody sends to, and each test
    lends it its own queue (lend), so a worker's start and stop (seconds each) are paid once."""

    def __init__(self, folder: Path):
        self.folder, self.log = folder, folder / "worker.log"
        self.name = f"shared-{uuid.uuid4().hex[:8]}"  # one per test process: xdist's too
        self.node = f"{self.name}@itest"
        # Its visibility timeout is production's: a running worker hands out again, every few
        # seconds, the tasks a dead one held longer than its own timeout, and the killed-worker
        # test must see its dead worker's task still held until the rescuer it starts.
        self.proc = start_worker(
            folder,
            name=self.name,
            log=self.log,
            queue=f"itest-idle-{uuid.uuid4().hex[:12]}",
            visibility_timeout=3600,
        )

    def lend(self, queue: str) -> LentWorker:
        assert self.proc.poll() is None, "the shared Celery worker has exited"
        return LentWorker(self, queue)

    def stop(self) -> None:
        stop(self.proc)


def mails(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.eml"))


def read_mails(folder: Path) -> list[email.message.Message]:
    return [email.message_from_bytes(path.read_bytes()) for path in mails(folder)]


class PrivateRedis:
    """A Redis server of the test's own, on a free port, with nothing kept on disk: it can be
    stopped and started again without touching the machine's shared Redis."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "/usr/bin/redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        client = redis.Redis.from_url(self.url, socket_timeout=1)
        try:
            assert wait_for(lambda: self._answers(client), 10), "the private Redis did not start"
        finally:
            client.close()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    @staticmethod
    def _answers(client) -> bool:
        try:
            return client.ping()
        except redis.ConnectionError:
            return False
