"""A character animation framed on a square sticker canvas, the subject as large as the presets make it.

:func:`~sticker_studio.core.puppet.animate.animate_character` returns the drawing's own
canvas, grown evenly on both sides when the motion reaches past it: a wide drawing that
hops gets as much empty room below as above, a drawing with wide transparent margins
keeps them, and fitting that canvas into the sticker left the subject small. Here the
frames are cropped to where the motion actually goes (the union of every frame's visible
pixels), scaled so the drawing's longer side at rest is ``subject_size`` of the canvas,
as the whole-body presets do (``--subject-size``, the pack's subject size), or less when
the motion needs the room, and centred. Every frame is cropped and scaled alike, so
nothing jitters. Pixel art scales by whole multiples, nearest-neighbour.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

import numpy as np

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import Sticker

#: Room kept free along each edge, as a fraction of the canvas side (as the presets' margin).
DEFAULT_MARGIN = 0.03


@dataclass(frozen=True)
class CharacterFraming:
    """How the animation was placed: crop box in its own canvas, scale, top-left on the sticker."""

    side: int
    crop: tuple[int, int, int, int]   # x0, y0, x1, y1 in the animation's canvas
    scale: float                      # sticker pixels per drawing pixel
    at: tuple[int, int]               # where the scaled crop's top-left sits on the sticker
    size: tuple[int, int]             # the scaled crop's width and height
    subject_size: float               # the drawing's longer side at rest / side, as made


def _box(alpha: np.ndarray) -> tuple[int, int, int, int] | None:
    rows = np.flatnonzero(alpha.any(1))
    if len(rows) == 0:
        return None
    cols = np.flatnonzero(alpha.any(0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def plan_framing(sticker: Sticker, rest_box: tuple[int, int, int, int], side: int, subject_size: float,
                 margin: float = DEFAULT_MARGIN, pixel_art: bool = False) -> CharacterFraming:
    """Where to crop and how much to scale; ``rest_box`` is the drawing's visible box at rest (its canvas)."""
    if side < 16:
        raise InvalidInputError(f"the sticker side must be at least 16 px, got {side}")
    if not 0.05 <= subject_size <= 1.0:
        raise InvalidInputError(f"subject size is a fraction of the canvas between 0.05 and 1, got {subject_size}")
    union = np.zeros(sticker.frames[0].shape[:2], bool)
    for f in sticker.frames:
        union |= f[..., 3] > 0
    crop = _box(union)
    if crop is None:
        raise InvalidInputError("the animation has no visible pixels to frame")
    return plan_for_crop(crop, rest_box, side, subject_size, margin, pixel_art)


def plan_for_crop(crop: tuple[int, int, int, int], rest_box: tuple[int, int, int, int], side: int,
                  subject_size: float, margin: float = DEFAULT_MARGIN, pixel_art: bool = False) -> CharacterFraming:
    """:func:`plan_framing` for a known crop box (where the motion goes, x0, y0, x1, y1)."""
    if side < 16:
        raise InvalidInputError(f"the sticker side must be at least 16 px, got {side}")
    if not 0.05 <= subject_size <= 1.0:
        raise InvalidInputError(f"subject size is a fraction of the canvas between 0.05 and 1, got {subject_size}")
    cw, ch = crop[2] - crop[0], crop[3] - crop[1]
    rest_long = max(rest_box[2] - rest_box[0], rest_box[3] - rest_box[1], 1)
    room = side - 2 * max(2.0, margin * side)
    scale = subject_size * side / rest_long
    scale = min(scale, room / cw, room / ch)  # the motion needs the room: the drawing shrinks as little as needed
    if pixel_art and scale >= 1.0:
        scale = float(math.floor(scale + 1e-9))
    w = max(1, min(side, int(round(cw * scale))))
    h = max(1, min(side, int(round(ch * scale))))
    at = ((side - w) // 2, (side - h) // 2)
    return CharacterFraming(side, crop, scale, at, (w, h), round(rest_long * scale / side, 4))


def frame_character(sticker: Sticker, rest_box: tuple[int, int, int, int], side: int = 512,
                    subject_size: float = 0.8, margin: float = DEFAULT_MARGIN,
                    pixel_art: bool | None = None) -> Sticker:
    """The animation on a ``side`` x ``side`` canvas, the subject at ``subject_size`` (see the module docstring)."""
    art = bool(sticker.metadata.get("pixel_art")) if pixel_art is None else bool(pixel_art)
    plan = plan_framing(sticker, rest_box, side, subject_size, margin, art)
    x0, y0, x1, y1 = plan.crop
    out = []
    done: dict[bytes, np.ndarray] = {}  # a frame equal to an earlier one (a blink's open eyes) is not resampled
    for f in sticker.frames:
        piece = f[y0:y1, x0:x1]
        key = hashlib.blake2b(np.ascontiguousarray(piece).data, digest_size=16).digest()
        if key in done:
            out.append(done[key].copy())
            continue
        canvas = place_scaled(piece, plan, art)
        done[key] = canvas
        out.append(canvas)
    meta = dict(sticker.metadata)
    meta.pop("canvas_padding", None)  # of the unframed canvas
    meta.update({"subject_size": plan.subject_size, "pixel_scale": round(plan.scale, 4)})
    return Sticker(out, list(sticker.durations_ms), sticker.loop_count, meta)


def place_scaled(piece: np.ndarray, plan: CharacterFraming, pixel_art: bool) -> np.ndarray:
    """``piece`` (the crop of one frame) scaled and placed on the sticker canvas as :func:`frame_character` does."""
    from sticker_studio.core import pixelart
    from sticker_studio.core.imageops import resize_rgba

    w, h = plan.size
    ax, ay = plan.at
    side = plan.side
    if pixel_art and plan.scale >= 1.0 and float(plan.scale).is_integer():
        scaled = pixelart.scale_nearest(piece, int(plan.scale))
    elif pixel_art:
        from PIL import Image

        scaled = resize_rgba(piece, w, h, Image.Resampling.NEAREST)
    else:
        scaled = resize_rgba(piece, w, h)
    canvas = np.zeros((side, side, 4), np.uint8)
    sh, sw = min(side - ay, scaled.shape[0]), min(side - ax, scaled.shape[1])
    canvas[ay:ay + sh, ax:ax + sw] = scaled[:sh, :sw]
    return canvas


def rest_box_of(drawing: np.ndarray, padding: tuple[int, int] = (0, 0)) -> tuple[int, int, int, int]:
    """The drawing's visible box, moved by the canvas padding ``animate_character`` added."""
    box = _box(drawing[..., 3] > 0)
    if box is None:
        raise InvalidInputError("the drawing is fully transparent: there is nothing to frame")
    px, py = padding
    return box[0] + px, box[1] + py, box[2] + px, box[3] + py
