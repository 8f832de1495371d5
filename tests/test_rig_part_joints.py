"""Limb joints read off a predicted part map (core/puppet/part_joints.py) and the automatic rig adding the
limbs the part map shows (core/puppet/autorig.py)."""

from __future__ import annotations

import numpy as np

from sticker_studio.core.puppet import autorig
from sticker_studio.core.puppet.autorig import propose_rig
from sticker_studio.core.puppet.part_joints import limb_joints_from_parts
from sticker_studio.core.puppet.rig import PART_NAMES


def _id(part: str) -> int:
    return PART_NAMES.index(part) + 1


def _body_with_arm() -> tuple[np.ndarray, np.ndarray]:
    parts = np.zeros((120, 120), np.uint8)
    parts[30:110, 50:90] = _id("body")
    parts[40:52, 10:50] = _id("arm_l")  # a horizontal arm to the left, 40 px long, 12 px thick
    parts[5:30, 55:85] = _id("head")
    alpha = np.where(parts > 0, 255, 0).astype(np.uint8)
    return parts, alpha


def test_a_limb_is_read_from_its_junction_to_its_far_end() -> None:
    parts, alpha = _body_with_arm()
    joints = limb_joints_from_parts(parts, alpha)
    assert set(joints) == {"shoulder_l", "elbow_l", "hand_l"}
    sx, sy = joints["shoulder_l"]
    hx, hy = joints["hand_l"]
    ex, ey = joints["elbow_l"]
    assert 45 <= sx <= 52 and 40 <= sy <= 52      # at the junction with the body, a little inside it
    assert 10 <= hx <= 20 and 40 <= hy <= 52      # inside the far end
    assert hx < ex < sx and 40 <= ey <= 52        # the elbow between them, on the arm


def test_a_speck_of_a_part_is_not_a_limb() -> None:
    parts, alpha = _body_with_arm()
    parts[100:102, 60:62] = _id("tail")  # 4 px: below the share a limb needs
    assert "tail_base" not in limb_joints_from_parts(parts, alpha)
    assert limb_joints_from_parts(parts[:10], alpha) == {}  # shapes that disagree: nothing read


class _Learned:
    def __init__(self, joints: dict[str, tuple[float, float, float]], parts: np.ndarray,
                 plan: str = "humanoid", plan_confidence: float = 0.9) -> None:
        self.joints = joints
        self.face: dict[str, object] = {}
        self.parts = parts
        self.body_plan = plan
        self.body_plan_confidence = plan_confidence


def _disc_with_ear_part() -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[:200, :200]
    disc = (xx - 100) ** 2 + (yy - 110) ** 2 <= 70 ** 2
    rgba = np.zeros((200, 200, 4), np.uint8)
    rgba[disc] = (240, 200, 60, 255)
    parts = np.where(disc, _id("head"), 0).astype(np.uint8)
    parts[disc & (yy < 70) & (xx >= 60) & (xx < 85)] = _id("ear_l")  # the network reads a cap of the disc as an ear
    return rgba, parts


def test_the_rig_adds_a_limb_the_part_map_shows_and_the_geometry_missed(monkeypatch) -> None:
    monkeypatch.setattr(autorig, "ADD_FROM_PARTS", True)  # opt-in (off by default: see autorig.ADD_FROM_PARTS)
    rgba, parts = _disc_with_ear_part()
    assert "ear_l_base" not in propose_rig(rgba).joints  # the geometry sees a plain disc
    rig = propose_rig(rgba, learned=_Learned({}, parts))
    base, tip = rig.joints["ear_l_base"], rig.joints["ear_l_tip"]
    assert tip.y < base.y - 10 and 60 <= tip.x < 85  # the tip at the far end of the cap, above its base
    assert parts[int(round(tip.y)), int(round(tip.x))] == _id("ear_l")
    # a joint the network places confidently inside the part keeps the network's position
    inside = (75.0, 55.0)
    assert parts[55, 75] == _id("ear_l")
    rig = propose_rig(rgba, learned=_Learned({"ear_l_tip": (*inside, 0.8)}, parts))
    assert (rig.joints["ear_l_tip"].x, rig.joints["ear_l_tip"].y) == inside


def test_a_face_or_blob_gets_no_limbs_from_the_part_map(monkeypatch) -> None:
    monkeypatch.setattr(autorig, "ADD_FROM_PARTS", True)
    rgba, parts = _disc_with_ear_part()
    assert "ear_l_base" not in propose_rig(rgba, learned=_Learned({}, parts, "blob", 0.99)).joints
    assert "ear_l_base" not in propose_rig(rgba, learned=_Learned({}, parts, "humanoid", 0.5)).joints  # unsure plan


def test_adding_limbs_from_the_part_map_can_be_switched_off(monkeypatch) -> None:
    rgba, parts = _disc_with_ear_part()
    monkeypatch.setattr(autorig, "ADD_FROM_PARTS", False)
    assert "ear_l_base" not in propose_rig(rgba, learned=_Learned({}, parts)).joints


def test_a_short_learned_ear_on_the_silhouette_is_added_a_point_is_not() -> None:
    rgba, _ = _disc_with_ear_part()  # a disc of radius 70: diagonal ~200 px
    no_parts = np.zeros(rgba.shape[:2], np.uint8)
    short = {"ear_l_base": (80.0, 52.0, 0.9), "ear_l_tip": (78.0, 46.0, 0.9)}  # ~6 px: 0.03 of the diagonal
    rig = propose_rig(rgba, learned=_Learned(short, no_parts))
    assert (rig.joints["ear_l_tip"].x, rig.joints["ear_l_tip"].y) == (78.0, 46.0)
    dot = {"ear_l_base": (80.0, 52.0, 0.9), "ear_l_tip": (79.0, 51.0, 0.9)}  # ~1.4 px: no length
    assert "ear_l_tip" not in propose_rig(rgba, learned=_Learned(dot, no_parts)).joints
