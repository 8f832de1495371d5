"""Matting works frame by frame: no full-size float copy of every frame (tracemalloc sees numpy)."""

from __future__ import annotations

import tracemalloc

import numpy as np

from sticker_studio.engine.matting.matte import colorkey_matte, flatten_on_white


def _frames(n: int = 12, side: int = 64) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    out = []
    for _ in range(n):
        f = np.full((side, side, 4), 255, np.uint8)  # white background
        f[20:44, 20:44, :3] = rng.integers(0, 200, (24, 24, 3), dtype=np.uint8)
        out.append(f)
    return out


def _peak(fn, *args):
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = fn(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, peak


def test_flatten_and_colorkey_hold_no_float_stack() -> None:
    frames = _frames()
    n, (h, w) = len(frames), frames[0].shape[:2]
    rgb, peak = _peak(flatten_on_white, frames)
    assert rgb.shape == (n, h, w, 3)
    one_float_frame = h * w * 4 * 4
    # the uint8 result plus a few one-frame temporaries (a float stack would be 16 bytes a pixel)
    assert peak < rgb.nbytes + 4 * one_float_frame, peak
    rgba, peak = _peak(colorkey_matte, rgb)
    assert rgba.shape == (n, h, w, 4) and rgba[0, 0, 0, 3] == 0 and rgba[0, 32, 32, 3] == 255
    # the colour key's temporaries are per frame: doubling the frames grows the peak by the output only
    rgb2 = np.concatenate([rgb, rgb])
    rgba2, peak2 = _peak(colorkey_matte, rgb2)
    assert peak2 - peak < 1.5 * (rgba2.nbytes - rgba.nbytes), (peak, peak2)
