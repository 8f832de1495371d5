"""Effects drawn by the app over a character: tears, zzz, hearts, sparkles, sweat, anger, speed lines, fire.

Each effect is a loop: :func:`draw_effect` paints it at phase ``t`` in [0, 1) over a frame,
anchored to the character's head (and eyes, mouth, facing). Every particle lives inside
(0, 1) and fades or shrinks to nothing at both ends of its life, so nothing is drawn at
``t = 0`` (frame 0 stays the drawing) and ``t → 1`` joins ``t = 0`` seamlessly. Shapes are
sticker style (a flat fill inside a dark outline), anti-aliased, sized by the head radius (at least
:attr:`EffectAnchors.glyph_radius`, a share of the whole character),
and moved inward where they would leave the canvas.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

import numpy as np

from sticker_studio.core.puppet.paint import (
    BoundsLayer,
    Box,
    Colour,
    Layer,
    Point,
    ellipse_sdf,
    polygon_sdf,
    sdf_bounds,
    stroke_sdf,
)


class EffectKind(Enum):
    TEARS = "tears"
    ZZZ = "zzz"
    HEARTS = "hearts"
    SPARKLES = "sparkles"
    SWEAT = "sweat"
    ANGER = "anger"
    MOTION_LINES = "motion_lines"
    FIRE = "fire"


@dataclass(frozen=True)
class EffectAnchors:
    """Where an effect attaches on the character in this frame (pixels, x right, y down)."""

    head_center: Point
    head_radius: float
    eyes: tuple[Point, ...] = ()   #: eye centres; tears start below them (estimated from the head when empty)
    mouth: Point | None = None     #: fire comes out of it (estimated from the head when None)
    facing: int = 1                #: +1 the character faces right (x+), -1 left
    eye_radius: float = 0.0        #: the eyes' vertical radius; 0 = estimated from the head
    #: what the shapes are sized from (0: ``head_radius``). A small head (a person, an animal in profile: a
    #: tenth of the drawing) gave zzz, hearts and tears 2-4 px tall on a 256 px sticker; sized from at least a
    #: share of the whole character they read, and still sit around the head
    glyph_radius: float = 0.0

    @property
    def glyph(self) -> float:
        """The radius the effect's shapes are sized from."""
        return self.glyph_radius if self.glyph_radius > self.head_radius else self.head_radius

    @property
    def reach(self) -> float:
        """How far from the head's centre shapes sized by :attr:`glyph` sit clear of a small head."""
        return max(self.head_radius, 0.6 * self.glyph)


def draw_effect(frame: np.ndarray, kind: EffectKind, anchors: EffectAnchors, t: float, amount: float = 1.0,
                seed: int = 0) -> None:
    """Composite ``kind`` at loop phase ``t`` over ``frame`` (HxWx4 straight RGBA uint8) in place.

    ``amount`` (0..1) scales the effect's opacity; ``seed`` varies its particles (the same seed, the same
    effect). Nothing is drawn at ``t = 0``.
    """
    if frame.ndim != 3 or frame.shape[2] != 4 or frame.dtype != np.uint8:
        raise ValueError("draw_effect needs an HxWx4 uint8 frame")
    layer = effect_layer(frame.shape, kind, anchors, t, amount, seed)
    if layer is not None:
        layer.composite_onto(frame)


def effect_layer(shape: tuple[int, ...], kind: EffectKind, anchors: EffectAnchors, t: float, amount: float = 1.0,
                 seed: int = 0) -> Layer | None:
    """The premultiplied layer :func:`draw_effect` composites over a frame of ``shape`` (its pixels are
    stored for the box it painted, ``touched``); None: it draws nothing."""
    amount = float(np.clip(amount, 0.0, 1.0))
    t = float(t) % 1.0
    if amount <= 0.0 or anchors.head_radius <= 0.0 or t <= 0.0:
        return None
    pen = _Pen(Layer(shape), max(1.2, 0.022 * anchors.glyph), amount)
    rng = np.random.default_rng(seed)
    _DRAWERS[kind](pen, anchors, t, rng)
    return pen.layer


def effect_bounds(shape: tuple[int, ...], kind: EffectKind, anchors: EffectAnchors, t: float, amount: float = 1.0,
                  seed: int = 0) -> Box | None:
    """A box (on a frame of ``shape``) holding every pixel :func:`draw_effect` would change, found by
    running the effect's drawer without painting (the boxes its shapes would paint in); None: it draws
    nothing. Cheap: for deciding whether the effect can matter somewhere."""
    amount = float(np.clip(amount, 0.0, 1.0))
    t = float(t) % 1.0
    if amount <= 0.0 or anchors.head_radius <= 0.0 or t <= 0.0:
        return None
    pen = _Pen(BoundsLayer(shape), max(1.2, 0.022 * anchors.glyph), amount)
    _DRAWERS[kind](pen, anchors, t, np.random.default_rng(seed))
    return pen.layer.touched


