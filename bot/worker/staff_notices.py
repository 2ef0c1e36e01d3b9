"""Notices of the information centre's desk (a claim answered, a review decided), rendered by the
notice sender like verdict and result notices: kind → text and buttons."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from aiogram.types import InlineKeyboardMarkup

Gettext = Callable[[str], str]


def render(kind: str, payload: Mapping[str, Any], gettext: Gettext, language: str) -> str | None:
    """The HTML text of a desk notice; None when `kind` is not one of the desk's."""
    return None


def markup(kind: str, payload: Mapping[str, Any], gettext: Gettext) -> InlineKeyboardMarkup | None:
    """Buttons the desk adds under a notice of any kind (e.g. "contact the centre" under a rejection)."""
    return None
