"""The public board's page and its open data: the zip unpacks into a directory the verifier
accepts, each file is served as it is in the zip, and no file holds a receipt code or a flat number.

On SQLite only: on PostgreSQL the results file read back does not hash as it did when published
(services.board.OpenData refuses it), which the site answers with 503."""
from __future__ import annotations

import csv
import io
import json
import re
import zipfile

from sqlalchemy import select

from board.audit import verify_board
from board.rows import FIELDS
from storage.database import create_session_factory
from storage.models import Ballot, Flat


async def _zip(client, poll: int) -> zipfile.ZipFile:
    response = await client.get(f"/polls/{poll}/board.zip")
    assert response.status == 200 and response.content_type == "application/zip"
    return zipfile.ZipFile(io.BytesIO(await response.read()))


async def _secrets(site) -> tuple[set[str], set[str]]:
    """Every receipt code of the replay, and every flat number its ballots name."""
    engine = site.engine()
    try:
        async with create_session_factory(engine)() as session:
            codes = set(await session.scalars(select(Ballot.receipt_code).where(Ballot.poll_id == site.replay_poll)))
            flats = set(await session.scalars(select(Flat.number).join(Ballot, Ballot.flat_id == Flat.id)
                                              .where(Ballot.poll_id == site.replay_poll)))
        return codes, flats
    finally:
        await engine.dispose()


def _windows(text: str, length: int) -> set[str]:
    """Every run of `length` letters and digits in the text, upper-cased: where a code could hide."""
    found = set()
    for run in re.findall(r"[0-9A-Z]{%d,}" % length, text.upper()):
        found.update(run[i:i + length] for i in range(len(run) - length + 1))
    return found


async def test_the_zip_unpacks_into_a_board_the_verifier_accepts(sqlite_client, sqlite_site, tmp_path):
    archive = await _zip(sqlite_client, sqlite_site.replay_poll)
    folder = f"poll-{sqlite_site.replay_poll}-board"
    assert {name.split("/", 1)[0] for name in archive.namelist()} == {folder}
    archive.extractall(tmp_path)
    report = verify_board(tmp_path / folder)
    assert report.ok, report.summary()


async def test_every_file_is_served_as_in_the_zip(sqlite_client, sqlite_site):
    archive = await _zip(sqlite_client, sqlite_site.replay_poll)
    folder = f"poll-{sqlite_site.replay_poll}-board/"
    names = [name[len(folder):] for name in archive.namelist()]
    assert {"board.vkey", "rules.json", "rows.csv", "rows.jsonl", "checkpoints/1.txt", "results/1.csv"} <= set(names)
    for name in names:
        if name == "README.txt":
            continue
        response = await sqlite_client.get(f"/polls/{sqlite_site.replay_poll}/board/{name}")
        assert response.status == 200, name
        assert await response.read() == archive.read(folder + name), name
    for wrong in ("checkpoints/2.txt", "checkpoints/01.txt", "results/0.csv", "secrets.txt", "../board.vkey"):
        assert (await sqlite_client.get(f"/polls/{sqlite_site.replay_poll}/board/{wrong}")).status == 404, wrong


async def test_the_rows_hold_ten_fields_and_no_receipt_code_or_flat_number(sqlite_client, sqlite_site):
    archive = await _zip(sqlite_client, sqlite_site.replay_poll)
    folder = f"poll-{sqlite_site.replay_poll}-board/"
    rows = list(csv.DictReader(io.StringIO(archive.read(folder + "rows.csv").decode())))
    assert rows and tuple(rows[0]) == FIELDS and len(FIELDS) == 10
    assert all(re.fullmatch(r"[0-9a-f]{16}", row["flat"]) for row in rows)
    lines = archive.read(folder + "rows.jsonl").decode().splitlines()
    assert [json.loads(line)["tracker"] for line in lines] == [row["tracker"] for row in rows]
    codes, flats = await _secrets(sqlite_site)
    assert len(codes) > len(rows) / 2
    everything = "\n".join(archive.read(name).decode() for name in archive.namelist())
    assert not codes & _windows(everything, 10)  # no receipt, in any case, anywhere in any file
    assert not {row["flat"] for row in rows} & flats


async def test_the_board_page_shows_the_key_and_each_checkpoint(sqlite_client, sqlite_site):
    response = await sqlite_client.get(f"/polls/{sqlite_site.replay_poll}/board")
    page = await response.text()
    assert response.status == 200
    vkey = (await (await sqlite_client.get(f"/polls/{sqlite_site.replay_poll}/board/board.vkey")).text()).strip()
    note = await (await sqlite_client.get(f"/polls/{sqlite_site.replay_poll}/board/checkpoints/1.txt")).text()
    assert f'<pre class="code" id="vkey">{vkey}</pre>' in page
    size, root = note.split("\n")[1:3]
    assert root in page and "Публикация 1" in page and f"python -m bot verify-board poll-{sqlite_site.replay_poll}-board" in page
    assert f'href="/polls/{sqlite_site.replay_poll}/board.zip"' in page and "SHA-256(0x00 + лист)" in page
    english = await (await sqlite_client.get(f"/polls/{sqlite_site.replay_poll}/board", params={"lang": "en"})).text()
    assert "The verifier key" in english and f'href="/polls/{sqlite_site.replay_poll}/board.zip?lang=en"' in english


async def test_a_poll_not_published_has_no_board_yet(sqlite_client, sqlite_site):
    response = await sqlite_client.get(f"/polls/{sqlite_site.open_poll}/board")
    assert response.status == 200 and "На открытой доске пока ничего нет" in await response.text()
    assert (await sqlite_client.get(f"/polls/{sqlite_site.open_poll}/board.zip")).status == 404
    assert (await sqlite_client.get(f"/polls/{sqlite_site.open_poll}/board/rows.csv")).status == 404
    assert (await sqlite_client.get(f"/polls/{sqlite_site.draft_poll}/board")).status == 404
