"""Log hygiene: request lines lose their query strings before any handler writes them.

The API's `GET /api/patients/?search=<text>` (the contract's) carries an MRN or a name;
runserver's `django.server` logger writes the whole request line. gunicorn's access log is
configured without the query string (bin/serve-production.sh, %(U)s)."""

from __future__ import annotations

import logging
import re

_QUERY = re.compile(r"\?[^\s\"]*")


def without_query(text: str) -> str:
    return _QUERY.sub("", text)


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
