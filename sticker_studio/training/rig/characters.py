"""Procedurally drawn characters with exact rig labels, for the learned rig model.

A character is a random member of a *family* drawn from ``(family, seed)``: its skeleton is
built first (proportions and a pose), then every part is drawn with Pillow in z-order as
filled shapes with their own outline, so a front part's outline covers what is behind it,
as in a cartoon. The same shapes are drawn into a part label map, so the labels are exact:

* joints — the :data:`~sticker_studio.engine.rig.contract.JOINTS` the character has;
* parts — a ``uint8`` map (0 background, ``i + 1`` for ``PARTS[i]``), the visible part;
* face — eye and mouth ellipses (``cx, cy, rx, ry``) where there is a face;
* body plan — humanoid, quadruped, blob or object.

Families (training): ``person`` (clothes, hair), ``chibi`` (big head, stubby limbs),
``animal`` (a standing animal: ears, often a tail, a belly), ``quadruped`` (profile on four
legs with ears and a tail), ``blob`` (a round mass with a face, maybe stubby arms, feet,
ears), ``object`` (cups, bottles, stars, hearts, clouds, boxes, fruit; half with a face,
some with stick limbs). **Held out** (never drawn for training; the eval's procedural set):
``robot`` (a boxy humanoid drawn with rectangles) and ``pony`` (a long-legged quadruped
with a mane and a rectangular-ish muzzle).

Styles vary per character: outline width (none to thick) and colour (ink, a darker fill,
coloured), flat or shaded fills (a light from one side), a paper texture, sketchy line-art
(white fill), pastel or saturated palettes. The canvas is transparent; see
:mod:`.samples` for how a character becomes a training sample.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from sticker_studio.engine.rig.contract import PARTS, BodyPlan

TRAIN_FAMILIES: tuple[str, ...] = ("person", "chibi", "animal", "quadruped", "blob", "object")
HELD_OUT_FAMILIES: tuple[str, ...] = ("robot", "pony")
FAMILIES: tuple[str, ...] = (*TRAIN_FAMILIES, *HELD_OUT_FAMILIES)
#: share of each training family in a training batch
FAMILY_WEIGHTS: dict[str, float] = {"person": 0.2, "chibi": 0.15, "animal": 0.2, "quadruped": 0.17,
                                    "blob": 0.14, "object": 0.14}

Colour = tuple[int, int, int, int]
Point = tuple[float, float]
Ellipse = tuple[float, float, float, float]


@dataclass
class Shape:
    """One filled shape of a part: a polygon, or a thick polyline (``width`` > 0, round caps)."""

    part: str
    points: list[Point]
    fill: Colour
    width: float = 0.0
    outline: bool = True
    label: bool = True  # False: decoration drawn over a part without changing the label (it keeps the part below)


@dataclass
class Deco:
    """A mark drawn on top without its own label (faces, bellies, patterns): polygon or line."""

    points: list[Point]
    fill: Colour | None
    line: Colour | None = None
    width: float = 0.0


@dataclass
class Character:
    family: str
    seed: int
    body_plan: BodyPlan
    joints: dict[str, Point]
    face: dict[str, Ellipse]
    shapes: list[Shape] = field(default_factory=list)
    decos: list[Deco] = field(default_factory=list)
    #: share of faces whose mouth is replaced by a wide emoji mouth (:func:`_wide_mouth`), drawn from
    #: ``mouth_rng``, a stream of its own, so the other draws (and the rig network's data) stay as they are
    wide_mouths: float = 0.0
    mouth_rng: np.random.Generator | None = None


@dataclass
class Drawing:
    """A rendered character: RGBA ``[S, S, 4]`` uint8 on transparency, the part map
    ``[S, S]`` uint8, and the labels in the drawing's pixel coordinates."""

    family: str
    seed: int
    rgba: np.ndarray
    parts: np.ndarray
    joints: dict[str, Point]
    face: dict[str, Ellipse]
    body_plan: BodyPlan


# ----------------------------------------------------------------------------- colours and geometry
def _rgb(rng: np.random.Generator, kind: str | None = None) -> Colour:
    kind = kind or str(rng.choice(["sat", "pastel", "dark", "skin", "white"], p=[0.42, 0.3, 0.12, 0.1, 0.06]))
    if kind == "sat":
        h = rng.random()
        c = [0.5 + 0.5 * math.cos(2 * math.pi * (h + k / 3)) for k in range(3)]
        lo, hi = rng.uniform(0, 90), rng.uniform(170, 255)
        return (*(int(lo + (hi - lo) * x) for x in c), 255)  # type: ignore[return-value]
    if kind == "pastel":
        return (*(int(v) for v in rng.integers(165, 250, 3)), 255)  # type: ignore[return-value]
    if kind == "dark":
        return (*(int(v) for v in rng.integers(30, 140, 3)), 255)  # type: ignore[return-value]
    if kind == "skin":
        base = np.array([[255, 220, 177], [241, 194, 125], [224, 172, 105], [198, 134, 66], [141, 85, 36],
                         [255, 204, 34]])[int(rng.integers(0, 6))]
        return (*(int(np.clip(v + rng.integers(-12, 13), 0, 255)) for v in base), 255)  # type: ignore[return-value]
    v = int(rng.integers(238, 256))
    return (v, v, v, 255)


def _shade(c: Colour, f: float) -> Colour:
    if f < 1:
        return (int(c[0] * f), int(c[1] * f), int(c[2] * f), c[3])
    return (*(int(v + (255 - v) * (f - 1)) for v in c[:3]), c[3])  # type: ignore[return-value]


def _ink(rng: np.random.Generator) -> Colour:
    v = int(rng.integers(10, 70))
    return (v + int(rng.integers(0, 25)), v, v + int(rng.integers(0, 25)), 255)


def _dir(deg: float) -> Point:
    r = math.radians(deg)
    return (math.cos(r), math.sin(r))


def _add(p: Point, d: Point, s: float = 1.0) -> Point:
    return (p[0] + d[0] * s, p[1] + d[1] * s)


def _lerp(a: Point, b: Point, t: float) -> Point:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t)


def ellipse_points(cx: float, cy: float, rx: float, ry: float, angle: float = 0.0, n: int = 36) -> list[Point]:
    ca, sa = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    out = []
    for k in range(n):
        t = 2 * math.pi * k / n
        x, y = rx * math.cos(t), ry * math.sin(t)
        out.append((cx + x * ca - y * sa, cy + x * sa + y * ca))
    return out


def rect_points(cx: float, cy: float, rx: float, ry: float, r: float = 0.0, angle: float = 0.0) -> list[Point]:
    """A (rounded) rectangle as a polygon, rotated by ``angle`` degrees about its centre."""
    r = min(r, rx, ry)
    pts: list[Point] = []
    if r <= 0:
        pts = [(-rx, -ry), (rx, -ry), (rx, ry), (-rx, ry)]
    else:
        for (qx, qy), a0 in (((rx - r, -ry + r), 270), ((rx - r, ry - r), 0), ((-rx + r, ry - r), 90),
                             ((-rx + r, -ry + r), 180)):
            for k in range(5):
                d = _dir(a0 + 22.5 * k)
                pts.append((qx + r * d[0], qy + r * d[1]))
    ca, sa = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return [(cx + x * ca - y * sa, cy + x * sa + y * ca) for x, y in pts]


