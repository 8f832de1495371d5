"""Defects a new user saw in face motions: the lid's colour and the lash line's colour come from around *that* eye."""

from __future__ import annotations

import numpy as np
from PIL import Image

from sticker_studio.core.puppet.face import FaceGeometry, FaceState, draw_face, face_palette
from sticker_studio.paths import resources_dir

#: the bundled sample's eyes (its automatic rig's ellipses): orange shaded skin above, a pale muzzle patch below
SAMPLE_EYES = ((204.1, 341.6, 15.0, 21.0), (308.3, 341.6, 15.0, 21.0))


def _skin_beside(img: np.ndarray, eye: tuple[float, float, float, float]) -> np.ndarray:
    """The skin just left and right of the eye, at the height of its upper half."""
    cx, cy, rx, ry = eye
    rows = slice(int(cy - 0.6 * ry), int(cy))
    sides = [img[rows, int(cx - rx - 10):int(cx - rx - 4), :3], img[rows, int(cx + rx + 4):int(cx + rx + 10), :3]]
    return np.median(np.concatenate([s.reshape(-1, 3) for s in sides]).astype(np.float32), axis=0)


def test_closed_lids_take_the_skin_colour_beside_their_own_eye() -> None:
    img = np.asarray(Image.open(resources_dir() / "samples" / "bounce.png").convert("RGBA")).copy()
    rest_face = FaceGeometry(eye_l=SAMPLE_EYES[0], eye_r=SAMPLE_EYES[1])
    frame = img.copy()
    draw_face(frame, img, rest_face, rest_face, FaceState(eye_open_l=0.0, eye_open_r=0.0),
              face_palette(img, rest_face))
    for eye in SAMPLE_EYES:
        cx, cy, rx, ry = eye
        # the upper half of the closed eye is lid (the lash line rests a little below the centre)
        lid = frame[int(cy - 0.7 * ry):int(cy - 0.2 * ry), int(cx - 0.4 * rx):int(cx + 0.4 * rx), :3]
        lid = lid.reshape(-1, 3).astype(np.float32)
        skin = _skin_beside(img, eye)
        diff = np.abs(np.median(lid, axis=0) - skin).sum()
        assert diff < 60, (eye, np.median(lid, axis=0), skin)
        # it is not the pale muzzle under the eyes
        muzzle = img[int(cy + 2.2 * ry), int(cx), :3].astype(np.float32)
        assert np.abs(np.median(lid, axis=0) - muzzle).sum() > 90


def _outline_free_sprite() -> tuple[np.ndarray, FaceGeometry]:
    """A flat sprite without outlines: peach head with brown eyes, dark blue trousers (the darkest colour)."""
    img = np.zeros((200, 160, 4), np.uint8)
    yy, xx = np.mgrid[:200, :160]
    head = (xx - 80) ** 2 / 50**2 + (yy - 60) ** 2 / 45**2 <= 1
    body = (abs(xx - 80) <= 35) & (yy >= 95) & (yy < 150)
    legs = (abs(xx - 80) <= 35) & (yy >= 150) & (yy < 195)
    img[head | body] = (250, 205, 170, 255)
    img[legs] = (22, 34, 120, 255)  # trousers: luma ~37, darker than the eyes
    eyes = ((62.0, 55.0, 6.0, 8.0), (98.0, 55.0, 6.0, 8.0))
    for cx, cy, rx, ry in eyes:
        img[(xx - cx) ** 2 / rx**2 + (yy - cy) ** 2 / ry**2 <= 1] = (70, 45, 35, 255)
    return img, FaceGeometry(eye_l=eyes[0], eye_r=eyes[1])


def test_lash_line_comes_from_around_the_eye_not_the_trousers() -> None:
    img, rest_face = _outline_free_sprite()
    pal = face_palette(img, rest_face)
    assert pal.outline[2] > pal.outline[0]  # the drawing's darkest colour is the trousers' blue ...
    frame = img.copy()
    draw_face(frame, img, rest_face, rest_face, FaceState(eye_open_l=0.0, eye_open_r=0.0), pal)
    for eye in (rest_face.eye_l, rest_face.eye_r):
        assert eye is not None
        cx, cy, rx, ry = eye
        win = frame[int(cy - ry - 3):int(cy + ry + 4), int(cx - rx - 3):int(cx + rx + 4), :3].reshape(-1, 3)
        lum = win @ np.array([0.299, 0.587, 0.114])
        lash = win[lum < 120].astype(np.float32)
        assert len(lash) > 5  # a lash line is drawn
        # ... but the lash line is the eye's brown: red over blue, and near the eye's colour
        assert np.all(lash[:, 0] >= lash[:, 2]), np.unique(lash, axis=0)[:5]
        assert np.abs(np.median(lash, axis=0) - np.array([70, 45, 35])).sum() < 60


def test_pixel_art_blink_changes_eyes_to_eye_and_skin_colours_only() -> None:
    from sticker_studio.core.puppet.animate import AnimateOptions, animate_character
    from sticker_studio.core.puppet.rig import BodyPlan, Ellipse, Joint, Rig

    # a small outline-free sprite, upscaled x4: skin head, black eyes, red shirt, blue trousers
    small = np.zeros((40, 24, 4), np.uint8)
    small[2:14, 5:19] = (230, 190, 150, 255)
    small[7:9, 8:10] = small[7:9, 14:16] = (0, 0, 0, 255)
    small[14:28, 3:21] = (200, 40, 40, 255)
    small[28:38, 5:11] = small[28:38, 13:19] = (40, 40, 160, 255)
    rgba = np.repeat(np.repeat(small, 4, 0), 4, 1)
    face = {"eye_l": Ellipse(36.0, 32.0, 5.0, 5.0), "eye_r": Ellipse(60.0, 32.0, 5.0, 5.0)}
    rig = Rig(96, 160, {"root": Joint(48.0, 152.0)}, face=face, plan=BodyPlan.BLOB)
    sticker = animate_character(rgba, rig, "blink", options=AnimateOptions(pixel_art=True))
    px, py = (int(v) for v in sticker.metadata["canvas_padding"])  # type: ignore[union-attr]
    rest = np.zeros_like(sticker.frames[0])
    rest[py:py + 160, px:px + 96] = rgba
    changed_any = False
    for frame in sticker.frames:
        changed = (frame != rest).any(-1)
        changed_any |= bool(changed.any())
        colours = {tuple(c) for c in frame[changed][:, :3].tolist()}
        assert colours <= {(0, 0, 0), (230, 190, 150)}, colours  # no shirt red, no trousers blue
    assert changed_any
