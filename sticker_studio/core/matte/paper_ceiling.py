"""Textured paper the border flood reaches is paper: no more opaque than its colour needs (issue 24).

On a textured paper (mottling, fibres, grain) the matting head sometimes takes a light patch of
the paper itself for subject — a blob of alpha ≈ 1 beside a pale rice ball or a cloud (rice ball
on paper texture 20.0 dB, cloud 19.7: 90 % of their error is paper kept). The layout prior already
says what such a patch is: reached from the frame's border within the tight tolerance of the
paper's colour, and showing the paper's own grain (:attr:`LayoutPrior.grainy`), it *is* the paper.
There its alpha is capped at the least opacity its colour needs over the paper
(:func:`~sticker_studio.core.matte.lineart.least_opacity`: a light patch of the paper needs none,
a soft shadow keeps its share). The subject's edge is left alone: only pixels more than
:data:`CLEAR_OF_SUBJECT_512` from anything the tight flood does not reach move. Textured paper
only (on smooth paper the prior's ``grainy`` is None). numpy + scipy only.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from sticker_studio.core.matte.layout_prior import LayoutPrior
from sticker_studio.core.matte.lineart import least_opacity

#: pixels (at 512²) a capped pixel keeps from the subject (anything outside the tight flood)
CLEAR_OF_SUBJECT_512 = 3


def cap_paper(alpha: np.ndarray, priors: list[LayoutPrior], rgb: np.ndarray, background: np.ndarray,
              margin: np.ndarray | None = None) -> np.ndarray:
    """``alpha`` (N, H, W) with the textured paper the border flood reaches capped at the least opacity
    its colour in ``rgb`` (N, H, W, 3) uint8 needs over ``background`` (3,) in [0, 1] (``margin``: the
    paper's noise, :func:`~sticker_studio.core.matte.lineart.paper_margin`); unchanged on smooth paper.
    The least opacity is computed on the capped pixels the estimate does not already clear, only."""
    if not priors or priors[0].grainy is None:
        return alpha
    out = alpha.astype(np.float32, copy=True)
    for t, prior in enumerate(priors):
        if prior.grainy is None:
            continue
        h, w = prior.grainy.shape
        reach = max(1, int(round(CLEAR_OF_SUBJECT_512 * max(h, w) / 512)))
        tight = prior.channels[..., 1] > 0.5
        paper = tight & prior.grainy & (out[t] > 0.0)
        if not paper.any():
            continue
        paper &= ~ndimage.binary_dilation(~tight, iterations=reach)
        if not paper.any():
            continue
        frame = out[t]
        frame[paper] = np.minimum(frame[paper], least_opacity(rgb[t][paper], background, margin))
    return out