def _blob_points(cx: float, cy: float, rx: float, ry: float, rng: np.random.Generator, wobble: float) -> list[Point]:
    n = 48
    phases = rng.uniform(0, 2 * math.pi, 3)
    amps = rng.uniform(0, wobble, 3)
    out = []
    for k in range(n):
        t = 2 * math.pi * k / n
        f = 1 + sum(a * math.sin((i + 2) * t + p) for i, (a, p) in enumerate(zip(amps, phases, strict=True)))
        out.append((cx + rx * f * math.cos(t), cy + ry * f * math.sin(t)))
    return out


def _bezier(a: Point, b: Point, c: Point, n: int = 8) -> list[Point]:
    out = []
    for k in range(n + 1):
        t = k / n
        out.append(((1 - t) ** 2 * a[0] + 2 * (1 - t) * t * b[0] + t * t * c[0],
                    (1 - t) ** 2 * a[1] + 2 * (1 - t) * t * b[1] + t * t * c[1]))
    return out


# ----------------------------------------------------------------------------- faces
def _face(ch: Character, rng: np.random.Generator, cx: float, cy: float, size: float, *, ink: Colour,
          skin: Colour, profile: int = 0, eyes_only: bool = False) -> None:
    """Eyes and mouth centred on (cx, cy) for a face of radius ``size``; ``profile`` -1/+1: one
    eye, the face looks to the image's left/right."""
    style = rng.choice(["dot", "white", "white", "oval", "closed"], p=[0.3, 0.25, 0.15, 0.2, 0.1])
    sep = size * rng.uniform(0.32, 0.55)
    er = size * rng.uniform(0.09, 0.17) * (0.7 if style == "dot" else 1.0)
    ery = er * rng.uniform(1.0, 1.5)
    ey = cy - size * rng.uniform(0.0, 0.25)
    eyes: list[tuple[str, float]] = [("eye_l", cx - sep), ("eye_r", cx + sep)]
    if profile:
        ex = cx + profile * size * rng.uniform(0.25, 0.45)
        eyes = [("eye_l" if profile < 0 else "eye_r", ex)]
    look = (rng.uniform(-0.3, 0.3), rng.uniform(-0.2, 0.3))
    for name, ex in eyes:
        if style == "white":
            ch.decos.append(Deco(ellipse_points(ex, ey, er, ery), (255, 255, 255, 255), ink, size * 0.025))
            p = er * rng.uniform(0.45, 0.7)
            ch.decos.append(Deco(ellipse_points(ex + look[0] * er, ey + look[1] * ery, p, p * ery / er), ink))
            if rng.random() < 0.6:
                ch.decos.append(Deco(ellipse_points(ex + look[0] * er - p * 0.3, ey - p * 0.35, p * 0.3, p * 0.3),
                                     (255, 255, 255, 255)))
        elif style == "closed":
            ch.decos.append(Deco(_bezier((ex - er, ey), (ex, ey - ery * 1.4), (ex + er, ey)), None, ink,
                                 size * 0.045))
        else:
            ch.decos.append(Deco(ellipse_points(ex, ey, er, ery), ink))
            if rng.random() < 0.7:
                hl = er * 0.35
                ch.decos.append(Deco(ellipse_points(ex - er * 0.3, ey - ery * 0.35, hl, hl), (255, 255, 255, 255)))
        ch.face[name] = (ex, ey, er, ery)
    if rng.random() < 0.35 and not profile:  # cheeks
        blush = (255, int(rng.integers(120, 170)), int(rng.integers(140, 180)), 255)
        for s in (-1, 1):
            ch.decos.append(Deco(ellipse_points(cx + s * sep * 1.35, ey + ery * 1.6, er * 0.9, er * 0.55), blush))
    if eyes_only:
        return
    first_mouth_deco = len(ch.decos)
    mx = cx + profile * size * 0.45
    my = cy + size * rng.uniform(0.3, 0.5)
    mw = size * rng.uniform(0.14, 0.32) * (0.6 if profile else 1.0)
    mstyle = rng.choice(["smile", "open", "line", "o"], p=[0.4, 0.3, 0.15, 0.15])
    lw = size * 0.04
    if mstyle == "smile":
        h = mw * rng.uniform(0.3, 0.7)
        ch.decos.append(Deco(_bezier((mx - mw, my - h / 2), (mx, my + h * 1.5), (mx + mw, my - h / 2)), None, ink, lw))
        ch.face["mouth"] = (mx, my, mw, h / 2 + lw / 2)
    elif mstyle == "open":
        h = mw * rng.uniform(0.5, 1.0)
        pts = [(mx - mw, my - h / 2), (mx + mw, my - h / 2)] + _bezier((mx + mw, my - h / 2), (mx, my + h * 1.3),
                                                                         (mx - mw, my - h / 2))
        mouth_col = (int(rng.integers(90, 170)), int(rng.integers(10, 50)), int(rng.integers(20, 60)), 255)
        ch.decos.append(Deco(pts, mouth_col if rng.random() < 0.7 else ink, ink, lw * 0.6))
        if rng.random() < 0.5:
            ch.decos.append(Deco(ellipse_points(mx, my + h * 0.25, mw * 0.45, h * 0.2), (240, 110, 120, 255)))
        ch.face["mouth"] = (mx, my, mw, h / 2)
    elif mstyle == "line":
        ch.decos.append(Deco([(mx - mw * 0.7, my), (mx + mw * 0.7, my)], None, ink, lw))
        ch.face["mouth"] = (mx, my, mw * 0.7, lw)
    else:
        r = mw * 0.45
        ch.decos.append(Deco(ellipse_points(mx, my, r, r * 1.2), ink))
        ch.face["mouth"] = (mx, my, r, r * 1.2)
    if ch.mouth_rng is not None and ch.mouth_rng.random() < ch.wide_mouths:
        del ch.decos[first_mouth_deco:]
        _wide_mouth(ch, ch.mouth_rng, mx, my, size, ink=ink, profile=profile)


