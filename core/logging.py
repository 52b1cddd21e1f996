"""Log hygiene: request lines lose their query strings and secrets before any handler writes them.

The API's `GET /api/patients/?search=<text>` (the contract's) carries an MRN or a name;
runserver's `django.server` logger writes the whole request line. A nurse's clinic feed is read
at `/feeds/<secret>/clinic.ics` (calendar apps take nothing but a URL), and whoever reads the
access log must not be able to subscribe to it. gunicorn's access log is written without the
query string (bin/serve-production.sh, %(U)s) and through `AccessLog`, which hides the secret."""

from __future__ import annotations

import logging
import re

from gunicorn.glogging import Logger

_QUERY = re.compile(r"\?[^\s\"]*")
_FEED_SECRET = re.compile(r"/feeds/[^/\s\"?]+/")
HIDDEN = "/feeds/[secret]/"


def without_query(text: str) -> str:
    return _FEED_SECRET.sub(HIDDEN, _QUERY.sub("", text))


class AccessLog(Logger):
    """gunicorn's logger, its access lines without query strings or feed secrets, and its
    error lines too: a worker interrupted mid-request (a timeout, a quick stop) logs "Error
    handling request <uri>" with the whole URI."""

    def setup(self, cfg):
        super().setup(cfg)
        self.error_log.addFilter(_QUERIES_REMOVED)  # one instance: setup runs again on HUP

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name in ("r", "U", "f"):
            if isinstance(atoms.get(name), str):
                atoms[name] = without_query(atoms[name])
        atoms["q"] = "-"
        return atoms


def _clean(value):
    return without_query(value) if isinstance(value, str) else value


class QueryStringsRemoved(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict):
            record.args = {k: _clean(v) for k, v in record.args.items()}
        elif isinstance(record.args, tuple):
            record.args = tuple(_clean(a) for a in record.args)
        if isinstance(record.msg, str):
            record.msg = without_query(record.msg)
        return True


_QUERIES_REMOVED = QueryStringsRemoved()
