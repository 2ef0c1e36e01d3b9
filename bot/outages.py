"""Redis or the database not answering: the work itself is fine and can be done a little later.

The webhook answers such an update 503 so that Telegram delivers it again (`bot.errors`); the
notice sender keeps trying to mark a delivered notice sent (`bot.worker.notices`).
"""
from __future__ import annotations

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DBAPIError, OperationalError

#: SQLSTATEs of a database that cannot take work now: class 08 (the connection failed) and the
#: server shutting down or still starting up after a crash ("the database system is starting up")
OUTAGE_SQLSTATE_CLASSES = ("08",)
OUTAGE_SQLSTATES = ("57P01", "57P02", "57P03")


def is_outage(error: BaseException) -> bool:
    """Redis or the database not answering, as opposed to a fault of the work itself."""
    if isinstance(error, (RedisConnectionError, RedisTimeoutError, OSError, TimeoutError)):
        return True
    if not isinstance(error, DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, OperationalError):
        return True
    # asyncpg's errors reach SQLAlchemy as its generic Error: only their SQLSTATE tells
    state = str(getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None) or "")
    return state[:2] in OUTAGE_SQLSTATE_CLASSES or state in OUTAGE_SQLSTATES
