"""Alpha can be no lower than the pixel's colour demands: a floor under an estimated matte.

Over a known, flat background B a pixel C = a·F + (1−a)·B needs at least the opacity that
:func:`sticker_studio.core.matte.lineart.least_opacity` gives (pure blue on white paper: 1). A
network may still call such a pixel partly transparent (a thin, saturated, outline-free
shape reads to it like a glow); raising its alpha to the floor is never wrong there. The
floor is only applied where it is safe: the border must be one flat colour (so B is the
background everywhere, not just at the border) and the pixel must be further from B than
the layout prior's loose tolerance, so uneven paper light and JPEG noise near the
background colour never turn into a veil. Specks are left to the estimate: a connected patch
of such pixels smaller than :data:`SPECK_PIXELS_512` is raised only if the estimate keeps it
(mean alpha ≥ :data:`KEPT_PATCH`), so dust the network cleaned off the paper stays off, while
a stroke (hundreds of pixels) is raised even where the network faded it. numpy + scipy.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from sticker_studio.core.matte.layout_prior import LayoutPrior
from sticker_studio.core.matte.lineart import least_opacity, paper_margin

#: patches of far-from-the-background pixels smaller than this (at 512² frames; scaled with the
#: frame) are specks: raised only when the estimate keeps them (mean alpha ≥ KEPT_PATCH)
SPECK_PIXELS_512 = 64
KEPT_PATCH = 0.5
#: pixels whose floor is computed at once (its float temporaries are ~70 bytes a pixel)
CHUNK_PIXELS = 1 << 20


def raise_to_colour_floor(rgb: np.ndarray, alpha: np.ndarray, priors: list[LayoutPrior],
                          margin: np.ndarray | None = None) -> np.ndarray:
    """``alpha`` (N, H, W) in [0, 1], raised to the least opacity each pixel's colour needs.

    ``rgb`` (N, H, W, 3) uint8 frames and their :func:`clip_layout_priors`; ``margin``: the
    paper's noise margin if the caller has it (:func:`~sticker_studio.core.matte.lineart.paper_margin`,
    computed here otherwise). Unchanged when
    the background is not flat; otherwise only pixels beyond the loose tolerance move (not
    specks the estimate removed), and only up. Works frame by frame (a float copy of the clip's
    colour is never made).
    """
    if not priors or not priors[0].tolerances.flat:
        return alpha
    out = alpha.astype(np.float32, copy=True)
    if margin is None:
        margin = paper_margin(rgb, priors[0].background)
    for t, prior in enumerate(priors):
        far = prior.distance >= prior.tolerances.loose
        patches, count = ndimage.label(far, structure=np.ones((3, 3), bool))
        if count == 0:
            continue
        sizes = np.bincount(patches.ravel(), minlength=count + 1)
        sums = np.bincount(patches.ravel(), weights=out[t].ravel(), minlength=count + 1)
        speck = max(2.0, SPECK_PIXELS_512 * far.size / (512 * 512))
        kept = (sums >= KEPT_PATCH * np.maximum(sizes, 1)) | (sizes >= speck)
        kept[0] = False
        where = np.flatnonzero(kept[patches])
        colours, frame = rgb[t].reshape(-1, rgb.shape[-1]), out[t].reshape(-1)
        for s in range(0, where.size, CHUNK_PIXELS):  # float temporaries of at most a chunk
            idx = where[s : s + CHUNK_PIXELS]
            frame[idx] = np.maximum(frame[idx], least_opacity(colours[idx], prior.background, margin))
    return out
