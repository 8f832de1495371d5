"""Measure how a transparent clip moves, and name it with an action word.

Real animated emoji come without motion labels; captions need action words
("bouncing", "spinning"...) and motion adherence needs a measurement, so this module
reads the motion off the alpha channel, which is the subject's silhouette:

- **translation**: the alpha centroid's path; range in x and y as a fraction of the side.
- **scale**: sqrt of the alpha mass (a subject that grows covers more pixels).
- **squash**: the ratio of the silhouette's standard deviations in x and y.
- **rotation**: for each frame, the angle (10° steps) that best maps frame 0's
  centred silhouette onto the frame's centred silhouette; angles are unwrapped, so a
  full turn accumulates to 360°. Rotation-symmetric shapes (a ball) read as 0°.
- **inner change**: mean premultiplied colour change between frames, for motion that
  stays inside the silhouette (blinking eyes, a mouth, flames).

Heuristic naming (:func:`describe_motion`), each measure divided by a threshold so
1.0 means "clearly there"; the strongest one (and a second one if also >= 1) names
the motion:

=================  ===========================================  ===========  ===========
measure            threshold                                    word         preset
=================  ===========================================  ===========  ===========
accumulated turn   300°                                         spinning     spin
rotation range     25° (hands: waving)                          rocking      wobble/sway
vertical range     6% of the side (3–6%: floating)              bouncing     bounce/float
horizontal range   6% (>= 3 direction changes: shaking)         swaying      -/shake
scale range        12% (turns back at least once: pulsing)      pulsing      pulse
aspect range       20% (only without rotation)                  squashing    squash
inner change       1.2% mean colour change (if nothing above)   wiggling     -
=================  ===========================================  ===========  ===========

A spin always names the clip first (turning about an off-centre pivot also moves
the centroid and changes the aspect). Below every threshold the clip is "gently moving". The preset names match
``core/motion/presets.py`` so synthetic and real clips share motion labels.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image

_SIDE = 64
_ANGLES = np.arange(-180, 180, 10)


@dataclass(frozen=True)
class MotionStats:
    """Motion measured on a clip's alpha (fractions of the frame side, degrees, ratios)."""

    translate_x: float     #: range of the centroid's x, fraction of the width
    translate_y: float     #: range of the centroid's y, fraction of the height
    rotation_range: float  #: max - min unwrapped angle, degrees
    rotation_total: float  #: |accumulated angle| at the end, degrees (a spin is ~360)
    scale_range: float     #: max/min of sqrt(alpha mass) - 1
    aspect_range: float    #: max/min of the silhouette's x/y spread - 1
    inner_change: float    #: mean |premultiplied colour change| between consecutive frames, [0, 1]
    x_reversals: int       #: direction changes of the centroid's x path
    y_reversals: int       #: direction changes of the centroid's y path
    scale_returns: bool    #: the scale turns back at least once (a pulse, not a growth)

    def to_json(self) -> dict[str, float | int | bool]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class MotionLabel:
    """The words for a clip's motion: a verb phrase, the matching preset name, the measures."""

    phrase: str            #: "bouncing", "spinning and pulsing", "gently moving"
    words: tuple[str, ...]  #: trigger words, e.g. ("bouncing",)
    preset: str | None     #: "bounce" | "spin" | ... | None
    stats: MotionStats


def _alpha_stack(frames: np.ndarray) -> np.ndarray:
    """Alpha of every frame at ``_SIDE``² as float32 in [0, 1]."""
    out = np.empty((len(frames), _SIDE, _SIDE), np.float32)
    for i, frame in enumerate(frames):
        a = Image.fromarray(np.ascontiguousarray(frame[..., 3]), "L").resize((_SIDE, _SIDE), Image.Resampling.BOX)
        out[i] = np.asarray(a, np.float32) / 255.0
    return out


def _reversals(path: np.ndarray, tolerance: float) -> int:
    """Direction changes of a 1-D path, ignoring steps smaller than ``tolerance``."""
    steps = np.diff(path)
    signs = [np.sign(s) for s in steps if abs(s) > tolerance]
    return int(sum(1 for a, b in zip(signs, signs[1:], strict=False) if a != b))


def _centred(alpha: np.ndarray, cx: float, cy: float) -> np.ndarray:
    dy = int(round(_SIDE / 2 - cy))
    dx = int(round(_SIDE / 2 - cx))
    return np.roll(alpha, (dy, dx), axis=(0, 1))


def _rotation_path(alpha: np.ndarray, cxs: np.ndarray, cys: np.ndarray) -> np.ndarray:
    """Per-frame angle (deg) of the best rotation of frame 0 onto each frame, unwrapped."""
    ref = _centred(alpha[0], cxs[0], cys[0])
    ref_img = Image.fromarray(ref, "F")
    rotated = np.stack([np.asarray(ref_img.rotate(float(a), resample=Image.Resampling.BILINEAR)) for a in _ANGLES])
    zero = int(np.flatnonzero(_ANGLES == 0)[0])
    angles = []
    for i in range(len(alpha)):
        cur = _centred(alpha[i], cxs[i], cys[i])
        dist = np.abs(rotated - cur[None]).mean(axis=(1, 2))
        best = int(np.argmin(dist))
        # Only trust a rotation that fits clearly better than none (symmetric shapes do not).
        angles.append(float(_ANGLES[best]) if dist[best] < 0.85 * dist[zero] else 0.0)
    raw = np.asarray(angles)
    steps = (np.diff(raw) + 180.0) % 360.0 - 180.0
    return np.concatenate([[raw[0]], raw[0] + np.cumsum(steps)]) if len(raw) > 1 else raw


