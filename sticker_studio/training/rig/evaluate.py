"""``eval rig``: how well the rig model reads held-out procedural characters and real drawings.

Metrics (per joint and overall):

* **PCK@0.05** — a true joint counts as found when the model predicts it with confidence
  ≥ ``threshold`` within 0.05 × the diagonal of the subject's bounding box (alpha > 8);
  a joint predicted below the threshold is a miss. Joints the character lacks are not
  counted here; predicting them confidently is counted as a *false joint* rate instead.
* **part IoU** — per part, intersection ÷ union summed over the set (parts present in the
  truth or the prediction), and their mean (procedural sets only: the real set has no part
  maps).
* **eye / mouth hit rate** — of the characters that have the feature, the share whose
  predicted centre (confidence ≥ ``threshold``) lies inside the true ellipse.
* **body plan** accuracy.

A *mean-pose baseline* (every joint at its mean framed position over training characters of
the same body plan, the plan being given) is scored beside the model, so "better than
nothing" is a number.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.engine.rig.contract import BODY_PLANS, FACE, JOINTS, PARTS, FaceFeature, RigPrediction
from sticker_studio.engine.rig.preprocess import subject_box

PCK_FRACTION = 0.05


@dataclass
class Truth:
    """The labels of one evaluated drawing (pixels of its image)."""

    name: str
    joints: dict[str, tuple[float, float]]
    face: dict[str, tuple[float, float, float, float]]
    body_plan: str | None
    parts: np.ndarray | None = None
    view: str = "front"
    """``side`` (a profile): scored with a left/right swap of the prediction's names allowed."""


@dataclass
class RigScores:
    """Accumulated counts; :meth:`summary` turns them into the figures."""

    joint_hits: dict[str, int] = field(default_factory=dict)
    joint_total: dict[str, int] = field(default_factory=dict)
    false_joints: int = 0
    absent_joints: int = 0
    part_inter: np.ndarray = field(default_factory=lambda: np.zeros(len(PARTS), np.int64))
    part_union: np.ndarray = field(default_factory=lambda: np.zeros(len(PARTS), np.int64))
    face_hits: dict[str, int] = field(default_factory=dict)
    face_total: dict[str, int] = field(default_factory=dict)
    plan_hits: int = 0
    plan_total: int = 0
    items: int = 0

    def add(self, truth: Truth, pred: RigPrediction, alpha: np.ndarray, threshold: float = 0.5) -> None:
        self.items += 1
        x0, y0, x1, y1 = subject_box(alpha)
        tol = PCK_FRACTION * math.hypot(x1 - x0, y1 - y0)
        if truth.view == "side":  # a profile's _l/_r is a convention: take the naming that scores better
            swapped = swap_sides(pred)
            if _joint_hits(truth, swapped, tol, threshold) > _joint_hits(truth, pred, tol, threshold):
                pred = swapped
        for name in JOINTS:
            px, py, conf = pred.joints.get(name, (0.0, 0.0, 0.0))
            if name in truth.joints:
                tx, ty = truth.joints[name]
                self.joint_total[name] = self.joint_total.get(name, 0) + 1
                if conf >= threshold and math.hypot(px - tx, py - ty) <= tol:
                    self.joint_hits[name] = self.joint_hits.get(name, 0) + 1
            elif truth.parts is not None:  # procedural labels are complete: an absent joint is truly absent
                self.absent_joints += 1
                self.false_joints += int(conf >= threshold)
        for name in FACE:
            if name not in truth.face:
                continue
            self.face_total[name] = self.face_total.get(name, 0) + 1
            feat = pred.face.get(name, FaceFeature((0, 0, 0, 0), 0.0))
            cx, cy, rx, ry = truth.face[name]
            px, py = feat.ellipse[:2]
            inside = ((px - cx) / max(rx, 0.5)) ** 2 + ((py - cy) / max(ry, 0.5)) ** 2 <= 1.0
            if feat.confidence >= threshold and inside:
                self.face_hits[name] = self.face_hits.get(name, 0) + 1
        if truth.parts is not None:
            for i in range(len(PARTS)):
                t, p = truth.parts == i + 1, pred.parts == i + 1
                self.part_inter[i] += int(np.count_nonzero(t & p))
                self.part_union[i] += int(np.count_nonzero(t | p))
        if truth.body_plan is not None:
            self.plan_total += 1
            self.plan_hits += int(pred.body_plan.value == truth.body_plan)

    def summary(self) -> dict[str, Any]:
        per_joint = {n: self.joint_hits.get(n, 0) / t for n in JOINTS if (t := self.joint_total.get(n, 0))}
        hits, total = sum(self.joint_hits.values()), sum(self.joint_total.values())
        ious = {p: float(self.part_inter[i] / self.part_union[i]) for i, p in enumerate(PARTS) if self.part_union[i]}
        face = {n: self.face_hits.get(n, 0) / t for n in FACE if (t := self.face_total.get(n, 0))}
        eye_hits = self.face_hits.get("eye_l", 0) + self.face_hits.get("eye_r", 0)
        eye_total = self.face_total.get("eye_l", 0) + self.face_total.get("eye_r", 0)
        return {
            "items": self.items,
            "pck": hits / total if total else None, "joints_labelled": total, "pck_per_joint": per_joint,
            "false_joint_rate": self.false_joints / self.absent_joints if self.absent_joints else None,
            "part_iou": ious, "part_miou": float(np.mean(list(ious.values()))) if ious else None,
            "face_hit": face, "eye_hit": eye_hits / eye_total if eye_total else None,
            "body_plan_accuracy": self.plan_hits / self.plan_total if self.plan_total else None,
        }


