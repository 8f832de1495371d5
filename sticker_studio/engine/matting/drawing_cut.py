"""The one cut-out chooser: a drawing (a still or an animation) cut off its paper, the same way
in the CLI (``animate``, ``rig``, ``pack add``) and in the app (a drop into the pack, Ctrl+I,
``gui FILE``).

A drawing made on paper (no alpha: a scan, a photo, a JPEG, a GIF on white) would otherwise go
into the pack — and out of the export — as a white square. :func:`cut_drawing` cuts it out by
:func:`~sticker_studio.engine.matting.cutout.cut_out` with the method :func:`choose_background`
picks (line art for a sketch on paper, else the model when the bundled head takes the layout
prior, else the colour key; opaque pixel art on a flat colour keyed exactly, its hard edges
kept). An image that already has transparency and ``Background.NONE`` are kept as they are. A
cut-out that comes out blank raises :class:`~sticker_studio.core.errors.BlankOutputError`: it is
never a success; an image under 16 px on a side raises
:class:`~sticker_studio.core.drawing_size.DrawingTooSmallError`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sticker_studio.core.drawing_size import check_drawing_size
from sticker_studio.core.progress import ProgressCallback
from sticker_studio.core.sticker import Sticker
from sticker_studio.core.visibility import any_visible, ensure_visible
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
    #: the method was chosen here (:func:`choose_background`), not named by the user
    chosen: bool = False

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


def choose_background(sticker: Sticker, heads: MattingHeadCache | None = None) -> Background:
    """How a drawing the user has not chosen a method for is cut out — the one rule the CLI
    (``animate``, ``rig``, ``pack add``) and the app (its reference, a drop into the pack) share:
    line art for a sketch on paper, else the model when the bundled head takes the layout prior,
    else the colour key (:func:`~sticker_studio.engine.matting.cutout.automatic_background`).
    Opaque pixel art on a flat colour is keyed before this is asked (:func:`cut_drawing`)."""
    return automatic_background(sticker, heads)


def cut_drawing(sticker: Sticker, background: Background | str | None = None,
                heads: MattingHeadCache | None = None, *, progress: ProgressCallback | None = None,
                causes: tuple[str, ...] = BLANK_CAUSES) -> DrawingCut:
    """``sticker`` (a still or an animation) cut off its paper when its first frame has no useful alpha.

    ``background`` ``None``: opaque pixel art on a flat colour keyed exactly, else
    :func:`choose_background`, falling back to the colour key without a model; a method named
    must work (the model asked for by name and not installed raises ``ModelNotFoundError``). An
    image that already has transparency and ``Background.NONE`` are kept as they are; ``sticker``
    itself is never changed. An animation is cut out frame by frame through the head's temporal
    window (streamed: no clickable regions). Raises ``BlankOutputError`` (with ``causes``) when
    nothing is left.
    """
    check_drawing_size(sticker)
    method = None if background is None else Background.parse(background)
    if method is Background.NONE or not needs_cut_out(sticker):
        return DrawingCut(sticker)
    paper = paper_name(sticker.frames[0])
    if method is None:
        keyed = keyed_pixel_art(sticker)
        if keyed is not None:
            ensure_visible(keyed, "the cut-out", causes)
            return DrawingCut(keyed, None, True, paper, chosen=True)
        method = choose_background(sticker, heads)
    cut = cut_out(sticker, method, heads, regions=False, fallback=background is None, keep_if_empty=False,
                  progress=progress)
    if background is None and method is Background.LINE_ART and not any_visible(cut.sticker.frames):
        # taken for a sketch but line art left nothing (a grey paperclip on a paper of a near colour):
        # the model (or the colour key) as for any other drawing, not an error
        method = Background.MODEL if (heads if heads is not None else MattingHeadCache()).uses_prior() \
            else Background.COLOUR_KEY
        cut = cut_out(sticker, method, heads, regions=False, keep_if_empty=False, progress=progress)
    ensure_visible(cut.sticker, "the cut-out", causes)
    if cut.background is None:  # nothing was cut (it should not happen for an image without alpha)
        return DrawingCut(sticker)
    return DrawingCut(cut.sticker, cut.background, False, paper, chosen=background is None)


def cut_drawing_for_pack(sticker: Sticker, background: Background | str | None = None,
                         heads: MattingHeadCache | None = None, *,
                         progress: ProgressCallback | None = None) -> DrawingCut:
    """``sticker`` as a pack's sticker: :func:`cut_drawing` (stills and animations alike)."""
    return cut_drawing(sticker, background, heads, progress=progress)
