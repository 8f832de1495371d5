"""Snap a matte's edges to the image's: a colour guided filter on the edge band, at full resolution.

The matting head sees the frame at a fixed content scale (128 px inside), so its edges come
back a few pixels soft; the drawing's own edges are sharp and anti-aliased over about one
pixel. He et al.'s guided filter with the RGB frame as the guide fits ``alpha ≈ A·I + b`` in
every (2r+1)² window; with a small ``eps`` the fit follows the colour edge, so the alpha
transition lands where the colours change, at the drawing's sharpness, while flat areas keep
their alpha. Only the edge band moves (pixels whose 3×3 alpha range exceeds
:data:`EDGE_GATE`); the interior of a region, and every pixel the region vote set (a kept
enclosed region whole; a kept paper area's and a removed region's paper-coloured core), stays
as it was, and so is every band pixel with no colour edge within the radius (a region the vote
or the user kept or removed on flat paper has nothing to snap to). The rim of a hole the
network opened itself (its anti-aliasing, or subject colours inside the loose tolerance) is
refined like any other edge.

The radius and ``eps`` were chosen on the validation pack (``data matting-pack --split val``;
256² and 512² frames, drawings on white, pale, near-colour and texture backgrounds), never on
the test pack: :func:`radius_for` gives 3 at 256² and 4 at 512². numpy + scipy only.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

#: regularisation of the colour fit (RGB in [0, 1]); small: follow the colour edge closely
EPS = 1e-5
#: only pixels whose alpha spans more than this over their 3×3 neighbourhood are refined
EDGE_GATE = 0.05
#: RGB units (0-255) a window must span to count as a colour edge: a decision with no edge in the
#: frame to follow (white paper the vote kept beside white paper) is left exactly as it was
COLOUR_SPREAD = 8
#: frames with a side of at least this many pixels use the fast (2× subsampled) guided filter
FAST_FROM = 384


def radius_for(height: int, width: int) -> int:
    """The filter radius for a frame: 3 at 256², growing with the square root of the side."""
    return int(min(8, max(2, round(3.0 * math.sqrt(min(height, width) / 256.0)))))


def _box(x: np.ndarray, r: int) -> np.ndarray:
    return ndimage.uniform_filter(x, size=2 * r + 1, mode="nearest")


def _coefficients(guide: np.ndarray, src: np.ndarray, radius: int, eps: float) -> list[np.ndarray]:
    """The window means of the local fit ``src ≈ A·guide + b``: [A0, A1, A2, b], float64."""
    mean_i = [_box(guide[..., c], radius) for c in range(3)]
    mean_p = _box(src, radius)
    cov = [_box(guide[..., c] * src, radius) - mean_i[c] * mean_p for c in range(3)]
    var = {}
    for a in range(3):
        for b in range(a, 3):
            var[a, b] = _box(guide[..., a] * guide[..., b], radius) - mean_i[a] * mean_i[b]
            if a == b:
                var[a, b] = var[a, b] + eps
    # the symmetric 3×3 inverse in closed form (adjugate / determinant), for every pixel at once
    s00, s01, s02, s11, s12, s22 = var[0, 0], var[0, 1], var[0, 2], var[1, 1], var[1, 2], var[2, 2]
    c00 = s11 * s22 - s12 * s12
    c01 = s02 * s12 - s01 * s22
    c02 = s01 * s12 - s02 * s11
    c11 = s00 * s22 - s02 * s02
    c12 = s01 * s02 - s00 * s12
    c22 = s00 * s11 - s01 * s01
    det = s00 * c00 + s01 * c01 + s02 * c02
    det = np.where(np.abs(det) < 1e-300, 1e-300, det)
    a0 = (c00 * cov[0] + c01 * cov[1] + c02 * cov[2]) / det
    a1 = (c01 * cov[0] + c11 * cov[1] + c12 * cov[2]) / det
    a2 = (c02 * cov[0] + c12 * cov[1] + c22 * cov[2]) / det
    b0 = mean_p - a0 * mean_i[0] - a1 * mean_i[1] - a2 * mean_i[2]
    return [_box(x, radius) for x in (a0, a1, a2, b0)]


def _halve(x: np.ndarray) -> np.ndarray:
    """2×2 area mean of the leading two axes (odd sizes lose their last row/column)."""
    h, w = (x.shape[0] // 2) * 2, (x.shape[1] // 2) * 2
    x = x[:h, :w]
    return 0.25 * (x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2])


def _double(x: np.ndarray, height: int, width: int) -> np.ndarray:
    """Bilinear 2× upsampling of (h, w) to (height, width), pixel centres aligned with :func:`_halve`."""
    def along(y: np.ndarray, axis: int, size: int) -> np.ndarray:
        n = y.shape[axis]
        prev = np.take(y, np.clip(np.arange(n) - 1, 0, n - 1), axis=axis)
        nxt = np.take(y, np.clip(np.arange(n) + 1, 0, n - 1), axis=axis)
        even, odd = 0.75 * y + 0.25 * prev, 0.75 * y + 0.25 * nxt
        out = np.stack([even, odd], axis=axis + 1).reshape(y.shape[:axis] + (2 * n,) + y.shape[axis + 1:])
        if size > 2 * n:  # an odd side: repeat the last row/column
            out = np.concatenate([out, np.take(out, [-1] * (size - 2 * n), axis=axis)], axis=axis)
        return out
    return along(along(x, 0, height), 1, width)


def guided_filter_rgb(guide: np.ndarray, src: np.ndarray, radius: int, eps: float = EPS,
                      subsample: int = 1) -> np.ndarray:
    """He et al.'s guided filter of one (H, W) ``src`` by an (H, W, 3) guide in [0, 1]; float32 out.

    ``subsample`` 2: the fast guided filter (the fit on 2×2-averaged frames with half the
    radius, its coefficients upsampled and applied to the full-resolution guide). Computed in
    float64: with a small ``eps`` the windows' covariances are differences of nearly equal
    sums, and float32 loses them (alpha errors up to 1 on flat paper).
    """
    guide = guide.astype(np.float64)
    src = src.astype(np.float64)
    if subsample == 2 and min(src.shape) >= 4:
        h, w = src.shape
        coef = _coefficients(_halve(guide), _halve(src), max(1, radius // 2), eps)
        coef = [_double(c, h, w) for c in coef]
    else:
        coef = _coefficients(guide, src, radius, eps)
    a0, a1, a2, b0 = coef
    return (a0 * guide[..., 0] + a1 * guide[..., 1] + a2 * guide[..., 2] + b0).astype(np.float32)


def edge_band(alpha: np.ndarray, gate: float = EDGE_GATE) -> np.ndarray:
    """(H, W) bool: pixels whose alpha spans more than ``gate`` over their 3×3 neighbourhood."""
    return (ndimage.maximum_filter(alpha, size=3) - ndimage.minimum_filter(alpha, size=3)) > gate


def colour_edges(rgb: np.ndarray, radius: int, spread: int = COLOUR_SPREAD) -> np.ndarray:
    """(H, W) bool: pixels whose (2r+1)² window spans more than ``spread`` in some RGB channel."""
    size = 2 * radius + 1
    img = rgb[..., :3]
    high = ndimage.maximum_filter(img, size=(size, size, 1)).astype(np.int16)
    span = high - ndimage.minimum_filter(img, size=(size, size, 1))
    return np.asarray(span.max(axis=-1) > spread)


def band_window(band: np.ndarray, radius: int) -> tuple[slice, slice]:
    """Rows and columns of ``band``'s bounding box grown by what the fit around a band pixel reads.

    The fit at a pixel reads the window statistics of its (2r+1)² window, each of those of
    another (2r+1)² window; the fast filter's half-resolution fit and bilinear upsampling reach a
    few pixels further. The window starts on even pixels, so a 2×2-subsampled fit of it sees the
    same 2×2 blocks as one of the whole frame, and on every band pixel the fit is the whole
    frame's (the test holds it to that).
    """
    h, w = band.shape
    margin = 2 * radius + 6
    rows, cols = np.flatnonzero(band.any(axis=1)), np.flatnonzero(band.any(axis=0))
    y0, x0 = max(0, int(rows[0]) - margin) // 2 * 2, max(0, int(cols[0]) - margin) // 2 * 2
    return slice(y0, min(h, int(rows[-1]) + 1 + margin)), slice(x0, min(w, int(cols[-1]) + 1 + margin))


def refine_edges(rgb: np.ndarray, alpha: np.ndarray, *, radius: int | None = None,
                 eps: float = EPS, subsample: int | None = None,
                 frozen: list[np.ndarray] | None = None) -> np.ndarray:
    """``alpha`` (N, H, W) in [0, 1] with its edge band re-fitted to ``rgb`` (N, H, W, 3) uint8.

    Frame by frame; returns a new float32 array in [0, 1]. Pixels off the edge band keep
    their value exactly, and so do those where ``frozen[k]`` (H, W) is non-zero (the pixels the
    region vote set: their keep/remove stays exactly as decided). The filter runs
    on the band's window (:func:`band_window`) only, not on the paper around the subject.
    """
    n, h, w = alpha.shape
    r = radius_for(h, w) if radius is None else radius
    sub = (2 if min(h, w) >= FAST_FROM else 1) if subsample is None else subsample
    out = alpha.astype(np.float32, copy=True)
    for k in range(n):
        band = edge_band(out[k])
        if not band.any():
            continue
        win = band_window(band, r)
        band, frame = band[win], out[k][win]  # a view: writing the band writes ``out``
        band &= colour_edges(rgb[k][win], r)  # only where the frame has an edge of its own to follow
        if frozen is not None:
            band &= frozen[k][win] == 0
        if not band.any():
            continue
        guide = rgb[k][win][..., :3] / 255.0  # float64, as the fit needs
        fitted = np.clip(guided_filter_rgb(guide, frame, r, eps, sub), 0.0, 1.0)
        frame[band] = fitted[band]
    return out
