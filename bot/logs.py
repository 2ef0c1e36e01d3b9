"""What an error may say in a log line or on the operator's terminal, and how lines are written."""
from __future__ import annotations

import contextvars
import json
import logging
from datetime import UTC, datetime


def first_line(error: BaseException | None) -> str:
    """An error's first line (its type's name when it says nothing), at most 200 characters: a
    database error's further lines hold its statement's parameters (digests, seals)."""
    text = str(error).strip() if error is not None else ""
    return (text.splitlines()[0] if text else type(error).__name__)[:200]


#: the update being handled and its handler, for every log line written meanwhile
current_update: contextvars.ContextVar[int | None] = contextvars.ContextVar("update_id", default=None)
current_handler: contextvars.ContextVar[str | None] = contextvars.ContextVar("handler", default=None)
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonLines(logging.Formatter):
    """One JSON object a line: time, level, logger, message, and the update id and handler while
    an update is handled. What the message holds is what the code logs: never personal data."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                 "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        update_id, handler = current_update.get(), current_handler.get()
        if update_id is not None:
            entry["update_id"] = update_id
        if handler is not None:
            entry["handler"] = handler
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(log_format: str = "text") -> None:
    """The process's log lines on stderr, as text for a terminal or as JSON lines for a collector."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if log_format == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
