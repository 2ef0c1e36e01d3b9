"""The verdict deadline in Russian working days: weekends, holidays and the government's moves."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from verification.calendar import MOSCOW, add_working_days, is_working_day


def test_the_new_year_holidays_are_not_working_days() -> None:
    assert not any(is_working_day(date(2026, 1, day)) for day in range(1, 12))
    assert is_working_day(date(2026, 1, 12))


def test_a_weekend_is_not_a_working_day() -> None:
    assert not is_working_day(date(2026, 3, 14))  # Saturday
    assert not is_working_day(date(2026, 3, 15))  # Sunday
    assert is_working_day(date(2026, 3, 16))


def test_four_working_days_from_a_friday_end_on_thursday_at_the_same_time() -> None:
    assert add_working_days(datetime(2026, 3, 13, 10, 30), 4) == datetime(2026, 3, 19, 10, 30)


def test_the_default_deadline_is_four_working_days() -> None:
    start = datetime(2026, 3, 13, 10, 30)
    assert add_working_days(start) == add_working_days(start, 4)


def test_a_deadline_across_the_new_year_skips_the_holidays() -> None:
    # Fri 26 Dec 2025 → Mon 29, Tue 30; 31 Dec – 11 Jan off; Mon 12, Tue 13
    assert add_working_days(datetime(2025, 12, 26, 9), 4) == datetime(2026, 1, 13, 9)


@pytest.mark.parametrize(("day", "working"), [
    (date(2025, 11, 1), True),    # a Saturday worked for Monday 3 November
    (date(2025, 11, 3), False),
    (date(2025, 5, 2), False),    # moved from 4 January
    (date(2025, 5, 8), False),    # moved from Sunday 23 February
    (date(2025, 6, 13), False),   # moved from Saturday 8 March
    (date(2025, 2, 24), True),    # so 23 February 2025 gave no Monday off
    (date(2025, 12, 31), False),
    (date(2026, 1, 9), False),
    (date(2026, 3, 9), False),    # 8 March 2026 is a Sunday
    (date(2026, 5, 11), False),   # 9 May 2026 is a Saturday
    (date(2026, 12, 31), False),
    (date(2027, 5, 3), False),    # no decree yet: 1 May (Saturday) moves by the Labour Code
    (date(2027, 5, 10), False),
    (date(2027, 6, 14), False),
    (date(2027, 1, 11), True),    # January holidays on a weekend move only by decree
])
def test_days_the_government_moved(day: date, working: bool) -> None:
    assert is_working_day(day) is working


@pytest.mark.parametrize(("year", "working_days"), [(2025, 247), (2026, 247)])
def test_a_year_has_as_many_working_days_as_the_official_calendar(year: int, working_days: int) -> None:
    day, count = date(year, 1, 1), 0
    while day.year == year:
        count += is_working_day(day)
        day += timedelta(days=1)
    assert count == working_days


def test_an_aware_moment_is_counted_on_the_moscow_date() -> None:
    # 22:00 UTC on Friday is already 01:00 on Saturday in Moscow
    start = datetime(2026, 3, 13, 22, 0, tzinfo=timezone.utc)
    deadline = add_working_days(start, 1)
    assert deadline.tzinfo is timezone.utc
    assert deadline.astimezone(MOSCOW) == datetime(2026, 3, 16, 1, 0, tzinfo=MOSCOW)
    assert not is_working_day(start)


def test_a_start_on_a_day_off_counts_from_the_next_working_day() -> None:
    assert add_working_days(datetime(2026, 3, 14, 12), 1) == datetime(2026, 3, 16, 12)


def test_zero_days_is_the_start_and_negative_days_are_refused() -> None:
    start = datetime(2026, 3, 13, 10)
    assert add_working_days(start, 0) == start
    with pytest.raises(ValueError):
        add_working_days(start, -1)
