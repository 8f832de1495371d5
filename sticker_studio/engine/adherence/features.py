"""What a clip's motion looks like, as numbers a small classifier reads (numpy + Pillow only).

A clip (RGBA frames, any size, any count) is first **normalised to its subject**: the square
around frame 0's subject (alpha > 16), grown by :data:`MARGIN` of its side on every side so a
raised arm, a hop, tears or a zzz above the head stay in view, is resampled to
``WORK`` ² premultiplied RGBA (area average; what lies past the canvas is transparent), and
the clip is resampled in time to :data:`STEPS` frames (one pass of the loop).

Then, against frame 0:

* **maps** ``[MAP_CHANNELS, GRID, GRID]`` — WHERE things change: frame 0's alpha and darkness
  (where the body and its eyes are), the mean and the largest change of each cell over the clip,
  the frame-to-frame change (fast motions: shiver, talk), alpha gained (an arm raised outside
  the body, effects) and lost, and the mean signed colour change (eyelids in the skin colour
  over dark eyes; blue tears; red hearts and anger marks);
* **series** ``[SERIES, STEPS]`` — HOW things change in time: the total change, the change in
  each of 4×4 regions, the alpha mass, centroid, spread, orientation and extents, the
  frame-to-frame change; the classifier reads their spectra (:func:`spectrum`), which do not
  depend on where the loop starts and move with the speed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

#: side of the square, in box units, around frame 0's subject: 1 + 2 * MARGIN times its longer side
MARGIN = 0.3
#: working resolution of the normalised box
WORK = 64
#: side of the feature maps
GRID = 32
#: time samples of one pass of the clip
STEPS = 24
#: 4x4 regions whose change is followed in time
REGIONS = 4
MAP_NAMES: tuple[str, ...] = ("alpha0", "dark0", "change_mean", "change_max", "step_mean", "alpha_gain",
                              "alpha_loss", "red_change", "green_change", "blue_change")
MAP_CHANNELS = len(MAP_NAMES)
SERIES_NAMES: tuple[str, ...] = (
    "change", *(f"region_{i}_{j}" for i in range(REGIONS) for j in range(REGIONS)),
    "mass", "centre_x", "centre_y", "spread_x", "spread_y", "orientation", "top", "bottom", "left", "right", "step",
)
SERIES = len(SERIES_NAMES)
#: spectrum bins kept per series (0 .. STEPS // 2)
BINS = STEPS // 2 + 1
VECTOR = SERIES * (BINS + 1)


@dataclass
class ClipFeatures:
    """``maps`` float32 ``[MAP_CHANNELS, GRID, GRID]``, ``series`` float32 ``[SERIES, STEPS]``."""

    maps: np.ndarray
    series: np.ndarray

    def vector(self) -> np.ndarray:
        """The series as the classifier reads them: :func:`spectrum`, float32 ``[VECTOR]``."""
        return spectrum(self.series)


def subject_box(alpha: np.ndarray, threshold: int = 16) -> tuple[float, float, float] | None:
    """(centre x, centre y, side) of the square box around the subject, grown by MARGIN; None if empty."""
    ys, xs = np.nonzero(alpha > threshold)
    if len(xs) == 0:
        return None
    x0, x1, y0, y1 = float(xs.min()), float(xs.max() + 1), float(ys.min()), float(ys.max() + 1)
    side = max(x1 - x0, y1 - y0, 4.0) * (1.0 + 2.0 * MARGIN)
    return (x0 + x1) / 2.0, (y0 + y1) / 2.0, side


def normalise_clip(frames: Sequence[np.ndarray]) -> np.ndarray:
    """``[STEPS, WORK, WORK, 4]`` float32 premultiplied RGBA in [0, 1]: the clip in its subject's
    box, one pass resampled to STEPS frames (see the module docs)."""
    if len(frames) == 0:
        raise ValueError("a clip needs at least one frame")
    arrs = [np.asarray(f) for f in frames]
    for f in arrs:
        if f.ndim != 3 or f.shape[2] != 4 or f.dtype != np.uint8:
            raise ValueError(f"frames must be HxWx4 uint8 RGBA, got {f.shape} {f.dtype}")
    box = subject_box(arrs[0][..., 3])
    if box is None:  # an empty first frame (an intro): the box of everything the clip shows
        box = subject_box(np.max(np.stack([f[..., 3] for f in arrs if f.shape == arrs[0].shape]), axis=0))
    h, w = arrs[0].shape[:2]
    if box is None:
        box = (w / 2.0, h / 2.0, float(max(w, h)))
    cx, cy, side = box
    idx = (np.arange(STEPS) * len(arrs) / STEPS).astype(int)
    cache: dict[int, np.ndarray] = {}
    out = np.empty((STEPS, WORK, WORK, 4), np.float32)
    for k, i in enumerate(idx.tolist()):
        if i not in cache:
            cache[i] = _crop(arrs[i], cx, cy, side)
        out[k] = cache[i]
    return out


def _crop(rgba: np.ndarray, cx: float, cy: float, side: float) -> np.ndarray:
    h, w = rgba.shape[:2]
    x0, y0 = cx - side / 2.0, cy - side / 2.0
    x1, y1 = x0 + side, y0 + side
    pad = int(np.ceil(max(0.0, -x0, -y0, x1 - w, y1 - h))) + 1
    a = rgba[..., 3:4].astype(np.uint16)
    pre = np.concatenate([(rgba[..., :3] * a + 127) // 255, a], axis=-1).astype(np.uint8)
    if pad:
        pre = np.pad(pre, ((pad, pad), (pad, pad), (0, 0)))
    im = Image.fromarray(pre, "RGBA")
    small = im.resize((WORK, WORK), Image.Resampling.BOX, box=(x0 + pad, y0 + pad, x1 + pad, y1 + pad))
    return np.asarray(small, np.float32) / 255.0


def _pool(m: np.ndarray) -> np.ndarray:
    f = WORK // GRID
    return m.reshape(*m.shape[:-2], GRID, f, GRID, f).mean(axis=(-3, -1))


def clip_features(frames: Sequence[np.ndarray]) -> ClipFeatures:
    """The maps and series of a clip (RGBA uint8 frames; see the module docs)."""
    p = normalise_clip(frames)
    p0 = p[0]
    diff = np.abs(p - p0[None]).sum(axis=-1)                      # [T, W, W]
    step = np.abs(p - np.roll(p, 1, axis=0)).sum(axis=-1)          # cyclic frame-to-frame
    a = p[..., 3]
    gain = np.clip(a - a[0][None], 0.0, None)
    loss = np.clip(a[0][None] - a, 0.0, None)
    colour = (p[..., :3] - p0[None, ..., :3]).mean(axis=0)          # [W, W, 3] signed
    dark0 = a[0] - p0[..., :3].mean(axis=-1)                        # opaque and dark: eyes, outlines
    maps = np.stack([
        a[0], dark0, diff.mean(0), diff.max(0), step.mean(0), gain.max(0), loss.max(0),
        colour[..., 0], colour[..., 1], colour[..., 2],
    ])
    maps = _pool(maps).astype(np.float32)

    r = WORK // REGIONS
    regions = diff.reshape(STEPS, REGIONS, r, REGIONS, r).mean(axis=(2, 4)).reshape(STEPS, -1)
    yy, xx = (np.mgrid[0:WORK, 0:WORK].astype(np.float32) + 0.5) / WORK
    mass = a.sum(axis=(1, 2)) + 1e-6
    mx = (a * xx).sum(axis=(1, 2)) / mass
    my = (a * yy).sum(axis=(1, 2)) / mass
    vx = (a * (xx - mx[:, None, None]) ** 2).sum(axis=(1, 2)) / mass
    vy = (a * (yy - my[:, None, None]) ** 2).sum(axis=(1, 2)) / mass
    cxy = (a * (xx - mx[:, None, None]) * (yy - my[:, None, None])).sum(axis=(1, 2)) / mass
    theta = 0.5 * np.arctan2(2 * cxy, vx - vy)
    dtheta = np.angle(np.exp(2j * (theta - theta[0]))) / 2.0
    rows = a.max(axis=2) > 0.5
    cols = a.max(axis=1) > 0.5

    def extent(mask: np.ndarray, last: bool) -> np.ndarray:
        anyv = mask.any(axis=1)
        first = np.where(anyv, mask.argmax(axis=1), WORK // 2)
        lastv = np.where(anyv, WORK - 1 - mask[:, ::-1].argmax(axis=1), WORK // 2)
        return (lastv if last else first).astype(np.float32) / WORK

    top, bottom = extent(rows, False), extent(rows, True)
    left, right = extent(cols, False), extent(cols, True)
    series = np.stack([
        diff.mean(axis=(1, 2)), *regions.T, mass / mass[0] - 1.0, mx - mx[0], my - my[0],
        np.sqrt(vx) - np.sqrt(vx[0]), np.sqrt(vy) - np.sqrt(vy[0]), dtheta,
        top - top[0], bottom - bottom[0], left - left[0], right - right[0], step.mean(axis=(1, 2)),
    ]).astype(np.float32)
    return ClipFeatures(maps, series)


def spectrum(series: np.ndarray) -> np.ndarray:
    """Per series: the magnitudes of its STEPS-point DFT (bins 0 .. STEPS/2, ÷ STEPS) and its largest
    |value|, each squashed by asinh(50 x) so faint face motions and big hops share one scale."""
    s = np.asarray(series, np.float32)
    mags = np.abs(np.fft.rfft(s, axis=-1)) / s.shape[-1]
    peak = np.abs(s).max(axis=-1, keepdims=True)
    return np.arcsinh(50.0 * np.concatenate([mags, peak], axis=-1)).reshape(-1).astype(np.float32)


def mirrored(frames: Sequence[np.ndarray]) -> list[np.ndarray]:
    """The clip mirrored left-right (a wave with the other arm)."""
    return [np.ascontiguousarray(np.asarray(f)[:, ::-1]) for f in frames]


def on_white_silhouette(frames: Sequence[np.ndarray], side: int) -> list[np.ndarray]:
    """The clip as the learned generator shows it: composited on white at ``side``² and read back
    with "alpha = how far from white" (as :func:`sticker_studio.training.eval.evaluate.silhouette_on_white`)."""
    out = []
    for f in frames:
        f = np.asarray(f)
        h, w = f.shape[:2]
        if h != w:  # centred on a square canvas, as the generator's square frames are
            n = max(h, w)
            sq = np.zeros((n, n, 4), np.uint8)
            sq[(n - h) // 2:(n - h) // 2 + h, (n - w) // 2:(n - w) // 2 + w] = f
            f = sq
        im = Image.fromarray(f, "RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        rgb = np.asarray(Image.alpha_composite(bg, im).convert("RGB").resize((side, side), Image.Resampling.BILINEAR))
        distance = (255.0 - rgb.astype(np.float32)).max(axis=-1)
        alpha = np.clip((distance - 8.0) / 40.0, 0.0, 1.0) * 255.0
        out.append(np.concatenate([rgb, (alpha + 0.5).astype(np.uint8)[..., None]], axis=-1))
    return out
