"""Shared fixtures live in tests/plugins, one module per area, so areas evolve independently."""
import pkgutil

import pytest

pytest.register_assert_rewrite("tests.plugins")

import tests.plugins  # noqa: E402  (after the rewrite hook, so plugin asserts explain themselves)

pytest_plugins = [
    f"tests.plugins.{module.name}" for module in pkgutil.iter_modules(tests.plugins.__path__)
]
