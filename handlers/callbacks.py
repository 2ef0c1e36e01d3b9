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
    RESTART = "restart"  # forget the answers kept from before and type them again


class BallotAction(StrEnum):
    """What a resident can do with a ballot already cast."""

    CHANGE = "change"  # the choice
    ANOTHER = "another"  # vote for another flat
    CORRECT = "correct"  # the data, after it was not counted


class AdminSection(StrEnum):
    """The sections of `/admin`; each is opened by the router that owns it."""

    MENU = "menu"
    POLLS = "polls"
    ANNOUNCE = "announce"
    CLAIMS = "claims"
    REVIEW = "review"
    PAPER = "paper"
    STAFF = "staff"
    AUDIT = "audit"


class AdminCb(CallbackData, prefix="adm"):
    section: AdminSection


class ConsentCb(CallbackData, prefix="consent"):
    agree: bool


class LanguageCb(CallbackData, prefix="lang"):
    code: str


class ReuseCb(CallbackData, prefix="reuse"):
    """The answer to «the same identity answers as last time?» before a ballot for another flat."""

    reuse: bool


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


class CheckCb(CallbackData, prefix="check"):
    """The "Check my vote" button under a results notice: the check screen of that poll."""

    poll_id: int


class StatsView(StrEnum):
    """The breakdowns a chat shows (values of counting.breakdowns.Dimension); houses and districts
    are too many bars for a chat picture: the site has them."""

    AGE = "age"
    GENDER = "gender"
    OKRUG = "okrug"
    DAY = "day"
    HOUR = "hour"
    CHANNEL = "channel"


class StatsCb(CallbackData, prefix="stats"):
    poll_id: int
    view: StatsView
