"""What the sandbox tells a bench about the bot's sending: every message's arrival, the busiest second."""
from __future__ import annotations


async def test_the_busiest_second_is_counted_over_any_window_not_by_calendar_second(sandbox_server, sandbox_bot,
                                                                                  sandbox_client):
    for n in range(3):
        await sandbox_client.user(8900 + n, "Житель").register()
    sandbox = sandbox_server.sandbox
    # each calendar second holds 2; the second from 1000.7 on holds all 4
    for moment in (1000.7, 1000.9, 1001.3, 1001.5):
        sandbox.record_call("sendMessage", 8900, 200, at=moment)
    sandbox.record_call("sendMessage", 8902, 429, at=1001.55)  # refused: not a message
    sandbox.record_call("editMessageText", 8902, 200, at=1001.56)  # no new message
    assert sandbox.throughput() == {"messages": 4, "first": 1000.7, "last": 1001.5, "span": 1001.5 - 1000.7,
                                    "busiest_second": 4}
    assert sandbox.throughput(since=1001.0)["busiest_second"] == 2
    sandbox.sent_times = type(sandbox.sent_times)("d")
    await sandbox_bot.send_message(8900, "раз", allow_paid_broadcast=True)
    await sandbox_bot.send_message(8901, "два")
    measured = await sandbox_client.throughput()
    assert measured["messages"] == 2 and measured["busiest_second"] == 2
