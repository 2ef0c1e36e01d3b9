"""`bench faults` bounded: a few votes through the production topology, hurt once by each fault,
lose no ballot and count none twice. The full profile (1,000 votes, several faults of each
kind) is `python -m bench faults`; its figures are in BENCHMARKS.md.

Both runs have servers of their own (`bench.services`): Redis, and on PostgreSQL a cluster that
is crashed and started again, so the shared servers other tests use are never disturbed. The Redis
restart empties every dialogue mid-way: the residents start over from /start, and none ends up
with two ballots or a receipt without one."""
from __future__ import annotations

import os

import pytest

from bench.faults import BOT_KILL, POSTGRES, REDIS, REGISTRY, WORKER_KILL, Run, profile, rows
from bench.services import missing_binaries
from bench.table import render


def own_servers(*, postgres: bool) -> None:
    """As tests/plugins/services.py: skipped when the binaries are missing, a failure in CI."""
    missing = missing_binaries(postgres=postgres)
    if missing:
        message = "cannot run servers of the test's own: " + ", ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: services are required)")
        pytest.skip(message)


def shown(run: Run, figures) -> str:
    """The figures as the bench prints them: at the end of the run's output (tests/plugins/
    figures.py), and in a failure's message."""
    table = render(rows(run))
    f = run.figures
    figures("faults", f"{f['attempted']} votes, {f['shown']} receipts shown, {f['stored']} ballots, "
                      f"{f['counted']} counted, {f['lost']} lost, {f['double']} verified twice, "
                      f"{f['two ballots']} with two ballots; faults: "
                      + ", ".join(f"{i.kind} at vote {i.at_vote}" for i in run.injected))
    if run.folder is not None:
        table += f"\nthe processes' logs: {run.folder}"
    return table


def hold(run: Run, table: str) -> None:
    f = run.figures
    assert f["lost"] == 0 and f["double"] == 0 and f["two ballots"] == 0, table
    assert run.unexpected == [], table  # no process ended by itself
    assert run.settled_in is not None and f["pending"] == 0, table
    assert f["stored"] == f["counted"] == f["shown"] == f["attempted"], table  # every vote counted
    assert f["never notified"] == 0, table


@pytest.mark.postgres
@pytest.mark.redis
async def test_every_fault_on_postgresql_loses_no_ballot_and_counts_none_twice(figures):
    own_servers(postgres=True)
    # the outages first, while most residents are mid-dialogue: a Redis or PostgreSQL restart
    # waits for a killed process to be up again, so the kills come last
    plan = [(2, REDIS), (5, POSTGRES), (8, REGISTRY), (10, BOT_KILL), (12, WORKER_KILL)]
    run = await profile("postgres", votes=20, concurrency=8, seed=11, plan=plan, houses=10,
                        settle_timeout=30, step_timeout=20, patience=90)
    table = shown(run, figures)
    assert sorted(i.kind for i in run.injected) == sorted(kind for _, kind in plan), table
    assert run.registry_refusals > 0, table  # the outage was felt: ballots were asked meanwhile
    hold(run, table)


@pytest.mark.redis
async def test_killed_bot_and_worker_on_sqlite_lose_no_ballot_and_count_none_twice(figures):
    own_servers(postgres=False)
    plan = [(3, BOT_KILL), (6, WORKER_KILL)]
    run = await profile("sqlite", votes=12, concurrency=6, seed=12, plan=plan, houses=10,
                        settle_timeout=30, step_timeout=20, patience=90)
    table = shown(run, figures)
    assert len(run.injected) == len(plan), table
    hold(run, table)
