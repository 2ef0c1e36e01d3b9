"""The board's errors: each a ValueError whose message says, in one line, what is wrong."""
from __future__ import annotations


class BoardError(ValueError):
    """Something about the public board does not hold."""


class ProofError(BoardError):
    """A Merkle inclusion or consistency proof does not verify."""


class RowError(BoardError):
    """A board row (or a line of a rows file) is malformed."""


class CheckpointError(BoardError):
    """A signed checkpoint, or the verifier key, is malformed or does not verify."""


class BoardFileError(BoardError):
    """A file of the open-data directory is missing, unreadable or malformed.

    `missing` tells a directory that cannot be read at all (no such directory, a required file
    absent or unreadable) from one whose content is wrong: the first is a usage error, the second
    a failed verification."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing
