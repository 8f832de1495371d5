"""Entry points for ``export --target telegram-tgs``, the pack target, and writing a checked file.

* :func:`sticker_to_tgs` - a :class:`Sticker`: made by ``animate`` (its metadata holds the
  drawing and the motion) -> the motion as transforms; a still or still-looking animation
  -> a still vector sticker of the same length; an animation whose frames are moved,
  turned and scaled copies of frame 0 -> those transforms (estimated per frame and checked
  by re-rendering); anything else is refused with one line saying what to do.
* :func:`write_tgs` - validate the bytes with :mod:`.rules`, then write atomically.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from sticker_studio.core.atomic import atomic_write_bytes
from sticker_studio.core.errors import BudgetError, InvalidInputError
from sticker_studio.core.imageops import fit_into_canvas, premultiply
from sticker_studio.core.motion.presets import MOTION_SOURCE_KEY
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.quality import frame_mse, psnr_from_mse
from sticker_studio.formats.tgs import lottie
from sticker_studio.formats.tgs.motion import _TRACE_BORDER, MotionSettings, TgsResult, drawing_to_tgs, search_tgs
from sticker_studio.formats.tgs.rules import MAX_DURATION_MS, TGS_MAX_BYTES, tgs_problems
from sticker_studio.formats.validate import ExportValidationError, RuleViolation

#: Frames closer than this (max abs difference) to frame 0 count as "the same picture".
STILL_TOLERANCE = 3
#: A frame re-rendered from frame 0 by the estimated transform must match it this well (dB).
AFFINE_MIN_PSNR = 30.0
#: ... and the best coarse start (96 px, 15 degree steps) at least this well, or it is not refined.
COARSE_MIN_PSNR = 16.0


def motion_source(sticker: Sticker, pack_folder: Path | None = None,
                  sticker_id: str | None = None) -> np.ndarray | None:
    """The drawing a motion sticker was animated from (in memory, or its file in a pack)."""
    source = sticker.metadata.get(MOTION_SOURCE_KEY)
    if isinstance(source, np.ndarray):
        return source
    if isinstance(source, str) and pack_folder is not None and sticker_id is not None:
        from sticker_studio.core.pack.store import read_frame, source_file, sticker_dir

        name = source_file({MOTION_SOURCE_KEY: source})
        if name is None:
            return None
        path = sticker_dir(pack_folder, sticker_id) / name
        if not path.is_file():
            raise InvalidInputError(f"the drawing this sticker was animated from is missing ({path})")
        with Image.open(path) as im:
            w, h = im.size
        return read_frame(path, w, h, f"sticker {sticker_id}")
    return None


def sticker_to_tgs(sticker: Sticker, *, source: np.ndarray | None = None, max_bytes: int = TGS_MAX_BYTES,
                   name: str = "sticker") -> TgsResult:
    """A .tgs for ``sticker`` (see the module docstring); BudgetError when it cannot be one."""
    if sticker.frame_count > 1 and sticker.total_duration_ms > MAX_DURATION_MS:
        raise BudgetError(f"the animation lasts {sticker.total_duration_ms} ms; a Telegram .tgs may last at most"
                          f" {MAX_DURATION_MS} ms")
    from sticker_studio.core.puppet.stored import is_character_sticker

    if is_character_sticker(sticker.metadata):
        raise InvalidInputError(f"the character motion {sticker.metadata.get('motion')!r} moves parts of the "
                                "drawing, which a vector .tgs cannot; export it for the telegram target instead "
                                "(a .webm video sticker)")
    source = source if source is not None else motion_source(sticker)
    args = sticker.metadata.get("motion_args")
    # a sticker whose frame count changed after it was animated (trimmed, frames added) was
    # edited: its frames, not the recorded motion, are what the .tgs must show
    if source is not None and isinstance(args, dict) and args.get("frames") == sticker.frame_count:
        return drawing_to_tgs(source, MotionSettings.from_metadata(sticker.metadata), max_bytes=max_bytes, name=name)
    frames = [fit_into_canvas(f, lottie.CANVAS, lottie.CANVAS) for f in sticker.frames]
    n = max(1, int(round(sticker.total_duration_ms * lottie.FPS / 1000.0))) if sticker.frame_count > 1 else lottie.FPS
    starts = sticker.start_times_ms()
    index = [max(0, int(np.searchsorted(starts, f * 1000.0 / lottie.FPS, side="right")) - 1) for f in range(n)]
    transforms = frame_transforms(frames)
    channels = _channels(transforms, index, frames[0])
    first = frames[0]

    def render_rest(k: int) -> np.ndarray:
        side = lottie.CANVAS * k
        big = np.zeros((side + 2 * _TRACE_BORDER * k, side + 2 * _TRACE_BORDER * k, 4), np.uint8)
        scaled = first if k == 1 else fit_into_canvas(first, side, side)
        big[_TRACE_BORDER * k:_TRACE_BORDER * k + side, _TRACE_BORDER * k:_TRACE_BORDER * k + side] = scaled
        return big

    result = search_tgs(render_rest, channels, n, max_bytes=max_bytes, name=name, what="the animation")
    moving = sum(1 for t in transforms if not t.identity)
    result.notes.insert(0, "a still" if not moving else f"{moving} of {len(frames)} frames are moved copies of frame 0")
    result.duration_ms = sticker.total_duration_ms if sticker.frame_count > 1 else 1000
    return result


class FrameTransform:
    """Frame k = frame 0 turned by ``rotation``, scaled by ``scale`` about its alpha centroid, moved to ``centre``."""

    def __init__(self, centre: tuple[float, float], rotation: float = 0.0, scale: tuple[float, float] = (1.0, 1.0),
                 identity: bool = False) -> None:
        self.centre = centre
        self.rotation = rotation
        self.scale = scale
        self.identity = identity


def _centroid(alpha: np.ndarray) -> tuple[float, float]:
    w = alpha.astype(np.float64)
    total = w.sum()
    if total <= 0:
        return (alpha.shape[1] / 2.0, alpha.shape[0] / 2.0)
    ys, xs = np.indices(alpha.shape)
    return (float((xs * w).sum() / total) + 0.5, float((ys * w).sum() / total) + 0.5)


def _warp(frame0: np.ndarray, c0: tuple[float, float], t: FrameTransform, size: int) -> np.ndarray:
    """Frame 0 transformed by ``t`` (premultiplied bilinear), straight RGBA."""
    th = math.radians(t.rotation)
    c, s = math.cos(th), math.sin(th)
    sx, sy = t.scale
    m = np.array([[c * sx, -s * sy], [s * sx, c * sy]])
    inv = np.linalg.inv(m)
    off = np.asarray(c0) - inv @ np.asarray(t.centre)
    img = Image.fromarray(frame0, "RGBA").convert("RGBa")
    out = img.transform((size, size), Image.Transform.AFFINE,
                        (inv[0, 0], inv[0, 1], off[0], inv[1, 0], inv[1, 1], off[1]),
                        resample=Image.Resampling.BILINEAR)
    return np.asarray(out.convert("RGBA"))


def frame_transforms(frames: list[np.ndarray]) -> list[FrameTransform]:
    """Per frame, the move/turn/scale of frame 0 that shows it; BudgetError when some frame is not one."""
    first = frames[0]
    c0 = _centroid(first[..., 3])
    out: list[FrameTransform] = []
    small = 96
    prev: np.ndarray | None = None
    for k, frame in enumerate(frames):
        if k == 0 or np.abs(frame.astype(np.int16) - first.astype(np.int16)).max() <= STILL_TOLERANCE:
            out.append(FrameTransform(c0, identity=True))
            continue
        t, prev = _estimate(first, frame, c0, small, k, prev)
        out.append(t)
    return out


def _estimate(first: np.ndarray, frame: np.ndarray, c0: tuple[float, float], small: int, k: int,
              prev: np.ndarray | None) -> tuple[FrameTransform, np.ndarray]:
    """Frame ``k`` as a transform of frame 0: a coarse start (the previous frame's answer, else a grid of
    turns), refined by Powell on 96 px copies, then checked at full size."""
    from scipy.optimize import minimize

    side = first.shape[0]
    ratio = small / side
    target_small = premultiply(fit_into_canvas(frame, small, small)).astype(np.float32)
    f0s = fit_into_canvas(first, small, small)
    c0s = (c0[0] * ratio, c0[1] * ratio)
    ck = _centroid(frame[..., 3])
    area = max(1.0, float((first[..., 3] > 127).sum()))
    s0 = math.sqrt(max(1.0, float((frame[..., 3] > 127).sum())) / area)

    def cost(x: np.ndarray) -> float:
        t = FrameTransform((x[0], x[1]), float(x[2]), (float(x[3]), float(x[4])))
        warped = premultiply(_warp(f0s, c0s, t, small)).astype(np.float32)
        return float(np.mean((warped - target_small) ** 2))

    best = prev
    if best is None or psnr_from_mse(cost(best)) < 25.0:
        starts = [np.array([ck[0] * ratio, ck[1] * ratio, a, s0, s0]) for a in range(-180, 180, 15)]
        best = min([*starts, *([] if prev is None else [prev])], key=cost)
    if psnr_from_mse(cost(best)) < COARSE_MIN_PSNR:  # nothing like a moved copy: do not refine
        raise _not_affine(k, psnr_from_mse(cost(best)))
    fit = minimize(cost, best, method="Powell", options={"xtol": 1e-2, "ftol": 1e-3, "maxfev": 300})
    x = fit.x
    t = FrameTransform((x[0] / ratio, x[1] / ratio), float(x[2]), (float(x[3]), float(x[4])))
    check = _warp(first, c0, t, side)
    psnr = psnr_from_mse(frame_mse(check, frame))
    if psnr < AFFINE_MIN_PSNR:
        raise _not_affine(k, psnr)
    return t, np.asarray(x, np.float64)


def _not_affine(k: int, psnr: float) -> BudgetError:
    return BudgetError(
        f"frame {k + 1} is not a moved, turned or scaled copy of the first frame ({psnr:.1f} dB), so the"
        " animation cannot be a vector .tgs: make it from the drawing with"
        " `sticker-studio animate DRAWING --motion M -o OUT.tgs`, or export --target telegram")


def _channels(transforms: list[FrameTransform], index: list[int], first: np.ndarray) -> lottie.Channels:
    c0 = np.asarray(_centroid(first[..., 3]))
    anchor, position, scale, rotation = [], [], [], []
    for i in index:
        t = transforms[i]
        anchor.append(c0)
        position.append(np.asarray(t.centre))
        scale.append([t.scale[0] * 100.0, t.scale[1] * 100.0])
        rotation.append(t.rotation)
    n = len(index)
    rot = np.degrees(np.unwrap(np.radians(np.asarray(rotation, np.float64))))
    return lottie.Channels(np.asarray(anchor), np.asarray(position), np.asarray(scale), rot, np.full(n, 100.0))


def validate_tgs_bytes(data: bytes, max_bytes: int = TGS_MAX_BYTES) -> list[RuleViolation]:
    """Every Telegram rule the .tgs ``data`` breaks (empty = valid); see :mod:`.rules`."""
    return [RuleViolation(rule, message) for rule, message in tgs_problems(data, max_bytes)]


def write_tgs(result: TgsResult | bytes, path: str | os.PathLike[str], target: Any = None) -> Path:
    """Validate the .tgs bytes against Telegram's rules, then write them atomically (never a bad file)."""
    data = result.data if isinstance(result, TgsResult) else result
    violations = validate_tgs_bytes(data)
    if violations:
        from sticker_studio.formats.targets import get_target

        raise ExportValidationError(target or get_target("telegram-tgs"), violations)
    return atomic_write_bytes(path, data)
