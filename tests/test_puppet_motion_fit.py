"""Motions fitted to real drawings: a doubtful automatic eye gets no lid in any frame, a lid leaves the skin
around the eye as drawn, an auto wave raises the arm that waves in the open, a thin strip of outline is not an
automatic arm, a sleepy head droops chin-down, and ``eval motion --motions``."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.puppet.animate import (
    AnimateOptions,
    animate_character,
    open_arm,
    prepare,
)
from sticker_studio.core.puppet.arms import arm_doubts
from sticker_studio.core.puppet.face import FaceGeometry, FaceState, draw_face
from sticker_studio.core.puppet.motions import CharacterParams, MotionContext, m_sleepy
from sticker_studio.core.puppet.rig import BodyPlan, Ellipse, Joint, Rig
from sticker_studio.training.adherence.clips import rig_from_drawing
from sticker_studio.training.rig.characters import render_character


def _changed(rgba: np.ndarray, frames: list[np.ndarray], pad: list[int]) -> np.ndarray:
    h, w = rgba.shape[:2]
    out = np.zeros((h, w), bool)
    for f in frames:
        out |= np.any(f[pad[1]:pad[1] + h, pad[0]:pad[0] + w] != rgba, axis=-1)
    return out


def _near(shape: tuple[int, ...], e: Ellipse, grow: float) -> np.ndarray:
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]] + 0.5
    return ((xx - e.cx) / (e.rx * grow + 3)) ** 2 + ((yy - e.cy) / (e.ry * grow + 3)) ** 2 <= 1.0


def test_a_doubtful_automatic_eye_gets_no_lid_in_any_frame() -> None:
    """The per-frame face used the rig's eyes, so an eye the plan had dropped (a stroke, a flank) still got lids:
    the OpenMoji tiger's "eye" on its rump was painted over in every blink."""
    d = render_character("person", 11, 160)
    rig = replace(rig_from_drawing(d), source="learned+geometry")
    right = rig.face["eye_r"]
    stroke = Ellipse(right.cx, right.cy, 1.5, 12.0)  # over 3 times as tall as wide: doubtful
    bad = replace(rig, face={**rig.face, "eye_r": stroke})
    plan = prepare(d.rgba, bad)
    assert plan.rest_face.eye_r is None and plan.rest_face.eye_l is not None
    sticker = animate_character(d.rgba, bad, "blink", options=AnimateOptions(frames=24), plan=plan)
    changed = _changed(d.rgba, sticker.frames, sticker.metadata["canvas_padding"])
    assert (changed & _near(changed.shape, rig.face["eye_l"], 1.3)).any()
    assert not (changed & _near(changed.shape, stroke, 1.3)).any()


def test_a_lid_leaves_the_skin_around_the_eye_as_drawn() -> None:
    """Skin with a grain: the lid's flat (or fitted) colour used to repaint every skin pixel of its ellipse, grown by
    8 % + 1.5 px; now a blink changes the eye and its lash line only."""
    rng = np.random.default_rng(0)
    size = 96
    img = np.zeros((size, size, 4), np.uint8)
    img[..., 3] = 255
    img[..., :3] = np.clip(np.array([236, 190, 150]) + rng.integers(-5, 6, (size, size, 3)), 0, 255)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    eye = (48.0, 44.0, 9.0, 11.0)
    inside = ((xx - eye[0]) / eye[2]) ** 2 + ((yy - eye[1]) / eye[3]) ** 2 <= 1.0
    img[inside, :3] = (40, 30, 30)
    img[80:83, 30:66, :3] = (30, 20, 20)  # a mouth line: an outline colour for the palette
    geo = FaceGeometry(eye_l=eye)
    frame = img.copy()
    draw_face(frame, img, geo, geo, FaceState(eye_open_l=0.0))
    changed = np.any(frame != img, axis=-1)
    assert changed[inside].mean() > 0.9  # the eye is closed
    ring = ~inside & (yy < eye[1])  # the skin above the eye's middle: lid only, no lash there
    assert not (changed & ring).any()
    assert changed.sum() <= 1.25 * inside.sum()


