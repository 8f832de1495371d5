"""Keyframed motion presets: animate a still drawing with no model.

``animate(image, "bounce")`` returns a looping :class:`Sticker`. The same presets make
the synthetic training set (:mod:`sticker_studio.training.data.synth`), so every preset is
deterministic and cheap: poses come from :mod:`sticker_studio.core.motion.poses`,
pixels from :mod:`sticker_studio.core.motion.render` (one premultiplied bilinear
resampling per frame from the original drawing, subject fitted so nothing clips).

Speed and seamless loops: a loop of N frames holds a whole number of motion cycles,
so ``speed`` picks the nearest whole number of cycles (at least one) and stretches the
frame rate by what rounding left over; the cycles per second then equal ``speed``
times the base rate exactly, and frame N is frame 0 again.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from sticker_studio.core import pixelart
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.motion import poses as mp
from sticker_studio.core.motion.poses import MotionParams, Pose, PresetFn, get_easing
from sticker_studio.core.motion.render import (
    CanvasLayout,
    PreparedSource,
    SubjectGeometry,
    fit_layout,
    motion_extent,
    render_pose,
)
from sticker_studio.core.sticker import Sticker, durations_for_fps

#: Longest side of the output when no size is asked for (messenger stickers top out at 512).
DEFAULT_MAX_SIDE = 512
MAX_FRAMES = 240


@dataclass(frozen=True)
class MotionPreset:
    """A named motion an artist picks: what it looks like, whether it loops, its defaults."""

    name: str
    description: str
    loops: bool
    #: the default frame count and frame rate (``animate`` and the Reference panel start from them)
    frames: int
    fps: float
    fn: PresetFn
    easing: str = "ease-in-out"
    #: words a caption may use for this motion (the first is the canonical verb phrase)
    verbs: tuple[str, ...] = ()

    def pose(self, t: float, params: MotionParams) -> Pose:
        return self.fn(t, params)


def _p(name: str, fn: PresetFn, description: str, *, loops: bool = True, frames: int = 16, fps: float = 16.0,
       easing: str = "ease-in-out", verbs: Sequence[str] = ()) -> MotionPreset:
    return MotionPreset(name, description, loops, frames, fps, fn, easing, tuple(verbs))


PRESETS: dict[str, MotionPreset] = {
    p.name: p
    for p in (
        _p("bounce", mp.bounce, "hops like a ball, squashing on landing and stretching in the air",
           verbs=("bouncing", "hopping", "bouncing up and down")),
        _p("jump", mp.jump, "crouches, leaps with a stretch and a little twist, lands and settles",
           frames=20, verbs=("jumping", "leaping", "jumping for joy")),
        _p("jelly", mp.jelly, "soft-body wobble: the top sways behind the base (mesh warp)",
           verbs=("wobbling like jelly", "jiggling", "wiggling")),
        _p("wobble", mp.wobble, "rocks side to side on its base",
           verbs=("wobbling", "rocking side to side", "teetering")),
        _p("spin", mp.spin, "turns full circles about its centre", verbs=("spinning", "rotating", "twirling")),
        _p("shake", mp.shake, "quick side-to-side jitter", fps=20.0,
           verbs=("shaking", "trembling", "shivering")),
        _p("no", mp.no, "head shake: turns left and right saying no",
           verbs=("shaking its head", "saying no", "refusing")),
        _p("nod", mp.nod, "head nod: dips forward twice saying yes", verbs=("nodding", "saying yes", "agreeing")),
        _p("pulse", mp.pulse, "a soft throb, growing and shrinking", verbs=("pulsing", "throbbing", "pulsating")),
        _p("heartbeat", mp.heartbeat, "lub-dub: two quick beats, then a rest",
           verbs=("beating", "beating like a heart", "thumping")),
        _p("breathe", mp.breathe, "calm breathing, a little taller on the inhale", frames=20, fps=12.0,
           verbs=("breathing", "breathing calmly", "resting")),
        _p("float", mp.float_, "bobs up and down in the air with a lazy tilt",
           verbs=("floating", "hovering", "drifting")),
        _p("swing", mp.swing, "pendulum hanging from its top edge", verbs=("swinging", "dangling", "swaying")),
        _p("sway", mp.wave, "a ripple runs across it like a flag in the wind (mesh warp); was 'wave'",
           verbs=("swaying", "rippling", "fluttering")),
        _p("flip", mp.flip, "turns around its vertical axis, showing its mirrored back",
           verbs=("flipping", "turning around", "flipping over")),
        _p("tada", mp.tada, "ta-da: shrinks, then grows with a wiggle, and settles",
           verbs=("celebrating", "showing off", "going ta-da")),
        _p("rubber-band", mp.rubber_band, "stretches wide, snaps tall, wobbles back to shape",
           verbs=("stretching", "snapping like a rubber band", "boinging")),
        _p("pop-in", mp.pop_in, "intro: appears by scaling up from nothing with an overshoot",
           loops=False, easing="ease-out-back", verbs=("popping in", "popping up", "appearing")),
        _p("slide-in", mp.slide_in, "intro: slides in from the left while fading in",
           loops=False, easing="ease-out-back", verbs=("sliding in", "entering", "arriving")),
        _p("fade-in", mp.fade_in, "intro: fades in while settling down from above",
           loops=False, easing="ease-out", verbs=("fading in", "appearing slowly", "showing up")),
    )
}

#: Other names artists use for the same presets.
ALIASES: dict[str, str] = {
    "jiggle": "jelly", "yes": "nod", "pendulum": "swing", "heart": "heartbeat", "beat": "heartbeat",
    "rotate": "spin", "hop": "bounce", "squash": "bounce", "hover": "float", "pop": "pop-in",
    "slide": "slide-in", "fade": "fade-in", "rubberband": "rubber-band", "breath": "breathe",
    "flag": "sway", "ripple": "sway", "turn": "flip",
}


def list_presets() -> list[MotionPreset]:
    """Every preset, in the order the CLI and the GUI list them."""
    return list(PRESETS.values())


def get_preset(name: str) -> MotionPreset:
    """A preset by name or alias (case-insensitive, ``_`` = ``-``)."""
    key = name.strip().lower().replace("_", "-")
    key = ALIASES.get(key, key)
    try:
        return PRESETS[key]
    except KeyError:
        raise InvalidInputError(f"unknown motion {name!r}; choose one of: {', '.join(PRESETS)}") from None


@dataclass(frozen=True)
class MotionPlan:
    """The phase of every frame and the frame rate, after fitting whole cycles into the loop."""

    phases: list[float]
    fps: float
    cycles: int


def plan_motion(preset: MotionPreset, frames: int, fps: float, speed: float) -> MotionPlan:
    """Frame phases for ``frames`` frames: k/N * cycles for loops, k/(N-1) for intros."""
    if frames < 1 or frames > MAX_FRAMES:
        raise InvalidInputError(f"frames must be between 1 and {MAX_FRAMES}, got {frames}")
    if fps <= 0 or speed <= 0:
        raise InvalidInputError("fps and speed must be positive")
    if not preset.loops:
        n = max(1, frames - 1)
        return MotionPlan([min(1.0, k / n) for k in range(frames)], fps * speed, 1)
    cycles = max(1, int(round(speed)))
    return MotionPlan([cycles * k / frames for k in range(frames)], fps * speed / cycles, cycles)


def animate(
    image: np.ndarray | Sticker,
    motion: str,
    *,
    frames: int = 16,
    fps: float = 16.0,
    amplitude: float = 1.0,
    speed: float = 1.0,
    easing: str | None = "ease-in-out",
    size: int | tuple[int, int] | None = None,
    margin: float = 0.03,
    subject_size: float | None = None,
    pixel_art: bool | None = None,
) -> Sticker:
    """Animate a still (or an animated sticker) with a motion preset.

    ``image`` is an HxWx4 RGBA uint8 array or a :class:`Sticker` (an animated one keeps
    playing underneath the motion). ``size`` is the square output side, or (width,
    height); None keeps the input's size, scaled down to at most 512 on its longer
    side. ``easing=None`` uses the preset's own default (intros overshoot).

    ``subject_size`` (default :data:`DEFAULT_SUBJECT_SIZE`) is the fraction of the
    canvas's shorter side the subject's longer side takes at rest, the same for every
    motion, so a pack's stickers share one subject size: the motion's *amplitude* is
    reduced until it fits the canvas, and the drawing is shrunk only when no amplitude
    can fit (a spinning square's corners). ``subject_size=0`` fits the motion's whole
    extent into the canvas instead (the drawing shrinks with big motions).

    ``pixel_art`` (None: detected, see :mod:`sticker_studio.core.pixelart`) scales by a
    whole multiple with nearest-neighbour sampling, moves in whole art pixels and keeps
    the palette and the hard alpha.
    """
    preset = get_preset(motion)
    ease_name = preset.easing if easing is None or (not preset.loops and easing == "ease-in-out") else easing
    params = MotionParams(amplitude=float(amplitude), easing=get_easing(ease_name))
    plan = plan_motion(preset, int(frames), float(fps), float(speed))
    sources, source_times, source_total = _source_frames(image)
    art = pixelart.is_pixel_art(sources, image.metadata if isinstance(image, Sticker) else None) \
        if pixel_art is None else bool(pixel_art)
    if art:
        sources, _ = pixelart.native(sources)
    width, height = _canvas_size(sources[0], size, art)

    union_alpha = np.max(np.stack([f[..., 3] for f in sources]), axis=0) if len(sources) > 1 else sources[0][..., 3]
    geom = SubjectGeometry.from_alpha(union_alpha)
    size_fraction = DEFAULT_SUBJECT_SIZE if subject_size is None else float(subject_size)
    if not 0.0 <= size_fraction <= 1.0:
        raise InvalidInputError(f"subject size is a fraction of the canvas between 0 and 1, got {subject_size}")
    if size_fraction > 0:
        layout, amp_factor, poses = sized_layout(preset, plan.phases, params, geom, width, height, size_fraction,
                                                 margin, art)
    else:
        poses = [preset.pose(t, params) for t in plan.phases]
        layout, amp_factor = fit_layout(motion_extent(poses, geom), width, height, margin), 1.0
    if art:
        poses = [whole_pixel_pose(p, geom) for p in poses]
    biggest = max(max(abs(p.sx), abs(p.sy)) for p in poses)
    out_pixels_per_unit = layout.scale * max(1.0, biggest)

    durations = durations_for_fps(len(poses), plan.fps)
    prepared: dict[int, PreparedSource] = {}
    out_frames = []
    t_ms = 0
    for pose, dur in zip(poses, durations, strict=False):
        idx = _source_index_at(t_ms, source_times, source_total)
        if idx not in prepared:
            prepared[idx] = PreparedSource.build(sources[idx], geom, out_pixels_per_unit, prefilter=not art)
        out_frames.append(render_pose(prepared[idx], geom, pose, layout, nearest=art))
        t_ms += dur
    sticker = Sticker(out_frames, durations, loop_count=0)
    sticker.metadata.update({
        "motion": preset.name, "amplitude": float(amplitude), "speed": float(speed), "easing": ease_name,
        "cycles": plan.cycles, "loops": preset.loops, "pixel_art": art,
        "subject_size": round(layout.scale / min(width, height), 4),
        "pixel_scale": round(layout.scale / geom.unit, 4),  # output pixels per source (art) pixel
        "amplitude_used": round(float(amplitude) * amp_factor, 4),
        "cycles_per_second": plan.cycles * plan.fps / len(poses) if preset.loops else None,
        # what was asked, so the sticker can be made again from its drawing (e.g. as a vector .tgs)
        "motion_args": {"motion": preset.name, "frames": int(frames), "fps": float(fps),
                        "amplitude": float(amplitude), "speed": float(speed), "easing": easing,
                        "subject_size": None if subject_size is None else float(subject_size),
                        "margin": float(margin)},
    })
    if not isinstance(image, Sticker):  # pixel art too: its native pixels, traced square by a .tgs
        sticker.metadata[MOTION_SOURCE_KEY] = sources[0]  # the drawing (a pack stores it as a PNG)
    return sticker


#: Sticker metadata key of the still drawing a motion sticker was made from (an RGBA array in
#: memory; a pack stores it as a frame file and keeps the file name under this key).
MOTION_SOURCE_KEY = "motion_source"


def _source_frames(image: np.ndarray | Sticker) -> tuple[list[np.ndarray], list[int], int]:
    if isinstance(image, Sticker):
        return list(image.frames), image.start_times_ms(), image.total_duration_ms
    arr = np.asarray(image)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise InvalidInputError(f"expected an HxWx4 RGBA uint8 image, got {arr.dtype} {arr.shape}")
    if arr.shape[2] == 3:
        arr = np.concatenate([arr, np.full(arr.shape[:2] + (1,), 255, np.uint8)], axis=-1)
    return [arr], [0], 1


def _source_index_at(t_ms: int, starts: list[int], total: int) -> int:
    if len(starts) == 1:
        return 0
    t = t_ms % max(1, total)
    return max(0, int(np.searchsorted(np.asarray(starts), t, side="right")) - 1)


def sized_layout(preset: MotionPreset, phases: Sequence[float], params: MotionParams, geom: SubjectGeometry,
                 width: int, height: int, subject_size: float, margin: float,
                 pixel_art: bool = False) -> tuple[CanvasLayout, float, list[Pose]]:
    """A layout at a fixed subject size; the amplitude shrinks (bisection) until the motion fits.

    Returns (layout, amplitude factor used, poses). When even the smallest amplitude
    cannot fit (the extent does not depend on it, e.g. spin), the drawing is shrunk as
    little as needed instead.
    """
    pad = max(2.0, margin * min(width, height))
    scale = subject_size * min(width, height)  # output pixels per subject unit
    if pixel_art:
        per_pixel = math.floor(scale / geom.unit + 1e-9)
        if per_pixel >= 1:
            scale = per_pixel * geom.unit

    def poses_at(f: float) -> list[Pose]:
        return [preset.pose(t, replace(params, amplitude=params.amplitude * f)) for t in phases]

    def fits(extent: tuple[float, float, float, float], s: float) -> bool:
        x0, y0, x1, y1 = extent
        return (x1 - x0) * s <= width - 2 * pad + 1e-6 and (y1 - y0) * s <= height - 2 * pad + 1e-6

    poses = poses_at(1.0)
    extent = motion_extent(poses, geom)
    factor = 1.0
    if not fits(extent, scale):
        low_poses = poses_at(MIN_AMPLITUDE_FACTOR)
        low_extent = motion_extent(low_poses, geom)
        if fits(low_extent, scale):
            lo, hi = MIN_AMPLITUDE_FACTOR, 1.0  # lo fits, hi does not
            poses, extent = low_poses, low_extent
            for _ in range(8):
                mid = (lo + hi) / 2.0
                mid_poses = poses_at(mid)
                mid_extent = motion_extent(mid_poses, geom)
                if fits(mid_extent, scale):
                    lo, poses, extent = mid, mid_poses, mid_extent
                else:
                    hi = mid
            factor = lo
        else:  # no amplitude fits: shrink the drawing as little as needed (full amplitude)
            shrunk = fit_layout(extent, width, height, margin)
            scale = shrunk.scale
            if pixel_art and scale / geom.unit >= 1:
                scale = math.floor(scale / geom.unit) * geom.unit
    x0, y0, x1, y1 = extent
    origin = ((x0 + x1) / 2.0, (y0 + y1) / 2.0)
    if pixel_art:
        origin = _pixel_aligned_origin(origin, geom, scale, width, height)
    return CanvasLayout(width, height, scale, origin), factor, poses


#: Amplitude is never reduced below this fraction of what was asked to make a motion fit.
MIN_AMPLITUDE_FACTOR = 0.2
#: Fraction of the canvas's shorter side the subject's longer side takes at rest.
#: near what messengers' own art fills (Fluent Emoji 0.88, Noto Emoji 0.94: core/pack/subject_fit.py), less
#: room for the motion: at 0.8 a bounce keeps 55 % of its amplitude (0.85: 33 %, a jump 23 %); was 0.65,
#: which looked small beside other stickers (issue 25)
DEFAULT_SUBJECT_SIZE = 0.8


def _pixel_aligned_origin(origin: tuple[float, float], geom: SubjectGeometry, scale: float, width: int,
                          height: int) -> tuple[float, float]:
    """Shift the origin so source pixel edges land on whole output pixels."""
    k = scale / geom.unit
    out = []
    for o, c, side in ((origin[0], geom.center[0], width), (origin[1], geom.center[1], height)):
        offset = side / 2.0 - o * scale - c * k
        out.append((side / 2.0 - c * k - round(offset)) / scale)
    return out[0], out[1]


def whole_pixel_pose(pose: Pose, geom: SubjectGeometry) -> Pose:
    """The pose with its translation rounded to whole art pixels."""
    unit = geom.unit
    return replace(pose, tx=round(pose.tx * unit) / unit, ty=round(pose.ty * unit) / unit)


def _canvas_size(frame: np.ndarray, size: int | tuple[int, int] | None, pixel_art: bool = False) -> tuple[int, int]:
    if size is None and pixel_art:
        h, w = frame.shape[:2]
        factor = max(1, DEFAULT_MAX_SIDE // max(h, w))
        return max(16, w * factor), max(16, h * factor)
    if size is None:
        h, w = frame.shape[:2]
        scale = min(1.0, DEFAULT_MAX_SIDE / max(h, w))
        return max(16, int(round(w * scale))), max(16, int(round(h * scale)))
    if isinstance(size, int):
        size = (size, size)
    w, h = int(size[0]), int(size[1])
    if w < 8 or h < 8 or w > 4096 or h > 4096:
        raise InvalidInputError(f"output size must be between 8 and 4096 pixels, got {w}x{h}")
    return w, h
