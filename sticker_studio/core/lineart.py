"""Line art on paper → ink on transparency ("colour to alpha", as in GIMP).

A pencil or ink sketch on paper has no background *shape* to remove — the paper is
everywhere between the strokes. Each pixel is explained as the paper colour P with ink
of some colour F over it at opacity a (``C = a·F + (1−a)·P``); the smallest such a
(per channel: how far C is from P toward black or white) is the alpha, and F is the
ink colour un-mixed from the paper, so a blue-pencil line stays blue and faint strokes
stay faint. Paper grain below ``noise`` opacity is dropped. numpy only.
"""

from __future__ import annotations

import numpy as np

from sticker_studio.core.layout_prior import estimate_background

#: opacity below which a pixel is paper grain, not a stroke
LINEART_NOISE = 0.06


def lineart_alpha(rgb: np.ndarray, paper: np.ndarray | None = None, noise: float = LINEART_NOISE) -> np.ndarray:
    """RGBA uint8 (H, W, 4) of an RGB uint8 sketch (H, W, 3) on paper (default: the border median)."""
    c = rgb[..., :3].astype(np.float32) / 255.0
    p = (estimate_background(rgb)[0] if paper is None else np.asarray(paper, np.float32)) / 255.0
    # within 2 % of white (black) paper nothing can be lighter (darker) than it: only paper
    darker = np.where(p > 0.02, (p - c) / np.maximum(p, 1e-3), 0.0)
    lighter = np.where(p < 0.98, (c - p) / np.maximum(1.0 - p, 1e-3), 0.0)
    a = np.clip(np.max(np.where(c < p, darker, lighter), axis=-1), 0.0, 1.0)
    a = np.where(a < noise, 0.0, a)
    safe = np.maximum(a, 1e-3)[..., None]
    fg = np.clip((c - (1.0 - a[..., None]) * p) / safe, 0.0, 1.0)
    fg[a == 0] = 0.0
    return (np.concatenate([fg, a[..., None]], axis=-1) * 255.0 + 0.5).astype(np.uint8)
