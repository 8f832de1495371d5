"""The clap: the hands meet in front of the chest (bent elbows where the arm has them, no folded mesh), a
profile claps in front of its chest rather than back toward its hips, and the classifier's clips of one
motion are the same whether rendered alone or with the rest."""

from __future__ import annotations

import numpy as np
import pytest

from sticker_studio.core.puppet.animate import AnimateOptions, animate_character, motion_poses, prepare
from sticker_studio.core.puppet.arap import triangle_stretch
from sticker_studio.core.puppet.motions import CharacterParams, find_character_motion
from sticker_studio.core.puppet.pose import forward_kinematics
from sticker_studio.core.puppet.rig import Rig
from sticker_studio.training.adherence.clips import character_clips, rig_from_drawing
from sticker_studio.training.rig.characters import render_character

PHASES = [k / 24 for k in range(24)]


def _clap(family: str, seed: int) -> tuple[np.ndarray, Rig, list[dict[str, np.ndarray]], int]:
    d = render_character(family, seed, 176)
    rig = rig_from_drawing(d)
    plan = prepare(d.rgba, rig)
    motion = find_character_motion("clap")
    assert motion is not None
    poses = motion_poses(motion, rig, plan.puppet, CharacterParams(), PHASES)
    folds = 0
    for pose in poses:
        for layer, verts in zip(plan.puppet.layers, plan.puppet.deform(pose), strict=True):
            det, _ = triangle_stretch(layer.mesh.vertices, verts - plan.puppet.origin, layer.mesh.triangles)
            folds += int((det <= 0).sum())
    hands = [{s: forward_kinematics(rig, p)[f"hand_{s}"].position for s in "lr"} for p in poses]
    return d.rgba, rig, hands, folds


@pytest.mark.parametrize(("family", "seed"), [("person", 70_000_300), ("robot", 70_000_306)])
def test_a_front_view_claps_its_hands_together_in_front_of_the_chest(family: str, seed: int) -> None:
    _, rig, hands, folds = _clap(family, seed)
    assert folds == 0
    rest = abs(rig.joints["hand_l"].x - rig.joints["hand_r"].x)
    gaps = [float(np.linalg.norm(h["l"] - h["r"])) for h in hands]
    # four claps: the hands close to touching and open again
    shut = [k for k in range(1, 23) if gaps[k] < 0.35 * rest and gaps[k] <= gaps[k - 1] and gaps[k] <= gaps[k + 1]]
    assert len(shut) >= 3, gaps
    k = shut[0]
    mid = (hands[k]["l"] + hands[k]["r"]) / 2
    chest_x = rig.joints["chest"].x if "chest" in rig.joints else rig.joints["root"].x
    span = rig.joints["root"].y - rig.joints["head"].y
    assert abs(mid[0] - chest_x) < 0.12 * span  # in front of the body's middle
    shoulder_y = (rig.joints["shoulder_l"].y + rig.joints["shoulder_r"].y) / 2
    assert shoulder_y < mid[1] < rig.joints["root"].y  # below the shoulders, above the hips


def test_a_profile_claps_in_front_of_its_chest_not_back_toward_its_hips() -> None:
    _, rig, hands, folds = _clap("quadruped", 70_000_203)
    assert folds == 0
    facing = np.sign(rig.joints["head"].x - rig.joints["root"].x)
    assert facing != 0
    front = max(rig.joints[f"shoulder_{s}"].x * facing for s in "lr")
    for s in "lr":
        rest_x = rig.joints[f"hand_{s}"].x
        ahead = [float((h[s][0] - rest_x) * facing) for h in hands[3:21]]
        assert min(ahead) > 0, (s, ahead)  # every paw moves toward the face, none back toward the hips
        assert max(float(h[s][0] * facing) for h in hands) > front  # ... out in front of the chest


def test_clap_frame0_is_the_drawing_and_the_loop_closes() -> None:
    rgba, rig, _, _ = _clap("animal", 70_000_302)
    sticker = animate_character(rgba, rig, "clap", options=AnimateOptions(frames=16))
    px, py = sticker.metadata["canvas_padding"]
    h, w = rgba.shape[:2]
    assert np.array_equal(sticker.frames[0][py:py + h, px:px + w], rgba)
    frames = [f.astype(np.int16) for f in sticker.frames]
    steps = [np.abs(frames[k + 1] - frames[k]).mean() for k in range(len(frames) - 1)]
    assert max(steps) > 0 and np.abs(frames[0] - frames[-1]).mean() <= max(steps) + 1e-9


def test_a_class_renders_the_same_alone_or_with_others() -> None:
    # a skipped motion still draws its random parameters, so a changed motion's clips can be rebuilt alone
    alone = {c.label: c for c in character_clips("blob", 70_000_004, presets=0, size=96, labels=frozenset({"talk"}))}
    both = {c.label: c for c in character_clips("blob", 70_000_004, presets=0, size=96,
                                                labels=frozenset({"blink", "talk"}))}
    assert set(alone) == {"talk"} and set(both) == {"blink", "talk"}
    assert len(alone["talk"].frames) == len(both["talk"].frames)
    assert all(np.array_equal(a, b) for a, b in zip(alone["talk"].frames, both["talk"].frames, strict=True))