def _wide_mouth(ch: Character, rng: np.random.Generator, mx: float, my: float, size: float, *, ink: Colour,
                profile: int = 0) -> None:
    """A wide mouth as emoji faces draw them (half as wide as the face or more): a thick smile arc,
    a grin (an open D of teeth), a laughing open D with a tongue, a big round 'o', a flat line or a frown."""
    mw = size * rng.uniform(0.42, 0.75) * (0.65 if profile else 1.0)
    my = my + size * rng.uniform(-0.05, 0.1)
    lw = size * rng.uniform(0.045, 0.1)
    style = rng.choice(["arc", "grin", "laugh", "o", "line", "frown"], p=[0.3, 0.22, 0.22, 0.1, 0.08, 0.08])
    if style in ("arc", "frown"):
        h = mw * rng.uniform(0.25, 0.6) * (1 if style == "arc" else -0.6)
        ch.decos.append(Deco(_bezier((mx - mw, my - h / 2), (mx, my + h * 1.5), (mx + mw, my - h / 2)), None, ink, lw))
        ch.face["mouth"] = (mx, my, mw, abs(h) / 2 + lw / 2)
    elif style in ("grin", "laugh"):
        h = mw * rng.uniform(0.45, 0.9)
        top = my - h / 2
        pts = [(mx - mw, top), (mx + mw, top)] + _bezier((mx + mw, top), (mx, my + h * 1.4), (mx - mw, top), n=12)
        if style == "grin":
            ch.decos.append(Deco(pts, (255, 255, 255, 255), ink, lw * 0.6))
            if rng.random() < 0.6:  # the line between the teeth
                ch.decos.append(Deco([(mx - mw * 0.9, my), (mx + mw * 0.9, my)], None, ink, lw * 0.4))
        else:
            mouth_col = (int(rng.integers(90, 200)), int(rng.integers(10, 50)), int(rng.integers(20, 60)), 255)
            ch.decos.append(Deco(pts, mouth_col if rng.random() < 0.7 else ink, ink, lw * 0.6))
            if rng.random() < 0.7:
                ch.decos.append(Deco(ellipse_points(mx, my + h * 0.3, mw * 0.5, h * 0.22), (240, 110, 120, 255)))
            if rng.random() < 0.4:  # upper teeth
                ch.decos.append(Deco(rect_points(mx, top + h * 0.1, mw * 0.8, h * 0.1), (255, 255, 255, 255)))
        ch.face["mouth"] = (mx, my, mw, h / 2)
    elif style == "o":
        r = mw * rng.uniform(0.35, 0.55)
        ch.decos.append(Deco(ellipse_points(mx, my, r, r * rng.uniform(0.9, 1.3)), ink if rng.random() < 0.5
                             else (120, 30, 40, 255), ink, lw * 0.5))
        ch.face["mouth"] = (mx, my, r, r * 1.1)
    else:
        ch.decos.append(Deco([(mx - mw * 0.8, my), (mx + mw * 0.8, my)], None, ink, lw))
        ch.face["mouth"] = (mx, my, mw * 0.8, lw)


# ----------------------------------------------------------------------------- limbs
def _limb(ch: Character, part: str, names: tuple[str, str, str], start: Point, a1: float, l1: float,
          bend: float, l2: float, width: float, fill: Colour, *, end_r: float = 0.0,
          end_fill: Colour | None = None, end_shape: str = "round", stick: bool = False) -> None:
    mid = _add(start, _dir(a1), l1)
    end = _add(mid, _dir(a1 + bend), l2)
    ch.joints[names[0]], ch.joints[names[1]], ch.joints[names[2]] = start, mid, end
    ch.shapes.append(Shape(part, [start, mid, end], fill, width=width, outline=not stick))
    if end_r > 0:
        ef = end_fill or fill
        if end_shape == "foot":  # a foot points sideways, away from the body
            side = 1 if part.endswith("_r") else -1
            ch.shapes.append(Shape(part, ellipse_points(end[0] + side * end_r * 0.45, end[1] + end_r * 0.1,
                                                        end_r * 1.35, end_r * 0.75), ef))
        else:
            ch.shapes.append(Shape(part, ellipse_points(end[0], end[1], end_r, end_r), ef))


def _ears(ch: Character, rng: np.random.Generator, hx: float, hy: float, hr: float, hry: float, fill: Colour,
          inner: Colour, kind: str | None = None, angle: float = 0.0) -> None:
    """Two ears on a head centred (hx, hy); bases on the head's upper rim, tips outward."""
    kind = kind or str(rng.choice(["round", "pointy", "long", "floppy"], p=[0.3, 0.35, 0.2, 0.15]))
    spread = rng.uniform(30, 55)
    for side, name in ((-1, "l"), (1, "r")):
        a = -90 + side * spread + angle
        base = (hx + hr * 0.82 * math.cos(math.radians(a)), hy + hry * 0.82 * math.sin(math.radians(a)))
        part = f"ear_{name}"
        if kind == "round":
            r = hr * rng.uniform(0.28, 0.42)
            c = _add(base, _dir(a), r * 0.7)
            ch.shapes.append(Shape(part, ellipse_points(*c, r, r), fill))
            ch.decos.append(Deco(ellipse_points(*c, r * 0.55, r * 0.55), inner))
            tip = _add(c, _dir(a), r * 0.75)
        elif kind == "floppy":
            length = hr * rng.uniform(0.7, 1.1)
            d = a + side * rng.uniform(60, 110)
            tip = _add(base, _dir(d), length)
            ch.shapes.append(Shape(part, [base, _lerp(base, tip, 0.5), tip], fill, width=hr * rng.uniform(0.3, 0.45)))
        else:
            length = hr * (rng.uniform(0.45, 0.75) if kind == "pointy" else rng.uniform(1.0, 1.6))
            wd = hr * (rng.uniform(0.3, 0.45) if kind == "pointy" else rng.uniform(0.22, 0.32))
            d = a + side * rng.uniform(-12, 12)
            tip = _add(base, _dir(d), length)
            n = _dir(d + 90)
            if kind == "pointy":
                pts = [_add(base, n, wd), _add(tip, n, 0.0), _add(base, n, -wd), _add(base, _dir(d), -wd * 0.6)]
                ch.shapes.append(Shape(part, pts, fill))
                ch.decos.append(Deco([_add(_lerp(base, tip, 0.15), n, wd * 0.5), _lerp(base, tip, 0.75),
                                      _add(_lerp(base, tip, 0.15), n, -wd * 0.5)], inner))
                tip = _lerp(base, tip, 0.9)
            else:
                c = _lerp(base, tip, 0.5)
                ch.shapes.append(Shape(part, ellipse_points(*c, length * 0.55, wd, angle=d), fill))
                ch.decos.append(Deco(ellipse_points(*c, length * 0.38, wd * 0.5, angle=d), inner))
                tip = _lerp(base, tip, 1.0)
        ch.joints[f"ear_{name}_base"] = base
        ch.joints[f"ear_{name}_tip"] = tip


