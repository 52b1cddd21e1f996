"""An email backend for the worker-kill test: writes each message to a file, after a pause
long enough for the test to kill the worker mid-send."""

import os
import time
import uuid

from django.core.mail.backends.base import BaseEmailBackend


class SlowFileBackend(BaseEmailBackend):
    def send_messages(self, messages):
        time.sleep(float(os.environ.get("SLOW_EMAIL_SECONDS", "0")))
        folder = os.environ["DJANGO_EMAIL_FILE_PATH"]
        for message in messages:
            with open(os.path.join(folder, f"{uuid.uuid4().hex}.eml"), "wb") as f:
                f.write(message.message().as_bytes())
        return len(messages)
