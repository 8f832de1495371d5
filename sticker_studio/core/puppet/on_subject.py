"""Where a face feature may sit: on the drawing, not in a hole through it.

The automatic rig's silhouette has its holes filled (a mug's handle, the gap between an arm and
the body), and the transparent pixels there read as "dark", so a hole could be taken for an eye
and blink drew a lid in it. :func:`on_subject` is the test the rig applies before it keeps an eye
or a mouth (the geometry's and the network's). It imports only numpy and the rig value, so the
rig cache's version key (engine/rig/rig_cache.py ``RIG_SOURCES``) covers it alone.
"""

from __future__ import annotations

import math

import numpy as np

from sticker_studio.core.puppet.rig import Ellipse

#: an eye or mouth ellipse with less than this share of opaque pixels lies in a hole, not on the subject
MIN_OPAQUE_SHARE = 0.6


def on_subject(rgba: np.ndarray, e: Ellipse) -> bool:
    """Whether the ellipse ``e`` lies on the drawing: at least :data:`MIN_OPAQUE_SHARE` of its pixels
    (alpha > 127) are opaque. An ellipse under a pixel counts its centre pixel."""
    h, w = rgba.shape[:2]
    x0, x1 = max(0, int(math.floor(e.cx - e.rx))), min(w, int(math.ceil(e.cx + e.rx)) + 1)
    y0, y1 = max(0, int(math.floor(e.cy - e.ry))), min(h, int(math.ceil(e.cy + e.ry)) + 1)
    if x0 >= x1 or y0 >= y1:
        return False
    yy, xx = np.mgrid[y0:y1, x0:x1]
    inside = ((xx - e.cx) / max(e.rx, 0.5)) ** 2 + ((yy - e.cy) / max(e.ry, 0.5)) ** 2 <= 1.0
    if not inside.any():
        inside[min(max(0, int(round(e.cy)) - y0), y1 - y0 - 1), min(max(0, int(round(e.cx)) - x0), x1 - x0 - 1)] = True
    return float(np.mean(rgba[y0:y1, x0:x1, 3][inside] > 127)) >= MIN_OPAQUE_SHARE
