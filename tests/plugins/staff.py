"""The bot with staff: an admin named in ADMIN_IDS, the verifier running, made-up registries."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.plugins.verifying import verifying_stand

ADMIN_ID = 700001  # a sandbox user named in ADMIN_IDS
STAFF_SETTINGS = {
    "admin_ids": [ADMIN_ID],
    "info_centre_phone": "+7 495 777-77-77",
    "info_centre_email": "centre@example.org",
    "info_centre_address": "Москва, ул. Тверская, 13",
    "info_centre_hours": "Пн–Пт 9:00–18:00",
}


@pytest.fixture
async def staff_stand(tmp_path, houses_template, pii_keys) -> AsyncIterator[tuple]:
    """(stand, registries summary) where sandbox user ADMIN_ID is an admin; everyone else a resident."""
    async with verifying_stand(tmp_path, houses_template, pii_keys, settings=STAFF_SETTINGS) as found:
        yield found
