"""Apartment data: flat number, FLS (utility payer number) and the property-rights document."""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from verification.refusal import N_, Accepted, Refusal, Validated
from verification.validators.input_text import ASCII_DIGITS, first_not_allowed, shown, tidy

# --- flat number -------------------------------------------------------------------------------

MAX_FLAT_DIGITS = 4
_FLAT_PREFIX = re.compile(r"^(?:квартира|кварт\.?|кв\.?)?\s*(?:№\s*)?", re.IGNORECASE)
_FLAT = re.compile(r"(\d+)\s*-?\s*([^\W\d_])?")
_CYRILLIC_LETTER = re.compile(r"[А-ЯЁ]")


def validate_flat_number(text: str) -> Validated[str]:
    """Accepts '12', '12а', 'кв. 12', 'квартира 12А'; the value is like '12' or '12А'."""
    tidied = tidy(text)
    if not tidied:
        return Refusal("flat.empty", N_("Write the number of your flat, e.g. 12 or 12А."))
    body = _FLAT_PREFIX.sub("", tidied, count=1)
    match = _FLAT.fullmatch(body)
    if match is None:
        return Refusal(
            "flat.format",
            N_("A flat number is up to 4 digits, sometimes with a Russian letter, e.g. 12 or 12А."),
        )
    digits, letter = match.group(1).lstrip("0"), (match.group(2) or "").upper()
    if not digits:
        return Refusal(
            "flat.zero", N_("There is no flat number 0. Write the number of your flat, e.g. 12.")
        )
    if len(digits) > MAX_FLAT_DIGITS:
        return Refusal(
            "flat.too_long",
            N_("A flat number has at most 4 digits, e.g. 12 or 1024; {number} is too long."),
            {"number": digits},
        )
    if letter and not _CYRILLIC_LETTER.fullmatch(letter):
        return Refusal(
            "flat.letter",
            N_("Write the letter of the flat number in Russian, e.g. 12А, not 12A."),
        )
    return Accepted(digits + letter)


# --- FLS ---------------------------------------------------------------------------------------

FLS_DIGITS = 10


def validate_fls(text: str) -> Validated[str]:
    """The payer number from the single payment document (EPD): exactly 10 digits."""
    compact = tidy(text).replace(" ", "")
    if not compact:
        return Refusal(
            "fls.empty",
            N_("Write your payer number (FLS): 10 digits from the top of your single "
               "payment document (EPD), e.g. 1234567890."),
        )
    symbol = first_not_allowed(compact, ASCII_DIGITS)
    if symbol is not None:
        return Refusal(
            "fls.characters",
            N_("The payer number (FLS) consists of digits only; remove «{symbol}». "
               "Example: 1234567890."),
            {"symbol": shown(symbol)},
        )
    if len(compact) != FLS_DIGITS:
        return Refusal(
            "fls.length",
            N_("The payer number (FLS) has exactly 10 digits; it is printed at the top of your "
               "single payment document (EPD), e.g. 1234567890. Digits entered: {count}."),
            {"count": len(compact)},
        )
    return Accepted(compact)


# --- property-rights document ------------------------------------------------------------------

DocumentKind = Literal["cadastral", "registration_record", "certificate"]


@dataclass(frozen=True, slots=True)
class PropertyDocument:
    kind: DocumentKind
    value: str

    def __str__(self) -> str:
        return self.value


def _spaced(pattern: str) -> re.Pattern[str]:
    """A pattern whose separators may be surrounded by spaces, as residents type them."""
    return re.compile(re.sub(r"([:/\-])", r"\\s*\1\\s*", pattern))


