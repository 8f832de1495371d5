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
                              "alpha_loss", "red_change", "green_change", "blue_change",
                              "zoom_alpha0", "zoom_dark0", "zoom_change_mean", "zoom_step_mean", "zoom_red_change",
                              "zoom_green_change", "zoom_blue_change")
MAP_CHANNELS = len(MAP_NAMES)
SERIES_NAMES: tuple[str, ...] = (
    "change", *(f"region_{i}_{j}" for i in range(REGIONS) for j in range(REGIONS)),
    "mass", "centre_x", "centre_y", "spread_x", "spread_y", "orientation", "top", "bottom", "left", "right", "step",
    "zoom_change", "zoom_step", "zoom_top", "zoom_bottom", "zoom_left", "zoom_right",
    "zoom_where_x", "zoom_where_y", "zoom_where_side",
)
SERIES = len(SERIES_NAMES)
#: spectrum bins kept per series (0 .. STEPS // 2)
BINS = STEPS // 2 + 1
VECTOR = SERIES * (2 * BINS)


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


def _steps_and_box(frames: Sequence[np.ndarray]) -> tuple[list[np.ndarray], tuple[float, float, float]]:
    """The clip resampled to STEPS frames (one pass) and its subject box."""
    if len(frames) == 0:
        raise ValueError("a clip needs at least one frame")
    arrs = [np.asarray(f) for f in frames]
    for f in arrs:
        if f.ndim != 3 or f.shape[2] != 4 or f.dtype != np.uint8:
            raise ValueError(f"frames must be HxWx4 uint8 RGBA, got {f.shape} {f.dtype}")
        if f.shape != arrs[0].shape:
            raise ValueError("all frames of a clip must have the same size")
    box = subject_box(arrs[0][..., 3])
    if box is None:  # an empty first frame (an intro): the box of everything the clip shows
        box = subject_box(np.max(np.stack([f[..., 3] for f in arrs]), axis=0))
    h, w = arrs[0].shape[:2]
    if box is None:
        box = (w / 2.0, h / 2.0, float(max(w, h)))
    idx = (np.arange(STEPS) * len(arrs) / STEPS).astype(int)
    return [arrs[i] for i in idx.tolist()], box


def normalise_clip(frames: Sequence[np.ndarray], size: int = WORK) -> np.ndarray:
    """``[STEPS, size, size, 4]`` float32 premultiplied RGBA in [0, 1]: the clip in its subject's
    box, one pass resampled to STEPS frames (see the module docs)."""
    steps, (cx, cy, side) = _steps_and_box(frames)
    return _crop_all(steps, cx, cy, side, size)


def _crop_all(steps: list[np.ndarray], cx: float, cy: float, side: float, size: int) -> np.ndarray:
    cache: dict[int, np.ndarray] = {}
    out = np.empty((STEPS, size, size, 4), np.float32)
    for k, f in enumerate(steps):
        if id(f) not in cache:
            cache[id(f)] = _crop(f, cx, cy, side, size)
        out[k] = cache[id(f)]
    return out


def change_box(steps: list[np.ndarray], box: tuple[float, float, float]) -> tuple[float, float, float]:
    """(centre x, centre y, side) of a square around the pixels that change (full resolution), grown
    by a quarter on each side and at least a sixth of the subject box; the subject box when nothing changes."""
    ref = steps[0].astype(np.int16)
    changed = np.zeros(ref.shape[:2], bool)
    for f in steps[1:]:
        if f is not steps[0]:
            changed |= np.abs(f.astype(np.int16) - ref).max(axis=-1) > 40
    ys, xs = np.nonzero(changed)
    if len(xs) == 0:
        return box
    x0, x1, y0, y1 = float(xs.min()), float(xs.max() + 1), float(ys.min()), float(ys.max() + 1)
    side = min(box[2], max(x1 - x0, y1 - y0, box[2] / 6.0) * 1.5)
    return (x0 + x1) / 2.0, (y0 + y1) / 2.0, side


