"""`poll create` with descriptions, English texts and houses by okrug or district, and `poll
dashboard`: the same desk as the bot's, each action in the audit log as "cli"."""
from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta

from tests.cli.test_commands import cli, one_line_error  # noqa: F401  (the fixture)
from verification.calendar import MOSCOW


def moscow(moment: datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%d.%m.%Y %H:%M")


def with_houses(cli, houses_template) -> None:
    """The migrated database with every house, as `migrate` and `import-houses` leave it."""
    (cli.folder / "var").mkdir(exist_ok=True)
    shutil.copy(houses_template, cli.folder / "var" / "vote.sqlite3")


def test_create_by_district_and_okrug_with_english_texts_then_the_dashboard(cli, houses_template):
    with_houses(cli, houses_template)
    closes = moscow(datetime.now(UTC) + timedelta(days=5))
    created = cli.ok("poll", "create", "--title", "Шлагбаум", "--question", "Поставить шлагбаум?",
                     "--description", "Въезд только для жителей", "--title-en", "Barrier",
                     "--question-en", "Install a barrier?", "--district", "Ярославский", "--closes", closes)
    poll_id = re.search(r"poll (\d+) created", created).group(1)
    assert "in English: Barrier" in created and "53 houses" in created
    by_okrug = cli.ok("poll", "create", "--title", "Округ", "--question", "Вопрос?", "--okrug", "ЦАО",
                      "--closes", closes)
    assert "75 houses" in by_okrug
    cli.ok("poll", "open", poll_id)

    dashboard = cli.ok("poll", "dashboard", poll_id)
    assert f"poll {poll_id} (open): Шлагбаум" in dashboard
    assert "53 houses" in dashboard and "ballots: 0" in dashboard
    assert "verification backlog: 0" in dashboard and "overdue verdicts: 0" in dashboard
    assert re.search(r"telegram\s+0\s+0\s+0", dashboard) and re.search(r"paper\s+0\s+0\s+0", dashboard)
    assert "turnout: 0 flats voted" in dashboard

    database = sqlite3.connect(cli.folder / "var" / "vote.sqlite3")
    stored = database.execute("SELECT description, title_en, question_en, description_en FROM polls "
                              "WHERE id = ?", (poll_id,)).fetchone()
    assert stored == ("Въезд только для жителей", "Barrier", "Install a barrier?", None)
    actions = database.execute("SELECT actor, action, subject FROM audit_log ORDER BY id").fetchall()
    assert actions == [("cli", "poll.create", f"poll:{poll_id}"), ("cli", "poll.create", f"poll:{int(poll_id) + 1}"),
                       ("cli", "poll.open", f"poll:{poll_id}")]


def test_create_refuses_unknown_areas_half_english_and_a_past_close(cli, houses_template):
    with_houses(cli, houses_template)
    base = ["poll", "create", "--title", "T", "--question", "Q"]
    one_line_error(cli(*base, "--district", "Нигдешний"), "no houses in the district 'Нигдешний'")
    one_line_error(cli(*base, "--okrug", "ЦАО", "--district", "Арбат"), "not allowed with argument")
    one_line_error(cli(*base, "--title-en", "Only a title"), "English title needs an English question")
    one_line_error(cli(*base, "--opens", "01.01.2020 10:00", "--closes", "02.01.2020 10:00"), "already passed")
    one_line_error(cli(*base, "--closes", "01.01.2020 10:00"), "close after it opens")
    bad = cli.folder / "houses.csv"
    bad.write_text("unom\n1\nx1\n", "utf-8")
    one_line_error(cli(*base, "--houses", str(bad)), "line 3: unom must be a whole number, not 'x1'")
    one_line_error(cli("poll", "dashboard", "9"), "no poll 9")
    assert "no polls yet" in cli.ok("poll", "list")
