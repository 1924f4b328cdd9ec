"""Periods: snapping and bounds follow the S2GM rules (dekads 1-10, 11-20, 21-end; quarters)."""
from datetime import date, datetime, timedelta, timezone

import pytest

from s2gm_qgis.core.mosaic.periods import (
    PERIOD_TYPES, normalise_period_type, parse_date, period_of, snap,
)


@pytest.mark.parametrize(
    "kind, day, start, end, letter",
    [
        ("day", date(2023, 8, 21), date(2023, 8, 21), date(2023, 8, 21), "D"),
        ("dekad", date(2023, 8, 1), date(2023, 8, 1), date(2023, 8, 10), "T"),
        ("dekad", date(2023, 8, 10), date(2023, 8, 1), date(2023, 8, 10), "T"),
        ("dekad", date(2023, 8, 11), date(2023, 8, 11), date(2023, 8, 20), "T"),
        ("dekad", date(2023, 8, 31), date(2023, 8, 21), date(2023, 8, 31), "T"),
        ("dekad", date(2024, 2, 29), date(2024, 2, 21), date(2024, 2, 29), "T"),
        ("dekad", date(2023, 2, 25), date(2023, 2, 21), date(2023, 2, 28), "T"),
        ("month", date(2023, 2, 14), date(2023, 2, 1), date(2023, 2, 28), "M"),
        ("quarter", date(2023, 5, 31), date(2023, 4, 1), date(2023, 6, 30), "Q"),
        ("quarter", date(2023, 12, 31), date(2023, 10, 1), date(2023, 12, 31), "Q"),
        ("year", date(2020, 7, 4), date(2020, 1, 1), date(2020, 12, 31), "Y"),
    ],
)
def test_period_bounds(kind, day, start, end, letter):
    period = period_of(kind, day)
    assert (period.start, period.end, period.letter) == (start, end, letter)
    assert snap(kind, day) == start
    assert period.days == (end - start).days + 1


def test_periods_tile_the_calendar_without_gap_or_overlap():
    for kind in PERIOD_TYPES:
        period = period_of(kind, date(2023, 1, 1))
        while period.start.year == 2023:
            following = period.next()
            assert following.start == period.end + timedelta(days=1)
            assert following.type == kind
            period = following


def test_contains_uses_whole_utc_days():
    period = period_of("dekad", date(2023, 8, 15))
    assert period.contains(datetime(2023, 8, 11, 0, 0, tzinfo=timezone.utc))
    assert period.contains(datetime(2023, 8, 20, 23, 59, 59, tzinfo=timezone.utc))
    assert not period.contains(datetime(2023, 8, 21, tzinfo=timezone.utc))
    # 01:00 on the 21st in UTC+2 is still the 20th in UTC
    assert period.contains(datetime(2023, 8, 21, 1, 0, tzinfo=timezone(timedelta(hours=2))))
    with pytest.raises(ValueError, match="time zone"):
        period.contains(datetime(2023, 8, 15))
    assert period.end_utc - period.start_utc == timedelta(days=10)


@pytest.mark.parametrize("text, kind", [("D", "day"), ("TENDAYS", "dekad"), ("t", "dekad"),
                                         ("10-day", "dekad"), ("Month", "month"),
                                         ("QUARTER", "quarter"), ("y", "year")])
def test_period_type_spellings(text, kind):
    assert normalise_period_type(text) == kind


def test_bad_period_type_and_date_say_what_was_expected():
    with pytest.raises(ValueError, match="expected one of day, dekad"):
        normalise_period_type("week")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("2023-02-30")
    assert parse_date("20230821") == date(2023, 8, 21)