# --- timing ------------------------------------------------------------------------


def _life(t: float, start: float, length: float) -> float | None:
    """The particle's own phase (0..1) at loop phase ``t``, or None outside its life."""
    p = (t - start) / length
    return p if 0.0 < p < 1.0 else None


def _fade(p: float, fade_in: float = 0.15, fade_out: float = 0.25) -> float:
    a = min(1.0, p / fade_in) if fade_in > 0 else 1.0
    b = min(1.0, (1.0 - p) / fade_out) if fade_out > 0 else 1.0
    s = max(0.0, min(a, b))
    return s * s * (3.0 - 2.0 * s)


def _ease_out(p: float) -> float:
    return 1.0 - (1.0 - p) ** 2


# --- shapes (unit size, centred on 0, y down) ------------------------------------------------


def _drop_shape() -> np.ndarray:
    """A teardrop with its point up: a unit circle and a tip 2.2 above its centre."""
    d = 2.2
    beta = math.acos(1.0 / d)
    phis = np.linspace(beta, 2 * math.pi - beta, 40)
    circle = np.stack([np.sin(phis), -np.cos(phis)], axis=1)
    return np.vstack([[[0.0, -d]], circle])


def _heart_shape() -> np.ndarray:
    ts = np.linspace(0, 2 * math.pi, 64, endpoint=False)
    x = 16 * np.sin(ts) ** 3
    y = -(13 * np.cos(ts) - 5 * np.cos(2 * ts) - 2 * np.cos(3 * ts) - np.cos(4 * ts))
    return np.stack([x, y + 2.0], axis=1) / 16.0


def _star_shape() -> np.ndarray:
    phis = np.linspace(0, 2 * math.pi, 48, endpoint=False)
    p = 0.58
    r = 1.0 / (np.abs(np.cos(phis)) ** p + np.abs(np.sin(phis)) ** p) ** (1.0 / p)
    return np.stack([r * np.cos(phis), r * np.sin(phis)], axis=1)


def _puff_shape(phase: float) -> np.ndarray:
    phis = np.linspace(0, 2 * math.pi, 48, endpoint=False)
    r = 1.0 + 0.08 * np.sin(4 * phis + phase) + 0.05 * np.sin(7 * phis + 2.0 * phase)
    return np.stack([r * np.cos(phis), r * np.sin(phis)], axis=1)


DROP, HEART, STAR = _drop_shape(), _heart_shape(), _star_shape()
Z_PATH = np.array([[-0.8, -1.0], [0.8, -1.0], [-0.8, 1.0], [0.8, 1.0]])
#: one quarter of the anger mark: a rounded corner toward the centre, its arms along the axes
_ts = np.linspace(0.0, 1.0, 12)[:, None]
_VEIN = ((1 - _ts) ** 2 * np.array([0.28, 1.0]) + 2 * (1 - _ts) * _ts * np.array([0.3, 0.3])
         + _ts**2 * np.array([1.0, 0.28]))

BLUE_FILL: Colour = (112, 196, 255)
BLUE_LINE: Colour = (24, 86, 168)
WHITE: Colour = (255, 255, 255)


def _place(pts: np.ndarray, size: float, centre: Point, angle: float = 0.0) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    rot = np.array([[c, s], [-s, c]])
    return (pts @ rot) * size + np.asarray(centre)


