"""Reading an operator's CSV extract: UTF-8 (with or without BOM), ',' or ';', a header row.

A bad row never stops an import; the whole file fails only when it cannot be used at all.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from pathlib import Path


def csv_rows(path: str | Path, required: Sequence[str],
             unusable: type[Exception]) -> Iterator[tuple[int, dict[str, str] | str]]:
    """(line number, the row by column name — or what is wrong with its shape).

    Raises `unusable` (the caller's error type) naming the file when it cannot be read or its
    header lacks a required column.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise unusable(f"{path}: no such file") from None
    except IsADirectoryError:
        raise unusable(f"{path}: is a folder, not a CSV file") from None
    except UnicodeDecodeError:
        raise unusable(f"{path}: not UTF-8 text (save the CSV as UTF-8)") from None
    except OSError as error:
        raise unusable(f"{path}: cannot be read ({error.strerror})") from None
    header_line = text.split("\n", 1)[0]
    # Spreadsheets set to Russian write ';' between columns.
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader, [])]
    missing = [name for name in required if name not in header]
    if missing:
        found = ", ".join(header) if any(header) else "none"
        raise unusable(f"{path}: no column {', '.join(missing)} in the header (columns: {found})")
    line_no = reader.line_num
    for values in reader:
        start, line_no = line_no + 1, reader.line_num
        if not any(value.strip() for value in values):
            continue
        if len(values) != len(header):
            yield start, f"{len(values)} values where the header has {len(header)} columns"
            continue
        yield start, {name: value.strip() for name, value in zip(header, values, strict=True)}
