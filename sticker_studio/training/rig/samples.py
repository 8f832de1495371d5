"""Training samples for the rig model: a drawn character framed as the model sees it.

:func:`make_sample` renders a character (:mod:`.characters`), frames it with the same
:func:`~sticker_studio.engine.rig.preprocess.frame_subject` as inference, and returns the
input and the targets: points (joints, then eyes and mouth) with a presence flag, face radii,
the part map at the output resolution and the body-plan index. Augmentations: a left-right
mirror (``_l``/``_r`` names and part ids swapped), channel permutations and brightness (other
palettes), and, on a few, the subject on opaque paper (an unmatted scan: alpha 1 everywhere).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sticker_studio.engine.rig.contract import BODY_PLANS, FACE, JOINTS, MIRROR, PART_MIRROR
from sticker_studio.engine.rig.preprocess import Framing, frame_labels, frame_subject
from sticker_studio.training.rig.characters import Drawing, render_character

POINTS: tuple[str, ...] = (*JOINTS, *FACE)
RENDER_SIZE = 192


@dataclass
class Sample:
    image: np.ndarray    # [4, S, S] float32
    points: np.ndarray   # [P, 3] float32: x, y in model pixels, present (0/1)
    face_size: np.ndarray  # [3, 2] float32: rx, ry ÷ S
    parts: np.ndarray    # [R, R] int64
    plan: int


def mirror_drawing(d: Drawing) -> Drawing:
    """``d`` mirrored left-right with its labels renamed (``_l`` ↔ ``_r``)."""
    w = d.rgba.shape[1]
    lut = np.array(PART_MIRROR, np.uint8)
    joints = {MIRROR[k]: (w - x, y) for k, (x, y) in d.joints.items()}
    face = {MIRROR[k]: (w - e[0], e[1], e[2], e[3]) for k, e in d.face.items()}
    return Drawing(d.family, d.seed, d.rgba[:, ::-1].copy(), lut[d.parts[:, ::-1]], joints, face, d.body_plan)


def point_labels(joints: dict[str, tuple[float, float]], face: dict[str, tuple[float, float, float, float]],
                 framing: Framing, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The joints and face centres in the framed model square ((len(POINTS), 3): x, y, present) and
    the face features' radii as a share of ``size`` ((len(FACE), 2))."""
    points = np.zeros((len(POINTS), 3), np.float32)
    for i, name in enumerate(POINTS):
        if name in joints:
            points[i] = (*framing.to_model(*joints[name]), 1.0)
        elif name in face:
            points[i] = (*framing.to_model(*face[name][:2]), 1.0)
    face_size = np.zeros((len(FACE), 2), np.float32)
    for i, name in enumerate(FACE):
        if name in face:
            face_size[i] = (face[name][2] * framing.scale / size, face[name][3] * framing.scale / size)
    return points, face_size


def labels_in_frame(d: Drawing, framing: Framing, size: int, out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    points, face_size = point_labels(d.joints, d.face, framing, size)
    coarse = Framing(framing.x0, framing.y0, framing.scale * out / size)
    parts = frame_labels(d.parts, coarse, out).astype(np.int64)
    return points, face_size, parts


def make_sample(family: str, seed: int, rng: np.random.Generator, size: int = 128, stride: int = 4,
                augment: bool = True) -> Sample:
    d = render_character(family, seed, RENDER_SIZE)
    if augment and rng.random() < 0.5:
        d = mirror_drawing(d)
    image, framing = frame_subject(d.rgba, size)
    points, face_size, parts = labels_in_frame(d, framing, size, size // stride)
    if augment:
        if rng.random() < 0.3:
            image[..., :3] = image[..., rng.permutation(3)]
        if rng.random() < 0.3:
            image[..., :3] = np.clip(image[..., :3] * rng.uniform(0.8, 1.15), 0, 1)
        if rng.random() < 0.08:  # an unmatted scan: the subject on paper, alpha 1 everywhere
            paper = rng.uniform(0.85, 1.0, 3).astype(np.float32)
            a = image[..., 3:4]
            rgb_on_white = image[..., :3]
            fg = np.clip((rgb_on_white - (1 - a)) / np.maximum(a, 1e-3), 0, 1)
            image[..., :3] = fg * a + paper * (1 - a)
            image[..., 3] = 1.0
    return Sample(np.ascontiguousarray(image.transpose(2, 0, 1)), points, face_size, parts,
                  BODY_PLANS.index(d.body_plan.value))
