"""Settings: every bad value names its variable in one line."""
import secrets

import pytest

from bot.settings import ConfigError, load_settings


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # no .env from the working tree
    for name in ("BOT_TOKEN", "BOT_API_URL", "DATABASE_URL", "REDIS_URL", "ADMIN_IDS",
                 "DEFAULT_LOCALE", "PII_HMAC_KEY", "PII_ENCRYPTION_KEY"):
        monkeypatch.delenv(name, raising=False)


def test_defaults_need_no_server():
    settings = load_settings()
    assert settings.database_url.startswith("sqlite+aiosqlite:///var/")
    assert settings.redis_url == ""
    assert settings.default_locale == "ru"


def test_values_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("ADMIN_IDS", "1, 22,333")
    monkeypatch.setenv("BOT_API_URL", "http://127.0.0.1:8081/")
    monkeypatch.setenv("PII_HMAC_KEY", "ab" * 32)
    settings = load_settings()
    assert settings.admin_ids == [1, 22, 333]
    assert settings.bot_api_url == "http://127.0.0.1:8081"
    assert settings.hmac_key == bytes.fromhex("ab" * 32)


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
