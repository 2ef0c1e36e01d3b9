"""The sandbox's world: its keys kept under var/ (the board's too), its houses' sizes known so the
demo vote's count decides, and an open demo vote."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from bot.demo.registries import flats_in_a_house
from bot.demo.residents import FLATS_PER_HOUSE
from bot.demo.world import prepare_world, sandbox_settings
from bot.settings import load_settings
from storage.database import create_engine, create_session_factory
from storage.models import House


def test_the_sandbox_keeps_its_keys_and_adds_the_boards_to_an_older_file(tmp_path):
    (tmp_path / "sandbox-keys.json").write_text(json.dumps({"pii_hmac_key": "11" * 32,
                                                            "pii_encryption_key": "22" * 32}))
    settings = sandbox_settings(load_settings(_env_file=None), var_dir=tmp_path)
    assert settings.hmac_key == bytes.fromhex("11" * 32)  # the data stored under them stays readable
    kept = json.loads((tmp_path / "sandbox-keys.json").read_text())
    assert len(bytes.fromhex(kept["board_signing_key"])) == 32
    again = sandbox_settings(load_settings(_env_file=None), var_dir=tmp_path)
    assert again.board_seed == settings.board_seed  # the board keeps one key


async def test_the_demo_vote_counts_houses_of_a_known_size(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'vote.sqlite3'}"
    settings = sandbox_settings(load_settings(_env_file=None, database_url=url), var_dir=tmp_path)
    world = await prepare_world(settings, registries_dir=tmp_path / "registries")
    assert world.poll_created and world.houses == 4543
    engine = create_engine(url)
    try:
        async with create_session_factory(engine)() as session:
            unknown = await session.scalar(select(func.count()).where(House.flats_total.is_(None)))
            sizes = set(await session.scalars(select(House.flats_total).distinct()))
    finally:
        await engine.dispose()
    assert unknown == 0 and sizes == {flats_in_a_house(FLATS_PER_HOUSE)}