class _Pen:
    """Draws outlined shapes on a layer, keeping them on the canvas."""

    def __init__(self, layer: Layer, outline_width: float, amount: float) -> None:
        self.layer, self.ow, self.amount = layer, outline_width, amount

    def _fit(self, pts: np.ndarray, pad: float) -> np.ndarray:
        """``pts`` moved inward so the shape and its outline lie on the canvas."""
        lo, hi = pts.min(axis=0) - pad - 1.0, pts.max(axis=0) + pad + 1.0
        size = np.array([self.layer.w, self.layer.h], np.float64)
        shift = np.where(lo < 0, -lo, 0.0) + np.where(hi > size, size - hi, 0.0)
        too_big = (hi - lo) > size
        shift = np.where(too_big, size / 2 - (lo + hi) / 2, shift)
        return pts + shift

    def polygon(self, pts: np.ndarray, fill: Colour, outline: Colour | None, opacity: float) -> np.ndarray:
        if opacity <= 0.0:
            return pts
        ow = self.ow if outline is not None else 0.0
        pts = self._fit(pts, ow)
        self.layer.shape(polygon_sdf(pts), sdf_bounds(pts, 0.0), fill, outline, ow, opacity * self.amount)
        return pts

    def stroke(self, pts: np.ndarray, width: float, fill: Colour, outline: Colour | None, opacity: float,
               fit: bool = True) -> np.ndarray:
        if opacity <= 0.0:
            return pts
        ow = self.ow if outline is not None else 0.0
        if fit:
            pts = self._fit(pts, width / 2 + ow)
        self.layer.shape(stroke_sdf(pts, width), sdf_bounds(pts, width / 2), fill, outline, ow,
                         opacity * self.amount)
        return pts

    def ellipse(self, centre: Point, rx: float, ry: float, fill: Colour, opacity: float) -> None:
        if opacity <= 0.0 or rx <= 0.0 or ry <= 0.0:
            return
        self.layer.shape(ellipse_sdf(centre[0], centre[1], rx, ry), (centre[0], centre[1], rx, ry), fill,
                         opacity=opacity * self.amount)


def _drop(pen: _Pen, centre: Point, radius: float, opacity: float) -> None:
    pts = pen.polygon(_place(DROP, radius, centre), BLUE_FILL, BLUE_LINE, opacity)
    c = pts[1:].mean(axis=0)  # the round part's centre, after any move onto the canvas
    pen.ellipse((c[0] - 0.38 * radius, c[1] - 0.1 * radius), 0.22 * radius, 0.34 * radius, WHITE, 0.85 * opacity)


# --- the effects -----------------------------------------------------------------------


def _eyes(a: EffectAnchors) -> tuple[tuple[Point, ...], float]:
    r = a.head_radius
    eyes = a.eyes or ((a.head_center[0] - 0.35 * r, a.head_center[1] - 0.1 * r),
                      (a.head_center[0] + 0.35 * r, a.head_center[1] - 0.1 * r))
    return eyes, (a.eye_radius if a.eye_radius > 0 else 0.12 * r)


def _tears(pen: _Pen, a: EffectAnchors, t: float, rng: np.random.Generator) -> None:
    eyes, er = _eyes(a)
    r = a.head_radius
    for i, (ex, ey) in enumerate(eyes):
        out = 1.0 if ex >= a.head_center[0] else -1.0
        for k in range(2):
            start = 0.03 + 0.4 * k + 0.05 * (i % 2) + float(rng.uniform(0.0, 0.02))
            p = _life(t, start, 0.45)
            if p is None:
                continue
            fall = p * p
            x = ex + out * (0.1 * er + 0.12 * r * fall)
            y = ey + er + 0.06 * r + 0.6 * r * fall
            size = 0.065 * a.glyph * (0.55 + 0.45 * min(1.0, p * 4))
            _drop(pen, (x, y), size, _fade(p, 0.12, 0.3))


def _zzz(pen: _Pen, a: EffectAnchors, t: float, rng: np.random.Generator) -> None:
    hx, hy = a.head_center
    r = a.reach
    g = a.glyph
    jitter = rng.uniform(-0.05, 0.05, size=3) * r
    for k in range(3):
        p = _life(t, 0.04 + 0.15 * k, 0.6)
        if p is None:
            continue
        x = hx + 0.5 * r + 0.75 * r * p + 0.07 * r * math.sin(2 * math.pi * p) + jitter[k]
        y = hy - 0.65 * r - 0.95 * r * p
        size = g * (0.07 + 0.09 * p)
        pts = _place(Z_PATH, size, (x, y), -0.2)
        pen.stroke(pts, 0.42 * size, (128, 156, 255), (26, 34, 112), _fade(p, 0.15, 0.3))


