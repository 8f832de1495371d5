"""A still drawing added to a pack as a sticker: cut out from its paper first.

A drawing made on paper (no alpha: a scan, a photo, a JPEG) would otherwise go into the pack
— and out of the export — as a white square. :func:`cut_drawing_for_pack` cuts it out by the
same :func:`~sticker_studio.engine.matting.cutout.cut_out` the app's reference panel and
``animate`` use (line art for a sketch on paper, else the model, else the colour key; opaque
pixel art on a flat colour keyed exactly, its hard edges kept). An image that already has
transparency, an animation and ``Background.NONE`` are kept as they are. A cut-out that comes
out blank raises :class:`~sticker_studio.core.errors.BlankOutputError`: it is never a success.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sticker_studio.core.sticker import Sticker
from sticker_studio.core.visibility import ensure_visible
from sticker_studio.engine.matting.cutout import (
    Background,
    MattingHeadCache,
    automatic_background,
    cut_out,
    needs_cut_out,
)

#: a border this light (every channel's median, 0..255) is paper
PAPER_LEVEL = 200
#: ... and this light and grey (channels within ``WHITE_SPREAD``) is white paper
WHITE_LEVEL = 232
WHITE_SPREAD = 14
BLANK_CAUSES = ("the drawing has no subject that stands out from its paper",
                "the background removal took the subject: try another background method")


@dataclass(frozen=True)
class DrawingCut:
    """What :func:`cut_drawing_for_pack` made: the sticker for the pack and how."""

    sticker: Sticker
    #: the method that cut it; ``None`` when it was kept as it is
    background: Background | None = None
    #: opaque pixel art whose flat background colour was keyed exactly
    pixel_art: bool = False
    #: what it was cut from, as a person says it ("white paper", "paper", "background")
    paper: str = "background"

    @property
    def was_cut(self) -> bool:
        return self.background is not None or self.pixel_art

    def note(self) -> str:
        """One phrase for the CLI and the status line ("cut out from its white paper"); "" when kept."""
        if not self.was_cut:
            return ""
        how = ("pixel art, hard edges kept" if self.pixel_art
               else self.background.label.lower() if self.background is not None else "")
        return f"cut out from its {self.paper} ({how})"


def paper_name(frame: np.ndarray) -> str:
    """What the border of ``frame`` (an opaque drawing) looks like: "white paper", "paper" or "background"."""
    rgb = frame[..., :3]
    border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]]).astype(np.int32)
    median = np.median(border, axis=0)
    if median.min() >= WHITE_LEVEL and median.max() - median.min() <= WHITE_SPREAD:
        return "white paper"
    return "paper" if median.min() >= PAPER_LEVEL else "background"


def keyed_pixel_art(sticker: Sticker) -> Sticker | None:
    """An opaque pixel-art ``sticker`` on one flat background colour with that colour made transparent
    (exact, hard edges kept, where a matte would blur a sprite); None when it is no such sprite."""
    from sticker_studio.core.pixelart import key_flat_background, looks_like_pixel_art

    if not looks_like_pixel_art(sticker.frames[:1]):
        return None
    keyed = key_flat_background(sticker.frames)
    if keyed is None:
        return None
    return Sticker(keyed, list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata))


def cut_drawing_for_pack(sticker: Sticker, background: Background | str | None = None,
                         heads: MattingHeadCache | None = None, *, regions: bool = True) -> DrawingCut:
    """``sticker`` as a pack's sticker: a still without useful alpha cut out (see the module).

    ``background`` ``None``: chosen as the app's reference does (:func:`automatic_background`),
    falling back to the colour key without a model; a method named must work. ``sticker`` itself
    is never changed (the user's file neither). Raises ``BlankOutputError`` when nothing is left.
    """
    method = None if background is None else Background.parse(background)
    if sticker.is_animated or method is Background.NONE or not needs_cut_out(sticker):
        return DrawingCut(sticker)
    paper = paper_name(sticker.frames[0])
    if method is None:
        keyed = keyed_pixel_art(sticker)
        if keyed is not None:
            ensure_visible(keyed, "the cut-out", BLANK_CAUSES)
            return DrawingCut(keyed, None, True, paper)
        method = automatic_background(sticker, heads)
    cut = cut_out(sticker, method, heads, regions=regions, fallback=background is None, keep_if_empty=False)
    ensure_visible(cut.sticker, "the cut-out", BLANK_CAUSES)
    if cut.background is None:  # nothing was cut (it should not happen for a still without alpha)
        return DrawingCut(sticker)
    return DrawingCut(cut.sticker, cut.background, False, paper)
