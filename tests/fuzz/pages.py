"""What the page fuzzer knows of the pages: each page route (the resolver's, without the API,
the FHIR facade, the admin and the docs), the forms and htmx controls the pages render (their
targets, field names and the values they offer), and hypothesis strategies for hostile values:
huge, negative and unicode numbers, impossible dates, NUL bytes, very long text, lists."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlsplit

from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from hypothesis import strategies as st

SKIPPED = ("api/", "fhir/", "admin/", "static/", "assets/", "healthz", "favicon.ico")
URL_ATTRIBUTES = ("action", "href", "hx-get", "hx-post", "src")

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "-2147483649",
    "2147483648",
    "9223372036854775808",
    "99999999999999999999999999",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "1.5",
    "0.0000000001",
    "9999-12-31",
    "9999-12-01",
    "0000-00-00",
    "0001-01-01",
    "2026-02-30",
    "2026-13-01",
    "31/12/2026",
    "²",
    "٣",
    "１２",
    "−1",
    "\x00",
    "a\x00b",
    "x" * 5000,
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "../../etc/passwd",
    "%00",
    "true",
    "on",
    "last",
    "0x10",
    "\u202e",
    "😀",
]


@dataclass
class Form:
    """A form or htmx control a page rendered: where it goes and what it sends."""

    method: str
    target: str
    fields: dict[str, list[str]] = field(default_factory=dict)


class _Forms(HTMLParser):
    def __init__(self, page: str):
        super().__init__()
        self.page, self.forms, self.urls, self._open = page, [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.urls += [a[k] for k in URL_ATTRIBUTES if a.get(k)]
        if tag == "form":
            method = (a.get("method") or "get").upper()
            self._open.append(Form(method, a.get("action") or self.page))
            self.forms.append(self._open[-1])
        for verb in ("get", "post"):
            if a.get(f"hx-{verb}"):
                self.forms.append(Form(verb.upper(), a[f"hx-{verb}"]))
        name = a.get("name")
        if name and tag in ("input", "select", "textarea", "button") and self._open:
            values = self._open[-1].fields.setdefault(name, [])
            if a.get("value") is not None:
                values.append(a["value"])
        if tag == "option" and self._open and a.get("value") is not None:
            last = list(self._open[-1].fields)
            if last:
                self._open[-1].fields[last[-1]].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "form" and self._open:
            self._open.pop()


def parse(page: str, html: str) -> tuple[list[Form], list[str]]:
    parser = _Forms(page)
    parser.feed(html)
    return parser.forms, parser.urls


def page_routes(resolvers=None, prefix: str = "") -> list[tuple[str, str]]:
    """(name, route) of every page the app serves, includes walked."""
    found = []
    for entry in get_resolver().url_patterns if resolvers is None else resolvers:
        if isinstance(entry, URLResolver):
            found += page_routes(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            route = prefix + str(entry.pattern)
            if not route.startswith(SKIPPED):
                found.append((entry.name, route))
    return found


@dataclass
class Known:
    """What the rendered pages said: forms by the route they target, the path arguments seen
    in their links, the query names and values seen in them."""

    forms: dict[str, list[Form]] = field(default_factory=lambda: defaultdict(list))
    kwargs: dict[str, set] = field(default_factory=lambda: defaultdict(set))
    query: dict[str, set] = field(default_factory=lambda: defaultdict(set))

    def learn(self, page: str, html: str) -> None:
        forms, urls = parse(page, html)
        for form in forms:
            if name := _route_of(form.target):
                form.fields.update({k: [v] for k, v in parse_qsl(urlsplit(form.target).query) if k})
                self.forms[name].append(form)
        for url in urls:
            if _route_of(url):
                for key, value in resolve(urlsplit(url).path).kwargs.items():
                    self.kwargs[key].add(value)
                for key, value in parse_qsl(urlsplit(url).query, keep_blank_values=True):
                    self.query[key].add(value)


def _route_of(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path.startswith("/"):
        return None
    try:
        return resolve(parts.path).url_name
    except Resolver404:
        return None


def value() -> st.SearchStrategy[str]:
    """One hostile value a field or parameter may get."""
    return st.one_of(
        st.sampled_from(NASTY),
        st.integers(min_value=-(10**30), max_value=10**30).map(str),
        st.dates().map(lambda d: d.isoformat()),
        st.text(max_size=40),
    )


def values(offered: list[str]) -> st.SearchStrategy:
    """A field's value: one it offered, a hostile one, or several at once."""
    one = st.one_of(st.sampled_from(offered), value()) if offered else value()
    return st.one_of(one, st.lists(one, min_size=2, max_size=3))


SEGMENT = re.compile(r"<(?:(\w+):)?(\w+)>")


def path_of(route: str, chosen: dict[str, str]) -> str:
    return "/" + SEGMENT.sub(lambda m: chosen[m[2]], route)


def path_arguments(route: str, known: Known) -> st.SearchStrategy[dict[str, str]]:
    """Each path argument: one the pages linked to, or any number or text its converter takes."""
    parts = {}
    for converter, name in SEGMENT.findall(route):
        seen = sorted(str(v) for v in known.kwargs.get(name, ()))
        if converter == "int":
            other = st.integers(min_value=0, max_value=10**25).map(str)
        else:
            alphabet = st.characters(blacklist_characters="/?#%", blacklist_categories=["Cs"])
            other = st.text(alphabet, min_size=1, max_size=30)
        parts[name] = st.one_of(st.sampled_from(seen), other) if seen else other
    return st.fixed_dictionaries(parts)
