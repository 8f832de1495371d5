"""The character motion library: each motion is a pure function of the loop phase.

A motion maps t in [0, 1) to a :class:`CharacterPose`. Every motion is the rest pose
at t = 0 (frame 0 is the drawing) and is built from periodic terms or an envelope
that returns to rest at t = 1, so the loop closes by construction. Angles are
relative to the rest bones (an arm is raised by the turn that takes *its* rest
direction to "up and out"), lengths are fractions of the character's size: the same
motion fits a tall person and a round bear.

``needs`` lists what a motion cannot do without: part names (``arm`` = either arm,
``arms`` = both, ``head``, ``tail``, ``ear``) and face features (``eyes``,
``mouth``). Motions whose needs are missing raise :class:`MissingPartError` naming the
part; a few state a fallback instead (``fallback``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.motion.poses import EASINGS, Easing
from sticker_studio.core.puppet.pose import CharacterPose, FacePose
from sticker_studio.core.puppet.rig import BodyPlan, Rig

#: a head whose centre lies nearer than this share of the character's size to ``root`` is the whole drawing's
#: middle, not a head on a neck (:meth:`MotionContext.head_turns`); a person's or an animal's head sits 0.3-0.6
#: away, a face-only drawing's 0.0-0.1
HEAD_APART = 0.15


class MissingPartError(InvalidInputError):
    """The drawing's rig lacks a part the motion needs."""


class MotionGroup:
    CHARACTER = "character"
    FACE = "face"
    EMOTION = "emotion"


@dataclass(frozen=True)
class CharacterParams:
    """What the user turns, like :class:`~sticker_studio.core.motion.poses.MotionParams`."""

    amplitude: float = 1.0
    easing: str = "ease-in-out"
    #: which arm waves: "auto" (the viewer's right if there is one), "l" or "r"
    side: str = "auto"

    def ease(self) -> Easing:
        try:
            return EASINGS[self.easing]
        except KeyError:
            raise InvalidInputError(f"unknown easing {self.easing!r}; choose one of: {', '.join(EASINGS)}") from None


