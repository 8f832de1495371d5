"""STAND-IN, REMOVE when the face-effects branch lands (core/puppet/face.py, effects.py).

The smallest implementation of the FACE/EFFECTS CONTRACT so the puppet engine runs and
is tested before that branch is merged: eyelids filled in the colour around the eye, a
dark opening mouth, and no effects. :mod:`sticker_studio.core.puppet.facefx` prefers
the real modules whenever they import.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

Ellipse = tuple[float, float, float, float]
Point = tuple[float, float]


class Brow(Enum):
    NEUTRAL = "neutral"
    ANGRY = "angry"
    SAD = "sad"


@dataclass(frozen=True)
class FaceState:
    eye_open_l: float = 1.0
    eye_open_r: float = 1.0
    mouth_open: float = 0.0
    pupil_dx: float = 0.0
    pupil_dy: float = 0.0
    brow: Brow = Brow.NEUTRAL
    blush: float = 0.0

    def is_neutral(self) -> bool:
        return (self.eye_open_l >= 1.0 and self.eye_open_r >= 1.0 and self.mouth_open <= 0.0 and self.pupil_dx == 0.0
                and self.pupil_dy == 0.0 and self.brow is Brow.NEUTRAL and self.blush <= 0.0)


@dataclass(frozen=True)
class FaceGeometry:
    eye_l: Ellipse | None = None
    eye_r: Ellipse | None = None
    mouth: Ellipse | None = None
    rotation: float = 0.0
    scale: float = 1.0


def _inside(shape: tuple[int, int], e: Ellipse, grow: float = 1.0) -> np.ndarray:
    cx, cy, rx, ry = e
    yy, xx = np.indices(shape)
    return ((xx - cx) / (rx * grow + 0.5)) ** 2 + ((yy - cy) / (ry * grow + 0.5)) ** 2 <= 1.0


def draw_face(frame: np.ndarray, rest: np.ndarray, rest_face: FaceGeometry, face: FaceGeometry,
              state: FaceState) -> None:
    if state.is_neutral():
        return
    h, w = frame.shape[:2]
    for eye, rest_eye, openness in ((face.eye_l, rest_face.eye_l, state.eye_open_l),
                                    (face.eye_r, rest_face.eye_r, state.eye_open_r)):
        if eye is None or rest_eye is None or openness >= 1.0:
            continue
        ring = _inside(rest.shape[:2], rest_eye, 1.6) & ~_inside(rest.shape[:2], rest_eye, 1.2) & (rest[..., 3] > 200)
        skin = np.median(rest[ring][:, :3], axis=0) if ring.any() else np.array([200, 160, 120])
        cx, cy, rx, ry = eye
        lid = _inside((h, w), (cx, cy, rx * 1.15, ry * 1.15)) & (np.indices((h, w))[0] < cy - ry * 1.15 +
                                                                  2 * ry * 1.15 * (1.0 - openness))
        frame[lid, :3] = skin.astype(np.uint8)
    if face.mouth is not None and state.mouth_open > 0.0:
        cx, cy, rx, ry = face.mouth
        m = _inside((h, w), (cx, cy + ry * 0.3, rx * 0.7, max(1.0, ry * 1.4 * state.mouth_open)))
        frame[m, :3] = (90, 30, 40)
        frame[m, 3] = 255


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
    head_center: Point
    head_radius: float
    eyes: tuple[Point, ...] = ()
    mouth: Point | None = None
    facing: int = 1
    eye_radius: float = 0.0


def draw_effect(frame: np.ndarray, kind: EffectKind, anchors: EffectAnchors, t: float, amount: float = 1.0,
                seed: int = 0) -> None:
    """The stand-in draws no effects."""
    return None
