"""Timestamp-matched quality of an output against its source ("timeline PSNR").

The loop is cut at every frame start of either sticker; on each interval the output
frame on screen is compared with the source frame on screen at the same time (the
source scaled to the output canvas with the same premultiplied fit the exporter
uses), weighted by the interval's length. A converter that shifts or duplicates
frames, or stretches the loop, is charged for every millisecond it shows the wrong
picture. RGBA is compared by compositing on white and on black and averaging the two
mean squared errors over RGB, so errors in colour *and* in alpha both count.
"""

from __future__ import annotations

import math

import numpy as np

from sticker_studio.core.imageops import fit_into_canvas, resize_rgba
from sticker_studio.core.sticker import Sticker


def frame_mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared error of two RGBA frames, on white and on black, averaged.

    On black the difference is that of the premultiplied colours; on white it is that
    plus 255 x the alpha difference - the same numbers as compositing both frames on
    both backgrounds, with a third of the float work.
    """
    alpha_a = a[..., 3:4].astype(np.float32) * np.float32(1 / 255.0)
    alpha_b = b[..., 3:4].astype(np.float32) * np.float32(1 / 255.0)
    on_black = a[..., :3] * alpha_a
    on_black -= b[..., :3] * alpha_b
    on_white = on_black + np.float32(255.0) * (alpha_b - alpha_a)
    return float((np.mean(np.square(on_black, out=on_black)) + np.mean(np.square(on_white, out=on_white))) / 2.0)


def psnr_from_mse(mse: float) -> float:
    return float("inf") if mse <= 1e-12 else 10.0 * math.log10(255.0 ** 2 / mse)


def match_canvas(source: Sticker, width: int, height: int, pad: bool = True) -> Sticker:
    """The source scaled to the output's canvas (what a perfect export would show)."""
    if source.size == (width, height):
        return source
    fit = fit_into_canvas if pad else resize_rgba
    frames = [fit(f, width, height) for f in source.frames]
    return Sticker(frames, list(source.durations_ms), source.loop_count)


def timeline_psnr(source: Sticker, output: Sticker, *, speed: float = 1.0, pad: bool = True) -> float:
    """PSNR (dB) over one source loop, comparing what is on screen at every moment.

    ``speed`` > 1 when the exporter deliberately sped the loop up (output time t
    shows source time t * speed). The source is brought to the output canvas first.
    """
    ref = match_canvas(source, output.width, output.height, pad=pad)
    total_out = source.total_duration_ms / speed
    cuts = {0.0, total_out}
    cuts.update(t / speed for t in ref.start_times_ms())
    cuts.update(t for t in output.start_times_ms() if t < total_out)
    points = sorted(c for c in cuts if 0.0 <= c <= total_out)
    weighted, weight = 0.0, 0.0
    cache: dict[tuple[int, int], float] = {}
    for t0, t1 in zip(points, points[1:], strict=False):
        span = t1 - t0
        if span <= 0:
            continue
        mid = (t0 + t1) / 2.0
        key = (ref.frame_index_at(mid * speed), output.frame_index_at(mid))
        if key not in cache:
            cache[key] = frame_mse(ref.frames[key[0]], output.frames[key[1]])
        weighted += cache[key] * span
        weight += span
    return psnr_from_mse(weighted / max(weight, 1e-9))
