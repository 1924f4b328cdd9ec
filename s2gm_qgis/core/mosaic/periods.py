"""S2GM compositing periods: day, dekad, month, quarter, year.

Rules (../shared/docs/mosaic-algorithm.md section 5, S2GM Product User Manual): a dekad ("ten
days", letter T) is days 1-10, 11-20 and 21 to the end of the month; quarters are Jan-Mar,
Apr-Jun, Jul-Sep, Oct-Dec. A period covers whole UTC days: ``[start 00:00Z, end + 1 day 00:00Z)``.
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

#: Period types, shortest first.
PERIOD_TYPES: tuple[str, ...] = ("day", "dekad", "month", "quarter", "year")
#: S2GM product-name letter of each period type.
PERIOD_LETTERS: dict[str, str] = {"day": "D", "dekad": "T", "month": "M", "quarter": "Q", "year": "Y"}
#: Name of each period type in the historic S2GM order API (``temporalPeriod``).
S2GM_API_PERIODS: dict[str, str] = {
    "day": "DAY", "dekad": "TENDAYS", "month": "MONTH", "quarter": "QUARTER", "year": "YEAR",
}

_SYNONYMS = {
    **{t: t for t in PERIOD_TYPES},
    **{letter.lower(): t for t, letter in PERIOD_LETTERS.items()},
    **{api.lower(): t for t, api in S2GM_API_PERIODS.items()},
    "daily": "day", "10-day": "dekad", "10day": "dekad", "10days": "dekad", "ten-days": "dekad",
    "decade": "dekad", "monthly": "month", "quarterly": "quarter", "yearly": "year",
    "annual": "year",
}


def normalise_period_type(text: str) -> str:
    """'D', 'DAY', 'TENDAYS', 'T', '10-day', 'Month'... -> one of PERIOD_TYPES.

    Raises ValueError naming the accepted values.
    """
    key = str(text).strip().lower()
    if key in _SYNONYMS:
        return _SYNONYMS[key]
    raise ValueError(
        f"{text!r} is not a period type (expected one of {', '.join(PERIOD_TYPES)},"
        " or an S2GM letter D/T/M/Q/Y)"
    )


@dataclass(frozen=True)
class Period:
    """One compositing period; ``start`` and ``end`` are inclusive calendar days (UTC)."""

    type: str  # one of PERIOD_TYPES
    start: date
    end: date

    @property
    def letter(self) -> str:
        """S2GM letter: D, T, M, Q or Y."""
        return PERIOD_LETTERS[self.type]

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def start_utc(self) -> datetime:
        """First instant of the period (00:00:00 UTC of ``start``)."""
        return datetime.combine(self.start, time(0), tzinfo=timezone.utc)

    @property
    def end_utc(self) -> datetime:
        """First instant after the period (00:00:00 UTC of the day after ``end``): exclusive."""
        return datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=timezone.utc)

    def contains(self, when: datetime | date) -> bool:
        """True if a date, or an aware datetime (converted to UTC), falls in the period."""
        if isinstance(when, datetime):
            if when.tzinfo is None:
                raise ValueError(f"{when!r} has no time zone; sensing times are UTC")
            return self.start_utc <= when < self.end_utc
        return self.start <= when <= self.end

    def next(self) -> "Period":
        """The period of the same type that follows this one."""
        return period_of(self.type, self.end + timedelta(days=1))


def snap(period_type: str, day: date) -> date:
    """First day of the period of ``period_type`` that contains ``day``."""
    kind = normalise_period_type(period_type)
    if isinstance(day, datetime):
        day = day.date()
    if kind == "day":
        return day
    if kind == "dekad":
        return day.replace(day=min(21, 1 + 10 * ((day.day - 1) // 10)))
    if kind == "month":
        return day.replace(day=1)
    if kind == "quarter":
        return date(day.year, 1 + 3 * ((day.month - 1) // 3), 1)
    return date(day.year, 1, 1)


def period_of(period_type: str, day: date) -> Period:
    """The period of ``period_type`` that contains ``day``."""
    kind = normalise_period_type(period_type)
    start = snap(kind, day)
    if kind == "day":
        end = start
    elif kind == "dekad":
        last = calendar.monthrange(start.year, start.month)[1]
        end = start.replace(day=last if start.day == 21 else start.day + 9)
    elif kind == "month":
        end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    elif kind == "quarter":
        last_month = start.month + 2
        end = date(start.year, last_month, calendar.monthrange(start.year, last_month)[1])
    else:
        end = date(start.year, 12, 31)
    return Period(kind, start, end)


def parse_date(text: str | date) -> date:
    """'YYYY-MM-DD' (or 'YYYYMMDD') -> date; ValueError saying what was expected."""
    if isinstance(text, datetime):
        return text.date()
    if isinstance(text, date):
        return text
    value = str(text).strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (expected YYYY-MM-DD)")
