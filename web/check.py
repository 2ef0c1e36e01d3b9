""""Check my vote": a resident types the code of their receipt and sees where their ballot stands.

For a ballot on the public board the page carries its row, the inclusion proof and the signed
checkpoint, and `static/board.js` checks them in the reader's own browser, so the reader need
not trust this server. The code is sent by POST, so that it stays out of addresses, histories
and access logs, and lookups are limited per client address: a receipt code is a secret, and
guessing codes must stay slow. The form only reads, so it needs no CSRF token.
"""
from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone

from aiohttp import web
from markupsafe import Markup

from services.board import BoardDesk, Lookup, Standing
from storage.receipts import RECEIPT_ALPHABET, RECEIPT_LENGTH, normalise_receipt
from verification.decision import APPEAL, KNOWN_REASONS
from web.site import linker, number_in, reader, render, texts_of
from web.words import N_, PHASES

TYPED_MAX = 40  # characters a typed code may have, spaces and dashes included
LOOKUPS_A_MINUTE = 20
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


class Limiter:
    """A token bucket per client address: `rate` lookups, refilled over `per` seconds.

    Crude on purpose: in one process's memory, forgetting the longest-idle addresses beyond
    `clients`. Behind a reverse proxy every reader shares the proxy's address."""

    def __init__(self, rate: int = LOOKUPS_A_MINUTE, per: float = 60.0, *, clients: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.per, self._clients, self._clock = rate, per, clients, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # address → (tokens, when)

    def allow(self, client: str) -> bool:
        now = self._clock()
        tokens, then = self._buckets.pop(client, (float(self.rate), now))
        tokens = min(float(self.rate), tokens + (now - then) * self.rate / self.per)
        allowed = tokens >= 1.0
        self._buckets[client] = (tokens - 1.0 if allowed else tokens, now)
        while len(self._buckets) > self._clients:
            self._buckets.popitem(last=False)
        return allowed

    def wait(self, client: str) -> int:
        """Seconds until the client's next lookup is allowed (at least 1)."""
        tokens, _then = self._buckets.get(client, (0.0, 0.0))
        return max(1, int((1.0 - tokens) * self.per / self.rate + 0.999))


LOOKUPS = web.AppKey("lookups", Limiter)

# texts for board.js (their codes are its ENGLISH keys), in the page's language
BOARD_TEXTS = {
    "leaf": N_("The row shown, hashed"),
    "path": N_("The path from the row to the board's root"),
    "signature": N_("The checkpoint's signature by the published key"),
    "root": N_("The checkpoint's size and root"),
    "checking": N_("Checking in your browser…"),
    "verified": N_("Verified in your browser: this row is on the signed public board."),
    "failed": N_("Not verified: {error}."),
    "no_proof": N_("the page holds no proof to check"),
    "bad_bundle": N_("the proof on the page is malformed ({what})"),
    "no_webcrypto": N_("this browser cannot compute hashes on this page (WebCrypto needs an HTTPS page)"),
    "no_ed25519": N_("this browser cannot check Ed25519 signatures; a newer browser can"),
    "row_field": N_("the row has no field \"{field}\""),
    "row_value": N_("the row's field \"{field}\" holds a character a row cannot have"),
    "bad_number": N_("{what} is not a whole number"),
    "bad_hash": N_("{what} is not a 32-byte hash in base64"),
    "index_range": N_("row {index} is outside a board of {size} rows"),
    "path_long": N_("the path is longer than a board of {size} rows needs"),
    "path_short": N_("the path is shorter than a board of {size} rows needs"),
    "other_root": N_("the path leads to another root than the checkpoint's"),
    "note_format": N_("the checkpoint is malformed ({what})"),
    "vkey_format": N_("the published key is malformed ({what})"),
    "not_signed": N_("the checkpoint is not signed by the published key"),
    "bad_signature": N_("the signature does not verify"),
    "size_mismatch": N_("the checkpoint is for {noteSize} rows, the proof for {size}"),
}

STANDINGS = {
    Standing.ON_BOARD: N_("Your ballot is counted and is on the public board."),
    Standing.REPLACED: N_("Your ballot was on the public board, and the same person's ballot on the other "
                          "channel replaced it: that one counts now."),
    Standing.SUPERSEDED: N_("Your ballot is not counted: the same person's ballot on the other channel "
                            "({channel}) counts instead."),
    Standing.AWAITING: N_("Your ballot is counted: the next publication of the results adds it to the "
                          "public board."),
    Standing.PENDING: N_("Your ballot is still being checked against the registries: look again later."),
    Standing.REJECTED: N_("Your ballot was checked and is not counted."),
    Standing.UNKNOWN: N_("There is no ballot with this code in this vote: check the code on your receipt, "
                         "and that it is this vote's."),
}

CHOICES = {"yes": N_("yes, for"), "no": N_("no, against")}
CHANNELS = {"telegram": N_("the Telegram bot"), "paper": N_("a paper ballot")}
OTHER_CHANNEL = N_("the other channel")


@dataclass(frozen=True, slots=True)
class Typed:
    """A receipt code as typed: the code, or the reason it cannot be one."""

    code: str
    problem: str | None


def typed_code(text: str, texts: Callable[..., str]) -> Typed:
    """Case, spaces and dashes do not matter; anything else outside the receipts' alphabet does."""
    if len(text) > TYPED_MAX:
        return Typed("", texts("This is too long for a receipt code: a code has {length} characters.",
                               length=RECEIPT_LENGTH))
    code = normalise_receipt(text.strip())
    if not code:
        return Typed("", texts("Type the code printed on your receipt."))
    wrong = "".join(dict.fromkeys(ch for ch in code if ch not in RECEIPT_ALPHABET))
    if wrong:
        return Typed(code, texts("A receipt code has no {characters}: only the letters and digits "
                                 "{alphabet} (no 0, O, 1, I or L).", characters=" ".join(wrong),
                                 alphabet=RECEIPT_ALPHABET))
    if len(code) != RECEIPT_LENGTH:
        return Typed(code, texts("A receipt code has {length} characters; this one has {typed}.",
                                 length=RECEIPT_LENGTH, typed=len(code)))
    return Typed(code, None)


def script_json(value: object) -> Markup:
    """JSON safe inside <script>: no "<", ">" or "&" that could end the element or open a comment."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


async def check_form(request: web.Request) -> web.Response:
    poll_id = number_in(request, "poll")
    async with reader(request.app) as reads:
        poll, _publications, publication = await reads.poll(poll_id)
    return _page(request, poll, publication)


async def check(request: web.Request) -> web.Response:
    poll_id = number_in(request, "poll")
    async with reader(request.app) as reads:
        poll, _publications, publication = await reads.poll(poll_id)
        client = request.remote or ""
        limiter = request.app[LOOKUPS]
        if not limiter.allow(client):
            wait = limiter.wait(client)
            response = render(request, "check_wait.html", {"poll": poll, "wait": wait,
                                                           "back": linker(request)(f"/polls/{poll_id}/check")},
                              status=429)
            response.headers["Retry-After"] = str(wait)
            return response
        form = await request.post()
        typed = typed_code(str(form.get("receipt", "")), texts_of(request))
        if typed.problem:
            return _page(request, poll, publication, problem=typed.problem,
                         typed=str(form.get("receipt", ""))[:TYPED_MAX], status=400)
        found = await BoardDesk(await reads.session()).lookup(poll_id, typed.code)
    return _page(request, poll, publication, found=found)


def _page(request: web.Request, poll, publication, *, found: Lookup | None = None, problem: str | None = None,
          typed: str = "", status: int = 200) -> web.Response:
    texts = texts_of(request)
    context = {"poll": poll, "phase": PHASES[poll.phase(datetime.now(timezone.utc))], "publication": publication,
               "found": found, "problem": problem, "typed": typed, "alphabet": RECEIPT_ALPHABET,
               "length": RECEIPT_LENGTH, "action": linker(request)(f"/polls/{poll.id}/check")}
    if found is not None:
        context.update(_result(found, texts))
    response = render(request, "check.html", context, status=status)
    response.headers.update(PRIVATE)  # the answer names a secret code's ballot: keep it out of caches
    return response


def _result(found: Lookup, texts) -> dict:
    """What the page says of the ballot, and for a row, what board.js needs."""
    channel = texts(CHANNELS.get(found.by_channel or "", OTHER_CHANNEL))
    result = {"standing": found.standing.value, "verdict": texts(STANDINGS[found.standing], channel=channel),
              "reasons": [], "row": None, "appeal": None}
    if found.standing is Standing.REJECTED:
        known = [KNOWN_REASONS[code] for code in found.reasons if code in KNOWN_REASONS]
        result["reasons"] = [(reason.render(texts), reason.render_advice(texts)) for reason in known]
        result["appeal"] = texts(APPEAL)
    if found.standing is Standing.REPLACED and found.replaced_in:
        result["replaced"] = texts("Replaced in publication {number} by a ballot sent by {channel}.",
                                   number=found.replaced_in, channel=channel)
    proof = found.proof
    if proof is not None and found.standing in (Standing.ON_BOARD, Standing.REPLACED):
        row = proof.row
        result["row"] = [
            (texts("House"), f"{found.address} · " + texts("UNOM {unom}", unom=row.unom)),
            (texts("Choice as counted"), texts(CHOICES.get(row.choice, row.choice))),
            (texts("Sent by"), texts(CHANNELS.get(row.channel, row.channel))),
            (texts("Counted on"), texts.day(date.fromisoformat(row.counted_on))),
            (texts("Added to the board by"), texts("publication {number}", number=row.publication)),
            (texts("Tracker"), row.tracker),
            (texts("Place on the board"), texts("row {place} of {size}", place=texts.number(proof.index + 1),
                                                size=texts.number(proof.size))),
        ]
        result["proof_publication"] = proof.publication
        result["bundle"] = script_json(proof.bundle())
        result["board_texts"] = script_json({code: texts(text) for code, text in BOARD_TEXTS.items()})
    return result
