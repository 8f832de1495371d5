"""Alpha can be no lower than the pixel's colour demands: a floor under an estimated matte.

Over a known, flat background B a pixel C = a·F + (1−a)·B needs at least the opacity that
:func:`sticker_studio.core.lineart.least_opacity` gives (pure blue on white paper: 1). A
network may still call such a pixel partly transparent (a thin, saturated, outline-free
shape reads to it like a glow); raising its alpha to the floor is never wrong there. The
floor is only applied where it is safe: the border must be one flat colour (so B is the
background everywhere, not just at the border) and the pixel must be further from B than
the layout prior's loose tolerance, so uneven paper light and JPEG noise near the
background colour never turn into a veil. numpy only.
"""

from __future__ import annotations

import numpy as np

from sticker_studio.core.layout_prior import LayoutPrior
from sticker_studio.core.lineart import least_opacity, paper_margin

#: pixels whose floor is computed at once (its float temporaries are ~70 bytes a pixel)
CHUNK_PIXELS = 1 << 20


def raise_to_colour_floor(rgb: np.ndarray, alpha: np.ndarray, priors: list[LayoutPrior]) -> np.ndarray:
    """``alpha`` (N, H, W) in [0, 1], raised to the least opacity each pixel's colour needs.

    ``rgb`` (N, H, W, 3) uint8 frames and their :func:`clip_layout_priors`. Unchanged when
    the background is not flat; otherwise only pixels beyond the loose tolerance move, and
    only up. Works frame by frame (a float copy of the clip's colour is never made).
    """
    if not priors or not priors[0].tolerances.flat:
        return alpha
    out = alpha.astype(np.float32, copy=True)
    margin = paper_margin(rgb, priors[0].background)
    for t, prior in enumerate(priors):
        where = np.flatnonzero(prior.distance >= prior.tolerances.loose)
        colours, frame = rgb[t].reshape(-1, rgb.shape[-1]), out[t].reshape(-1)
        for s in range(0, where.size, CHUNK_PIXELS):  # float temporaries of at most a chunk
            idx = where[s : s + CHUNK_PIXELS]
            frame[idx] = np.maximum(frame[idx], least_opacity(colours[idx], prior.background, margin))
    return out
