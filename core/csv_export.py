"""Every CSV the app writes goes through here, so none can carry a formula a spreadsheet would
run (CSV injection): a text cell starting with =, +, -, @, a tab or a carriage return gets a
leading apostrophe (OWASP's advice). Numbers stay numbers, -1.5 included, whether given as a
number or as the plain text of one (a leading + is not ours: inert)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence

from django.http import HttpResponse

# Excel reads a CSV file as UTF-8 (≥, –, µ) only when it starts with a byte order mark.
BOM = "\ufeff"
# A text cell starting with one of these is a formula to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?(\d+(\.\d*)?|\.\d+)")


def csv_cell(value):
    """A value as a CSV cell: None empty, numbers as they are, and text a spreadsheet would run
    as a formula made inert by a leading apostrophe."""
    if value is None:
        return ""
    if (
        isinstance(value, str)
        and value.startswith(FORMULA_STARTS)
        and not PLAIN_NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def csv_response(*, filename: str, header: Sequence, rows: Iterable[Sequence]) -> HttpResponse:
    """A CSV download (UTF-8 with its byte order mark), every cell through `csv_cell`."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write(BOM)
    writer = csv.writer(response)
    writer.writerow([csv_cell(value) for value in header])
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return response
