"""Signed checkpoints: the C2SP signed-note vectors, round trips, and what must not verify."""
from __future__ import annotations

import base64
import hashlib

import pytest

from board.checkpoint import Checkpoint, CheckpointError, Signer, Verifier, open_note, verify_note

# c2sp.org/signed-note (github.com/C2SP/C2SP signed-note.md, "Example")
C2SP_VKEY = "example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k"
C2SP_NOTE = ("This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7"
             "Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n")
# golang.org/x/mod/sumdb/note note_test.go (TestSign): a private key (0x01 ‖ seed), its vkey and
# the exact note it signs (Ed25519 is deterministic)
GO_SKEY = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
GO_NOTE = GO_TEXT + ("\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotp"
                     "RZb6KE6RyyBwJnAM=\n")

SIGNER = Signer("board.example/poll-7", bytes(range(32)))
ROOT = hashlib.sha256(b"root").digest()
CHECKPOINT = Checkpoint.of_publication("board.example/poll-7", 412345, ROOT, publication=2,
                                       rules_sha256="a" * 64, results_sha256="b" * 64)


def test_published_vectors_verify_and_ours_signs_byte_for_byte() -> None:
    assert verify_note(C2SP_NOTE, C2SP_VKEY) == "This is an example message.\n"
    signer = Signer("PeterNeumann", base64.b64decode(GO_SKEY)[1:])
    assert signer.vkey == GO_VKEY
    assert signer.sign_text(GO_TEXT) == GO_NOTE
    assert verify_note(GO_NOTE, GO_VKEY) == GO_TEXT


def test_body_and_signed_note_format() -> None:
    assert CHECKPOINT.body() == (f"board.example/poll-7\n412345\n{base64.b64encode(ROOT).decode()}\n"
                                 f"publication 2\nrules-sha256 {'a' * 64}\nresults-sha256 {'b' * 64}\n")
    note = SIGNER.sign(CHECKPOINT)
    body, signature = note.split("\n\n")
    assert body + "\n" == CHECKPOINT.body()
    dash, name, encoded = signature.rstrip("\n").split(" ")
    assert dash == "\u2014" and name == SIGNER.name
    raw = base64.b64decode(encoded)
    assert len(raw) == 68 and raw[:4] == hashlib.sha256(SIGNER.name.encode() + b"\n\x01" + SIGNER.public_key).digest()[:4]
    key = base64.b64encode(b"\x01" + SIGNER.public_key).decode()
    assert SIGNER.vkey == f"{SIGNER.name}+{raw[:4].hex()}+{key}"


def test_round_trip_and_extensions() -> None:
    opened = open_note(SIGNER.sign(CHECKPOINT), SIGNER.vkey)
    assert opened == CHECKPOINT
    assert (opened.publication, opened.rules_sha256, opened.results_sha256) == (2, "a" * 64, "b" * 64)
    assert opened.extension("publication") == "2" and opened.extension("absent") is None
    signer, seed = Signer.generate("x.example/y")
    assert len(seed) == 32 and Signer("x.example/y", seed).vkey == signer.vkey
    assert open_note(signer.sign(CHECKPOINT), signer.vkey) == CHECKPOINT


@pytest.mark.parametrize(("old", "new"), [
    ("\n412345\n", "\n412346\n"),
    (base64.b64encode(ROOT).decode(), base64.b64encode(hashlib.sha256(b"other").digest()).decode()),
    ("publication 2", "publication 3"),
    ("rules-sha256 a", "rules-sha256 c"),
])
def test_a_tampered_checkpoint_does_not_verify(old: str, new: str) -> None:
    note = SIGNER.sign(CHECKPOINT)
    assert old in note
    with pytest.raises(CheckpointError, match="the signature does not verify: the checkpoint was altered"):
        open_note(note.replace(old, new, 1), SIGNER.vkey)


def test_another_key_does_not_verify() -> None:
    same_name = Signer(SIGNER.name, bytes(range(1, 33)))
    with pytest.raises(CheckpointError, match="the signature does not verify.*signed by another key"):
        open_note(same_name.sign(CHECKPOINT), SIGNER.vkey)
    stranger = Signer("someone.example", bytes(range(1, 33)))
    with pytest.raises(CheckpointError, match="the checkpoint is not signed by board.example/poll-7"):
        open_note(stranger.sign(CHECKPOINT), SIGNER.vkey)
    # a note signed by the board and someone else verifies: unknown signatures are ignored
    both = SIGNER.sign(CHECKPOINT) + stranger.sign(CHECKPOINT).split("\n\n")[1]
    assert open_note(both, SIGNER.vkey) == CHECKPOINT


def test_a_vkey_whose_key_id_is_wrong_is_refused() -> None:
    name, key_id, key = SIGNER.vkey.split("+", 2)
    wrong = f"{name}+{int(key_id, 16) ^ 1:08x}+{key}"
    with pytest.raises(CheckpointError, match="key ID does not match"):
        open_note(SIGNER.sign(CHECKPOINT), wrong)
    with pytest.raises(CheckpointError, match="key ID does not match"):
        Verifier.parse(f"other.example+{key_id}+{key}")
    with pytest.raises(CheckpointError, match="the verifier key is malformed"):
        Verifier.parse("no-plus-signs")


@pytest.mark.parametrize(("body", "message"), [
    ("origin\n12\n", "needs an origin, a size and a root"),
    ("origin\n012\n" + base64.b64encode(ROOT).decode() + "\n", "not a whole number"),
    ("origin\n12\nnot-base64\n", "the root is not a base64 32-byte hash"),
    ("origin\n12\n" + base64.b64encode(ROOT).decode() + "\n\nx\n", "an extension line is empty"),
    ("origin\n12\n" + base64.b64encode(ROOT).decode(), "must end with a newline"),
])
def test_a_malformed_body_is_named(body: str, message: str) -> None:
    with pytest.raises(CheckpointError, match=f"the checkpoint's body is malformed: .*{message}"):
        Checkpoint.parse(body)
    # signed or not, the body is what is refused
    if body.endswith("\n"):
        with pytest.raises(CheckpointError, match="the checkpoint's body is malformed"):
            open_note(SIGNER.sign_text(body), SIGNER.vkey)


def test_a_note_without_signatures_is_malformed() -> None:
    with pytest.raises(CheckpointError, match="the checkpoint is malformed"):
        open_note(CHECKPOINT.body(), SIGNER.vkey)
