"""Telegram's parse modes: formatted text becomes plain text plus entities, or a Telegram-worded error.

A bot that sends broken HTML or unescaped MarkdownV2 fails in production; it must fail here too.
Entity offsets and lengths are in UTF-16 code units, as in the Bot API.
"""
from __future__ import annotations

import html
import re

from sandbox.errors import ApiError

HTML_TAGS = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "tg-spoiler": "spoiler", "code": "code", "pre": "pre", "a": "text_link",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji", "span": "spoiler",
}
MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
TAG_RE = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z-]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*>")
ATTR_RE = re.compile(r"([a-zA-Z-]+)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+)))?")
ENTITY_RE = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cannot_parse(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: can't parse entities: {reason}")


def parse(text: str, parse_mode: str | None) -> tuple[str, list[dict]]:
    """Returns (plain text, entities) for the given parse mode (None: the text as is)."""
    mode = (parse_mode or "").lower()
    if not mode:
        return text, []
    if mode == "html":
        return parse_html(text)
    if mode == "markdownv2":
        return parse_markdown_v2(text)
    if mode == "markdown":
        return parse_markdown(text)
    raise ApiError(400, f"Bad Request: unsupported parse_mode \"{parse_mode}\"")


def parse_html(source: str) -> tuple[str, list[dict]]:
    out: list[str] = []
    length = 0  # UTF-16 length of the text produced so far
    stack: list[tuple[str, int, dict]] = []
    entities: list[dict] = []
    pos = 0
    while pos < len(source):
        char = source[pos]
        if char == "<":
            match = TAG_RE.match(source, pos)
            byte_offset = len(source[:pos].encode())
            if not match:
                raise _cannot_parse(f"Unsupported start tag at byte offset {byte_offset}")
            closing, name, attrs = match.group(1), match.group(2).lower(), match.group(3)
            if closing:
                if not stack:
                    raise _cannot_parse(f"Unexpected end tag at byte offset {byte_offset}")
                open_name, start, entity = stack.pop()
                if open_name != name:
                    raise _cannot_parse(
                        f"Unmatched end tag at byte offset {byte_offset}, "
                        f"expected \"</{open_name}>\", found \"</{name}>\""
                    )
                if length > start:
                    entities.append({**entity, "offset": start, "length": length - start})
            else:
                stack.append((name, length, _html_entity(name, attrs, byte_offset)))
            pos = match.end()
        elif char == "&":
            match = ENTITY_RE.match(source, pos)
            piece = html.unescape(match.group(0)) if match else "&"
            out.append(piece)
            length += utf16_len(piece)
            pos = match.end() if match else pos + 1
        elif char == ">":
            out.append(char)
            length += 1
            pos += 1
        else:
            end = min((i for i in (source.find("<", pos), source.find("&", pos)) if i != -1),
                      default=len(source))
            piece = source[pos:end]
            out.append(piece)
            length += utf16_len(piece)
            pos = end
    if stack:
        raise _cannot_parse(f"Can't find end tag corresponding to start tag \"{stack[-1][0]}\"")
    return "".join(out), _nest_pre_code(sorted(entities, key=lambda e: (e["offset"], -e["length"])))


def _html_entity(name: str, attrs: str, byte_offset: int) -> dict:
    if name not in HTML_TAGS:
        raise _cannot_parse(f"Unsupported start tag \"{name}\" at byte offset {byte_offset}")
    values = {m.group(1).lower(): next((g for g in m.groups()[1:] if g is not None), "")
              for m in ATTR_RE.finditer(attrs)}
    if name == "a":
        href = values.get("href", "")
        if not href:
            raise _cannot_parse(f"Can't find href attribute of tag \"a\" at byte offset {byte_offset}")
        return {"type": "text_link", "url": href}
    if name == "span" and values.get("class") != "tg-spoiler":
        raise _cannot_parse(f"Tag \"span\" must have class \"tg-spoiler\" at byte offset {byte_offset}")
    if name == "code" and values.get("class", "").startswith("language-"):
        return {"type": "code", "language": values["class"][len("language-"):]}
    if name == "tg-emoji":
        return {"type": "custom_emoji", "custom_emoji_id": values.get("emoji-id", "")}
    if name == "blockquote" and "expandable" in values:
        return {"type": "expandable_blockquote"}
    return {"type": HTML_TAGS[name]}


def _nest_pre_code(entities: list[dict]) -> list[dict]:
    """`<pre><code class="language-x">` is one pre entity with a language, as Telegram reports it."""
    result: list[dict] = []
    for entity in entities:
        previous = result[-1] if result else None
        if (entity["type"] == "code" and "language" in entity and previous is not None
                and previous["type"] == "pre" and previous["offset"] == entity["offset"]
                and previous["length"] == entity["length"]):
            previous["language"] = entity["language"]
            continue
        if entity["type"] == "code":
            entity.pop("language", None)
        result.append(entity)
    return result


MD2_MARKERS = {"*": "bold", "_": "italic", "__": "underline", "~": "strikethrough", "||": "spoiler"}


def parse_markdown_v2(source: str) -> tuple[str, list[dict]]:
    out: list[str] = []
    length = 0
    stack: list[tuple[str, int, int]] = []  # (marker, text offset, byte offset)
    entities: list[dict] = []
    pos = 0
    at_line_start = True
    quote_start: int | None = None

    def emit(piece: str) -> None:
        nonlocal length
        out.append(piece)
        length += utf16_len(piece)

    while pos < len(source):
        char = source[pos]
        byte_offset = len(source[:pos].encode())
        if at_line_start and char == ">":
            if quote_start is None:
                quote_start = length
            pos += 1
            at_line_start = False
            continue
        if at_line_start and quote_start is not None:
            entities.append({"type": "blockquote", "offset": quote_start, "length": length - quote_start - 1})
            quote_start = None
        at_line_start = False
        if char == "\\" and pos + 1 < len(source):
            emit(source[pos + 1])
            pos += 2
            continue
        if source.startswith("```", pos):
            end = source.find("```", pos + 3)
            if end == -1:
                raise _cannot_parse(f"Can't find end of Pre entity at byte offset {byte_offset}")
            body = source[pos + 3:end]
            language, newline, rest = body.partition("\n")
            code = rest if newline and re.fullmatch(r"[\w+#-]*", language) else body
            start = length
            emit(_unescape_code(code))
            entity = {"type": "pre", "offset": start, "length": length - start}
            if newline and language and code is rest:
                entity["language"] = language
            entities.append(entity)
            pos = end + 3
            continue
        if char == "`":
            end = source.find("`", pos + 1)
            if end == -1:
                raise _cannot_parse(f"Can't find end of Code entity at byte offset {byte_offset}")
            start = length
            emit(_unescape_code(source[pos + 1:end]))
            entities.append({"type": "code", "offset": start, "length": length - start})
            pos = end + 1
            continue
        if char == "[":
            stack.append(("[", length, byte_offset))
            pos += 1
            continue
        if char == "]" and stack and stack[-1][0] == "[":
            _, start, _ = stack.pop()
            if not source.startswith("(", pos + 1):
                raise _cannot_parse("Character ']' is reserved and must be escaped with the preceding '\\'")
            end = pos + 2
            url_chars: list[str] = []
            while end < len(source) and source[end] != ")":
                if source[end] == "\\" and end + 1 < len(source):
                    end += 1
                url_chars.append(source[end])
                end += 1
            if end >= len(source):
                raise _cannot_parse(f"Can't find end of a URL at byte offset {byte_offset}")
            entities.append({"type": "text_link", "offset": start, "length": length - start,
                             "url": "".join(url_chars)})
            pos = end + 1
            continue
        marker = source[pos:pos + 2] if source[pos:pos + 2] in ("__", "||") else char
        if marker in MD2_MARKERS:
            if stack and stack[-1][0] == marker:
                _, start, _ = stack.pop()
                entities.append({"type": MD2_MARKERS[marker], "offset": start, "length": length - start})
            else:
                stack.append((marker, length, byte_offset))
            pos += len(marker)
            continue
        if char in MARKDOWN_V2_RESERVED:
            raise _cannot_parse(f"Character '{char}' is reserved and must be escaped with the preceding '\\'")
        emit(char)
        at_line_start = char == "\n"
        pos += 1
    if quote_start is not None:
        entities.append({"type": "blockquote", "offset": quote_start, "length": length - quote_start})
    if stack:
        marker, _, byte_offset = stack[-1]
        kind = "TextUrl" if marker == "[" else MD2_MARKERS[marker].capitalize()
        raise _cannot_parse(f"Can't find end of {kind} entity at byte offset {byte_offset}")
    entities = [e for e in entities if e["length"] > 0]
    return "".join(out), sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def _unescape_code(text: str) -> str:
    return re.sub(r"\\([`\\])", r"\1", text)


MD_LEGACY = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}


