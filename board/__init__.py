"""The public board: every counted ballot as an anonymous row of an append-only, signed log.

Pure Python like `counting/`: nothing here imports aiogram, SQLAlchemy or the rest of the
project, so anyone can check a published board with it and the downloaded files alone.

    merkle.MerkleLog          the RFC 9162 Merkle tree over the rows; inclusion and consistency proofs
    rows.BoardRow             a row's ten fields, its leaf encoding, CSV and JSON Lines
    checkpoint.Signer         C2SP checkpoints in Ed25519 signed notes; open_note(...) verifies one
    files.write_board(...)    the open-data directory, and read_board(...)
    audit.verify_board(...)   the stand-alone verifier
"""
