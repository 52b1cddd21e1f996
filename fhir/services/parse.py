"""A resource sent to us, validated by fhir.resources' R4B models (the package's default
models are R5, which would read R4 data wrongly): a 400 naming the element otherwise."""

from __future__ import annotations

import importlib
from typing import Any

from core.errors import InvalidInput

MODULES = {"Patient": "patient", "ServiceRequest": "servicerequest"}


def model_of(resource_type: str):
    module = importlib.import_module(f"fhir.resources.R4B.{MODULES[resource_type]}")
    return getattr(module, resource_type)


def _element(resource_type: str, loc) -> str:
    path = resource_type
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def resource_parse(resource_type: str, body) -> Any:  # the R4B model class's instance
    """The R4B model of `body`, which must be a `resource_type`."""
    from pydantic import ValidationError  # with the models: only when a resource is sent

    if not isinstance(body, dict):
        raise InvalidInput({resource_type: "Send one resource as a JSON object."})
    if body.get("resourceType") != resource_type:
        raise InvalidInput({"resourceType": f"Expected a {resource_type} here."})
    try:
        return model_of(resource_type).model_validate(body)
    except ValidationError as error:
        problems: dict[str, list[str]] = {}
        for problem in error.errors()[:10]:
            element = _element(resource_type, problem["loc"])
            # pydantic's words, never the value sent (it may be patient data)
            problems.setdefault(element, []).append(problem["msg"].removeprefix("Value error, "))
        raise InvalidInput(problems) from None
