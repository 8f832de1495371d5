"""A small ``multipart/form-data`` encoder for :mod:`urllib.request` (fields and files in memory)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class FilePart:
    """One file of a form: its field name's content, file name and MIME type."""

    filename: str
    data: bytes
    content_type: str = "application/octet-stream"


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


def encode_multipart(fields: Mapping[str, str], files: Mapping[str, FilePart]) -> tuple[bytes, str]:
    """The request body and its ``Content-Type`` header value."""
    boundary = "----sticker-studio-" + secrets.token_hex(12)
    out = bytearray()
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{_quote(name)}\"\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\n").encode()
        out += value.encode("utf-8") + b"\r\n"
    for name, part in files.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{_quote(name)}\";"
                f" filename=\"{_quote(part.filename)}\"\r\nContent-Type: {part.content_type}\r\n\r\n").encode()
        out += part.data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"
