"""aiogram's Telegram types built on first use (bot.lean_types) validate, serialise and describe
themselves exactly as the types aiogram builds eagerly at import."""
import json
import subprocess
import sys

# Prints, for the given import, whether Message was left unbuilt by the import, a reply's message
# read before anything was built, the JSON schema of
# Update (219 types reached from it) and of every method the bot warms up, and a round trip of an
# update through validation and serialisation.
PROBE = r"""
import json, sys, warnings
warnings.simplefilter("ignore")
if sys.argv[1] == "lean":
    import bot
import aiogram.methods, aiogram.types
unbuilt = not aiogram.types.Message.__pydantic_complete__
# first met inside another model, before anything is warmed up: a reply as the Bot API returns it
from aiogram.methods.base import Response
sent = Response[aiogram.types.Message].model_validate({"ok": True, "result": json.loads(sys.argv[2])[
    "callback_query"]["message"]}).result
# a field inherited from a class of another module (MenuButton's web_app: WebAppInfo)
menu = Response[aiogram.types.MenuButtonCommands].model_json_schema()
from bot.lean_types import WARM_UP, warm_up
warm_up()
def schema(name):
    model = getattr(aiogram.types, name, None) or getattr(aiogram.methods, name)
    try:
        return model.model_json_schema()
    except Exception as error:  # a file upload has no JSON schema; say so the same way
        return repr(error)
schemas = {name: schema(name) for name in WARM_UP}
update = aiogram.types.Update.model_validate(json.loads(sys.argv[2]))
reply = aiogram.methods.SendMessage(chat_id=1, text="Готово", reply_markup=aiogram.types.InlineKeyboardMarkup(
    inline_keyboard=[[aiogram.types.InlineKeyboardButton(text="Да", callback_data="yes")]]))
print(json.dumps({"unbuilt": unbuilt, "schemas": schemas, "update": update.model_dump(mode="json"),
                  "reply": reply.model_dump(exclude_none=True),
                  "sent": sent.model_dump(mode="json"), "menu": menu}, default=repr, sort_keys=True))
"""

UPDATE = {
    "update_id": 7,
    "callback_query": {
        "id": "c1", "chat_instance": "i", "data": "vote:yes",
        "from": {"id": 5, "is_bot": False, "first_name": "Анна", "language_code": "ru"},
        "message": {"message_id": 3, "date": 1700000000, "chat": {"id": 5, "type": "private"},
                    "text": "Вы за снос?", "entities": [{"type": "bold", "offset": 0, "length": 2}],
                    "reply_markup": {"inline_keyboard": [[{"text": "Да", "callback_data": "vote:yes"}]]}},
    },
}


def probe(mode: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, mode, json.dumps(UPDATE)],
                          capture_output=True, text=True, check=True, timeout=120)
    return json.loads(done.stdout)


def test_lazily_built_types_equal_the_eager_ones():
    lean, eager = probe("lean"), probe("eager")
    assert lean.pop("unbuilt") and not eager.pop("unbuilt")
    assert lean == eager
    assert lean["update"]["callback_query"]["message"]["reply_markup"]["inline_keyboard"][0][0]["text"] == "Да"
    assert len(lean["schemas"]["Update"]["$defs"]) > 200
