"""An automatic rig's eye is fitted to the eye as drawn, so a blink's lid covers the eye and not a corner of it:
the rig network often puts a small ellipse on an eye's glint or pupil (Fluent's alien: a 15 px circle on the
white glint of a 44 px eye,; a blink closed a corner of each eye and left the rest staring)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from sticker_studio.core.puppet.animate import AnimateOptions, animate_character, prepare
from sticker_studio.core.puppet.drawn_eyes import fit_drawn_eyes, is_drawn_pair
from sticker_studio.core.puppet.eyes import eye_doubts
from sticker_studio.core.puppet.rig import BodyPlan, Ellipse, Joint, Rig

SKIN = (140, 214, 50, 255)


def _face(eye: tuple[int, int, int] = (80, 50, 100), patch: tuple[int, int, int] | None = None,
          eye_r: int = 34) -> np.ndarray:
    """A round green head with two big dark eyes (each holding a white glint), and optionally a dark patch
    around each eye (a panda's)."""
    im = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse((18, 18, 238, 238), fill=SKIN)
    for cx in (82, 174):
        if patch is not None:
            d.ellipse((cx - eye_r - 16, 120 - eye_r - 16, cx + eye_r + 16, 120 + eye_r + 16), fill=patch + (255,))
        d.ellipse((cx - eye_r, 120 - eye_r, cx + eye_r, 120 + eye_r), fill=eye + (255,))
        g = eye_r // 4  # the glint, up and right
        d.ellipse((cx + 2 - g, 120 - eye_r // 2 - g, cx + 2 + g, 120 - eye_r // 2 + g), fill=(255, 255, 255, 255))
    return np.asarray(im).copy()


def _rig(face: dict[str, Ellipse]) -> Rig:
    joints = {"head": Joint(128, 128, 1.0), "head_top": Joint(128, 20, 1.0), "root": Joint(128, 200, 1.0)}
    return Rig(256, 256, joints, dict(face), BodyPlan.BLOB, None, "geometry")


def test_an_eye_read_on_its_glint_grows_to_the_drawn_eye() -> None:
    rgba = _face()
    on_glint = {"eye_l": Ellipse(84, 102, 12, 12), "eye_r": Ellipse(176, 102, 12, 12)}
    fitted = fit_drawn_eyes(rgba, on_glint)
    for name, cx in (("eye_l", 82), ("eye_r", 174)):
        e = fitted[name]
        assert abs(e.cx - cx) <= 1.5 and abs(e.cy - 120) <= 1.5, e
        assert 33 <= e.rx <= 36 and 33 <= e.ry <= 36, e
    assert is_drawn_pair(rgba, fitted)
    # big (each ~9 % of the head) but a drawn pair: not doubted, so blink closes them
    assert eye_doubts(rgba, _rig(fitted)) == {"eye_l": "", "eye_r": ""}


def test_blink_closes_the_whole_drawn_eye() -> None:
    rgba = _face()
    rig = _rig(fit_drawn_eyes(rgba, {"eye_l": Ellipse(84, 102, 12, 12), "eye_r": Ellipse(176, 102, 12, 12)}))
    plan = prepare(rgba, rig)
    sticker = animate_character(rgba, rig, "blink", options=AnimateOptions(frames=12), plan=plan)
    px, py = (int(v) for v in sticker.metadata["canvas_padding"])
    eye = (slice(108, 133), slice(70, 95))  # the lower half of the left eye, away from the glint
    shut = [f[py:py + 256, px:px + 256][eye][..., :3].astype(int) for f in sticker.frames]
    skin = np.array(SKIN[:3])
    # in the most closed frame the eye's pixels are the skin's colour (the lid), not the eye's
    closest = min(shut, key=lambda a: float(np.abs(a - skin).sum(-1).mean()))
    assert float((np.abs(closest - skin).sum(-1) < 60).mean()) > 0.8


def test_an_eye_in_a_dark_patch_is_the_eye_not_the_patch() -> None:
    rgba = _face(eye=(20, 20, 24), patch=(90, 80, 140), eye_r=14)
    fitted = fit_drawn_eyes(rgba, {"eye_l": Ellipse(82, 120, 10, 10), "eye_r": Ellipse(174, 120, 10, 10)})
    for e in (fitted["eye_l"], fitted["eye_r"]):
        assert 13 <= e.rx <= 16 and 13 <= e.ry <= 16, e  # the eye (14), not the patch (30)


def test_an_eye_joined_to_other_lines_by_a_thin_stroke_is_still_fitted() -> None:
    rgba = _face()
    rgba[118:124, 10:90] = (80, 50, 100, 255)  # the left eye joined to the head's edge by a 6 px stroke
    fitted = fit_drawn_eyes(rgba, {"eye_l": Ellipse(84, 102, 12, 12), "eye_r": Ellipse(176, 102, 12, 12)})
    e = fitted["eye_l"]
    assert abs(e.cx - 82) <= 5 and abs(e.cy - 120) <= 2 and 33 <= e.ry <= 36, e


def test_no_fit_where_the_run_reaches_the_edge_or_is_no_eye() -> None:
    rgba = _face()
    rgba[80:160, 10:246] = (80, 50, 100, 255)  # both eyes run into a broad band across the head
    eyes = {"eye_l": Ellipse(84, 102, 12, 12), "eye_r": Ellipse(176, 102, 12, 12)}
    assert fit_drawn_eyes(rgba, eyes) == eyes  # left as the rig had them
    plain = np.zeros((64, 64, 4), np.uint8)
    plain[8:56, 8:56] = SKIN
    one = {"eye_l": Ellipse(32, 32, 4, 4)}
    assert fit_drawn_eyes(plain, one) == one  # skin under the eye: nothing drawn there to fit


def test_of_a_pair_an_eye_fitted_to_a_patch_takes_its_partners_size() -> None:
    rgba = _face(eye_r=20)
    im = Image.fromarray(rgba)
    ImageDraw.Draw(im).ellipse((174 - 30, 120 - 30, 174 + 30, 120 + 30), fill=(60, 40, 80, 255))  # a dark patch
    ImageDraw.Draw(im).ellipse((174 - 20, 120 - 20, 174 + 20, 120 + 20), fill=(80, 50, 100, 255))  # round one eye
    rgba = np.asarray(im).copy()
    eyes = {"eye_l": Ellipse(84, 110, 8, 8), "eye_r": Ellipse(176, 110, 8, 8)}
    fitted = fit_drawn_eyes(rgba, eyes)
    left, right = fitted["eye_l"], fitted["eye_r"]
    assert 19 <= left.rx <= 22
    # not the 30 px patch: the left eye's fit, mirrored onto the right eye's place
    assert (right.rx, right.ry) == (left.rx, left.ry) and abs(right.cx - 174) <= 4 and abs(right.cy - 120) <= 2


def test_a_white_eye_with_a_pupil_is_fitted_to_its_white_not_its_outline() -> None:
    """look moves the pupil inside the white; an ellipse round the outline made it slide the outline too."""
    im = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse((18, 18, 238, 238), fill=(120, 200, 120, 255))
    for cx in (86, 170):
        d.ellipse((cx - 26, 120 - 32, cx + 26, 120 + 32), fill=(0, 0, 0, 255))      # the outline, 6 px
        d.ellipse((cx - 20, 120 - 26, cx + 20, 120 + 26), fill=(255, 255, 255, 255))  # the white
        d.ellipse((cx - 8, 120 - 8, cx + 8, 120 + 8), fill=(0, 0, 0, 255))            # the pupil
    rgba = np.asarray(im).copy()
    fitted = fit_drawn_eyes(rgba, {"eye_l": Ellipse(86, 120, 8, 8), "eye_r": Ellipse(170, 120, 8, 8)})
    for e in (fitted["eye_l"], fitted["eye_r"]):
        assert 20 <= e.rx <= 22 and 26 <= e.ry <= 28, e  # the white and a pixel of its outline, not 26 x 32


def test_look_moves_the_pupil_not_the_eyes_outline() -> None:
    """A white eye's outline stays where it is drawn while the pupil looks aside (its inner edge, in the pupil's
    colour, used to slide with the pupil: a dark crescent inside the white)."""
    im = Image.new("RGBA", (256, 256), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse((18, 18, 238, 238), fill=(120, 200, 120, 255))
    for cx in (86, 170):
        d.ellipse((cx - 26, 120 - 32, cx + 26, 120 + 32), fill=(0, 0, 0, 255))
        d.ellipse((cx - 20, 120 - 26, cx + 20, 120 + 26), fill=(255, 255, 255, 255))
        d.ellipse((cx - 8, 120 - 8, cx + 8, 120 + 8), fill=(0, 0, 0, 255))
    rgba = np.asarray(im).copy()
    face = fit_drawn_eyes(rgba, {"eye_l": Ellipse(86, 120, 8, 8), "eye_r": Ellipse(170, 120, 8, 8)})
    rig = _rig(face)
    sticker = animate_character(rgba, rig, "look", options=AnimateOptions(frames=12), plan=prepare(rgba, rig))
    px, py = (int(v) for v in sticker.metadata["canvas_padding"])
    yy, xx = np.mgrid[0:256, 0:256] + 0.5
    ring = np.zeros((256, 256), bool)
    for cx in (86, 170):
        outer = ((xx - cx) / 25.0) ** 2 + ((yy - 120) / 31.0) ** 2 <= 1.0
        inner = ((xx - cx) / 21.5) ** 2 + ((yy - 120) / 27.5) ** 2 <= 1.0
        ring |= outer & ~inner
    moved = False
    for f in sticker.frames:
        frame = f[py:py + 256, px:px + 256]
        assert np.array_equal(frame[ring], rgba[ring])  # the outline stays
        moved |= not np.array_equal(frame, rgba)
    assert moved  # and the pupils did look aside
