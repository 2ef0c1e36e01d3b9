"""Callback data of every inline button; each stays well under Telegram's 64 bytes."""
from aiogram.filters.callback_data import CallbackData


class ConsentCb(CallbackData, prefix="consent"):
    agree: bool


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class PollCb(CallbackData, prefix="poll"):
    poll_id: int


class HouseCb(CallbackData, prefix="house"):
    house_id: int


class PageCb(CallbackData, prefix="page"):
    page: int


class NavCb(CallbackData, prefix="nav"):
    """Moves that exist at every step: back, search again, cancel."""

    action: str


class EditCb(CallbackData, prefix="edit"):
    field: str


class ChoiceCb(CallbackData, prefix="choice"):
    choice: str  # "yes" | "no"


class BallotCb(CallbackData, prefix="ballot"):
    """Actions on a ballot already cast: change the choice, or vote for another flat."""

    action: str
    ballot_id: int = 0
