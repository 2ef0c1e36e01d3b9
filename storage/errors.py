"""What storage refuses, in terms a caller can act on (show the receipt, flag for review...)."""
from __future__ import annotations


class PollNotFound(LookupError):
    def __init__(self, poll_id: int) -> None:
        super().__init__(f"there is no poll {poll_id}")
        self.poll_id = poll_id


class BallotNotFound(LookupError):
    def __init__(self, ballot_id: int) -> None:
        super().__init__(f"there is no ballot {ballot_id}")
        self.ballot_id = ballot_id


class PollStateError(ValueError):
    """The poll cannot move to the asked state (e.g. reopening a closed poll)."""


class PollNotOpen(ValueError):
    """The poll does not accept ballots now: not opened yet, closed, or outside its dates."""

    def __init__(self, poll_id: int) -> None:
        super().__init__(f"poll {poll_id} does not accept ballots now")
        self.poll_id = poll_id


class HouseNotInPoll(ValueError):
    def __init__(self, poll_id: int, house_id: int) -> None:
        super().__init__(f"house {house_id} does not take part in poll {poll_id}")
        self.poll_id = poll_id
        self.house_id = house_id


class DuplicateBallot(ValueError):
    """This Telegram account already holds a ballot for this flat in this poll.

    `ballot_id` and `receipt_code` are that ballot's: the resident may see it or change it.
    """

    def __init__(self, ballot_id: int, receipt_code: str) -> None:
        super().__init__("this account has already voted for this flat in this poll")
        self.ballot_id = ballot_id
        self.receipt_code = receipt_code


class DuplicatePerson(ValueError):
    """The same person (full name + birth date) already voted for this flat from another account.

    `ballot_id`/`resident_id` name the existing ballot and its account, for a review flag;
    they are not for showing to the resident.
    """

    def __init__(self, ballot_id: int, resident_id: int | None) -> None:
        super().__init__("this person has already voted for this flat from another account")
        self.ballot_id = ballot_id
        self.resident_id = resident_id
