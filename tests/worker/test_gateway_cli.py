"""`worker --registries-url` refuses, in one line, a gateway it could not talk to safely."""
from __future__ import annotations

import pytest

from bot.commands.runtime import CommandError
from bot.commands.worker import gateway_access
from bot.settings import load_settings
from bench.gateway import KEY, TOKEN, worker_env
from tests.worker.test_cli import Cli

HTTPS = "https://gateway.example.ru/api"


def settings(monkeypatch, **env: str):
    for name, value in (worker_env() | env).items():
        monkeypatch.setenv(name, value)
    return load_settings(_env_file=None)


def test_the_command_line_refuses_plain_http_to_another_machine_in_one_line(tmp_path, pii_keys):
    cli = Cli(tmp_path, pii_keys)
    cli.env.update(worker_env())
    done = cli("worker", "--only", "verify", "--registries-url", "http://gateway.example.ru/api")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--registries-url must be an https:// address" in lines[0], done.stderr


@pytest.mark.parametrize(("url", "env", "said"), [
    ("http://127.0.0.1:9/gateway", {"REGISTRY_ALLOW_PLAIN_HTTP": "false"}, "REGISTRY_ALLOW_PLAIN_HTTP=true"),
    ("http://10.1.2.3/gateway", {}, "only to a loopback address"),
    (HTTPS, {"REGISTRY_TOKEN": ""}, "REGISTRY_TOKEN is not set"),
])
def test_an_unsafe_gateway_setting_is_refused(monkeypatch, url, env, said):
    with pytest.raises(CommandError, match=said):
        gateway_access(settings(monkeypatch, **env), url, None)


def test_without_the_answer_key_nothing_starts(monkeypatch):
    from bot.settings import ConfigError

    with pytest.raises(ConfigError, match="REGISTRY_ANSWER_KEY is not set"):
        gateway_access(settings(monkeypatch, REGISTRY_ANSWER_KEY=""), HTTPS, None)


def test_the_token_may_come_from_a_file_and_a_bad_one_is_refused(monkeypatch, tmp_path):
    token_file = tmp_path / "token"
    token_file.write_text(f"{TOKEN}-from-file\n", encoding="utf-8")
    access = gateway_access(settings(monkeypatch, REGISTRY_TOKEN=""), HTTPS, token_file)
    assert (access.token, access.answer_key, access.url) == (f"{TOKEN}-from-file", KEY, HTTPS)
    token_file.write_text("short", encoding="utf-8")
    with pytest.raises(CommandError, match="--registry-token-file: must be at least 16"):
        gateway_access(settings(monkeypatch), HTTPS, token_file)
    with pytest.raises(CommandError, match="--registry-token-file: cannot read"):
        gateway_access(settings(monkeypatch), HTTPS, tmp_path / "absent")


async def test_the_registries_cool_down_reaches_every_breaker():
    """`--registry-cool-down`: how long a registry found down is left alone (30 s by default)."""
    from bot.commands.worker import GatewayAccess, _registries

    access = GatewayAccess(HTTPS, TOKEN, KEY, allow_plain_http=False)
    async with _registries(access, None, object(), cool_down=4.0) as registries:
        assert {registries.eirc.breakers[name].cool_down for name in registries.eirc.breakers} == {4.0}