def measure_motion(frames: np.ndarray) -> MotionStats:
    """Measure a ``(N, H, W, 4)`` uint8 clip's motion from its alpha (see the module docs)."""
    arr = np.asarray(frames)
    alpha = _alpha_stack(arr)
    mass = alpha.sum(axis=(1, 2)) + 1e-6
    ys, xs = np.mgrid[0:_SIDE, 0:_SIDE].astype(np.float32)
    cx = (alpha * xs).sum(axis=(1, 2)) / mass
    cy = (alpha * ys).sum(axis=(1, 2)) / mass
    sx = np.sqrt((alpha * (xs - cx[:, None, None]) ** 2).sum(axis=(1, 2)) / mass)
    sy = np.sqrt((alpha * (ys - cy[:, None, None]) ** 2).sum(axis=(1, 2)) / mass)
    scale = np.sqrt(mass)
    aspect = sx / np.maximum(sy, 1e-3)
    rotation = _rotation_path(alpha, cx, cy) if len(arr) > 1 else np.zeros(1)
    pm = arr.astype(np.float32) / 255.0
    pm[..., :3] *= pm[..., 3:4]
    inner = float(np.abs(np.diff(pm, axis=0)).mean()) if len(arr) > 1 else 0.0
    tol = 0.004 * _SIDE
    return MotionStats(
        translate_x=float((cx.max() - cx.min()) / _SIDE),
        translate_y=float((cy.max() - cy.min()) / _SIDE),
        rotation_range=float(rotation.max() - rotation.min()),
        rotation_total=float(abs(rotation[-1] - rotation[0]) if len(rotation) > 1 else 0.0)
        + _spin_bonus(rotation),
        scale_range=float(scale.max() / max(scale.min(), 1e-3) - 1.0),
        aspect_range=float(aspect.max() / max(aspect.min(), 1e-3) - 1.0),
        inner_change=inner,
        x_reversals=_reversals(cx, tol),
        y_reversals=_reversals(cy, tol),
        scale_returns=_reversals(scale, 0.01 * float(scale.mean())) >= 1,
    )


def _spin_bonus(rotation: np.ndarray) -> float:
    """A looping spin ends where it began (360° ≡ 0°), so count the largest excursion too."""
    if len(rotation) < 2:
        return 0.0
    return max(0.0, float(np.abs(rotation - rotation[0]).max()) - float(abs(rotation[-1] - rotation[0])))


def describe_motion(stats: MotionStats, subject: str = "") -> MotionLabel:
    """Name the motion of a clip from its :class:`MotionStats` (thresholds in the module docs)."""
    hand = any(w in subject.lower() for w in ("hand", "waving"))
    candidates: list[tuple[float, str, str | None]] = []
    spin = stats.rotation_total / 300.0
    if spin >= 1.0:
        # A full turn is the most salient motion there is, and turning about an off-centre
        # pivot also moves the centroid: the spin names the clip first.
        candidates.append((100.0 + spin, "spinning", "spin"))
    else:
        rock = stats.rotation_range / 25.0
        candidates.append((rock, "waving" if hand else "rocking", "sway" if hand else "wobble"))
    vertical = stats.translate_y / 0.06
    if vertical >= 1.0:
        candidates.append((vertical, "bouncing", "bounce"))
    elif stats.translate_y >= 0.03 and stats.translate_y > stats.translate_x:
        candidates.append((1.0, "floating", "float"))
    horizontal = stats.translate_x / 0.06
    if stats.x_reversals >= 3:
        candidates.append((horizontal, "shaking", "shake"))
    else:
        candidates.append((horizontal, "swaying", None))
    pulse = stats.scale_range / 0.12
    if stats.scale_returns:
        candidates.append((pulse, "pulsing", "pulse"))
    else:
        candidates.append((pulse, "growing", None))
    if stats.rotation_range < 25.0:  # a turning silhouette changes its aspect without any squash
        candidates.append((stats.aspect_range / 0.20, "squashing", "squash"))
    strong = sorted((c for c in candidates if c[0] >= 1.0), key=lambda c: -c[0])
    if strong:
        top = strong[:2]
        words = tuple(dict.fromkeys(c[1] for c in top))
        return MotionLabel(" and ".join(words), words, top[0][2], stats)
    if stats.inner_change >= 0.012:
        return MotionLabel("wiggling", ("wiggling",), None, stats)
    return MotionLabel("gently moving", ("moving",), None, stats)


def label_motion(frames: np.ndarray, subject: str = "") -> MotionLabel:
    """:func:`measure_motion` then :func:`describe_motion`."""
    return describe_motion(measure_motion(frames), subject)
