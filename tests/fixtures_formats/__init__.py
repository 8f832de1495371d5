"""Fixture generators for the formats tests: small stickers and hostile/odd files made on the fly."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
from PIL import Image

from sticker_studio.core.sticker import Sticker


def moving_disc(n: int = 8, size: int = 64, fps: float = 10.0, *, loop_count: int = 0) -> Sticker:
    """A coloured disc with soft edges moving right on transparency; each frame distinct."""
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    frames = []
    for k in range(n):
        cx = size * (0.3 + 0.4 * k / max(1, n - 1))
        d = np.hypot(xx - cx, yy - size / 2) - size * 0.25
        a = np.clip(0.5 - d, 0, 1)
        f = np.zeros((size, size, 4), np.uint8)
        f[..., 0] = 220
        f[..., 1] = np.uint8(40 + 20 * k % 200)
        f[..., 2] = (xx / size * 200).astype(np.uint8)
        f[..., 3] = (a * 255 + 0.5).astype(np.uint8)
        frames.append(f)
    return Sticker.from_frames(frames, fps=fps, loop_count=loop_count)


def numbered_frames(n: int, size: int = 16) -> list[np.ndarray]:
    """Opaque frames whose red channel encodes their index (k * 10), easy to identify after decoding."""
    return [np.dstack([np.full((size, size), k * 10 % 256, np.uint8), np.zeros((size, size), np.uint8),
                       np.full((size, size), 128, np.uint8), np.full((size, size), 255, np.uint8)])
            for k in range(n)]


def frame_id(frame: np.ndarray) -> int:
    return int(round(float(frame[..., 0].mean()) / 10.0))


def write_gif(path: Path, frames: list[np.ndarray], durations: list[int], *, loop: int | None = 0) -> Path:
    images = [Image.fromarray(f[..., :3], "RGB") for f in frames]
    params = dict(save_all=True, append_images=images[1:], duration=durations, optimize=False)
    if loop is not None:
        params["loop"] = loop
    images[0].save(path, **params)
    return path


def palette_gif_with_transparency(path: Path, n: int = 4, size: int = 24) -> Path:
    """Palette frames where index 0 is transparent and a square moves across."""
    images = []
    for k in range(n):
        idx = np.zeros((size, size), np.uint8)
        idx[4:12, 2 + 3 * k: 10 + 3 * k] = 1
        idx[14:20, 4:20] = 2
        im = Image.fromarray(idx, "P")
        im.putpalette([0, 0, 0, 255, 0, 0, 0, 0, 255] + [0] * (253 * 3))
        images.append(im)
    images[0].save(path, save_all=True, append_images=images[1:], duration=80, loop=0, transparency=0, disposal=2)
    return path


def png_chunk(ctype: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + ctype + data + struct.pack(">I", zlib.crc32(ctype + data) & 0xFFFFFFFF)


def bomb_png(width: int, height: int) -> bytes:
    """A valid-looking PNG header claiming a huge size (a decompression-bomb header)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")


def palette_apng(path: Path, n: int = 4, size: int = 32) -> Path:
    """An APNG stored as palette (colour type 3): what Signal must reject."""
    images = []
    for k in range(n):
        im = Image.new("P", (size, size), 0)
        im.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
        im.paste(1, (k * 4, 0, k * 4 + 8, 8))
        images.append(im)
    images[0].save(path, save_all=True, append_images=images[1:], duration=100, loop=0, transparency=0)
    return path