def swap_sides(pred: RigPrediction) -> RigPrediction:
    """``pred`` with every ``_l`` / ``_r`` name swapped (points unchanged)."""
    from sticker_studio.engine.rig.contract import MIRROR, PART_MIRROR

    lut = np.array(PART_MIRROR, np.uint8)
    return RigPrediction({MIRROR[k]: v for k, v in pred.joints.items()}, {MIRROR[k]: v for k, v in pred.face.items()},
                         lut[pred.parts], pred.body_plan, pred.body_plan_confidence, pred.body_plan_scores)


def _joint_hits(truth: Truth, pred: RigPrediction, tol: float, threshold: float) -> int:
    hits = 0
    for name, (tx, ty) in truth.joints.items():
        px, py, conf = pred.joints.get(name, (0.0, 0.0, 0.0))
        hits += int(conf >= threshold and math.hypot(px - tx, py - ty) <= tol)
    for name, (cx, cy, rx, ry) in truth.face.items():
        f = pred.face.get(name)
        if f is not None and f.confidence >= threshold:
            hits += int(((f.ellipse[0] - cx) / max(rx, 0.5)) ** 2 + ((f.ellipse[1] - cy) / max(ry, 0.5)) ** 2 <= 1)
    return hits


# ----------------------------------------------------------------------------- sets
def procedural_set(families: Iterable[str], count: int, size: int = 256,
                   seed_offset: int = 10_000_000) -> Iterable[tuple[np.ndarray, Truth]]:
    """``count`` characters of each family (seeds from ``seed_offset``; training draws seeds
    at random below 2**40 from other families only, so the held-out families never overlap)."""
    from sticker_studio.training.rig.characters import render_character

    for family in families:
        for k in range(count):
            d = render_character(family, seed_offset + k, size)
            yield d.rgba, Truth(f"{family}-{seed_offset + k}", dict(d.joints), dict(d.face), d.body_plan.value, d.parts)


