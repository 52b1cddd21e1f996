"""Every CSV the app writes is safe to open in a spreadsheet (issue 21): a text cell that would
run as a formula is made inert with a leading apostrophe, and numbers stay numbers."""

import csv
import io
from decimal import Decimal

import pytest

from core.csv_export import BOM, csv_cell, csv_response


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("+2", "'+2"),  # a sign no number of ours carries: inert, as the outcome CSVs always did
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTabbed", "'\tTabbed"),
        ("\rReturned", "'\rReturned"),
        ("Okafor", "Okafor"),
        ("", ""),
        (None, ""),
    ],
)
def test_a_text_cell_that_a_spreadsheet_would_run_is_made_inert(value, cell):
    assert csv_cell(value) == cell


@pytest.mark.parametrize("value", [-1.5, -3, 0, 2.25, Decimal("-0.75"), "-1.5", "-.5"])
def test_numbers_stay_numbers_negative_ones_too(value):
    assert csv_cell(value) == value


def test_a_csv_download_starts_with_its_byte_order_mark_and_neutralises_every_cell():
    response = csv_response(
        filename="list.csv",
        header=["name", "change"],
        rows=[["=cmd()", -1.5], ["Zoë", Decimal("2.0")]],
    )

    text = response.content.decode("utf-8")
    assert text.startswith(BOM)
    assert response["Content-Disposition"] == 'attachment; filename="list.csv"'
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(text.removeprefix(BOM))))
    assert rows == [["name", "change"], ["'=cmd()", "-1.5"], ["Zoë", "2.0"]]
