"""Request bodies the API will parse: JSON no larger than JSON_MAX_BYTES and nested no deeper
than JSON_MAX_DEPTH. Python's json module recurses once per level, so about 1,000 levels of
nesting raised RecursionError (a 500) before any view ran; no record here nests past 4."""

from __future__ import annotations

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

JSON_MAX_DEPTH = 20
JSON_MAX_BYTES = 1024 * 1024


def _depth_problem(text: str, limit: int) -> bool:
    """True when brackets outside strings nest past `limit` (a scan, no recursion)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


class LimitedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = getattr(settings, "API_JSON_MAX_BYTES", JSON_MAX_BYTES)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise ParseError(f"The request body is larger than {limit // 1024} KB.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError:
            raise ParseError("The request body is not valid UTF-8 text.") from None
        if _depth_problem(text, JSON_MAX_DEPTH):
            raise ParseError(f"The JSON is nested deeper than {JSON_MAX_DEPTH} levels.")
        try:
            return json.loads(text, parse_constant=_no_constant)
        except (ValueError, RecursionError) as exc:
            raise ParseError(f"The request body is not valid JSON ({_reason(exc)}).") from None


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _reason(exc: Exception) -> str:
    """The parser's words, without echoing the body back."""
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} at character {exc.pos}"
    return str(exc) if "JSON number" in str(exc) else "malformed"
