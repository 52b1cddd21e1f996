"""An urgent finding as the result writers hand it on (tasks/services/findings.py grades it):
a value, so the models can name it without importing the services."""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.db import models


class Grade(models.TextChoices):
    """How urgent a finding is (Alert.Grade): critical ones come first in every inbox."""

    CRITICAL = "critical"
    OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True)
class Urgent:
    """An urgent finding: its grade (Alert.Grade), what was found ({"text": in words, and its
    numbers}), and, once its alerts are written, the names of who was alerted, so whoever
    recorded it is told on the spot."""

    grade: str
    finding: dict
    alerted: tuple[str, ...] = ()

    def told(self, names) -> Urgent:
        return replace(self, alerted=tuple(names))

    def said(self) -> str:
        """What the recorder is told, in words: "INR 4.6 is out of range (target 2.0–3.0).
        Alerted: Carol Coordinator." """
        critical = self.grade == Grade.CRITICAL
        found = self.finding
        if "inr" in found:
            how = "critically out of range" if critical else "out of range"
            target = f"{found['target_low']}–{found['target_high']}"
            said = f"INR {found['inr']} is {how} (target {target})."
        else:
            said = f"{'Critical' if critical else 'Urgent'} finding: {found['text']}."
        alerted = ", ".join(self.alerted) or "nobody (no active coordinator or admin)"
        return f"{said} Alerted: {alerted}."
