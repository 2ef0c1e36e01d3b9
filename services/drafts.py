"""The resident's answers while the dialogue goes on, kept sealed in the FSM storage.

FSM storage may be Redis, so personal data never sits there in clear: the answers travel as one
AES-GCM-sealed token and are opened only for the step that needs them.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from verification.levels import Field, Levels


#: Who the resident is, as opposed to which flat: what their ballot for another flat may reuse.
IDENTITY = (Field.FULL_NAME, Field.BIRTH_DATE, Field.PASSPORT, Field.SNILS)


def identity_fields(levels: Levels) -> tuple[Field, ...]:
    return tuple(item for item in levels.fields if item in IDENTITY)


def apartment_fields(levels: Levels) -> tuple[Field, ...]:
    return tuple(item for item in levels.fields if item not in IDENTITY)


class Sealer(Protocol):
    def seal(self, data: dict) -> bytes: ...
    def open(self, blob: bytes) -> dict: ...


@dataclass
class Draft:
    """Normalised answers by field name; what a validator accepted, as text."""

    values: dict[str, str] = field(default_factory=dict)

    def get(self, item: Field) -> str | None:
        return self.values.get(item.value)

    def put(self, item: Field, value: object) -> None:
        self.values[item.value] = value.isoformat() if isinstance(value, date) else str(value)

    def forget(self, items: tuple[Field, ...]) -> None:
        for item in items:
            self.values.pop(item.value, None)

    def next_missing(self, levels: Levels) -> Field | None:
        for item in levels.fields:
            if item.value not in self.values:
                return item
        return None

    def previous(self, levels: Levels, current: Field) -> Field | None:
        order = levels.fields
        index = order.index(current) if current in order else len(order)
        return order[index - 1] if index > 0 else None

    def move_to(self, house_id: int, previous_house_id: int | None) -> bool:
        """A flat number belongs to its house: choosing another house forgets it. True if it changed."""
        if previous_house_id == house_id:
            return False
        self.values.pop(Field.FLAT.value, None)
        return True

    @property
    def birth_date(self) -> date | None:
        text = self.values.get(Field.BIRTH_DATE.value)
        return date.fromisoformat(text) if text else None


class DraftSeal:
    """Turns a draft into an opaque text token for the FSM storage and back."""

    def __init__(self, vault: Sealer) -> None:
        self._vault = vault

    def seal(self, draft: Draft) -> str:
        return base64.urlsafe_b64encode(self._vault.seal(dict(draft.values))).decode("ascii")

    def open(self, token: str | None) -> Draft:
        if not token:
            return Draft()
        return Draft({str(k): str(v) for k, v in self._vault.open(base64.urlsafe_b64decode(token)).items()})
