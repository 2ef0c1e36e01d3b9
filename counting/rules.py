"""The counting rules of a poll: explicit policies, frozen when the poll opens.

Their canonical JSON (sorted keys, no spaces, the threshold as a fraction "2/3") is what is
stored and published; its SHA-256 names the rules a result was counted by.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction
from typing import Any


class SilentFlats(StrEnum):
    """What flats with no counted ballot add to a house's count."""

    PROPORTIONAL = "proportional"  # 326-ПП п. 6.9(1): shared out as the flats counted for and against
    IGNORED = "ignored"  # left out of the count and of the total
    FOR = "for"  # the original 245-ПП rule: counted as for


class TwoChannels(StrEnum):
    """Which ballot counts when one person voted for one flat on two channels (bot and paper)."""

    LATER = "later"  # the one cast later
    ONLINE = "online"  # the bot's
    PAPER = "paper"  # the service centre's


@dataclass(frozen=True, slots=True)
class CountingRules:
    silent: SilentFlats = SilentFlats.PROPORTIONAL
    #: a house is included when its flats counted for exceed this share of its flats (strictly)
    threshold: Fraction = Fraction(2, 3)
    #: whether undecided flats (an equal split of their ballots) stay in "all its flats"
    undecided_in_total: bool = True
    #: whether a flat's ballots weigh by the voter's ownership share instead of one each
    weighted_by_share: bool = False
    two_channels: TwoChannels = TwoChannels.LATER

    def __post_init__(self) -> None:
        # a plain string ("for") would compare equal to its policy but fail the engine's `is`
        # checks (and canonical()): the policies are stored as their enums, or ValueError
        object.__setattr__(self, "silent", SilentFlats(self.silent))
        object.__setattr__(self, "two_channels", TwoChannels(self.two_channels))
        if not isinstance(self.threshold, Fraction) or not 0 < self.threshold < 1:
            raise ValueError("threshold must be a fraction between 0 and 1, such as 2/3")

    def canonical(self) -> dict[str, Any]:
        return {"silent": self.silent.value, "threshold": f"{self.threshold.numerator}/{self.threshold.denominator}",
                "undecided_in_total": self.undecided_in_total, "weighted_by_share": self.weighted_by_share,
                "two_channels": self.two_channels.value}

    def canonical_json(self) -> str:
        return json.dumps(self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    def digest(self) -> str:
        """SHA-256 of the canonical JSON, in hex."""
        return hashlib.sha256(self.canonical_json().encode()).hexdigest()

    @classmethod
    def from_canonical(cls, data: dict[str, Any]) -> CountingRules:
        """The rules from their canonical form (stored or published); ValueError names what is wrong."""
        unknown = set(data) - set(cls().canonical())
        if unknown:
            raise ValueError(f"unknown counting rules: {', '.join(sorted(unknown))}")
        defaults = cls()
        try:
            silent = SilentFlats(data.get("silent", defaults.silent))
        except ValueError:
            raise ValueError(f"silent must be one of {', '.join(SilentFlats)}") from None
        try:
            two_channels = TwoChannels(data.get("two_channels", defaults.two_channels))
        except ValueError:
            raise ValueError(f"two_channels must be one of {', '.join(TwoChannels)}") from None
        threshold = data.get("threshold", "2/3")
        try:
            fraction = Fraction(str(threshold))
        except (ValueError, ZeroDivisionError):
            raise ValueError("threshold must be a fraction such as 2/3") from None
        flags = {}
        for name in ("undecided_in_total", "weighted_by_share"):
            value = data.get(name, getattr(defaults, name))
            if not isinstance(value, bool):
                raise ValueError(f"{name} must be true or false")
            flags[name] = value
        return cls(silent=silent, threshold=fraction, two_channels=two_channels, **flags)

    @classmethod
    def from_json(cls, text: str) -> CountingRules:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"counting rules are not JSON: {error.msg}") from None
        if not isinstance(data, dict):
            raise ValueError("counting rules must be a JSON object")
        return cls.from_canonical(data)
