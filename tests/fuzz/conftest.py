"""The fuzz tests' hypothesis profiles and their stand.

`fuzz` (the default) keeps the CI run to a minute or two and is derandomized: a failure in CI fails
the same way on every machine. FUZZ_PROFILE=long runs many more, longer, random examples; its
failures are kept in .hypothesis/ and replayed first by the next run. To replay one anywhere:
FUZZ_REPRODUCE='<version>:<blob>' with what its report prints in @reproduce_failure('<version>',
b'<blob>'); FUZZ_SEED=<n> fixes the random run itself.
"""
from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, reproduce_failure, seed, settings

from tests.fuzz.harness import FuzzStand, fuzz_stand
from tests.fuzz.machine import TIGHT_LIMITS

_SLOW = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]
settings.register_profile("fuzz", max_examples=25, stateful_step_count=30, deadline=None, derandomize=True,
                          database=None, print_blob=True, suppress_health_check=_SLOW)
settings.register_profile("fuzz-long", max_examples=400, stateful_step_count=60, deadline=None,
                          print_blob=True, suppress_health_check=_SLOW)


def fuzz_settings(*, limited: bool = False) -> settings:
    """The profile FUZZ_PROFILE names ("long", or any registered name); `fuzz` by default.
    `limited`: for the run with the rate limits on, whose valid moves wait out each cool-down (a
    second): a third as many examples."""
    name = os.environ.get("FUZZ_PROFILE", "fuzz")
    profile = settings.get_profile("fuzz-long" if name == "long" else name)
    return settings(profile, max_examples=max(profile.max_examples // 3, 5)) if limited else profile


def replayable(factory):
    """The state machine's factory, with the seed or the failure to replay from the environment."""
    if os.environ.get("FUZZ_SEED"):
        factory = seed(int(os.environ["FUZZ_SEED"]))(factory)
    if os.environ.get("FUZZ_REPRODUCE"):
        version, blob = os.environ["FUZZ_REPRODUCE"].split(":", 1)
        factory = reproduce_failure(version, blob.encode())(factory)
    return factory


#: the fuzzer acts a hundred times a second, faster than anyone types: the per-account rate limits
#: would silence most of its run (they have tests of their own); the ballot limits stay on
NO_RATE_LIMITS = {"limit_updates_burst": 0, "limit_searches_burst": 0}


@pytest.fixture
def fuzz(tmp_path, houses_template, pii_keys) -> Iterator[FuzzStand]:
    """The real bot polling a sandbox, one open poll, set up once per test function."""
    with fuzz_stand(tmp_path, houses_template, pii_keys, settings=NO_RATE_LIMITS) as stand:
        yield stand


@pytest.fixture
def fuzz_limited(tmp_path, houses_template, pii_keys) -> Iterator[FuzzStand]:
    """The same, with the per-account rate limits tight enough to be hit."""
    with fuzz_stand(tmp_path, houses_template, pii_keys, settings=TIGHT_LIMITS) as stand:
        yield stand
