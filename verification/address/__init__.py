"""Typo-tolerant address search over the houses of a poll.

    index = AddressIndex.build(HouseEntry(unom, address, district) for ... in poll houses)
    index.search("Кубинка 12 к3")  # -> [AddressMatch(..., score=100.0), ...]

It also reads an address as people really type it (see AddressIndex.search): in Latin letters
("ul. Kubinka 12 k3", `translit`), with the keyboard in the other layout ("Re,byrf 12r3",
`layout`), after a document's postcode, city, okrug and district (`prefixes`).
"""
from __future__ import annotations

from verification.address.index import AddressIndex, AddressMatch, HouseEntry
from verification.address.streets import parse_address

__all__ = ["AddressIndex", "AddressMatch", "HouseEntry", "normalise_address"]


def normalise_address(text: str) -> str:
    """The canonical search form of an address: lower case, е for ё, abbreviations expanded,
    punctuation dropped, type words after the name, then "дом N корпус N строение N".

    Different spellings of one address give one form:
    "ул. Кубинка, д.12 к.3" and "улица Кубинка, дом 12, корпус 3" → "кубинка улица дом 12 корпус 3".
    """
    street, number = parse_address(text)
    return " ".join(part for part in (street.key, number.text()) if part)
