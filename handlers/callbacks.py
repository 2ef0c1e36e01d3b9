"""Callback data of every inline button; each stays well under Telegram's 64 bytes."""
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData

from storage.models import Choice


class Nav(StrEnum):
    """Moves that exist at several steps."""

    BACK = "back"
    CANCEL = "cancel"
    SEARCH = "search"  # search the address again
    CONFIRM = "confirm"  # the review is right
    CAST = "cast"  # yes, I am sure


class BallotAction(StrEnum):
    """What a resident can do with a ballot already cast."""

    CHANGE = "change"  # the choice
    ANOTHER = "another"  # vote for another flat
    CORRECT = "correct"  # the data, after it was not counted


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
    action: Nav


class EditCb(CallbackData, prefix="edit"):
    field: str


class ChoiceCb(CallbackData, prefix="choice"):
    choice: Choice


class BallotCb(CallbackData, prefix="ballot"):
    action: BallotAction
    ballot_id: int = 0