# Cadastral number of a flat: district : area : quarter (6 or 7 digits) : object.
_CADASTRAL = _spaced(r"(\d{2}):(\d{2}):(\d{6,7}):(\d{1,10})")
# Record number of the old Unified State Register of Rights (EGRP), printed on certificates and
# extracts until 2016: region-registration district-office / book / year - record number,
# e.g. 77-77-05/001/2007-695.
_RECORD = _spaced(r"(\d{2})-(\d{2})-(\d{2})/(\d{3})/(\d{4})-(\d{1,10})")
# The EGRP opened when the registration law (122-FZ) took effect on 31 January 1998; since
# 1 January 2017 records are numbered after the cadastral number (218-FZ): old style is 1998–2016.
RECORD_YEARS = range(1998, 2017)
# Certificate of state registration of the right: region, series of two capitals, number.
_CERTIFICATE = re.compile(r"(\d{2})\s*-?\s*([А-ЯЁ]{2})\s*(?:№\s*)?(\d{6})")
# The same shape with some series letters typed in Latin (the only way it can still fail).
_CERTIFICATE_IN_LATIN = re.compile(r"\d{2}\s*-?\s*[A-ZА-ЯЁ]{2}\s*(?:№\s*)?\d{6}")
_LETTER = re.compile(r"[^\W\d_]")


def _shape_refusal(text: str) -> Refusal:
    """The most helpful reason, judged by which document the text resembles."""
    if ":" in text:
        return Refusal(
            "property_document.cadastral",
            N_("A cadastral number has four parts separated by colons: 2 digits, 2 digits, "
               "6 or 7 digits and the object number, e.g. 77:01:0001013:4915."),
        )
    if "/" in text:
        return Refusal(
            "property_document.record",
            N_("A registration record number looks like 77-77-05/001/2007-695: "
               "three pairs of digits, 3 digits, the year and the record number."),
        )
    if _CERTIFICATE_IN_LATIN.fullmatch(text):
        # Not guessed: a Latin B may be meant as Б or as В, and the review screen hides the series.
        return Refusal(
            "property_document.latin",
            N_("Write the letters of the certificate series in Russian, e.g. 77-АБ 123456."),
        )
    if _LETTER.search(text) and any(char in ASCII_DIGITS for char in text):
        return Refusal(
            "property_document.certificate",
            N_("A certificate is identified by its series and number: 2 digits, 2 Russian "
               "capital letters and 6 digits, e.g. 77-АБ 123456."),
        )
    return Refusal(
        "property_document.format",
        N_("Write one of: the cadastral number of the flat (77:01:0001013:4915), the registration "
           "record number (77-77-05/001/2007-695) or the series and number of the ownership "
           "certificate (77-АБ 123456)."),
    )


def validate_property_document(text: str) -> Validated[PropertyDocument]:
    """Accepts a cadastral number, an old registration record number or a certificate."""
    tidied = tidy(text).upper()
    if not tidied:
        return Refusal(
            "property_document.empty",
            N_("Write the cadastral number of the flat (e.g. 77:01:0001013:4915), the registration "
               "record number or the series and number of the ownership certificate."),
        )
    if match := _CADASTRAL.fullmatch(tidied):
        return Accepted(PropertyDocument("cadastral", ":".join(match.groups())))
    if match := _RECORD.fullmatch(tidied):
        region, district, office, book, year, record = match.groups()
        if int(year) not in RECORD_YEARS:
            return Refusal(
                "property_document.record_year",
                N_("The year in a registration record number must be from {first} to {last}; "
                   "{year} is not. Records made since 2017 are numbered differently: write the "
                   "cadastral number of the flat instead, e.g. 77:01:0001013:4915."),
                {"year": year, "first": RECORD_YEARS[0], "last": RECORD_YEARS[-1]},
            )
        value = f"{region}-{district}-{office}/{book}/{year}-{record}"
        return Accepted(PropertyDocument("registration_record", value))
    if match := _CERTIFICATE.fullmatch(tidied):
        region, series, number = match.groups()
        return Accepted(PropertyDocument("certificate", f"{region}-{series} {number}"))
    return _shape_refusal(tidied)
