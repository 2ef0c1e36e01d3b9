"""Only the sandbox's own page and its token holders drive it: a web page elsewhere, a rebound host
name, a text/plain form or a request without the run's token are refused before any effect."""
from __future__ import annotations

import aiohttp

from sandbox.guard import COOKIE, HEADER
from sandbox.runner import SandboxServer


async def test_foreign_pages_and_hosts_and_tokenless_requests_drive_nobody(sandbox_server: SandboxServer):
    url, token = sandbox_server.url, sandbox_server.sandbox.api_token
    create = f"{url}/sandbox/api/users"
    person = {"id": 77, "first_name": "Жертва"}
    async with aiohttp.ClientSession() as http:
        async with http.post(create, json=person) as response:  # no token
            assert response.status == 401
        # a page elsewhere posting a "simple" form with the token it cannot know
        async with http.post(create, data='{"id": 77, "first_name": "x"}',
                             headers={"Content-Type": "text/plain", "Origin": "http://evil.example"}) as response:
            assert response.status == 403
        async with http.post(create, json=person, headers={HEADER: token, "Origin": "http://evil.example"}) as response:
            assert response.status == 403
        async with http.post(create, json=person, headers={HEADER: token, "Host": "evil.example"}) as response:
            assert response.status == 403  # DNS rebinding: the address is ours, the name is not
        async with http.post(create, data="id=77", headers={HEADER: token, "Content-Type": "text/plain"}) as response:
            assert response.status == 415
        for path in ("/sandbox/api/demo", "/sandbox/api/faults", "/sandbox/api/calls"):
            async with http.get(url + path) as response:
                assert response.status == 401, path
        async with http.post(f"{url}/sandbox/api/faults", json={"kind": "403"}) as response:
            assert response.status == 401
        assert 77 not in sandbox_server.sandbox.people and not sandbox_server.sandbox.faults.rules()
        # the right client, from the right place, with the token
        async with http.post(create, json=person, headers={HEADER: token, "Origin": url}) as response:
            assert response.status == 201
    assert 77 in sandbox_server.sandbox.people


async def test_the_page_takes_the_token_from_the_printed_address_into_a_strict_cookie(sandbox_server: SandboxServer):
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        async with http.get(sandbox_server.url + "/") as response:
            assert response.status == 401 and "printed" in await response.text()
        async with http.get(sandbox_server.url + "/?token=wrong") as response:
            assert response.status == 401
        async with http.get(sandbox_server.page_url, allow_redirects=False) as response:
            assert response.status == 200 and "app.js" in await response.text()
            cookie = response.cookies[COOKIE]
            assert cookie.value == sandbox_server.sandbox.api_token
            assert cookie["httponly"] and cookie["samesite"] == "Strict"
        async with http.get(sandbox_server.url + "/") as response:  # the cookie now opens the page
            assert response.status == 200 and "app.js" in await response.text()
        async with http.get(sandbox_server.url + "/sandbox/api/users") as response:
            assert response.status == 200