@dataclass
class MotionContext:
    rig: Rig
    params: CharacterParams
    size: float  # the character's longer side, pixels
    ease: Easing = field(default=lambda u: u)
    #: the arm sides wave, cheer and clap may move (None: every arm the rig has; an automatic rig's
    #: doubtful arms are left out, see :mod:`sticker_studio.core.puppet.arms`)
    arms: tuple[str, ...] | None = None
    #: the arm an "auto" wave raises when the drawing was looked at (:func:`~sticker_studio.core.puppet.animate.
    #: open_arm`): the one that waves in the open rather than across its own body; None: the viewer's right
    wave_pick: str | None = None

    @property
    def amp(self) -> float:
        return self.params.amplitude

    def arm_sides(self) -> list[str]:
        return [s for s in ("l", "r") if self.rig.has_part(f"arm_{s}") and (self.arms is None or s in self.arms)]

    def wave_side(self) -> str:
        sides = self.arm_sides()
        if not sides:  # (callers check missing_in first; a direct call gets the one-line error, not an IndexError)
            raise MissingPartError("this motion needs an arm, which this drawing's rig does not give (an automatic "
                                   "rig's doubtful arms do not move); fix the rig or pick another motion")
        want = self.params.side
        if want in sides:
            return want
        if self.wave_pick in sides:
            return self.wave_pick
        return "r" if "r" in sides else sides[0]

    def out_sign(self, side: str) -> float:
        """+1 when "out" for this arm is the viewer's right. A profile animal (a quadruped whose head is off
        to one side of its body) lifts either front leg forward, toward its head: "out" to the arm's own side
        swung the far leg back across the body, tearing a flap of the chest along with it."""
        j = self.rig.joints
        if self.rig.plan is BodyPlan.QUADRUPED and "head" in j and "root" in j and abs(j["head"].x - j["root"].x) > 1:
            return 1.0 if j["head"].x > j["root"].x else -1.0
        return 1.0 if side == "r" else -1.0

    def up_out_turn(self, side: str, elevation_deg: float) -> float:
        """The turn that takes the rest arm (shoulder -> hand) to point up-and-out."""
        sh = self.rig.xy(f"shoulder_{side}")
        end = self.rig.xy(f"elbow_{side}") if f"elbow_{side}" in self.rig.joints else self.rig.xy(f"hand_{side}")
        rest = math.atan2(end[1] - sh[1], end[0] - sh[0])
        e = math.radians(elevation_deg)
        target = math.atan2(-math.sin(e), math.cos(e) * self.out_sign(side))
        return _wrap(target - rest)

    def toward_turn(self, side: str, point: tuple[float, float]) -> float:
        sh = self.rig.xy(f"shoulder_{side}")
        end = self.rig.xy(f"elbow_{side}") if f"elbow_{side}" in self.rig.joints else self.rig.xy(f"hand_{side}")
        rest = math.atan2(end[1] - sh[1], end[0] - sh[0])
        return _wrap(math.atan2(point[1] - sh[1], point[0] - sh[0]) - rest)

    def head_turns(self) -> bool:
        """Whether the head moves on its own neck: the rig has a head part and a neck, and the head's centre
        lies away from the body's (at least :data:`HEAD_APART` of the character's size from ``root``). A face
        drawn as the whole drawing (a robot's or a skull's head, rigged with its centre on ``root`` and a "neck"
        at the chin) has its head pixels as a strip along the head's bone: turning that strip about the neck
        sheared the eyes and tore the top of the head (Twemoji robot, skull, unicorn, rocket); such a drawing
        nods, shakes and tilts as a whole instead."""
        j = self.rig.joints
        if "neck" not in j or "head" not in j or "root" not in j or not self.rig.has_part("head"):
            return False
        apart = math.hypot(j["head"].x - j["root"].x, j["head"].y - j["root"].y)
        return apart >= HEAD_APART * self.size

    def droop_sign(self) -> float:
        """The sign of the head turn (:meth:`tilt`) that lets a head hang down: a head held out to the side of
        its neck (a profile) turns chin-down toward the side it faces; an upright head tilts clockwise."""
        j = self.rig.joints
        if self.head_turns():
            dx, dy = j["head"].x - j["neck"].x, j["head"].y - j["neck"].y
            if abs(dx) > 0.3 * math.hypot(dx, dy):
                return math.copysign(1.0, dx)
        return 1.0

    def tilt(self, pose: CharacterPose, angle: float, whole: bool = True) -> None:
        """Turn the head about the neck; a blob without a neck turns as a whole about its base
        (``whole=False``: not at all, for motions where the head's turn is only an accent)."""
        if self.head_turns():
            pose.angles["neck"] = pose.angles.get("neck", 0.0) + angle
        elif whole:
            pose.rotation += angle


def _wrap(a: float) -> float:
    return (a + math.pi) % (2 * math.pi) - math.pi


# ------------------------------------------------------------------ shapes of time
def smooth(u: float) -> float:
    u = min(1.0, max(0.0, u))
    return u * u * (3 - 2 * u)


def env(t: float, rise: float = 0.18) -> float:
    """0 at t=0, up by ``rise``, held, back to 0 at t=1."""
    return min(smooth(t / rise), smooth((1.0 - t) / rise))


def hump(t: float, k: int = 1) -> float:
    """0 -> 1 -> 0, k times a loop."""
    return 0.5 - 0.5 * math.cos(2 * math.pi * k * t)


def wave_(t: float, k: int, phase: float = 0.0) -> float:
    return math.sin(2 * math.pi * (k * t - phase))


def pulse(t: float, centre: float, width: float) -> float:
    d = (t - centre + 0.5) % 1.0 - 0.5
    v = math.exp(-((d / width) ** 2))
    return 0.0 if v < 1e-4 else v


def damped(t: float, starts: tuple[float, ...], decay: float = 0.12, period: float = 0.2) -> float:
    """Sum of damped oscillations kicked at ``starts`` (secondary motion that lags and settles)."""
    total = 0.0
    for s in starts:
        tau = (t - s) % 1.0
        total += math.exp(-tau / decay) * math.sin(2 * math.pi * tau / period)
    return total


