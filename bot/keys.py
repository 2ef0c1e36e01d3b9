"""The keys an operator's command needs: personal data's (PiiVault) and the public board's signer.

On the embedded default database (the sandbox's) a key not configured is taken from the sandbox's
own, kept under var/; on any other database a missing key is a one-line ConfigError, never a key
made up on the spot that would match nothing the bot stored.
"""
from __future__ import annotations

from board.checkpoint import Signer
from bot.settings import DEFAULT_DATABASE_URL, SANDBOX_DATABASE_URL, Settings
from storage.pii import PiiVault


def with_sandbox_keys(settings: Settings) -> Settings:
    """The sandbox's keys for a command run on the sandbox's database (var/sandbox.sqlite3, or the
    default file an older sandbox wrote); any other database keeps the settings' keys."""
    if settings.database_url not in (SANDBOX_DATABASE_URL, DEFAULT_DATABASE_URL):
        return settings
    from bot.demo.world import sandbox_settings

    return sandbox_settings(settings)


def vault_of(settings: Settings) -> PiiVault:
    settings.require("PII_HMAC_KEY", "PII_ENCRYPTION_KEY")
    return PiiVault(settings.hmac_key, settings.encryption_key, settings.pii_key_version, settings.retired_keys)


def signer_of(settings: Settings) -> Signer:
    return Signer(settings.board_name, settings.board_seed)
