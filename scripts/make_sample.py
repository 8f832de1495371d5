"""Draw the bundled sample sticker: a bouncing cartoon blob, 16 frames, 512x512 RGBA APNG.

Run ``python scripts/make_sample.py`` to recreate ``resources/samples/bounce.png``.
Everything is drawn with numpy signed-distance shapes (anti-aliased edges, an
outline, Lambert shading with a specular highlight, a soft ground shadow) on a
transparent background, with squash-and-stretch on landing, so the sample exercises
what real stickers have: partial alpha at the edges, gradients, flat areas, motion.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np

SIZE = 512
FRAMES = 16
FPS = 16.0


def _coverage(sd: np.ndarray) -> np.ndarray:
    """Signed distance in pixels (negative inside) -> anti-aliased coverage in [0, 1]."""
    return np.clip(0.5 - sd, 0.0, 1.0)


def _ellipse_sd(
    x: np.ndarray, y: np.ndarray, cx: float, cy: float, rx: float, ry: float, angle: float = 0.0
) -> np.ndarray:
    dx, dy = x - cx, y - cy
    if angle:
        c, s = math.cos(angle), math.sin(angle)
        dx, dy = c * dx + s * dy, -s * dx + c * dy
    k = np.sqrt((dx / rx) ** 2 + (dy / ry) ** 2)
    return (k - 1.0) * min(rx, ry)


def _over(canvas: np.ndarray, color: tuple[float, float, float] | np.ndarray, alpha: np.ndarray) -> None:
    """Composite a colour layer with per-pixel alpha over the premultiplied canvas."""
    a = alpha[..., None]
    col = np.broadcast_to(np.asarray(color, np.float32), canvas[..., :3].shape)
    canvas[..., :3] = col * a + canvas[..., :3] * (1.0 - a)
    canvas[..., 3:4] = a + canvas[..., 3:4] * (1.0 - a)


def draw_frame(t: float) -> np.ndarray:
    """Frame at phase ``t`` in [0, 1): one full bounce per loop."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(np.float32) + 0.5
    canvas = np.zeros((SIZE, SIZE, 4), np.float32)  # premultiplied RGBA in [0, 1]
    ground = 452.0
    height = math.sin(math.pi * t) ** 1.3 * 150.0  # up and back down
    squash = max(0.0, math.cos(2 * math.pi * t)) ** 6  # strongest at the landing
    stretch = max(0.0, math.sin(2 * math.pi * t)) * 0.06
    rx = 132.0 * (1.0 + 0.16 * squash - stretch)
    ry = 118.0 * (1.0 - 0.16 * squash + stretch)
    cx, cy = 256.0, ground - ry - height
    lift = height / 150.0

    # soft ground shadow, smaller and fainter while airborne
    srx, sry = 120.0 * (1.0 - 0.35 * lift), 16.0 * (1.0 - 0.3 * lift)
    shadow = np.clip(0.5 - _ellipse_sd(x, y, 256.0, ground + 6.0, srx, sry) / 6.0, 0, 1) * (0.28 - 0.12 * lift)
    _over(canvas, (0.18, 0.12, 0.10), shadow)

    # sprout on top (stem + two leaves), drawn before the body so the body covers its base
    top = cy - ry
    sway = 0.25 * math.sin(2 * math.pi * t)
    stem = _ellipse_sd(x, y, cx + 6 * sway, top - 14, 6, 24, sway)
    _over(canvas, (0.16, 0.12, 0.10), _coverage(stem - 4))
    _over(canvas, (0.30, 0.62, 0.25), _coverage(stem))
    for side in (-1, 1):
        lx, ly = cx + side * 30 + 10 * sway, top - 38
        leaf = _ellipse_sd(x, y, lx, ly, 30, 14, side * 0.5 + sway)
        _over(canvas, (0.16, 0.12, 0.10), _coverage(leaf - 5))
        shade = np.clip(0.55 + 0.45 * (ly - y) / 14.0, 0.4, 1.0)[..., None]
        _over(canvas, np.asarray((0.42, 0.78, 0.32), np.float32) * shade, _coverage(leaf))

    # outline, then the shaded body
    body = _ellipse_sd(x, y, cx, cy, rx, ry)
    _over(canvas, (0.20, 0.13, 0.10), _coverage(body - 8.0))
    nx, ny = (x - cx) / rx, (y - cy) / ry
    nz = np.sqrt(np.clip(1.0 - nx ** 2 - ny ** 2, 0.0, 1.0))
    light = np.array([-0.45, -0.6, 0.66], np.float32)
    lambert = np.clip(nx * light[0] + ny * light[1] + nz * light[2], 0.0, 1.0)
    base = np.array([1.0, 0.62, 0.36], np.float32)
    col = base * (0.55 + 0.5 * lambert[..., None])
    spec = np.clip((lambert - 0.88) / 0.12, 0.0, 1.0) ** 2 * 0.55
    col = np.clip(col + spec[..., None], 0.0, 1.0)
    _over(canvas, col, _coverage(body))
    belly = _ellipse_sd(x, y, cx, cy + ry * 0.38, rx * 0.58, ry * 0.42)
    _over(canvas, (1.0, 0.86, 0.68), _coverage(belly) * 0.85 * _coverage(body + 2))

    # face: eyes with catchlights, blush, smile; the eyes blink on the way up
    blink = 0.15 if 0.40 <= t < 0.47 else 1.0
    for side in (-1, 1):
        ex, ey = cx + side * rx * 0.34, cy - ry * 0.12
        _over(canvas, (0.10, 0.07, 0.06), _coverage(_ellipse_sd(x, y, ex, ey, 15, 21 * blink)))
        if blink == 1.0:
            _over(canvas, (1, 1, 1), _coverage(_ellipse_sd(x, y, ex - 5, ey - 8, 5.5, 6.5)))
        _over(
            canvas,
            (1.0, 0.45, 0.50),
            _coverage(_ellipse_sd(x, y, cx + side * rx * 0.58, cy + ry * 0.16, 22, 12)) * 0.55,
        )
    mx, my, mr = cx, cy + ry * 0.08, 22.0 + 10.0 * squash
    ring = np.abs(np.hypot(x - mx, y - my) - mr) - 3.5
    _over(canvas, (0.16, 0.09, 0.08), _coverage(ring) * (y > my + 4))

    a = np.clip(canvas[..., 3:4], 0, 1)
    rgb = np.where(a > 1e-6, canvas[..., :3] / np.maximum(a, 1e-6), 0.0)
    out = np.concatenate([np.clip(rgb, 0, 1), a], axis=-1)
    return (out * 255.0 + 0.5).astype(np.uint8)


def main() -> None:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.formats.writers import write_sticker

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--out", type=Path,
                        default=Path(__file__).resolve().parent.parent / "resources" / "samples" / "bounce.png")
    args = parser.parse_args()
    frames = [draw_frame(k / FRAMES) for k in range(FRAMES)]
    sticker = Sticker.from_frames(frames, fps=FPS, loop_count=0)
    # 256 shared RGBA colours (still colour type 6) keep the file small; the art is flat enough.
    write_sticker(sticker, args.out, colors=256, compress_level=9)
    print(f"wrote {args.out} ({args.out.stat().st_size:,} bytes, {sticker})")


if __name__ == "__main__":
    main()