def _tail(ch: Character, rng: np.random.Generator, base: Point, direction: float, length: float, width: float,
          fill: Colour, tip_fill: Colour | None = None) -> None:
    curl = rng.uniform(-70, 70)
    mid = _add(base, _dir(direction), length * 0.5)
    tip = _add(mid, _dir(direction + curl), length * 0.5)
    ctrl = _add(base, _dir(direction), length * 0.55)
    pts = _bezier(base, ctrl, tip, 6)
    kind = rng.choice(["thin", "bushy", "round"], p=[0.55, 0.3, 0.15])
    if kind == "round":  # a bunny's pompom: base and tip on one short ball
        r = width * 1.6
        c = _add(base, _dir(direction), r * 0.8)
        ch.shapes.append(Shape("tail", ellipse_points(*c, r, r), tip_fill or fill))
        ch.joints.update(tail_base=base, tail_mid=c, tail_tip=_add(c, _dir(direction), r * 0.8))
        return
    w = width * (1.8 if kind == "bushy" else 1.0)
    ch.shapes.append(Shape("tail", pts, fill, width=w))
    if tip_fill is not None and kind == "bushy":
        ch.shapes.append(Shape("tail", pts[-3:], tip_fill, width=w * 0.95))
    ch.joints.update(tail_base=base, tail_mid=pts[len(pts) // 2], tail_tip=pts[-1])


# ----------------------------------------------------------------------------- families
def _humanoid(ch: Character, rng: np.random.Generator, *, head_ratio: float, limb: float, animal: bool,
              person: bool) -> None:
    """A standing character facing the viewer; units: the torso length is 1."""
    skin = _rgb(rng, "skin") if person else _rgb(rng)
    ink = _ink(rng)
    top = _rgb(rng) if person or rng.random() < 0.3 else skin
    bottom = _rgb(rng) if person else top
    torso_w = rng.uniform(0.28, 0.5) * (1.4 if not person else 1.0)
    head_r = head_ratio * rng.uniform(0.9, 1.1)
    head_ry = head_r * rng.uniform(0.88, 1.08)
    pelvis: Point = (0.0, 0.0)
    lean = rng.uniform(-10, 10)
    chest = _add(pelvis, _dir(-90 + lean), 1.0)
    neck = _add(chest, _dir(-90 + lean), rng.uniform(0.1, 0.22) if head_ratio < 0.7 else 0.05)
    head = _add(neck, _dir(-90 + lean * 1.5), head_ry * 0.85)
    ch.joints.update(pelvis=pelvis, chest=chest, neck=neck, head=head, head_top=_add(head, (0, -1), head_ry * 0.92))
    sh_w = torso_w * rng.uniform(0.85, 1.05)
    hip_w = torso_w * rng.uniform(0.45, 0.75)
    arm_l1 = limb * rng.uniform(0.45, 0.65)
    arm_l2 = arm_l1 * rng.uniform(0.8, 1.05)
    leg_l1 = limb * rng.uniform(0.5, 0.7)
    leg_l2 = leg_l1 * rng.uniform(0.85, 1.05)
    arm_w = torso_w * rng.uniform(0.28, 0.45)
    leg_w = torso_w * rng.uniform(0.35, 0.55)
    # legs behind the body
    stance = rng.choice(["stand", "wide", "walk", "kick"], p=[0.45, 0.25, 0.2, 0.1])
    for side, name in ((-1, "l"), (1, "r")):
        hip = (pelvis[0] + side * hip_w, pelvis[1] - 0.05)
        a = 90 - side * (rng.uniform(2, 10) if stance == "stand" else rng.uniform(12, 30))
        bend = side * rng.uniform(-8, 8)
        if stance == "walk":
            a = 90 + side * rng.uniform(-25, 25)
            bend = rng.uniform(-30, 30)
        elif stance == "kick" and side == 1:
            a, bend = 90 - rng.uniform(30, 70), rng.uniform(-40, 20)
        _limb(ch, f"leg_{name}", (f"hip_{name}", f"knee_{name}", f"foot_{name}"), hip, a, leg_l1, bend, leg_l2,
              leg_w, bottom, end_r=leg_w * rng.uniform(0.7, 1.0), end_fill=_rgb(rng, "dark") if person else None,
              end_shape="foot")
    if animal and rng.random() < 0.75:
        side = rng.choice([-1, 1])
        _tail(ch, rng, (pelvis[0] + side * torso_w * 0.6, pelvis[1] - 0.1), -90 + side * rng.uniform(55, 105),
              rng.uniform(0.6, 1.1) + torso_w * 0.5, torso_w * rng.uniform(0.18, 0.3), skin,
              tip_fill=_rgb(rng, "white") if rng.random() < 0.4 else None)
    # torso
    body_pts = ellipse_points(*_lerp(pelvis, chest, 0.45), torso_w * 1.05, 0.62, angle=lean) \
        if rng.random() < 0.6 else rect_points(*_lerp(pelvis, chest, 0.45), torso_w, 0.6, r=torso_w * 0.6, angle=lean)
    ch.shapes.append(Shape("body", body_pts, top))
    if animal and rng.random() < 0.6:
        belly = _rgb(rng, "white") if rng.random() < 0.6 else _rgb(rng, "pastel")
        ch.decos.append(Deco(ellipse_points(*_lerp(pelvis, chest, 0.35), torso_w * 0.6, 0.38, angle=lean), belly))
    if person and rng.random() < 0.5:  # buttons or a stripe
        for k in range(int(rng.integers(2, 4))):
            p = _lerp(pelvis, chest, 0.25 + 0.2 * k)
            ch.decos.append(Deco(ellipse_points(p[0], p[1], 0.035, 0.035), ink))
    # head (ears behind it)
    hair = _rgb(rng, "dark") if rng.random() < 0.7 else _rgb(rng)
    if animal:
        _ears(ch, rng, head[0], head[1], head_r, head_ry, skin, _shade(skin, 1.4) if rng.random() < 0.5
              else (255, 190, 200, 255), angle=lean)
    ch.shapes.append(Shape("head", ellipse_points(head[0], head[1], head_r, head_ry), skin))
    if person and rng.random() < 0.8:  # hair cap on the head (labelled head)
        hp = [p for p in ellipse_points(head[0], head[1] - head_ry * 0.05, head_r * 1.06, head_ry * 1.02)
              if p[1] < head[1] - head_ry * rng.uniform(0.1, 0.45)]
        if len(hp) > 2:
            ch.shapes.append(Shape("head", hp, hair))
    if animal and rng.random() < 0.5:  # muzzle
        ch.decos.append(Deco(ellipse_points(head[0], head[1] + head_ry * 0.35, head_r * 0.45, head_ry * 0.3),
                             _shade(skin, 1.45)))
    _face(ch, rng, head[0], head[1] + head_ry * 0.1, head_r, ink=ink, skin=skin)
    if animal and rng.random() < 0.6:  # a nose
        ch.decos.append(Deco(ellipse_points(head[0], head[1] + head_ry * 0.22, head_r * 0.1, head_r * 0.07), ink))
    # arms in front
    pose = rng.choice(["down", "up", "wave", "hips", "out", "random"], p=[0.3, 0.12, 0.18, 0.08, 0.17, 0.15])
    for side, name in ((-1, "l"), (1, "r")):
        sh = _add(chest, (side * sh_w, arm_w * 0.4))
        base = {"down": 100, "up": 240, "out": 175, "hips": 140, "wave": 100, "random": rng.uniform(95, 265)}[pose]
        bend = {"down": rng.uniform(-20, 20), "up": rng.uniform(-30, 20), "out": rng.uniform(-40, 40),
                "hips": -rng.uniform(80, 110), "wave": rng.uniform(-25, 25),
                "random": rng.uniform(-90, 90)}[pose]
        if pose == "wave" and side == 1:
            base, bend = rng.uniform(180, 230), rng.uniform(40, 80)
        base += rng.uniform(-12, 12)
        a1 = base if side == -1 else 180 - base
        b = bend if side == -1 else -bend
        _limb(ch, f"arm_{name}", (f"shoulder_{name}", f"elbow_{name}", f"hand_{name}"), sh, a1, arm_l1, b, arm_l2,
              arm_w, top, end_r=arm_w * rng.uniform(0.55, 0.8), end_fill=skin if person else None)


def _person(ch: Character, rng: np.random.Generator) -> None:
    _humanoid(ch, rng, head_ratio=rng.uniform(0.3, 0.5), limb=rng.uniform(1.4, 1.9), animal=False, person=True)


def _chibi(ch: Character, rng: np.random.Generator) -> None:
    _humanoid(ch, rng, head_ratio=rng.uniform(0.7, 1.0), limb=rng.uniform(0.7, 1.1), animal=rng.random() < 0.4,
              person=rng.random() < 0.6)


def _animal(ch: Character, rng: np.random.Generator) -> None:
    _humanoid(ch, rng, head_ratio=rng.uniform(0.45, 0.8), limb=rng.uniform(0.8, 1.4), animal=True, person=False)


def _quadruped(ch: Character, rng: np.random.Generator, *, pony: bool = False) -> None:
    """A profile on four legs looking to the image's left; units: the body half-length is 1."""
    fur = _rgb(rng)
    ink = _ink(rng)
    bx, by = 1.0, rng.uniform(0.4, 0.65) * (0.8 if pony else 1.0)
    leg_len = rng.uniform(0.6, 1.1) * (1.5 if pony else 1.0)
    leg_w = rng.uniform(0.14, 0.26) * (0.8 if pony else 1.0)
    head_r = rng.uniform(0.4, 0.65) * (0.85 if pony else 1.0)
    far = _shade(fur, 0.8)
    chest: Point = (-bx * 0.62, -by * 0.1)
    pelvis: Point = (bx * 0.62, -by * 0.1)
    gait = rng.uniform(0, 25)
    # far legs (behind the body), then tail, body, near legs, head
    legs = {}
    for front, top in ((True, chest), (False, pelvis)):
        for near in (False, True):
            dx = (0.1 if near else -0.32) * bx * (1 if front else -1)
            start = (top[0] + dx, top[1] + by * 0.45)
            swing = (gait if near else -gait - 8) * (1 if front else -1) + rng.uniform(-8, 8)
            legs[(front, near)] = (start, 90 + swing, rng.uniform(-25, 25) * (1 if front else -1))
    paws = {}
    for front, near in ((True, False), (False, False), (True, True), (False, True)):
        start, a, bend = legs[(front, near)]
        mid = _add(start, _dir(a), leg_len * 0.5)
        paws[(front, near)] = (start, mid, _add(mid, _dir(a + bend), leg_len * 0.5))
    names: dict[tuple[bool, bool], tuple[str, tuple[str, str, str]]] = {}
    for front in (True, False):
        left_near = paws[(front, True)][2][0] < paws[(front, False)][2][0]
        for near in (True, False):
            side = "l" if near == left_near else "r"
            names[(front, near)] = (f"arm_{side}", (f"shoulder_{side}", f"elbow_{side}", f"hand_{side}")) if front \
                else (f"leg_{side}", (f"hip_{side}", f"knee_{side}", f"foot_{side}"))

    def draw_leg(front: bool, near: bool) -> None:
        start, mid, end = paws[(front, near)]
        part, jn = names[(front, near)]
        ch.joints.update({jn[0]: start, jn[1]: mid, jn[2]: end})
        colour = fur if near else far
        ch.shapes.append(Shape(part, [start, mid, end], colour, width=leg_w))
        hoof = ink if pony else colour
        ch.shapes.append(Shape(part, ellipse_points(end[0] - leg_w * 0.2, end[1], leg_w * 0.75, leg_w * 0.5), hoof))

    draw_leg(True, False)
    draw_leg(False, False)
    _tail(ch, rng, (bx * 0.92, -by * 0.3), rng.uniform(-60, 20), rng.uniform(0.6, 1.2) * (1.2 if pony else 1.0),
          rng.uniform(0.09, 0.16), _rgb(rng, "dark") if pony else fur,
          tip_fill=_rgb(rng, "white") if rng.random() < 0.3 else None)
    body = _blob_points(0, 0, bx, by, rng, 0.03) if not pony else rect_points(0, 0, bx, by, r=by * 0.8)
    ch.shapes.append(Shape("body", body, fur))
    if rng.random() < 0.4:  # spots or a belly
        for _ in range(int(rng.integers(1, 4))):
            ch.decos.append(Deco(ellipse_points(rng.uniform(-0.6, 0.6), rng.uniform(-by * 0.5, by * 0.3),
                                                rng.uniform(0.1, 0.25), rng.uniform(0.08, 0.18)), _shade(fur, 0.7)))
    draw_leg(True, True)
    draw_leg(False, True)
    neck_a = rng.uniform(-150, -110) if pony else rng.uniform(-170, -130)
    neck = (-bx * 0.85, -by * 0.45)
    head = _add(neck, _dir(neck_a), head_r * (1.6 if pony else 0.9))
    # the labelled convention: chest and pelvis on the spine (the body's upper part), above the legs' tops
    ch.joints.update(pelvis=(pelvis[0], -by * 0.5), chest=(chest[0], -by * 0.45), neck=neck, head=head)
    if pony:  # neck as a thick limb of the head part, a mane on it
        ch.shapes.append(Shape("head", [neck, head], fur, width=head_r * 0.9))
        ch.shapes.append(Shape("head", [_add(neck, (0.1, -0.1)), _add(head, (0.15, -head_r * 0.5))],
                               _rgb(rng, "dark"), width=head_r * 0.35))
    _ears(ch, rng, head[0], head[1], head_r, head_r * 0.9, fur, _shade(fur, 1.4),
          kind="pointy" if pony else None, angle=rng.uniform(-10, 20))
    if pony:
        ch.shapes.append(Shape("head", rect_points(head[0] - head_r * 0.35, head[1] + head_r * 0.2, head_r * 0.95,
                                                   head_r * 0.6, r=head_r * 0.45, angle=-20), fur))
    ch.shapes.append(Shape("head", ellipse_points(head[0], head[1], head_r, head_r * 0.9), fur))
    snout = (head[0] - head_r * 0.8, head[1] + head_r * 0.25)
    if not pony:
        ch.shapes.append(Shape("head", ellipse_points(*snout, head_r * 0.45, head_r * 0.35), _shade(fur, 1.3)))
    ch.joints["head_top"] = (head[0], head[1] - head_r * 0.82)
    ch.decos.append(Deco(ellipse_points(snout[0] - head_r * (0.6 if pony else 0.3), snout[1] - head_r * 0.1,
                                        head_r * 0.1, head_r * 0.08), ink))
    _face(ch, rng, head[0] - head_r * 0.15, head[1], head_r, ink=ink, skin=fur, profile=-1)


def _blob(ch: Character, rng: np.random.Generator) -> None:
    fill = _rgb(rng)
    ink = _ink(rng)
    rx, ry = 1.0, rng.uniform(0.75, 1.25)
    shape = rng.choice(["round", "wobbly", "drop", "bean"])
    cx, cy = 0.0, 0.0
    if shape == "round":
        pts = ellipse_points(cx, cy, rx, ry, n=48)
    elif shape == "wobbly":
        pts = _blob_points(cx, cy, rx, ry, rng, 0.07)
    elif shape == "drop":  # narrower at the top
        pts = [(x * (0.6 + 0.4 * (y - cy + ry) / (2 * ry)), y) for x, y in ellipse_points(cx, cy, rx, ry, n=48)]
    else:
        pts = rect_points(cx, cy, rx, ry, r=rx * 0.9)
    arms = rng.random() < 0.45
    feet = rng.random() < 0.5
    if rng.random() < 0.35:
        _ears(ch, rng, cx, cy, rx, ry, fill, _shade(fill, 1.35))
    if rng.random() < 0.15:
        _tail(ch, rng, (cx + rx * 0.85, cy + ry * 0.4), rng.uniform(-40, 20), rng.uniform(0.4, 0.8),
              rng.uniform(0.1, 0.18), fill)
    if feet:
        fw = rx * rng.uniform(0.22, 0.35)
        for side, name in ((-1, "l"), (1, "r")):
            hip = (cx + side * rx * rng.uniform(0.3, 0.55), cy + ry * 0.75)
            foot = (hip[0] + side * fw * 0.2, cy + ry + fw * rng.uniform(0.1, 0.5))
            ch.joints[f"hip_{name}"], ch.joints[f"foot_{name}"] = hip, foot
            ch.joints[f"knee_{name}"] = _lerp(hip, foot, 0.5)
            ch.shapes.append(Shape(f"leg_{name}", [hip, foot], _shade(fill, 0.85), width=fw))
            ch.shapes.append(Shape(f"leg_{name}", ellipse_points(foot[0], foot[1], fw * 1.0, fw * 0.6),
                                   _shade(fill, 0.85)))
    ch.shapes.append(Shape("body", pts, fill))
    if rng.random() < 0.4:
        ch.decos.append(Deco(ellipse_points(cx, cy + ry * 0.35, rx * 0.55, ry * 0.45), _shade(fill, 1.5)))
    ch.joints["chest"] = (cx, cy)
    ch.joints["head_top"] = (cx, min(p[1] for p in pts) + 0.06)
    if arms:
        aw = rx * rng.uniform(0.16, 0.26)
        for side, name in ((-1, "l"), (1, "r")):
            sh = (cx + side * rx * 0.82, cy + ry * rng.uniform(0.0, 0.3))
            a = rng.uniform(120, 235)
            length = rx * rng.uniform(0.35, 0.6)
            hand = _add(sh, _dir(a if side == -1 else 180 - a), length)
            ch.joints[f"shoulder_{name}"], ch.joints[f"hand_{name}"] = sh, hand
            ch.joints[f"elbow_{name}"] = _lerp(sh, hand, 0.5)
            ch.shapes.append(Shape(f"arm_{name}", [sh, hand], fill, width=aw))
    fy = cy - ry * rng.uniform(-0.1, 0.2)
    ch.joints["head"] = (cx, fy)
    _face(ch, rng, cx, fy, rx * rng.uniform(0.65, 0.85), ink=ink, skin=fill)


def _object(ch: Character, rng: np.random.Generator) -> None:
    fill = _rgb(rng)
    ink = _ink(rng)
    kind = rng.choice(["cup", "bottle", "star", "heart", "cloud", "box", "fruit"])
    w, h = 1.0, 1.0
    deco: list[Deco] = []
    if kind == "cup":
        h = rng.uniform(0.9, 1.3)
        pts = [(-w, -h), (w, -h), (w * 0.8, h), (-w * 0.8, h)]
        ch.shapes.append(Shape("body", [(w * 0.8, -h * 0.4), (w * 1.4, -h * 0.1), (w * 0.85, h * 0.5)],
                               _shade(fill, 0.85), width=w * 0.22))
    elif kind == "bottle":
        h = rng.uniform(1.5, 2.2)
        pts = rect_points(0, 0.25 * h, w * 0.75, h * 0.75, r=w * 0.4)
        ch.shapes.append(Shape("body", rect_points(0, -h * 0.68, w * 0.3, h * 0.3, r=w * 0.1), _shade(fill, 0.8)))
    elif kind == "star":
        pts = []
        for k in range(10):
            r = w * (1.2 if k % 2 == 0 else 0.55)
            d = _dir(-90 + 36 * k)
            pts.append((d[0] * r, d[1] * r + 0.1))
        h = 1.1
    elif kind == "heart":
        pts = [(16 * math.sin(t) ** 3 / 16 * w * 1.1,
                -(13 * math.cos(t) - 5 * math.cos(2 * t) - 2 * math.cos(3 * t) - math.cos(4 * t)) / 16 * w * 1.1)
               for t in np.linspace(0, 2 * math.pi, 48, endpoint=False)]
    elif kind == "cloud":
        pts = _blob_points(0, 0, w * 1.3, h * 0.7, rng, 0.12)
        h = 0.8
    elif kind == "box":
        h = rng.uniform(0.7, 1.2)
        pts = rect_points(0, 0, w, h, r=w * rng.uniform(0, 0.3))
        if rng.random() < 0.6:  # a gift ribbon
            rib = _rgb(rng)
            deco += [Deco(rect_points(0, 0, w * 0.12, h), rib), Deco(rect_points(0, 0, w, h * 0.12), rib)]
    else:
        pts = _blob_points(0, 0.05, w, w * 0.95, rng, 0.05)
        ch.shapes.append(Shape("body", [(0, -w * 0.85), (w * 0.1, -w * 1.25)], (110, 70, 30, 255), width=w * 0.12))
        ch.shapes.append(Shape("body", ellipse_points(w * 0.35, -w * 1.05, w * 0.3, w * 0.14, angle=-25),
                               (80, 170, 60, 255)))
    ys = [p[1] for p in pts]
    top_y, bot_y = min(ys), max(ys)
    limbs = rng.random() < 0.35
    if limbs:  # cartoon stick legs below and arms at the sides
        stick = max(0.05, w * rng.uniform(0.05, 0.09))
        for side, name in ((-1, "l"), (1, "r")):
            hip = (side * w * 0.4, bot_y - 0.05)
            _limb(ch, f"leg_{name}", (f"hip_{name}", f"knee_{name}", f"foot_{name}"), hip,
                  90 - side * rng.uniform(0, 15), 0.4, rng.uniform(-15, 15), 0.4, stick, ink,
                  end_r=stick * 1.8, end_shape="foot", stick=True)
            sh = (side * w * 0.85, (top_y + bot_y) / 2)
            a = rng.uniform(100, 250)
            _limb(ch, f"arm_{name}", (f"shoulder_{name}", f"elbow_{name}", f"hand_{name}"), sh,
                  a if side == -1 else 180 - a, 0.4, rng.uniform(-60, 60) * -side, 0.35, stick, ink,
                  end_r=stick * 1.6, stick=True)
    ch.shapes.insert(0 if kind != "cup" else len(ch.shapes), Shape("body", pts, fill))
    ch.decos.extend(deco)
    cy = (top_y + bot_y) / 2
    ch.joints["chest"] = (0.0, cy)
    ch.joints["head_top"] = (0.0, top_y + 0.06 if kind not in ("heart", "star") else top_y + 0.25)
    if kind == "heart":
        ch.joints["head_top"] = (0.0, cy)  # no single top point: the heart's centre is used
    if rng.random() < 0.55:
        fy = cy - (bot_y - top_y) * rng.uniform(-0.05, 0.12)
        ch.joints["head"] = (0.0, fy)
        _face(ch, rng, 0.0, fy, w * rng.uniform(0.5, 0.7), ink=ink, skin=fill)


def _robot(ch: Character, rng: np.random.Generator) -> None:
    """Held out: a boxy humanoid of rectangles (square limbs, a screen face, an antenna)."""
    metal = _rgb(rng, "pastel") if rng.random() < 0.6 else _rgb(rng)
    dark = _shade(metal, 0.65)
    ink = _ink(rng)
    tw, th = rng.uniform(0.35, 0.55), 0.55
    pelvis: Point = (0.0, 0.0)
    chest: Point = (0.0, -1.0)
    hs = rng.uniform(0.35, 0.6)
    neck = (0.0, -1.12)
    head = (0.0, neck[1] - hs * 0.85)
    ch.joints.update(pelvis=pelvis, chest=chest, neck=neck, head=head, head_top=(0.0, head[1] - hs * 0.72))
    leg_w = tw * rng.uniform(0.35, 0.5)
    for side, name in ((-1, "l"), (1, "r")):
        _limb(ch, f"leg_{name}", (f"hip_{name}", f"knee_{name}", f"foot_{name}"), (side * tw * 0.55, -0.05),
              90 - side * rng.uniform(0, 15), rng.uniform(0.4, 0.6), rng.uniform(-10, 10), rng.uniform(0.4, 0.6),
              leg_w, dark)
        f = ch.joints[f"foot_{name}"]
        ch.shapes.append(Shape(f"leg_{name}", rect_points(f[0] + side * leg_w * 0.3, f[1] + leg_w * 0.2,
                                                          leg_w * 1.0, leg_w * 0.45), metal))
    ch.shapes.append(Shape("body", rect_points(0, -0.5, tw, th, r=tw * 0.1), metal))
    ch.decos.append(Deco(rect_points(0, -0.55, tw * 0.55, th * 0.4, r=0.04), _rgb(rng)))
    ch.shapes.append(Shape("head", [(0.0, head[1] - hs * 0.7), (0.0, head[1] - hs * 1.1)], ink, width=0.04))
    ch.shapes.append(Shape("head", ellipse_points(0.0, head[1] - hs * 1.1, 0.08, 0.08), _rgb(rng, "sat")))
    ch.shapes.append(Shape("head", rect_points(head[0], head[1], hs, hs * 0.75, r=hs * 0.2), metal))
    screen = (30, 40, 60, 255) if rng.random() < 0.5 else _shade(metal, 1.4)
    ch.decos.append(Deco(rect_points(head[0], head[1] + hs * 0.05, hs * 0.78, hs * 0.52, r=hs * 0.1), screen))
    eye_ink = (90, 230, 255, 255) if screen[0] < 60 else ink
    _face(ch, rng, head[0], head[1] + hs * 0.05, hs * 0.8, ink=eye_ink, skin=screen)
    arm_w = tw * rng.uniform(0.25, 0.35)
    pose = rng.uniform(95, 250)
    for side, name in ((-1, "l"), (1, "r")):
        a = pose + rng.uniform(-20, 20)
        _limb(ch, f"arm_{name}", (f"shoulder_{name}", f"elbow_{name}", f"hand_{name}"),
              (side * (tw + arm_w * 0.3), -0.9), a if side == -1 else 180 - a, rng.uniform(0.35, 0.5),
              rng.uniform(-40, 40) * -side, rng.uniform(0.35, 0.5), arm_w, dark, end_r=arm_w * 0.9,
              end_fill=metal)


def _pony(ch: Character, rng: np.random.Generator) -> None:
    _quadruped(ch, rng, pony=True)


def _quad(ch: Character, rng: np.random.Generator) -> None:
    _quadruped(ch, rng)


BUILDERS: dict[str, tuple[BodyPlan, Callable[[Character, np.random.Generator], None]]] = {
    "person": (BodyPlan.HUMANOID, _person), "chibi": (BodyPlan.HUMANOID, _chibi),
    "animal": (BodyPlan.HUMANOID, _animal), "quadruped": (BodyPlan.QUADRUPED, _quad),
    "blob": (BodyPlan.BLOB, _blob), "object": (BodyPlan.OBJECT, _object),
    "robot": (BodyPlan.HUMANOID, _robot), "pony": (BodyPlan.QUADRUPED, _pony),
}


def build_character(family: str, seed: int, *, wide_mouths: float = 0.0) -> Character:
    """The skeleton, shapes and labels of one character (in model units, before fitting); ``wide_mouths``:
    the share of faces given a wide emoji mouth instead (0 for the rig network's characters)."""
    if family not in BUILDERS:
        raise ValueError(f"unknown character family {family!r}; known: {', '.join(FAMILIES)}")
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(f"rig-{family}-{seed}".encode()).digest()[:8], "big"))
    plan, build = BUILDERS[family]
    ch = Character(family, seed, plan, {}, {})
    if wide_mouths > 0:
        ch.wide_mouths = wide_mouths
        ch.mouth_rng = np.random.default_rng(
            int.from_bytes(hashlib.sha256(f"mouth-{family}-{seed}".encode()).digest()[:8], "big"))
    build(ch, rng)
    return ch


