"""The verifier on a small board written here: it verifies, and each kind of tampering is named.

The board's results are made as the application makes them: the counting engine over ballots
that carry the voter (so a second channel supersedes through `two_channels`), exported by
services.exports.results_csv. The verifier recounts from the rows alone, by `replaces`.
"""
from __future__ import annotations

import argparse
import hashlib
import io
import json
from datetime import date, datetime, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

from board.audit import verify_board
from board.checkpoint import Checkpoint, Signer
from board.errors import BoardFileError
from board.files import read_board, write_board
from board.merkle import MerkleLog
from board.rows import FIELDS, BoardRow, write_csv, write_jsonl
from bot.commands import verify_board as command
from bot.commands.runtime import CommandError
from counting.ballots import CountedBallot, flat_tallies
from counting.houses import Protocol, count_poll, house_counts
from counting.rules import CountingRules
from services.exports import PublishedHouse, PublishedResults, results_csv

ORIGIN = "board.example/poll-7"
SIGNER = Signer(ORIGIN, bytes(range(32)))
RULES = CountingRules()
POLL = 7
FLATS = {101: 4, 102: 3, 103: 5}
PROTOCOLS = {103: Protocol(True, date(2017, 6, 1), "ОСС-103")}
# (publication, unom, flat number, voter, choice, share, channel, day of May 2017)
BALLOTS = [
    (1, 101, "1", "voter-01", "yes", "1/1", "telegram", 15),
    (1, 101, "2", "voter-02", "yes", "1/1", "telegram", 15),
    (1, 101, "2", "voter-03", "no", "1/1", "telegram", 16),  # flat 2: a tie, undecided
    (1, 101, "3", "voter-04", "yes", "1/1", "telegram", 16),
    (1, 102, "1", "voter-05", "no", "1/1", "telegram", 17),
    (1, 102, "2", "voter-06", "yes", "1/2", "paper", 17),
    (1, 103, "1", "voter-07", "no", "1/1", "telegram", 17),
    (2, 101, "4", "voter-08", "yes", "1/1", "paper", 20),
    (2, 102, "2", "voter-09", "yes", "1/2", "telegram", 20),
    (2, 101, "1", "voter-01", "no", "1/1", "paper", 21),  # voter-01 again, on paper: replaces the bot's
    (2, 103, "2", "voter-10", "yes", "1/1", "telegram", 21),
]


def _hex(text: str, digits: int) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:digits]


def board_rows(ballots=BALLOTS) -> list[BoardRow]:
    rows: list[BoardRow] = []
    latest: dict[tuple[int, str, str], str] = {}
    for index, (publication, unom, flat, voter, choice, share, channel, day) in enumerate(ballots):
        tracker = _hex(f"receipt {index} {voter}", 32)
        earlier = latest.get((unom, flat, voter), "")
        rows.append(BoardRow(POLL, publication, tracker, unom, _hex(f"{POLL}:{unom}:{flat}", 16), choice, share,
                             channel, date(2017, 5, day).isoformat(), earlier))
        latest[unom, flat, voter] = tracker
    return rows


def results_text(number: int, ballots=BALLOTS) -> str:
    """Publication N's results as the application counts and exports them."""
    counted = [CountedBallot(i, unom, flat, voter, choice == "yes", datetime(2017, 5, day) + timedelta(minutes=i),
                             channel, Fraction(share))
               for i, (publication, unom, flat, voter, choice, share, channel, day) in enumerate(ballots)
               if publication <= number]
    tallies, superseded = flat_tallies(counted, RULES)
    results, totals = count_poll(house_counts(tallies, FLATS, PROTOCOLS), RULES)
    text = lambda f: f"{f.numerator}/{f.denominator}"  # noqa: E731 (as storage keeps them)
    houses = tuple(PublishedHouse(
        r.house, r.house, f"Moscow, house {r.house}", "ЦАО", "Arbat", r.flats_total, r.for_flats,
        r.against_flats, r.undecided_flats, r.silent_flats, text(r.effective_for), text(r.effective_against),
        text(r.base), r.for_pct, r.against_pct, r.decision.value, r.why.value,
        r.count_decision.value if r.count_decision else None) for r in results)
    totals_json = {"houses": totals.houses, "decisions": dict(totals.decisions), "by_protocol": totals.by_protocol,
                   "flats_voted": totals.flats_voted, "ballots_counted": len(counted) - len(superseded),
                   "ballots_superseded": len(superseded)}
    return results_csv(PublishedResults(POLL, number, number, datetime(2017, 6, number), RULES.canonical(),
                                        RULES.digest(), totals_json, houses))


def make_board(directory: Path, ballots=BALLOTS, signer: Signer = SIGNER) -> Path:
    rows = board_rows(ballots)
    log = MerkleLog.of_leaves(row.leaf() for row in rows)
    checkpoints, results = {}, {}
    for number in sorted({b[0] for b in ballots}):
        results[number] = results_text(number, ballots)
        size = sum(1 for row in rows if row.publication <= number)
        checkpoints[number] = signer.sign(Checkpoint.of_publication(
            ORIGIN, size, log.root(size), publication=number, rules_sha256=RULES.digest(),
            results_sha256=hashlib.sha256(results[number].encode()).hexdigest()))
    write_board(directory, vkey=SIGNER.vkey, rules_json=RULES.canonical_json(), rows=rows,
                checkpoints=checkpoints, results=results)
    return directory


