"""The Russian working-day calendar: the verdict on a ballot is due within working days.

Public holidays are fixed by the Labour Code, art. 112: 1–8 January, 23 February, 8 March,
1 May, 9 May, 12 June, 4 November. Each year the government moves some days off by decree;
those decrees are in `DECREES` (add a year as soon as its decree is published). For a year
without a decree the statutory rule applies: a holiday falling on a weekend gives a day off
on the next working day, except the January ones (which only a decree moves).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

try:
    MOSCOW: timezone | ZoneInfo = ZoneInfo("Europe/Moscow")
except ZoneInfoNotFoundError:  # no tz database on the host: Moscow has kept UTC+3 since 2014
    MOSCOW = timezone(timedelta(hours=3), "MSK")
VERDICT_WORKING_DAYS = 4

PUBLIC_HOLIDAYS = ((1, 1), (1, 2), (1, 3), (1, 4), (1, 5), (1, 6), (1, 7), (1, 8),
                   (2, 23), (3, 8), (5, 1), (5, 9), (6, 12), (11, 4))


@dataclass(frozen=True, slots=True)
class Decree:
    """A year's production calendar as the government set it.

    `days_off` lists every weekday off beyond the public holidays themselves: the decree's
    transfers and the Labour Code's moves of holidays that fell on a weekend alike.
    """

    source: str
    days_off: tuple[date, ...]  # weekdays that are days off on top of the public holidays
    working_weekends: tuple[date, ...] = ()  # Saturdays or Sundays worked instead


DECREES: dict[int, Decree] = {
    2025: Decree(
        "Постановление Правительства РФ от 04.10.2024 № 1335",
        # 4 Jan → 2 May, 5 Jan → 31 Dec, 23 Feb (Sun) → 8 May, 8 Mar (Sat) → 13 Jun,
        # 1 Nov (Sat) is worked for 3 Nov
        days_off=(date(2025, 5, 2), date(2025, 5, 8), date(2025, 6, 13), date(2025, 11, 3),
                  date(2025, 12, 31)),
        working_weekends=(date(2025, 11, 1),),
    ),
    2026: Decree(
        "Постановление Правительства РФ от 24.09.2025 № 1466",
        # 3 Jan → 9 Jan, 4 Jan → 31 Dec; by art. 112: 8 Mar (Sun) → 9 Mar, 9 May (Sat) → 11 May
        days_off=(date(2026, 1, 9), date(2026, 3, 9), date(2026, 5, 11), date(2026, 12, 31)),
    ),
    # 2027: no decree yet when this table was written; the statutory rule below applies
    # (1 May, 9 May and 12 June fall on weekends → 3 May, 10 May, 14 June off).
}


def _is_holiday(day: date) -> bool:
    return (day.month, day.day) in PUBLIC_HOLIDAYS


@lru_cache(maxsize=64)
def _days_off(year: int) -> frozenset[date]:
    """Every weekday off in the year (holidays and moved days); weekends are handled apart."""
    holidays = {date(year, month, day) for month, day in PUBLIC_HOLIDAYS}
    decree = DECREES.get(year)
    if decree is not None:
        return frozenset({d for d in holidays if d.weekday() < 5} | set(decree.days_off))
    off = {d for d in holidays if d.weekday() < 5}
    for holiday in sorted(holidays):
        if holiday.weekday() < 5 or holiday.month == 1:
            continue
        moved = holiday + timedelta(days=1)
        while moved.weekday() >= 5 or moved in off or _is_holiday(moved):
            moved += timedelta(days=1)
        off.add(moved)
    return frozenset(off)


def is_working_day(day: date | datetime) -> bool:
    """A day of work in Moscow: not a weekend (unless a decree made it one), not a day off."""
    if isinstance(day, datetime):
        day = _moscow(day).date()
    decree = DECREES.get(day.year)
    if decree is not None and day in decree.working_weekends:
        return True
    return day.weekday() < 5 and day not in _days_off(day.year)


def _moscow(moment: datetime) -> datetime:
    """Naive datetimes are taken as Moscow time already."""
    return moment.astimezone(MOSCOW) if moment.tzinfo is not None else moment


def add_working_days(start: datetime, days: int = VERDICT_WORKING_DAYS) -> datetime:
    """The moment `days` working days after `start`, at the same Moscow time of day.

    Friday 10:00 + 4 → Thursday 10:00; a start on a day off counts from the next working day.
    An aware `start` gives an answer in its own time zone.
    """
    if days < 0:
        raise ValueError("days must not be negative")
    local = _moscow(start)
    moment, left = local, days
    while left:
        # step by calendar days on the Moscow date, keeping the wall-clock time
        moment = datetime.combine(moment.date() + timedelta(days=1), local.timetz())
        if is_working_day(moment.date()):
            left -= 1
    if start.tzinfo is None:
        return moment
    return moment.astimezone(start.tzinfo)
