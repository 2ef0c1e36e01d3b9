"""The board's rows: one counted ballot each, with nothing in it that names a person or a flat.

A row is ten fields. Its leaf in the Merkle log is the UTF-8 of `board-row/v1`, a tab, and the
fields in order joined by tabs (ints in decimal), no trailing newline; every field has a strict
format without tabs or newlines, so the encoding is unambiguous and `from_leaf(row.leaf())` is
the row itself. The same rows are published as CSV (a header row of the field names) and JSON
Lines (one object a line, the ints as JSON numbers).
"""
from __future__ import annotations

import csv
import json
import os
import re
from functools import lru_cache
from collections.abc import Iterable
from datetime import date
from math import gcd
from typing import IO, NamedTuple

from board.errors import RowError

LEAF_PREFIX = "board-row/v1"
CHOICES = ("yes", "no")
CHANNELS = ("telegram", "paper")

__all__ = ["CHANNELS", "CHOICES", "FIELDS", "LEAF_PREFIX", "BoardRow", "RowError", "checked", "effective",
           "read_csv", "read_jsonl", "write_csv", "write_jsonl"]


class BoardRow(NamedTuple):
    """One counted ballot as the public sees it."""

    poll: int
    publication: int  # the number of the publication that appended the row
    tracker: str  # 32 lowercase hex digits, derived from the voter's receipt by a keyed hash
    unom: int  # the house
    flat: str  # 16 lowercase hex digits: a per-poll pseudonym of the flat
    choice: str  # "yes" | "no"
    share: str  # the voter's ownership share "n/d" in lowest terms, "1/1" when whole
    channel: str  # "telegram" | "paper"
    counted_on: str  # "YYYY-MM-DD", the Moscow date the ballot was counted
    replaces: str  # "" or the tracker of an earlier row this one supersedes

    def leaf(self) -> bytes:
        return f"{LEAF_PREFIX}\t{self.poll}\t{self.publication}\t{self.tracker}\t{self.unom}\t{self.flat}\t" \
               f"{self.choice}\t{self.share}\t{self.channel}\t{self.counted_on}\t{self.replaces}".encode()

    @classmethod
    def from_leaf(cls, data: bytes) -> BoardRow:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise RowError("the leaf is not UTF-8") from None
        parts = text.split("\t")
        if parts[0] != LEAF_PREFIX:
            raise RowError(f"the leaf does not start with {LEAF_PREFIX}")
        return _parsed(parts[1:])


FIELDS: tuple[str, ...] = BoardRow._fields
_INTS = frozenset(("poll", "publication", "unom"))
_HEX32 = re.compile(r"[0-9a-f]{32}")
_HEX16 = re.compile(r"[0-9a-f]{16}")
_DECIMAL = re.compile(r"0|[1-9][0-9]*")
#: the least value of each number: Moscow's address register has a house with UNOM 0
_LEAST = {"poll": 1, "publication": 1, "unom": 0}
_SHARE = re.compile(r"([1-9][0-9]*)/([1-9][0-9]*)")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def checked(row: BoardRow) -> BoardRow:
    """The row itself if every field is well formed; else RowError naming the field."""
    if len(row) != len(FIELDS):
        raise RowError(f"a row has {len(FIELDS)} fields, not {len(row)}")
    for name in _INTS:
        value = getattr(row, name)
        if type(value) is not int or value < _LEAST[name]:
            raise RowError(f"{name} must be a whole number of at least {_LEAST[name]}")
    for name, value in zip(FIELDS, row):
        if name not in _INTS and type(value) is not str:
            raise RowError(f"{name} must be text")
    if not _HEX32.fullmatch(row.tracker):
        raise RowError("tracker must be 32 lowercase hex digits")
    if not _HEX16.fullmatch(row.flat):
        raise RowError("flat must be 16 lowercase hex digits")
    if row.choice not in CHOICES:
        raise RowError("choice must be yes or no")
    share = _SHARE.fullmatch(row.share)
    if not share:
        raise RowError("share must be a fraction n/d such as 1/2 or 1/1")
    numerator, denominator = int(share[1]), int(share[2])
    if numerator > denominator:
        raise RowError("share must be at most 1/1")
    if gcd(numerator, denominator) != 1:
        raise RowError("share must be in lowest terms")
    if row.channel not in CHANNELS:
        raise RowError("channel must be telegram or paper")
    if not _DATE.fullmatch(row.counted_on):
        raise RowError("counted_on must be a date YYYY-MM-DD")
    try:
        date.fromisoformat(row.counted_on)
    except ValueError:
        raise RowError(f"counted_on {row.counted_on} is not a valid date") from None
    if row.replaces and not _HEX32.fullmatch(row.replaces):
        raise RowError("replaces must be empty or 32 lowercase hex digits")
    if row.replaces == row.tracker:
        raise RowError("a row cannot replace itself")
    return row


