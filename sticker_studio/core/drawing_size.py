"""The smallest drawing the app cuts out, rigs or animates: one clear line for a tiny input.

A 1×1 or 8×8 image has no subject to cut off its paper and nothing to rig; without this check
it reached the matting, the mesh or the rig and failed there with a message about a blank
cut-out or a mesh, which does not tell the user what to do.
"""

from __future__ import annotations

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import Sticker

#: a drawing narrower or lower than this (pixels) is refused
MIN_DRAWING_SIDE = 16


class DrawingTooSmallError(InvalidInputError):
    """The input image is smaller than :data:`MIN_DRAWING_SIDE` on a side."""


def too_small_message(width: int, height: int, name: str = "the image") -> str:
    return (f"{name} is {width}x{height} pixels: too small to cut out, rig or animate; use a drawing at least "
            f"{MIN_DRAWING_SIDE}x{MIN_DRAWING_SIDE} pixels (scale it up first, e.g. pixel art by a whole multiple)")


def check_drawing_size(sticker: Sticker, name: str = "the image") -> None:
    """Raise :class:`DrawingTooSmallError` when ``sticker`` is under :data:`MIN_DRAWING_SIDE` on a side."""
    if min(sticker.width, sticker.height) < MIN_DRAWING_SIDE:
        raise DrawingTooSmallError(too_small_message(sticker.width, sticker.height, name))
