"""Objects are not characters: a lamp gets no learned arms (so no wave), a letter K's parts do not tear
when it dances; and the tear measure sees a part cut loose.

The drawings are small synthetic ones (Pillow, 160 px), rigged by the automatic rig the app uses.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from sticker_studio.core.puppet.animate import available_motions, motion_poses, prepare
from sticker_studio.core.puppet.motions import CharacterParams, find_character_motion
from sticker_studio.core.puppet.pose import CharacterPose
from sticker_studio.core.puppet.rig import PART_NAMES, BodyPlan, Joint, Rig
from sticker_studio.core.puppet.tears import count_tears, seam_points
from sticker_studio.engine.rig.auto import auto_rig

SIZE = 160


def _lamp() -> np.ndarray:
    im = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    s = SIZE / 512
    d.polygon([(180 * s, 80 * s), (340 * s, 80 * s), (400 * s, 230 * s), (120 * s, 230 * s)],
              fill=(240, 200, 80, 255), outline=(80, 60, 20, 255), width=2)
    d.rectangle((245 * s, 230 * s, 275 * s, 420 * s), fill=(90, 90, 100, 255), outline=(30, 30, 40, 255), width=2)
    d.ellipse((170 * s, 400 * s, 350 * s, 470 * s), fill=(90, 90, 100, 255), outline=(30, 30, 40, 255), width=2)
    return np.asarray(im).copy()


def _letter_k() -> np.ndarray:
    im = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype("DejaVuSans-Bold.ttf", 125)
    except OSError:
        pytest.skip("no DejaVu Sans Bold font to draw the letter with")
    d.text((34, 12), "K", font=font, fill=(220, 60, 60, 255), stroke_width=3, stroke_fill=(30, 20, 20, 255))
    return np.asarray(im).copy()


def _tears(rgba: np.ndarray, rig: Rig, motion: str) -> int:
    plan = prepare(rgba, rig)
    mot = find_character_motion(motion)
    assert mot is not None
    poses = motion_poses(mot, rig, plan.puppet, CharacterParams(), [k / 12 for k in range(12)], None)
    return count_tears(plan.puppet, poses).frames


def test_a_lamp_is_not_offered_arm_motions_and_does_not_tear() -> None:
    rgba = _lamp()
    rig = auto_rig(rgba)
    offered = set(available_motions(rig, rgba))
    assert not {"wave", "cheer", "clap"} & offered, f"the lamp got arms: {rig.part_names()}"
    assert not any(n.startswith(("shoulder", "elbow", "hand")) for n in rig.joints)
    for motion in ("hop", "dance"):
        if motion in offered:
            assert _tears(rgba, rig, motion) == 0, motion


def test_a_letter_k_dances_and_hops_without_tearing() -> None:
    rgba = _letter_k()
    rig = auto_rig(rgba)
    offered = set(available_motions(rig, rgba))
    assert "wave" not in offered
    for motion in ("dance", "hop"):
        if motion in offered:
            assert _tears(rgba, rig, motion) == 0, motion


def test_the_tear_measure_sees_a_part_that_turns_away_from_where_it_is_cut() -> None:
    """A bar of one colour cut in two, its right half an "arm" turning about a joint far from the cut: the
    cut opens (torn frames); the same bar turned as one piece does not tear."""
    rgba = np.zeros((120, 120, 4), np.uint8)
    rgba[50:70, 15:105] = (200, 60, 60, 255)
    parts = np.zeros((120, 120), np.uint8)
    parts[50:70, 15:60] = PART_NAMES.index("body") + 1
    parts[50:70, 60:105] = PART_NAMES.index("arm_r") + 1
    joints = {"root": Joint(35, 60, 1.0), "chest": Joint(45, 60, 1.0), "shoulder_r": Joint(100, 60, 1.0),
              "elbow_r": Joint(102, 60, 1.0), "hand_r": Joint(104, 60, 1.0)}
    rig = Rig(120, 120, joints, {}, BodyPlan.HUMANOID, parts, "manual")
    plan = prepare(rgba, rig)
    seams = seam_points(plan.puppet)
    assert seams.n > 5
    poses = [CharacterPose(angles={"shoulder_r": a}) for a in (0.0, 0.05, 0.08, -0.08)]
    assert count_tears(plan.puppet, poses, seams).frames >= 2
    assert count_tears(plan.puppet, poses[:1], seams).frames == 0  # at rest nothing is torn
    whole = Rig(120, 120, {"root": Joint(35, 60, 1.0), "chest": Joint(45, 60, 1.0)}, {}, BodyPlan.HUMANOID,
                np.where(rgba[..., 3] > 0, PART_NAMES.index("body") + 1, 0).astype(np.uint8), "manual")
    still = prepare(rgba, whole)
    assert seam_points(still.puppet).n == 0


def test_the_outline_along_a_thick_stem_is_not_an_arm() -> None:
    """A bold K with a thick outline at 256 px: the strip of outline ink along its stem was taken for an arm
    held against the side (its colour differs from the fill's) and flew off as a line in hop."""
    im = Image.new("RGBA", (512, 512), (0, 0, 0, 0))
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype("DejaVuSans-Bold.ttf", 400)
    except OSError:
        pytest.skip("no DejaVu Sans Bold font to draw the letter with")
    ImageDraw.Draw(im).text((110, 40), "K", font=font, fill=(220, 60, 60, 255), stroke_width=8,
                            stroke_fill=(30, 20, 20, 255))
    rgba = np.asarray(im.resize((256, 256), Image.Resampling.LANCZOS)).copy()
    rig = auto_rig(rgba)
    luma = rgba[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    for part in ("arm_l", "arm_r"):
        if rig.has_part(part) and rig.parts is not None:
            pixels = rig.part_mask(part)
            assert np.median(luma[pixels]) > 80, f"{part} is the letter's dark outline"