def read_real_set(folder: Path) -> tuple[dict[str, Any], list[tuple[np.ndarray, Truth]]]:
    """``labels.json`` (format 1) of a hand-labelled folder and its images."""
    from PIL import Image

    path = Path(folder) / "labels.json"
    if not path.is_file():
        raise InvalidInputError(f"{folder} has no labels.json (a hand-labelled rig set)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise InvalidInputError(f"{path} is not valid JSON: {error}") from None
    if not isinstance(data, dict) or data.get("version") != 1 or not isinstance(data.get("items"), list):
        raise InvalidInputError(f"{path}: expected {{'version': 1, 'items': [...]}}")
    out = []
    for item in data["items"]:
        file = Path(folder) / str(item.get("file", ""))
        if not file.is_file():
            raise InvalidInputError(f"{path}: {item.get('file')!r} is not in {folder}")
        with Image.open(file) as im:
            rgba = np.asarray(im.convert("RGBA"))
        joints = {k: (float(v[0]), float(v[1])) for k, v in (item.get("joints") or {}).items()
                  if k in JOINTS and v is not None}
        face = {k: tuple(float(x) for x in item[k]) for k in FACE if item.get(k)}
        plan = item.get("body_plan")
        out.append((rgba, Truth(str(item["file"]), joints, face,  # type: ignore[arg-type]
                                plan if plan in BODY_PLANS else None, view=str(item.get("view") or "front"))))
    return data, out


# ----------------------------------------------------------------------------- baseline
def mean_pose(count_per_family: int = 60, size: int = 128) -> dict[str, dict[str, tuple[float, float, float]]]:
    """Per body plan, each joint's mean position in the framed square (÷ size) and the share of
    training characters that have it."""
    from sticker_studio.engine.rig.preprocess import frame_subject
    from sticker_studio.training.rig.characters import TRAIN_FAMILIES, render_character

    sums: dict[str, dict[str, list[float]]] = {}
    counts: dict[str, int] = {}
    for family in TRAIN_FAMILIES:
        for k in range(count_per_family):
            d = render_character(family, 20_000_000 + k, 192)
            _, framing = frame_subject(d.rgba, size)
            plan = d.body_plan.value
            counts[plan] = counts.get(plan, 0) + 1
            acc = sums.setdefault(plan, {})
            for name, (x, y) in (*d.joints.items(), *((n, e[:2]) for n, e in d.face.items())):
                mx, my = framing.to_model(x, y)
                a = acc.setdefault(name, [0.0, 0.0, 0.0])
                a[0] += mx / size
                a[1] += my / size
                a[2] += 1
    return {plan: {n: (a[0] / a[2], a[1] / a[2], a[2] / counts[plan]) for n, a in acc.items()}
            for plan, acc in sums.items()}


def baseline_predict(rgba: np.ndarray, plan: str | None, pose: dict[str, dict[str, tuple[float, float, float]]],
                     size: int = 128) -> RigPrediction:
    from sticker_studio.engine.rig.contract import BodyPlan
    from sticker_studio.engine.rig.preprocess import frame_subject

    _, framing = frame_subject(rgba, size)
    table = pose.get(plan or "humanoid", pose.get("humanoid", {}))
    joints, face = {}, {}
    for name in (*JOINTS, *FACE):
        if name in table:
            mx, my, share = table[name]
            x, y = framing.to_input(mx * size, my * size)
            conf = 1.0 if share >= 0.5 else 0.0
            if name in FACE:
                face[name] = FaceFeature((x, y, 1.0, 1.0), conf)
            else:
                joints[name] = (x, y, conf)
    parts = np.zeros(rgba.shape[:2], np.uint8)
    parts[rgba[..., 3] > 8] = PARTS.index("body") + 1
    return RigPrediction(joints, face, parts, BodyPlan(plan or "humanoid"), 1.0)


# ----------------------------------------------------------------------------- run
def score(items: Iterable[tuple[np.ndarray, Truth]], predict: Callable[[np.ndarray], RigPrediction],
          baseline: Callable[[np.ndarray, Truth], RigPrediction] | None = None,
          threshold: float = 0.5) -> tuple[dict[str, Any], dict[str, Any] | None]:
    model, base = RigScores(), RigScores() if baseline is not None else None
    for rgba, truth in items:
        alpha = rgba[..., 3]
        model.add(truth, predict(rgba), alpha, threshold)
        if base is not None and baseline is not None:
            base.add(truth, baseline(rgba, truth), alpha, threshold)
    return model.summary(), base.summary() if base is not None else None


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.1f} %"


