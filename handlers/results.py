"""/results: each house the resident voted in — its turnout until the results are out, then its
result with the formula and a chart. Available at every step."""
from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, Message

from handlers import results_views
from services.ballots import BallotBox
from services.charts import house_chart
from services.standing import Standings


async def results(message: Message, session, resident, vault) -> None:
    receipts = await BallotBox(session, vault).receipts(resident) if resident else []
    standings = await Standings(session).of(receipts)
    if not standings:
        await message.answer(results_views.no_ballots())
        return
    for standing in standings:
        published = standing.published
        if published is None:
            await message.answer(results_views.before_publication(standing))
            continue
        # matplotlib takes a while: off the event loop, so other residents' updates go on
        chart = await asyncio.to_thread(house_chart, published.bar, results_views.chart_labels(published),
                                        title=standing.address)
        caption, text = results_views.published(standing)
        await message.answer_photo(BufferedInputFile(chart, filename="result.png"), caption=caption)
        if text is not None:
            await message.answer(text)


def create_router() -> Router:
    router = Router(name="results")
    router.message.register(results, Command("results"), flags={"resident": True})
    return router
