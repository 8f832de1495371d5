"""Defects found by playing every motion on held-out art (docs/puppet/twemoji_trial.md), on synthetic drawings."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw
from scipy import ndimage

from sticker_studio.core.puppet.animate import AnimateOptions, animate_character
from sticker_studio.core.puppet.face import FaceGeometry, FacePalette, FaceState, draw_face
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


def _dark_eye_face(eye_r: float, rig_r: float, skin: tuple[int, int, int] = (226, 232, 238),
                   eye: tuple[int, int, int] = (40, 44, 52)) -> tuple[np.ndarray, FaceGeometry]:
    """A face with one pupil-less eye drawn as a disc of radius ``eye_r``, rigged with a smaller (or equal) ellipse."""
    im = Image.new("RGBA", (128, 128), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse((8, 8, 120, 120), fill=(*skin, 255))
    d.ellipse((64 - eye_r, 56 - eye_r, 64 + eye_r, 56 + eye_r), fill=(*eye, 255))
    return np.asarray(im).copy(), FaceGeometry(eye_l=(64.0, 56.0, rig_r, rig_r))


@pytest.mark.parametrize("rig_r", [7.0, 11.0])
def test_a_pupilless_eye_looks_aside_whole_without_a_crescent(rig_r: float) -> None:
    """The rig's ellipse smaller than the drawn eye (Twemoji ghost, fox): the whole drawn disc moves, and nothing
    of the skin's colour shows inside the dark disc (the old move left a light crescent there)."""
    rest, geo = _dark_eye_face(11.0, rig_r)
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState(pupil_dx=1.0))
    dark = (frame[..., :3].astype(int).sum(-1) < 200) & (frame[..., 3] > 0)
    rest_dark = (rest[..., :3].astype(int).sum(-1) < 200) & (rest[..., 3] > 0)
    assert np.nonzero(dark)[1].mean() > np.nonzero(rest_dark)[1].mean() + 1.5  # it moved right
    assert abs(int(dark.sum()) - int(rest_dark.sum())) <= 0.08 * rest_dark.sum()  # whole, not cut
    assert _holes(dark.astype(np.uint8) * 255) == 0  # no light crescent inside it
    # what it uncovered is the skin: the mid-tones are the moved disc's one anti-aliased rim, no second rim is
    # left where its left edge was
    lum = frame[30:82, 30:98, :3].astype(int).sum(-1)
    assert int(((lum >= 200) & (lum <= 600)).sum()) <= 2 * np.pi * 11.0


def test_a_light_eye_on_a_dark_head_moves_clean() -> None:
    """A light dot on a dark head (the Twemoji cow's profile): no ring is left where it was."""
    rest, geo = _dark_eye_face(5.0, 4.0, skin=(46, 50, 60), eye=(200, 210, 220))
    rest[..., :3] = np.where(rest[..., 3:] > 0, rest[..., :3], 0)
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState(pupil_dx=-1.0))
    lum = frame[40:72, 40:88, :3].astype(int).sum(-1)
    assert ((lum < 200) | (lum > 560)).mean() > 0.97  # the head's dark or the eye's light: no grey ring
    rest_x = np.nonzero(rest[..., :3].astype(int).sum(-1) > 560)[1].mean()
    assert np.nonzero(frame[..., :3].astype(int).sum(-1) > 560)[1].mean() < rest_x - 0.5


def test_an_eye_that_is_part_of_a_bigger_shape_stays_as_drawn() -> None:
    """The rig's ellipse inside a big dark patch (the alien's, the skull's eye sockets): nothing is cut out of it."""
    rest, geo = _dark_eye_face(30.0, 6.0)
    # the lids' skin is the face's (as sampled on the Twemoji alien), the ellipse deep inside the dark eye
    pal = FacePalette((226, 232, 238), (226, 232, 238), (20, 20, 20), (92, 28, 36), None, None,
                      (40, 44, 52), (40, 44, 52))
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState(pupil_dx=1.0), palette=pal)
    assert np.array_equal(frame, rest)


