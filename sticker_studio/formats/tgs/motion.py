"""A drawing + a motion preset -> a Telegram ``.tgs``: traced once, the motion as layer transforms.

The layout (subject size, where the motion sits on the 512x512 canvas, how much of the
amplitude fits) is the one :func:`sticker_studio.core.motion.presets.animate` computes for the same
drawing and settings at 60 fps, so the ``.tgs`` and the raster sticker show the same motion:
:func:`reference_kwargs` gives the ``animate`` call that renders the raster twin frame for
frame. Each frame's :class:`~sticker_studio.core.motion.poses.Pose` becomes the layer's
anchor (the pose's pivot), position, scale, rotation and opacity; the channels are sampled
at every frame and thinned to linear keyframes (:mod:`.lottie`).

Mesh-warp presets (``jelly``, ``wave``) keep the pose's affine part in the layer transform
and write the warp as keyframes of every path's vertices and control points (each moved by
the preset's warp field, a key every :data:`WARP_KEY_STEP` frames, linear in between).
That multiplies the file by the number of keys, so only coarser tracings fit; when none
does, each frame's warp is replaced by the skew-free affine transform closest to it over
the subject's pixels (least squares, then the rotation of the polar decomposition and the
diagonal of what is left): ``jelly``'s squash stays and the late sway of the top becomes a
small rock; ``wave``'s ripple mostly disappears.

The tracing detail is searched over :data:`.trace.DETAIL_LADDER`: every *quality* rung
(traced at 3x or 2x the sticker's pixels, all colours or reduced to 32/24/16) whose gzipped
file fits the byte budget is rasterised at rest (:func:`.trace.rasterize`) and compared
with the drawing at rest; the best PSNR wins. Only when none fits are the coarser
*fall-back* rungs tried, in order. The paths must stay on the canvas at every frame. Nothing
fitting is a :class:`BudgetError` saying what to do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from sticker_studio.core import pixelart
from sticker_studio.core.errors import BudgetError, InvalidInputError
from sticker_studio.core.motion.poses import MotionParams, Pose, get_easing
from sticker_studio.core.motion.presets import (
    DEFAULT_SUBJECT_SIZE,
    MotionPreset,
    get_preset,
    plan_motion,
    sized_layout,
)
from sticker_studio.core.motion.render import (
    MIN_SCALE,
    CanvasLayout,
    PreparedSource,
    SubjectGeometry,
    convex_hull,
    fit_layout,
    forward_points,
    motion_extent,
    render_pose,
)
from sticker_studio.core.sticker import durations_for_fps
from sticker_studio.formats.quality import frame_mse, psnr_from_mse
from sticker_studio.formats.tgs import lottie
from sticker_studio.formats.tgs.rules import MAX_DURATION_MS, MAX_JSON_BYTES, TGS_MAX_BYTES
from sticker_studio.formats.tgs.trace import DETAIL_LADDER, TracedPath, TraceSettings, rasterize, trace_rgba

#: Presets whose pose carries a mesh warp that the .tgs approximates with an affine transform.
WARP_NOTE = "mesh warp approximated per frame by the closest skew-free affine transform"
#: Frames between path keyframes of a mesh warp (linear in between).
WARP_KEY_STEP = 4
WARP_PATH_NOTE = f"mesh warp written as path keyframes every {WARP_KEY_STEP} frames"
#: Extra border (canvas pixels) around the canvas when the rest pose is rendered for tracing.
_TRACE_BORDER = 64


@dataclass(frozen=True)
class MotionSettings:
    """What ``animate`` is asked (None: the preset's default frames / fps / easing)."""

    motion: str
    frames: int | None = None
    fps: float | None = None
    amplitude: float = 1.0
    speed: float = 1.0
    easing: str | None = "ease-in-out"
    subject_size: float | None = None
    margin: float = 0.03

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> MotionSettings:
        """The settings ``animate`` recorded in a sticker's metadata (``motion_args``)."""
        args = meta.get("motion_args")
        if not isinstance(args, dict) or not isinstance(args.get("motion"), str):
            raise InvalidInputError("the sticker does not record the motion it was animated with")
        keys = ("frames", "fps", "amplitude", "speed", "easing", "subject_size", "margin")
        return cls(motion=args["motion"], **{k: args[k] for k in keys if k in args})


@dataclass
class TgsPlan:
    """The motion laid out for the .tgs: per-frame poses at 60 fps on the 512 canvas."""

    preset: MotionPreset
    settings: MotionSettings
    geom: SubjectGeometry
    layout: CanvasLayout
    poses: list[Pose]
    frames: int  # .tgs frames (op)
    duration_ms: int
    amplitude_factor: float
    easing: str
    cycles: int


@dataclass
class TgsResult:
    """A .tgs that passed the rules, and how it was made."""

    data: bytes  # the gzipped file
    json_bytes: int
    document: dict[str, Any] = field(repr=False)
    settings: TraceSettings = TraceSettings()
    rung: int = 0
    paths: int = 0
    keyframes: int = 0
    frames: int = 0
    duration_ms: int = 0
    motion: str = ""
    amplitude_used: float = 1.0
    notes: list[str] = field(default_factory=list)
    reference: dict[str, Any] = field(default_factory=dict)
    #: PSNR (dB) of the traced paths at rest against the drawing at rest (how the rung was chosen)
    trace_psnr: float = 0.0

    @property
    def byte_size(self) -> int:
        return len(self.data)


def plan_tgs(drawing: np.ndarray, settings: MotionSettings) -> TgsPlan:
    """Lay the motion out exactly as ``animate(**reference_kwargs(plan))`` does at 60 fps."""
    rgba = _check_drawing(drawing)
    preset = get_preset(settings.motion)
    frames = preset.frames if settings.frames is None else int(settings.frames)
    fps = preset.fps if settings.fps is None else float(settings.fps)
    easing = settings.easing
    ease_name = preset.easing if easing is None or (not preset.loops and easing == "ease-in-out") else easing
    params = MotionParams(amplitude=float(settings.amplitude), easing=get_easing(ease_name))
    raster = plan_motion(preset, frames, fps, float(settings.speed))
    duration_ms = sum(durations_for_fps(frames, raster.fps))
    if duration_ms > MAX_DURATION_MS:
        raise BudgetError(
            f"the {preset.name} loop lasts {duration_ms} ms; a Telegram .tgs may last at most {MAX_DURATION_MS} ms:"
            " use fewer frames, a higher --fps or --speed")
    n = max(1, int(round(duration_ms * lottie.FPS / 1000.0)))
    phases = plan_motion(preset, n, lottie.FPS, float(settings.speed)).phases
    geom = SubjectGeometry.from_alpha(rgba[..., 3])
    size_fraction = DEFAULT_SUBJECT_SIZE if settings.subject_size is None else float(settings.subject_size)
    if not 0.0 <= size_fraction <= 1.0:
        raise InvalidInputError(f"subject size is a fraction of the canvas between 0 and 1, got {size_fraction}")
    side = lottie.CANVAS
    if size_fraction > 0:
        layout, factor, poses = sized_layout(preset, phases, params, geom, side, side, size_fraction,
                                             settings.margin, False)
    else:
        poses = [preset.pose(t, params) for t in phases]
        layout, factor = fit_layout(motion_extent(poses, geom), side, side, settings.margin), 1.0
    return TgsPlan(preset, settings, geom, layout, poses, n, duration_ms, factor, ease_name, raster.cycles)


def reference_kwargs(plan: TgsPlan) -> dict[str, Any]:
    """Keyword arguments of the ``animate`` call whose frames are this .tgs's raster twin."""
    s = plan.settings
    speed = float(s.speed)
    fps = lottie.FPS * plan.cycles / speed if plan.preset.loops else lottie.FPS / speed
    return {"frames": plan.frames, "fps": fps, "amplitude": float(s.amplitude), "speed": speed,
            "easing": s.easing, "size": lottie.CANVAS, "margin": s.margin, "subject_size": s.subject_size,
            "pixel_art": False}


def _check_drawing(drawing: np.ndarray) -> np.ndarray:
    arr = np.asarray(drawing)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 4:
        raise InvalidInputError(f"a .tgs is traced from an HxWx4 RGBA drawing, got {arr.dtype} {arr.shape}")
    if not (arr[..., 3] >= 128).any():
        raise InvalidInputError("the drawing has no opaque subject to trace (it is transparent)")
    return arr


# ----------------------------------------------------------------------------- poses -> channels
def subject_samples(rgba: np.ndarray, geom: SubjectGeometry, count: int = 1500) -> np.ndarray:
    """Up to ``count`` opaque pixel centres of the drawing in subject units (for warp fitting)."""
    ys, xs = np.nonzero(rgba[..., 3] >= 128)
    step = max(1, len(xs) // count)
    pts = np.stack([xs[::step] + 0.5, ys[::step] + 0.5], axis=1).astype(np.float64)
    return (pts - np.asarray(geom.center)) / geom.unit


def affine_pose(pose: Pose, geom: SubjectGeometry, samples: np.ndarray) -> Pose:
    """The warp-free pose closest to ``pose`` over ``samples`` (same pivot and opacity, no skew)."""
    if pose.warp is None:
        return pose
    target = forward_points(pose, geom, samples)
    design = np.concatenate([samples, np.ones((len(samples), 1))], axis=1)
    coef, *_ = np.linalg.lstsq(design, target, rcond=None)
    a = coef[:2].T  # target ~ a @ q + t
    u, _, vt = np.linalg.svd(a)
    rot = u @ vt
    if np.linalg.det(rot) < 0:  # a mirror: keep it in the scale, not the rotation
        u[:, -1] *= -1
        rot = u @ vt
    theta = math.atan2(rot[1, 0], rot[0, 0])
    rest = rot.T @ a
    sx, sy = float(rest[0, 0]), float(rest[1, 1])
    c, s = math.cos(theta), math.sin(theta)
    m = np.array([[c * sx, -s * sy], [s * sx, c * sy]])
    pivot = np.array([pose.pivot[0] * geom.half[0], pose.pivot[1] * geom.half[1]])
    t = np.mean(target - pivot - (samples - pivot) @ m.T, axis=0)
    return Pose(tx=float(t[0]), ty=float(t[1]), rotation=math.degrees(theta), sx=sx, sy=sy, pivot=pose.pivot,
                opacity=pose.opacity)


def pose_channels(plan: TgsPlan, samples: np.ndarray) -> lottie.Channels:
    """Per-frame layer transform values for the plan's poses (canvas pixels, percent, degrees)."""
    geom, layout = plan.geom, plan.layout
    centre = np.array([layout.width / 2.0, layout.height / 2.0])
    origin = np.asarray(layout.origin)
    anchor, position, scale, rotation, opacity = [], [], [], [], []
    for raw in plan.poses:
        pose = affine_pose(raw, geom, samples)
        pivot = np.array([pose.pivot[0] * geom.half[0], pose.pivot[1] * geom.half[1]])
        a = centre + (pivot - origin) * layout.scale
        anchor.append(a)
        position.append(a + np.array([pose.tx, pose.ty]) * layout.scale)
        sx = math.copysign(max(MIN_SCALE, abs(pose.sx)), pose.sx)
        sy = math.copysign(max(MIN_SCALE, abs(pose.sy)), pose.sy)
        scale.append([sx * 100.0, sy * 100.0])
        rotation.append(pose.rotation)
        opacity.append(max(0.0, min(1.0, pose.opacity)) * 100.0)
    rot = np.degrees(np.unwrap(np.radians(np.asarray(rotation, np.float64))))
    return lottie.Channels(np.asarray(anchor), np.asarray(position), np.asarray(scale), rot,
                           np.asarray(opacity, np.float64))


def transformed_bounds(points: np.ndarray, shown: lottie.Channels) -> tuple[np.ndarray, np.ndarray]:
    """Per-frame (min xy, max xy) of ``points`` (rest canvas px) under the layer transform shown."""
    lo, hi = [], []
    for f in range(shown.frames):
        th = math.radians(float(shown.rotation[f]))
        c, s = math.cos(th), math.sin(th)
        sx, sy = shown.scale[f] / 100.0
        m = np.array([[c * sx, -s * sy], [s * sx, c * sy]])
        moved = shown.position[f] + (points - shown.anchor[f]) @ m.T
        lo.append(moved.min(axis=0))
        hi.append(moved.max(axis=0))
    return np.asarray(lo), np.asarray(hi)


def off_canvas_frames(points: np.ndarray, shown: lottie.Channels, side: int = lottie.CANVAS) -> list[int]:
    """Frames at which some path point (or control point) leaves the canvas."""
    lo, hi = transformed_bounds(points, shown)
    bad = (lo < -1e-6).any(axis=1) | (hi > side + 1e-6).any(axis=1)
    visible = shown.opacity > 0
    return [int(f) for f in np.flatnonzero(bad & visible)]


# ----------------------------------------------------------------------------- tracing + search
def rest_frame(drawing: np.ndarray, plan: TgsPlan, resolution: int = 1, pixel_art: bool = False) -> np.ndarray:
    """The drawing at rest on the canvas with a border, at ``resolution`` x the canvas pixels.

    A point (x, y) of it is canvas point ``(x / resolution - border, y / resolution - border)``.
    ``pixel_art`` scales nearest-neighbour (hard square pixels) instead of smoothly: a one-pixel
    eye stays an opaque square of its own colour, not a blend the tracer merges away.
    """
    k = int(resolution)
    big = CanvasLayout((plan.layout.width + 2 * _TRACE_BORDER) * k, (plan.layout.height + 2 * _TRACE_BORDER) * k,
                       plan.layout.scale * k, plan.layout.origin)
    source = PreparedSource.build(drawing, plan.geom, plan.layout.scale * k, prefilter=not pixel_art)
    return render_pose(source, plan.geom, Pose(), big, nearest=pixel_art)


#: Pixel art is traced with straight edges (square corners) and no speckle filter: its details
#: are whole art pixels, each many canvas pixels wide.
def pixel_art_ladder(ladder: tuple[TraceSettings, ...] = DETAIL_LADDER) -> tuple[TraceSettings, ...]:
    """``ladder`` for pixel art: polygon mode, corners kept, no speckle dropped on the quality rungs."""
    return tuple(replace(s, mode="polygon", corner_threshold=30, filter_speckle=s.filter_speckle if s.tier else 1)
                 for s in ladder)




def _subject_crop(rgba: np.ndarray, pad: int) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the opaque subject plus ``pad`` pixels (tracing only that is faster)."""
    mask = rgba[..., 3] >= 128
    if not mask.any():
        return 0, 0, rgba.shape[1], rgba.shape[0]
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    h, w = mask.shape
    return (max(0, int(cols[0]) - pad), max(0, int(rows[0]) - pad), min(w, int(cols[-1]) + 1 + pad),
            min(h, int(rows[-1]) + 1 + pad))


def _off_canvas_keyed(keyed: list[tuple[int, list[TracedPath]]], shown: lottie.Channels) -> list[int]:
    """Frames at which warped paths leave the canvas (between two keys: the hull of both)."""
    bad: list[int] = []
    hulls = [_path_points(paths) for _, paths in keyed]
    for m, (start, _) in enumerate(keyed):
        end = keyed[m + 1][0] if m + 1 < len(keyed) else shown.frames
        pts = np.concatenate([hulls[m], hulls[min(m + 1, len(hulls) - 1)]])
        for f in range(start, max(start + 1, end)):
            if f >= shown.frames:
                break
            one = lottie.Channels(shown.anchor[f:f + 1], shown.position[f:f + 1], shown.scale[f:f + 1],
                                  shown.rotation[f:f + 1], shown.opacity[f:f + 1])
            if off_canvas_frames(pts, one):
                bad.append(f)
    return bad


def _path_points(paths: list[TracedPath]) -> np.ndarray:
    pts = np.concatenate([sub.control_points() for p in paths for sub in p.subpaths])
    return convex_hull(pts) if len(pts) > 2 else pts


#: A drawing with at least this share of semi-transparent pixels gets a note: tracing makes alpha hard.
SOFT_NOTE_SHARE = 0.15


def soft_share(rgba: np.ndarray) -> float:
    """The share of the drawing's visible pixels that are semi-transparent (alpha 16 to 239)."""
    alpha = rgba[..., 3]
    visible = int((alpha >= 16).sum())
    return float(((alpha >= 16) & (alpha < 240)).sum()) / visible if visible else 0.0


def drawing_to_tgs(drawing: np.ndarray, settings: MotionSettings, *, max_bytes: int = TGS_MAX_BYTES,
                   ladder: tuple[TraceSettings, ...] | None = None, name: str = "sticker") -> TgsResult:
    """Trace ``drawing`` once and write ``settings``' motion as Lottie transforms; the finest detail that fits."""
    rgba = _check_drawing(drawing)
    plan = plan_tgs(rgba, settings)
    notes: list[str] = []
    soft = soft_share(rgba)
    if soft >= SOFT_NOTE_SHARE:
        notes.append(f"{soft:.0%} of the drawing is semi-transparent (a glow or shadow): a .tgs draws it solid"
                     " where it is at least half opaque and leaves out the rest; a video sticker keeps it")
    art = pixelart.looks_like_pixel_art([rgba])
    if art:
        ladder = pixel_art_ladder(DETAIL_LADDER if ladder is None else ladder)
        notes.append("pixel art: traced from its square pixels with straight edges")
    warp = None
    if any(p.warp is not None for p in plan.poses):
        warp = warp_keys(plan)
        channels = pose_channels(replace(plan, poses=[replace(p, warp=None) for p in plan.poses]),
                                 subject_samples(rgba, plan.geom))
        try:
            result = search_tgs(lambda k: rest_frame(rgba, plan, k, art), channels, plan.frames, max_bytes=max_bytes,
                                ladder=ladder, name=name, what=f"the {plan.preset.name} motion", warp=warp)
            notes.append(f"{plan.preset.name}: {WARP_PATH_NOTE}")
        except BudgetError:
            warp = None  # the warped paths do not fit: approximate the warp with the layer transform
    if warp is None:
        channels = pose_channels(plan, subject_samples(rgba, plan.geom))
        if any(p.warp is not None for p in plan.poses):
            notes.append(f"{plan.preset.name}: {WARP_NOTE}")
        result = search_tgs(lambda k: rest_frame(rgba, plan, k, art), channels, plan.frames, max_bytes=max_bytes,
                            ladder=ladder, name=name, what=f"the {plan.preset.name} motion")
    result.notes = notes + result.notes
    result.duration_ms, result.motion = plan.duration_ms, plan.preset.name
    result.amplitude_used = round(float(settings.amplitude) * plan.amplitude_factor, 4)
    result.reference = reference_kwargs(plan)
    return result


@dataclass(frozen=True)
class WarpKeys:
    """A mesh warp as path keyframes: at each key frame, a map of rest canvas points (N, 2)."""

    frames: tuple[int, ...]
    maps: tuple[Callable[[np.ndarray], np.ndarray], ...]

    def keyed(self, paths: list[TracedPath]) -> list[tuple[int, list[TracedPath]]]:
        return [(f, [p.mapped(fn) for p in paths]) for f, fn in zip(self.frames, self.maps, strict=True)]


def warp_keys(plan: TgsPlan, step: int = WARP_KEY_STEP) -> WarpKeys:
    """Path keyframes for the plan's mesh warp: every ``step`` frames and the last frame."""
    geom, layout = plan.geom, plan.layout
    centre = np.array([layout.width / 2.0, layout.height / 2.0])
    origin = np.asarray(layout.origin)
    half = np.asarray(geom.half)
    frames = sorted(set(range(0, plan.frames, step)) | {plan.frames - 1})

    def make(pose: Pose) -> Callable[[np.ndarray], np.ndarray]:
        def fn(points: np.ndarray) -> np.ndarray:
            if pose.warp is None:
                return points
            q = (points - centre) / layout.scale + origin
            dx, dy = pose.warp(q[:, 0] / half[0], q[:, 1] / half[1])
            d = np.stack([np.broadcast_to(dx, q[:, 0].shape), np.broadcast_to(dy, q[:, 1].shape)], axis=1)
            return points + d * layout.scale
        return fn

    return WarpKeys(tuple(frames), tuple(make(plan.poses[f]) for f in frames))


def search_tgs(render_rest: Callable[[int], np.ndarray], channels: lottie.Channels, frames: int, *,
               max_bytes: int = TGS_MAX_BYTES, ladder: tuple[TraceSettings, ...] | None = None,
               name: str = "sticker", what: str = "the motion", warp: WarpKeys | None = None) -> TgsResult:
    """The finest rung of ``ladder`` whose .tgs fits ``max_bytes`` and stays on the canvas.

    ``render_rest(k)`` is the subject at rest at k x the canvas pixels with a
    :data:`_TRACE_BORDER` border (k x border pixels); ``channels`` the layer transform per frame.
    """
    ladder = DETAIL_LADDER if ladder is None else ladder
    transform = lottie.layer_transform(channels)
    rest: dict[int, np.ndarray] = {}
    crops: dict[int, tuple[int, int, int, int]] = {}
    smallest: int | None = None
    best: tuple[float, TgsResult] | None = None
    for rung, trace_settings in enumerate(ladder):
        if trace_settings.tier > 0 and best is not None:
            break  # a quality rung fits: the fall-backs are not needed
        k = int(trace_settings.resolution)
        for res in {k, 1}:
            if res not in rest:
                rest[res] = render_rest(res)
                crops[res] = _subject_crop(rest[res], 8 * res)
        (x0, y0, x1, y1) = crops[k]
        shift = (x0 / k - _TRACE_BORDER, y0 / k - _TRACE_BORDER)
        paths = [p.scaled(1.0 / k, shift) for p in trace_rgba(rest[k][y0:y1, x0:x1], trace_settings)]
        if not paths:
            continue
        keyed = warp.keyed(paths) if warp is not None else []
        off = off_canvas_frames(_path_points(paths), transform.shown) if not keyed else \
            _off_canvas_keyed(keyed, transform.shown)
        if off:
            raise BudgetError(
                f"the traced subject leaves the 512x512 canvas at frame {off[0]} of {what}:"
                " use a smaller --subject-size or --amplitude")
        groups = lottie.shape_groups(paths, trace_settings.decimals, keyed)
        doc = lottie.lottie_document(groups, transform, frames, name)
        raw = lottie.encode_json(doc)
        data = lottie.gzip_bytes(raw)
        smallest = len(data) if smallest is None else min(smallest, len(data))
        if len(data) > max_bytes or len(raw) > MAX_JSON_BYTES:
            continue
        keyframes = sum(len(v["k"]) for v in transform.ks.values() if v.get("a") == 1)
        b0 = _TRACE_BORDER
        shifted = [p.scaled(1.0, (float(b0), float(b0))) for p in paths]
        reference = rest[1]
        score = psnr_from_mse(frame_mse(rasterize(shifted, reference.shape[1], reference.shape[0]), reference))
        candidate = TgsResult(data=data, json_bytes=len(raw), document=doc, settings=trace_settings, rung=rung,
                              paths=len(paths), keyframes=keyframes, frames=frames,
                              duration_ms=int(round(frames * 1000 / lottie.FPS)), trace_psnr=round(score, 2))
        if trace_settings.tier > 0:
            candidate.notes = [f"tracing detail lowered to fall-back rung {rung + 1}/{len(ladder)}"
                               f" to fit {max_bytes:,} B"]
            return candidate
        if best is None or score > best[0]:
            best = (score, candidate)
    if best is not None:
        return best[1]
    got = f"the coarsest tracing is {smallest:,} B" if smallest is not None else "nothing could be traced"
    raise BudgetError(
        f"the drawing is too detailed for a Telegram .tgs ({got}, the limit is {max_bytes:,} B): flatten it to fewer"
        " colours and shapes, or export a video sticker instead (--target telegram)")
