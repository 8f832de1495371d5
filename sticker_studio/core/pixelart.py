"""Pixel art: detect it, find its pixel grid, and scale it by whole multiples only.

Pixel art is a few flat colours on hard (0/255) alpha, drawn small. Smooth resampling
ruins it (new in-between colours, soft alpha, blurred edges), so every operation on it
here is nearest-neighbour on whole multiples of the art's own pixel (its *cell*): the
palette and the hard alpha come out exactly as they went in.

A sticker is pixel art when ``metadata["pixel_art"]`` says so (the user chose it:
``--pixel-art``, a pack or sticker setting) or, without that key, when
:func:`looks_like_pixel_art` detects it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

#: At most this many distinct visible colours (over all frames) for detection.
MAX_COLORS = 32
#: At most this many art pixels on the longer side (after removing any whole-multiple upscale).
MAX_NATIVE_SIDE = 128
METADATA_KEY = "pixel_art"


def visible_colors(frames: Sequence[np.ndarray], limit: int = 4096) -> int:
    """Distinct RGB colours of the pixels with alpha > 0 (counting stops past ``limit``)."""
    seen: set[int] = set()
    for f in frames:
        vis = f[..., :3][f[..., 3] > 0].astype(np.uint32)
        if vis.size:
            packed = (vis[:, 0] << 16) | (vis[:, 1] << 8) | vis[:, 2]
            seen.update(np.unique(packed).tolist())
        if len(seen) > limit:
            break
    return len(seen)


def has_hard_alpha(frames: Sequence[np.ndarray]) -> bool:
    """Every alpha value is 0 or 255."""
    return all(bool(np.isin(f[..., 3], (0, 255)).all()) for f in frames)


def cell_size(frame: np.ndarray) -> int:
    """The side of one art pixel: the largest k with every colour run a multiple of k on a k-grid.

    Returns 1 for art at its native size (or anything that is not an exact upscale).
    """
    h, w = frame.shape[:2]
    flat = frame.reshape(h, w, -1)
    g = 0
    col_change = np.flatnonzero((flat[:, 1:] != flat[:, :-1]).any(axis=(0, 2))) + 1
    row_change = np.flatnonzero((flat[1:] != flat[:-1]).any(axis=(1, 2))) + 1
    for edges, side in ((col_change, w), (row_change, h)):
        for e in edges.tolist():
            g = math.gcd(g, int(e))
        if g == 1:
            return 1
        g = math.gcd(g, side)
    return max(1, g)


def native(frames: Sequence[np.ndarray]) -> tuple[list[np.ndarray], int]:
    """Frames at one pixel per art pixel, and the cell size they were drawn at."""
    k = 0
    for f in frames:
        k = math.gcd(k, cell_size(f))
        if k == 1:
            break
    k = max(1, k)
    if k == 1:
        return list(frames), 1
    return [np.ascontiguousarray(f[::k, ::k]) for f in frames], k


def looks_like_pixel_art(frames: Sequence[np.ndarray]) -> bool:
    """Few colours, hard alpha and small (once any whole-multiple upscale is undone)."""
    if not frames or not has_hard_alpha(frames):
        return False
    small, _ = native(frames[:1])
    if max(small[0].shape[:2]) > MAX_NATIVE_SIDE:
        return False
    return visible_colors(frames, MAX_COLORS) <= MAX_COLORS


def is_pixel_art(frames: Sequence[np.ndarray], metadata: dict[str, object] | None = None) -> bool:
    """The user's choice (``metadata['pixel_art']``) if there is one, else detection."""
    if metadata is not None and isinstance(metadata.get(METADATA_KEY), bool):
        return bool(metadata[METADATA_KEY])
    return looks_like_pixel_art(frames)


def scale_nearest(frame: np.ndarray, factor: int) -> np.ndarray:
    """Each pixel repeated ``factor`` x ``factor`` times (exact)."""
    if factor <= 1:
        return frame
    return np.repeat(np.repeat(frame, factor, axis=0), factor, axis=1)


def fit_pixel_art(frame_native: np.ndarray, width: int, height: int) -> np.ndarray:
    """Native-size art on a ``width`` x ``height`` transparent canvas at the largest whole multiple.

    Art larger than the canvas is reduced by the smallest whole divisor (every n-th pixel).
    """
    h, w = frame_native.shape[:2]
    factor = min(width // w, height // h)
    if factor >= 1:
        art = scale_nearest(frame_native, factor)
    else:
        n = max(math.ceil(w / width), math.ceil(h / height))
        art = frame_native[::n, ::n]
    ah, aw = art.shape[:2]
    canvas = np.zeros((height, width, 4), np.uint8)
    y0, x0 = (height - ah) // 2, (width - aw) // 2
    canvas[y0:y0 + ah, x0:x0 + aw] = art
    return canvas


#: The share of the (native) border that must be the one background colour for :func:`key_flat_background`.
FLAT_BORDER_SHARE = 0.9


def key_flat_background(frames: Sequence[np.ndarray]) -> list[np.ndarray] | None:
    """Opaque pixel art on a flat background colour, that colour made transparent exactly.

    Per frame, at the art's own pixel size: the colour of most of the border (at least
    :data:`FLAT_BORDER_SHARE` of it) is the background, and its pixels connected to the border
    become transparent (alpha 0), every other pixel stays as drawn (alpha 255), so the palette,
    the hard edges and enclosed background-coloured pixels (a white eye) survive; then scaled
    back by the same whole multiple. None when a border is not flat or nothing would be left
    (a background remover then takes over).
    """
    small, k = native(frames)
    out: list[np.ndarray] = []
    for frame in small:
        rgb = frame[..., :3]
        border = np.concatenate([rgb[0], rgb[-1], rgb[:, 0], rgb[:, -1]])
        colours, counts = np.unique(border, axis=0, return_counts=True)
        if counts.max() < FLAT_BORDER_SHARE * len(border):
            return None
        same = (rgb == colours[counts.argmax()]).all(axis=2)
        outside = np.zeros_like(same)
        outside[0], outside[-1], outside[:, 0], outside[:, -1] = same[0], same[-1], same[:, 0], same[:, -1]
        while True:  # flood through the background colour, 4-connected
            grown = outside.copy()
            grown[1:] |= outside[:-1]
            grown[:-1] |= outside[1:]
            grown[:, 1:] |= outside[:, :-1]
            grown[:, :-1] |= outside[:, 1:]
            grown &= same
            if (grown == outside).all():
                break
            outside = grown
        if outside.all():
            return None
        keyed = frame.copy()
        keyed[..., 3] = np.where(outside, 0, 255).astype(np.uint8)
        keyed[outside, :3] = 0
        out.append(scale_nearest(keyed, k) if k > 1 else keyed)
    return out
