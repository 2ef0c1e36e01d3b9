"""The operator's commands of this area, run as the operator runs them: `python -m bot ...`."""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.database import create_engine, create_session_factory
from storage.models import RegistryRecord
from storage.pii import PiiVault
from tests.plugins.worker import TOWN_HOUSES, add_poll, cast, settle

REPO = Path(__file__).resolve().parents[2]
MVD_HEADER = "passport,full_name,birth_date,status\n"


class Cli:
    def __init__(self, folder: Path, keys: dict[str, str]) -> None:
        self.folder = folder
        self.database = folder / "vote.sqlite3"
        self.url = f"sqlite+aiosqlite:///{self.database}"
        self.env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(folder),
                    "PYTHONPATH": str(REPO), "DATABASE_URL": self.url,
                    "PII_HMAC_KEY": keys["pii_hmac_key"], "PII_ENCRYPTION_KEY": keys["pii_encryption_key"]}
        self.vault = PiiVault(bytes.fromhex(keys["pii_hmac_key"]), bytes.fromhex(keys["pii_encryption_key"]))

    def __call__(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bot", *args], cwd=self.folder, env=self.env,
                              capture_output=True, text=True, timeout=120)

    def database_bytes(self) -> bytes:
        return b"".join(Path(f"{self.database}{suffix}").read_bytes()
                        for suffix in ("", "-wal") if Path(f"{self.database}{suffix}").exists())

    async def records(self, source: str) -> int:
        engine = create_engine(self.url)
        try:
            async with create_session_factory(engine)() as session:
                return await session.scalar(select(func.count()).select_from(RegistryRecord)
                                            .where(RegistryRecord.source == source))
        finally:
            await engine.dispose()


@pytest.fixture
def cli(tmp_path: Path, pii_keys: dict[str, str]) -> Cli:
    cli = Cli(tmp_path, pii_keys)
    assert cli("migrate").returncode == 0
    return cli


async def test_import_registry_reports_bad_rows_by_line_and_imports_the_rest(cli, tmp_path):
    extract = tmp_path / "mvd.csv"
    extract.write_text(
        MVD_HEADER
        + "4502573482,Петрова Анна Сергеевна,14.03.1975,valid\n"      # line 2
        + "45025734,Соколов Глеб Андреевич,01.01.1970,valid\n"        # 3: 8 digits
        + "4510123456,Соколов Глеб Андреевич,1970-01-01,valid\n"      # 4: ISO date
        + "4511654321,Сидоров Пётр Ильич,02.02.1960,lost\n"           # 5: unknown status
        + "4502573482,Петрова Анна Сергеевна,14.03.1975,invalid\n"    # 6: repeats line 2
        + "4512111222,Smith John,05.05.1980,valid\n"                   # 7: latin letters
        + "4513000111,Кузнецова Ольга Игоревна,12.12.1985\n"           # 8: a value short
        + "45 14 222333,Кузнецова Ольга Игоревна,12.12.1985,invalid\n",  # 9: fine (spaces)
        encoding="utf-8")
    done = cli("import-registry", "mvd", str(extract))
    assert done.returncode == 1, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "mvd: 2 records imported (replacing 0), rejected rows: 6"
    problems = {int(line.split(": line ")[1].split(":")[0]): line for line in lines[1:]}
    assert sorted(problems) == [3, 4, 5, 6, 7, 8]
    assert "passport" in problems[3] and "10 digits" in problems[3]
    assert "dd.mm.yyyy" in problems[4]
    assert "status must be valid or invalid" in problems[5]
    assert "already on line 2" in problems[6]
    assert "Latin" in problems[7]
    assert "3 values where the header has 4 columns" in problems[8]
    assert await cli.records("mvd") == 2
    for raw in ("45025734", "4510123456", "4511654321", "4512111222", "Соколов", "Smith"):
        assert raw not in done.stdout  # a bad row is described, never repeated
    for raw in ("4502573482", "4514222333", "Петрова", "Кузнецова", "петрова"):
        assert raw.encode() not in cli.database_bytes(), raw


async def test_no_raw_identifier_or_name_of_the_demo_town_reaches_the_database(cli, town):
    for name in ("eirc", "mvd", "pfr", "rosreestr"):
        done = cli("import-registry", name, str(town.summary.files[name]))
        assert done.returncode == 0, done.stdout + done.stderr
        assert f"{name}: {town.summary.rows[name]} records imported" in done.stdout
    stored = cli.database_bytes()
    for row in town.rows["mvd"][:50]:
        assert row["passport"].encode() not in stored
        assert row["full_name"].split()[0].encode() not in stored
    for row in town.rows["pfr"][:50]:
        assert row["snils"].encode() not in stored
    for row in town.rows["eirc"][:50]:
        assert row["fls"].encode() not in stored


