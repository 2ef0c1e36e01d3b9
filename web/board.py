"""The poll's public board: its verifier key, each publication's signed checkpoint, and its open
data to download, file by file or as one zip in the layout of `board/files.py`, so that
`unzip` and `python -m bot verify-board DIR` check all of it.

The files change only with a new publication: they are built once per (poll, newest publication),
off the event loop (a big poll's rows are tens of megabytes), and kept.
"""
from __future__ import annotations

import asyncio
import base64
import io
import zipfile
from dataclasses import dataclass
from datetime import datetime, timezone

from aiohttp import web

from board.checkpoint import Checkpoint, open_note
from board.files import CHECKPOINTS, README, README_TEXT, RESULTS, ROWS_CSV, ROWS_JSONL, RULES, VKEY
from board.rows import write_csv, write_jsonl
from services.board import BoardDesk, OpenData
from web.site import REMEMBERED, linker, number_in, reader, render
from web.words import PHASES

BUILDING = web.AppKey("board_building", asyncio.Lock)  # one board's files built at a time
CONTENT_TYPES = {"csv": "text/csv", "jsonl": "application/jsonl", "txt": "text/plain", "json": "application/json",
                 "vkey": "text/plain"}


@dataclass(frozen=True, slots=True)
class BoardFiles:
    """A board's files by their path in its directory, as bytes, and the same as a zip."""

    folder: str  # the zip's top folder
    files: dict[str, bytes]
    zipped: bytes
    checkpoints: dict[int, Checkpoint]


def board_files(poll_id: int, data: OpenData) -> BoardFiles:
    """The directory `board.files.write_board` writes, in memory, byte for byte."""
    def text_of(writer, rows) -> bytes:
        out = io.StringIO(newline="")
        writer(rows, out)
        return out.getvalue().encode()

    files = {VKEY: (data.vkey.strip() + "\n").encode(), RULES: data.rules_json.encode(),
             ROWS_CSV: text_of(write_csv, data.rows), ROWS_JSONL: text_of(write_jsonl, data.rows)}
    files.update({f"{CHECKPOINTS}/{number}.txt": note.encode() for number, note in data.checkpoints.items()})
    files.update({f"{RESULTS}/{number}.csv": text.encode() for number, text in data.results.items()})
    files[README] = README_TEXT.encode()
    folder = f"poll-{poll_id}-board"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, body in files.items():
            archive.writestr(f"{folder}/{name}", body)
    checkpoints = {number: open_note(note, data.vkey) for number, note in data.checkpoints.items()}
    return BoardFiles(folder, files, out.getvalue(), checkpoints)


async def _files(request: web.Request, poll_id: int) -> tuple[object, BoardFiles | None]:
    """The poll and its board's files; None before the board's first publication."""
    async with reader(request.app) as reads:
        poll, _publications, newest = await reads.poll(poll_id)
        if newest is None or not newest.checkpoint:
            return poll, None
        remembered, key = request.app[REMEMBERED], (poll_id, newest.id)
        found = remembered.get("board", key)
        if found is None:
            async with request.app[BUILDING]:
                found = remembered.get("board", key)  # another request may have built it meanwhile
                if found is None:
                    try:
                        data = await BoardDesk(await reads.session()).open_data(poll_id)
                    except LookupError:
                        return poll, None
                    except ValueError as error:  # the files would not verify: better none than wrong ones
                        raise web.HTTPServiceUnavailable(text=f"The board's files cannot be served: {error}") from None
                    found = remembered.put("board", key, await asyncio.to_thread(board_files, poll_id, data))
    return poll, found


async def board_page(request: web.Request) -> web.Response:
    poll_id = number_in(request, "poll")
    poll, files = await _files(request, poll_id)
    context = {"poll": poll, "phase": PHASES[poll.phase(datetime.now(timezone.utc))], "files": files}
    if files is None:
        return render(request, "board_waiting.html", context)
    link = linker(request)
    base = f"/polls/{poll_id}/board"
    downloads = [(name, link(f"{base}/{name}"), _kb(body)) for name, body in files.files.items() if name != README]
    checkpoints = [(number, checkpoint.size, base64.b64encode(checkpoint.root).decode(),
                    files.files[f"{CHECKPOINTS}/{number}.txt"].decode())
                   for number, checkpoint in sorted(files.checkpoints.items(), reverse=True)]
    context.update(vkey=files.files[VKEY].decode().strip(), checkpoints=checkpoints, downloads=downloads, zip=(link(f"/polls/{poll_id}/board.zip"), _kb(files.zipped)),
                   folder=files.folder, rows=files.files[ROWS_CSV].count(b"\n") - 1)
    return render(request, "board.html", context)


def _kb(body: bytes) -> int:
    return -(-len(body) // 1024)


async def board_file(request: web.Request) -> web.Response:
    poll_id, name = number_in(request, "poll"), request.match_info["name"]
    _poll, files = await _files(request, poll_id)
    if files is None or name not in files.files:
        raise web.HTTPNotFound()
    kind = name.rsplit(".", 1)[-1]
    shown = f"poll-{poll_id}-" + name.replace("/", "-")
    return web.Response(body=files.files[name], content_type=CONTENT_TYPES.get(kind, "text/plain"), charset="utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{shown}"'})


async def board_zip(request: web.Request) -> web.Response:
    poll_id = number_in(request, "poll")
    _poll, files = await _files(request, poll_id)
    if files is None:
        raise web.HTTPNotFound()
    return web.Response(body=files.zipped, content_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{files.folder}.zip"'})
