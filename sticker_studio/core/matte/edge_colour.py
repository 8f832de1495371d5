"""Edge alpha from the edge's own colour (issue 24).

Across a drawn edge each pixel's colour is a mix of the subject's colour just inside and the
paper's, C = a·F + (1 − a)·B, so where F stands well apart from B the colour itself says a. The
head's alpha across an edge is softer than real art's anti-aliasing (it spreads a one-pixel edge
over three or four, a faint halo round every subject). On the narrow subject-to-paper transitions
(a solid pixel, alpha ≥ :data:`SOLID`, and a clear one, ≤ :data:`CLEAR`, within a few pixels) the
alpha is solved from the colour, with F the mean colour of the solid pixels a little inside around
it and B the paper, where |F − B| ≥ :data:`MIN_CONTRAST`. Broad soft areas (a drop shadow, a glow, steam)
have no such near pair and keep the estimate. numpy + scipy only.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

#: a transition counts when both a solid and a clear pixel lie within this (pixels at 512², at least 1)
REACH_512 = 2
SOLID = 0.95
CLEAR = 0.05
#: F is taken this far (pixels at 512², at least 1) inside the solid area, past its own anti-aliasing
INSET_512 = 2
#: the least RGB distance between F and the paper for the colour to decide
MIN_CONTRAST = 60.0


def alpha_from_edge_colour(rgb: np.ndarray, alpha: np.ndarray, background: np.ndarray,
                           frozen: list[np.ndarray] | None = None,
                           min_contrast: float = MIN_CONTRAST) -> np.ndarray:
    """``alpha`` (N, H, W) in [0, 1] with its narrow edge transitions solved from the colour of
    ``rgb`` (N, H, W, 3) uint8 over ``background`` (3,) in [0, 1]; ``frozen`` per frame the pixels
    to leave (what the region vote decided); ``min_contrast``: see :data:`MIN_CONTRAST`."""
    out = alpha.astype(np.float32, copy=True)
    b = np.asarray(background, np.float32) * 255.0
    for t in range(out.shape[0]):
        partial = (out[t] > CLEAR) & (out[t] < SOLID)
        if frozen is not None:
            partial &= ~frozen[t]
        ys, xs = np.nonzero(partial)
        if ys.size == 0:
            continue
        scale = max(out[t].shape) / 512
        reach = max(1, int(round(REACH_512 * scale)))
        inset = max(1, int(round(INSET_512 * scale)))
        pad = 2 * (reach + inset) + 2
        box = (slice(max(0, int(ys.min()) - pad), int(ys.max()) + pad + 1),
               slice(max(0, int(xs.min()) - pad), int(xs.max()) + pad + 1))
        a = out[t][box]  # a view: written in place
        size = 2 * reach + 1
        solid = a >= SOLID
        edge = partial[box] & ndimage.maximum_filter(solid, size=size)
        edge &= ndimage.maximum_filter(a <= CLEAR, size=size)
        if not edge.any():
            continue
        # F: the mean colour of the solid pixels a little inside, around each edge pixel
        inner = ndimage.binary_erosion(solid, iterations=inset).astype(np.float32)
        window = 2 * (reach + inset) + 1
        count = ndimage.uniform_filter(inner, window)
        ok = edge & (count > 1e-3)
        if not ok.any():
            continue
        px = rgb[t][box].astype(np.float32)
        f = np.stack([ndimage.uniform_filter(px[..., k] * inner, window)[ok] for k in range(3)], axis=1)
        f = f / count[ok][:, None] - b
        c = px[ok] - b
        ff = np.sum(f * f, axis=1)
        solved = np.clip(np.sum(c * f, axis=1) / np.maximum(ff, 1e-6), 0.0, 1.0)
        keep = ff >= min_contrast * min_contrast
        vals = a[ok]
        vals[keep] = solved[keep]
        a[ok] = vals
    return out
