"""Settings: every bad value names its variable in one line."""
import base64
import os
import random
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    for name in ("BOT_TOKEN", "BOT_API_URL", "DATABASE_URL", "REDIS_URL", "ADMIN_IDS",
                 "DEFAULT_LOCALE", "PII_HMAC_KEY", "PII_ENCRYPTION_KEY", "BOARD_SIGNING_KEY",
                 "REGISTRY_TOKEN", "REGISTRY_ANSWER_KEY", "REGISTRY_ALLOW_PLAIN_HTTP"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_need_no_server():
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///var/")
    assert settings.redis_url == ""
    assert settings.default_locale == "ru"


def test_values_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ADMIN_IDS", "1, 22,333")
    monkeypatch.setenv("BOT_API_URL", "http://127.0.0.1:8081/")
    key = secrets.token_hex(32)
    monkeypatch.setenv("PII_HMAC_KEY", key)
    settings = load_settings()
    assert settings.admin_ids == [1, 22, 333]
    assert settings.bot_api_url == "http://127.0.0.1:8081"
    assert settings.hmac_key == bytes.fromhex(key)


def test_env_file_is_read(tmp_path):
    (tmp_path / ".env").write_text("DEFAULT_LOCALE=en\nBOT_TOKEN=42:abc\n", encoding="utf-8")
    settings = load_settings()
    assert settings.default_locale == "en"
    assert settings.bot_token.get_secret_value() == "42:abc"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BOT_TOKEN", "not-a-token"),
        ("BOT_API_URL", "ftp://x"),
        ("DATABASE_URL", "mysql://x"),
        ("REDIS_URL", "localhost:6379"),
        ("ADMIN_IDS", "alice,bob"),
        ("DEFAULT_LOCALE", "de"),
        ("PII_HMAC_KEY", "short"),
        ("PII_ENCRYPTION_KEY", "00" * 16),
    ],
)
def test_a_bad_value_names_its_variable(monkeypatch, name, value):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(f"{name}:")
    assert "\n" not in message


def test_a_missing_key_is_named_when_it_is_needed():
    settings = load_settings()
    with pytest.raises(ConfigError, match="PII_ENCRYPTION_KEY"):
        _ = settings.encryption_key
    with pytest.raises(ConfigError, match="BOT_TOKEN"):
        settings.require("BOT_TOKEN")


def test_base64_keys_are_accepted(monkeypatch):
    import base64

    raw = secrets.token_bytes(32)
    monkeypatch.setenv("PII_ENCRYPTION_KEY", base64.urlsafe_b64encode(raw).decode())
    assert load_settings().encryption_key == raw


WEAK_KEYS = {
    "all zero": "00" * 32,
    "one byte": "ab" * 32,
    "a hex pattern": "0123456789abcdef" * 4,
    "a pattern of four bytes": "deadbeef" * 8,
    "a counter": bytes(range(32)).hex(),
    "a few distinct bytes": bytes(random.Random(1).choices(range(0, 256, 32), k=32)).hex(),
    "zeros in base64": base64.urlsafe_b64encode(bytes(32)).decode(),
}


@pytest.mark.parametrize("name", ["PII_HMAC_KEY", "PII_ENCRYPTION_KEY", "BOARD_SIGNING_KEY", "REGISTRY_ANSWER_KEY"])
@pytest.mark.parametrize("kind", sorted(WEAK_KEYS))
def test_a_weak_key_is_refused_in_one_line_naming_it(monkeypatch, name, kind):
    monkeypatch.setenv(name, WEAK_KEYS[kind])
    with pytest.raises(ConfigError) as error:
        load_settings()
    message = str(error.value)
    assert message.startswith(f"{name}: the key ") and "python -m bot keys" in message
    assert "\n" not in message


def test_random_keys_such_as_the_generated_ones_pass(monkeypatch):
    for _ in range(200):
        for name in ("PII_HMAC_KEY", "PII_ENCRYPTION_KEY", "BOARD_SIGNING_KEY"):
            monkeypatch.setenv(name, secrets.token_bytes(32).hex())
        load_settings()


@pytest.mark.parametrize(("first", "second"), [("PII_HMAC_KEY", "PII_ENCRYPTION_KEY"),
                                               ("PII_HMAC_KEY", "BOARD_SIGNING_KEY"),
                                               ("PII_ENCRYPTION_KEY", "BOARD_SIGNING_KEY"),
                                               ("PII_HMAC_KEY", "REGISTRY_ANSWER_KEY")])
def test_one_key_for_two_variables_is_refused_even_written_differently(monkeypatch, first, second):
    raw = secrets.token_bytes(32)
    monkeypatch.setenv(first, raw.hex())
    monkeypatch.setenv(second, base64.urlsafe_b64encode(raw).decode())
    with pytest.raises(ConfigError) as error:
        load_settings()
    assert str(error.value).startswith(f"{second}: must differ from {first}")


def test_a_short_or_spaced_registry_token_is_refused(monkeypatch):
    for token in ("short", "sixteen chars ok but spaced"):
        monkeypatch.setenv("REGISTRY_TOKEN", token)
        with pytest.raises(ConfigError, match="^REGISTRY_TOKEN: must be at least 16"):
            load_settings()


@pytest.mark.parametrize(("env", "named"), [
    ({"PII_HMAC_KEY": "00" * 32}, "PII_HMAC_KEY"),
    ({"PII_ENCRYPTION_KEY": (key := secrets.token_hex(32)), "PII_HMAC_KEY": key}, "PII_ENCRYPTION_KEY"),
])
def test_the_command_line_refuses_a_weak_or_shared_key_in_one_line(tmp_path, env, named):
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"], cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "PYTHONPATH": str(repo),
             "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'vote.sqlite3'}", **env})
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and named in lines[0], done.stderr
    assert not (tmp_path / "vote.sqlite3").exists()
