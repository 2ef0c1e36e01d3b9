"""The audit log's hash chain, checked row by row: pure, so it reads without a database.

Each entry's hash is SHA-256 over the previous entry's hash and the entry's canonical JSON, which
holds its own id. So an entry whose content changed no longer matches its hash; one taken out leaves
a gap in the ids (or, renumbered, entries whose hash names another id); one moved elsewhere
matches its hash only under the id it was written with. `ChainCheck` takes the rows in id order,
one at a time (a long log is streamed, never held), and collects each problem once.

Removing the newest entries leaves a chain that is intact but shorter: only a hash saved earlier
shows it (`ChainCheck(expected_head=...)`, `python -m bot audit verify --since HASH`).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64
#: how far from its place a moved entry is looked for (under every id this many either side)
MOVE_SEARCH = 64
#: after this many damaged entries are searched for, the rest are reported as edited without a search
SEARCHES_AT_MOST = 1000


def canonical_detail(detail: dict[str, Any] | None) -> dict[str, Any]:
    """`detail` as it reads back from a JSON column (tuples become lists, keys strings)."""
    return json.loads(json.dumps(dict(detail or {}), ensure_ascii=False))


def entry_hash(prev_hash: str, *, id: int, at: datetime, actor: str, action: str, subject: str,
               detail: dict[str, Any]) -> str:
    canonical = json.dumps(
        {"id": id, "at": at.astimezone(UTC).isoformat(timespec="microseconds"), "actor": actor,
         "action": action, "subject": subject, "detail": detail},
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return hashlib.sha256(f"{prev_hash}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainRow:
    """One entry as stored."""

    id: int
    at: datetime
    actor: str
    action: str
    subject: str
    detail: dict[str, Any]
    prev_hash: str
    hash: str

    def hash_as(self, id: int) -> str:
        """The hash this entry's content would have under `id`."""
        return entry_hash(self.prev_hash, id=id, at=self.at, actor=self.actor, action=self.action,
                          subject=self.subject, detail=self.detail)


class Fault(StrEnum):
    EDITED = "edited"  # content that does not match its hash
    MISSING = "missing"  # ids skipped: entries removed
    MOVED = "moved"  # an entry that matches its hash under another id: reordered or renumbered
    UNLINKED = "unlinked"  # sound itself, but not following the entry before it
    CUT = "cut"  # the entry saved earlier as the head is not in the log


@dataclass
class Problem:
    """One fault over entries `first`..`last` (a run of the same fault is one problem).

    MOVED: `written` is the id the entry `first` was written with (the run keeps the offset).
    UNLINKED: `previous` is the entry it should follow. CUT: `head` is the missing hash.
    """

    fault: Fault
    first: int
    last: int
    written: int = 0
    previous: int = 0
    head: str = ""

    def _span(self, word: str) -> str:
        return f"{word} #{self.first}" if self.first == self.last else f"{word}s #{self.first}–#{self.last}"

    def __str__(self) -> str:
        if self.fault is Fault.EDITED:
            verb = "was" if self.first == self.last else "were"
            return f"{self._span('entry')} {verb} edited: the content does not match the hash"
        if self.fault is Fault.MISSING:
            verb = "is" if self.first == self.last else "are"
            return f"{self._span('entry')} {verb} missing: removed from the log"
        if self.fault is Fault.MOVED:
            if self.first == self.last:
                return (f"entry #{self.first} holds what was written as entry #{self.written}: "
                        "the log was reordered or renumbered")
            shift = self.written - self.first
            return (f"entries #{self.first}–#{self.last} hold what was written as entries #{self.written}–"
                    f"#{self.last + shift}: the log was reordered or renumbered")
        if self.fault is Fault.UNLINKED:
            return (f"entry #{self.first} does not follow entry #{self.previous}: an entry before it was "
                    "changed (its hash recomputed), removed or moved")
        return f"no entry has the hash {self.head} saved earlier: the log was cut or rewritten after it"


@dataclass
class ChainCheck:
    """Feed rows in id order (`add`), then `finish`; `problems` are in the order found.

    `trust_first`: the first row fed is not checked against its predecessor (a check of the newest
    entries only); otherwise the log must begin at entry 1 with the genesis hash.
    """

    trust_first: bool = False
    expected_head: str = ""
    entries: int = 0
    problems: list[Problem] = field(default_factory=list)
    head: str = GENESIS
    _last_id: int = 0
    _last_sound: bool = True
    _head_seen: bool = False
    _searches: int = 0

    def add(self, row: ChainRow) -> None:
        first = self.entries == 0
        self.entries += 1
        if row.hash == self.expected_head:
            self._head_seen = True
        expected_id = self._last_id + 1
        gap = not (first and self.trust_first) and row.id != expected_id
        if gap and row.id > expected_id:
            self._report(Problem(Fault.MISSING, expected_id, row.id - 1))
        sound = row.hash_as(row.id) == row.hash
        if not sound:
            written = self._written_as(row)
            if written is None:
                self._report(Problem(Fault.EDITED, row.id, row.id))
            else:
                self._report(Problem(Fault.MOVED, row.id, row.id, written=written))
        elif not (first and self.trust_first) and not gap and self._last_sound and row.prev_hash != self.head:
            # a break right after a removal or a damaged entry is that problem, not another one
            self._report(Problem(Fault.UNLINKED, row.id, row.id, previous=self._last_id))
        self._last_id, self.head, self._last_sound = row.id, row.hash, sound

    def finish(self) -> list[Problem]:
        if self.expected_head and not self._head_seen:
            self.problems.append(Problem(Fault.CUT, 0, 0, head=self.expected_head))
            self._head_seen = True
        return self.problems

    @property
    def intact(self) -> bool:
        return not self.problems

    def _written_as(self, row: ChainRow) -> int | None:
        """The id under which this entry's content matches its hash, if near enough to find."""
        if self._searches >= SEARCHES_AT_MOST:
            return None
        self._searches += 1
        previous = self.problems[-1] if self.problems else None
        candidates: list[int] = []
        if previous is not None and previous.fault is Fault.MOVED and previous.last == row.id - 1:
            candidates.append(row.id + previous.written - previous.first)  # a renumbered run goes on
        for distance in range(1, MOVE_SEARCH + 1):
            candidates.extend((row.id + distance, row.id - distance))
        return next((c for c in candidates if c > 0 and row.hash_as(c) == row.hash), None)

    def _report(self, problem: Problem) -> None:
        """Adds `problem`, or extends the run of the same fault it continues."""
        last = self.problems[-1] if self.problems else None
        continues = (last is not None and last.fault is problem.fault and last.last + 1 == problem.first
                     and problem.fault in (Fault.EDITED, Fault.MOVED)
                     and (problem.fault is Fault.EDITED
                          or problem.written - problem.first == last.written - last.first))
        if continues:
            last.last = problem.last
        else:
            self.problems.append(problem)


def check_chain(rows, *, trust_first: bool = False, expected_head: str = "") -> list[Problem]:
    """Every problem of `rows` (in id order); empty when the chain is intact."""
    check = ChainCheck(trust_first=trust_first, expected_head=expected_head)
    for row in rows:
        check.add(row)
    return check.finish()
