"""The registries behind the sandbox: made-up extracts for every house, loaded once, and the
residents a visitor can vote as (shown beside the chat)."""
from __future__ import annotations

from pathlib import Path

from bot.demo.registries import COLUMNS, DemoSummary, generate, houses_from_csv
from storage.pii import PiiVault
from storage.registry_import import import_registry, registry_is_empty

DEMO_SEED = 2017
FLATS_PER_HOUSE = 3
# what the page shows of a resident, in the order a visitor types it (labels as the page shows them)
SHOWN = (("address", "адрес / address"), ("flat", "кв. / flat"), ("full_name", "ФИО / full name"),
         ("birth_date", "дата рождения / born"),
         ("passport", "паспорт / passport"), ("snils", "СНИЛС / SNILS"), ("fls", "ФЛС / FLS"),
         ("property_document", "собственность / property"))
OUTCOME = {"counted": "✅ будет учтён / counted", "rejected": "❌ не будет учтён / rejected"}


async def load_demo_registries(sessions, vault: PiiVault, houses_csv: Path, out_dir: Path) -> DemoSummary:
    """Writes the extracts (the same seed gives the same files) and loads any registry still empty."""
    summary = generate(houses_from_csv(houses_csv), FLATS_PER_HOUSE, DEMO_SEED, out_dir)
    async with sessions.begin() as session:
        for name in COLUMNS:
            if await registry_is_empty(session, name):
                await import_registry(session, name, summary.files[name], vault)
    return summary


def residents_for_page(summary: DemoSummary, levels: str) -> list[dict[str, str]]:
    """The demo residents whose data fits the demo vote's verification levels, as page cards."""
    cards = []
    for resident in summary.residents:
        if resident["levels"] != levels:
            continue
        card = {"name": resident["full_name"]}
        card.update({label: resident[key] for key, label in SHOWN if resident.get(key)})
        card["итог / outcome"] = OUTCOME[resident["outcome"]] + (
            f" ({resident['reason']})" if resident["reason"] else "")
        cards.append(card)
    return cards
