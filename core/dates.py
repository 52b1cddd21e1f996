import calendar
import datetime as dt

from core.errors import InvalidInput


class OutOfCalendar(InvalidInput, ValueError):
    """A date moved past the calendar's ends (year 1 to 9999): bad input, a 400 in words, where
    `datetime` would raise a bare ValueError or OverflowError and the page a 500."""

    def __init__(self, field: str = "date"):
        super().__init__({field: "This date is beyond the calendar (years 1 to 9999)."})


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    if not dt.MINYEAR <= year <= dt.MAXYEAR:
        raise OutOfCalendar()
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_days(day: dt.date, days: int) -> dt.date:
    """`day` + `days` days, or OutOfCalendar past the calendar's ends."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        raise OutOfCalendar() from None
