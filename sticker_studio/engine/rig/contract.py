"""The rig contract shared by the learned rig model, its training data and the puppet engine.

Names only (no torch): joints, parts, face features and body plans, and the value
:class:`RigPrediction` that :func:`sticker_studio.engine.rig.predict.predict_rig` returns.

Conventions
-----------
* ``_l`` is the image's left side (the viewer's left), ``_r`` the image's right.
* Quadrupeds: the front legs are the *arms* (``shoulder``/``elbow``/``hand`` = the top of the
  leg, its knee and its paw) and the back legs are the *legs* (``hip``/``knee``/``foot``);
  within a pair ``_l`` is the leg whose paw is further to the image's left. A single visible
  eye of a profile face is ``eye_l`` when the face looks to the image's left, else ``eye_r``.
* ``root`` is the pelvis's position for legged characters (the same point as ``pelvis``), and
  the centroid of the body part for blobs and objects.
* Blobs and objects: the mass is the ``body`` part; ``chest`` is its centre, ``head`` the
  face's centre (when there is a face) and ``head_top`` the top of the silhouette.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from sticker_studio.core.puppet.rig import FACE_FEATURES, JOINT_NAMES, PART_NAMES

#: the puppet engine's joint names (one contract for the network, the geometry and the labels)
JOINTS: tuple[str, ...] = tuple(JOINT_NAMES)
FACE: tuple[str, ...] = tuple(FACE_FEATURES)
#: part label ids: 0 is background, then these in order
PARTS: tuple[str, ...] = tuple(PART_NAMES)


class BodyPlan(StrEnum):
    HUMANOID = "humanoid"
    QUADRUPED = "quadruped"
    BLOB = "blob"
    OBJECT = "object"


BODY_PLANS: tuple[str, ...] = tuple(p.value for p in BodyPlan)


def _mirror_name(name: str) -> str:
    for a, b in (("_l", "_r"), ("_r", "_l")):
        if name.endswith(a):
            return name[: -len(a)] + b
        if f"{a}_" in name:  # ear_l_base
            return name.replace(f"{a}_", f"{b}_")
    return name


#: the name each joint / part / face feature takes when the image is mirrored left-right
MIRROR: dict[str, str] = {n: _mirror_name(n) for n in (*JOINTS, *FACE, *PARTS)}
#: part id -> part id of the mirrored image (0 stays 0)
PART_MIRROR: tuple[int, ...] = (0, *(PARTS.index(MIRROR[p]) + 1 for p in PARTS))

Ellipse = tuple[float, float, float, float]  # cx, cy, rx, ry in pixels


@dataclass(frozen=True)
class FaceFeature:
    ellipse: Ellipse
    confidence: float


@dataclass
class RigPrediction:
    """What the rig model sees in one RGBA drawing, in the input's pixel coordinates.

    ``joints`` holds every contract joint with its confidence (0-1; the caller keeps those
    above its threshold — :meth:`confident_joints`); ``face`` likewise holds ``eye_l``,
    ``eye_r`` and ``mouth``. ``parts`` is an ``[H, W]`` uint8 map (0 background, ``i + 1``
    for ``PARTS[i]``; transparent pixels are 0). ``body_plan`` is the most likely plan
    and ``body_plan_scores`` the softmax over :data:`BODY_PLANS`.
    """

    joints: dict[str, tuple[float, float, float]]
    face: dict[str, FaceFeature]
    parts: np.ndarray
    body_plan: BodyPlan
    body_plan_confidence: float
    body_plan_scores: dict[str, float] = field(default_factory=dict)

    def confident_joints(self, threshold: float = 0.5) -> dict[str, tuple[float, float]]:
        return {k: (x, y) for k, (x, y, c) in self.joints.items() if c >= threshold}

    def confident_face(self, threshold: float = 0.5) -> dict[str, Ellipse]:
        return {k: f.ellipse for k, f in self.face.items() if f.confidence >= threshold}

    def part_mask(self, part: str) -> np.ndarray:
        return self.parts == PARTS.index(part) + 1
