"""Operator times: ISO or Russian notation, Moscow time unless an offset is given."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.commands.moments import parse_moment, shown

EVENING_IN_MOSCOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize("text", ["2026-12-01T18:00", "2026-12-01 18:00", "01.12.2026 18:00", " 01.12.2026 18:00:00 "])
def test_naive_times_are_moscow_time(text):
    assert parse_moment(text) == EVENING_IN_MOSCOW


def test_an_explicit_offset_is_kept():
    assert parse_moment("2026-12-01T18:00+00:00") == datetime(2026, 12, 1, 18, 0, tzinfo=UTC)
    assert parse_moment("2026-12-01T15:00Z") == EVENING_IN_MOSCOW


@pytest.mark.parametrize("text", ["tomorrow", "31.02.2026 10:00", "2026-13-01", ""])
def test_nonsense_is_refused_with_examples(text):
    with pytest.raises(ValueError, match="01.12.2026 18:00"):
        parse_moment(text)


def test_shown_in_moscow_time():
    assert shown(EVENING_IN_MOSCOW) == "2026-12-01 18:00 MSK"