# a well-formed row, all at once: a board has hundreds of thousands, and checking them field by
# field took most of the verifier's time; a row it does not match goes the slow way, for the message
_ROW = re.compile(r"(0|[1-9][0-9]*)\t(0|[1-9][0-9]*)\t([0-9a-f]{32})\t(0|[1-9][0-9]*)\t([0-9a-f]{16})\t(yes|no)"
                  r"\t([1-9][0-9]*)/([1-9][0-9]*)\t(telegram|paper)\t([0-9]{4}-[0-9]{2}-[0-9]{2})\t((?:[0-9a-f]{32})?)")


@lru_cache(maxsize=4096)
def _real_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True


def _quickly(values: list) -> BoardRow | None:
    """The row if it is plainly well formed; None to look closer."""
    if len(values) != len(FIELDS):
        return None
    try:
        match = _ROW.fullmatch("\t".join(values))
    except TypeError:  # a number where text belongs (JSON): the slow way says which
        return None
    if match is None or int(match[1]) < 1 or int(match[2]) < 1 or not _real_date(match[10]):
        return None
    numerator, denominator = match[7], match[8]
    if (numerator, denominator) != ("1", "1"):
        top, bottom = int(numerator), int(denominator)
        if top > bottom or gcd(top, bottom) != 1:
            return None
    if match[11] == match[3]:
        return None
    return BoardRow(int(match[1]), int(match[2]), match[3], int(match[4]), match[5], match[6],
                    f"{numerator}/{denominator}", match[9], match[10], match[11])


def _parsed(values: list) -> BoardRow:
    """A row from its ten fields as text (ints still in decimal), checked."""
    quick = _quickly(values)
    if quick is not None:
        return quick
    if len(values) != len(FIELDS):
        raise RowError(f"expected {len(FIELDS)} fields, found {len(values)}")
    fields = []
    for name, value in zip(FIELDS, values):
        if name in _INTS:
            # decimal with no sign or leading zero: the leaf re-encodes to the same bytes
            if not isinstance(value, str) or not _DECIMAL.fullmatch(value):
                raise RowError(f"{name} must be a whole number in decimal, without a sign or leading zeros")
            value = int(value)
        fields.append(value)
    return checked(BoardRow(*fields))


def effective(rows: Iterable[BoardRow]) -> list[BoardRow]:
    """The rows that count, in order: without those a later row's `replaces` names."""
    rows = list(rows)
    replaced: set[str] = set()
    seen: set[str] = set()
    for row in rows:  # only an earlier row can be replaced: the array is in the order of counting
        if row.replaces in seen:
            replaced.add(row.replaces)
        seen.add(row.tracker)
    return [row for row in rows if row.tracker not in replaced]


def _name(file: IO, default: str) -> str:
    name = getattr(file, "name", None)
    return os.path.basename(name) if isinstance(name, str) else default


def write_csv(rows: Iterable[BoardRow], file: IO[str]) -> None:
    """Open the file with newline="" (as for any csv file): lines end in a bare newline."""
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows(rows)


def read_csv(file: IO[str], name: str | None = None) -> list[BoardRow]:
    """Every row of a CSV file; RowError names the file and line of the first bad one."""
    name = name or _name(file, "rows.csv")
    reader = csv.reader(file, strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise RowError(f"{name} is empty: it must start with the header {','.join(FIELDS)}")
        if tuple(header) != FIELDS:
            raise RowError(f"{name} line 1: the header must be {','.join(FIELDS)}")
        rows = []
        for values in reader:
            try:
                rows.append(_parsed(values))
            except RowError as error:
                raise RowError(f"{name} line {reader.line_num}: {error}") from None
        return rows
    except csv.Error as error:
        raise RowError(f"{name} line {reader.line_num}: not CSV: {error}") from None


def write_jsonl(rows: Iterable[BoardRow], file: IO[str]) -> None:
    for row in rows:
        file.write(json.dumps(row._asdict(), ensure_ascii=False, separators=(",", ":")) + "\n")


_JSONL = ('{"poll":%d,"publication":%d,"tracker":"%s","unom":%d,"flat":"%s","choice":"%s","share":"%s",'
          '"channel":"%s","counted_on":"%s","replaces":"%s"}\n')


def jsonl_text(rows: Iterable[BoardRow]) -> str:
    """What `write_jsonl` writes for rows already checked (their fields need no JSON escapes),
    made by formatting: the verifier compares a board's rows.jsonl with it."""
    return "".join(_JSONL % row for row in rows)


def read_jsonl(file: IO[str], name: str | None = None) -> list[BoardRow]:
    """Every row of a JSON Lines file; RowError names the file and line of the first bad one."""
    name = name or _name(file, "rows.jsonl")
    rows = []
    for number, line in enumerate(file, start=1):
        try:
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                raise RowError(f"not JSON: {error.msg}") from None
            if not isinstance(data, dict) or tuple(data) != FIELDS:
                raise RowError(f"a line must be an object with the keys {', '.join(FIELDS)} in that order")
            for key in _INTS:  # a JSON number here; _parsed checks the decimal form
                if type(data[key]) is not int:
                    raise RowError(f"{key} must be a whole number")
            rows.append(_parsed([str(v) if k in _INTS else v for k, v in data.items()]))
        except RowError as error:
            raise RowError(f"{name} line {number}: {error}") from None
    return rows
