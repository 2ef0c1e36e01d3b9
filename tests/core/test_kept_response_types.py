"""The Bot client keeps each reply type it met built: pydantic's cache of generic models holds
them weakly, and aiogram asks for `Response[...]` at every call."""
import gc
import weakref

from aiogram.methods import CreateChatInviteLink, Response, SendMessage
from aiogram.types import ChatInviteLink, Message

from bot.telegram import KeptResponseTypes


async def _sent(bot, method):
    return "sent"


async def test_a_reply_type_met_once_outlives_a_garbage_collection():
    kept = KeptResponseTypes()
    assert await kept(_sent, None, SendMessage(chat_id=1, text="Готово")) == "sent"
    met = weakref.ref(Response[Message])
    never_met = weakref.ref(Response[ChatInviteLink])
    gc.collect()
    assert met() is not None
    # why the client keeps them: a type nobody holds is gone after a collection, built anew next time
    assert never_met() is None, "pydantic now keeps generic models: KeptResponseTypes may go"
    await kept(_sent, None, CreateChatInviteLink(chat_id=1))
    held = weakref.ref(Response[ChatInviteLink])
    gc.collect()
    assert held() is not None