def parse_markdown(source: str) -> tuple[str, list[dict]]:
    """Legacy Markdown: no nesting, `\\` escapes only the markers."""
    out: list[str] = []
    length = 0
    entities: list[dict] = []
    pos = 0
    while pos < len(source):
        char = source[pos]
        byte_offset = len(source[:pos].encode())
        if char == "\\" and pos + 1 < len(source) and source[pos + 1] in "_*`[":
            out.append(source[pos + 1])
            length += 1
            pos += 2
            continue
        marker = "```" if source.startswith("```", pos) else char
        if marker in MD_LEGACY:
            end = source.find(marker, pos + len(marker))
            if end == -1:
                raise _cannot_parse(f"Can't find end of the entity starting at byte offset {byte_offset}")
            body = source[pos + len(marker):end]
            entities.append({"type": MD_LEGACY[marker], "offset": length, "length": utf16_len(body)})
            out.append(body)
            length += utf16_len(body)
            pos = end + len(marker)
            continue
        link = re.compile(r"\[([^\]]+)\]\(([^)]+)\)").match(source, pos)
        if link:
            entities.append({"type": "text_link", "offset": length, "length": utf16_len(link.group(1)),
                             "url": link.group(2)})
            out.append(link.group(1))
            length += utf16_len(link.group(1))
            pos = link.end()
            continue
        out.append(char)
        length += utf16_len(char)
        pos += 1
    return "".join(out), [e for e in entities if e["length"] > 0]


COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![^\s.,;:!?])")


def command_entities(text: str) -> list[dict]:
    """The bot_command entities Telegram attaches to a user's text."""
    return [
        {"type": "bot_command", "offset": utf16_len(text[:m.start()]), "length": utf16_len(m.group(0))}
        for m in COMMAND_RE.finditer(text)
    ]


def trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    """Telegram strips surrounding whitespace from a message and shifts its entities to match."""
    stripped_left = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    total = utf16_len(result)
    trimmed = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            trimmed.append({**entity, "offset": start, "length": end - start})
    return result, trimmed
