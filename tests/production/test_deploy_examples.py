"""The deployment examples in deploy/ say what the code does: each command they run is one the CLI
takes, each variable they set is a setting, and nginx's upstreams are the bot services' ports."""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from bot.cli import build_parser
from bot.settings import Settings

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
#: variables read by something other than the settings
OTHERS = {"PROMETHEUS_MULTIPROC_DIR", "POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}
SETTINGS = {name.upper() for name in Settings.model_fields}


def compose_services() -> dict[str, dict]:
    """The services of compose.yaml: the command and the variables of each (its layout is plain
    enough to read without a YAML parser, which this project does not depend on)."""
    services: dict[str, dict] = {}
    current = None
    in_services = False
    for line in (DEPLOY / "compose.yaml").read_text().splitlines():
        if line.startswith("services:"):
            in_services = True
            continue
        if in_services and re.match(r"^\S", line):
            in_services = False
        if not in_services:
            continue
        if found := re.match(r"^  ([a-z0-9-]+):\s*$", line):
            current = services.setdefault(found.group(1), {"command": None, "env": {}})
        elif current is not None and (found := re.match(r"^    command:\s*(\[.*\])\s*$", line)):
            current["command"] = json.loads(found.group(1))
        elif current is not None and (found := re.match(r"^      ([A-Z][A-Z0-9_]+):\s*(.+)$", line)):
            current["env"][found.group(1)] = found.group(2).strip().strip('"')
    return services


def anchored_settings() -> dict[str, str]:
    text = (DEPLOY / "compose.yaml").read_text()
    block = text.split("x-settings: &settings\n", 1)[1].split("\n\n", 1)[0]
    return dict(re.findall(r"^  ([A-Z][A-Z0-9_]+):\s*(\S+)", block, flags=re.M))


def systemd_commands() -> dict[str, list[str]]:
    found = {}
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if line.startswith("ExecStart=") and " -m bot " in line:
                found[unit.name] = shlex.split(line.split(" -m bot ", 1)[1])
    return found


def test_every_command_of_the_examples_is_one_the_cli_takes():
    parser = build_parser()
    commands = {f"compose {name}": service["command"] for name, service in compose_services().items()
                if service["command"] and name not in ("redis",)}
    commands |= {f"systemd {name}": argv for name, argv in systemd_commands().items()}
    assert {"compose bot-1", "compose worker", "compose notices", "compose broadcaster", "compose web",
            "systemd house-vote-webhook@.service"} <= set(commands)
    for where, argv in commands.items():
        try:
            parser.parse_args(argv)
        except SystemExit:
            pytest.fail(f"{where}: `python -m bot {' '.join(argv)}` is not a command the CLI takes")


def test_every_variable_the_examples_set_is_a_setting():
    named = set(anchored_settings())
    for service in compose_services().values():
        named |= set(service["env"])
    for unit in (DEPLOY / "systemd").glob("*.service"):
        named |= set(re.findall(r"^Environment=([A-Z_]+)=", unit.read_text(), flags=re.M))
    named |= set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), flags=re.M))
    assert named - SETTINGS - OTHERS == set()
    # and .env.example documents every setting there is
    documented = set(re.findall(r"^([A-Z][A-Z0-9_]+)=", (REPO / ".env.example").read_text(), flags=re.M))
    assert SETTINGS - documented == set()


def test_nginx_sends_the_webhook_path_to_every_bot_service_and_only_those():
    nginx = (DEPLOY / "nginx.conf").read_text()
    upstream = re.search(r"upstream bots \{(.*?)\}", nginx, flags=re.S).group(1)
    servers = set(re.findall(r"server ([a-z0-9-]+:\d+)", upstream))
    bots = {name: service for name, service in compose_services().items()
            if service["command"] and service["command"][0] == "webhook"}
    assert len(bots) >= 2
    assert servers == {f"{name}:{service['env']['WEBHOOK_LISTEN'].rsplit(':', 1)[1]}" for name, service in bots.items()}
    # the location is WEBHOOK_URL's path, as .env.example gives it
    example = re.search(r"e\.g\. (https://[^\s;]+)", (REPO / ".env.example").read_text()).group(1)
    path = "/" + example.split("://", 1)[1].split("/", 1)[1]
    assert f"location = {path} {{" in nginx
