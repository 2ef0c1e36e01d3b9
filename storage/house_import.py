"""Reading house lists from CSV files: the city's house table, and a poll's list of UNOMs.

A bad row never stops an import: it is reported with its line number and the rest go in.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from storage.csv_file import csv_rows
from storage.repositories.houses import HouseRepository, HouseRow

LineError = tuple[int, str]


class HouseFileError(ValueError):
    """The file as a whole cannot be read (missing, not UTF-8, no such column)."""


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    #: (line number in the file, what is wrong), in file order.
    errors: list[LineError] = field(default_factory=list)


async def import_houses(session: AsyncSession, path: str | Path) -> ImportReport:
    """Imports a houses CSV (columns unom, address, okrug, district, lat, lon, and optionally
    for_pct, against_pct, status, general_meeting_protocol, flats_total) by UNOM.

    Raises HouseFileError when the file cannot be used at all. The caller commits.
    """
    rows, errors = read_houses(path)
    counts = await HouseRepository(session).upsert_many(rows)
    return ImportReport(created=counts.created, updated=counts.updated, errors=errors)


async def migrated_with_houses(url: str, path: str | Path) -> ImportReport:
    """A new database at `url`, migrated to the newest revision, with the houses of `path`."""
    from storage.database import create_engine, create_session_factory
    from storage.migrate import upgrade

    await upgrade(url)
    engine = create_engine(url)
    try:
        async with create_session_factory(engine).begin() as session:
            return await import_houses(session, path)
    finally:
        await engine.dispose()


def read_houses(path: str | Path) -> tuple[list[HouseRow], list[LineError]]:
    """The good rows of a houses CSV and the line errors of the bad ones."""
    rows: list[HouseRow] = []
    errors: list[LineError] = []
    first_line: dict[int, int] = {}
    for line_no, record in csv_rows(path, ("unom", "address"), HouseFileError):
        try:
            row = _house_row(record)
        except ValueError as error:
            errors.append((line_no, str(error)))
            continue
        if row.unom in first_line:
            errors.append((line_no, f"unom {row.unom} repeats line {first_line[row.unom]}; row skipped"))
            continue
        first_line[row.unom] = line_no
        rows.append(row)
    return rows, errors


def read_unoms(path: str | Path) -> tuple[list[int], list[LineError]]:
    """The UNOMs listed in a CSV with a `unom` column (repeats dropped), and bad lines."""
    unoms: list[int] = []
    errors: list[LineError] = []
    for line_no, record in csv_rows(path, ("unom",), HouseFileError):
        try:
            if isinstance(record, str):
                raise ValueError(record)
            unom = _unom(record.get("unom"))
        except ValueError as error:
            errors.append((line_no, str(error)))
            continue
        if unom not in unoms:
            unoms.append(unom)
    return unoms, errors


def _house_row(record: dict[str, str] | str) -> HouseRow:
    if isinstance(record, str):
        raise ValueError(record)
    unom = _unom(record.get("unom"))
    address = record.get("address", "")
    if not address:
        raise ValueError(f"unom {unom}: the address is empty")
    lat = _number(record, "lat", -90, 90)
    lon = _number(record, "lon", -180, 180)
    if (lat is None) != (lon is None):
        raise ValueError("lat and lon must be given together")
    flats = record.get("flats_total", "")
    if flats and (not _whole(flats) or int(flats) == 0):
        raise ValueError(f"flats_total must be a positive whole number, not {flats!r}")
    protocol = record.get("general_meeting_protocol", "")
    if protocol not in ("", "0", "1"):
        raise ValueError(f"general_meeting_protocol must be 0 or 1, not {protocol!r}")
    return HouseRow(
        unom=unom,
        address=address,
        okrug=record.get("okrug", ""),
        district=record.get("district", ""),
        lat=lat,
        lon=lon,
        official_for_pct=_number(record, "for_pct", 0, 100),
        official_against_pct=_number(record, "against_pct", 0, 100),
        official_status=record.get("status") or None,
        official_meeting_protocol=None if protocol == "" else protocol == "1",
        flats_total=int(flats) if flats else None,
    )


def _unom(text: str | None) -> int:
    text = (text or "").strip()
    if not text:
        raise ValueError("unom is missing")
    if not _whole(text):
        raise ValueError(f"unom must be a whole number, not {text!r}")
    return int(text)


def _whole(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _number(record: dict[str, str], name: str, low: float, high: float) -> float | None:
    text = record.get(name, "")
    if not text:
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(f"{name} must be a number, not {text!r}") from None
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be between {low:g} and {high:g}, not {text}")
    return value
