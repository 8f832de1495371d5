"""Hand-labelled drawings as training samples for the rig model (format 1 ``labels.json``).

The procedural characters (:mod:`.characters`) have exact labels but do not look like the
art users bring; a few hand-labelled drawings of the *training* art sets (Fluent and Noto
Emoji, ``data/rig_train``) close that gap. They are mixed into every batch at
``RigTrainConfig.labelled_share`` with augmentation: a left-right mirror (names swapped),
a rotation of up to ±15°, a scale and offset of the subject on its canvas, channel
permutations and brightness. Their part maps are unknown: the part loss ignores them.

**The evaluation set is refused**: a folder whose ``labels.json`` names the OpenMoji set
(``tests/data/rig_real``) is never trained on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.engine.rig.contract import BODY_PLANS, FACE, JOINTS, MIRROR
from sticker_studio.engine.rig.preprocess import frame_subject

#: sets that are evaluation only (the hand-labelled real set)
EVALUATION_ONLY_SETS: tuple[str, ...] = ("openmoji",)
#: the part loss ignores this label
IGNORE_PART = -100


@dataclass(frozen=True)
class LabelledDrawing:
    name: str
    rgba: np.ndarray  # [H, W, 4] uint8
    joints: dict[str, tuple[float, float]]
    face: dict[str, tuple[float, float, float, float]]
    body_plan: str


def load_labelled(folder: str | Path) -> list[LabelledDrawing]:
    """The drawings of a hand-labelled folder; refuses an evaluation-only set."""
    import json

    from sticker_studio.training.rig.evaluate import read_real_set

    folder = Path(folder)
    path = folder / "labels.json"
    meta = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    if str(meta.get("set", "")).strip().lower() in EVALUATION_ONLY_SETS:
        raise InvalidInputError(f"{folder} is the {meta.get('set')} set, which is evaluation only: never train on it")
    _, items = read_real_set(folder)
    out = []
    for rgba, truth in items:
        if truth.body_plan not in BODY_PLANS:
            raise InvalidInputError(f"{folder}: {truth.name} has no valid body_plan")
        out.append(LabelledDrawing(truth.name, rgba, dict(truth.joints), dict(truth.face), truth.body_plan))
    return out


def _augment_geometry(d: LabelledDrawing, rng: np.random.Generator) -> LabelledDrawing:
    """Mirror, rotate and rescale the drawing and its labels together."""
    rgba, joints, face = d.rgba, dict(d.joints), dict(d.face)
    h, w = rgba.shape[:2]
    if rng.random() < 0.5:
        rgba = rgba[:, ::-1].copy()
        joints = {MIRROR[k]: (w - x, y) for k, (x, y) in joints.items()}
        face = {MIRROR[k]: (w - e[0], e[1], e[2], e[3]) for k, e in face.items()}
    angle = float(rng.uniform(-15, 15)) if rng.random() < 0.7 else 0.0
    scale = float(rng.uniform(0.55, 1.0))
    side = int(round(max(h, w) * 1.25))
    ox = (side - w * scale) / 2 + rng.uniform(-0.1, 0.1) * side
    oy = (side - h * scale) / 2 + rng.uniform(-0.1, 0.1) * side
    small = Image.fromarray(rgba, "RGBA").resize((max(1, round(w * scale)), max(1, round(h * scale))),
                                                 Image.Resampling.BILINEAR)
    canvas = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    canvas.paste(small, (int(round(ox)), int(round(oy))))
    sx, sy = small.width / w, small.height / h
    cx, cy = side / 2, side / 2
    t = math.radians(angle)
    cos, sin = math.cos(t), math.sin(t)

    def move(x: float, y: float) -> tuple[float, float]:
        x, y = x * sx + round(ox) - cx, y * sy + round(oy) - cy
        # PIL rotates counter-clockwise on screen for a positive angle: (x, y) → (x cos + y sin, -x sin + y cos)
        return (cx + x * cos + y * sin, cy - x * sin + y * cos)

    if angle:
        canvas = canvas.convert("RGBa").rotate(angle, Image.Resampling.BILINEAR, center=(cx, cy)).convert("RGBA")
    joints = {k: move(*p) for k, p in joints.items()}
    face = {k: (*move(e[0], e[1]), e[2] * sx, e[3] * sy) for k, e in face.items()}
    return LabelledDrawing(d.name, np.asarray(canvas), joints, face, d.body_plan)


def ink_outline(rgba: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The drawing with a dark ink outline around the subject and along its colour edges, as
    line-art emoji sets draw them (the flat Fluent/Noto art has none)."""
    from scipy import ndimage

    h, w = rgba.shape[:2]
    width = max(1, int(round(max(h, w) * rng.uniform(0.008, 0.025))))
    solid = rgba[..., 3] > 127
    grown = ndimage.binary_dilation(solid, iterations=width)
    rgb = rgba[..., :3].astype(np.float32)
    edge = np.zeros((h, w), bool)
    for c in range(3):
        edge |= np.abs(ndimage.sobel(rgb[..., c], 0)) + np.abs(ndimage.sobel(rgb[..., c], 1)) > 160
    edge &= solid
    inner = ndimage.binary_dilation(edge, iterations=max(1, width // 2)) & solid
    ring = grown & ~ndimage.binary_erosion(solid, iterations=max(1, width // 2))
    ink = np.array([rng.uniform(0, 40)] * 3, np.float32)
    out = rgba.copy()
    line = ring | inner
    out[line, :3] = ink.astype(np.uint8)
    out[line, 3] = 255
    return out


def labelled_sample(d: LabelledDrawing, rng: np.random.Generator, size: int = 128, stride: int = 4):
    """A :class:`~.samples.Sample` of a hand-labelled drawing (parts ignored)."""
    from sticker_studio.training.rig.samples import POINTS, Sample, point_labels

    d = _augment_geometry(d, rng)
    if rng.random() < 0.5:  # line-art styles: a dark outline and inner contours
        d = LabelledDrawing(d.name, ink_outline(d.rgba, rng), d.joints, d.face, d.body_plan)
    image, framing = frame_subject(d.rgba, size)
    points, face_size = point_labels(d.joints, d.face, framing, size)
    if rng.random() < 0.3:
        image[..., :3] = image[..., rng.permutation(3)]
    if rng.random() < 0.3:
        image[..., :3] = np.clip(image[..., :3] * rng.uniform(0.8, 1.15), 0, 1)
    parts = np.full((size // stride, size // stride), IGNORE_PART, np.int64)
    assert len(JOINTS) + len(FACE) == len(POINTS)
    return Sample(np.ascontiguousarray(image.transpose(2, 0, 1)), points, face_size, parts,
                  BODY_PLANS.index(d.body_plan))
