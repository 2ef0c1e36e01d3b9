"""A bot process may die between any two of a step's writes to the dialogue's storage (the state
and its data are kept apart): whichever write is the last one made, the dialogue is never left
entering an answer without knowing which question it answers."""
from __future__ import annotations

from dataclasses import dataclass

import pytest
from aiogram.fsm.context import FSMContext
from aiogram.fsm.storage.base import StorageKey
from aiogram.fsm.storage.memory import MemoryStorage

from bot.i18n import catalogues
from handlers import flow
from handlers.states import Vote
from verification.levels import Field


class Killed(Exception):
    """The process ended here."""


class DyingStorage(MemoryStorage):
    """Storage that takes `writes` writes, then the process is gone."""

    def __init__(self, writes: int) -> None:
        super().__init__()
        self.writes = writes

    def _write(self) -> None:
        if self.writes == 0:
            raise Killed
        self.writes -= 1

    async def set_state(self, key, state=None) -> None:
        self._write()
        await super().set_state(key, state)

    async def set_data(self, key, data) -> None:
        self._write()
        await super().set_data(key, data)


@dataclass
class Sent:
    message_id: int


class Chat:
    """The chat's side of the step: the question goes out (Telegram's part, not under test)."""

    async def answer(self, text: str, reply_markup=None) -> Sent:
        return Sent(message_id=42)


@pytest.mark.parametrize("writes", range(4))
@pytest.mark.parametrize("before", ["house chosen", "a question answered"])
async def test_a_question_asked_is_never_torn_from_its_field(writes, before):
    storage = DyingStorage(writes=1_000)
    state = FSMContext(storage, StorageKey(bot_id=1, chat_id=7, user_id=7))
    i18n = catalogues()
    with i18n.context(), i18n.use_locale("ru"):
        if before == "house chosen":
            await state.set_state(Vote.picking_house)
            await state.update_data(poll_id=1, house_id=5)
            asked = Field.FLAT
        else:
            await flow.ask(Chat(), state, Field.FULL_NAME)
            asked = Field.BIRTH_DATE
        storage.writes = writes
        try:
            await flow.ask(Chat(), state, asked)
        except Killed:
            pass
    data = await state.get_data()
    if await state.get_state() == Vote.entering.state:
        assert data.get("field") is not None, data
    if data.get("field") == asked.value and data.get("question_id") is not None:
        assert data["question_id"] == 42  # never an earlier question's message taken for this one
