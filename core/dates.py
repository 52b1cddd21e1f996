import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months, clamped to the month's end (31 Jan + 1 month = 28/29 Feb)."""
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
