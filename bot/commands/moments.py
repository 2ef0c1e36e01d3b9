"""Dates and times as the operator types and reads them: Moscow time unless told otherwise."""
from __future__ import annotations

from datetime import UTC, datetime

from verification.calendar import MOSCOW

_DOTTED = ("%d.%m.%Y %H:%M", "%d.%m.%Y %H:%M:%S", "%d.%m.%Y")
EXAMPLES = "2026-12-01T18:00, 2026-12-01 18:00 or 01.12.2026 18:00"


def parse_moment(text: str) -> datetime:
    """A UTC moment from ISO ("2026-12-01T18:00", "2026-12-01 18:00", with or without an
    offset) or Russian ("01.12.2026 18:00") text; a time without an offset is Moscow time.
    """
    text = text.strip()
    value: datetime | None = None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        for pattern in _DOTTED:
            try:
                value = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if value is None:
        raise ValueError(f"{text!r} is not a date and time; write {EXAMPLES}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=MOSCOW)
    return value.astimezone(UTC)


def shown(moment: datetime) -> str:
    """"2026-12-01 18:00 MSK": how times are shown to the operator."""
    return moment.astimezone(MOSCOW).strftime("%Y-%m-%d %H:%M MSK")
