"""What the worker's loops (`verifier`, `notices`) share: resting until stopped, safe log lines."""
from __future__ import annotations

import asyncio


def first_line(error: BaseException) -> str:
    """An error's first line: a database error's parameters (digests, seals) stay out of logs."""
    return (str(error).strip().splitlines() or [""])[0][:200]


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Sleeps `seconds`, or less if `stop` is set meanwhile."""
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        pass