def _face_rig(geo: FaceGeometry) -> Rig:
    assert geo.eye_l is not None
    joints = {"root": Joint(64, 64), "head": Joint(64, 60), "head_top": Joint(64, 8)}
    return Rig(128, 128, joints, {"eye_l": Ellipse(*geo.eye_l)}, BodyPlan.BLOB, None, "user")


def test_look_is_not_offered_where_the_eyes_cannot_move() -> None:
    """A pupil-less eye drawn far bigger than its ellipse stays as drawn when it looks aside, so ``look`` would
    play a still picture (Twemoji and OpenMoji aliens, the skull): it is refused with the one-line error, while
    the same face with an eye the size of its ellipse looks aside."""
    from sticker_studio.core.puppet.animate import EYES_THAT_LOOK, check_playable, missing_in, prepare
    from sticker_studio.core.puppet.motions import MissingPartError

    still, still_geo = _dark_eye_face(30.0, 6.0)
    rig = _face_rig(still_geo)
    plan = prepare(still, rig)
    assert missing_in(CHARACTER_MOTIONS["look"], rig, plan) == [EYES_THAT_LOOK]
    assert missing_in(CHARACTER_MOTIONS["blink"], rig, plan) == []  # its lids still close
    with pytest.raises(MissingPartError, match="eyes that can look aside"):
        check_playable(CHARACTER_MOTIONS["look"], rig, plan)
    moving, moving_geo = _dark_eye_face(9.0, 9.0)
    rig = _face_rig(moving_geo)
    plan = prepare(moving, rig)
    assert missing_in(CHARACTER_MOTIONS["look"], rig, plan) == []
    frames = animate_character(moving, rig, "look", options=AnimateOptions(frames=12), plan=plan).frames
    assert any(not np.array_equal(f, frames[0]) for f in frames[1:])


def _small_headed(size: int = 160) -> tuple[np.ndarray, Rig]:
    """A tall character with a head a tenth of its height (a person, an animal in profile)."""
    im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.rounded_rectangle((60, 40, 100, 150), 12, fill=(90, 140, 200, 255))
    d.ellipse((68, 12, 92, 36), fill=(240, 200, 160, 255))
    joints = {"root": Joint(80, 120), "chest": Joint(80, 60), "neck": Joint(80, 38), "head": Joint(80, 24),
              "head_top": Joint(80, 13)}
    return np.asarray(im).copy(), Rig(size, size, joints, {}, BodyPlan.HUMANOID, None, "user")


@pytest.mark.parametrize(("motion", "colour"), [("sleepy", (128, 156, 255)), ("love", (238, 48, 82))])
def test_effects_on_a_small_head_are_big_enough_to_read(motion: str, colour: tuple[int, int, int]) -> None:
    """The zzz and hearts were sized by the head's radius: 2-4 px on a person or a profile animal (Twemoji turtle,
    cow; OpenMoji people). They are sized from at least a quarter of the character now, and stay near the head."""
    rgba, rig = _small_headed()
    sticker = animate_character(rgba, rig, motion, options=AnimateOptions(frames=12))
    best = 0
    for f in sticker.frames:
        fx = (np.abs(f[..., :3].astype(int) - colour).max(-1) <= 24) & (f[..., 3] > 200)
        labels, n = ndimage.label(fx)
        if n:
            sizes = ndimage.find_objects(labels)
            best = max(best, max(max(s[0].stop - s[0].start, s[1].stop - s[1].start) for s in sizes))
            ys, _ = np.nonzero(fx)
            pad_y = sticker.metadata["canvas_padding"][1]
            assert ys.max() - pad_y < 60, "the effect should stay around the head"
    assert best >= 5, f"the largest {motion} shape is {best} px"  # (2-3 px before)
