"""/stats: the statistics of the resident's vote as a chart with its key figures, one breakdown
at a time (buttons switch it). Available at every step."""
from __future__ import annotations

import asyncio

from aiogram import Router
from aiogram.filters import Command
from aiogram.types import BufferedInputFile, CallbackQuery, Message

from counting.breakdowns import Dimension
from handlers import stats_views
from handlers.callbacks import StatsCb, StatsView
from services.my_vote import MyVote
from services.polls import PollBoard
from services.statistics import DEFAULT_THRESHOLD, NotShown, StatisticsDesk
from services.stats_charts import breakdown_png
from storage.errors import PollNotFound


async def _show(message: Message, session, poll_id: int | None, view: StatsView, threshold: int,
                site: str) -> None:
    poll = await PollBoard(session).get(poll_id) if poll_id is not None else None
    if poll is None:
        await message.answer(stats_views.no_poll())
        return
    try:
        statistics = await StatisticsDesk(session, threshold).of(poll.id)
    except NotShown as refusal:
        await message.answer(stats_views.not_shown(refusal.reason))
        return
    except PollNotFound:
        await message.answer(stats_views.no_poll())
        return
    breakdown = statistics.breakdowns[Dimension(view.value)]
    caption = stats_views.caption(poll.title, statistics, view, site)
    markup = stats_views.keyboard(poll.id, view)
    if not breakdown.cells:  # nothing to draw (no ballots yet on any day)
        await message.answer(caption, reply_markup=markup)
        return
    # matplotlib takes a while: off the event loop, so other residents' updates go on
    chart = await asyncio.to_thread(breakdown_png, breakdown, title=stats_views.title(poll.title, statistics, view),
                                    labels=stats_views.chart_labels(breakdown.rules.threshold))
    await message.answer_photo(BufferedInputFile(chart, filename=f"stats-{view.value}.png"), caption=caption,
                               reply_markup=markup)


async def stats(message: Message, session, resident, vault, stats_threshold: int = DEFAULT_THRESHOLD,
                public_site_url: str = "") -> None:
    poll_id = await MyVote(session, vault).stats_poll(resident)
    await _show(message, session, poll_id, StatsView.AGE, stats_threshold, public_site_url)


async def stats_button(query: CallbackQuery, callback_data: StatsCb, session,
                       stats_threshold: int = DEFAULT_THRESHOLD, public_site_url: str = "") -> None:
    await _show(query.message, session, callback_data.poll_id, callback_data.view, stats_threshold,
                public_site_url)
    await query.answer()  # after the chart: the button's spinner shows while it is drawn


def create_router() -> Router:
    router = Router(name="stats")
    router.message.register(stats, Command("stats"), flags={"resident": True})
    router.callback_query.register(stats_button, StatsCb.filter())
    return router
