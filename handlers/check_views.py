"""The /check screen: each of the resident's ballots and where it stands on the public board.

One message per poll: its ballots, then the board's public key once, then the links to check it
all again in the resident's own browser. A proof is said to verify only when the server checked
it and it did (`services.my_vote.check_proof`); otherwise the screen says plainly that it does not.
"""
from __future__ import annotations

from html import escape

from aiogram.utils.i18n import gettext as _

from handlers.views import choice_text
from services.board import Standing
from services.my_vote import BallotCheck, PollCheck, ProofCheck, ProofVerdict
from verification.decision import reason

TEXT_LIMIT = 4096  # characters of one message; a part of this screen is far shorter


def no_ballots() -> str:
    return _("You have not voted yet, so there is no ballot of yours to check. Send /start to vote: "
             "once your ballot is counted and published, you can check it here.")


def _channel(channel: str | None) -> str:
    return {"paper": _("your paper ballot"), "telegram": _("your ballot in the bot")}.get(
        channel or "", _("your other ballot"))


def _place(check: BallotCheck) -> str:
    proof = check.lookup.proof
    return _("publication {publication}, row {row} of {size}").format(
        publication=proof.row.publication, row=proof.index + 1, size=proof.size)


def _proof(proof: ProofCheck, choice_on_board: str) -> str:
    if proof.verified:
        return _("✅ The proof verifies against checkpoint {checkpoint} (signed by {signer}).").format(
            checkpoint=proof.checkpoint, signer=escape(proof.signer))
    why = {
        ProofVerdict.BAD_SIGNATURE: _("the checkpoint is not signed by the board's key"),
        ProofVerdict.BAD_PROOF: _("the row is not the one the checkpoint signed: it was altered, or the proof is wrong"),
        ProofVerdict.NOT_MINE: _("the row belongs to another receipt"),
        ProofVerdict.OTHER_CHOICE: _("the row shows {choice}, not your choice").format(
            choice=choice_text(choice_on_board)),
    }[proof.verdict]
    return "\n".join([
        _("⚠️ The proof does NOT verify against checkpoint {checkpoint}: {why}.").format(
            checkpoint=proof.checkpoint, why=why),
        _("Please tell the voting information centre, and keep this message and your receipt."),
    ])


def _reasons(codes: tuple[str, ...]) -> list[str]:
    lines = []
    for code in codes:
        try:
            lines.append("• " + escape(reason(code).render(_)))
        except KeyError:  # a code from a newer version: shown as stored rather than dropped
            lines.append("• " + escape(code))
    return lines


def _standing(check: BallotCheck) -> list[str]:
    lookup, standing = check.lookup, check.standing
    if standing is Standing.ON_BOARD:
        lines = [_("📋 On the board: {place}.").format(place=_place(check))]
    elif standing is Standing.REPLACED:
        lines = [_("🔁 Your row ({place}) was replaced in publication {number}: {ballot} counts instead.").format(
            place=_place(check), number=lookup.replaced_in, ballot=_channel(lookup.by_channel))]
    elif standing is Standing.SUPERSEDED:
        return [_("🔁 Not on the board: {ballot} counts instead — one person, one vote.").format(
            ballot=_channel(lookup.by_channel))]
    elif standing is Standing.AWAITING:
        return [_("⏳ Counted; the next publication adds it to the board.")]
    elif standing is Standing.PENDING:
        return [_("⏳ Still being checked against the registries; once it is counted, a publication "
                  "adds it to the board.")]
    elif standing is Standing.REJECTED:
        return [_("❌ Not counted, so it is not on the board. Why:"), *_reasons(lookup.reasons)]
    else:
        return [_("This receipt is not in the records of this vote.")]
    lines.append(_proof(check.proof, lookup.proof.row.choice))
    return lines


def _ballot(check: BallotCheck) -> str:
    receipt = check.receipt
    lines = [
        _("🏠 {address}, flat {flat}").format(address=escape(receipt.address), flat=escape(receipt.flat)),
        _("Receipt <code>{code}</code> · your choice: <b>{choice}</b>").format(
            code=escape(receipt.code), choice=choice_text(receipt.choice)),
        *_standing(check),
    ]
    if check.standing in (Standing.ON_BOARD, Standing.REPLACED):
        lines.append(_("Your tracker: <code>{tracker}</code> — your row in the downloaded array has it.").format(
            tracker=check.tracker))
    return "\n".join(lines)


def poll_check(poll: PollCheck, site: str = "") -> list[str]:
    """The screen of one poll as messages (more than one only for many ballots); `site` the public
    site's address, empty for none."""
    parts = [_("<b>{title}</b> — checking your vote").format(title=escape(poll.poll_title)),
             *(_ballot(check) for check in poll.ballots)]
    if poll.vkey:
        parts.append(_("🔑 The public key of the board:\n<code>{vkey}</code>").format(vkey=escape(poll.vkey)))
    if site:
        parts.append("\n".join([
            _("To verify it in your own browser: {url}").format(url=escape(f"{site}/polls/{poll.poll_id}/check")),
            _("The board, its public key and the open data: {url}").format(
                url=escape(f"{site}/polls/{poll.poll_id}/board")),
        ]))
    return _messages(parts)


def _messages(parts: list[str]) -> list[str]:
    """The parts joined into as few messages as Telegram's limit allows, never splitting a part."""
    messages: list[str] = []
    for part in parts:
        if messages and len(messages[-1]) + 2 + len(part) <= TEXT_LIMIT:
            messages[-1] += "\n\n" + part
        else:
            messages.append(part)
    return messages
