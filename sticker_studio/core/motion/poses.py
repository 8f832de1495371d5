"""The motion presets as pure functions of phase: t in [0, 1) -> a :class:`Pose`.

A pose is what an animator would key: translate, rotate, scale x/y about a pivot,
opacity, and optionally a smooth mesh warp (jelly, wave). Units are *subject units*:
1.0 is the longer side of the subject's opaque bounding box, so a preset looks the
same on a 64 px emoji and a 2000 px drawing. Pivots and warp inputs use box
coordinates: (-1, -1) is the box's top-left corner, (1, 1) its bottom-right.

Looping presets are built only from periodic functions of t (period 1), so frame N
equals frame 0 and the loop has no seam. Intros run t from 0 to 1 inclusive and end
on the rest pose. The renderer (:mod:`sticker_studio.core.motion.render`) turns poses
into pixels; :mod:`sticker_studio.core.motion.presets` is the public API.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from sticker_studio.core.errors import InvalidInputError

#: A forward displacement field: (u, v) box coordinates (arrays) -> (dx, dy) in subject units.
WarpField = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
Easing = Callable[[float], float]


@dataclass(frozen=True)
class Pose:
    """One frame's transform of the subject (rest pose = all defaults).

    Order, applied to each subject point q: mesh warp, then scale (sx, sy) and rotate
    (degrees, clockwise on screen) about ``pivot``, then translate by (tx, ty).
    Negative sx mirrors the subject (the "back" of a flip).
    """

    tx: float = 0.0
    ty: float = 0.0
    rotation: float = 0.0
    sx: float = 1.0
    sy: float = 1.0
    pivot: tuple[float, float] = (0.0, 0.0)
    opacity: float = 1.0
    warp: WarpField | None = None


@dataclass(frozen=True)
class MotionParams:
    """What the user turns: how big the motion is and the easing curve of oscillations."""

    amplitude: float = 1.0
    easing: Easing = lambda u: u  # replaced by EASINGS[...] in motion.animate


PresetFn = Callable[[float, MotionParams], Pose]

BOTTOM = (0.0, 1.0)
TOP = (0.0, -1.0)
CENTER = (0.0, 0.0)


# --------------------------------------------------------------------------- easing
def _ease_out_back(u: float) -> float:
    c1 = 1.70158
    c3 = c1 + 1.0
    return 1.0 + c3 * (u - 1.0) ** 3 + c1 * (u - 1.0) ** 2


def _ease_in_back(u: float) -> float:
    c1 = 1.70158
    return (c1 + 1.0) * u**3 - c1 * u**2


def _ease_out_elastic(u: float) -> float:
    if u <= 0.0:
        return 0.0
    if u >= 1.0:
        return 1.0
    return 2.0 ** (-10.0 * u) * math.sin((u * 10.0 - 0.75) * (2.0 * math.pi / 3.0)) + 1.0


def _ease_out_bounce(u: float) -> float:
    n1, d1 = 7.5625, 2.75
    if u < 1 / d1:
        return n1 * u * u
    if u < 2 / d1:
        u -= 1.5 / d1
        return n1 * u * u + 0.75
    if u < 2.5 / d1:
        u -= 2.25 / d1
        return n1 * u * u + 0.9375
    u -= 2.625 / d1
    return n1 * u * u + 0.984375


#: Easing curves u in [0, 1] -> [0, 1] (back/elastic overshoot); every one maps 0->0 and 1->1,
#: which is what keeps eased oscillations periodic.
EASINGS: dict[str, Easing] = {
    "linear": lambda u: u,
    "ease-in": lambda u: u * u,
    "ease-out": lambda u: 1.0 - (1.0 - u) ** 2,
    "ease-in-out": lambda u: 0.5 - 0.5 * math.cos(math.pi * u),
    "ease-in-back": _ease_in_back,
    "ease-out-back": _ease_out_back,
    "ease-out-elastic": _ease_out_elastic,
    "ease-out-bounce": _ease_out_bounce,
}


def get_easing(name: str) -> Easing:
    try:
        return EASINGS[name]
    except KeyError:
        raise InvalidInputError(f"unknown easing {name!r}; choose one of: {', '.join(EASINGS)}") from None


# ------------------------------------------------------------------ periodic helpers
def frac(t: float) -> float:
    return t - math.floor(t)


def pingpong(t: float, ease: Easing) -> float:
    """0 -> 1 -> 0 over one period, each half shaped by ``ease``."""
    u = 2.0 * frac(t)
    return ease(u) if u < 1.0 else ease(2.0 - u)


def osc(t: float, ease: Easing) -> float:
    """A periodic swing in [-1, 1] starting at 0 going up; exactly sin(2*pi*t) with ease-in-out."""
    return 2.0 * pingpong(t + 0.25, ease) - 1.0


def bump(t: float, centre: float, width: float) -> float:
    """A wrapped Gaussian pulse at ``centre`` (periodic in t)."""
    d = frac(t - centre + 0.5) - 0.5
    return math.exp(-((d / width) ** 2))


def keyframes(t: float, keys: Sequence[tuple[float, Sequence[float]]]) -> list[float]:
    """Values keyed at times in [0, 1], smoothstep-interpolated between keys (clamped at the ends)."""
    if t <= keys[0][0]:
        return list(keys[0][1])
    for (t0, v0), (t1, v1) in zip(keys, keys[1:], strict=False):
        if t <= t1:
            u = (t - t0) / max(1e-9, t1 - t0)
            s = u * u * (3.0 - 2.0 * u)
            return [a + (b - a) * s for a, b in zip(v0, v1, strict=False)]
    return list(keys[-1][1])


# ------------------------------------------------------------------------ presets
def bounce(t: float, p: MotionParams) -> Pose:
    """A ball-like hop: squash on landing, stretch while fast, gravity arc in the air."""
    a = p.amplitude
    t = frac(t)
    contact = 0.22
    if t < contact:  # on the ground: squash then recover
        s = math.sin(math.pi * t / contact)
        squash = 0.22 * a * s
        return Pose(sx=1.0 + 0.8 * squash, sy=1.0 - squash, pivot=BOTTOM)
    u = (t - contact) / (1.0 - contact)
    height = 4.0 * u * (1.0 - u) * 0.32 * a
    stretch = 0.35 * a * (1.0 - 2.0 * u) ** 2 * math.sqrt(math.sin(math.pi * u))
    return Pose(ty=-height, sx=1.0 - 0.5 * stretch * 0.4, sy=1.0 + stretch * 0.4, pivot=BOTTOM)


def jump(t: float, p: MotionParams) -> Pose:
    """Crouch (anticipation), leap with a stretch and a little spin of joy, land, settle."""
    a = p.amplitude
    t = frac(t)
    if t < 0.25:  # anticipation crouch
        s = math.sin(math.pi * t / 0.25 * 0.5)  # 0 -> 1
        return Pose(sx=1.0 + 0.12 * a * s, sy=1.0 - 0.18 * a * s, pivot=BOTTOM)
    if t < 0.7:  # airborne
        u = (t - 0.25) / 0.45
        height = 4.0 * u * (1.0 - u) * 0.45 * a
        release = 1.0 - min(1.0, u / 0.15)  # crouch releasing during take-off
        stretch = 0.16 * a * math.sin(math.pi * u) ** 0.5 * (1.0 - 2.0 * u) ** 2
        sy = 1.0 - 0.18 * a * release + stretch
        sx = 1.0 + 0.12 * a * release - 0.5 * stretch
        return Pose(ty=-height, sx=sx, sy=sy, rotation=8.0 * a * math.sin(2.0 * math.pi * u), pivot=BOTTOM)
    u = (t - 0.7) / 0.3  # land and settle
    squash = 0.2 * a * math.sin(math.pi * u) * (1.0 - u) ** 0.5
    return Pose(sx=1.0 + 0.8 * squash, sy=1.0 - squash, pivot=BOTTOM)


def _jelly_warp(t: float, a: float) -> WarpField:
    def field(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        height = (1.0 - v) * 0.5  # 0 at the bottom, 1 at the top
        lag = 0.18 * height  # the top follows the base late, like jelly
        sway = np.sin(2.0 * np.pi * (t - lag))
        dx = 0.07 * a * sway * height**2
        dy = -0.02 * a * np.cos(2.0 * np.pi * (2.0 * t - lag)) * height * (1.0 - np.abs(u) * 0.5)
        return dx, dy

    return field


def jelly(t: float, p: MotionParams) -> Pose:
    """Soft-body wobble: the base squashes, the top sways late (a smooth mesh warp)."""
    a = p.amplitude
    s = 0.06 * a * osc(2.0 * t, p.easing)
    return Pose(sx=1.0 + s, sy=1.0 - s, pivot=BOTTOM, warp=_jelly_warp(frac(t), a))


def wobble(t: float, p: MotionParams) -> Pose:
    """Rocks side to side on its base like a weeble, with a small counter-lean."""
    a = p.amplitude
    return Pose(rotation=9.0 * a * osc(t, p.easing), tx=0.015 * a * osc(t - 0.1, p.easing), pivot=BOTTOM)


def spin(t: float, p: MotionParams) -> Pose:
    """Turns full circles about the centre (amplitude < 0 spins the other way)."""
    direction = -1.0 if p.amplitude < 0 else 1.0
    return Pose(rotation=direction * 360.0 * p.easing(frac(t)))


def shake(t: float, p: MotionParams) -> Pose:
    """A quick side-to-side jitter (refusal, cold, rage), three shakes a loop."""
    a = p.amplitude
    return Pose(tx=0.05 * a * osc(3.0 * t, p.easing), rotation=2.5 * a * osc(3.0 * t + 0.1, p.easing))


def no(t: float, p: MotionParams) -> Pose:
    """Head shake "no": turns left and right (a narrowing yaw) with a slight lean, twice a loop."""
    a = p.amplitude
    turn = osc(2.0 * t, p.easing)
    return Pose(tx=0.05 * a * turn, sx=1.0 - 0.07 * a * turn * turn, rotation=2.0 * a * turn, pivot=BOTTOM)


def nod(t: float, p: MotionParams) -> Pose:
    """Head nod "yes": dips forward and back up twice a loop."""
    a = p.amplitude
    dip = pingpong(2.0 * t, p.easing)
    return Pose(
        ty=0.035 * a * dip, sy=1.0 - 0.08 * a * dip, sx=1.0 + 0.02 * a * dip, rotation=1.5 * a * dip, pivot=BOTTOM
    )


def pulse(t: float, p: MotionParams) -> Pose:
    """A soft throb: grows and shrinks about the centre once a loop."""
    s = 1.0 + 0.08 * p.amplitude * osc(t, p.easing)
    return Pose(sx=s, sy=s)


def heartbeat(t: float, p: MotionParams) -> Pose:
    """Lub-dub: two quick beats (the second smaller), then a rest."""
    beat = bump(t, 0.12, 0.06) + 0.65 * bump(t, 0.32, 0.06)
    s = 1.0 + 0.16 * p.amplitude * beat
    return Pose(sx=s, sy=s)


def breathe(t: float, p: MotionParams) -> Pose:
    """Calm breathing: rises a little taller and narrower on the inhale."""
    b = pingpong(t, p.easing)
    return Pose(sy=1.0 + 0.05 * p.amplitude * b, sx=1.0 - 0.02 * p.amplitude * b, pivot=BOTTOM)


def float_(t: float, p: MotionParams) -> Pose:
    """Bobs up and down in the air with a lazy tilt that lags behind."""
    a = p.amplitude
    return Pose(ty=-0.06 * a * osc(t, p.easing), rotation=4.0 * a * osc(t - 0.2, p.easing))


def swing(t: float, p: MotionParams) -> Pose:
    """A pendulum hanging from its top edge."""
    return Pose(rotation=16.0 * p.amplitude * osc(t, p.easing), pivot=TOP)


def _wave_warp(t: float, a: float) -> WarpField:
    def field(u: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        phase = 2.0 * np.pi * (0.5 * u - t)
        edge = 0.5 + 0.5 * (u + 1.0) * 0.5  # the far side moves more, like a flag
        dy = 0.035 * a * np.sin(phase) * edge
        dx = 0.012 * a * np.cos(phase + 0.5 * np.pi * v)
        return dx, dy

    return field


def wave(t: float, p: MotionParams) -> Pose:
    """A ripple running across the subject like a flag (a sine mesh warp)."""
    return Pose(warp=_wave_warp(frac(t), p.amplitude))


def flip(t: float, p: MotionParams) -> Pose:
    """Turns around its vertical axis; the back shows as the mirrored drawing."""
    angle = 2.0 * math.pi * p.easing(frac(t))
    return Pose(sx=math.cos(angle), sy=1.0 + 0.04 * abs(math.sin(angle)) * p.amplitude)


def tada(t: float, p: MotionParams) -> Pose:
    """Ta-da!: shrinks, then grows with a wiggle, and settles (after animate.css)."""
    a = p.amplitude
    keys = [(0.0, (1.0, 0.0)), (0.1, (0.9, -3.0)), (0.2, (0.9, -3.0)), (0.3, (1.1, 3.0)), (0.4, (1.1, -3.0)),
            (0.5, (1.1, 3.0)), (0.6, (1.1, -3.0)), (0.7, (1.1, 3.0)), (0.8, (1.0, 0.0)), (1.0, (1.0, 0.0))]
    s, r = keyframes(frac(t), keys)
    s = 1.0 + (s - 1.0) * a
    return Pose(sx=s, sy=s, rotation=r * a)


def rubber_band(t: float, p: MotionParams) -> Pose:
    """Stretches wide, snaps tall, wobbles back to shape (after animate.css)."""
    a = p.amplitude
    keys = [(0.0, (1.0, 1.0)), (0.3, (1.25, 0.75)), (0.4, (0.75, 1.25)), (0.5, (1.15, 0.85)),
            (0.65, (0.95, 1.05)), (0.75, (1.05, 0.95)), (1.0, (1.0, 1.0))]
    sx, sy = keyframes(frac(t), keys)
    return Pose(sx=1.0 + (sx - 1.0) * a, sy=1.0 + (sy - 1.0) * a, pivot=BOTTOM)


def pop_in(t: float, p: MotionParams) -> Pose:
    """Intro: appears by scaling up from nothing with an overshoot."""
    u = min(1.0, max(0.0, t) / 0.8)  # reach the rest pose a little before the end, then hold
    s = p.easing(u)
    s = 1.0 + (s - 1.0) * min(1.0, abs(p.amplitude))  # a smaller amplitude starts larger
    return Pose(sx=max(0.0, s), sy=max(0.0, s), opacity=min(1.0, u * 4.0))


def slide_in(t: float, p: MotionParams) -> Pose:
    """Intro: slides in from the left while fading in, overshooting a touch."""
    u = min(1.0, max(0.0, t) / 0.8)
    e = p.easing(u)
    return Pose(tx=-0.6 * p.amplitude * (1.0 - e), opacity=min(1.0, u * 2.5))


def fade_in(t: float, p: MotionParams) -> Pose:
    """Intro: fades in while settling down from slightly above."""
    u = min(1.0, max(0.0, t) / 0.8)
    e = p.easing(u)
    return Pose(ty=-0.06 * p.amplitude * (1.0 - e), opacity=e if e < 1.0 else 1.0)
