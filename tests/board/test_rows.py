"""Board rows: the leaf encoding, the checks on each field, CSV and JSON Lines, the rows that count."""
from __future__ import annotations

import io
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from board.rows import (
    FIELDS, LEAF_PREFIX, BoardRow, RowError, checked, effective, jsonl_text, read_csv, read_jsonl, write_csv,
    write_jsonl,
)

ROW = BoardRow(7, 1, "0123456789abcdef0123456789abcdef", 1234567, "fedcba9876543210", "yes", "1/2",
               "telegram", "2017-05-20", "")


def test_fields_and_the_exact_leaf_bytes() -> None:
    assert FIELDS == ("poll", "publication", "tracker", "unom", "flat", "choice", "share", "channel",
                      "counted_on", "replaces")
    assert LEAF_PREFIX == "board-row/v1"
    assert ROW.leaf() == (b"board-row/v1\t7\t1\t0123456789abcdef0123456789abcdef\t1234567\tfedcba9876543210"
                          b"\tyes\t1/2\ttelegram\t2017-05-20\t")
    assert ROW.leaf() == (LEAF_PREFIX + "\t" + "\t".join(str(f) for f in ROW)).encode()
    assert BoardRow.from_leaf(ROW.leaf()) == ROW


HEX32 = st.text("0123456789abcdef", min_size=32, max_size=32)
ROWS = st.builds(
    BoardRow, st.integers(1, 10**6), st.integers(1, 50), HEX32, st.integers(1, 10**8),
    st.text("0123456789abcdef", min_size=16, max_size=16), st.sampled_from(["yes", "no"]),
    st.sampled_from(["1/1", "1/2", "2/3", "1/3", "3/7"]), st.sampled_from(["telegram", "paper"]),
    st.dates().map(lambda d: d.isoformat()).filter(lambda d: len(d) == 10), st.one_of(st.just(""), HEX32),
).filter(lambda row: row.replaces != row.tracker)


@given(ROWS)
def test_any_valid_row_round_trips_through_its_leaf_csv_and_jsonl(row: BoardRow) -> None:
    assert BoardRow.from_leaf(row.leaf()) == checked(row)
    text = io.StringIO(newline="")
    write_csv([row, row], text)
    assert read_csv(io.StringIO(text.getvalue(), newline="")) == [row, row]
    lines = io.StringIO()
    write_jsonl([row], lines)
    assert read_jsonl(io.StringIO(lines.getvalue())) == [row]


@pytest.mark.parametrize(("change", "message"), [
    ({"tracker": "0123456789ABCDEF0123456789abcdef"}, "tracker must be 32 lowercase hex digits"),
    ({"tracker": "0123456789abcdef0123456789abcde"}, "tracker must be 32 lowercase hex digits"),
    ({"flat": "12"}, "flat must be 16 lowercase hex digits"),
    ({"choice": "maybe"}, "choice must be yes or no"),
    ({"share": "2/4"}, "share must be in lowest terms"),
    ({"share": "3/2"}, "share must be at most 1/1"),
    ({"share": "0/1"}, "share must be a fraction"),
    ({"share": "1"}, "share must be a fraction"),
    ({"channel": "mail"}, "channel must be telegram or paper"),
    ({"counted_on": "2017-02-30"}, "counted_on 2017-02-30 is not a valid date"),
    ({"counted_on": "20.05.2017"}, "counted_on must be a date"),
    ({"replaces": "x"}, "replaces must be empty or 32 lowercase hex digits"),
    ({"replaces": ROW.tracker}, "cannot replace itself"),
    ({"poll": 0}, "poll must be a whole number of at least 1"),
    ({"unom": -1}, "unom must be a whole number of at least 0"),
    ({"unom": True}, "unom must be a whole number of at least 0"),
    ({"choice": "yes\tno"}, "choice must be yes or no"),
    ({"counted_on": "2017-05-20\n"}, "counted_on must be a date"),
])
def test_a_bad_field_is_named(change: dict, message: str) -> None:
    with pytest.raises(RowError, match=message):
        checked(ROW._replace(**change))


def test_a_leaf_with_a_tab_too_many_or_a_leading_zero_is_not_a_row() -> None:
    with pytest.raises(RowError, match="expected 10 fields, found 11"):
        BoardRow.from_leaf(ROW.leaf() + b"\textra")
    with pytest.raises(RowError, match="poll must be a whole number in decimal, without a sign or leading zeros"):
        BoardRow.from_leaf(ROW.leaf().replace(b"\t7\t", b"\t07\t", 1))
    with pytest.raises(RowError, match="does not start with board-row/v1"):
        BoardRow.from_leaf(ROW.leaf().replace(b"v1", b"v2", 1))


def test_reading_names_the_file_and_line_of_a_bad_row() -> None:
    text = io.StringIO(newline="")
    write_csv([ROW] * 20, text)
    lines = text.getvalue().splitlines(keepends=True)
    lines[16] = lines[16].replace(",yes,", ",maybe,")
    with pytest.raises(RowError, match=r"^rows\.csv line 17: choice must be yes or no$"):
        read_csv(io.StringIO("".join(lines), newline=""), "rows.csv")
    with pytest.raises(RowError, match="line 1: the header must be"):
        read_csv(io.StringIO("poll,tracker\n"), "rows.csv")
    jsonl = io.StringIO()
    write_jsonl([ROW] * 3, jsonl)
    lines = jsonl.getvalue().splitlines(keepends=True)
    lines[2] = lines[2].replace('"poll":7', '"poll":"7"')
    with pytest.raises(RowError, match=r"^rows\.jsonl line 3: poll must be a whole number$"):
        read_jsonl(io.StringIO("".join(lines)), "rows.jsonl")
    with pytest.raises(RowError, match=r"rows\.jsonl line 1: a line must be an object with the keys"):
        read_jsonl(io.StringIO('{"poll": 7}\n'), "rows.jsonl")


def test_jsonl_has_ints_as_numbers_and_the_fields_in_order() -> None:
    out = io.StringIO()
    write_jsonl([ROW], out)
    data = json.loads(out.getvalue())
    assert tuple(data) == FIELDS and data["poll"] == 7 and data["unom"] == 1234567 and data["share"] == "1/2"


def test_effective_drops_the_rows_a_later_row_replaces() -> None:
    first = ROW
    second = ROW._replace(tracker="1" * 32, channel="paper", choice="no", replaces=first.tracker)
    third = ROW._replace(tracker="2" * 32, replaces=second.tracker)
    other = ROW._replace(tracker="3" * 32, flat="0" * 16)
    assert effective([first, other, second]) == [other, second]
    assert effective([first, second, third, other]) == [third, other]
    # a row can only replace one before it: a forward reference replaces nothing
    assert effective([second, first]) == [second, first]


def test_the_board_package_imports_nothing_of_the_bot_or_the_database() -> None:
    import subprocess
    import sys
    code = ("import sys, board.audit, board.files, board.checkpoint, board.merkle, board.rows; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('aiogram', 'sqlalchemy', 'aiohttp', 'storage', "
            "'services', 'bot')]; print(bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_quick_json_lines_are_what_the_writer_writes() -> None:
    rows = [ROW, ROW._replace(unom=0, share="1/1", replaces="f" * 32, channel="paper")]
    written = io.StringIO()
    write_jsonl(rows, written)
    assert jsonl_text(rows) == written.getvalue()
