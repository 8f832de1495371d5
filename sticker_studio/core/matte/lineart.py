"""Line art on paper → ink on transparency ("colour to alpha", as in GIMP).

A pencil or ink sketch on paper has no background *shape* to remove — the paper is
everywhere between the strokes. Each pixel is explained as the paper colour P with ink
of some colour F over it at opacity a (``C = a·F + (1−a)·P``); the smallest such a
(per channel: how far C is from P toward black or white) is the alpha, and F is the
ink colour un-mixed from the paper, so a blue-pencil line stays blue and faint strokes
stay faint. Paper grain and JPEG noise are taken out first: every channel's difference
from the paper shrinks by three times the paper's own noise there (measured, robustly, on
the frame border) — on cream paper the "lighter than paper" side of the blue channel has
almost no room (1 − P is small), so unshrunk noise would come out as pale blotches. Strokes
below ``noise`` opacity are dropped. numpy only.
"""

from __future__ import annotations

import numpy as np

from sticker_studio.core.matte.layout_prior import border_pixels, estimate_background

#: opacity below which a pixel is paper grain, not a stroke
LINEART_NOISE = 0.06
#: per channel, differences from the paper up to this many times the paper's noise are paper
NOISE_SIGMAS = 3.0
#: the least room (in [0, 1]) a channel is given toward black or white when its deviation becomes opacity
MIN_ROOM = 0.25
#: a stroke lighter than light paper (darker than dark paper) must differ from it by this much (in [0, 1])
AGAINST_THE_PAPER = 40 / 255


def paper_noise(rgb: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """(3,) in [0, 1]: the paper's noise per channel (1.4826 x the median absolute deviation of the border)."""
    ring = border_pixels(rgb) / 255.0
    return (1.4826 * np.median(np.abs(ring - paper), axis=0)).astype(np.float32)


def _toward_black_and_white(c: np.ndarray, p: np.ndarray, margin: np.ndarray) -> tuple[np.ndarray, ...]:
    """(noise-shrunk colour, opacity needed toward black, toward white) per channel, all in [0, 1]."""
    d = c - p
    c = p + np.sign(d) * np.maximum(np.abs(d) - margin, 0.0)  # paper noise is paper
    # within 2 % of white (black) paper nothing can be lighter (darker) than it: only paper
    # the room toward black (white) is floored at MIN_ROOM, so noise on a channel near its limit (the
    # red of cream paper, 1 - P = 0.035) cannot be blown up into a strong stroke
    darker = np.where(p > 0.02, (p - c) / np.maximum(p, MIN_ROOM), 0.0)
    lighter = np.where(p < 0.98, (c - p) / np.maximum(1.0 - p, MIN_ROOM), 0.0)
    return c, darker, lighter


def _channel_max(x: np.ndarray) -> np.ndarray:
    """The largest of the last axis's three channels (numpy's reduce over a length-3 axis is slow)."""
    return np.maximum(np.maximum(x[..., 0], x[..., 1]), x[..., 2])


def paper_margin(rgb: np.ndarray, paper: np.ndarray) -> np.ndarray:
    """(3,) in [0, 1]: per channel, how far from ``paper`` a pixel of these frames is still paper."""
    return np.maximum(NOISE_SIGMAS * paper_noise(rgb, paper), 1.5 / 255.0).astype(np.float32)


def least_opacity(rgb: np.ndarray, paper: np.ndarray, margin: np.ndarray | None = None) -> np.ndarray:
    """(…, H, W) float32 in [0, 1]: the least opacity any colour over ``paper`` needs to give each pixel.

    ``rgb`` uint8 (…, H, W, 3) (one frame or a clip), ``paper`` (3,) in [0, 1]. A pixel of
    colour C over paper P is ``a·F + (1−a)·P`` for some F in the RGB cube, so a is at least
    how far C is from P toward black or white, per channel (after the paper's noise, measured
    on the border, or ``margin`` from :func:`paper_margin`, is taken off). Pure blue on white needs
    a = 1; a 30 % grey shadow needs 0.3.
    A lower bound on true alpha wherever the paper really is ``paper`` (the matting head's alpha
    is raised to it on flat backgrounds).
    """
    c = rgb[..., :3].astype(np.float32) / 255.0
    p = np.asarray(paper, np.float32)
    c, darker, lighter = _toward_black_and_white(c, p, paper_margin(rgb, p) if margin is None else margin)
    return np.clip(_channel_max(np.where(c < p, darker, lighter)), 0.0, 1.0).astype(np.float32)


def lineart_alpha(rgb: np.ndarray, paper: np.ndarray | None = None, noise: float = LINEART_NOISE,
                  margin: np.ndarray | None = None) -> np.ndarray:
    """RGBA uint8 (H, W, 4) of an RGB uint8 sketch (H, W, 3) on paper (default: the border median);
    ``margin`` (:func:`paper_margin`, default: measured on ``rgb``'s border) for a crop of a frame."""
    c = rgb[..., :3].astype(np.float32) / 255.0
    p = (estimate_background(rgb)[0] if paper is None else np.asarray(paper, np.float32)) / 255.0
    c, darker, lighter = _toward_black_and_white(c, p, paper_margin(rgb, p) if margin is None else margin)
    # strokes are mostly darker than light paper (lighter than dark paper); a pixel only a little lighter
    # than light paper is JPEG ringing beside a stroke, while white ink on kraft paper is far lighter
    light_paper = float(p @ np.asarray([0.299, 0.587, 0.114], np.float32)) >= 0.5
    against = _channel_max(c - p if light_paper else p - c)[..., None]  # how far against the paper's way
    strong = against >= AGAINST_THE_PAPER
    if light_paper:
        lighter = np.where(strong, lighter, 0.0)
    else:
        darker = np.where(strong, darker, 0.0)
    a = np.clip(_channel_max(np.where(c < p, darker, lighter)), 0.0, 1.0)
    a = np.where(a < noise, 0.0, a)
    safe = np.maximum(a, 1e-3)[..., None]
    fg = np.clip((c - (1.0 - a[..., None]) * p) / safe, 0.0, 1.0)
    fg[a == 0] = 0.0
    return (np.concatenate([fg, a[..., None]], axis=-1) * 255.0 + 0.5).astype(np.uint8)