def rewrite_rows(directory: Path, rows: list[BoardRow]) -> None:
    with (directory / "rows.csv").open("w", encoding="utf-8", newline="") as file:
        write_csv(rows, file)
    with (directory / "rows.jsonl").open("w", encoding="utf-8", newline="") as file:
        write_jsonl(rows, file)


@pytest.fixture
def board(tmp_path: Path) -> Path:
    return make_board(tmp_path / "board")


def findings(directory: Path, since: Path | None = None) -> str:
    report = verify_board(directory, since)
    assert not report.ok
    return "\n".join(report.findings)


def test_the_board_verifies_and_its_results_are_those_of_the_engine(board: Path) -> None:
    report = verify_board(board)
    assert report.ok, report.findings
    assert (report.checked.rows, report.checked.checkpoints, report.checked.houses) == (11, 2, 3)
    assert report.summary() == "verified: 11 rows, 2 checkpoints, 3 houses; every decision recomputes"
    # the small world is what it claims: the tie, the replacement and the protocol all matter
    first, second = results_text(1), results_text(2)
    rows = {line.split(",")[0]: line for line in first.splitlines()[2:]}
    assert rows["101"].endswith("included,over_threshold,")  # flats 1 and 3 for, 2 undecided, 4 silent
    assert ",included,protocol,excluded" in second  # house 103: the meeting decided against the count
    assert {line.split(",")[0]: line for line in second.splitlines()[2:]}["101"].endswith(
        "excluded,not_over_threshold,")  # voter-01 turned against on paper


def test_the_array_files_hold_the_ten_fields_and_nothing_else(board: Path) -> None:
    lines = (board / "rows.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(FIELDS) and all(len(line.split(",")) == 10 for line in lines)
    for line in (board / "rows.jsonl").read_text(encoding="utf-8").splitlines():
        assert tuple(json.loads(line)) == FIELDS
    for name in ("rows.csv", "rows.jsonl"):
        text = (board / name).read_text(encoding="utf-8")
        assert "voter-" not in text and "receipt" not in text and "Moscow" not in text
    flats = {json.loads(line)["flat"] for line in (board / "rows.jsonl").read_text().splitlines()}
    assert all(len(flat) == 16 for flat in flats) and len(flats) == 8


def test_a_tampered_row_fails(board: Path) -> None:
    rows = read_board(board).rows
    rows[1] = rows[1]._replace(choice="no")
    rewrite_rows(board, rows)
    text = findings(board)
    assert "checkpoint 1: the first 7 rows do not give its signed root" in text
    assert "checkpoint 2: the first 11 rows do not give its signed root" in text
    assert ("results/1.csv unom 101: published included, recomputed excluded (against 0 vs 1, undecided 1 vs 0, "
            "effective for 3 vs 8/3, effective against 0 vs 4/3, why over_threshold vs not_over_threshold)") in text


def test_a_removed_row_fails(board: Path) -> None:
    rows = read_board(board).rows
    rewrite_rows(board, rows[:-1])
    assert "checkpoint 2 signed 11 rows but rows.csv has 10: rows were removed" in findings(board)
    rewrite_rows(board, rows[:3] + rows[4:])
    assert "checkpoint 1: the first 7 rows do not give its signed root" in findings(board)


def test_a_reordered_row_fails(board: Path) -> None:
    rows = read_board(board).rows
    rows[0], rows[4] = rows[4], rows[0]
    rewrite_rows(board, rows)
    text = findings(board)
    assert "checkpoint 1: the first 7 rows do not give its signed root" in text
    assert "unom" not in text  # the same ballots: every house still recounts


def test_a_row_moved_to_an_earlier_publication_fails(board: Path) -> None:
    rows = read_board(board).rows
    rows[8] = rows[8]._replace(publication=1)
    rewrite_rows(board, rows)
    text = findings(board)
    assert f"row 9 (tracker {rows[8].tracker[:8]}…) is of publication 1 but comes after the 7 rows of " \
           "checkpoint 1: a later publication only appends rows" in text
    # and moved into publication 1's rows as well: publication 1's root no longer holds
    rows.insert(2, rows.pop(8))
    rewrite_rows(board, rows)
    assert "checkpoint 1: the first 7 rows do not give its signed root" in findings(board)


def test_a_forged_checkpoint_fails(board: Path) -> None:
    forger = Signer(ORIGIN, bytes(range(1, 33)))
    forged = make_board(board.parent / "forged", BALLOTS[:-1], signer=forger)
    (board / "checkpoints" / "2.txt").write_text((forged / "checkpoints" / "2.txt").read_text())
    assert "checkpoints/2.txt: the signature does not verify: the checkpoint was altered or signed by another " \
           "key" in findings(board)


def test_an_altered_results_file_fails(board: Path) -> None:
    path = board / "results" / "2.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("excluded,not_over_threshold,",
                                                             "included,over_threshold,"), encoding="utf-8")
    text = findings(board)
    assert "results/2.csv is not the file checkpoint 2 hashed (results-sha256): it was altered" in text
    assert "results/2.csv unom 101: published included, recomputed excluded (why over_threshold vs " \
           "not_over_threshold)" in text


