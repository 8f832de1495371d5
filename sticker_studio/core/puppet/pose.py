"""One frame of a character motion: joint angles, a root transform, the face and effects."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from sticker_studio.core.puppet.rig import JOINT_NAMES, Rig


@dataclass
class FacePose:
    """What the face does (mirrors the face module's FaceState; 1 / 0 = as drawn)."""

    eye_open_l: float = 1.0
    eye_open_r: float = 1.0
    mouth_open: float = 0.0
    pupil_dx: float = 0.0
    pupil_dy: float = 0.0
    brow: str = "neutral"  # neutral / angry / sad
    blush: float = 0.0

    def is_neutral(self) -> bool:
        return (self.eye_open_l == 1.0 and self.eye_open_r == 1.0 and self.mouth_open == 0.0
                and self.pupil_dx == 0.0 and self.pupil_dy == 0.0 and self.brow == "neutral" and self.blush == 0.0)


@dataclass
class CharacterPose:
    """Local joint rotations (radians, clockwise on screen; added to the rest bones), a
    head squash/offset, a root transform about the feet, the face and effect amounts.

    Lengths are in pixels of the drawing; motions scale them by the character's size.
    """

    angles: dict[str, float] = field(default_factory=dict)
    #: head subtree: extra offset (px) and vertical scale about the neck
    head_offset: tuple[float, float] = (0.0, 0.0)
    head_scale: tuple[float, float] = (1.0, 1.0)
    #: root: translation (px), scale about the pivot (bottom centre), rotation (radians) about it
    offset: tuple[float, float] = (0.0, 0.0)
    scale: tuple[float, float] = (1.0, 1.0)
    rotation: float = 0.0
    face: FacePose = field(default_factory=FacePose)
    #: effect kind name -> amount 0..1 (drawn with the loop phase)
    effects: dict[str, float] = field(default_factory=dict)

    def is_rest(self) -> bool:
        return (all(a == 0.0 for a in self.angles.values()) and self.head_offset == (0.0, 0.0)
                and self.head_scale == (1.0, 1.0) and self.offset == (0.0, 0.0) and self.scale == (1.0, 1.0)
                and self.rotation == 0.0 and self.face.is_neutral() and not any(self.effects.values()))


_IDENTITY = np.eye(2)


def _rot(theta: float) -> np.ndarray:
    if theta == 0.0:
        return np.eye(2)
    c, s = math.cos(theta), math.sin(theta)
    return np.array([[c, -s], [s, c]])


@dataclass
class JointTransform:
    """x -> position + M (x - rest) for points that follow this joint."""

    rest: np.ndarray
    position: np.ndarray
    matrix: np.ndarray

    def unmoved(self) -> bool:
        """Whether the transform is exactly the identity (its position its rest, its matrix the identity)."""
        p, r, m = self.position, self.rest, self.matrix
        if p.shape != (2,) or r.shape != (2,) or m.shape != (2, 2):
            return bool(np.array_equal(p, r) and np.array_equal(m, _IDENTITY))
        # element by element: what array_equal of the 2-vectors and of the matrix with the identity says
        return bool(p[0] == r[0] and p[1] == r[1] and m[0, 0] == 1.0 and m[0, 1] == 0.0 and m[1, 0] == 0.0
                    and m[1, 1] == 1.0)

    def apply(self, pts: np.ndarray) -> np.ndarray:
        pts = np.asarray(pts, np.float64)
        if self.unmoved():
            return pts.copy()  # exactly unmoved (no rounding from subtracting and adding back)
        return self.position + (pts - self.rest) @ self.matrix.T


HEAD_SUBTREE = ("head", "head_top", "ear_l_base", "ear_l_tip", "ear_r_base", "ear_r_tip")


def forward_kinematics(rig: Rig, pose: CharacterPose) -> dict[str, JointTransform]:
    """Every present joint's transform (before the root transform)."""
    out: dict[str, JointTransform] = {}
    # the head's squash and offset act at the neck (so the whole head layer, neck bone included,
    # moves as one), or at the head joint of a rig without a neck
    squash_at = "neck" if "neck" in rig.joints else "head"
    hs = np.diag(pose.head_scale)
    squashed = pose.head_scale != (1.0, 1.0) or pose.head_offset != (0.0, 0.0)
    for name in JOINT_NAMES:  # parents come before children in JOINT_NAMES
        if name not in rig.joints:
            continue
        rest = rig.xy(name)
        parent = rig.parent(name)
        local = _rot(pose.angles.get(name, 0.0))
        if parent is None:
            out[name] = JointTransform(rest, rest.copy(), local)
            continue
        pt = out[parent]
        pos = pt.apply(rest[None, :])[0]
        m = pt.matrix @ local
        if name == squash_at and squashed:
            # squash in the parent's frame about this joint, then the offset
            hm = pt.matrix @ hs @ np.linalg.inv(pt.matrix)
            pos = pos + np.asarray(pose.head_offset)
            m = hm @ m
        out[name] = JointTransform(rest, pos, m)
    return out


def root_affine(pose: CharacterPose, pivot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(M, t): x -> M (x - pivot) + pivot + t."""
    m = _rot(pose.rotation) @ np.diag(pose.scale)
    return m, np.asarray(pose.offset, np.float64)
