"""Shared fixtures live in tests/plugins, one module per area, so areas evolve independently."""
import pkgutil

import pytest

import tests.plugins

pytest_plugins = [
    f"tests.plugins.{module.name}" for module in pkgutil.iter_modules(tests.plugins.__path__)
]

pytest.register_assert_rewrite("tests.plugins")
