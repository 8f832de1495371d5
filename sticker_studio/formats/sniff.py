"""Recognise a file's container from its first bytes, never from its name."""

from __future__ import annotations

#: containers decoded by ffmpeg rather than Pillow
VIDEO_KINDS = frozenset({"webm", "mp4", "mov", "avi"})


def sniff_kind(head: bytes) -> str | None:
    """'png', 'gif', 'webp', 'jpeg', 'webm', 'mp4', 'mov', 'bmp', 'tiff', 'avi' or None."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "avi"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        return "mov" if brand == b"qt  " else "mp4"
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free"):
        return "mov"
    if head.startswith(b"BM"):
        return "bmp"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    return None


def is_apng(data: bytes) -> bool:
    """True for a PNG whose chunks include ``acTL`` before the first ``IDAT``."""
    pos = 8
    while pos + 8 <= len(data):
        length = int.from_bytes(data[pos:pos + 4], "big")
        ctype = data[pos + 4:pos + 8]
        if ctype == b"acTL":
            return True
        if ctype in (b"IDAT", b"IEND"):
            return False
        pos += 12 + length
    return False


def png_color_type(data: bytes) -> int | None:
    """The IHDR colour type byte (6 = RGBA, 3 = palette, 2 = RGB, 4 = grey+alpha, 0 = grey)."""
    if len(data) < 26 or not data.startswith(b"\x89PNG\r\n\x1a\n") or data[12:16] != b"IHDR":
        return None
    return data[25]
