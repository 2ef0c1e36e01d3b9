"""The stand-alone verifier: everything the board claims, recomputed from its files alone.

`verify_board(dir)` checks that every checkpoint is signed by board.vkey and names one origin;
that each checkpoint's root is the Merkle root of the first `size` rows and that rows are only
ever appended (a row of publication N lies within checkpoint N, never before an earlier one's
end); that rules.json and results/N.csv are the files the checkpoints hash; and that each house's
published result is what the counting engine makes of the rows that count. With `since` (a
checkpoint saved earlier) it also proves the current array grew from that one. Each finding is
one line of English; a board with none verifies.
"""
from __future__ import annotations

import hashlib
import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path

from board.checkpoint import Checkpoint, CheckpointError, Verifier, open_note
from board.errors import BoardFileError, ProofError
from board.files import PublishedHouse, ResultsFile, parse_results, read_board
from board.merkle import MerkleLog, verify_consistency
from board.rows import BoardRow, effective
from counting.ballots import CountedBallot, flat_tallies
from counting.houses import HouseResult, Protocol, count_poll, house_counts
from counting.rules import CountingRules

__all__ = ["Checked", "Report", "verify_board"]

MAX_OF_A_KIND = 10  # a rewritten array could give a finding a row: the first few of each kind tell enough


@dataclass(frozen=True, slots=True)
class Checked:
    """How much was checked."""

    rows: int = 0
    checkpoints: int = 0
    houses: int = 0


@dataclass(slots=True)
class Report:
    """The verifier's findings (none: the board verifies) and what it checked."""

    findings: list[str] = field(default_factory=list)
    checked: Checked = Checked()

    @property
    def ok(self) -> bool:
        return not self.findings

    def summary(self) -> str:
        c = self.checked
        if self.ok:
            return (f"verified: {c.rows:,} rows, {c.checkpoints:,} checkpoints, {c.houses:,} houses; "
                    "every decision recomputes")
        return f"NOT verified: {len(self.findings):,} finding(s) in {c.rows:,} rows, {c.checkpoints:,} checkpoints"


