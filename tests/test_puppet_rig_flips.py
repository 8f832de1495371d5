"""Hand rigs (no part map) that folded triangles: a curled tail's wag, an arm drawn along the spine."""

from __future__ import annotations

import math

import numpy as np

from sticker_studio.core.puppet.animate import motion_poses, prepare
from sticker_studio.core.puppet.arap import triangle_stretch
from sticker_studio.core.puppet.motions import CharacterParams, chain_bend, find_character_motion, unfolding
from sticker_studio.core.puppet.rig import PART_NAMES, BodyPlan, Joint, Rig

YELLOW = (240, 200, 60)


def _canvas(size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    img = np.zeros((size, size, 4), np.uint8)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    return img, xx, yy


def _strip(img: np.ndarray, xx: np.ndarray, yy: np.ndarray, a: tuple[float, float], b: tuple[float, float],
           width: float, colour: tuple[int, int, int] = YELLOW) -> None:
    pa, pb = np.array(a), np.array(b)
    ab = pb - pa
    t = np.clip(((xx - pa[0]) * ab[0] + (yy - pa[1]) * ab[1]) / float(ab @ ab), 0, 1)
    img[np.hypot(xx - (pa[0] + t * ab[0]), yy - (pa[1] + t * ab[1])) <= width / 2] = (*colour, 255)


def _flips(rgba: np.ndarray, rig: Rig, motion: str) -> int:
    plan = prepare(rgba, rig)
    puppet = plan.puppet
    mot = find_character_motion(motion)
    assert mot is not None
    arms = ("l",) if "arm" in " ".join(mot.needs) else None
    total = 0
    for pose in motion_poses(mot, rig, puppet, CharacterParams(), [k / 24 for k in range(24)], arms):
        for layer, verts in zip(puppet.layers, puppet.deform(pose), strict=True):
            det, _ = triangle_stretch(layer.mesh.vertices, verts - puppet.origin, layer.mesh.triangles)
            total += int((det <= 0).sum())
    return total


def _curly_tail_animal() -> tuple[np.ndarray, Rig]:
    """A round body with a tail that rises from its back, arcs over and curls back down (a hairpin at its
    mid joint): wagged about that joint it folded 126 triangles."""
    img, xx, yy = _canvas(160)
    img[((xx - 60) / 38) ** 2 + ((yy - 110) / 26) ** 2 <= 1.0] = (150, 100, 50, 255)
    pts = [(95, 100), (110, 80), (108, 55), (95, 38), (80, 40), (78, 55), (90, 60)]
    for a, b in zip(pts, pts[1:], strict=False):
        _strip(img, xx, yy, a, b, 8, (150, 100, 50))
    joints = {"root": Joint(60, 120), "pelvis": Joint(80, 110), "chest": Joint(40, 105),
              "tail_base": Joint(95, 100), "tail_mid": Joint(86, 38), "tail_tip": Joint(90, 60)}
    return img, Rig(160, 160, joints, {}, BodyPlan.QUADRUPED, None, "user")


def test_a_curled_tail_wags_without_folding_its_curl() -> None:
    rgba, rig = _curly_tail_animal()
    bend = chain_bend(rig, "tail_base", "tail_mid", "tail_tip")
    assert abs(bend) > math.radians(150)  # a hairpin at the mid joint
    assert _flips(rgba, rig, "tail-wag") == 0
    # the curl's mid joint turns less the more it is bent, closing it less than opening it; a gently bent
    # chain turns as asked
    curl = math.radians(140)
    closing, opening = unfolding(0.3, curl), -unfolding(-0.3, curl)
    assert 0 < closing < opening < 0.3
    assert unfolding(0.3, 0.2) == unfolding(0.3, -0.2) == 0.3
    assert unfolding(0.3, -curl) == -unfolding(-0.3, curl)  # a mirrored curl, mirrored


def _walker() -> tuple[np.ndarray, Rig]:
    """A side-view stick person: a narrow torso with its one arm drawn down its front, along the spine (its
    nearest-bone part map gave the arm 1000 pixels, the torso 542)."""
    img, xx, yy = _canvas(160)
    img[((xx - 80) / 12) ** 2 + ((yy - 30) / 12) ** 2 <= 1.0] = (*YELLOW, 255)
    _strip(img, xx, yy, (80, 50), (82, 100), 24)  # the torso
    _strip(img, xx, yy, (81, 100), (66, 150), 12)  # the legs
    _strip(img, xx, yy, (83, 100), (98, 150), 12)
    _strip(img, xx, yy, (78, 70), (72, 108), 8, (30, 30, 30))  # the arm's outline over the torso
    joints = {"root": Joint(82, 100), "pelvis": Joint(82, 100), "chest": Joint(80, 60), "neck": Joint(80, 44),
              "head": Joint(80, 30), "head_top": Joint(80, 18),
              "shoulder_l": Joint(80, 56), "elbow_l": Joint(80, 72), "hand_l": Joint(74, 116),
              "hip_l": Joint(81, 101), "knee_l": Joint(73, 125), "foot_l": Joint(66, 150),
              "hip_r": Joint(83, 101), "knee_r": Joint(90, 125), "foot_r": Joint(98, 150)}
    return img, Rig(160, 160, joints, {}, BodyPlan.HUMANOID, None, "user")


def test_an_arm_along_the_spine_does_not_take_the_torso() -> None:
    rgba, rig = _walker()
    puppet = prepare(rgba, rig).puppet
    arm = int((puppet.labels == PART_NAMES.index("arm_l") + 1).sum())
    body = int((puppet.labels == PART_NAMES.index("body") + 1).sum())
    assert 0 < arm < 0.6 * body  # the torso stays the body's; the arm keeps pixels of its own
    assert _flips(rgba, rig, "wave") == 0
