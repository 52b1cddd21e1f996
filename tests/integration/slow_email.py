"""An email backend for the worker-kill test: writes each message to a file. Given a gate
folder (SLOW_EMAIL_GATE), it first says it is sending (a file `sending` there, written after
the delivery was claimed) and then holds the send until the test opens the gate (a file
`open`), so the test knows the worker is mid-send and may kill it there, however slow the
machine."""

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend

HOLD_AT_MOST = 600  # seconds: a gate nobody opens does not hold a worker for ever


def _wait_at_gate(gate: Path) -> None:
    (gate / "sending.tmp").write_text(str(os.getpid()))
    (gate / "sending.tmp").rename(gate / "sending")  # whole, or not there at all
    deadline = time.monotonic() + HOLD_AT_MOST
    while not (gate / "open").exists() and time.monotonic() < deadline:
        time.sleep(0.05)


class SlowFileBackend(BaseEmailBackend):
    def send_messages(self, messages):
        if gate := os.environ.get("SLOW_EMAIL_GATE"):
            _wait_at_gate(Path(gate))
        folder = os.environ["DJANGO_EMAIL_FILE_PATH"]
        for message in messages:
            with open(os.path.join(folder, f"{uuid.uuid4().hex}.eml"), "wb") as f:
                f.write(message.message().as_bytes())
        return len(messages)
