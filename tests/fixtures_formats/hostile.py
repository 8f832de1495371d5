"""Hostile inputs made on the fly: tiny files that decode to huge frame stacks.

* :func:`many_frame_gif` - a GIF whose every frame paints one pixel of a big canvas
  (1,999 frames on 447 x 447 is about 50 KB on disk and 1.6 GB decoded as RGBA);
* :func:`many_frame_webp` - the same shape as an animated WebP (libwebp stores only
  the changed rectangle of each frame).
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image


def many_frame_gif(path: Path, frames: int = 1999, side: int = 447, *, delay_cs: int = 4) -> Path:
    """``frames`` frames of ``side`` x ``side``, each a 1 x 1 sub-image at a new place."""
    out = bytearray(b"GIF89a")
    out += struct.pack("<HHBBB", side, side, 0xF1, 0, 0)  # global colour table of 4 entries
    out += bytes([255, 255, 255, 255, 0, 0, 0, 255, 0, 0, 0, 255])
    out += b"\x21\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00"  # loop forever
    for k in range(frames):
        x, y = (k * 7) % side, (k * 13) % side
        out += b"\x21\xf9\x04" + struct.pack("<BHB", 0x04, delay_cs, 0) + b"\x00"  # GCE: keep previous
        out += b"\x2c" + struct.pack("<HHHHB", x, y, 1, 1, 0)
        # LZW, minimum code size 2: clear (4), index 1 + k % 3, end (5), 3 bits each, LSB first
        value = 4 | ((1 + k % 3) << 3) | (5 << 6)
        out += b"\x02\x02" + struct.pack("<H", value) + b"\x00"
    out += b"\x3b"
    path.write_bytes(bytes(out))
    return path


def many_frame_webp(path: Path, frames: int = 1999, side: int = 447, *, duration_ms: int = 40) -> Path:
    """An animated WebP of ``frames`` frames on a ``side`` canvas, one pixel changing per frame."""
    def canvases() -> Iterator[Image.Image]:
        base = np.zeros((side, side, 4), np.uint8)
        base[..., 3] = 255
        for k in range(1, frames):
            base[(k * 13) % side, (k * 7) % side, :3] = (k * 37) % 256
            yield Image.fromarray(base.copy(), "RGBA")

    first = Image.new("RGBA", (side, side), (0, 0, 0, 255))
    first.save(path, format="WEBP", save_all=True, append_images=canvases(), duration=duration_ms,
               loop=0, lossless=True, method=0, minimize_size=False, allow_mixed=False)
    return path