def _snap(v: float, rest: float) -> float:
    return rest if abs(v - rest) < 1e-3 else v


def face(eye_l: float = 1.0, eye_r: float | None = None, mouth: float = 0.0, dx: float = 0.0, dy: float = 0.0,
         brow: str = "neutral", blush: float = 0.0) -> FacePose:
    return FacePose(_snap(eye_l, 1.0), _snap(eye_l if eye_r is None else eye_r, 1.0), _snap(mouth, 0.0),
                    _snap(dx, 0.0), _snap(dy, 0.0), brow if blush >= 0 else "neutral", _snap(blush, 0.0))


# ------------------------------------------------------------------ the motions
def m_blink(t: float, c: MotionContext) -> CharacterPose:
    closed = max(pulse(t, 0.3, 0.045), pulse(t, 0.72, 0.045))
    return CharacterPose(face=face(1.0 - min(1.0, c.amp) * closed))


def m_talk(t: float, c: MotionContext) -> CharacterPose:
    o = hump(t, 4) * (0.55 + 0.45 * math.sin(math.pi * t) ** 2) * min(1.0, c.amp)
    p = CharacterPose(face=face(mouth=o))
    return p


def m_look(t: float, c: MotionContext) -> CharacterPose:
    dx = 0.85 * min(1.0, c.amp) * wave_(t, 1) * env(t, 0.1)
    dy = -0.25 * min(1.0, c.amp) * hump(t, 2) * env(t, 0.1)
    return CharacterPose(face=face(dx=dx, dy=dy))


def m_nod(t: float, c: MotionContext) -> CharacterPose:
    p = CharacterPose()
    a = hump(t, 2)
    if c.head_turns():
        p.head_offset = (0.0, 0.035 * c.size * c.amp * a)
        p.head_scale = (1.0, 1.0 - 0.06 * c.amp * a)
    else:
        p.scale = (1.0 + 0.02 * c.amp * a, 1.0 - 0.06 * c.amp * a)
    return p


def m_shake(t: float, c: MotionContext) -> CharacterPose:
    p = CharacterPose()
    s = wave_(t, 2) * env(t, 0.08)
    c.tilt(p, 0.06 * c.amp * s)
    if c.head_turns():
        p.head_offset = (0.03 * c.size * c.amp * s, 0.0)
    else:
        p.offset = (0.02 * c.size * c.amp * s, 0.0)
    p.face = face(dx=-0.5 * s * min(1.0, c.amp))
    return p


def m_tilt(t: float, c: MotionContext) -> CharacterPose:
    p = CharacterPose()
    c.tilt(p, 0.22 * c.amp * env(t, 0.22))
    return p


def m_wave(t: float, c: MotionContext) -> CharacterPose:
    s = c.wave_side()
    e = env(t, 0.2)
    p = CharacterPose()
    raise_turn = c.up_out_turn(s, 55.0)
    sign = -c.out_sign(s)  # a turn that swings the hand outward
    osc = wave_(t, 3) * e
    if f"elbow_{s}" in c.rig.joints:
        p.angles[f"shoulder_{s}"] = raise_turn * e + sign * 0.08 * c.amp * osc
        p.angles[f"elbow_{s}"] = sign * 0.35 * c.amp * osc - sign * 0.15 * e
    else:
        p.angles[f"shoulder_{s}"] = raise_turn * e + sign * 0.3 * c.amp * osc
    # the arm and hand move, the body and head stay still: a head turn with the wave moved a whole head of
    # pixels near the middle (the rule: a wave changes <= 45 % of the subject, off to one side)
    return p


def m_cheer(t: float, c: MotionContext) -> CharacterPose:
    e = env(t, 0.15)
    p = CharacterPose()
    pump = hump(t, 3) * e
    for s in c.arm_sides():
        sign = 1.0 if s == "l" else -1.0
        p.angles[f"shoulder_{s}"] = c.up_out_turn(s, 70.0) * e + sign * 0.18 * c.amp * pump
    p.offset = (0.0, -0.04 * c.size * c.amp * pump)
    p.face = face(mouth=0.6 * e)
    return p


