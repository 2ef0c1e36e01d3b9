"""Why an input or a check was refused, in a form both machines and people can read."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


def N_(message: str) -> str:
    """Marks a message id for the catalogue extractor without translating it here."""
    return message


@dataclass(frozen=True, slots=True)
class Refusal:
    """A refusal: a stable machine code plus an English message id rendered through a catalogue."""

    code: str
    message: str
    params: Mapping[str, object] = field(default_factory=dict)

    def render(self, gettext: Callable[[str], str] = lambda s: s) -> str:
        return gettext(self.message).format(**self.params)


@dataclass(frozen=True, slots=True)
class Accepted(Generic[T]):
    """A value accepted by a validator, in its normalised form."""

    value: T


#: What a validator returns: the accepted value, or why it was refused.
Validated = Accepted[T] | Refusal