class _Findings:
    """Findings in order, at most MAX_OF_A_KIND of each kind, then how many more."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._kinds: Counter[str] = Counter()

    def add(self, message: str, kind: str | None = None) -> None:
        kind = kind or message
        self._kinds[kind] += 1
        if self._kinds[kind] <= MAX_OF_A_KIND:
            self.lines.append(message)

    def result(self) -> list[str]:
        more = [f"… and {n - MAX_OF_A_KIND:,} more like the above ({kind})"
                for kind, n in self._kinds.items() if n > MAX_OF_A_KIND]
        return self.lines + more


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _row(index: int, row: BoardRow) -> str:
    return f"row {index + 1} (tracker {row.tracker[:8]}…)"


def verify_board(directory: str | os.PathLike, since: str | os.PathLike | None = None) -> Report:
    """Checks the board in `directory`; BoardFileError (`missing`) when it cannot be read at all."""
    try:
        files = read_board(directory)
    except BoardFileError as error:
        if error.missing:
            raise
        return Report([str(error)])
    found = _Findings()
    rows = files.rows
    if files.rows_jsonl != rows:
        found.add(_difference(rows, files.rows_jsonl))
    try:
        verifier = Verifier.parse(files.vkey)
    except CheckpointError as error:
        return Report([f"board.vkey: {error}"], Checked(len(rows)))
    checkpoints = _checkpoints(files.checkpoints, verifier, found)
    _check_rows(rows, checkpoints, found)
    log = MerkleLog.of_leaves(row.leaf() for row in rows)
    _check_log(log, rows, checkpoints, found)
    if since is not None:
        _check_since(Path(since), files.vkey, log, checkpoints, found)
    houses = _check_results(files.rules_json, files.results, rows, checkpoints, found)
    return Report(found.result(), Checked(len(rows), len(checkpoints), houses))


def _difference(csv_rows: list[BoardRow], jsonl_rows: list[BoardRow]) -> str:
    for index, (a, b) in enumerate(zip(csv_rows, jsonl_rows)):
        if a != b:
            return f"rows.csv and rows.jsonl differ at row {index + 1}"
    return f"rows.csv has {len(csv_rows):,} rows, rows.jsonl {len(jsonl_rows):,}"


def _checkpoints(notes: dict[int, str], verifier: Verifier, found: _Findings) -> dict[int, Checkpoint]:
    """The checkpoints that verify, by publication number."""
    checkpoints: dict[int, Checkpoint] = {}
    if not notes:
        found.add("checkpoints/ holds no checkpoint")
    for number, note in notes.items():
        try:
            checkpoint = Checkpoint.parse(verifier.verify(note))
        except CheckpointError as error:
            found.add(f"checkpoints/{number}.txt: {error}")
            continue
        if checkpoint.publication != number:
            found.add(f"checkpoints/{number}.txt is the checkpoint of publication "
                      f"{checkpoint.extension('publication')}, not {number}")
            continue
        checkpoints[number] = checkpoint
    origins = {c.origin for c in checkpoints.values()}
    if len(origins) > 1:
        found.add(f"the checkpoints name {len(origins)} origins: {', '.join(sorted(origins))}")
    return checkpoints


def _check_rows(rows: list[BoardRow], checkpoints: dict[int, Checkpoint], found: _Findings) -> None:
    """What each row must be on its own and towards the rows before it."""
    where: dict[str, int] = {}
    replaced_by: dict[str, int] = {}
    missing_publications: set[int] = set()
    for index, row in enumerate(rows):
        if row.poll != rows[0].poll:
            found.add(f"{_row(index, row)} is of poll {row.poll}, row 1 of poll {rows[0].poll}", "poll")
        if row.publication not in checkpoints and row.publication not in missing_publications:
            missing_publications.add(row.publication)
            found.add(f"{_row(index, row)} is of publication {row.publication}, which has no checkpoint that verifies")
        if row.tracker in where:
            found.add(f"{_row(index, row)} repeats the tracker of row {where[row.tracker] + 1}", "tracker")
        if row.replaces:
            _check_replacement(index, row, rows, where, replaced_by, found)
        where.setdefault(row.tracker, index)


def _check_replacement(index: int, row: BoardRow, rows: list[BoardRow], where: dict[str, int],
                       replaced_by: dict[str, int], found: _Findings) -> None:
    earlier = where.get(row.replaces)
    if earlier is None:
        found.add(f"{_row(index, row)} replaces tracker {row.replaces[:8]}…, which no earlier row has", "replaces")
        return
    other = rows[earlier]
    if (other.unom, other.flat) != (row.unom, row.flat):
        found.add(f"{_row(index, row)} replaces row {earlier + 1}, a ballot for another flat", "replaces")
    elif other.channel == row.channel:
        found.add(f"{_row(index, row)} replaces row {earlier + 1}, a ballot on the same channel", "replaces")
    elif other.counted_on > row.counted_on:
        found.add(f"{_row(index, row)} replaces row {earlier + 1}, which was counted later", "replaces")
    if row.replaces in replaced_by:
        found.add(f"{_row(index, row)} replaces row {earlier + 1}, which row {replaced_by[row.replaces] + 1} "
                  "already replaced", "replaces")
    replaced_by.setdefault(row.replaces, index)


def _check_log(log: MerkleLog, rows: list[BoardRow], checkpoints: dict[int, Checkpoint], found: _Findings) -> None:
    """Each checkpoint's root over its rows, the rows' publications, and that the array only grew."""
    previous: tuple[int, Checkpoint] | None = None
    for number, checkpoint in checkpoints.items():  # in the order of publication
        size, sound = checkpoint.size, True
        if size > len(rows):
            found.add(f"checkpoint {number} signed {size:,} rows but rows.csv has {len(rows):,}: rows were removed")
            sound = False
        elif log.root(size) != checkpoint.root:
            found.add(f"checkpoint {number}: the first {size:,} rows do not give its signed root: a row was "
                      "altered, removed, inserted or reordered")
            sound = False
        early = next((i for i in range(min(size, len(rows))) if rows[i].publication > number), None)
        if early is not None:
            found.add(f"{_row(early, rows[early])} is of publication {rows[early].publication} but lies within "
                      f"the {size:,} rows of checkpoint {number}")
        late = next((i for i in range(size, len(rows)) if rows[i].publication <= number), None)
        if late is not None:
            found.add(f"{_row(late, rows[late])} is of publication {rows[late].publication} but comes after the "
                      f"{size:,} rows of checkpoint {number}: a later publication only appends rows")
        if previous is not None:
            earlier_number, earlier = previous
            if size < earlier.size:
                found.add(f"checkpoint {number} has {size:,} rows, fewer than checkpoint {earlier_number}'s "
                          f"{earlier.size:,}: the array shrank")
            elif sound and earlier.size <= len(rows):
                try:
                    verify_consistency(earlier.size, size, earlier.root, checkpoint.root,
                                       log.consistency_proof(earlier.size, size))
                except ProofError as error:
                    found.add(f"checkpoints {earlier_number} and {number} are not consistent: {error}")
        previous = number, checkpoint
    if checkpoints:
        newest_number, newest = previous  # type: ignore[misc]
        if len(rows) > newest.size:
            found.add(f"rows.csv has {len(rows) - newest.size:,} rows more than the newest checkpoint "
                      f"(publication {newest_number}) signed")


def _check_since(path: Path, vkey: str, log: MerkleLog, checkpoints: dict[int, Checkpoint],
                 found: _Findings) -> None:
    """That the current array grew from the saved checkpoint, rows only added."""
    try:
        note = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BoardFileError(f"cannot read the saved checkpoint {path}: {getattr(error, 'strerror', None) or error}",
                             missing=True) from None
    try:
        old = open_note(note, vkey)
    except CheckpointError as error:
        found.add(f"the saved checkpoint {path.name}: {error}")
        return
    label = f"publication {old.publication}, {old.size:,} rows" if old.publication else f"{old.size:,} rows"
    if old.size > log.size:
        found.add(f"the array was rewritten since the checkpoint of {label}: it now has only {log.size:,} rows")
    else:
        try:
            verify_consistency(old.size, log.size, old.root, log.root(), log.consistency_proof(old.size))
        except ProofError as error:
            found.add(f"the array was rewritten since the checkpoint of {label}: {error}")
    same = checkpoints.get(old.publication) if old.publication else None
    if same is not None and same != old:
        found.add(f"checkpoints/{old.publication}.txt is not the saved checkpoint of publication {old.publication}: "
                  "the board signed two different ones")


def _check_results(rules_json: str, results: dict[int, str], rows: list[BoardRow],
                   checkpoints: dict[int, Checkpoint], found: _Findings) -> int:
    """The hashed files against the checkpoints, and every house recounted; the houses checked."""
    rules_digest = _sha256(rules_json)
    try:
        rules: CountingRules | None = CountingRules.from_json(rules_json)
    except ValueError as error:
        found.add(f"rules.json: {error}")
        rules = None
    for number in results.keys() - checkpoints.keys():
        found.add(f"results/{number}.csv has no checkpoint that verifies")
    houses: set[int] = set()
    for number, checkpoint in checkpoints.items():
        if checkpoint.rules_sha256 is None:
            found.add(f"checkpoint {number} has no rules-sha256 line")
        elif checkpoint.rules_sha256 != rules_digest:
            found.add(f"rules.json is not the file checkpoint {number} hashed (rules-sha256): the rules were changed")
        text = results.get(number)
        if text is None:
            found.add(f"results/{number}.csv is missing: checkpoint {number} hashed its results")
            continue
        if checkpoint.results_sha256 is None:
            found.add(f"checkpoint {number} has no results-sha256 line")
        elif checkpoint.results_sha256 != _sha256(text):
            found.add(f"results/{number}.csv is not the file checkpoint {number} hashed (results-sha256): "
                      "it was altered")
        try:
            published = parse_results(text, f"results/{number}.csv")
        except BoardFileError as error:
            found.add(str(error))
            continue
        _check_header(number, published, rules_digest, rows, found)
        if rules is not None:
            houses |= _recount(number, published, rows[:min(checkpoint.size, len(rows))], rules, found)
    return len(houses)


def _check_header(number: int, published: ResultsFile, rules_digest: str, rows: list[BoardRow],
                  found: _Findings) -> None:
    name, header = f"results/{number}.csv", published.header
    if header.get("publication") != number:
        found.add(f"{name} is the results of publication {header.get('publication')}, not {number}")
    if header.get("rules_sha256") != rules_digest:
        found.add(f"{name} was counted by other rules (rules_sha256) than rules.json")
    if rows and header.get("poll") != rows[0].poll:
        found.add(f"{name} is of poll {header.get('poll')}, the rows of poll {rows[0].poll}")


_LABELS = {"for_flats": "for", "against_flats": "against", "undecided_flats": "undecided",
           "silent_flats": "silent", "effective_for": "effective for", "effective_against": "effective against",
           "base": "base", "why": "why", "count_decision": "count decision"}


def _shown(value: object) -> str:
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    return "none" if value is None else str(value)


def _recount(number: int, published: ResultsFile, rows: list[BoardRow], rules: CountingRules,
             found: _Findings) -> set[int]:
    """Publication N's houses counted from its rows by the engine, compared with what it published."""
    name = f"results/{number}.csv"
    counted = effective(rows)
    shares = {share: Fraction(share) for share in {row.share for row in counted}}
    # a tracker is one ballot of one person, so the engine supersedes nothing: `replaces` already did
    ballots = [CountedBallot(index, row.unom, row.flat, row.tracker, row.choice == "yes", row.counted_on,
                             row.channel, shares[row.share]) for index, row in enumerate(counted)]
    tallies, _ = flat_tallies(ballots, rules)
    by_unom: dict[int, PublishedHouse] = {}
    for house in published.houses:
        if house.unom in by_unom:
            found.add(f"{name}: unom {house.unom} is listed twice", f"{name} twice")
        by_unom[house.unom] = house
    protocols = {h.unom: Protocol(h.decision == "included", date.min, "") for h in published.houses
                 if h.why == "protocol"}  # a general meeting decided: its decision stands
    flats = {h.unom: h.flats_total for h in published.houses}
    results, totals = count_poll(house_counts(tallies, flats, protocols), rules)
    for result in results:
        house = by_unom.get(result.house)
        if house is None:
            found.add(f"{name}: unom {result.house} has counted rows but no published result", f"{name} absent")
            continue
        _compare(name, house, result, found)
    header_totals = published.header.get("totals")
    if isinstance(header_totals, dict):
        ours = {"houses": totals.houses, "decisions": dict(totals.decisions), "by_protocol": totals.by_protocol,
                "flats_voted": totals.flats_voted}
        for key, value in ours.items():
            if key in header_totals and header_totals[key] != value:
                found.add(f"{name}: the totals' {key} is {header_totals[key]}, recomputed {value}")
    return set(by_unom)


def _compare(name: str, house: PublishedHouse, result: HouseResult, found: _Findings) -> None:
    recomputed = {"for_flats": result.for_flats, "against_flats": result.against_flats,
                  "undecided_flats": result.undecided_flats, "silent_flats": result.silent_flats,
                  "effective_for": result.effective_for, "effective_against": result.effective_against,
                  "base": result.base, "why": result.why.value,
                  "count_decision": result.count_decision.value if result.count_decision else None}
    differ = [f"{_LABELS[key]} {_shown(getattr(house, key))} vs {_shown(value)}"
              for key, value in recomputed.items() if getattr(house, key) != value]
    decision = result.decision.value
    if house.decision != decision:
        found.add(f"{name} unom {house.unom}: published {house.decision}, recomputed {decision}"
                  + (f" ({', '.join(differ)})" if differ else ""), f"{name} houses")
    elif differ:
        found.add(f"{name} unom {house.unom}: published vs recomputed: {', '.join(differ)}", f"{name} houses")
