"""What a resident may send the bot, as hypothesis strategies."""
from __future__ import annotations

from hypothesis import strategies as st

from tests.dialogue.steps import KUBINKA
from tests.plugins.sandbox import png

TEXT_LIMIT = 4096  # Telegram's (and the sandbox's) limit for one message
CAPTION_LIMIT = 1024

COMMANDS = ("/start", "/cancel", "/status", "/help", "/language", "/settings", "/results", "/check",
            "/stats", "/centre", "/admin", "/announce")
MENUS = ("/centre", "/status", "/settings", "/language", "/check", "/stats", "/results", "/start")  # with buttons
BOT_USERNAME = "house_vote_sandbox_bot"

# characters Telegram keeps in a message besides the printable ones
CONTROLS = ("\n", "\t", "\r\n", "\u00a0", "\u0085", "\u2028", "\u2029")
ZERO_WIDTH_AND_BIDI = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u200e", "\u200f", "\u202a",
                       "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
                       "\u061c", "\u034f", "\u00ad")
EMOJI = ("😀", "👍", "👎", "✅", "❌", "🏠", "🇷🇺", "👨‍👩‍👧‍👦", "🤷🏽‍♀️", "❤️", "🫠", "1️⃣", "🏳️‍🌈")
# what the bot renders as HTML, and what looks like an answer to one of its questions
MARKUP = ("<", ">", "&", "\"", "'", "<b>", "</b>", "<i>x</i>", "&amp;", "&lt;", "&#0;", "<a href=\"x\">",
          "<tg-spoiler>", "<pre>", "<code>", "</code>", "]]>", "%s", "{}", "{title}", "\\", "`", "*_~|")
LOOKS_LIKE_AN_ANSWER = ("12", "0", "-1", "12а", "9" * 30, "Петрова Анна Сергеевна", "Анна", "14.03.1975",
                        "29.02.2001", "31.12.9999", "01.01.1900", "45 12 345678", "4512345678",
                        "112-233-445 95", "11223344595", "1234567890", "77:01:0001013:4915",
                        KUBINKA, "Кубинка", "улица Кубинка, дом 12, корпус 3", "проспект Мира 102 стр 1",
                        "да", "ЗА", "👍 ЗА", "✅ Даю согласие", "✅ Всё верно", "нет", "yes")

CYRILLIC = st.characters(min_codepoint=0x0400, max_codepoint=0x04FF)
RTL = st.characters(min_codepoint=0x0590, max_codepoint=0x06FF)  # Hebrew and Arabic
ANY_CHARACTER = st.characters(exclude_categories=("Cs", "Co", "Cn", "Cc"))  # text JSON and Telegram carry

piece = st.one_of(
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=8),
    st.text(CYRILLIC, min_size=1, max_size=8),
    st.text(RTL, min_size=1, max_size=6),
    st.text(ANY_CHARACTER, min_size=1, max_size=4),
    st.sampled_from(CONTROLS + ZERO_WIDTH_AND_BIDI + EMOJI + MARKUP + LOOKS_LIKE_AN_ANSWER),
)


def sendable(text: str) -> bool:
    """Telegram refuses an empty message; it arrives stripped, at most 4096 characters."""
    return 0 < len(text.strip()) <= TEXT_LIMIT


short_text = st.lists(piece, min_size=1, max_size=12).map("".join)
# long texts repeat a short one: a 4,096-character draw would swamp hypothesis' budget of choices
long_text = st.builds(
    lambda unit, length: (unit * (length // max(len(unit), 1) + 1))[:length],
    short_text.filter(lambda unit: unit.strip() != ""),
    st.sampled_from((200, 201, 1024, 4000, 4095, TEXT_LIMIT)) | st.integers(100, TEXT_LIMIT),
)
free_text = st.one_of(short_text, short_text, short_text, long_text).filter(sendable)


def _known_command() -> st.SearchStrategy[str]:
    suffix = st.one_of(
        st.just(""), st.just(f"@{BOT_USERNAME}"), st.just("@other_bot"),
        short_text.map(lambda text: " " + text),
    )
    name = st.sampled_from(COMMANDS) | st.sampled_from(COMMANDS).map(str.upper)
    return st.builds(lambda n, s: (n + s)[:TEXT_LIMIT], name, suffix)


unknown_command = st.one_of(
    st.from_regex(r"\A/[a-z0-9_]{1,32}\Z").filter(lambda text: text not in COMMANDS),
    st.sampled_from(("/", "//", "/ start", "/старт", "/start_", "/statuses", "/_", "/1", "/start/start")),
)
command = st.one_of(_known_command(), _known_command(), unknown_command).filter(sendable)
caption = st.one_of(st.just(""), short_text, command).map(lambda text: text[:CAPTION_LIMIT])

file_name = st.one_of(
    st.sampled_from(("passport.jpg", "паспорт.pdf", "scan.PNG", "../../etc/passwd", "a" * 200 + ".txt",
                     "свидетельство о собственности.docx", "noextension", "😀.gif", ".hidden")),
    # a form field's name carries no control characters (aiohttp refuses them as header injection)
    st.text(st.characters(min_codepoint=0x21, max_codepoint=0x4FF, exclude_characters="/\\",
                          exclude_categories=("Cc",)), min_size=1, max_size=40),
)
photo = st.builds(png, st.integers(1, 64), st.integers(1, 64),
                  st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)))
document = st.binary(min_size=1, max_size=2048)
phone = st.from_regex(r"\A\+?7[0-9]{10}\Z")