def test_changed_rules_fail(board: Path) -> None:
    (board / "rules.json").write_text(CountingRules(weighted_by_share=True).canonical_json())
    assert "rules.json is not the file checkpoint 1 hashed (rules-sha256): the rules were changed" in findings(board)


def test_since_proves_the_array_only_grew(board: Path, tmp_path: Path) -> None:
    saved = tmp_path / "saved-1.txt"
    saved.write_text((board / "checkpoints" / "1.txt").read_text())
    assert verify_board(board, saved).ok
    # publication 2's array not starting with publication 1's rows: re-signed, it verifies alone
    rewritten = list(BALLOTS)
    rewritten[3] = rewritten[3][:4] + ("no",) + rewritten[3][5:]
    other = make_board(tmp_path / "rewritten", rewritten)
    assert verify_board(other).ok
    text = findings(other, saved)
    assert "the array was rewritten since the checkpoint of publication 1, 7 rows: the consistency proof does " \
           "not lead to the old root" in text
    assert "checkpoints/1.txt is not the saved checkpoint of publication 1: the board signed two different ones" \
           in text


def test_a_missing_or_unreadable_board_is_a_usage_error(tmp_path: Path, board: Path) -> None:
    with pytest.raises(BoardFileError, match="no board directory at") as raised:
        verify_board(tmp_path / "nowhere")
    assert raised.value.missing
    (board / "rows.jsonl").unlink()
    with pytest.raises(BoardFileError, match="rows.jsonl is missing"):
        verify_board(board)
    with pytest.raises(BoardFileError, match="cannot read the saved checkpoint"):
        verify_board(make_board(tmp_path / "again"), tmp_path / "no-such-checkpoint.txt")


def test_a_malformed_row_is_a_finding_with_its_line(board: Path) -> None:
    path = board / "rows.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[4] = lines[4].replace(",yes,", ",maybe,")
    path.write_text("".join(lines), encoding="utf-8")
    assert findings(board) == "rows.csv line 5: choice must be yes or no"


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    command.add_parser(parser.add_subparsers())
    args = parser.parse_args(["verify-board", *argv])
    return args.handler(args)


def test_the_command_prints_a_summary_or_the_findings(board: Path, tmp_path: Path, capsys) -> None:
    assert _run(str(board)) == 0
    assert capsys.readouterr().out == "verified: 11 rows, 2 checkpoints, 3 houses; every decision recomputes\n"
    saved = tmp_path / "saved.txt"
    saved.write_text((board / "checkpoints" / "2.txt").read_text())
    assert _run(str(board), "--since", str(saved)) == 0
    capsys.readouterr()
    rows = read_board(board).rows
    rewrite_rows(board, rows[:-1])
    assert _run(str(board)) == 1
    out = capsys.readouterr().out.splitlines()
    assert "checkpoint 2 signed 11 rows but rows.csv has 10: rows were removed" in out
    assert out[-1].startswith("NOT verified")
    with pytest.raises(CommandError, match="no board directory at"):
        _run(str(tmp_path / "nowhere"))


def test_writing_keeps_the_hashed_files_byte_for_byte(board: Path) -> None:
    files = read_board(board)
    assert (board / "rules.json").read_bytes() == RULES.canonical_json().encode()
    assert (board / "results" / "2.csv").read_bytes() == results_text(2).encode()
    assert files.checkpoints[1].startswith(ORIGIN + "\n7\n") and (board / "README.txt").exists()
    assert io.StringIO((board / "board.vkey").read_text()).read() == SIGNER.vkey + "\n"


def test_weighted_rules_recount_by_share(tmp_path: Path, monkeypatch) -> None:
    # flat 3 of house 102: 2/3 for against 1/3 + 1/3: against by head, a tie by share
    ballots = BALLOTS + [(2, 102, "3", "voter-11", "yes", "2/3", "telegram", 22),
                         (2, 102, "3", "voter-12", "no", "1/3", "telegram", 22),
                         (2, 102, "3", "voter-13", "no", "1/3", "paper", 23)]
    by_head = results_text(2, ballots)
    monkeypatch.setattr(__import__(__name__, fromlist=["RULES"]), "RULES", CountingRules(weighted_by_share=True))
    assert results_text(2, ballots) != by_head
    board = make_board(tmp_path / "weighted", ballots)
    assert verify_board(board).ok
    (board / "results" / "2.csv").write_text(by_head, encoding="utf-8")
    text = findings(board)
    assert "results/2.csv unom 102: published vs recomputed: against 2 vs 1, undecided 0 vs 1" in text
