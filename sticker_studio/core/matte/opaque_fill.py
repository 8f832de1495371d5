"""Flat fills far from the paper are opaque: a floor of 1 inside them (issue 24).

A drawing's fills are flat colours; a network unsure of a mid-grey (a spider web's strands, a
grey pin) calls them partly transparent, and the colour floor
(:mod:`sticker_studio.core.matte.alpha_floor`) only lifts them to the least opacity their colour
needs over the paper (~0.6 for a slate grey on white), while the artist drew them opaque. A
translucent wash is a flat colour too, so only patches the estimate itself mostly keeps are
raised, and only inside them (their anti-aliased edge stays the estimate's), and only beyond the
loose tolerance (paper's light and texture never count). Unlike the colour floor it needs no flat
paper: a flat fill on textured paper is told by its flatness. numpy + scipy only.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from sticker_studio.core.matte.layout_prior import LayoutPrior

#: a pixel is flat when its local grain (5×5 luminance standard deviation) is at most this (grey levels)
FLAT_GRAIN = 0.6
#: pixels this far (at 512², at least 1) inside a far-from-paper area are its inside
INSIDE_512 = 2
#: a flat patch is raised when the estimate's mean alpha over it is at least this
KEPT_SHARE = 0.6
#: ...and it holds at least this many pixels (at 512²)
MIN_PATCH_512 = 64


def raise_flat_fills(rgb: np.ndarray, alpha: np.ndarray, priors: list[LayoutPrior]) -> np.ndarray:
    """``alpha`` (N, H, W) with the inside of every flat, far-from-paper patch the estimate mostly
    keeps raised to 1."""
    from sticker_studio.core.matte.background import local_grain

    if not priors:
        return alpha
    out = alpha.astype(np.float32, copy=True)
    for t, prior in enumerate(priors):
        h, w = prior.distance.shape
        scale = max(h, w) / 512
        far = prior.distance >= prior.tolerances.loose
        if not far.any():
            continue
        depth = max(1, int(round(INSIDE_512 * scale)))
        inside = ndimage.binary_erosion(far, iterations=depth)
        ys, xs = np.nonzero(inside)
        if ys.size == 0:
            continue
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        cand = np.zeros((h, w), bool)
        cand[y0:y1, x0:x1] = inside[y0:y1, x0:x1] & (local_grain(rgb[t][y0:y1, x0:x1], max(h, w)) <= FLAT_GRAIN)
        labels, count = ndimage.label(cand)
        if count == 0:
            continue
        sizes = np.bincount(labels.ravel(), minlength=count + 1)
        sums = np.bincount(labels.ravel(), weights=out[t].ravel(), minlength=count + 1)
        good = (sizes >= max(4.0, MIN_PATCH_512 * scale * scale)) & (sums >= KEPT_SHARE * np.maximum(sizes, 1))
        good[0] = False
        out[t][good[labels]] = 1.0
    return out
