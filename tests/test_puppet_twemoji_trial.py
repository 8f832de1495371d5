"""Defects found by playing every motion on held-out art (docs/puppet/twemoji_trial.md), on synthetic drawings."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from sticker_studio.core.puppet.animate import AnimateOptions, animate_character
from sticker_studio.core.puppet.motions import CHARACTER_MOTIONS, CharacterParams, MotionContext
from sticker_studio.core.puppet.rig import BodyPlan, Ellipse, Joint, Rig


def _robot_face(size: int = 128) -> tuple[np.ndarray, Rig]:
    """A square face that is the whole drawing (the Twemoji robot's build): rigged the way the automatic rig
    rigged it, the head's centre on ``root`` and a "neck" at the chin."""
    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rectangle((20, 16, 108, 112), fill=(80, 160, 230, 255))
    d.rectangle((20, 16, 108, 30), fill=(30, 90, 150, 255))      # a dark band on top
    for cx in (46, 82):
        d.ellipse((cx - 13, 42, cx + 13, 68), fill=(255, 255, 255, 255))
        d.ellipse((cx - 7, 48, cx + 7, 62), fill=(220, 40, 60, 255))
    d.rounded_rectangle((36, 80, 92, 96), 6, fill=(240, 244, 248, 255))
    joints = {"root": Joint(64, 64), "chest": Joint(64, 65), "head": Joint(64, 62), "head_top": Joint(64, 16),
              "neck": Joint(64, 96)}
    face = {"eye_l": Ellipse(46, 55, 7, 7), "eye_r": Ellipse(82, 55, 7, 7), "mouth": Ellipse(64, 88, 28, 8)}
    return np.asarray(im).copy(), Rig(size, size, joints, face, BodyPlan.BLOB, None, "geometry")


def _holes(alpha: np.ndarray) -> int:
    m = alpha > 127
    return int((ndimage.binary_fill_holes(m) & ~m).sum())


def test_a_face_that_is_the_whole_drawing_has_no_head_of_its_own() -> None:
    rgba, rig = _robot_face()
    ctx = MotionContext(rig, CharacterParams(), 96.0)
    assert not ctx.head_turns()
    for name in ("head-tilt", "head-shake", "sleepy", "love", "dance"):
        motion = CHARACTER_MOTIONS[name]
        poses = [motion.fn(k / 24, ctx) for k in range(24)]
        assert all("neck" not in p.angles for p in poses), name
        assert any(p.rotation != 0.0 for p in poses), f"{name} should turn the whole drawing"
    nod = CHARACTER_MOTIONS["nod"]
    assert all(p.head_offset == (0.0, 0.0) for p in (nod.fn(k / 24, ctx) for k in range(24)))


def test_a_head_on_a_neck_still_turns_on_it() -> None:
    _, rig = _robot_face()
    joints = dict(rig.joints)
    joints["root"] = Joint(64, 110)  # the body's centre well below the head: a head on a neck
    person = Rig(rig.width, rig.height, joints, rig.face, BodyPlan.HUMANOID, None, "geometry")
    ctx = MotionContext(person, CharacterParams(), 96.0)
    assert ctx.head_turns()
    pose = CHARACTER_MOTIONS["head-tilt"].fn(0.5, ctx)
    assert pose.angles.get("neck", 0.0) != 0.0 and pose.rotation == 0.0


@pytest.mark.parametrize("motion", ["head-tilt", "nod", "dance"])
def test_head_motions_on_a_whole_face_do_not_tear_it(motion: str) -> None:
    rgba, rig = _robot_face()
    frames = animate_character(rgba, rig, motion, options=AnimateOptions(frames=12)).frames
    assert max(_holes(f[..., 3]) for f in frames) == _holes(rgba[..., 3])
    # the eyes stay round: the white around each red pupil is never cut into (the strip's turn sheared it)
    for f in frames:
        red = (f[..., 0] > 180) & (f[..., 1] < 90) & (f[..., 3] > 200)
        labels, n = ndimage.label(red)
        assert n == 2
        for k in (1, 2):
            ys, xs = np.nonzero(labels == k)
            assert 0.7 <= np.ptp(xs) / max(np.ptp(ys), 1) <= 1.4