def m_clap(t: float, c: MotionContext) -> CharacterPose:
    e = env(t, 0.15)
    p = CharacterPose()
    r = c.rig
    cx = r.joints["root"].x
    cy = (r.joints["chest"].y if "chest" in r.joints else r.joints["root"].y) + 0.05 * c.size
    closing = 0.55 + 0.45 * hump(t, 4)
    for s in c.arm_sides():
        p.angles[f"shoulder_{s}"] = c.toward_turn(s, (cx, cy)) * 0.8 * e * closing
    return p


def _hop_curve(t: float) -> tuple[float, float]:
    """(height 0..1, squash: <0 squashed, >0 stretched) of a hop with anticipation."""
    if t < 0.18:  # anticipation: crouch
        return 0.0, -smooth(t / 0.18)
    if t < 0.62:  # airborne: unsquash into a stretch at take-off, the arc, a little stretch before landing
        u = (t - 0.18) / 0.44
        h = 4 * u * (1 - u)
        if u < 0.15:
            sq = -1.0 + 1.8 * smooth(u / 0.15)
        elif u < 0.5:
            sq = 0.8 * (1 - smooth((u - 0.15) / 0.35))
        elif u > 0.7:
            sq = 0.3 * math.sin(math.pi * (u - 0.7) / 0.3)
        else:
            sq = 0.0
        return h, sq
    if t < 0.8:  # land: squash
        u = (t - 0.62) / 0.18
        return 0.0, -0.9 * math.sin(math.pi * u)
    u = (t - 0.8) / 0.2  # settle with a small rebound
    return 0.0, 0.25 * math.sin(math.pi * u) * (1 - u)


def m_hop(t: float, c: MotionContext) -> CharacterPose:
    h, sq = _hop_curve(t)
    p = CharacterPose()
    a = c.amp
    s = 0.12 * a * sq
    p.scale = (1.0 - 0.6 * s, 1.0 + s)
    p.offset = (0.0, -0.22 * c.size * a * h)
    for side in c.arm_sides():
        sign = 1.0 if side == "l" else -1.0
        p.angles[f"shoulder_{side}"] = sign * 0.5 * a * h
    if c.rig.has_part("ear_l") or c.rig.has_part("ear_r"):
        for side, sign in (("l", -1.0), ("r", 1.0)):
            if c.rig.has_part(f"ear_{side}"):
                p.angles[f"ear_{side}_base"] = sign * 0.25 * a * (h - max(0.0, -sq) * 0.5)
    return p


def m_breathe(t: float, c: MotionContext) -> CharacterPose:
    b = hump(t, 1) * c.amp
    p = CharacterPose(scale=(1.0 + 0.012 * b, 1.0 + 0.03 * b))
    for side in c.arm_sides():
        p.angles[f"shoulder_{side}"] = (0.05 if side == "l" else -0.05) * b
    return p


def m_dance(t: float, c: MotionContext) -> CharacterPose:
    e = env(t, 0.1)
    sway = wave_(t, 2) * e
    p = CharacterPose(rotation=0.07 * c.amp * sway, offset=(0.04 * c.size * c.amp * sway,
                                                            -0.03 * c.size * c.amp * hump(t, 4) * e))
    for side in c.arm_sides():
        sign = 1.0 if side == "l" else -1.0
        up = c.up_out_turn(side, 40.0)
        phase = 0.0 if side == "l" else 0.5
        p.angles[f"shoulder_{side}"] = up * e * hump(t + phase / 2, 2) + sign * 0.1 * sway
    c.tilt(p, -0.1 * c.amp * sway)
    return p


def m_bow(t: float, c: MotionContext) -> CharacterPose:
    e = env(t, 0.3)
    p = CharacterPose()
    if c.head_turns():
        p.head_offset = (0.0, 0.08 * c.size * c.amp * e)
        p.head_scale = (1.0, 1.0 - 0.1 * c.amp * e)
    p.scale = (1.0 + 0.02 * c.amp * e, 1.0 - 0.08 * c.amp * e)
    p.face = face(eye_l=1.0 - 0.8 * e)
    return p


