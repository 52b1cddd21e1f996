"""A model field's bounds, for the serializer and the form of that field: the limits live on
the model (its MinValueValidator and MaxValueValidator) and nowhere else."""

from __future__ import annotations

from typing import Any

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def bounds(model: type[models.Model], name: str) -> dict[str, Any]:
    """`{"min_value": …, "max_value": …}` of the field `name` of `model`, each only when the
    field has one, as DRF's and Django's number fields take them: the tightest of its
    validators (a positive integer field's floor, 0, included)."""
    lows, highs = [], []
    for validator in model._meta.get_field(name).validators:  # type: ignore[union-attr]  # a number field
        if isinstance(validator, MinValueValidator):
            lows.append(validator.limit_value)
        elif isinstance(validator, MaxValueValidator):
            highs.append(validator.limit_value)
    found = {}
    if lows:
        found["min_value"] = max(lows)
    if highs:
        found["max_value"] = min(highs)
    return found
