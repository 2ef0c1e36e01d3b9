"""Charts of a published breakdown as PNG (matplotlib, no screen): one horizontal bar a cell.

Turnout draws each cell's ballots; with results, its yes and no stacked. A hidden cell is an empty
hatched bar of the threshold's length with the caller's "suppressed" text: neither its length nor
any text carries the hidden number. The bars are built first (`chart_bars`, no matplotlib), so
what a chart may show is decided, and tested, apart from the drawing.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from counting.breakdowns import Breakdown, Cell
from counting.disclosure import Suppressed
from services.charts import drawing, png

MAX_BARS = 200  # a taller picture is unreadable (and past matplotlib's pixel limit soon after)
COLOURS = {"yes": "#2e7d32", "no": "#c62828", "ballots": "#1565c0", "suppressed": "#9e9e9e"}


@dataclass(frozen=True, slots=True)
class Segment:
    """A piece of a bar: `part` is yes, no, ballots or suppressed."""

    part: str
    width: float


@dataclass(frozen=True, slots=True)
class Bar:
    """A cell as drawn: its label, its pieces from the left, and the text at its end."""

    label: str
    segments: tuple[Segment, ...]
    text: str


def chart_bars(breakdown: Breakdown, labels: Mapping[str, str]) -> list[Bar]:
    """The bars of `breakdown`'s cells; `labels` may also name keys (e.g. "f", "unknown")."""
    return [_bar(cell, breakdown, labels) for cell in breakdown.cells]


def _bar(cell: Cell, breakdown: Breakdown, labels: Mapping[str, str]) -> Bar:
    parts = cell.key if isinstance(cell.key, tuple) else (cell.key,)
    label = " · ".join(labels.get(part, part) for part in parts)
    hidden = Bar(label, (Segment("suppressed", breakdown.rules.threshold),), labels["suppressed"])
    if breakdown.results:
        yes, no = cell.yes, cell.no
        if not isinstance(yes, int) or not isinstance(no, int):  # hidden (None is never drawn either)
            return hidden
        return Bar(label, (Segment("yes", yes), Segment("no", no)), f"{yes} / {no}")
    if isinstance(cell.ballots, Suppressed):
        return hidden
    return Bar(label, (Segment("ballots", cell.ballots),), str(cell.ballots))


def breakdown_png(breakdown: Breakdown, *, title: str, labels: Mapping[str, str]) -> bytes:
    """`labels`: texts for suppressed, yes, no and ballots, in the reader's language.

    ValueError for more than MAX_BARS cells (houses of the whole city: draw a district's)."""
    bars = chart_bars(breakdown, labels)
    if len(bars) > MAX_BARS:
        raise ValueError(f"{len(bars)} cells are too many for one chart (at most {MAX_BARS})")
    with drawing(6.4, max(2.0, 1.2 + 0.28 * len(bars))) as (figure, axes):
        draw(axes, bars, labels, parts=("yes", "no") if breakdown.results else ("ballots",))
        return png(figure, axes, title)


def draw(axes: Any, bars: Sequence[Bar], labels: Mapping[str, str], *, parts: Sequence[str]) -> None:
    """The bars on matplotlib axes, the first at the top, with a legend of `parts` (and of the
    hidden bar, if any)."""
    positions = list(range(len(bars)))[::-1]
    longest = 1.0
    for y, bar in zip(positions, bars):
        left = 0.0
        for segment in bar.segments:
            if segment.part == "suppressed":
                axes.barh([y], [segment.width], left=left, height=0.6, color="none",
                          edgecolor=COLOURS["suppressed"], hatch="///", linewidth=0.8)
            elif segment.width > 0:
                axes.barh([y], [segment.width], left=left, height=0.6, color=COLOURS[segment.part])
            left += segment.width
        longest = max(longest, left)
        axes.text(left, y, f" {bar.text}", va="center", fontsize=7)
    axes.set_yticks(positions, [bar.label for bar in bars], fontsize=7)
    axes.set_xlim(0, longest * 1.15)  # room for the texts at the bars' ends
    handles = [_patch(part, labels[part]) for part in parts]
    if any(segment.part == "suppressed" for bar in bars for segment in bar.segments):
        handles.append(_patch("suppressed", labels["suppressed"]))
    axes.legend(handles=handles, loc="best", fontsize=7, framealpha=0.9)


def _patch(part: str, text: str) -> Any:
    from matplotlib.patches import Patch  # loaded with pyplot, on the first chart

    if part == "suppressed":
        return Patch(facecolor="none", edgecolor=COLOURS[part], hatch="///", label=text)
    return Patch(facecolor=COLOURS[part], label=text)
