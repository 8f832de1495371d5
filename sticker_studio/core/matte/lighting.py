"""Uneven light on a photographed drawing (issue 24): the paper's brightness as a smooth field, divided out.

A phone photo of a drawing is brighter in the middle than at the corners (a vignette): corners only 4 % darker
than the centre put the paper at the border 10 RGB units below the paper in the middle, so the border's median
colour — what the layout prior calls the paper — misses the middle, whose paper then reads as a pale body and
is kept (a disc of paper round the subject: 6.5 dB on a frog a tester photographed; 4 dB with graph paper and
JPEG).

:func:`lighting_field` fits each channel of the border ring (the paper a drawing leaves round itself) with a
quadratic surface in x and y, robustly (pixels far off the fit — ink or the subject at the edge — are dropped);
:func:`flatten_lighting` divides the frames by that field (times its brightest value) when the field *curves*
by at least :data:`MIN_CURVE` RGB units over the frame and the surface explains the border (what is left is
at most :data:`MAX_LEFT_SHARE` of the curve: a vignette, not a shadow cast on one corner, which a quadratic
surface cannot follow and would brighten elsewhere). A straight gradient (light from one side) is left as it
is: the prior's tolerances take it, and the paper textures' own gradients were measured with it. numpy only.
"""

from __future__ import annotations

import numpy as np

#: the border ring the field is fitted on: this share of the frame's shorter side (at least 2 px)
RING_SHARE = 0.015
#: the field is divided out only when its curved part spans at least this (RGB units, the brightest channel;
#: the real set's paper textures curve by up to 5.9, white and cream JPEG by 0.1, a phone photo 4 % darker in
#: its corners by 10.9)...
MIN_CURVE = 8.0
#: ...and what the surface leaves of the border (its 95th percentile distance) is at most this share of the
#: curve (vignettes 0.02–0.07 in a tester's photos and sweeps, phone photos of graph paper 0.25; a shadow cast
#: on one corner 0.42–0.50)
MAX_LEFT_SHARE = 0.3
#: border pixels further than this many robust deviations from the fit are not paper (a drawing at the edge)
OUTLIER_SIGMAS = 2.5


def _design(ys: np.ndarray, xs: np.ndarray, h: int, w: int) -> np.ndarray:
    y = ys.astype(np.float64) / max(1, h - 1) * 2.0 - 1.0
    x = xs.astype(np.float64) / max(1, w - 1) * 2.0 - 1.0
    return np.stack([np.ones_like(x), x, y, x * x, y * y, x * y], axis=1)


def lighting_field(frame: np.ndarray) -> tuple[_Field, float, float] | None:
    """(field (its ``values()``: (H, W, 3) float32), its curved part's span, what it leaves of the border:
    the 95th percentile distance of the border's paper from it) of one RGB uint8 frame; None when the frame
    is too small."""
    h, w = frame.shape[:2]
    if min(h, w) < 16:
        return None
    ring = max(2, int(round(RING_SHARE * min(h, w))))
    mask = np.zeros((h, w), bool)
    mask[:ring] = mask[-ring:] = True
    mask[:, :ring] = mask[:, -ring:] = True
    ys, xs = np.nonzero(mask)
    ys, xs = ys[::2], xs[::2]  # every other pixel: as good a fit, half the time
    a = _design(ys, xs, h, w)
    values = frame[ys, xs, :3].astype(np.float64)
    keep = np.ones(len(ys), bool)
    coef = np.zeros((6, 3))
    for _ in range(3):  # fit, drop the pixels far off it (ink at the edge), fit again
        coef, *_ = np.linalg.lstsq(a[keep], values[keep], rcond=None)
        resid = np.linalg.norm(values - a @ coef, axis=1)
        sigma = 1.4826 * float(np.median(resid[keep])) + 1.0
        new = resid <= OUTLIER_SIGMAS * sigma
        if new.sum() < 0.5 * len(ys) or np.array_equal(new, keep):
            break
        keep = new
    left = float(np.percentile(np.linalg.norm(values - a @ coef, axis=1)[keep], 95))
    # the curved part's span on a coarse grid (exact enough for a quadratic; a full frame costs ~20 ms)
    gy, gx = np.mgrid[0:h:max(1, h // 64), 0:w:max(1, w // 64)]
    coarse = _design(gy.ravel(), gx.ravel(), h, w)[:, 3:] @ coef[3:]
    span = float((coarse.max(axis=0) - coarse.min(axis=0)).max())
    return _Field(coef, h, w), span, left


class _Field:
    """A fitted quadratic field, evaluated on the whole frame only when it is divided out."""

    def __init__(self, coef: np.ndarray, h: int, w: int) -> None:
        self.coef, self.h, self.w = coef, h, w

    def values(self) -> np.ndarray:
        """(H, W, 3) float32."""
        y = (np.arange(self.h, dtype=np.float64) / max(1, self.h - 1) * 2.0 - 1.0)[:, None]
        x = (np.arange(self.w, dtype=np.float64) / max(1, self.w - 1) * 2.0 - 1.0)[None, :]
        c = self.coef
        out = np.empty((self.h, self.w, 3), np.float32)
        for ch in range(3):
            out[..., ch] = (c[0, ch] + c[1, ch] * x + c[2, ch] * y + c[3, ch] * x * x + c[4, ch] * y * y
                            + c[5, ch] * x * y)
        return out


def flatten_lighting(frames: np.ndarray) -> np.ndarray:
    """(N, H, W, 3) uint8 frames with frame 0's curved lighting field divided out (see the module text);
    the frames themselves (the same array) when the light is even, straight or not a smooth surface."""
    fit = lighting_field(frames[0])
    if fit is None or fit[1] < MIN_CURVE or fit[2] > MAX_LEFT_SHARE * fit[1]:
        return frames
    field = np.maximum(fit[0].values(), 1.0)
    gain = field.reshape(-1, 3).max(axis=0) / field  # the paper everywhere as bright as its brightest
    out = np.empty_like(frames)
    for k, frame in enumerate(frames):
        out[k] = np.clip(frame[..., :3].astype(np.float32) * gain + 0.5, 0, 255).astype(np.uint8)
    return out
