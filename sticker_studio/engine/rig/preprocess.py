"""How a drawing becomes the rig model's input, shared by training and :func:`predict_rig`.

The subject is cropped to its alpha's bounding box, padded to a square with a margin and
resized to ``size``² (area averaging); the colour is composited over white and the alpha
is kept as a fourth channel. :class:`Framing` maps points between the input and the
model's square. numpy + Pillow only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

#: margin around the subject's bounding box, as a share of its longer side
MARGIN = 0.08


@dataclass(frozen=True)
class Framing:
    """``model = (input - (x0, y0)) * scale``: the crop's corner in the input and its scale."""

    x0: float
    y0: float
    scale: float

    def to_model(self, x: float, y: float) -> tuple[float, float]:
        return ((x - self.x0) * self.scale, (y - self.y0) * self.scale)

    def to_input(self, x: float, y: float) -> tuple[float, float]:
        return (x / self.scale + self.x0, y / self.scale + self.y0)


def subject_box(alpha: np.ndarray, threshold: int = 8) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1), exclusive ends, of the pixels with alpha above ``threshold``;
    the whole image when none is."""
    mask = alpha > threshold
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if len(rows) == 0:
        return (0, 0, alpha.shape[1], alpha.shape[0])
    return (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)


def frame_subject(rgba: np.ndarray, size: int) -> tuple[np.ndarray, Framing]:
    """``[size, size, 4]`` float32 in [0, 1] (RGB over white, alpha) and its framing."""
    if rgba.ndim != 3 or rgba.shape[2] not in (3, 4):
        raise ValueError(f"expected an RGB(A) image [H, W, 3|4], got shape {rgba.shape}")
    if rgba.shape[2] == 3:
        rgba = np.concatenate([rgba, np.full(rgba.shape[:2] + (1,), 255, np.uint8)], axis=2)
    x0, y0, x1, y1 = subject_box(rgba[..., 3])
    side = max(x1 - x0, y1 - y0)
    side_padded = side * (1 + 2 * MARGIN)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    fx0, fy0 = cx - side_padded / 2, cy - side_padded / 2
    scale = size / side_padded
    # crop (with transparent padding) to integer bounds, then resize the exact window
    ix0, iy0 = int(np.floor(fx0)), int(np.floor(fy0))
    ix1, iy1 = int(np.ceil(fx0 + side_padded)), int(np.ceil(fy0 + side_padded))
    h, w = rgba.shape[:2]
    canvas = np.zeros((iy1 - iy0, ix1 - ix0, 4), np.uint8)
    sx0, sy0, sx1, sy1 = max(0, ix0), max(0, iy0), min(w, ix1), min(h, iy1)
    canvas[sy0 - iy0:sy1 - iy0, sx0 - ix0:sx1 - ix0] = rgba[sy0:sy1, sx0:sx1]
    # resample premultiplied (Pillow's "RGBa"), then put the colour over white at the small size
    img = Image.fromarray(canvas, "RGBA").convert("RGBa")
    box = (fx0 - ix0, fy0 - iy0, fx0 - ix0 + side_padded, fy0 - iy0 + side_padded)
    out = np.asarray(img.resize((size, size), Image.Resampling.BOX, box=box), np.float32) / 255.0
    out[..., :3] += 1.0 - out[..., 3:4]
    return np.minimum(out, 1.0), Framing(fx0, fy0, scale)


def frame_labels(parts: np.ndarray, framing: Framing, size: int) -> np.ndarray:
    """A label map brought into the model's square (nearest), ``[size, size]`` uint8."""
    centres = (np.arange(size) + 0.5) / framing.scale
    xs = np.floor(framing.x0 + centres).astype(np.int64)
    ys = np.floor(framing.y0 + centres).astype(np.int64)
    h, w = parts.shape
    out = parts[np.clip(ys, 0, h - 1)[:, None], np.clip(xs, 0, w - 1)[None, :]]
    out[(ys < 0) | (ys >= h)] = 0
    out[:, (xs < 0) | (xs >= w)] = 0
    return out
