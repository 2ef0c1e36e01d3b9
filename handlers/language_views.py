"""What the resident is told once they choose a language, in that language."""
from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def language_chosen(*, menu_follows: bool) -> str:
    """`menu_follows`: the chat's commands menu is now in this language too (Telegram took it)."""
    # each catalogue names its own language in the translation of this message id
    said = _("Language: English.")
    if menu_follows:
        said += " " + _("The menu's commands are in English too.")
    return said
