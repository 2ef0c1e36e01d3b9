"""Reading the site's pages as a reader would: the houses listed, a house's verdict and formula."""
from __future__ import annotations

import html
import re
from dataclasses import dataclass

_ROW = re.compile(
    r'<td class="address"><a href="/polls/\d+/houses/(\d+)[^"]*">([^<]+)</a></td>\s*'
    r'<td class="place"[^>]*>([^<]*)</td>\s*<td class="num"[^>]*>([^<]*)</td>\s*'
    r'<td[^>]*><span class="decision (\w+)">([^<]+)</span>')


@dataclass(frozen=True)
class Listed:
    unom: int
    address: str
    place: str
    share: float | None
    decision: str
    decision_text: str


def listed(page: str) -> list[Listed]:
    """The houses of a results page, in the order shown."""
    rows = []
    for unom, address, place, share, decision, words in _ROW.findall(page):
        share = share.replace("\xa0", "").replace(" %", "").replace(",", ".")
        rows.append(Listed(int(unom), html.unescape(address), html.unescape(place),
                           None if share == "—" else float(share), decision, html.unescape(words)))
    return rows


def between(page: str, start: str, end: str) -> str:
    """The text between two markers (the first of each), tags and all; '' when absent."""
    at = page.find(start)
    if at < 0:
        return ""
    at += len(start)
    return html.unescape(page[at:page.find(end, at)])


def text_of(page: str, css_class: str) -> str:
    """The text of the first element with this class, without its tags."""
    match = re.search(rf'<(\w+)[^>]*class="{css_class}"[^>]*>(.*?)</\1>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(2))).split()) if match else ""


def number(text: str) -> float:
    """A number as a page writes it, in either language ("1 234,5" or "1,234.5")."""
    text = text.replace("\xa0", "").replace(" ", "")
    return float(text.replace(",", ".") if re.fullmatch(r"-?\d+(,\d+)?", text) else text.replace(",", ""))