def _hearts(pen: _Pen, a: EffectAnchors, t: float, rng: np.random.Generator) -> None:
    hx, hy = a.head_center
    r = a.head_radius
    angles = np.linspace(-2.6, -0.55, 5) + rng.uniform(-0.12, 0.12, size=5)
    order = rng.permutation(5)
    for i in range(5):
        p = _life(t, 0.04 + 0.13 * i, 0.4)
        if p is None:
            continue
        ang = angles[order[i]]
        x = hx + 1.02 * r * math.cos(ang)
        y = hy + 1.02 * r * math.sin(ang) - 0.3 * r * p
        size = 0.1 * a.glyph * (0.45 + 0.55 * _ease_out(min(1.0, p / 0.3)))
        opacity = 1.0
        if p > 0.78:  # pop: a quick swell while it vanishes
            q = (p - 0.78) / 0.22
            size *= 1.0 + 0.7 * q
            opacity = (1.0 - q) ** 1.5
        opacity *= min(1.0, p / 0.12)
        wobble = 0.25 * math.sin(2 * math.pi * 1.5 * p)
        pts = pen.polygon(_place(HEART, size, (x, y), wobble), (238, 48, 82), (118, 10, 40), opacity)
        c = pts.mean(axis=0)
        pen.ellipse((c[0] - 0.45 * size, c[1] - 0.3 * size), 0.18 * size, 0.12 * size, WHITE, 0.8 * opacity)


def _sparkles(pen: _Pen, a: EffectAnchors, t: float, rng: np.random.Generator) -> None:
    hx, hy = a.head_center
    r = a.head_radius
    n = 7
    angles = np.linspace(-math.pi, math.pi, n, endpoint=False) + rng.uniform(-0.25, 0.25, size=n)
    dist = rng.uniform(0.95, 1.25, size=n)
    order = rng.permutation(n)
    for i in range(n):
        p = _life(t, 0.03 + 0.1 * i, 0.3)
        if p is None:
            continue
        j = order[i]
        x, y = hx + dist[j] * r * math.cos(angles[j]), hy + dist[j] * r * math.sin(angles[j])
        size = 0.15 * a.glyph * math.sin(math.pi * p) * (0.8 + 0.4 * (j % 2))
        if size < 0.3:
            continue
        pen.polygon(_place(STAR, size, (x, y), 0.4 * p), (255, 222, 64), (168, 100, 0), min(1.0, 3 * p))


def _sweat(pen: _Pen, a: EffectAnchors, t: float, rng: np.random.Generator) -> None:
    hx, hy = a.head_center
    r = a.reach
    side = -float(np.sign(a.facing) or 1.0)
    p = _life(t, 0.05, 0.9)
    if p is None:
        return
    ang = math.radians(32.0 + float(rng.uniform(-5, 5)))
    x = hx + side * 0.9 * r * math.cos(ang)
    y0 = hy - 0.9 * r * math.sin(ang)
    size = 0.09 * a.glyph * (0.4 + 0.6 * _ease_out(min(1.0, p / 0.2)))
    eyes, er = _eyes(a) if a.eyes else ((), 0.0)
    for ex, ey in eyes:  # keep the drop off the eyes: out beside them
        if abs(ey - y0) < er + 3.2 * size and (x - ex) * side < er + 1.6 * size:
            x = ex + side * (er + 1.6 * size)
    y = y0 + 0.28 * r * (p * p)
    _drop(pen, (x, y), size, _fade(p, 0.1, 0.2))


def _anger(pen: _Pen, a: EffectAnchors, t: float, rng: np.random.Generator) -> None:
    hx, hy = a.head_center
    r = a.reach
    side = float(np.sign(a.facing) or 1.0)
    p = _life(t, 0.04, 0.92)
    if p is None:
        return
    env = _fade(p, 0.12, 0.12)
    pulse = 1.0 + 0.14 * math.sin(2 * math.pi * 3 * p) ** 2
    size = 0.19 * a.glyph * env * pulse
    if size < 0.5:
        return
    centre = np.array([hx + side * 0.72 * r, hy - 0.72 * r])
    pieces = []
    for sx, sy in ((1, 1), (-1, 1), (-1, -1), (1, -1)):
        pieces.append(_VEIN * np.array([sx, sy]) * size + centre)
    allpts = pen._fit(np.vstack(pieces), 0.15 * size + pen.ow)
    shift = allpts[0] - pieces[0][0]
    for piece in pieces:
        pen.stroke(piece + shift, 0.3 * size, (236, 36, 52), (118, 0, 22), min(1.0, 2 * env), fit=False)


def _motion_lines(pen: _Pen, a: EffectAnchors, t: float, rng: np.random.Generator) -> None:
    hx, hy = a.head_center
    r = a.head_radius
    back = -float(np.sign(a.facing) or 1.0)
    rows = np.array([-0.55, -0.15, 0.25, 0.65]) + rng.uniform(-0.08, 0.08, size=4)
    lengths = rng.uniform(0.45, 0.7, size=4)
    for i in range(4):
        for k in range(2):
            p = _life(t, 0.02 + 0.07 * i + 0.38 * k, 0.34)
            if p is None:
                continue
            near = 1.05 * r + 0.55 * r * p
            far = near + lengths[i] * r * math.sin(math.pi * min(1.0, 1.2 * p))
            y = hy + rows[i] * r
            if far - near < 0.06 * r:
                continue
            pts = np.array([[hx + back * near, y], [hx + back * far, y]])
            pen.stroke(pts, 0.06 * r, (250, 250, 252), (48, 50, 62), _fade(p, 0.1, 0.3))


