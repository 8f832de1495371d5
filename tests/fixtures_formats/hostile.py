"""Hostile inputs made on the fly: tiny files that decode to huge frame stacks.

* :func:`many_frame_gif` - a GIF whose every frame paints one pixel of a big canvas
  (1,999 frames on 447 x 447 is about 50 KB on disk and 1.6 GB decoded as RGBA).
"""

from __future__ import annotations

import struct
from pathlib import Path


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