def report_markdown(title: str, model: dict[str, Any], base: dict[str, Any] | None) -> str:
    lines = [f"### {title} ({model['items']} drawings, {model['joints_labelled']} labelled joints)", "",
             "| metric | rig-net | mean-pose baseline |", "|---|---|---|"]

    def row(label: str, key: str) -> None:
        lines.append(f"| {label} | {_pct(model.get(key))} | {_pct(base.get(key)) if base else '—'} |")

    row("PCK@0.05 (all joints)", "pck")
    row("false joints (confident, absent)", "false_joint_rate")
    row("part mIoU", "part_miou")
    row("eyes found (centre in ellipse)", "eye_hit")
    lines.append(f"| mouth found | {_pct(model['face_hit'].get('mouth'))} | "
                 f"{_pct(base['face_hit'].get('mouth')) if base else '—'} |")
    row("body plan", "body_plan_accuracy")
    lines += ["", "| joint | PCK | baseline |", "|---|---|---|"]
    for name, v in model["pck_per_joint"].items():
        b = base["pck_per_joint"].get(name) if base else None
        lines.append(f"| {name} | {_pct(v)} | {_pct(b)} |")
    if model["part_iou"]:
        lines += ["", "| part | IoU |", "|---|---|"]
        lines += [f"| {p} | {_pct(v)} |" for p, v in model["part_iou"].items()]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- contact sheet
PART_COLOURS = np.array([[0, 0, 0], [230, 60, 60], [60, 160, 230], [60, 200, 80], [40, 120, 40], [230, 180, 40],
                         [160, 110, 20], [180, 60, 200], [250, 120, 200], [120, 60, 150]], np.uint8)


def draw_rig(rgba: np.ndarray, pred: RigPrediction, cell: int = 192, threshold: float = 0.5) -> np.ndarray:
    """Two ``cell``² panels side by side: the drawing on a checkerboard with the confident joints
    (red: image-left, blue: image-right, green: centre), bones and face ellipses; the part map."""
    from PIL import Image, ImageDraw

    h, w = rgba.shape[:2]
    s = cell / max(h, w)
    nw, nh = max(1, round(w * s)), max(1, round(h * s))
    check = ((np.indices((nh, nw)).sum(0) // 12) % 2 == 0)
    bg = np.where(check[..., None], 235, 200).astype(np.float32)
    small = np.asarray(Image.fromarray(rgba).resize((nw, nh), Image.Resampling.BILINEAR), np.float32)
    a = small[..., 3:4] / 255.0
    img = Image.new("RGB", (2 * cell, cell), (255, 255, 255))
    img.paste(Image.fromarray((small[..., :3] * a + bg * (1 - a)).astype(np.uint8)), (0, 0))
    parts = Image.fromarray(PART_COLOURS[pred.parts]).resize((nw, nh), Image.Resampling.NEAREST)
    img.paste(parts, (cell, 0))
    d = ImageDraw.Draw(img)
    js = {k: (x * s, y * s) for k, (x, y, c) in pred.joints.items() if c >= threshold}
    for a_, b_ in (("pelvis", "chest"), ("chest", "neck"), ("neck", "head"), ("head", "head_top"),
                   ("chest", "shoulder_l"), ("shoulder_l", "elbow_l"), ("elbow_l", "hand_l"),
                   ("chest", "shoulder_r"), ("shoulder_r", "elbow_r"), ("elbow_r", "hand_r"),
                   ("pelvis", "hip_l"), ("hip_l", "knee_l"), ("knee_l", "foot_l"),
                   ("pelvis", "hip_r"), ("hip_r", "knee_r"), ("knee_r", "foot_r"),
                   ("tail_base", "tail_mid"), ("tail_mid", "tail_tip"),
                   ("ear_l_base", "ear_l_tip"), ("ear_r_base", "ear_r_tip")):
        if a_ in js and b_ in js:
            d.line([js[a_], js[b_]], fill=(255, 255, 255), width=1)
    for k, (x, y) in js.items():
        col = (220, 0, 0) if k.endswith("_l") or "_l_" in k else (0, 0, 230) if k.endswith("_r") or "_r_" in k \
            else (0, 150, 0)
        d.ellipse((x - 2.5, y - 2.5, x + 2.5, y + 2.5), fill=col, outline=(255, 255, 255))
    for f in pred.face.values():
        if f.confidence >= threshold:
            cx, cy, rx, ry = (v * s for v in f.ellipse)
            d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), outline=(255, 0, 255), width=1)
    d.text((2, cell - 12), f"{pred.body_plan.value} {pred.body_plan_confidence:.2f}", fill=(0, 0, 0))
    return np.asarray(img)