def m_shiver(t: float, c: MotionContext) -> CharacterPose:
    e = env(t, 0.1)
    s = wave_(t, 12) * e
    p = CharacterPose(offset=(0.012 * c.size * c.amp * s, 0.0), rotation=0.01 * c.amp * wave_(t, 9) * e)
    p.face = face(eye_l=1.0 - 0.3 * e, mouth=0.2 * e)
    p.effects = {"sweat": e}
    return p


def m_tail_wag(t: float, c: MotionContext) -> CharacterPose:
    e = env(t, 0.12)
    a = c.amp
    p = CharacterPose()
    p.angles["tail_base"] = 0.35 * a * wave_(t, 3) * e
    if "tail_mid" in c.rig.joints:
        mid = 0.3 * a * wave_(t, 3, 0.12) * e
        p.angles["tail_mid"] = unfolding(mid, chain_bend(c.rig, "tail_base", "tail_mid", "tail_tip"))
    return p


#: a chain bent by more than this (radians) at a joint turns less that way (:func:`unfolding`)
FOLD_FREE_BEND = math.radians(60.0)


def chain_bend(rig: Rig, a: str, b: str, tip: str) -> float:
    """The signed turn (radians, -pi .. pi, the sign of a pose angle) from bone a-b to bone b-tip at joint b;
    0 for a straight chain or a missing joint."""
    if not {a, b, tip} <= set(rig.joints):
        return 0.0
    u, v = rig.xy(b) - rig.xy(a), rig.xy(tip) - rig.xy(b)
    return math.atan2(float(u[0] * v[1] - u[1] * v[0]), float(u @ v))


def unfolding(angle: float, bend: float) -> float:
    """A joint turn that cannot fold a curled chain over itself: the part of ``angle`` that bends the chain
    further (same sign as its rest ``bend``) shrinks as the bend passes :data:`FOLD_FREE_BEND`, to nothing at
    a hairpin; the part that opens it shrinks half as fast. A curly tail (the monkey's) wagged about its mid
    joint closed its curl and folded 13 triangles on the inside of the turn."""
    if abs(bend) <= FOLD_FREE_BEND:
        return angle
    room = max(0.0, (math.pi - abs(bend)) / (math.pi - FOLD_FREE_BEND))
    # near a hairpin the chord's bend no longer tells which way the curl opens: the opening turn shrinks too
    return angle * (room if angle * bend > 0.0 else min(1.0, 2.0 * room))


def m_ear_sway(t: float, c: MotionContext) -> CharacterPose:
    """Ears (and a tail) swing out, lag and settle, twice a loop; a head that has a neck dips a little to
    kick them. A drawing without a separate head keeps its body still: its whole-body bob read as a nod."""
    p = CharacterPose()
    if c.head_turns():
        p.head_offset = (0.0, 0.006 * c.size * c.amp * hump(t, 2))
    lag = _snap(damped(t, (0.0, 0.5), decay=0.15), 0.0)  # (exactly 0 at t = 0: frame 0 is the drawing)
    for side, sign in (("l", -1.0), ("r", 1.0)):
        if c.rig.has_part(f"ear_{side}"):
            p.angles[f"ear_{side}_base"] = sign * 0.42 * c.amp * lag
    if c.rig.has_part("tail"):
        p.angles["tail_base"] = 0.2 * c.amp * damped(t, (0.1, 0.6))
    return p


def m_sleepy(t: float, c: MotionContext) -> CharacterPose:
    e = env(t, 0.3)
    p = CharacterPose(scale=(1.0 + 0.01 * hump(t), 1.0 + 0.02 * hump(t)))
    # a head without eyes to close says "sleepy" with its droop alone: it hangs lower (a drawing without a
    # separate head turns as a whole, and keeps the small turn)
    eyes = "eye_l" in c.rig.face or "eye_r" in c.rig.face
    droop = 0.2 if not eyes and c.head_turns() else 0.12
    c.tilt(p, droop * c.amp * e * c.droop_sign())
    p.face = face(eye_l=1.0 - 0.9 * e)
    p.effects = {"zzz": e}
    return p