def _figure(arm_r_over_body: bool) -> tuple[np.ndarray, Rig]:
    """A plain figure: a body, a head, a left arm hanging free and a right arm either hanging free too (a front
    view) or drawn down the middle of the body (a side view's far arm)."""
    size = 128
    img = np.zeros((size, size, 4), np.uint8)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5

    def disk(cx: float, cy: float, rx: float, ry: float, colour: tuple[int, int, int]) -> None:
        img[((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0] = (*colour, 255)

    def strip(x0: float, y0: float, x1: float, y1: float, width: float, colour: tuple[int, int, int]) -> None:
        a, b = np.array([x0, y0]), np.array([x1, y1])
        t = np.clip(((xx - x0) * (x1 - x0) + (yy - y0) * (y1 - y0)) / float(np.dot(b - a, b - a)), 0, 1)
        img[np.hypot(xx - (x0 + t * (x1 - x0)), yy - (y0 + t * (y1 - y0))) <= width / 2] = (*colour, 255)

    disk(64, 72, 22, 34, (240, 200, 60))
    disk(64, 26, 14, 14, (240, 200, 60))
    strip(44, 48, 22, 92, 9, (220, 170, 40))
    (sx, hx) = (70.0, 70.0) if arm_r_over_body else (84.0, 106.0)
    strip(sx, 48, hx, 92, 9, (220, 170, 40))
    joints = {"root": Joint(64, 100), "pelvis": Joint(64, 100), "chest": Joint(64, 55), "neck": Joint(64, 40),
              "head": Joint(64, 26), "head_top": Joint(64, 12),
              "shoulder_l": Joint(44, 48), "elbow_l": Joint(33, 70), "hand_l": Joint(22, 92),
              "shoulder_r": Joint(sx, 48), "elbow_r": Joint((sx + hx) / 2, 70), "hand_r": Joint(hx, 92)}
    return img, Rig(size, size, joints, {}, BodyPlan.HUMANOID, None, "user")


@pytest.mark.parametrize("over_body, want", [(False, "r"), (True, "l")])
def test_an_auto_wave_raises_the_arm_that_waves_in_the_open(over_body: bool, want: str) -> None:
    rgba, rig = _figure(over_body)
    plan = prepare(rgba, rig)
    ctx = MotionContext(rig, CharacterParams(), plan.puppet.size, arms=("l", "r"))
    assert open_arm(plan.puppet, ctx) == want  # a front view keeps the viewer's right arm
    sticker = animate_character(rgba, rig, "wave", options=AnimateOptions(frames=16), plan=plan)
    changed = _changed(rgba, sticker.frames, sticker.metadata["canvas_padding"]) & (rgba[..., 3] > 0)
    side = np.nonzero(changed)[1].mean() - 64
    assert (side > 0) == (want == "r")
    if over_body:  # raising the far arm dragged the middle of the body along
        assert changed.sum() / (rgba[..., 3] > 0).sum() < 0.3
    # asked for by name, the arm waves as asked
    sticker = animate_character(rgba, rig, "wave", CharacterParams(side="r"), AnimateOptions(frames=16), plan=plan)
    changed = _changed(rgba, sticker.frames, sticker.metadata["canvas_padding"]) & (rgba[..., 3] > 0)
    assert np.nonzero(changed)[1].mean() > 60


@pytest.mark.parametrize("width, doubtful", [(2, True), (6, False)])
def test_a_thin_strip_is_not_an_automatic_arm(width: int, doubtful: bool) -> None:
    rgba = np.zeros((120, 120, 4), np.uint8)
    rgba[10:110, 45:75] = (240, 200, 60, 255)
    still = np.zeros((120, 120, 4), np.float32)
    still[20:96, 60 - width // 2:60 - width // 2 + width, 3] = 1.0  # the arm's own pixels
    joints = {"root": Joint(60, 100), "chest": Joint(60, 30), "shoulder_r": Joint(60, 20),
              "elbow_r": Joint(60, 57), "hand_r": Joint(60, 94)}
    rig = Rig(120, 120, joints, {}, BodyPlan.HUMANOID, None, "geometry")
    puppet = SimpleNamespace(layers=[SimpleNamespace(part="arm_r", still=still)], origin=np.zeros(2), size=120.0)
    why = arm_doubts(rgba, rig, puppet)["r"]  # type: ignore[arg-type]
    assert ("thin strip" in why) == doubtful, why
    assert bool(why) == doubtful


@pytest.mark.parametrize("head_dx", [-20.0, 20.0, 0.0])
def test_a_sleepy_head_droops_chin_down(head_dx: float) -> None:
    joints = {"root": Joint(80, 110), "chest": Joint(80, 80), "neck": Joint(80, 60),
              "head": Joint(80 + head_dx, 60 - (5.0 if head_dx else 20.0)), "head_top": Joint(80 + head_dx, 30)}
    rig = Rig(160, 160, joints, {}, BodyPlan.QUADRUPED, None, "user")
    pose = m_sleepy(0.5, MotionContext(rig, CharacterParams(), 160.0))
    turn = pose.angles["neck"]
    vx, vy = joints["head"].x - joints["neck"].x, joints["head"].y - joints["neck"].y
    dy = np.sin(turn) * vx + (np.cos(turn) - 1) * vy  # the head's move down (y down, a clockwise turn > 0)
    if head_dx:
        assert dy > 0, "a head held out to the side nods off chin-down"
        assert abs(turn) > 0.15  # no eyes to close: the droop says it
    else:
        assert turn > 0  # an upright head tilts as before


def test_eval_motion_filter() -> None:
    from sticker_studio.cli.adherence_eval import motion_filter

    assert motion_filter(SimpleNamespace(motions=None)) is None
    assert motion_filter(SimpleNamespace(motions=["blink", "sleep", "tail"])) == {"blink", "sleepy", "tail-wag"}
    with pytest.raises(InvalidInputError, match="unknown motion 'flap'"):
        motion_filter(SimpleNamespace(motions=["flap"]))


def test_a_blinks_change_outside_the_eyes_is_measured() -> None:
    from sticker_studio.training.adherence.evaluate import changed_outside_eyes

    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[8:56, 8:56] = (200, 150, 100, 255)
    eye = (24.0, 24.0, 5.0, 6.0)
    lid = rgba.copy()
    lid[20:28, 20:28, :3] = 0  # inside the eye
    outside, eyes = changed_outside_eyes(rgba, [rgba, lid], (0, 0), [eye])
    assert outside == 0.0 and 0.03 < eyes < 0.06
    body = lid.copy()
    body[40:50, 40:50, :3] = 0  # the body changed too
    outside, _ = changed_outside_eyes(rgba, [rgba, body], (0, 0), [eye])
    assert outside == pytest.approx(100 / (48 * 48))
