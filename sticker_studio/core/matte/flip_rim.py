"""A flipped region takes its rim with it.

An enclosed region (:mod:`sticker_studio.core.matte.layout_prior`) is the paper-coloured area
inside an outline, up to the loose tolerance. Between it and the outline's ink lies a rim a
pixel or two wide — anti-aliasing, JPEG ringing — that the region vote leaves to the estimate.
When the user flips the region *against* the estimate, the estimate's rim is wrong too: a hole
the head kept as paper, flipped to removed, still had its rim at alpha ≈ 1, which shows as a
faint light arc inside the hole; a hole flipped to kept left a see-through seam at its edge.
:func:`take_flipped_rims` gives the rim the region's decision: removed → each rim pixel keeps
only the opacity its colour needs over the paper (the ink's share of it), where its colour
rises toward the outline (a flat pale part of the subject beside the hole is left alone) — and
so does the region's own band between its paper core and the loose tolerance, where the
colour-key ramp the vote gives it calls a pixel that is a tenth ink almost opaque;
kept → opaque, except paper the border flood reaches. Only enclosed regions: a paper area the
estimate kept (a glow) is removed by the vote's own rule, which keeps a glow's faint part. numpy +
scipy only.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from sticker_studio.core.matte.layout_prior import VOTE_THRESHOLD, LayoutPrior
from sticker_studio.core.matte.lineart import lineart_alpha

#: how far (pixels at 512², at least 2) beyond a region its rim reaches
RIM_PX_512 = 4
#: a removed region's rim pixel is lowered where its least opacity is below this share of the
#: highest one within the rim's reach (it lies on the slope up to the outline) ...
SLOPE = 0.75
#: ... or below this (it is paper, give or take noise)
PAPERISH = 0.12


def rim_width(height: int, width: int) -> int:
    """The rim's reach in pixels for a (height, width) frame."""
    return max(2, int(round(RIM_PX_512 * max(height, width) / 512)))


def rim_of(region: np.ndarray, reach: int) -> np.ndarray:
    """(H, W) bool: the pixels within ``reach`` of ``region`` (8-connected steps), not in it."""
    return ndimage.binary_dilation(region, structure=np.ones((3, 3), bool), iterations=reach) & ~region


def flipped_against(means: dict[int, float], flips: dict[int, bool] | None) -> dict[int, bool]:
    """The flips that go against the estimate's own vote (track -> keep)."""
    return {t: bool(k) for t, k in (flips or {}).items() if t in means and bool(k) != (means[t] >= VOTE_THRESHOLD)}


def flipped_area(tracks: np.ndarray, flipped: list[int]) -> np.ndarray:
    """(H, W) bool: the flipped tracks' pixels and their rims (what a flip may change)."""
    region = np.isin(tracks, flipped)
    if not region.any():
        return region
    return region | (rim_of(region, rim_width(*tracks.shape)) & (tracks == 0))


def take_flipped_rims(alpha: np.ndarray, tracks: list[np.ndarray], decided: list[np.ndarray],
                      priors: list[LayoutPrior], means: dict[int, float], flips: dict[int, bool] | None,
                      rgb: np.ndarray, margin: np.ndarray) -> None:
    """Give the rims of the regions flipped against the estimate their region's decision, in place.

    ``alpha`` (N, H, W) the voted alpha; ``tracks``/``decided`` per frame the vote's track-id
    images and decided masks (:class:`~sticker_studio.core.matte.layout_prior.RegionVote`); the
    rim pixels become decided (the edge refinement leaves them). ``rgb`` (N, H, W, 3) uint8 the
    frames, ``margin`` the paper's noise margin (:func:`~sticker_studio.core.matte.lineart.paper_margin`):
    a removed rim pixel keeps its line-art opacity over the paper
    (:func:`~sticker_studio.core.matte.lineart.lineart_alpha`: ringing a little lighter than the
    paper is paper).
    """
    against = flipped_against(means, flips)
    if not against:
        return
    removed = [t for t, k in against.items() if not k]
    kept = [t for t, k in against.items() if k]
    for n, img in enumerate(tracks):
        reach = rim_width(*img.shape)
        free = img == 0  # another region's pixels are that region's
        enclosed = priors[n].enclosed_labels > 0  # a kept paper area's removal is the vote's (a glow stays faint)
        if removed:
            region = np.isin(img, removed) & enclosed
            if region.any():
                # the region's own band beyond its core (the colour-key ramp calls a pixel a tenth ink
                # opaque there) and the rim outside it, in the box around them
                area = region | (rim_of(region, reach) & free)
                ys, xs = np.nonzero(area)
                pad = 2 * reach + 1
                box = (slice(max(0, ys.min() - pad), ys.max() + pad + 1),
                       slice(max(0, xs.min() - pad), xs.max() + pad + 1))
                ink = lineart_alpha(rgb[n][box], priors[n].background * 255.0, margin=margin)[..., 3] / 255.0
                slope = ndimage.maximum_filter(ink, size=pad)
                lower = area[box] & ((ink < SLOPE * slope) | (ink < PAPERISH))
                a = alpha[n][box]
                a[lower] = np.minimum(a[lower], ink[lower])
                decided[n][box] |= lower
        if kept:
            region = np.isin(img, kept) & enclosed
            if region.any():
                rim = rim_of(region, reach) & free & (priors[n].channels[..., 1] < 0.5)  # not the border's paper
                alpha[n][rim] = 1.0
                decided[n] |= rim