def _crop(rgba: np.ndarray, cx: float, cy: float, side: float, size: int = WORK) -> np.ndarray:
    h, w = rgba.shape[:2]
    x0, y0 = cx - side / 2.0, cy - side / 2.0
    x1, y1 = x0 + side, y0 + side
    pad = int(np.ceil(max(0.0, -x0, -y0, x1 - w, y1 - h))) + 1
    a = rgba[..., 3:4].astype(np.uint16)
    pre = np.concatenate([(rgba[..., :3] * a + 127) // 255, a], axis=-1).astype(np.uint8)
    if pad:
        pre = np.pad(pre, ((pad, pad), (pad, pad), (0, 0)))
    im = Image.fromarray(pre, "RGBA")
    small = im.resize((size, size), Image.Resampling.BOX, box=(x0 + pad, y0 + pad, x1 + pad, y1 + pad))
    return np.asarray(small, np.float32) / 255.0


def _pool(m: np.ndarray) -> np.ndarray:
    f = WORK // GRID
    return m.reshape(*m.shape[:-2], GRID, f, GRID, f).mean(axis=(-3, -1))


def clip_features(frames: Sequence[np.ndarray]) -> ClipFeatures:
    """The maps and series of a clip (RGBA uint8 frames; see the module docs)."""
    steps, box = _steps_and_box(frames)
    p = _crop_all(steps, *box, WORK)
    zoom_box = change_box(steps, box)
    z = _crop_all(steps, *zoom_box, GRID)
    zoom_maps, zoom_series = _zoom(z)
    # where the change is in the subject box (offset by 1 so the spectrum's bin 0, a magnitude, keeps the sign)
    where = np.array([1.0 + (zoom_box[0] - box[0]) / box[2], 1.0 + (zoom_box[1] - box[1]) / box[2],
                      zoom_box[2] / box[2]], np.float32)
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
    maps = np.concatenate([_pool(maps), zoom_maps]).astype(np.float32)

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
        *zoom_series, *np.repeat(where[None], STEPS, axis=0).T,
    ]).astype(np.float32)
    return ClipFeatures(maps, series)


def _zoom(z: np.ndarray) -> tuple[np.ndarray, list[np.ndarray]]:
    """Maps and series of the clip cropped to where it changes (``z``: [STEPS, GRID, GRID, 4])."""
    diff = np.abs(z - z[0][None]).sum(axis=-1)
    step = np.abs(z - np.roll(z, 1, axis=0)).sum(axis=-1)
    colour = (z[..., :3] - z[0][None, ..., :3]).mean(axis=0)
    a0 = z[0, ..., 3]
    maps = np.stack([a0, a0 - z[0, ..., :3].mean(axis=-1), diff.mean(0), step.mean(0),
                     colour[..., 0], colour[..., 1], colour[..., 2]])
    half = GRID // 2
    series = [diff.mean(axis=(1, 2)), step.mean(axis=(1, 2)), diff[:, :half].mean(axis=(1, 2)),
              diff[:, half:].mean(axis=(1, 2)), diff[:, :, :half].mean(axis=(1, 2)),
              diff[:, :, half:].mean(axis=(1, 2))]
    return maps, series


def spectrum(series: np.ndarray) -> np.ndarray:
    """Per series: the magnitudes of its STEPS-point DFT (bins 0 .. STEPS/2, ÷ STEPS) and its largest
    |value|, each squashed by asinh(50 x) so faint face motions and big hops share one scale; then the
    spectrum's *shape* (bins 1 .. STEPS/2 ÷ their sum), which says how a motion moves in time however
    small it is (two short blinks, four mouth openings, one slow look)."""
    s = np.asarray(series, np.float32)
    mags = np.abs(np.fft.rfft(s, axis=-1)) / s.shape[-1]
    peak = np.abs(s).max(axis=-1, keepdims=True)
    shape = mags[:, 1:] / (mags[:, 1:].sum(axis=-1, keepdims=True) + 1e-5)
    return np.concatenate([np.arcsinh(50.0 * np.concatenate([mags, peak], axis=-1)), shape],
                          axis=-1).reshape(-1).astype(np.float32)


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
