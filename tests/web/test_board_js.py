"""The browser's own check of a resident's row on the public board (web/static/board.js), in Chromium.

Bundles are built in Python (tests/web/board_vectors.py); the hashes and proofs are pinned to the
published RFC 6962 vectors of transparency-dev/merkle (testonly/constants.go, proof/verify_test.go).
"""
from __future__ import annotations

import base64
import copy
import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tests.board.vectors import LEAVES, ROOTS
from tests.web.board_vectors import (
    ORIGIN, Board, Signer, Tree, UniformTree, b64, checkpoint_body, leaf_hash, leaf_text, sample_row,
)

pytestmark = pytest.mark.browser
BOARD_JS = (Path(__file__).parents[2] / "web" / "static" / "board.js").read_text(encoding="utf-8")
STEPS = ["leaf", "path", "signature", "root"]

# the reference tree's leaves as hex, their leaf hashes (RFC 9162: SHA-256 of 0x00 and the leaf;
# the first is the published root of size 1) and the published roots of sizes 1 to 8
VECTOR_LEAVES = [leaf.hex() for leaf in LEAVES]
VECTOR_LEAF_HASHES = [hashlib.sha256(b"\x00" + leaf).hexdigest() for leaf in LEAVES]
VECTOR_ROOTS = [root.hex() for root in ROOTS[1:]]
# proof/verify_test.go: inclusionProofs (a 1-based leaf, the tree size, the path) and consistencyProofs
VECTOR_INCLUSIONS = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (3, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (2, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]
VECTOR_CONSISTENCIES = [
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (6, 7, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]

# each of Board's functions run in the page, an error returned as its code rather than thrown
CALL = """async ([name, args]) => {
  try { return {value: await Board[name](...args)}; }
  catch (error) { return {code: error.code || "", message: error.message}; }
}"""


def _hex64(value: str) -> str:
    return b64(bytes.fromhex(value))


def _json_script(element_id: str, data: Any) -> str:
    # "<" escaped in JSON, as the site must: a row can never close the script element
    text = (data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)).replace("<", "\\u003c")
    return f'<script type="application/json" id="{element_id}">{text}</script>'


PAGE_URL = "https://board.test/check"  # an HTTPS address, so WebCrypto is there; served from here, never fetched


async def _open(page, proof: Any = None, texts: dict[str, str] | None = None) -> dict | None:
    """A page with board.js inlined (the proof and texts, when given, embedded as the site does);
    what its check came to. Any other request the page makes is refused and kept in page.refused."""
    parts = ['<!doctype html><html lang="en"><head><meta charset="utf-8"></head><body>']
    if proof is not None:
        parts.append(_json_script("board-proof", proof))
    if texts is not None:
        parts.append(_json_script("board-texts", texts))
    parts.append('<p id="board-verdict"></p><ol id="board-steps"></ol>')
    parts.append(f"<script>{BOARD_JS}</script></body></html>")
    html = "".join(parts)
    refused: list[str] = []

    async def serve(route) -> None:
        if route.request.url == PAGE_URL:
            await route.fulfill(body=html, content_type="text/html; charset=utf-8")
        else:
            refused.append(route.request.url)
            await route.abort()

    await page.unroute("**/*")
    await page.route("**/*", serve)
    page.refused = refused
    await page.goto(PAGE_URL)
    return await page.evaluate("Board.ready")


async def _call(page, name: str, *args: Any) -> dict:
    return await page.evaluate(CALL, [name, list(args)])


async def test_every_rows_proof_verifies_in_boards_of_several_sizes(page):
    await _open(page)
    for size in (1, 2, 7, 8, 9, 70):
        board = Board(size)
        results = await page.evaluate("bundles => Promise.all(bundles.map(b => Board.checkBundle(b)))",
                                      board.bundles())
        assert [(i, r["error"]) for i, r in enumerate(results) if not r["ok"]] == [], f"a board of {size}"
        assert all([step["name"] for step in r["steps"]] == STEPS for r in results)
        assert {r["steps"][-1]["detail"] for r in results} == {b64(board.tree.root())}


async def test_the_page_shows_the_verdict_and_each_step(page):
    from playwright.async_api import expect

    bundle = Board(9).bundles()[4]
    result = await _open(page, bundle)
    assert result["ok"] and result["error"] == ""
    verdict = page.locator("#board-verdict")
    await expect(verdict).to_have_class("verified")
    await expect(verdict).to_have_text("Verified in your browser: this row is on the signed public board.")
    steps = page.locator("#board-steps li")
    await expect(steps).to_have_count(4)
    await expect(page.locator("#board-steps li.verified")).to_have_count(4)
    await expect(steps.nth(0)).to_contain_text(leaf_hash(leaf_text(bundle["row"]).encode()).hex())
    await expect(steps.nth(2)).to_contain_text(ORIGIN)
    assert page.refused == []  # nothing is fetched: the page holds all the check needs


SIGNER = Signer(ORIGIN)  # the board's key in the tamperings, so that a note can be re-signed honestly


def _other_key(bundle: dict) -> None:
    impostor = Signer(ORIGIN)  # the same name, another key: another key ID
    bundle["note"] = impostor.sign(_body(bundle["note"]))


def _flip_path_byte(bundle: dict) -> None:
    element = bytearray(base64.b64decode(bundle["path"][1]))
    element[7] ^= 0x01
    bundle["path"][1] = b64(bytes(element))


def _body(note: str) -> str:
    return note[: note.rindex("\n\n") + 1]


def _short_signature(bundle: dict) -> None:
    body = _body(bundle["note"])
    signature = SIGNER.key_id + SIGNER.key.sign(body.encode())[:-1]
    bundle["note"] = f"{body}\n\u2014 {SIGNER.name} {b64(signature)}\n"


def _another_name(bundle: dict) -> None:
    bundle["vkey"] = Signer("board.example.org/poll/8", SIGNER.key).vkey()


def _wrong_key_hash(bundle: dict) -> None:
    name, key_id, key = bundle["vkey"].split("+", 2)
    bundle["vkey"] = f"{name}+{(int(key_id, 16) ^ 1):08x}+{key}"


def _re_signed(size: int, root: bytes) -> Callable[[dict], None]:
    def tamper(bundle: dict) -> None:
        bundle["note"] = SIGNER.sign(checkpoint_body(size, root))
    return tamper


EIGHT = Board(8, SIGNER)
TAMPERINGS: dict[str, tuple[Callable[[dict], None], str, str]] = {
    "a changed choice": (lambda b: b["row"].update(choice="no" if b["row"]["choice"] == "yes" else "yes"),
                         "root", "other_root"),
    "a row without its flat": (lambda b: b["row"].pop("flat"), "leaf", "row_field"),
    "a tab inside a field": (lambda b: b["row"].update(share="1/1\t"), "leaf", "row_value"),
    "a flipped byte in the path": (_flip_path_byte, "root", "other_root"),
    "a wrong index": (lambda b: b.update(index=2), "root", "other_root"),
    "an index past the end": (lambda b: b.update(index=8), "path", "index_range"),
    "a truncated path": (lambda b: b["path"].pop(), "path", "path_short"),
    "a path one too long": (lambda b: b["path"].append(b["path"][0]), "path", "path_long"),
    "a path element that is no hash": (lambda b: b["path"].__setitem__(0, b64(b"short")), "path", "bad_hash"),
    "a note signed by another key": (_other_key, "signature", "not_signed"),
    "a note with an altered size": (lambda b: b.update(note=b["note"].replace("\n8\n", "\n9\n", 1)),
                                    "signature", "bad_signature"),
    "a signature cut short": (_short_signature, "signature", "bad_signature"),
    "a vkey with another name": (_another_name, "signature", "not_signed"),
    "a vkey whose hash is not its key's": (_wrong_key_hash, "signature", "vkey_format"),
    "a note without its signature": (lambda b: b.update(note=_body(b["note"])), "signature", "note_format"),
    "a signed note of another size": (_re_signed(7, EIGHT.tree.root(7)), "root", "size_mismatch"),
    "a signed note of another root": (_re_signed(8, Tree(EIGHT.tree.leaves[::-1]).root()), "root", "other_root"),
}


@pytest.mark.parametrize("tampering", TAMPERINGS)
async def test_a_tampered_bundle_fails_at_the_right_step(page, tampering):
    from playwright.async_api import expect

    tamper, failing, code = TAMPERINGS[tampering]
    bundle = copy.deepcopy(EIGHT.bundles()[3])
    tamper(bundle)
    result = await _open(page, bundle)
    assert not result["ok"]
    names = [step["name"] for step in result["steps"]]
    assert names == STEPS[: STEPS.index(failing) + 1], result
    assert [step["ok"] for step in result["steps"]] == [True] * (len(names) - 1) + [False]
    assert result["steps"][-1]["code"] == code, result
    assert result["error"] == result["steps"][-1]["detail"]
    await expect(page.locator("#board-verdict")).to_have_class("failed")
    await expect(page.locator("#board-verdict")).to_have_text(f"Not verified: {result['error']}.")
    await expect(page.locator("#board-steps li.failed")).to_have_count(1)


async def test_the_leaf_text_is_the_published_format(page):
    await _open(page)
    for row in (sample_row(0), sample_row(6)):
        assert (await _call(page, "leafText", row))["value"] == leaf_text(row)
    assert leaf_text(sample_row(6)).startswith("board-row/v1\t7\t1\t")
    hashed = await page.evaluate("async row => Board.toHex(await Board.leafHash(row))", sample_row(6))
    assert hashed == leaf_hash(leaf_text(sample_row(6)).encode()).hex()


async def test_hashes_match_the_rfc_6962_vectors(page):
    await _open(page)
    hashes = await page.evaluate("""async leaves => Promise.all(leaves.map(async hex => Board.toHex(
        await Board.hashLeaf(Uint8Array.from(hex.match(/../g) || [], byte => parseInt(byte, 16))))))""",
                                 VECTOR_LEAVES)
    assert hashes == VECTOR_LEAF_HASHES
    node = await page.evaluate("async ([a, b]) => Board.toHex(await Board.hashChildren(Board.fromBase64(a, ''),"
                               " Board.fromBase64(b, '')))", [_hex64(VECTOR_LEAF_HASHES[0]),
                                                             _hex64(VECTOR_LEAF_HASHES[1])])
    assert node == "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"


async def test_inclusion_proofs_match_the_published_vectors(page):
    await _open(page)
    for leaf, size, path in VECTOR_INCLUSIONS:
        index, leaf_b64, root, proof = leaf - 1, _hex64(VECTOR_LEAF_HASHES[leaf - 1]), _hex64(VECTOR_ROOTS[size - 1]), [
            _hex64(h) for h in path]
        assert await _call(page, "verifyInclusion", index, size, leaf_b64, proof, root) == {"value": True}
        flipped = [b64(bytes([base64.b64decode(proof[0])[0] ^ 8]) + base64.b64decode(proof[0])[1:]), *proof[1:]]
        corruptions = {  # after proof/verify_test.go's corruptInclusionProof
            "index - 1": (index - 1, size, leaf_b64, proof, root),
            "index + 1": (index + 1, size, leaf_b64, proof, root),
            "index ^ 2": (index ^ 2, size, leaf_b64, proof, root),
            "size * 2": (index, size * 2, leaf_b64, proof, root),
            "size / 2": (index, size // 2, leaf_b64, proof, root),
            "another leaf": (index, size, _hex64(VECTOR_LEAF_HASHES[leaf % 8]), proof, root),
            "the empty root": (index, size, leaf_b64, proof, b64(hashlib.sha256(b"").digest())),
            "a trailing root": (index, size, leaf_b64, [*proof, root], root),
            "a preceding root": (index, size, leaf_b64, [root, *proof], root),
            "a flipped bit": (index, size, leaf_b64, flipped, root),
            "a removed element": (index, size, leaf_b64, proof[:-1], root),
        }
        for what, args in corruptions.items():
            outcome = await _call(page, "verifyInclusion", *args)
            assert "value" not in outcome and outcome["code"], f"leaf {leaf} of {size}: {what} verified"
    tree = Tree(tuple(bytes.fromhex(h) for h in VECTOR_LEAF_HASHES))  # every leaf of every prefix, roots as published
    for size in range(1, 9):
        for index in range(size):
            proof = [b64(h) for h in tree.inclusion_proof(index, size)]
            outcome = await _call(page, "verifyInclusion", index, size, _hex64(VECTOR_LEAF_HASHES[index]), proof,
                                  _hex64(VECTOR_ROOTS[size - 1]))
            assert outcome == {"value": True}, (index, size, outcome)


async def test_proofs_of_indices_beyond_32_bits_verify(page):
    await _open(page)
    tree = UniformTree(leaf_hash(b"the same row"))
    size = 2**40 + 3
    for index in (2**40 - 5, 2**40 + 1):
        proof = [b64(h) for h in tree.inclusion_proof(index, size)]
        args = (index, size, b64(tree.leaf), proof, b64(tree.root(size)))
        assert await _call(page, "verifyInclusion", *args) == {"value": True}, index
        other_leaf = b64(leaf_hash(b"another row"))
        assert (await _call(page, "verifyInclusion", index, size, other_leaf, *args[3:]))["code"] == "other_root"
        assert (await _call(page, "verifyInclusion", index, size * 2, *args[2:]))["code"] == "path_short"


async def test_consistency_proofs_verify_and_corrupted_ones_do_not(page):
    await _open(page)
    root = [_hex64(h) for h in VECTOR_ROOTS]
    for first, second, path in VECTOR_CONSISTENCIES:
        proof = [_hex64(h) for h in path]
        assert await _call(page, "verifyConsistency", first, second, proof, root[first - 1], root[second - 1]) == {
            "value": True}, (first, second)
        flipped = [b64(bytes([base64.b64decode(proof[-1])[0] ^ 16]) + base64.b64decode(proof[-1])[1:])]
        corruptions = {  # after proof/verify_test.go's corruptConsistencyProof
            "first - 1": (first - 1, second, proof, root[first - 1], root[second - 1]),
            "first + 1": (first + 1, second, proof, root[first - 1], root[second - 1]),
            "second * 2": (first, second * 2, proof, root[first - 1], root[second - 1]),
            "swapped roots": (first, second, proof, root[second - 1], root[first - 1]),
            "an empty proof": (first, second, [], root[first - 1], root[second - 1]),
            "a trailing root": (first, second, [*proof, root[first - 1]], root[first - 1], root[second - 1]),
            "a preceding root": (first, second, [root[second - 1], *proof], root[first - 1], root[second - 1]),
            "a truncated proof": (first, second, proof[:-1], root[first - 1], root[second - 1]),
            "a flipped bit": (first, second, [*proof[:-1], *flipped], root[first - 1], root[second - 1]),
        }
        for what, args in corruptions.items():
            outcome = await _call(page, "verifyConsistency", *args)
            assert "value" not in outcome and outcome["code"], f"{first} to {second}: {what} verified"
    assert (await _call(page, "verifyConsistency", 3, 3, [], root[2], root[2])) == {"value": True}
    assert (await _call(page, "verifyConsistency", 3, 3, [], root[2], root[3]))["code"] == "consistency_roots"
    assert (await _call(page, "verifyConsistency", 4, 3, [root[0]], root[3], root[2]))["code"] == "consistency_order"
    board = Board(20).tree
    pairs = [(m, n) for n in range(1, 21) for m in range(1, n)]
    outcomes = await page.evaluate(
        "pairs => Promise.all(pairs.map(p => Board.verifyConsistency(...p).catch(error => error.message)))",
        [(m, n, [b64(h) for h in board.consistency_proof(m, n)], b64(board.root(m)), b64(board.root(n)))
         for m, n in pairs])
    assert [pair for pair, outcome in zip(pairs, outcomes) if outcome is not True] == []


async def test_a_checkpoint_is_read_and_its_signature_checked(page):
    await _open(page)
    board = Board(5)
    note, vkey = board.note(), board.signer.vkey()
    checkpoint = await page.evaluate("""async ([note, vkey]) => {
        const c = await Board.verifyNote(note, vkey);
        return {origin: c.origin, size: c.size, root: Board.toBase64(c.root), extensions: c.extensions};
    }""", [note, vkey])
    assert checkpoint == {"origin": ORIGIN, "size": 5, "root": b64(board.tree.root()),
                          "extensions": {"publication": "1", "rules-sha256": "ab" * 32, "results-sha256": "cd" * 32}}
    witness = Signer("witness.example.org")  # a cosignature of a key the page does not know is ignored
    cosigned = note + witness.signature_line(_body(note))
    assert (await _call(page, "verifyNote", cosigned, vkey))["value"]["size"] == 5
    assert (await _call(page, "verifyNote", note, Signer(ORIGIN).vkey()))["message"] == (
        "the checkpoint is not signed by the published key")
    altered = note.replace("publication 1", "publication 2")
    assert (await _call(page, "verifyNote", altered, vkey))["message"] == "the signature does not verify"
    malformed = {
        "no empty line": note.replace("\n\n", "\n"),
        "a size with a leading zero": note.replace("\n5\n", "\n05\n"),
        "a root of 31 bytes": board.signer.sign(checkpoint_body(5, board.tree.root()[:31])),
        "two lines": board.signer.sign(f"{ORIGIN}\n5\n"),
        "a control character": board.signer.sign(checkpoint_body(5, board.tree.root()).replace("ab", "a\tb", 1)),
        "a signature line without the dash": note.replace("\u2014", "-"),
    }
    for what, text in malformed.items():
        assert (await _call(page, "parseNote", text)).get("code") == "note_format", what


async def test_the_page_speaks_its_language_and_falls_back_to_english(page):
    from playwright.async_api import expect

    texts = {"verified": "Проверено в вашем браузере.", "failed": "Не проверено: {error}.", "leaf": "Ваша строка",
             "signature": "Подпись контрольной точки",
             "not_signed": "контрольная точка не подписана опубликованным ключом"}
    await _open(page, EIGHT.bundles()[0], texts)
    await expect(page.locator("#board-verdict")).to_have_text("Проверено в вашем браузере.")
    await expect(page.locator("#board-steps li").nth(0)).to_contain_text("Ваша строка")
    await expect(page.locator("#board-steps li").nth(1)).to_contain_text("The path from the row to the board's root")
    bundle = EIGHT.bundles()[0]
    _other_key(bundle)
    await _open(page, bundle, texts)
    await expect(page.locator("#board-verdict")).to_have_text(
        "Не проверено: контрольная точка не подписана опубликованным ключом.")
    await expect(page.locator("#board-steps li.failed")).to_contain_text("Подпись контрольной точки")


async def test_data_is_shown_as_text_never_as_markup(page):
    from playwright.async_api import expect

    assert "innerHTML" not in BOARD_JS and "insertAdjacentHTML" not in BOARD_JS
    bundle = EIGHT.bundles()[0]
    markup = "<img src=x onerror=window.hacked=1>"
    body = _body(bundle["note"]) + f"{markup}\n{markup}\n"  # the extension named twice: its name in the error
    bundle["note"] = SIGNER.sign(body)
    result = await _open(page, bundle)
    assert result["steps"][-1]["code"] == "note_format"
    await expect(page.locator("#board-steps li.failed")).to_contain_text(markup.split(" ")[0])
    assert await page.locator("#board-steps img, #board-verdict img").count() == 0
    assert await page.evaluate("window.hacked") is None
    assert page.refused == []


async def test_a_page_without_a_proof_is_left_alone_and_a_broken_one_fails(page):
    from playwright.async_api import expect

    assert await _open(page) is None
    await expect(page.locator("#board-verdict")).to_have_text("")
    result = await _open(page, "{not json")
    assert not result["ok"] and result["steps"] == []
    await expect(page.locator("#board-verdict")).to_have_class("failed")
    await expect(page.locator("#board-verdict")).to_have_text(
        "Not verified: the proof on the page is malformed (not JSON).")


async def test_the_boards_own_python_bundles_verify_in_the_browser(page):
    merkle = pytest.importorskip("board.merkle")
    rows_module = pytest.importorskip("board.rows")
    checkpoint = pytest.importorskip("board.checkpoint")
    rows = [rows_module.BoardRow(**sample_row(i)) for i in range(9)]
    log = merkle.MerkleLog.of_leaves(row.leaf() for row in rows)
    signer = checkpoint.Signer(ORIGIN, bytes(range(32)))
    note = signer.sign(checkpoint.Checkpoint.of_publication(ORIGIN, log.size, log.root(), publication=1,
                                                            rules_sha256="ab" * 32, results_sha256="cd" * 32))
    bundles = [{"row": row._asdict(), "index": i, "size": log.size, "note": note, "vkey": signer.vkey,
                "path": [b64(h) for h in log.inclusion_proof(i, log.size)]} for i, row in enumerate(rows)]
    await _open(page)
    results = await page.evaluate("bundles => Promise.all(bundles.map(b => Board.checkBundle(b)))", bundles)
    assert [r["error"] for r in results] == [""] * len(rows)
    ours = Board(9, Signer(ORIGIN, Ed25519PrivateKey.from_private_bytes(bytes(range(32)))))
    assert (ours.note(), ours.signer.vkey()) == (note, signer.vkey)  # the tests' notes are the board's, byte for byte
