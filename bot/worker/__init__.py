"""Background loops beside the bot: verifying pending ballots and sending verdict notices.

    run_verifier(session_factory=..., vault=..., registries=..., stop=...)   # bot.worker.verifier
    run_notices(session_factory=..., bot=..., stop=...)                       # bot.worker.notices

Both run until `stop` is set, in any process: `python -m bot worker`, or as tasks beside the
bot in the sandbox. Several workers may run on PostgreSQL; on SQLite run one. What a round
does with a batch (open, ask, decide) is `services.checking`, its `RetryDelays` included.
"""
from bot.worker.notices import NoticeSender, render_notice, run_notices
from bot.worker.verifier import Round, Verifier, run_verifier, tune_gc

__all__ = ["NoticeSender", "Round", "Verifier", "render_notice", "run_notices", "run_verifier",
           "tune_gc"]
