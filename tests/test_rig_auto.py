"""The automatic rig: the network's confident joints and face over the geometry (engine/rig/auto.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sticker_studio.core.puppet.autorig import propose_rig
from sticker_studio.engine.rig.contract import FaceFeature
from sticker_studio.engine.rig.predict import rig_model_installed

REAL = Path(__file__).parent / "data" / "rig_real"


def _drawing(name: str) -> np.ndarray:
    return np.asarray(Image.open(REAL / name).convert("RGBA"))


class _Learned:
    def __init__(self, joints: dict[str, tuple[float, float, float]], face: dict[str, FaceFeature]) -> None:
        self.joints = joints
        self.face = face


def test_learned_eyes_fill_in_where_the_geometry_found_none() -> None:
    rgba = _drawing("alien.png")
    geometry = propose_rig(rgba)
    absent = [n for n in ("eye_l", "eye_r", "mouth") if n not in geometry.face]
    assert absent, "the test needs a face feature the geometry misses"
    name = absent[0]
    learned = _Learned({}, {name: FaceFeature((250.0, 200.0, 12.0, 15.0), 0.9),
                            "eye_l" if name != "eye_l" else "eye_r": FaceFeature((1.0, 1.0, 3.0, 3.0), 0.1)})
    rig = propose_rig(rgba, learned=learned)
    assert rig.face[name].as_tuple() == (250.0, 200.0, 12.0, 15.0)
    assert rig.source == "learned+geometry"
    for kept in geometry.face:  # what the geometry found stays
        assert rig.face[kept] == geometry.face[kept]
    # an unconfident feature is ignored
    low = _Learned({}, {name: FaceFeature((250.0, 200.0, 12.0, 15.0), 0.2)})
    assert name not in propose_rig(rgba, learned=low).face


def test_learned_joints_replace_the_geometry_only_when_confident() -> None:
    rgba = _drawing("person_standing.png")
    geometry = propose_rig(rgba)
    rig = propose_rig(rgba, learned=_Learned({"head": (256.0, 60.0, 0.9), "hand_l": (10.0, 10.0, 0.1)}, {}))
    assert (rig.joints["head"].x, rig.joints["head"].y) == (256.0, 60.0)
    if "hand_l" in geometry.joints:
        assert rig.joints["hand_l"] == geometry.joints["hand_l"]
    else:
        assert "hand_l" not in rig.joints


@pytest.mark.skipif(not rig_model_installed(), reason="the bundled rig model is not installed")
def test_auto_rig_uses_the_bundled_network() -> None:
    from sticker_studio.engine.rig.auto import auto_rig

    rgba = _drawing("person_standing.png")
    rig = auto_rig(rgba)
    assert rig.source == "learned+geometry"
    assert rig.has("head", "root")
    rig.validate()
    assert auto_rig(rgba, learned=False).source == "geometry"


def test_the_network_never_adds_a_limb_the_silhouette_does_not_show() -> None:
    rgba = _drawing("grinning_face.png")  # a smiley: no tail, no arms
    geometry = propose_rig(rgba)
    assert not geometry.has_part("tail") and not geometry.has_part("arm_l")
    fake = {"tail_base": (250.0, 400.0, 0.95), "tail_mid": (300.0, 420.0, 0.95), "tail_tip": (350.0, 430.0, 0.95),
            "shoulder_l": (150.0, 300.0, 0.9), "elbow_l": (120.0, 340.0, 0.9), "hand_l": (100.0, 380.0, 0.9)}
    rig = propose_rig(rgba, learned=_Learned(fake, {}))
    assert not any(n in rig.joints for n in fake)
    assert not rig.has_part("tail") and not rig.has_part("arm_l")


def test_a_learned_limb_lying_on_the_silhouette_is_added() -> None:
    import json

    items = json.loads((REAL / "labels.json").read_text("utf-8"))["items"]
    rgba = _drawing("person_walking.png")  # an arm held against the body: the geometry does not find it
    geometry = propose_rig(rgba)
    assert not geometry.has_part("arm_l")
    truth = next(i for i in items if i["file"] == "person_walking.png")["joints"]
    arm = {n: (*truth[n], 0.9) for n in ("shoulder_l", "elbow_l", "hand_l")}
    rig = propose_rig(rgba, learned=_Learned(arm, {}))
    assert rig.has_part("arm_l") and rig.parts is None  # the puppet gives the arm its nearest pixels
    assert (rig.joints["hand_l"].x, rig.joints["hand_l"].y) == tuple(truth["hand_l"])
    rig.validate()
    # the same arm moved off the drawing (into the empty corner) is refused
    off = {n: (x - 200.0, y + 150.0, c) for n, (x, y, c) in arm.items()}
    assert not propose_rig(rgba, learned=_Learned(off, {})).has_part("arm_l")
    # a profile animal's learned leg is a joint to see and drag, but its pixels stay the body's
    horse = _drawing("horse.png")
    leg_truth = next(i for i in items if i["file"] == "horse.png")["joints"]
    leg = {n: (*leg_truth[n], 0.9) for n in ("shoulder_l", "elbow_l", "hand_l")}
    rig = propose_rig(horse, learned=_Learned(leg, {}))
    assert rig.plan.value == "quadruped" and rig.parts is not None
    assert "hand_l" in rig.joints and not rig.has_part("arm_l")


def test_a_learned_eye_replaces_a_geometric_one_far_bigger_than_it() -> None:
    rgba = _drawing("fox.png")
    geometry = propose_rig(rgba)
    g = geometry.face["eye_l"]
    assert g.rx > 8 and g.ry > 8, "the test needs a geometric eye to compare against"
    small = FaceFeature((g.cx + 30, g.cy, g.rx / 3, g.ry / 3), 0.8)  # an eye a third the size, elsewhere
    assert propose_rig(rgba, learned=_Learned({}, {"eye_l": small})).face["eye_l"].as_tuple() == small.ellipse
    alike = FaceFeature((g.cx + 30, g.cy, g.rx, g.ry), 0.8)  # as big as the geometry's: the geometry's stays
    assert propose_rig(rgba, learned=_Learned({}, {"eye_l": alike})).face["eye_l"] == g
