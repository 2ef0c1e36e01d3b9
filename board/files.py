"""The board's open-data directory: what `export board` writes and the verifier reads.

    board.vkey            the verifier key of the board's signatures, one line
    rules.json            the poll's counting rules, canonical JSON, as hashed (no newline added)
    rows.csv, rows.jsonl  every row as of the newest publication, in leaf order
    checkpoints/N.txt     the signed checkpoint of publication N
    results/N.csv         publication N's results per house, as `export results` writes them
    README.txt            what these files are and how to check them

Every file is UTF-8 with bare newlines, written and read byte for byte: the checkpoints sign
the SHA-256 of rules.json and of each results file as they are on disk.
"""
from __future__ import annotations

import csv
import io
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from board.errors import BoardFileError, RowError
from board.rows import BoardRow, jsonl_text, read_csv, read_jsonl, write_csv, write_jsonl

VKEY = "board.vkey"
RULES = "rules.json"
ROWS_CSV = "rows.csv"
ROWS_JSONL = "rows.jsonl"
CHECKPOINTS = "checkpoints"
RESULTS = "results"
README = "README.txt"

__all__ = ["BoardFiles", "BoardFileError", "PublishedHouse", "ResultsFile", "parse_results", "read_board",
           "write_board"]

_NUMBERED = re.compile(r"([1-9][0-9]*)\.(txt|csv)")

README_TEXT = """\
The public board of a poll: every counted ballot as one row, without names or flat numbers.

board.vkey          the key that signs the checkpoints (Ed25519, C2SP signed-note verifier key)
rules.json          the poll's counting rules (canonical JSON)
rows.csv            every row, in the order they were appended; rows.jsonl holds the same rows
checkpoints/N.txt   publication N's signed checkpoint: the number of rows then and the root of
                    the RFC 9162 Merkle tree over them, with the SHA-256 of rules.json and of
                    results/N.csv
results/N.csv       publication N's result for each house

A row's leaf is the UTF-8 text "board-row/v1", then its ten fields in the order of the CSV
header, all separated by tabs; the tree's leaf hash is SHA-256(0x00 + leaf), a node's
SHA-256(0x01 + left + right). A row is never changed nor removed: a publication only appends
rows, and a row naming another in "replaces" (the same voter, another channel) makes that one
stop counting.

To check all of it: python -m bot verify-board DIR
To check that nothing was rewritten since a checkpoint you saved:
    python -m bot verify-board DIR --since saved-checkpoint.txt
Find your own row by the tracker printed on your receipt.
"""


@dataclass(frozen=True, slots=True)
class BoardFiles:
    """The directory's content, parsed; the text of the signed or hashed files exactly as on disk."""

    directory: Path
    vkey: str
    rules_json: str
    rows: list[BoardRow]  # from rows.csv
    rows_jsonl: list[BoardRow]
    checkpoints: dict[int, str] = field(default_factory=dict)  # publication number → signed note
    results: dict[int, str] = field(default_factory=dict)  # publication number → results CSV


