"""The site's words for the codes the count stores: decisions, reasons, rules, the voting's phase.

Each is an English message id of the web catalogue (bot/locales/<lang>/LC_MESSAGES/web.po),
translated where a page is rendered.
"""
from __future__ import annotations

from collections.abc import Callable


def N_(text: str) -> str:
    """Marks a text for the catalogue; it is translated later, in the reader's language."""
    return text


DECISIONS = {
    "included": N_("included in the programme"),
    "excluded": N_("not included in the programme"),
    "no_decision": N_("no decision"),
}

WHY = {
    "over_threshold": N_("More than {threshold} of all the house's flats are for, the silent flats' share "
                         "counted in."),
    "not_over_threshold": N_("Not more than {threshold} of all the house's flats are for, the silent flats' "
                             "share counted in."),
    "protocol": N_("A general meeting of the owners decided: its protocol takes precedence over the online "
                   "count."),
    "no_votes": N_("No flat of the house was counted for or against."),
    "flats_unknown": N_("The number of flats in the house is not known, so its share cannot be counted."),
    "more_voted_than_flats": N_("More flats voted than the house is known to have: its number of flats "
                                "needs checking."),
}

SILENT = {
    "proportional": N_("Flats without a counted ballot are shared out between for and against as the "
                       "counted flats voted (326-ПП)."),
    "ignored": N_("Flats without a counted ballot are left out of the count and of the total."),
    "for": N_("Flats without a counted ballot are counted as for (the original 245-ПП rule)."),
}

TWO_CHANNELS = {
    "later": N_("A person who voted for a flat both online and on paper: the later ballot counts."),
    "online": N_("A person who voted for a flat both online and on paper: the online ballot counts."),
    "paper": N_("A person who voted for a flat both online and on paper: the paper ballot counts."),
}

PHASES = {
    "upcoming": N_("voting has not started"),
    "open": N_("voting is under way"),
    "ended": N_("voting has ended"),
}


def rules_in_words(rules: dict, _: Callable[..., str]) -> list[str]:
    """The poll's counting rules (their canonical form) as sentences in the reader's language."""
    lines = [_("A house is included when its flats for exceed {threshold} of all its flats.",
               threshold=rules["threshold"]),
             _(SILENT[rules["silent"]])]
    lines.append(_("Flats whose owners split equally stay in the total.") if rules["undecided_in_total"]
                 else _("Flats whose owners split equally are left out of the total."))
    lines.append(_("A flat's ballots weigh by each owner's share.") if rules["weighted_by_share"]
                 else _("Each counted ballot of a flat weighs the same."))
    lines.append(_(TWO_CHANNELS[rules["two_channels"]]))
    return lines

CHART_LABELS = {
    "for": N_("counted for"),
    "silent_for": N_("silent flats' share for"),
    "undecided": N_("split equally"),
    "silent_against": N_("silent flats' share against"),
    "against": N_("counted against"),
    "threshold": N_("threshold: {threshold} of all the flats"),
}
