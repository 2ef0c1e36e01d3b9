"""The sandbox keeps its demo data in a file of its own, never where `python -m bot run` looks,
unless --database names another; its keys stay in var/ as before."""
from __future__ import annotations

import json

from bot.cli import build_parser
from bot.commands.sandbox import SANDBOX_DATABASE_URL, settings_for_sandbox
from bot.settings import DEFAULT_DATABASE_URL, load_settings


def test_the_sandbox_uses_its_own_file_even_when_database_url_is_set(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", "sqlite+aiosqlite:///var/production.sqlite3")
    for name in ("PII_HMAC_KEY", "PII_ENCRYPTION_KEY", "BOARD_SIGNING_KEY"):
        monkeypatch.setenv(name, "")
    settings = settings_for_sandbox()
    assert settings.database_url == SANDBOX_DATABASE_URL != DEFAULT_DATABASE_URL
    assert str(settings.sqlite_path()) == "var/sandbox.sqlite3"
    assert load_settings().database_url == "sqlite+aiosqlite:///var/production.sqlite3"  # run's, untouched
    kept = json.loads((tmp_path / "var" / "sandbox-keys.json").read_text())
    assert settings.pii_hmac_key.get_secret_value() == kept["pii_hmac_key"]
    assert settings_for_sandbox().pii_hmac_key.get_secret_value() == kept["pii_hmac_key"]  # the same next start


def test_database_names_another_database_for_the_sandbox(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url = f"sqlite+aiosqlite:///{tmp_path / 'demo.sqlite3'}"
    args = build_parser().parse_args(["sandbox", "--database", url])
    assert settings_for_sandbox(args.database).database_url == url
    assert build_parser().parse_args(["sandbox"]).database is None
