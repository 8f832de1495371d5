"""Never call a blank output a success: a sticker with no visible subject is an error.

A frame is *visible* when at least :data:`MIN_VISIBLE_PIXELS` pixels (or
:data:`MIN_VISIBLE_SHARE` of its pixels, whichever is more) have alpha ≥
:data:`VISIBLE_ALPHA` and at least one pixel is clearly there (alpha ≥ :data:`SOLID_ALPHA`): a
frame that is all faint haze (a photo cut out as if it were a pencil sketch) shows nothing.
A sticker none of whose frames is visible (fully transparent, or a few specks and a faint haze) is
refused with :class:`BlankOutputError`, naming the likely causes, before anything is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from sticker_studio.core.errors import StickerStudioError

VISIBLE_ALPHA = 32
SOLID_ALPHA = 96
MIN_VISIBLE_PIXELS = 16
MIN_VISIBLE_SHARE = 0.001


class BlankOutputError(StickerStudioError):
    """The result has no visible subject (all or nearly all transparent)."""


def frame_is_visible(rgba: np.ndarray) -> bool:
    if rgba.ndim != 3 or rgba.shape[2] < 4:
        return True  # no alpha channel: every pixel shows
    need = max(MIN_VISIBLE_PIXELS, int(MIN_VISIBLE_SHARE * rgba.shape[0] * rgba.shape[1]))
    alpha = rgba[..., 3]
    if alpha.dtype == np.uint8 and int(alpha.max(initial=0)) < SOLID_ALPHA:
        return False
    return int(np.count_nonzero(alpha >= VISIBLE_ALPHA)) >= need


def any_visible(frames: Iterable[np.ndarray]) -> bool:
    return any(frame_is_visible(f) for f in frames)


#: The likely causes by how the alpha was made.
MATTING_CAUSES: dict[str, tuple[str, ...]] = {
    "colorkey": ("the subject is the colour of the paper/background (the colour key removed it with the paper)",
                 "the background is not flat — try the default matting model (--background model)"),
    "lineart": ("the drawing is too faint or the colour of the paper (line art keeps only marks darker than "
                "the paper)", "it is not pencil/ink on paper — try --background model or --background colour-key"),
    "model": ("the subject is the colour of the paper/background",
              "the input has no subject on a flat background — try --background colour-key or --background line-art"),
}


def ensure_visible(sticker: object, what: str = "the result", causes: Sequence[str] = ()) -> None:
    """Raise :class:`BlankOutputError` when no frame of ``sticker`` (a Sticker or frames) shows anything."""
    frames = getattr(sticker, "frames", sticker)
    if any_visible(frames):  # type: ignore[arg-type]
        return
    likely = "; or ".join(causes) if causes else "the input has no subject that stands out from its background"
    raise BlankOutputError(f"{what} came out blank (no visible subject: every frame is transparent or nearly); "
                           f"nothing was written. Likely cause: {likely}")
