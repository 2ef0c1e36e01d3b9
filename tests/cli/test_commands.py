"""The operator's command line, run as the operator runs it: `python -m bot ...`."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from board.checkpoint import Signer

from bot.settings import decode_key, load_settings
from tests.plugins.database import HOUSES_CSV

REPO = Path(__file__).resolve().parents[2]


class Cli:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(folder),
            "PYTHONPATH": str(REPO),
            "DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'var' / 'vote.sqlite3'}",
        }

    def __call__(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args], cwd=self.folder, env=self.env | env,
            capture_output=True, text=True, timeout=120,
        )

    def ok(self, *args: str) -> str:
        done = self(*args)
        assert done.returncode == 0, done.stderr
        return done.stdout


def one_line_error(done: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    for text in expected:
        assert text in lines[0]
    return lines[0]


@pytest.fixture
def cli(tmp_path: Path) -> Cli:
    return Cli(tmp_path)


def test_help_lists_every_command_and_each_has_its_own(cli):
    overview = cli.ok("--help")
    for command in ("migrate", "import-houses", "poll", "keys"):
        assert command in overview
    for args in (["migrate"], ["import-houses"], ["poll"], ["poll", "create"], ["poll", "open"],
                 ["poll", "close"], ["poll", "list"], ["keys"]):
        assert "usage: python -m bot" in cli.ok(*args, "--help")
    assert "--levels" in cli.ok("poll", "create", "--help")


def test_migrate_then_import_the_real_houses_twice(cli):
    assert "migrated from an empty database to revision" in cli.ok("migrate")
    assert (cli.folder / "var" / "vote.sqlite3").exists()
    assert "up to date" in cli.ok("migrate")
    first = cli.ok("import-houses", str(HOUSES_CSV))
    assert "houses created: 4543, updated: 0, rejected rows: 0" in first
    again = cli.ok("import-houses", str(HOUSES_CSV))
    assert "houses created: 0, updated: 4543" in again


def test_import_reports_each_bad_row_by_line(cli):
    cli.ok("migrate")
    bad = cli.folder / "bad.csv"
    bad.write_text('unom,address,lat,lon\n1,"улица А, дом 1",55.7,37.6\nx,"улица Б",55.7,37.6\n3,,55.7,37.6\n', "utf-8")
    done = cli("import-houses", str(bad))
    assert done.returncode == 1
    assert "houses created: 1, updated: 0, rejected rows: 2" in done.stdout
    assert re.search(r"line 3: unom must be a whole number", done.stdout)
    assert re.search(r"line 4: unom 3: the address is empty", done.stdout)
    one_line_error(cli("import-houses", "absent.csv"), "absent.csv", "no such file")


def test_poll_life_create_open_close_list(cli):
    cli.ok("migrate")
    cli.ok("import-houses", str(HOUSES_CSV))
    created = cli.ok("poll", "create", "--title", "Реновация", "--question", "Включить дом в программу?",
                     "--opens", "01.12.2036 18:00", "--closes", "2036-12-31T18:00", "--levels", "identity=2,apartment=1")
    poll_id = re.search(r"poll (\d+) created", created).group(1)
    assert "opens 2036-12-01 18:00 MSK, closes 2036-12-31 18:00 MSK" in created
    houses = cli.folder / "houses.csv"
    houses.write_text("unom\n1\n4\n", "utf-8")
    subset = cli.ok("poll", "create", "--title", "Двор", "--question", "Шлагбаум?", "--houses", str(houses),
                    "--opens", "2036-12-01 09:00", "--closes", "2036-12-02 09:00", "--min-age", "21",
                    "--live-turnout", "--rules", '{"silent": "for", "threshold": "1/2"}')
    subset_id = re.search(r"poll (\d+) created", subset).group(1)
    assert "2 houses" in subset and "turnout shown while it runs" in subset
    assert '"silent":"for"' in subset and '"threshold":"1/2"' in subset
    assert '"silent":"proportional"' in created and "turnout shown" not in created

    assert f"poll {poll_id} is open" in cli.ok("poll", "open", poll_id)
    assert f"poll {subset_id} is closed" in cli.ok("poll", "close", subset_id)
    one_line_error(cli("poll", "open", subset_id), "closed")
    one_line_error(cli("poll", "open", "999"), "no poll 999")

    table = cli.ok("poll", "list").splitlines()
    assert table[0].split()[:3] == ["ID", "STATE", "OPENS"]
    rows = {line.split()[0]: line for line in table[1:]}
    assert rows[poll_id].split()[1] == "open" and "all" in rows[poll_id] and "2/1" in rows[poll_id]
    assert rows[subset_id].split()[1] == "closed" and "Двор" in rows[subset_id]


def test_poll_create_refuses_unknown_houses_and_bad_values(cli):
    cli.ok("migrate")
    cli.ok("import-houses", str(HOUSES_CSV))
    houses = cli.folder / "houses.csv"
    houses.write_text("unom\n1\n99999991\n99999992\n", "utf-8")
    base = ["poll", "create", "--title", "T", "--question", "Q"]
    one_line_error(cli(*base, "--houses", str(houses)), "unknown unom", "99999991, 99999992")
    one_line_error(cli(*base, "--opens", "tomorrow"), "--opens", "'tomorrow'")
    one_line_error(cli(*base, "--levels", "identity=5"), "--levels")
    one_line_error(cli(*base, "--rules", '{"silent": "maybe"}'), "--rules", "silent must be one of")
    one_line_error(cli(*base, "--opens", "2026-12-02 10:00", "--closes", "2026-12-01 10:00"), "close after it opens")
    one_line_error(cli("poll", "create", "--question", "Q"), "--title")
    assert "no polls yet" in cli.ok("poll", "list")


def test_commands_on_a_database_never_migrated_say_what_to_do(cli):
    one_line_error(cli("poll", "list"), "python -m bot migrate")


def test_keys_prints_three_fresh_usable_keys_a_webhook_secret_and_the_boards_public_key(cli):
    first, second = cli.ok("keys"), cli.ok("keys")
    values = dict(line.split("=", 1) for line in first.splitlines() if not line.startswith("#"))
    assert set(values) == {"PII_HMAC_KEY", "PII_ENCRYPTION_KEY", "BOARD_SIGNING_KEY", "WEBHOOK_SECRET"}
    secret = values.pop("WEBHOOK_SECRET")
    assert load_settings(webhook_secret=secret).webhook_secret.get_secret_value() == secret
    assert secret not in second
    assert all(len(decode_key(v, name=k)) == 32 for k, v in values.items())
    assert values["PII_HMAC_KEY"] not in second and values["BOARD_SIGNING_KEY"] not in second
    vkey = next(line for line in first.splitlines() if "verifier key" in line).rsplit(" ", 1)[1]
    assert vkey == Signer("house-vote.local", bytes.fromhex(values["BOARD_SIGNING_KEY"])).vkey
    # The printed lines work as settings.
    cli.ok("migrate")
    assert cli("poll", "list", **values).returncode == 0


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/vote"),
        ("DATABASE_URL", ""),
        ("PII_HMAC_KEY", "too-short"),
        ("ADMIN_IDS", "alice,bob"),
    ],
)
def test_a_bad_or_missing_variable_is_named_in_one_line(cli, variable, value):
    one_line_error(cli("migrate", **{variable: value}), variable)


def test_unreachable_database_is_one_line(cli):
    done = cli("migrate", DATABASE_URL="postgresql+asyncpg://postgres:secret@127.0.0.1:1/vote")
    line = one_line_error(done, "cannot reach the database")
    assert "secret" not in line


def test_usage_mistakes_are_one_line(cli):
    one_line_error(cli(), "COMMAND")
    one_line_error(cli("vote"), "invalid choice")
    one_line_error(cli("poll", "open", "first"), "invalid int value")
