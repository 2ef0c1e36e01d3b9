"""Charts of a house's result as PNG (matplotlib, no screen): for the bot and for the site.

One bar of all the house's flats: counted for, the silent flats' share for, undecided, the silent
share against, counted against; a line marks the threshold. Labels come from the caller, in the
reader's language.
"""
from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from typing import Any

_DRAWING = threading.Lock()  # pyplot keeps global state: one figure at a time per process
COLOURS = {"for": "#2e7d32", "silent_for": "#a5d6a7", "undecided": "#bdbdbd",
           "silent_against": "#ef9a9a", "against": "#c62828"}


@dataclass(frozen=True, slots=True)
class HouseBar:
    """The parts of a house's flats, in flats (fractions allowed: a silent share is not whole)."""

    for_flats: float
    silent_for: float
    undecided: float
    silent_against: float
    against_flats: float
    threshold: float  # the share of the base that must be exceeded, e.g. 2/3
    base: float  # "all its flats" as the rules count them


@cache
def _pyplot():
    """matplotlib on first use: importing it takes a second (and builds its font cache on a new
    machine), which a bot or worker that never draws should not pay at start."""
    import matplotlib

    matplotlib.use("Agg")  # before pyplot: no display here, and none is needed
    from matplotlib import pyplot

    return pyplot


@contextmanager
def drawing(width: float, height: float) -> Iterator[tuple[Any, Any]]:
    """A figure and its axes to draw on, one at a time per process (pyplot's state is global)."""
    pyplot = _pyplot()
    with _DRAWING:
        figure, axes = pyplot.subplots(figsize=(width, height), dpi=100)
        try:
            yield figure, axes
        finally:
            pyplot.close(figure)


def png(figure: Any, axes: Any, title: str = "") -> bytes:
    """The figure as PNG bytes, with its title if there is one."""
    if title:
        axes.set_title(title, fontsize=10)
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def house_chart(bar: HouseBar, labels: Mapping[str, str], *, title: str = "") -> bytes:
    """`labels`: a text for each of for, silent_for, undecided, silent_against, against, threshold."""
    parts = [("for", bar.for_flats), ("silent_for", bar.silent_for), ("undecided", bar.undecided),
             ("silent_against", bar.silent_against), ("against", bar.against_flats)]
    with drawing(6.4, 2.0) as (figure, axes):
        left = 0.0
        for key, value in parts:
            if value > 0:
                axes.barh([0], [value], left=left, color=COLOURS[key], label=labels[key], height=0.6)
            left += value
        if bar.base:
            axes.axvline(bar.threshold * bar.base, color="#000000", linestyle="--", linewidth=1.2,
                         label=labels["threshold"])
        axes.set_xlim(0, max(left, bar.base, 1))
        axes.set_yticks([])
        axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.25), ncol=3, fontsize=7, frameon=False)
        return png(figure, axes, title)