async def test_a_reimport_replaces_the_registry_and_an_unusable_file_changes_nothing(cli, tmp_path):
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    first.write_text(MVD_HEADER + "4502573482,Петрова Анна Сергеевна,14.03.1975,valid\n"
                     "4510123456,Иванов Иван Иванович,01.01.1970,valid\n", encoding="utf-8")
    second.write_text(MVD_HEADER + "4511654321,Сидоров Пётр Ильич,02.02.1960,invalid\n", encoding="utf-8")
    assert cli("import-registry", "mvd", str(first)).returncode == 0
    done = cli("import-registry", "mvd", str(second))
    assert done.returncode == 0 and "1 records imported (replacing 2)" in done.stdout
    assert await cli.records("mvd") == 1

    broken = tmp_path / "broken.csv"
    broken.write_text("passport,name\n4502573482,Петрова\n", encoding="utf-8")
    done = cli("import-registry", "mvd", str(broken))
    assert done.returncode == 2 and "no column full_name, birth_date, status" in done.stderr
    empty = tmp_path / "bad-only.csv"
    empty.write_text(MVD_HEADER + "1,Петрова Анна Сергеевна,14.03.1975,valid\n", encoding="utf-8")
    done = cli("import-registry", "mvd", str(empty))
    assert done.returncode == 2 and "left as it was" in done.stderr
    assert await cli.records("mvd") == 1


async def test_demo_registries_writes_the_four_files_and_imports_them(cli, tmp_path):
    houses = tmp_path / "houses.csv"
    with houses.open("w", encoding="utf-8", newline="") as target:
        csv.writer(target).writerows([("unom", "address"), *TOWN_HOUSES[:5]])
    out = tmp_path / "demo"
    done = cli("demo-registries", "--houses", str(houses), "--flats-per-house", "3", "--seed", "7",
               "--out", str(out), "--import")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 houses, 15 flats" in done.stdout
    assert "owner:" in done.stdout and "→ counted" in done.stdout
    for name in ("eirc", "mvd", "pfr", "rosreestr"):
        assert (out / f"{name}.csv").exists()
        assert await cli.records(name) > 0
    again = cli("demo-registries", "--houses", str(houses), "--flats-per-house", "3", "--seed", "7",
                "--out", str(tmp_path / "again"))
    assert (tmp_path / "again" / "mvd.csv").read_bytes() == (out / "mvd.csv").read_bytes()
    assert again.returncode == 0


async def test_report_overdue_lists_late_ballots_without_personal_data(cli, town):
    engine = create_engine(cli.url)
    sessions = create_session_factory(engine)
    try:
        world = await settle(sessions, cli.vault, town)
        old_poll = await add_poll(sessions, "identity=3,apartment=2", "Старый опрос", opened_days_ago=40)
        typed = town.case("counted")
        late = await cast(sessions, cli.vault, world, typed, poll=old_poll,
                          at=datetime.now(UTC) - timedelta(days=30))
        fresh = await cast(sessions, cli.vault, world, town.resident("co_owner"))
    finally:
        await engine.dispose()
    done = cli("report", "overdue")
    assert done.returncode == 1, done.stderr
    assert late.receipt_code in done.stdout and fresh.receipt_code not in done.stdout
    assert "Старый опрос" in done.stdout and "1 ballot(s) past the deadline" in done.stdout
    row = next(line for line in done.stdout.splitlines() if late.receipt_code in line)
    assert "(due in 4)" in row and int(row.split("(due in 4)")[0].split()[-1]) > 4
    for secret in (typed["full_name"].split()[0], typed["passport"], typed["fls"]):
        assert secret not in done.stdout
    assert "no ballot is past" in cli("report", "overdue", "--poll", str(fresh.poll_id)).stdout


def test_the_commands_explain_themselves_and_refuse_a_missing_setting_in_one_line(cli):
    for command in (["import-registry"], ["demo-registries"], ["worker"], ["report"], ["report", "overdue"]):
        done = cli(*command, "--help")
        assert done.returncode == 0 and "usage: python -m bot" in done.stdout, command
    assert "worker" in cli("--help").stdout and "import-registry" in cli("--help").stdout
    done = cli("worker")  # no BOT_TOKEN for the notices
    assert done.returncode == 2 and done.stderr.strip() == "error: BOT_TOKEN is not set (see .env.example)"
    done = cli("import-registry", "passports", "x.csv")
    assert done.returncode == 2 and "invalid choice: 'passports'" in done.stderr
