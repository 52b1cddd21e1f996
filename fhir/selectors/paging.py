"""A page of search results: `_count` and `_offset`, bounded."""

from __future__ import annotations

from dataclasses import dataclass

from core.errors import InvalidInput

DEFAULT_COUNT = 50
MAX_COUNT = 200


@dataclass(frozen=True)
class Page:
    offset: int = 0
    count: int = DEFAULT_COUNT


@dataclass
class Found:
    resources: list
    total: int
    page: Page

    @property
    def more(self) -> bool:
        return self.page.offset + self.page.count < self.total


def page_of(count: str | None, offset: str | None) -> Page:
    def number(name, text, low, high, default):
        if text is None or text == "":
            return default
        if not text.isdigit() or not low <= int(text) <= high:
            raise InvalidInput({name: f"A whole number from {low} to {high}."})
        return int(text)

    return Page(
        offset=number("_offset", offset, 0, 10**9, 0),
        count=number("_count", count, 0, MAX_COUNT, DEFAULT_COUNT),
    )


def reference_id(text: str, resource_type: str, name: str) -> int:
    """`Patient/12` or `12` as 12, else a 400 naming the parameter."""
    found = text.removeprefix(f"{resource_type}/")
    if not found.isdigit() or len(found) > 18:
        raise InvalidInput({name: f"A reference to a {resource_type}: {resource_type}/<id>."})
    return int(found)
