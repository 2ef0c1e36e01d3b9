"""One row per measurement, printed as one aligned table (or Markdown for BENCHMARKS.md)."""
from __future__ import annotations

from dataclasses import dataclass

_HEADERS = ("what", "n", "per second", "p50 ms", "p99 ms", "accuracy", "baseline", "ratio")


@dataclass(frozen=True, slots=True)
class Row:
    """A measurement: `ratio` is our speed over the baseline's, measured in the same process."""

    what: str
    n: int
    per_second: float | None = None
    p50_ms: float | None = None
    p99_ms: float | None = None
    accuracy: str = ""
    baseline: str = ""
    ratio: float | None = None


def _number(value: float | None, digits: int) -> str:
    if value is None:
        return ""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def _cells(row: Row) -> tuple[str, ...]:
    return (row.what, f"{row.n:,}", _number(row.per_second, 1), _number(row.p50_ms, 3),
            _number(row.p99_ms, 3), row.accuracy, row.baseline,
            "" if row.ratio is None else f"×{row.ratio:,.0f}" if row.ratio >= 10
            else f"×{row.ratio:.1f}")


def render(rows: list[Row], markdown: bool = False) -> str:
    """The rows as one table; numbers right-aligned, text left-aligned."""
    lines = [_HEADERS] + [_cells(row) for row in rows]
    numeric = {1, 2, 3, 4, 7}
    if markdown:
        rule = tuple("---:" if i in numeric else "---" for i in range(len(_HEADERS)))
        return "\n".join("| " + " | ".join(cells) + " |" for cells in [lines[0], rule, *lines[1:]])
    widths = [max(len(cells[i]) for cells in lines) for i in range(len(_HEADERS))]
    out = []
    for n, cells in enumerate(lines):
        out.append("  ".join(cell.rjust(w) if i in numeric else cell.ljust(w)
                             for i, (cell, w) in enumerate(zip(cells, widths))).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)