def _fire(pen: _Pen, a: EffectAnchors, t: float, rng: np.random.Generator) -> None:
    hx, hy = a.head_center
    r = a.head_radius
    f = float(np.sign(a.facing) or 1.0)
    mx, my = a.mouth if a.mouth is not None else (hx + f * 0.55 * r, hy + 0.25 * r)
    n = 7
    jitter = rng.uniform(-1.0, 1.0, size=(n, 2))
    phases = rng.uniform(0, 2 * math.pi, size=n)
    live = []
    for i in range(n):
        p = _life(t, 0.03 + 0.085 * i, 0.42)
        if p is not None:
            live.append((p, i))
    for p, i in sorted(live, reverse=True):  # the oldest (farthest) first, the newest on top
        x = mx + f * (0.12 * r + 1.15 * r * _ease_out(p)) + jitter[i, 0] * 0.04 * r
        y = my - 0.18 * r * p * p + jitter[i, 1] * 0.08 * r * p
        size = r * (0.07 + 0.26 * _ease_out(p))
        opacity = _fade(p, 0.08, 0.35)
        warm = np.array([255, 226, 72]) * (1 - p) + np.array([250, 110, 28]) * p
        if p > 0.6:
            warm = warm * (1 - (p - 0.6)) + np.array([214, 58, 30]) * (p - 0.6)
        fill: Colour = (int(warm[0]), int(warm[1]), int(warm[2]))
        pts = pen.polygon(_place(_puff_shape(phases[i] + 3 * p), size, (x, y)), fill, (140, 34, 8), opacity)
        if p < 0.7:
            c = pts.mean(axis=0)
            pen.ellipse((c[0] - f * 0.1 * size, c[1] + 0.1 * size), 0.5 * size, 0.42 * size, (255, 240, 150),
                        opacity * (1 - p / 0.7))


_DRAWERS = {
    EffectKind.TEARS: _tears,
    EffectKind.ZZZ: _zzz,
    EffectKind.HEARTS: _hearts,
    EffectKind.SPARKLES: _sparkles,
    EffectKind.SWEAT: _sweat,
    EffectKind.ANGER: _anger,
    EffectKind.MOTION_LINES: _motion_lines,
    EffectKind.FIRE: _fire,
}


# --- words → effects -------------------------------------------------------------------

_WORDS: tuple[tuple[EffectKind, tuple[str, ...]], ...] = (
    (EffectKind.ZZZ, ("sleepy", "tired", "sleeping", "asleep", "snoozing", "drowsy")),
    (EffectKind.TEARS, ("crying", "cry", "cries", "sad", "tears", "tearful", "weeping", "sobbing")),
    (EffectKind.HEARTS, ("in love", "love", "loving", "lovestruck", "smitten")),
    (EffectKind.ANGER, ("angry", "mad", "furious", "grumpy", "annoyed")),
    (EffectKind.SPARKLES, ("excited", "happy", "surprised", "joyful", "amazed", "sparkling")),
    (EffectKind.SWEAT, ("nervous", "worried", "anxious", "sweating", "awkward")),
    (EffectKind.MOTION_LINES, ("running", "fast", "speeding", "dashing", "rushing", "zooming")),
    (EffectKind.FIRE, ("breathing fire", "fire breathing", "fire-breathing", "fire", "dragon", "flames")),
)


def effects_for_words(words: str | Iterable[str]) -> list[EffectKind]:
    """The effects a prompt's words ask for, in the order they appear ("a sleepy panda" → [zzz])."""
    text = words if isinstance(words, str) else " ".join(words)
    text = " " + re.sub(r"[^a-z\-]+", " ", text.lower()) + " "
    found: list[tuple[int, EffectKind]] = []
    for kind, keys in _WORDS:
        hits = [m.start() for key in keys for m in re.finditer(r"(?<![a-z])" + re.escape(key) + r"(?![a-z])", text)]
        if hits:
            found.append((min(hits), kind))
    return [kind for _pos, kind in sorted(found, key=lambda item: item[0])]