# ----------------------------------------------------------------------------- rendering
def _paper(rng: np.random.Generator, size: int) -> np.ndarray:
    """A multiplicative paper/grain texture in [~0.85, 1]."""
    n = rng.normal(0, 1, (size // 8 + 1, size // 8 + 1)).astype(np.float32)
    img = Image.fromarray(((n - n.min()) / (np.ptp(n) + 1e-6) * 255).astype(np.uint8)).resize((size, size),
                                                                                              Image.Resampling.BICUBIC)
    low = np.asarray(img, np.float32) / 255.0
    fine = rng.uniform(0, 1, (size, size)).astype(np.float32)
    return 1.0 - rng.uniform(0.03, 0.12) * (0.6 * low + 0.4 * fine)


#: parts whose joints are dropped when nothing of the part is visible
HIDEABLE: dict[str, tuple[str, ...]] = {
    "tail": ("tail_base", "tail_mid", "tail_tip"), "ear_l": ("ear_l_base", "ear_l_tip"),
    "ear_r": ("ear_r_base", "ear_r_tip"), "arm_l": ("shoulder_l", "elbow_l", "hand_l"),
    "arm_r": ("shoulder_r", "elbow_r", "hand_r"), "leg_l": ("hip_l", "knee_l", "foot_l"),
    "leg_r": ("hip_r", "knee_r", "foot_r"),
}


def render_character(family: str, seed: int, size: int = 256, *, wide_mouths: float = 0.0) -> Drawing:
    """Draw ``family``/``seed`` on a transparent ``size``² canvas with its labels (``wide_mouths``: see
    :func:`build_character`)."""
    ch = build_character(family, seed, wide_mouths=wide_mouths)
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(f"style-{family}-{seed}".encode()).digest()[:8], "big"))
    # rotate the whole character a little, then fit it into the canvas with a margin
    rot = math.radians(rng.uniform(-12, 12) if ch.body_plan != BodyPlan.OBJECT else rng.uniform(-20, 20))
    cr, sr = math.cos(rot), math.sin(rot)
    allpts = [p for s in ch.shapes for p in s.points]
    ax, ay = float(np.mean([p[0] for p in allpts])), float(np.mean([p[1] for p in allpts]))

    def rot_pt(p: Point) -> Point:
        x, y = p[0] - ax, p[1] - ay
        return (x * cr - y * sr, x * sr + y * cr)

    pad = max((s.width for s in ch.shapes), default=0.0)
    rpts = [rot_pt(p) for p in allpts]
    x0, x1 = min(p[0] for p in rpts) - pad, max(p[0] for p in rpts) + pad
    y0, y1 = min(p[1] for p in rpts) - pad, max(p[1] for p in rpts) + pad
    extent = max(x1 - x0, y1 - y0)
    fill_share = rng.uniform(0.6, 0.9)
    scale = size * fill_share / extent
    ox = rng.uniform(size * 0.04, size - (x1 - x0) * scale - size * 0.04) if (x1 - x0) * scale < size * 0.92 \
        else (size - (x1 - x0) * scale) / 2
    oy = rng.uniform(size * 0.04, size - (y1 - y0) * scale - size * 0.04) if (y1 - y0) * scale < size * 0.92 \
        else (size - (y1 - y0) * scale) / 2

    def tf(p: Point) -> Point:
        q = rot_pt(p)
        return ((q[0] - x0) * scale + ox, (q[1] - y0) * scale + oy)

    style = rng.choice(["outline", "outline", "flat", "sketch", "coloured"], p=[0.35, 0.15, 0.25, 0.1, 0.15])
    ow = 0.0 if style == "flat" else size * rng.uniform(0.006, 0.03)
    ink = _ink(rng)
    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    lab = Image.new("L", (size, size), 0)
    d, dl = ImageDraw.Draw(im), ImageDraw.Draw(lab)

    def fill_of(c: Colour) -> Colour:
        return (255, 255, 255, 255) if style == "sketch" else c

    def line_of(c: Colour) -> Colour:
        return _shade(c, 0.55) if style == "coloured" else ink

    def poly(draw: ImageDraw.ImageDraw, pts: list[Point], fill: object, grow: float) -> None:
        if grow > 0:
            draw.polygon(pts, fill=fill)  # type: ignore[arg-type]
            draw.line([*pts, pts[0]], fill=fill, width=max(1, int(round(2 * grow))), joint="curve")  # type: ignore[arg-type]
            for p in pts:
                draw.ellipse((p[0] - grow, p[1] - grow, p[0] + grow, p[1] + grow), fill=fill)  # type: ignore[arg-type]
        else:
            draw.polygon(pts, fill=fill)  # type: ignore[arg-type]

    def thick(draw: ImageDraw.ImageDraw, pts: list[Point], w: float, fill: object) -> None:
        draw.line(pts, fill=fill, width=max(1, int(round(w))), joint="curve")  # type: ignore[arg-type]
        for p in (pts[0], pts[-1]):
            draw.ellipse((p[0] - w / 2, p[1] - w / 2, p[0] + w / 2, p[1] + w / 2), fill=fill)  # type: ignore[arg-type]

    for s in ch.shapes:
        pts = [tf(p) for p in s.points]
        pid = PARTS.index(s.part) + 1
        o = ow if s.outline else 0.0
        if s.width > 0:
            w = s.width * scale
            if o > 0:
                thick(d, pts, w + 2 * o, line_of(s.fill))
            thick(d, pts, w, s.fill if not s.outline else fill_of(s.fill))
            if s.label:
                thick(dl, pts, w + 2 * o, pid)
        else:
            if o > 0:
                poly(d, pts, line_of(s.fill), o)
            poly(d, pts, fill_of(s.fill), 0.0)
            if s.label:
                poly(dl, pts, pid, o)
    for deco in ch.decos:
        pts = [tf(p) for p in deco.points]
        lw = max(1, int(round(deco.width * scale))) if deco.width else 0
        if deco.fill is not None:
            fill = deco.fill if style != "sketch" or deco.fill[:3] in ((255, 255, 255),) or sum(deco.fill[:3]) < 200 \
                else None
            if fill is not None:
                d.polygon(pts, fill=fill, outline=deco.line if lw else None, width=lw)
            elif lw or style == "sketch":
                d.polygon(pts, outline=deco.line or ink, width=max(lw, 1))
        elif deco.line is not None:
            d.line(pts, fill=deco.line, width=max(lw, 1), joint="curve")
    rgba = np.asarray(im).copy()
    parts = np.asarray(lab).copy()
    parts[rgba[..., 3] == 0] = 0
    # shading: a light from one side darkens the far side a little; paper grain on some
    if style != "sketch" and rng.random() < 0.4:
        a = rng.uniform(0, 2 * math.pi)
        yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size - 0.5
        shade = 1.0 - rng.uniform(0.08, 0.25) * np.clip((xx * math.cos(a) + yy * math.sin(a)) * 2 + 0.5, 0, 1)
        rgba[..., :3] = (rgba[..., :3] * shade[..., None]).astype(np.uint8)
    if rng.random() < 0.25:
        rgba[..., :3] = (rgba[..., :3] * _paper(rng, size)[..., None]).astype(np.uint8)
    if rng.random() < 0.2:  # soft (anti-aliased) edges, as an SVG render has
        soft = Image.fromarray(rgba[..., 3]).filter(ImageFilter.GaussianBlur(rng.uniform(0.4, 0.9)))
        rgba[..., 3] = np.minimum(rgba[..., 3], np.asarray(soft))
    joints = {k: tf(p) for k, p in ch.joints.items()}
    # a standing character's chest is the upper body's centre, a third of the way from the neck to the pelvis
    # (the hand-labelled convention), wherever the arms attach
    if ch.body_plan == BodyPlan.HUMANOID and {"neck", "chest", "pelvis"} <= joints.keys():
        (nx, ny), (px, py) = joints["neck"], joints["pelvis"]
        joints["chest"] = (nx + (px - nx) / 3, ny + (py - ny) / 3)
    # root: the pelvis of a legged character; the centroid of the visible body of a blob or object
    if "pelvis" in joints:
        joints["root"] = joints["pelvis"]
    else:
        ys, xs = np.nonzero(parts == PARTS.index("body") + 1)
        if len(xs) == 0:
            ys, xs = np.nonzero(parts)
        joints["root"] = (float(xs.mean()) + 0.5, float(ys.mean()) + 0.5)
    # a limb, tail or ear hidden entirely behind the parts in front of it has no joints to find
    for part, names in HIDEABLE.items():
        if not (parts == PARTS.index(part) + 1).any():
            for name in names:
                joints.pop(name, None)
    face = {k: (*tf((e[0], e[1])), e[2] * scale, e[3] * scale) for k, e in ch.face.items()}
    return Drawing(family, seed, rgba, parts, joints, face, ch.body_plan)