def m_cry(t: float, c: MotionContext) -> CharacterPose:
    e = env(t, 0.12)
    p = CharacterPose(offset=(0.006 * c.size * c.amp * wave_(t, 8) * e, 0.0))
    p.face = face(eye_l=1.0 - 0.55 * e, mouth=0.35 * e * (0.7 + 0.3 * hump(t, 3)), brow="sad" if e > 0.01 else
                  "neutral")
    p.effects = {"tears": e}
    return p


def m_angry(t: float, c: MotionContext) -> CharacterPose:
    e = env(t, 0.12)
    p = CharacterPose(offset=(0.01 * c.size * c.amp * wave_(t, 6) * e, 0.0),
                      scale=(1.0 + 0.02 * e * hump(t, 3), 1.0 - 0.02 * e * hump(t, 3)))
    p.face = face(eye_l=1.0 - 0.3 * e, mouth=0.25 * e, brow="angry" if e > 0.01 else "neutral")
    p.effects = {"anger": e}
    return p


def m_love(t: float, c: MotionContext) -> CharacterPose:
    e = env(t, 0.15)
    p = CharacterPose(offset=(0.0, -0.02 * c.size * c.amp * hump(t, 2) * e),
                      scale=(1.0 + 0.015 * hump(t, 2) * e, 1.0 + 0.015 * hump(t, 2) * e))
    c.tilt(p, 0.1 * c.amp * wave_(t, 1) * e)
    p.face = face(eye_l=1.0 - 0.25 * e, blush=e)
    p.effects = {"hearts": e}
    return p


@dataclass(frozen=True)
class CharacterMotion:
    name: str
    group: str
    description: str
    fn: Callable[[float, MotionContext], CharacterPose]
    needs: tuple[str, ...] = ()
    frames: int = 24
    fps: float = 12.0
    #: words a caption may use for this motion
    verbs: tuple[str, ...] = ()
    #: what happens when an optional part is missing (stated to the user), or "" for none
    fallback: str = ""


def _m(name: str, group: str, description: str, fn: Callable[[float, MotionContext], CharacterPose],
       needs: tuple[str, ...] = (), frames: int = 24, fps: float = 12.0, verbs: tuple[str, ...] = (),
       fallback: str = "") -> CharacterMotion:
    return CharacterMotion(name, group, description, fn, needs, frames, fps, verbs, fallback)


CHARACTER_MOTIONS: dict[str, CharacterMotion] = {m.name: m for m in (
    _m("blink", MotionGroup.FACE, "the eyes close twice (eyelids in the skin colour)", m_blink, ("eyes",),
       verbs=("blinking", "winking")),
    _m("talk", MotionGroup.FACE, "the mouth opens and closes as if talking", m_talk, ("mouth",),
       verbs=("talking", "speaking", "chatting", "singing")),
    _m("look", MotionGroup.FACE, "the eyes look left and right", m_look, ("eyes",),
       verbs=("looking around", "looking")),
    _m("nod", MotionGroup.CHARACTER, "the head nods yes twice", m_nod, ("head",), verbs=("nodding", "agreeing"),
       fallback="a drawing without a separate head nods as a whole (squash)"),
    _m("head-shake", MotionGroup.CHARACTER, "the head shakes no", m_shake, ("head",),
       verbs=("shaking its head", "saying no"), fallback="a drawing without a separate head turns as a whole"),
    _m("head-tilt", MotionGroup.CHARACTER, "the head tilts to one side, curious", m_tilt, ("head",),
       verbs=("tilting its head", "curious", "wondering"),
       fallback="a drawing without a separate head tilts as a whole about its base"),
    _m("wave", MotionGroup.CHARACTER, "one arm rises and waves hello", m_wave, ("arm",),
       verbs=("waving", "waving hello", "saying hi", "greeting", "saying bye")),
    _m("cheer", MotionGroup.CHARACTER, "both arms up, pumping, mouth open", m_cheer, ("arms",),
       verbs=("cheering", "celebrating", "hooray")),
    _m("clap", MotionGroup.CHARACTER, "the hands meet in front, clapping", m_clap, ("arms",),
       verbs=("clapping", "applauding")),
    _m("hop", MotionGroup.CHARACTER, "crouches, hops with a stretch, lands with a squash", m_hop,
       verbs=("hopping", "jumping", "jumping for joy")),
    _m("idle", MotionGroup.CHARACTER, "calm breathing idle", m_breathe, frames=24, fps=12.0,
       verbs=("breathing", "idle", "resting", "standing")),
    _m("dance", MotionGroup.CHARACTER, "sways and bounces to a beat, arms up in turn", m_dance,
       verbs=("dancing", "grooving", "partying")),
    _m("bow", MotionGroup.CHARACTER, "bows: the head dips, eyes close, back up", m_bow,
       verbs=("bowing", "thanking", "saying thank you")),
    _m("shiver", MotionGroup.CHARACTER, "shivers with a sweat drop", m_shiver, verbs=("shivering", "cold", "scared")),
    _m("tail-wag", MotionGroup.CHARACTER, "the tail wags", m_tail_wag, ("tail",),
       verbs=("wagging", "wagging its tail")),
    _m("ear-sway", MotionGroup.CHARACTER, "ears (and tail) swing out, lag behind and settle", m_ear_sway, ("ear",),
       verbs=("swaying ears", "flopping ears")),
    _m("sleepy", MotionGroup.EMOTION, "eyes droop shut, head nods off, zzz", m_sleepy,
       verbs=("sleepy", "sleeping", "tired", "yawning"),
       fallback="without eyes only the head droops and the zzz float up"),
    _m("cry", MotionGroup.EMOTION, "sad brows, squinting eyes, tears", m_cry,
       verbs=("crying", "sad", "sobbing", "tears")),
    _m("angry", MotionGroup.EMOTION, "angry brows, trembling, an anger mark", m_angry,
       verbs=("angry", "mad", "furious", "grumpy")),
    _m("love", MotionGroup.EMOTION, "blushes and sways, hearts float up", m_love,
       verbs=("in love", "loving", "love", "heart")),
)}