def _write(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(text)


def write_board(directory: str | os.PathLike, *, vkey: str, rules_json: str, rows: Iterable[BoardRow],
                checkpoints: Mapping[int, str], results: Mapping[int, str]) -> None:
    """Writes (or overwrites) the board's files in `directory`, creating it if need be."""
    root = Path(directory)
    (root / CHECKPOINTS).mkdir(parents=True, exist_ok=True)
    (root / RESULTS).mkdir(exist_ok=True)
    _write(root / VKEY, vkey.strip() + "\n")
    _write(root / RULES, rules_json)
    rows = list(rows)
    with (root / ROWS_CSV).open("w", encoding="utf-8", newline="") as file:
        write_csv(rows, file)
    with (root / ROWS_JSONL).open("w", encoding="utf-8", newline="") as file:
        write_jsonl(rows, file)
    for number, note in checkpoints.items():
        _write(root / CHECKPOINTS / f"{int(number)}.txt", note)
    for number, text in results.items():
        _write(root / RESULTS / f"{int(number)}.csv", text)
    _write(root / README, README_TEXT)


def _read(path: Path, root: Path) -> str:
    shown = path.relative_to(root).as_posix()
    try:
        with path.open(encoding="utf-8", newline="") as file:
            return file.read()
    except FileNotFoundError:
        raise BoardFileError(f"{root}/{shown} is missing", missing=True) from None
    except UnicodeDecodeError:
        raise BoardFileError(f"{shown} is not UTF-8 text") from None
    except OSError as error:
        raise BoardFileError(f"cannot read {root}/{shown}: {error.strerror or error}", missing=True) from None


def _numbered(folder: Path, root: Path, suffix: str) -> dict[int, str]:
    """The files N.suffix of a folder, by N; any other file there is a malformed board."""
    if not folder.is_dir():
        raise BoardFileError(f"{root}/{folder.name}/ is missing", missing=True)
    found: dict[int, str] = {}
    for path in sorted(folder.iterdir()):
        match = _NUMBERED.fullmatch(path.name)
        if not match or match[2] != suffix:
            raise BoardFileError(f"{folder.name}/{path.name}: expected files named N.{suffix}, N a publication")
        found[int(match[1])] = _read(path, root)
    return dict(sorted(found.items()))


def _rows(path: Path, root: Path, reader) -> list[BoardRow]:
    text = _read(path, root)
    try:
        return reader(io.StringIO(text, newline=""), path.name)
    except RowError as error:
        raise BoardFileError(str(error)) from None


def read_board(directory: str | os.PathLike) -> BoardFiles:
    """The board of `directory`; BoardFileError says which file is missing or malformed."""
    root = Path(directory)
    if not root.is_dir():
        raise BoardFileError(f"no board directory at {root}", missing=True)
    vkey = _read(root / VKEY, root)
    if not vkey.strip() or len(vkey.strip().splitlines()) != 1:
        raise BoardFileError(f"{VKEY} must hold one line: the verifier key")
    rows = _rows(root / ROWS_CSV, root, read_csv)
    return BoardFiles(root, vkey.strip(), _read(root / RULES, root), rows, _same_rows(root, rows),
                      _numbered(root / CHECKPOINTS, root, "txt"), _numbered(root / RESULTS, root, "csv"))


def _same_rows(root: Path, rows: list[BoardRow]) -> list[BoardRow]:
    """rows.jsonl's rows: when the file is byte for byte what the CSV's rows write, they are the
    same rows (no second parse of 400,000 lines); otherwise read it, to say where it differs."""
    text = _read(root / ROWS_JSONL, root)
    if jsonl_text(rows) == text:
        return rows
    try:
        return read_jsonl(io.StringIO(text, newline=""), ROWS_JSONL)
    except RowError as error:
        raise BoardFileError(str(error)) from None


# the columns of a results file, which `export results` writes (services/exports.py) and the
# verifier reads
RESULT_COLUMNS = ("unom", "address", "okrug", "district", "flats_total", "for_flats", "against_flats",
                  "undecided_flats", "silent_flats", "effective_for", "effective_against", "base", "for_pct",
                  "against_pct", "decision", "why", "count_decision")


@dataclass(frozen=True, slots=True)
class PublishedHouse:
    """A house's published numbers, as a results file gives them."""

    unom: int
    flats_total: int | None
    for_flats: int
    against_flats: int
    undecided_flats: int
    silent_flats: int
    effective_for: Fraction
    effective_against: Fraction
    base: Fraction
    decision: str
    why: str
    count_decision: str | None


@dataclass(frozen=True, slots=True)
class ResultsFile:
    """A publication's results: the JSON header (poll, publication, rules, totals) and the houses."""

    header: dict[str, Any]
    houses: list[PublishedHouse]


def _whole(value: str, column: str) -> int:
    if not re.fullmatch(r"0|[1-9][0-9]*", value):
        raise ValueError(f"{column} must be a whole number, not {value!r}")
    return int(value)


def _fraction(value: str, column: str) -> Fraction:
    try:
        return Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise ValueError(f"{column} must be a fraction n/d, not {value!r}") from None


def parse_results(text: str, name: str = "results.csv") -> ResultsFile:
    """A results file: a first line "# {JSON header}", then CSV under a header row."""
    first, _, rest = text.partition("\n")
    if not first.startswith("# "):
        raise BoardFileError(f"{name} line 1: expected \"# \" and the JSON header")
    try:
        header = json.loads(first[2:])
    except json.JSONDecodeError as error:
        raise BoardFileError(f"{name} line 1: the header is not JSON: {error.msg}") from None
    if not isinstance(header, dict):
        raise BoardFileError(f"{name} line 1: the header must be a JSON object")
    reader = csv.DictReader(io.StringIO(rest, newline=""), strict=True)
    houses = []
    try:
        if tuple(reader.fieldnames or ()) != RESULT_COLUMNS:
            raise BoardFileError(f"{name} line 2: the columns must be {','.join(RESULT_COLUMNS)}")
        for row in reader:
            try:
                if None in row or None in row.values():
                    raise ValueError(f"expected {len(RESULT_COLUMNS)} columns")
                houses.append(PublishedHouse(
                    _whole(row["unom"], "unom"),
                    _whole(row["flats_total"], "flats_total") if row["flats_total"] else None,
                    *(_whole(row[c], c) for c in ("for_flats", "against_flats", "undecided_flats", "silent_flats")),
                    *(_fraction(row[c], c) for c in ("effective_for", "effective_against", "base")),
                    row["decision"], row["why"], row["count_decision"] or None))
            except ValueError as error:
                raise BoardFileError(f"{name} line {reader.line_num + 1}: {error}") from None
    except csv.Error as error:
        raise BoardFileError(f"{name} line {reader.line_num + 1}: not CSV: {error}") from None
    return ResultsFile(header, houses)
