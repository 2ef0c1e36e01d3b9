"""The user side's JSON API as the page uses it: people, refusals, the live event stream, the demo panel."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiogram import Bot

from sandbox.guard import HEADER
from sandbox.runner import SandboxServer


def token(server: SandboxServer) -> dict[str, str]:
    return {HEADER: server.sandbox.api_token}


async def post(server: SandboxServer, path: str, body: dict) -> tuple[int, dict]:
    async with aiohttp.ClientSession(headers=token(server)) as http:
        async with http.post(server.url + path, json=body) as response:
            return response.status, await response.json()


async def test_people_are_created_with_a_free_id_and_validated(sandbox_server: SandboxServer) -> None:
    status, person = await post(sandbox_server, "/sandbox/api/users",
                                {"first_name": "Вера", "language_code": "en"})
    assert status == 201 and person["id"] > 0 and person["language_code"] == "en"
    status, refusal = await post(sandbox_server, "/sandbox/api/users", {"first_name": " "})
    assert status == 400 and "first_name" in refusal["error"]
    status, refusal = await post(sandbox_server, "/sandbox/api/users",
                                 {"first_name": "Вера", "language_code": "русский"})
    assert status == 400 and "language_code" in refusal["error"]


async def test_acting_as_an_unknown_person_says_how_to_create_one(sandbox_server: SandboxServer) -> None:
    status, refusal = await post(sandbox_server, "/sandbox/api/users/42/messages", {"text": "hi"})
    assert status == 404 and "POST /sandbox/api/users" in refusal["error"]


async def test_empty_message_is_refused(sandbox_server: SandboxServer) -> None:
    await post(sandbox_server, "/sandbox/api/users", {"id": 7, "first_name": "Ира"})
    status, refusal = await post(sandbox_server, "/sandbox/api/users/7/messages", {"text": "   "})
    assert status == 400 and refusal["error"] == "the message is empty"


async def test_the_stream_pushes_the_bots_message(sandbox_server: SandboxServer, sandbox_bot: Bot) -> None:
    await post(sandbox_server, "/sandbox/api/users", {"id": 9, "first_name": "Лев"})
    async with aiohttp.ClientSession(headers=token(sandbox_server)) as http:
        async with http.get(f"{sandbox_server.url}/sandbox/api/stream?user=9") as response:
            assert response.content_type == "text/event-stream"
            await sandbox_bot.send_message(9, "Новость для Льва")

            async def next_chat_text() -> str | None:
                event = None
                async for raw in response.content:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("event: "):
                        event = line[len("event: "):]
                    elif line.startswith("data: ") and event == "chat":
                        messages = json.loads(line[len("data: "):])["messages"]
                        if messages:
                            return messages[-1]["text"]
                return None

            assert await asyncio.wait_for(next_chat_text(), 10) == "Новость для Льва"


async def test_demo_panel_is_empty_by_default_and_injectable() -> None:
    async def residents() -> dict:
        return {"residents": [{"name": "Иванов И. И.", "flat": 12}]}

    async with SandboxServer() as plain, SandboxServer(demo_info=residents) as filled:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{plain.url}/sandbox/api/demo", headers=token(plain)) as response:
                assert await response.json() == {"residents": []}
            async with http.get(f"{filled.url}/sandbox/api/demo", headers=token(filled)) as response:
                assert (await response.json())["residents"][0]["flat"] == 12


@pytest.mark.parametrize("path", ["/", "/sandbox/static/app.js", "/sandbox/static/style.css"])
async def test_the_page_and_its_assets_are_served(sandbox_server: SandboxServer, path: str) -> None:
    async with aiohttp.ClientSession(headers=token(sandbox_server)) as http:
        async with http.get(sandbox_server.url + path) as response:
            assert response.status == 200
            body = await response.text()
    if path == "/":
        assert 'id="demo-panel"' in body and "/sandbox/static/app.js" in body