ALIASES: dict[str, str] = {
    "breathe-idle": "idle", "shake-head": "head-shake", "no-no": "head-shake", "tilt": "head-tilt",
    "wag": "tail-wag", "tail": "tail-wag", "ears": "ear-sway", "hair-sway": "ear-sway", "sleep": "sleepy",
    "sad": "cry", "mad": "angry", "hearts": "love", "jump-squash": "hop", "look-around": "look",
}


def list_character_motions() -> list[CharacterMotion]:
    return list(CHARACTER_MOTIONS.values())


def find_character_motion(name: str) -> CharacterMotion | None:
    key = name.strip().lower().replace("_", "-").replace(" ", "-")
    key = ALIASES.get(key, key)
    return CHARACTER_MOTIONS.get(key)


def missing_for(motion: CharacterMotion, rig: Rig, arms: tuple[str, ...] | None = None) -> list[str]:
    """What the motion needs that the rig lacks (readable names); ``arms``: the arm sides that may move
    (:func:`sticker_studio.core.puppet.animate.playable_arms`), None for every arm the rig has.

    This is the rig-only check (a rig without a drawing). Whether a motion plays on a *drawing* is
    :func:`sticker_studio.core.puppet.animate.missing_in`, which adds an automatic rig's doubtful arms and
    eyes and parts that hold no pixel; that is what animate enforces, so anything that offers a motion
    for a drawing (gallery, CLI, contact sheets, text -> sticker) asks it."""
    out = []
    usable = [s for s in ("l", "r") if rig.has_part(f"arm_{s}") and (arms is None or s in arms)]
    for need in motion.needs:
        if need == "arm" and not usable:
            out.append("an arm")
        elif need == "arms" and len(usable) < 2:
            out.append("two arms")
        elif need == "ear" and not (rig.has_part("ear_l") or rig.has_part("ear_r")):
            out.append("an ear (or hair tuft)")
        elif need == "tail" and not rig.has_part("tail"):
            out.append("a tail")
        elif need == "eyes" and not ("eye_l" in rig.face or "eye_r" in rig.face):
            out.append("eyes")
        elif need == "mouth" and "mouth" not in rig.face:
            out.append("a mouth")
        elif need == "head" and "head" not in rig.joints:
            out.append("a head")
    return out