def truth_as_prediction(truth: Truth, shape: tuple[int, int]) -> RigPrediction:
    """The labels drawn like a prediction (every confidence 1), for a sheet of the training data."""
    from sticker_studio.engine.rig.contract import BodyPlan

    parts = truth.parts if truth.parts is not None else np.zeros(shape, np.uint8)
    return RigPrediction({k: (x, y, 1.0) for k, (x, y) in truth.joints.items()},
                         {k: FaceFeature(e, 1.0) for k, e in truth.face.items()}, parts,
                         BodyPlan(truth.body_plan or "humanoid"), 1.0)


def rig_as_prediction(rig: Any, like: RigPrediction | None = None) -> RigPrediction:
    """A puppet :class:`~sticker_studio.core.puppet.rig.Rig` (the automatic rig) scored like a
    prediction: its joints and face at confidence 1; parts and body plan from ``like`` when given."""
    from sticker_studio.engine.rig.contract import BodyPlan

    shape = (int(rig.height), int(rig.width))
    parts = like.parts if like is not None else np.zeros(shape, np.uint8)
    return RigPrediction({k: (j.x, j.y, 1.0) for k, j in rig.joints.items()},
                         {k: FaceFeature(e.as_tuple(), 1.0) for k, e in rig.face.items()}, parts,
                         BodyPlan(rig.plan.value), 1.0)


def contact_sheet(panels: list[np.ndarray], columns: int = 4) -> np.ndarray:
    ph, pw = panels[0].shape[:2]
    rows = (len(panels) + columns - 1) // columns
    sheet = np.full((rows * ph, columns * pw, 3), 255, np.uint8)
    for i, p in enumerate(panels):
        r, c = divmod(i, columns)
        sheet[r * ph:(r + 1) * ph, c * pw:(c + 1) * pw] = p
    return sheet


#: library characters (Fluent and Noto) shown on the eval's contact sheet: a look, not a score
LIBRARY_CHARACTERS: tuple[str, ...] = (
    "bear", "cat", "dog", "rabbit", "monkey", "robot", "ghost", "alien", "person walking", "person raising hand",
    "unicorn", "cow", "pig", "frog", "penguin", "teddy bear", "snowman", "T-Rex", "dragon", "owl",
)


def library_characters(names: Iterable[str] = LIBRARY_CHARACTERS, size: int = 256) -> list[tuple[str, np.ndarray]]:
    """``(label, rgba)`` of library characters, alternately in Fluent and Noto style (missing ones skipped)."""
    from sticker_studio.core.text.art_library import ART_STYLES, ArtLibrary
    from sticker_studio.formats.svg_render import render_svg

    lib = ArtLibrary.load()
    out = []
    for i, name in enumerate(names):
        entry = lib.find(name)
        if entry is None:
            continue
        style = ART_STYLES[i % len(ART_STYLES)]
        out.append((f"{name} ({style})", render_svg(lib.svg(entry, style), size)))
    return out
