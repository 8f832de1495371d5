"""Removing a reference drawing's background before it is animated.

A JPEG (or an all-opaque PNG) has no alpha: animating it as-is gives a moving white
card. :func:`cut_out` makes the cut-out with the method the user picked in the
reference panel: the bundled matting head, the colour key, line art ("colour to
alpha"), or none. :class:`MattingHeadCache` loads the head once per session and
remembers when none is installed, so the default falls back to the colour key.
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np

from sticker_studio.core.background import has_useful_alpha, remove_background_colorkey
from sticker_studio.core.errors import StickerStudioError
from sticker_studio.core.sticker import Sticker

log = logging.getLogger(__name__)

MODEL = "model"
COLOURKEY = "colorkey"
LINEART = "lineart"
NONE = "none"
#: (method id, what the user reads), in the order the panel lists them
BACKGROUND_METHODS: list[tuple[str, str]] = [
    (MODEL, "Model"), (COLOURKEY, "Colour key"), (LINEART, "Line art"), (NONE, "None"),
]

#: a cut-out keeping less than this share of opaque pixels is not used
MIN_KEPT_SHARE = 0.005


class MattingHeadCache:
    """The bundled matting head, loaded at most once; ``None`` when it is not installed."""

    def __init__(self) -> None:
        self._head: Any | None = None
        self._tried = False

    def head(self) -> Any | None:
        if not self._tried:
            self._tried = True
            try:
                from sticker_studio.engine.matting import load_matting_head

                self._head = load_matting_head()
            except (StickerStudioError, ImportError, OSError) as error:
                log.info("no matting head, using the colour key: %s", error)
                self._head = None
        return self._head


def needs_cut_out(sticker: Sticker) -> bool:
    """Whether ``sticker``'s first frame lacks an alpha that cuts anything out."""
    return not has_useful_alpha(sticker.frames[0])


def _matte_with_head(sticker: Sticker, head: Any) -> list[np.ndarray]:
    from sticker_studio.engine.matting import flatten_on_white, head_uses_prior, matte_sticker, matte_with_prior

    if head_uses_prior(head):
        return list(matte_with_prior(flatten_on_white(sticker.frames), head).rgba)
    return list(matte_sticker(sticker, head).frames)


def cut_out(sticker: Sticker, method: str, heads: MattingHeadCache) -> Sticker:
    """``sticker`` with its background removed by ``method``; unchanged when it has alpha or ``method`` is none.

    ``model`` without an installed head uses the colour key. A cut-out that would leave
    (almost) nothing keeps the image as it is. A background the colour
    key cannot find (not flat) raises :class:`InvalidInputError` with a message.
    """
    if method == NONE or not needs_cut_out(sticker):
        return sticker
    head = heads.head() if method == MODEL else None
    if head is not None:
        frames = _matte_with_head(sticker, head)
        used = MODEL
    elif method == LINEART:
        from sticker_studio.core.lineart import lineart_alpha

        frames = [lineart_alpha(f[..., :3]) for f in sticker.frames]
        used = LINEART
    else:
        frames = [remove_background_colorkey(f) for f in sticker.frames]
        used = COLOURKEY
    if float(np.mean(frames[0][..., 3] > 127)) < MIN_KEPT_SHARE:
        log.info("removing the background with %s left nothing: the image is kept as it is", used)
        return sticker  # e.g. a flat colour fill: it is all "background", and an empty sticker helps no one
    out = Sticker(frames, list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata))
    out.metadata["background"] = used
    return out
