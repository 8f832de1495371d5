"""Prepare RGBA frames for lossy or palette encoders.

Fully transparent pixels still carry RGB that encoders spend bytes on; and with
chroma subsampling (VP9 4:2:0, lossy WebP) their colour bleeds into visible edge
pixels as a dark fringe. So: palette/lossless formats get transparent RGB zeroed
(cheaper, invisible), lossy video gets the nearby visible colour pushed into the
transparent area (pull-push on premultiplied alpha) so edges keep their colour.
"""

from __future__ import annotations

import numpy as np
from PIL import Image


def clear_transparent_rgb(frame: np.ndarray) -> np.ndarray:
    """RGB of alpha-0 pixels set to 0 (a lossless change for every viewer)."""
    out = frame.copy()
    out[out[..., 3] == 0, :3] = 0
    return out


def bleed_into_transparent(frame: np.ndarray, factor: int = 8) -> np.ndarray:
    """Fill alpha-0 pixels' RGB with the colour of nearby visible pixels."""
    alpha = frame[..., 3]
    hole = alpha == 0
    if not hole.any() or hole.all():
        return clear_transparent_rgb(frame)
    h, w = alpha.shape
    sw, sh = max(1, w // factor), max(1, h // factor)
    a = alpha.astype(np.float32) / 255.0
    channels = []
    a_small = Image.fromarray(a, "F").resize((sw, sh), Image.Resampling.BOX)
    a_up = np.asarray(a_small.resize((w, h), Image.Resampling.BILINEAR))
    for c in range(3):
        pm = frame[..., c].astype(np.float32) * a
        small = Image.fromarray(pm, "F").resize((sw, sh), Image.Resampling.BOX)
        channels.append(np.asarray(small.resize((w, h), Image.Resampling.BILINEAR)))
    pm_up = np.stack(channels, axis=-1)
    fill = np.where(a_up[..., None] > 1e-4, pm_up / np.maximum(a_up[..., None], 1e-4), 0.0)
    out = frame.copy()
    out[hole, :3] = np.clip(fill[hole] + 0.5, 0, 255).astype(np.uint8)
    return out
