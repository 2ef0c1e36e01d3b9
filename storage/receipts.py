"""Receipt codes: what a resident keeps to look up their ballot later."""
from __future__ import annotations

import secrets

#: No 0/O, 1/I/L: nothing a resident can misread when copying the code from a screen.
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RECEIPT_LENGTH = 10


def new_receipt_code() -> str:
    """10 characters drawn with `secrets` (about 49 bits): not guessable, rarely colliding."""
    return "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(RECEIPT_LENGTH))


def normalise_receipt(text: str) -> str:
    """A typed code as stored: upper case, spaces and dashes dropped ("abcd-efgh 23")."""
    return "".join(ch for ch in text.upper() if ch not in " -\t")
