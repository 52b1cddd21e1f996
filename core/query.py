"""What a GET takes in its query string, declared once per view (`Endpoint.query`: OpenAPI
parameters, or a Serializer whose fields are parameters) and checked against every request
before the view reads it: a parameter it does not know, an empty value for a filter that needs
one (`?state=` would otherwise list everything as if unfiltered), or a page that is not a
whole number from 1 is a 400 naming the parameter. The OpenAPI schema documents the same list
(core.schema.AutoSchema), so the two cannot drift."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter
from rest_framework.settings import api_settings

from core.errors import InvalidInput

PAGE = OpenApiParameter(
    "page",
    int,
    description="A whole number from 1, or `last`; a page past the last is a 404.",
)
EMPTY = "Empty: give a value, or leave the parameter out."
NOT_A_PAGE = "A page is a whole number from 1 (or `last`)."
NUL = "Null characters are not allowed."  # PostgreSQL compares no text holding a NUL byte


def query_names(query) -> list[str]:
    """The names of the query parameters a GET declares: each OpenApiParameter's, and each
    field of a Serializer of parameters."""
    names = []
    for item in query:
        names += [item.name] if isinstance(item, OpenApiParameter) else list(item().fields)
    return names


def _needs_a_value(query) -> dict[str, OpenApiParameter | None]:
    """The declared parameters an empty value means nothing for: a choice (an enum), a number,
    a date, or a text declared not blank; each with its OpenApiParameter (None: a field). A
    query serializer saying `empty_means_absent` takes an empty value as the parameter left out
    (the contract writes the outcomes' filters as `?procedure_from=&procedure_to=&lesion=`)."""
    needs: dict[str, OpenApiParameter | None] = {}
    for item in query:
        if isinstance(item, OpenApiParameter):
            if item.enum or item.type is not str or not item.allow_blank:
                needs[item.name] = item
        elif not getattr(item, "empty_means_absent", False):
            for name, field in item().fields.items():
                if not getattr(field, "allow_blank", False):
                    needs[name] = None
    return needs


def _page_problem(value: str) -> str | None:
    if value == "last" or (value.isascii() and value.isdigit() and int(value) >= 1):
        return None
    return NOT_A_PAGE


def query_check(request, query) -> None:
    """A query parameter the GET does not declare in `query` is a 400 naming it, with what it
    does know; DRF's `format` (?format=json) is always known. A declared one that needs a value
    sent empty, a page that is no page number, or a value holding a NUL byte (which no filter
    can compare) is a 400 naming it too."""
    known = query_names(query)
    unknown = sorted(set(request.query_params) - {*known, api_settings.URL_FORMAT_OVERRIDE})
    if unknown:
        takes = f"Known: {', '.join(known)}." if known else "This takes no query parameters."
        raise InvalidInput({name[:60]: f"Unknown query parameter. {takes}" for name in unknown})
    problems = {
        name[:60]: NUL
        for name, values in request.query_params.lists()
        if any("\x00" in value for value in values)
    }
    for name, param in _needs_a_value(query).items():
        for value in request.query_params.getlist(name):
            if value == "":
                problems[name] = EMPTY
            elif param is PAGE and (problem := _page_problem(value)):
                problems[name] = problem
    if problems:
        raise InvalidInput(problems)
