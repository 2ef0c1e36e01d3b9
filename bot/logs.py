"""What an error may say in a log line or on the operator's terminal."""
from __future__ import annotations


def first_line(error: BaseException | None) -> str:
    """An error's first line (its type's name when it says nothing), at most 200 characters: a
    database error's further lines hold its statement's parameters (digests, seals)."""
    text = str(error).strip() if error is not None else ""
    return (text.splitlines()[0] if text else type(error).__name__)[:200]
