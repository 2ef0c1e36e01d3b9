"""Files sent through the sandbox: kept in memory and served back by id or by Bot API path."""
from __future__ import annotations

import mimetypes
import secrets
import struct
from dataclasses import dataclass

from sandbox.errors import bad_request

PHOTO_LIMIT = 10 * 1024 * 1024  # Telegram's limit for photos uploaded by bots
DOCUMENT_LIMIT = 50 * 1024 * 1024


@dataclass(frozen=True)
class StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str
    mime_type: str
    data: bytes
    width: int = 0
    height: int = 0

    @property
    def size(self) -> int:
        return len(self.data)

    def as_photo(self) -> list[dict]:
        return [{"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                 "file_size": self.size, "width": self.width, "height": self.height}]

    def as_document(self) -> dict:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "file_name": self.file_name, "mime_type": self.mime_type, "file_size": self.size}

    def as_file(self) -> dict:
        return {"file_id": self.file_id, "file_unique_id": self.file_unique_id,
                "file_size": self.size, "file_path": self.file_path}


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG, JPEG, GIF or WebP image; None if it is not one of those."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        return struct.unpack("<HH", data[6:10])
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and len(data) >= 30:
        if data[12:16] == b"VP8X":
            return (int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1)
        if data[12:16] == b"VP8 ":
            width, height = struct.unpack("<HH", data[26:30])
            return width & 0x3FFF, height & 0x3FFF
        if data[12:16] == b"VP8L":
            bits = int.from_bytes(data[21:25], "little")
            return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    pos = 2
    while pos + 9 < len(data):
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        length = struct.unpack(">H", data[pos + 2:pos + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[pos + 5:pos + 9])
            return width, height
        pos += 2 + length
    return None


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}

    def add_photo(self, data: bytes, file_name: str) -> StoredFile:
        if len(data) > PHOTO_LIMIT:
            raise bad_request("PHOTO_SAVE_FILE_INVALID")
        size = image_size(data)
        if size is None or 0 in size:
            raise bad_request("IMAGE_PROCESS_FAILED")
        return self._keep(data, file_name or "photo.jpg", "photos", size)

    def add_document(self, data: bytes, file_name: str, mime_type: str | None = None) -> StoredFile:
        if not data:
            raise bad_request("file must be non-empty")
        if len(data) > DOCUMENT_LIMIT:
            raise bad_request("file is too big")
        return self._keep(data, file_name or "document", "documents", None, mime_type)

    def _keep(self, data: bytes, file_name: str, folder: str, size: tuple[int, int] | None,
              mime_type: str | None = None) -> StoredFile:
        mime = mime_type if mime_type and mime_type != "application/octet-stream" else None
        mime = mime or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        number = len(self._by_id)
        extension = mimetypes.guess_extension(mime) or ""
        stored = StoredFile(
            file_id=("AgAC" if size else "BQAC") + secrets.token_urlsafe(24),
            file_unique_id="AQAD" + secrets.token_urlsafe(8),
            file_path=f"{folder}/file_{number}{extension}",
            file_name=file_name, mime_type=mime, data=data,
            width=size[0] if size else 0, height=size[1] if size else 0,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)
