"""A stick-limbed character stays in one piece in a hop (a new user's cat: arms and tail came off the body).

The cat: an outlined body and head, stick arms drawn out from the body's rim (their shoulders, where the rig
puts them, lie inside the body) and a stick tail touching the body beside a rig that has no tail joints.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

from sticker_studio.core.puppet.animate import AnimateOptions, deform_motion, prepare
from sticker_studio.core.puppet.motions import CharacterParams
from sticker_studio.core.puppet.rig import BodyPlan, Joint, Rig

#: the joints the automatic rig put on the user's cat (512 px)
CAT_JOINTS = {
    "root": (258.6, 378.6), "pelvis": (258.6, 378.5), "chest": (259.4, 251.5), "neck": (258.4, 209.1),
    "head": (257.8, 142.4), "head_top": (256.8, 95.4),
    "shoulder_l": (201.7, 239.6), "elbow_l": (147.4, 239.4), "hand_l": (114.5, 211.3),
    "shoulder_r": (314.9, 240.1), "elbow_r": (359.0, 240.4), "hand_r": (399.5, 211.6),
    "hip_l": (218.5, 378.4), "knee_l": (218.0, 406.7), "foot_l": (216.0, 425.5),
    "hip_r": (301.1, 366.3), "knee_r": (299.8, 407.3), "foot_r": (291.9, 426.4),
}
ORANGE, INK = (240, 160, 60, 255), (20, 20, 20, 255)


def _cat() -> tuple[np.ndarray, Rig]:
    im = Image.new("RGBA", (512, 512), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.line([(100, 200), (178, 262)], fill=INK, width=10)   # arms, from the body's rim out
    d.line([(338, 262), (412, 200)], fill=INK, width=10)
    d.line([(318, 380), (430, 420), (460, 330)], fill=INK, width=10, joint="curve")  # tail
    d.ellipse([(190, 400), (240, 440)], fill=ORANGE, outline=INK, width=3)  # feet
    d.ellipse([(268, 400), (318, 440)], fill=ORANGE, outline=INK, width=3)
    d.ellipse([(170, 185), (345, 425)], fill=ORANGE, outline=INK, width=4)  # body
    d.ellipse([(180, 75), (335, 210)], fill=ORANGE, outline=INK, width=4)   # head
    rgba = np.asarray(im).copy()
    rig = Rig(512, 512, {k: Joint(x, y) for k, (x, y) in CAT_JOINTS.items()}, plan=BodyPlan.HUMANOID)
    return rgba, rig


def _pieces(alpha: np.ndarray) -> tuple[int, float]:
    """(how many 8-connected pieces the visible pixels make, the share outside the largest)."""
    pieces, n = ndimage.label(alpha >= 128, structure=np.ones((3, 3), bool))
    sizes = np.bincount(pieces.ravel())[1:]
    return n, 1.0 - float(sizes.max()) / float(sizes.sum())


def test_hop_keeps_stick_arms_and_tail_on_the_body() -> None:
    rgba, rig = _cat()
    assert _pieces(rgba[..., 3])[0] == 1  # drawn in one piece
    plan = prepare(rgba, rig)
    dm = deform_motion(rgba, rig, "hop", CharacterParams(), AnimateOptions(frames=12), plan)
    lifted = 0
    for pose, verts in zip(dm.poses, dm.deformed, strict=True):
        frame = plan.puppet.render(pose, (512, 512), (0.0, 0.0), deformed=verts)
        n, off = _pieces(frame[..., 3])
        assert n == 1 and off == 0.0, (pose.angles, pose.scale, n, off)
        lifted += max(abs(a) for a in pose.angles.values()) > 0.3 if pose.angles else 0
    assert lifted >= 2  # the hop did raise the arms in some frames
