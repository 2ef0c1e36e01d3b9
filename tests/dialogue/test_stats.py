"""/stats as residents see it: why there is nothing before publication when the poll does not show
live turnout, and after publication a chart whose caption hides every group under the threshold;
the buttons switch the breakdown."""
from __future__ import annotations

import re

from sqlalchemy import update

from services.results import ResultsDesk
from storage.models import House, Poll
from storage.repositories import PollRepository
from tests.dialogue.steps import vote
from tests.plugins.dialogue import Person
from tests.plugins.verifying import vote_as

THRESHOLD = 10  # the settings' default
NOT_LIVE_RU = "Цифры этого голосования появятся вместе с итогами, после публикации"


def shown_numbers(caption: str) -> list[int]:
    """Every number the caption shows as a figure: what follows a label's colon, "< k" left out."""
    numbers = []
    for line in caption.splitlines():
        if ": " not in line:
            continue
        figures = re.sub(r"< \d+", "", line.split(": ", 1)[1])
        numbers += [int(n) for n in re.findall(r"\d+", figures)]
    return numbers


async def test_before_publication_stats_say_why_there_are_none_or_show_the_turnout(stand):
    stranger = stand.client.user(1901, "Борис")
    answer = await stranger.send("/stats")
    assert answer.text.startswith(NOT_LIVE_RU) and answer.photo_url is None, answer.text

    anna = stand.client.user(1902, "Анна")
    await vote(anna, Person())
    answer = await anna.send("/stats")
    assert answer.text.startswith(NOT_LIVE_RU), answer.text
    english = await stand.client.user(1903, "John", language_code="en").send("/stats")
    assert english.text.startswith("The figures of this vote come with its results, after publication"), english.text

    async with stand.sessions.begin() as session:
        await session.execute(update(Poll).where(Poll.id == stand.poll_id).values(live_turnout=True))
    live = await anna.send("/stats")
    assert live.photo_url is not None, live.text
    assert "Реновация: Явка по возрасту" in live.text
    assert "Всего бюллетеней на сейчас: < 10, из них учтено: < 10" in live.text
    assert all(n >= THRESHOLD for n in shown_numbers(live.text)), live.text


async def test_after_publication_a_chart_arrives_and_small_groups_stay_hidden(verifying):
    stand, summary = verifying
    voters = [r for r in summary.residents if r["levels"] == "identity=3,apartment=2" and r["outcome"] == "counted"][:2]
    anna, boris = stand.client.user(1911, "Анна"), stand.client.user(1912, "Борис")
    await vote_as(anna, voters[0])
    await vote_as(boris, voters[1])
    await anna.wait_for("✅ Ваш голос по дому", timeout=20)
    await boris.wait_for("✅ Ваш голос по дому", timeout=20)
    async with stand.sessions.begin() as session:
        await session.execute(update(House).where(House.unom.in_({int(v["unom"]) for v in voters}))
                              .values(flats_total=4))
        await PollRepository(session).close(stand.poll_id)
    async with stand.sessions() as session:
        _, new = await ResultsDesk(session).publish(stand.poll_id)
    assert new
    await anna.wait_for("📊 Опубликованы итоги", timeout=20)  # the notice first, so it does not come in between

    chart = await anna.send("/stats")
    assert chart.photo_url is not None, chart.text
    caption = chart.text
    assert caption.startswith("Реновация: Итоги по возрасту\nПубликация № 1.")
    assert "Всего учтено бюллетеней: < 10 — ЗА < 10 · ПРОТИВ < 10" in caption
    assert "18–24: ЗА < 10 · ПРОТИВ < 10" in caption
    assert "< 10: группа меньше 10 человек не показывается" in caption
    assert all(n >= THRESHOLD for n in shown_numbers(caption)), caption
    assert ["• по возрасту", "по полу", "по округам"] in chart.buttons

    by_gender = await anna.press("по полу")
    assert by_gender.photo_url is not None and by_gender.id != chart.id
    assert by_gender.text.startswith("Реновация: Итоги по полу")
    assert "Женщины: ЗА < 10 · ПРОТИВ < 10" in by_gender.text
    assert all(n >= THRESHOLD for n in shown_numbers(by_gender.text)), by_gender.text
    assert "• по полу" in sum(by_gender.buttons, [])

    english = await stand.client.user(1913, "John", language_code="en").send("/stats")
    assert english.photo_url is not None
    assert english.text.startswith("Реновация: Results by age\nPublication No. 1.")
    assert "All counted ballots: < 10 — YES < 10 · NO < 10" in english.text
