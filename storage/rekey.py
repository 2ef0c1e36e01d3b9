"""Every sealed column, and re-sealing its rows with the current encryption key a batch at a time.

A row is re-sealed only if it still holds what was read (its blob and key version unchanged): a
process writing meanwhile with the current key wins, and the row is simply no longer due. A run
cut short leaves every row either old and readable or new, so running it again carries on.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Column, Table, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.claims import ClaimMessage
from storage.models import BallotPersonalData, RegistryCheck, RegistryRecord, ReviewFlag
from storage.pii import PiiVault, SealError


@dataclass(frozen=True)
class SealedColumn:
    """A table's sealed blob, the key version beside it and the primary key to walk it by."""

    name: str
    key: Column
    blob: Column
    version: Column

    @property
    def table(self) -> Table:
        return self.blob.table


def _column(name: str, model: type, key: str, blob: str = "sealed") -> SealedColumn:
    columns = model.__table__.c
    return SealedColumn(name, columns[key], columns[blob], columns["key_version"])


SEALED_COLUMNS: tuple[SealedColumn, ...] = (
    _column("ballot data", BallotPersonalData, "ballot_id"),
    _column("review flags", ReviewFlag, "id"),
    _column("claim messages", ClaimMessage, "id"),
    _column("verification answers", RegistryCheck, "ballot_id", "answers"),
    _column("registry records", RegistryRecord, "id"),
)


async def versions_in_use(session: AsyncSession, sealed: SealedColumn) -> Counter[int]:
    """How many rows of `sealed` hold a blob made with each key version."""
    rows = await session.execute(
        select(sealed.version, func.count()).where(sealed.blob.is_not(None)).group_by(sealed.version))
    return Counter({version: count for version, count in rows})


@dataclass
class Progress:
    """A column's re-sealing so far: rows re-sealed, rows changed by a writer meanwhile (no longer
    due), and the keys of rows no key held here opens (left as they are)."""

    resealed: int = 0
    overtaken: int = 0
    unreadable: list[int] = field(default_factory=list)
    after: int | None = None  # the last key looked at: the next batch starts past it

    @property
    def touched(self) -> int:
        return self.resealed + self.overtaken + len(self.unreadable)


async def reseal_batch(session: AsyncSession, sealed: SealedColumn, vault: PiiVault, progress: Progress,
                       *, batch: int) -> bool:
    """Re-seals up to `batch` rows not made with `vault`'s current key, past `progress.after`, in
    the caller's transaction; False when none is left."""
    query = (select(sealed.key, sealed.blob, sealed.version)
             .where(sealed.blob.is_not(None), sealed.version.is_distinct_from(vault.key_version))
             .order_by(sealed.key).limit(batch))
    if progress.after is not None:
        query = query.where(sealed.key > progress.after)
    rows = (await session.execute(query)).all()
    for key, blob, version in rows:
        progress.after = key
        try:
            fresh = vault.reseal(blob, version)
        except SealError:
            progress.unreadable.append(key)
            continue
        done = await session.execute(
            update(sealed.table)
            .where(sealed.key == key, sealed.blob == blob, sealed.version.is_not_distinct_from(version))
            .values({sealed.blob.name: fresh, sealed.version.name: vault.key_version}))
        if done.rowcount:
            progress.resealed += 1
        else:
            progress.overtaken += 1
    return bool(rows)
