"""Procedurally drawn ink stick figures with exact rig labels (development and tests of the stick-figure reader).

A stick figure is what a person draws in a few seconds: a circle (or a filled dot) for the head, one line for
the spine, single lines for the arms and legs, in ink on transparent or white paper. :func:`render_stick_figure`
draws one from a seed with Pillow (4x supersampled), in a varied pose (standing, arms out, waving, cheering,
hands on hips, running, kneeling, sitting cross-legged, jumping, a cartwheel), stroke width 1-4 % of the figure,
a round, oval or dot head with or without a face and a gap to the neck, lines with a hand's wobble. The labels
are exact: the joints of the rig contract (``_l`` = the viewer's left), the face (eyes, mouth), and a part map
(0 background, ``i + 1`` for ``PARTS[i]``).

Nothing here is trained on: the figures are for developing and testing
:mod:`sticker_studio.core.puppet.stick_figure` (the geometric reader), never for the network.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageDraw

from sticker_studio.engine.rig.contract import PARTS

Point = tuple[float, float]
POSES: tuple[str, ...] = ("stand", "out", "wave", "cheer", "hips", "run", "kneel", "lotus", "jump", "cartwheel")
SUPERSAMPLE = 4


@dataclass
class StickFigure:
    rgba: np.ndarray                   # HxWx4 uint8
    joints: dict[str, Point]
    face: dict[str, tuple[float, float, float, float]]
    parts: np.ndarray                  # HxW uint8 labels (PARTS order, 0 background)
    pose: str
    stroke: float                      # stroke width in pixels
    head_kind: str                     # ring, dot
    meta: dict[str, object] = field(default_factory=dict)


def _dir(deg: float) -> np.ndarray:
    a = math.radians(deg)
    return np.array([math.cos(a), math.sin(a)])


def _pose_angles(pose: str, rng: np.random.Generator) -> dict[str, float]:
    """Absolute directions in degrees (0 = the image's right, 90 = down) of each bone, before the figure's tilt."""
    u = rng.uniform
    if pose == "stand":
        a = dict(ua_l=u(105, 150), la_l=u(95, 140), ua_r=u(30, 75), la_r=u(40, 85),
                 ul_l=u(98, 118), ll_l=u(92, 112), ul_r=u(62, 82), ll_r=u(68, 88))
    elif pose == "out":
        a = dict(ua_l=u(165, 195), la_l=u(160, 200), ua_r=u(-15, 15), la_r=u(-20, 20),
                 ul_l=u(100, 125), ll_l=u(95, 120), ul_r=u(55, 80), ll_r=u(60, 85))
    elif pose == "wave":
        a = dict(ua_l=u(110, 150), la_l=u(95, 140), ua_r=u(-60, -20), la_r=u(-110, -70),
                 ul_l=u(98, 118), ll_l=u(92, 112), ul_r=u(62, 82), ll_r=u(68, 88))
        if rng.random() < 0.5:  # the other arm waves
            a["ua_l"], a["la_l"], a["ua_r"], a["la_r"] = (180 - a["ua_r"], 180 - a["la_r"],
                                                          180 - a["ua_l"], 180 - a["la_l"])
    elif pose == "cheer":
        a = dict(ua_l=u(200, 240), la_l=u(225, 265), ua_r=u(-60, -20), la_r=u(-85, -45),
                 ul_l=u(100, 120), ll_l=u(95, 115), ul_r=u(60, 80), ll_r=u(65, 85))
    elif pose == "hips":
        a = dict(ua_l=u(140, 165), la_l=u(30, 60), ua_r=u(15, 40), la_r=u(120, 150),
                 ul_l=u(100, 120), ll_l=u(92, 112), ul_r=u(60, 80), ll_r=u(68, 88))
    elif pose == "run":
        a = dict(ua_l=u(110, 140), la_l=u(190, 230), ua_r=u(40, 70), la_r=u(-20, 20),
                 ul_l=u(120, 150), ll_l=u(60, 100), ul_r=u(40, 70), ll_r=u(100, 160))
    elif pose == "kneel":
        a = dict(ua_l=u(100, 130), la_l=u(90, 120), ua_r=u(50, 80), la_r=u(60, 90),
                 ul_l=u(160, 190), ll_l=u(80, 100), ul_r=u(80, 100), ll_r=u(-5, 15))
    elif pose == "lotus":
        a = dict(ua_l=u(110, 140), la_l=u(60, 90), ua_r=u(40, 70), la_r=u(90, 120),
                 ul_l=u(150, 170), ll_l=u(10, 35), ul_r=u(10, 30), ll_r=u(145, 170))
    elif pose == "jump":
        a = dict(ua_l=u(200, 235), la_l=u(215, 260), ua_r=u(-55, -20), la_r=u(-80, -35),
                 ul_l=u(120, 150), ll_l=u(60, 100), ul_r=u(30, 60), ll_r=u(80, 120))
    else:  # cartwheel: arms and legs spread like an X
        a = dict(ua_l=u(200, 230), la_l=u(200, 235), ua_r=u(-50, -20), la_r=u(-55, -15),
                 ul_l=u(110, 135), ll_l=u(110, 140), ul_r=u(45, 70), ll_r=u(40, 70))
    return a


def render_stick_figure(seed: int, size: int = 256, *, pose: str | None = None, on_white: bool | None = None,
                        head_kind: str | None = None, stroke_frac: float | None = None) -> StickFigure:
    """One ink stick figure drawn from ``seed`` (options fix the pose, the paper, the head or the stroke)."""
    rng = np.random.default_rng([int(seed), 2207])
    pose = pose or str(rng.choice(POSES))
    head_kind = head_kind or ("dot" if rng.random() < 0.3 else "ring")
    on_white = bool(rng.random() < 0.35) if on_white is None else on_white
    # the skeleton in body units (the spine is about 1 long), y down
    spine = rng.uniform(0.9, 1.15)
    head_r = rng.uniform(0.24, 0.4) * (0.8 if head_kind == "dot" else 1.0)
    lean = rng.uniform(-10, 10)
    sdir = _dir(90 + lean)
    neck = np.zeros(2)
    pelvis = neck + spine * sdir
    gap = rng.choice([0.0, 0.0, rng.uniform(0.02, 0.1), -rng.uniform(0.0, 0.05)]) if head_kind == "ring" else \
        rng.choice([0.0, rng.uniform(-0.08, 0.0)])
    head = neck - (head_r + gap) * sdir
    shoulder_t = rng.uniform(0.0, 0.3)
    shoulder = neck + shoulder_t * spine * sdir
    arm1, arm2 = rng.uniform(0.42, 0.6), rng.uniform(0.38, 0.58)
    leg1, leg2 = rng.uniform(0.5, 0.7), rng.uniform(0.48, 0.68)
    ang = _pose_angles(pose, rng)
    split_hips = rng.random() < 0.25
    hip_l = pelvis + (np.array([-rng.uniform(0.05, 0.12), 0.0]) if split_hips else 0.0)
    hip_r = pelvis + (np.array([rng.uniform(0.05, 0.12), 0.0]) if split_hips else 0.0)
    j: dict[str, np.ndarray] = {"neck": neck, "pelvis": pelvis, "head": head, "shoulder_l": shoulder,
                                "shoulder_r": shoulder.copy(), "hip_l": hip_l, "hip_r": hip_r}
    j["elbow_l"] = shoulder + arm1 * _dir(ang["ua_l"])
    j["hand_l"] = j["elbow_l"] + arm2 * _dir(ang["la_l"])
    j["elbow_r"] = shoulder + arm1 * _dir(ang["ua_r"])
    j["hand_r"] = j["elbow_r"] + arm2 * _dir(ang["la_r"])
    j["knee_l"] = hip_l + leg1 * _dir(ang["ul_l"])
    j["foot_l"] = j["knee_l"] + leg2 * _dir(ang["ll_l"])
    j["knee_r"] = hip_r + leg1 * _dir(ang["ul_r"])
    j["foot_r"] = j["knee_r"] + leg2 * _dir(ang["ll_r"])
    # the whole figure tilts a little (a cartwheel a lot)
    tilt = rng.uniform(60, 180) * rng.choice([-1, 1]) if pose == "cartwheel" else rng.uniform(-8, 8)
    c, s = math.cos(math.radians(tilt)), math.sin(math.radians(tilt))
    rot = np.array([[c, -s], [s, c]])
    j = {k: rot @ v for k, v in j.items()}
    up = rot @ (-sdir)
    j["head_top"] = j["head"] + 0.85 * head_r * up
    # fit into the canvas
    pts = np.array(list(j.values()) + [j["head"] + head_r * _dir(a) for a in range(0, 360, 30)])
    lo, hi = pts.min(0), pts.max(0)
    fill = rng.uniform(0.72, 0.9)
    scale = fill * size / float(max(hi - lo))
    offset = (size - (hi - lo) * scale) / 2 - lo * scale + rng.uniform(-0.04, 0.04, 2) * size
    to_px = {k: v * scale + offset for k, v in j.items()}
    r_px = head_r * scale
    stroke = (stroke_frac if stroke_frac is not None else rng.uniform(0.01, 0.04)) * size
    ss = SUPERSAMPLE
    big = size * ss
    ink_img = Image.new("L", (big, big), 0)
    lab_img = Image.new("L", (big, big), 0)
    di, dl = ImageDraw.Draw(ink_img), ImageDraw.Draw(lab_img)
    wobble = rng.uniform(0.0, 0.5) * stroke
    width = max(1, int(round(stroke * ss)))

    def line(a: np.ndarray, b: np.ndarray, part: str, extra: float = 0.0) -> None:
        n = 10
        t = np.linspace(0.0, 1.0, n)
        d = b - a
        normal = np.array([-d[1], d[0]]) / max(float(np.linalg.norm(d)), 1e-6)
        bend = ((rng.uniform(-1, 1) * wobble + extra) * np.sin(np.pi * t)
                + rng.normal(0, 0.15 * wobble, n) * (t * (1 - t) > 0))
        p = a[None] + t[:, None] * d[None] + bend[:, None] * normal[None]
        xy = [(float(x) * ss, float(y) * ss) for x, y in p]
        for drw in (di, dl):
            drw.line(xy, fill=255 if drw is di else PARTS.index(part) + 1, width=width, joint="curve")
        r = width / 2
        for x, y in (xy[0], xy[-1]):
            for drw in (di, dl):
                drw.ellipse((x - r, y - r, x + r, y + r), fill=255 if drw is di else PARTS.index(part) + 1)

    p = to_px
    line(p["neck"], p["pelvis"], "body")
    for side in ("l", "r"):
        line(p[f"hip_{side}"], p[f"knee_{side}"], f"leg_{side}")
        line(p[f"knee_{side}"], p[f"foot_{side}"], f"leg_{side}")
    if split_hips:
        line(p["hip_l"], p["hip_r"], "body")
    for side in ("l", "r"):
        line(p[f"shoulder_{side}"], p[f"elbow_{side}"], f"arm_{side}")
        line(p[f"elbow_{side}"], p[f"hand_{side}"], f"arm_{side}")
    hx, hy = p["head"]
    rx, ry = r_px * rng.uniform(0.92, 1.08), r_px * rng.uniform(0.92, 1.08)
    box = ((hx - rx) * ss, (hy - ry) * ss, (hx + rx) * ss, (hy + ry) * ss)
    head_id = PARTS.index("head") + 1
    face: dict[str, tuple[float, float, float, float]] = {}
    if head_kind == "dot":
        di.ellipse(box, fill=255)
        dl.ellipse(box, fill=head_id)
    else:
        di.ellipse(box, outline=255, width=width)
        dl.ellipse(box, fill=head_id)  # the circle's inside moves with the head
        if rng.random() < 0.5 and r_px > 4 * stroke:
            er = max(1.0, 0.45 * stroke + 0.05 * r_px)
            ang0 = math.atan2(up[1], up[0])
            side_v = np.array([-math.sin(ang0), math.cos(ang0)])
            up_v = np.array([math.cos(ang0), math.sin(ang0)])
            eyes = sorted((p["head"] + 0.38 * r_px * sgn * side_v + 0.25 * r_px * up_v for sgn in (-1, 1)),
                          key=lambda e: float(e[0]))
            for name, e in zip(("eye_l", "eye_r"), eyes, strict=True):
                di.ellipse(((e[0] - er) * ss, (e[1] - er) * ss, (e[0] + er) * ss, (e[1] + er) * ss), fill=255)
                face[name] = (float(e[0]), float(e[1]), er + 1, er + 1)
            m = p["head"] - 0.35 * r_px * up_v
            mw = 0.35 * r_px
            mb = (m[0] - mw, m[1] - mw * 0.6, m[0] + mw, m[1] + mw * 0.6)
            di.arc(tuple(v * ss for v in mb), 20, 160, fill=255, width=max(1, width // 2))
            face["mouth"] = (float(m[0]), float(m[1] + 0.3 * mw), mw, 0.45 * mw)
    ink_a = np.asarray(ink_img.resize((size, size), Image.Resampling.BOX))
    labels = np.asarray(lab_img.resize((size, size), Image.Resampling.NEAREST))
    ink = np.array({0: (20, 20, 24), 1: (30, 40, 110), 2: (60, 60, 60)}[int(rng.integers(0, 3))], np.float32)
    rgba = np.zeros((size, size, 4), np.uint8)
    if on_white:
        a = ink_a.astype(np.float32)[..., None] / 255.0
        rgba[..., :3] = np.round(255.0 * (1 - a) + ink * a).astype(np.uint8)
        rgba[..., 3] = 255
    else:
        rgba[..., :3] = ink.astype(np.uint8)
        rgba[..., 3] = ink_a
    joints = {k: (float(v[0]), float(v[1])) for k, v in p.items()}
    # the contract's _l is the viewer's left: a figure turned over (a cartwheel) has its own left on the right
    for chain, part in ((("shoulder", "elbow", "hand"), "arm"), (("hip", "knee", "foot"), "leg")):
        left = np.mean([joints[f"{n}_l"][0] for n in chain])
        right = np.mean([joints[f"{n}_r"][0] for n in chain])
        if left > right:
            for n in chain:
                joints[f"{n}_l"], joints[f"{n}_r"] = joints[f"{n}_r"], joints[f"{n}_l"]
            il, ir = PARTS.index(f"{part}_l") + 1, PARTS.index(f"{part}_r") + 1
            labels = np.where(labels == il, ir, np.where(labels == ir, il, labels)).astype(np.uint8)
    joints["chest"] = (joints["neck"][0] + (joints["pelvis"][0] - joints["neck"][0]) / 3,
                       joints["neck"][1] + (joints["pelvis"][1] - joints["neck"][1]) / 3)
    joints["root"] = joints["pelvis"]
    parts = np.where((ink_a > 0) | (labels == head_id), labels, 0).astype(np.uint8)
    return StickFigure(rgba, joints, face, parts, pose, float(stroke), head_kind,
                       {"on_white": on_white, "tilt": tilt, "split_hips": split_hips})


def render_sketchy_figure(seed: int, size: int = 384) -> np.ndarray:
    """A stick figure drawn like a quick pencil sketch on white paper (no labels: for looking at).

    Each line is drawn twice with a small offset and overshoot, the head is a loop whose ends overlap, the
    paper is slightly off-white with grain: what a person photographs or scans. Opaque RGBA (cut it out first).
    """
    rng = np.random.default_rng([int(seed), 7022])
    fig = render_stick_figure(seed, size, on_white=False, head_kind="ring", stroke_frac=0.012)
    j = {k: np.array(v) for k, v in fig.joints.items()}
    ss = SUPERSAMPLE
    img = Image.new("L", (size * ss, size * ss), 0)
    d = ImageDraw.Draw(img)
    width = max(1, int(round(0.012 * size * ss)))

    def stroke(a: np.ndarray, b: np.ndarray) -> None:
        for _ in range(2):
            over = rng.uniform(-0.06, 0.1)
            a2 = a + (a - b) * over + rng.normal(0, 0.006 * size, 2)
            b2 = b + (b - a) * rng.uniform(-0.04, 0.08) + rng.normal(0, 0.006 * size, 2)
            mid = (a2 + b2) / 2 + rng.normal(0, 0.008 * size, 2)
            d.line([tuple(a2 * ss), tuple(mid * ss), tuple(b2 * ss)], fill=255, width=width, joint="curve")

    stroke(j["neck"], j["pelvis"])
    for side in ("l", "r"):
        stroke(j[f"shoulder_{side}"], j[f"elbow_{side}"])
        stroke(j[f"elbow_{side}"], j[f"hand_{side}"])
        stroke(j[f"hip_{side}"], j[f"knee_{side}"])
        stroke(j[f"knee_{side}"], j[f"foot_{side}"])
    c = j["head"]
    r = float(np.hypot(*(j["head"] - j["neck"])))
    start = rng.uniform(0, 2 * np.pi)
    t = np.linspace(start, start + 2 * np.pi * 1.08, 60)
    rr = r * (1 + 0.04 * np.sin(3 * t + rng.uniform(0, 6)))
    d.line([((c[0] + q * np.cos(a)) * ss, (c[1] + q * np.sin(a)) * ss) for a, q in zip(t, rr, strict=True)],
           fill=255, width=width, joint="curve")
    for sgn in (-1, 1):  # two dot eyes and a smile
        e = c + np.array([sgn * 0.35 * r, -0.2 * r])
        d.ellipse(((e[0] - 0.07 * r) * ss, (e[1] - 0.07 * r) * ss, (e[0] + 0.07 * r) * ss, (e[1] + 0.07 * r) * ss),
                  fill=255)
    d.arc(((c[0] - 0.4 * r) * ss, (c[1] - 0.1 * r) * ss, (c[0] + 0.4 * r) * ss, (c[1] + 0.45 * r) * ss), 20, 160,
          fill=255, width=width)
    ink = np.asarray(img.resize((size, size), Image.Resampling.BOX)).astype(np.float32)[..., None] / 255.0
    paper = 246.0 + rng.normal(0, 2.0, (size, size, 1))
    pencil = np.array([70.0, 70.0, 78.0])
    rgb = paper * (1 - 0.9 * ink) + pencil * 0.9 * ink
    out = np.empty((size, size, 4), np.uint8)
    out[..., :3] = np.clip(np.round(rgb), 0, 255).astype(np.uint8)
    out[..., 3] = 255
    return out
