"""The puppet's face motions: eyelids, mouth, pupils, brows and blush painted on a frame."""

from __future__ import annotations

import numpy as np
import pytest

from sticker_studio.core.puppet.face import (
    Brow,
    FaceGeometry,
    FaceState,
    draw_face,
    face_palette,
    skin_colour,
)

SKIN = (250, 190, 60)
OUTLINE = (40, 25, 20)
SCLERA = (255, 255, 255)
PUPIL = (50, 30, 25)
SIZE = 128


def _disk(img: np.ndarray, cx: float, cy: float, rx: float, ry: float, colour: tuple[int, int, int]) -> None:
    yy, xx = np.mgrid[0:img.shape[0], 0:img.shape[1]] + 0.5
    inside = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 1.0
    img[inside] = (*colour, 255)


def _face(sclera: bool = True) -> tuple[np.ndarray, FaceGeometry]:
    """A round face: an outline, skin, two eyes (sclera + pupil, or dark dots) and a mouth line."""
    img = np.zeros((SIZE, SIZE, 4), np.uint8)
    _disk(img, 64, 64, 56, 56, OUTLINE)
    _disk(img, 64, 64, 52, 52, SKIN)
    if sclera:
        for cx in (44, 84):
            _disk(img, cx, 54, 11, 11, SCLERA)
            _disk(img, cx, 55, 5, 5, PUPIL)
        eyes = ((44.0, 54.0, 11.0, 11.0), (84.0, 54.0, 11.0, 11.0))
    else:
        for cx in (44, 84):
            _disk(img, cx, 54, 5, 7, PUPIL)
        eyes = ((44.0, 54.0, 5.0, 7.0), (84.0, 54.0, 5.0, 7.0))
    img[86:90, 48:81] = (*OUTLINE, 255)  # the mouth, a dark line
    return img, FaceGeometry(eyes[0], eyes[1], (64.0, 88.0, 17.0, 4.0))


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a != b, axis=-1)


def test_a_neutral_state_changes_nothing() -> None:
    rest, geo = _face()
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState())
    assert np.array_equal(frame, rest)
    draw_face(frame, rest, geo, geo, FaceState(eye_open_l=1.0, eye_open_r=1.0, mouth_open=0.0, brow=Brow.NEUTRAL))
    assert np.array_equal(frame, rest)


def test_the_skin_is_sampled_around_the_eye_not_from_the_outline() -> None:
    rest, geo = _face()
    assert geo.eye_l is not None
    skin = skin_colour(rest, geo.eye_l, OUTLINE)
    assert np.abs(np.subtract(skin, SKIN)).max() <= 16
    pal = face_palette(rest, geo)
    assert pal.sclera_l is not None and np.abs(np.subtract(pal.sclera_l, SCLERA)).max() <= 16
    assert sum(pal.outline) < 150


@pytest.mark.parametrize("sclera", [True, False])
def test_a_closed_eye_is_skin_with_a_lash_line_and_only_near_the_eye(sclera: bool) -> None:
    rest, geo = _face(sclera)
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState(eye_open_l=0.0))
    changed = _changed(frame, rest)
    assert changed.any()
    ys, xs = np.nonzero(changed)
    cx, cy, rx, ry = geo.eye_l  # type: ignore[misc]
    assert xs.min() >= cx - 2 * rx - 3 and xs.max() <= cx + 2 * rx + 3
    assert ys.min() >= cy - 2 * ry - 3 and ys.max() <= cy + 2 * ry + 3
    assert not changed[:, 64:].any()  # the right eye and the rest of the face are untouched
    # the eye is gone: no sclera or pupil pixels are left inside it, most of it is skin
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    inside = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 <= 0.8
    colours = frame[inside][:, :3].astype(int)
    skinlike = np.abs(colours - SKIN).max(axis=1) <= 12
    assert skinlike.mean() > 0.55
    assert not np.any(np.abs(colours - SCLERA).max(axis=1) <= 20)
    # the rest of the inside is the lash: dark, a horizontal curve through the lower half of the eye
    dark = frame[..., :3].astype(int).sum(axis=-1) < 250
    lash = dark & inside
    rows = np.nonzero(lash.any(axis=1))[0]
    assert rows.size and rows.max() - rows.min() < ry
    assert rows.mean() >= cy - 1


def test_a_half_open_eye_covers_the_top_only() -> None:
    rest, geo = _face()
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState(eye_open_l=0.5, eye_open_r=0.5))
    cx, cy, rx, ry = geo.eye_l  # type: ignore[misc]
    top = frame[int(cy - ry * 0.8), int(cx)]
    bottom = frame[int(cy + ry * 0.8), int(cx)]
    assert np.abs(top[:3].astype(int) - SKIN).max() <= 12
    assert np.abs(bottom[:3].astype(int) - SCLERA).max() <= 12


def test_the_lid_follows_the_head_rotation() -> None:
    rest, geo = _face()
    flat, turned = rest.copy(), rest.copy()
    draw_face(flat, rest, geo, geo, FaceState(eye_open_l=0.5))
    draw_face(turned, rest, geo, FaceGeometry(geo.eye_l, geo.eye_r, geo.mouth, rotation=0.5), FaceState(eye_open_l=0.5))
    assert not np.array_equal(flat, turned)


def test_the_mouth_opens_with_a_dark_inside_and_is_exact_at_zero() -> None:
    rest, geo = _face()
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState(mouth_open=0.0))
    assert np.array_equal(frame, rest)
    areas = []
    for amount in (0.3, 0.6, 1.0):
        frame = rest.copy()
        draw_face(frame, rest, geo, geo, FaceState(mouth_open=amount))
        changed = _changed(frame, rest)
        assert not changed[:70].any()  # the eyes are untouched
        areas.append(int(changed.sum()))
    assert areas[0] < areas[1] < areas[2]
    # wide open: a dark interior and a pink tongue below it
    px = frame[_changed(frame, rest)][:, :3].astype(int)
    assert np.any(px.sum(axis=1) < 250)
    assert np.any((px[:, 0] > 200) & (px[:, 1] < 140) & (px[:, 2] > 90))


def test_pupils_move_inside_a_sclera_eye() -> None:
    rest, geo = _face()
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState(pupil_dx=1.0))
    cx, cy, rx, ry = geo.eye_l  # type: ignore[misc]
    dark = np.abs(frame[..., :3].astype(int) - PUPIL).max(axis=-1) <= 30
    ys, xs = np.nonzero(dark[30:80, 25:64])  # around the left eye, inside the face's outline
    xs = xs + 25
    assert xs.mean() > cx + 2  # the pupil moved right
    assert xs.max() <= cx + rx + 1  # and stays inside the eye
    # where the pupil was is sclera now; the skin around the eye is untouched
    assert np.abs(frame[int(cy), int(cx - 4), :3].astype(int) - SCLERA).max() <= 16
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    outside = ((xx - cx) / rx) ** 2 + ((yy - cy) / ry) ** 2 > 1.3
    assert np.array_equal(frame[outside & (xx < 64)], rest[outside & (xx < 64)])


def test_a_dot_eye_moves_whole_and_skin_fills_behind() -> None:
    rest, geo = _face(sclera=False)
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState(pupil_dx=-1.0))
    cx, cy, rx, ry = geo.eye_l  # type: ignore[misc]
    dark = np.abs(frame[..., :3].astype(int) - PUPIL).max(axis=-1) <= 30
    rest_dark = np.abs(rest[..., :3].astype(int) - PUPIL).max(axis=-1) <= 30
    dark, rest_dark = dark[30:80, 25:64], rest_dark[30:80, 25:64]  # around the left eye, inside the outline
    ys, xs = np.nonzero(dark)
    _, rxs = np.nonzero(rest_dark)
    assert xs.mean() < rxs.mean() - 1
    assert abs(int(dark.sum()) - int(rest_dark.sum())) < 0.25 * rest_dark.sum()  # moved, not smeared
    assert np.abs(frame[int(cy), int(cx + rx - 1), :3].astype(int) - SKIN).max() <= 16


@pytest.mark.parametrize("brow", [Brow.ANGRY, Brow.SAD])
def test_brows_are_tilted_strokes_above_the_eyes(brow: Brow) -> None:
    rest, geo = _face()
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState(brow=brow))
    changed = _changed(frame, rest)
    cx, cy, rx, ry = geo.eye_l  # type: ignore[misc]
    ys, xs = np.nonzero(changed[:, :64])
    assert ys.max() < cy - ry  # above the eye
    inner = ys[xs > cx + 3].mean()
    outer = ys[xs < cx - 3].mean()
    # angry: the inner end (toward the other eye) is lower; sad: higher
    assert (inner > outer) if brow is Brow.ANGRY else (inner < outer)


def test_blush_is_pink_below_the_eyes_and_stays_on_the_subject() -> None:
    rest, geo = _face()
    rest[:, :20] = 0  # the subject's left edge cut away: the blush must not paint the empty canvas
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState(blush=1.0))
    changed = _changed(frame, rest)
    assert changed.any()
    ys, xs = np.nonzero(changed)
    assert ys.min() > geo.eye_l[1] + geo.eye_l[3] - 1  # type: ignore[index]
    assert np.all(frame[rest[..., 3] == 0] == 0)
    px = frame[changed][:, :3].astype(int)
    assert np.mean(px[:, 2] - np.array(SKIN)[2]) > 5  # pinker (bluer) than the orange skin


def test_an_eye_in_a_patch_closes_in_the_patch_colour() -> None:
    """A panda-like eye: the rig's ellipse is a purple patch holding a dark eye; the lid is purple, the patch stays."""
    rest, _ = _face(sclera=False)
    patch = (110, 90, 170)
    for cx in (44, 84):
        _disk(rest, cx, 54, 13, 13, patch)
        _disk(rest, cx, 55, 5, 6, PUPIL)
    geo = FaceGeometry((44.0, 54.0, 13.0, 13.0), (84.0, 54.0, 13.0, 13.0), (64.0, 88.0, 17.0, 4.0))
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState(eye_open_l=0.0, eye_open_r=0.0))
    yy, xx = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    ring = (((xx - 44) / 13) ** 2 + ((yy - 54) / 13) ** 2 <= 0.95) & (((xx - 44) / 9) ** 2 + ((yy - 55) / 10) ** 2 > 1)
    assert np.array_equal(frame[ring], rest[ring])  # the patch around the inner eye is untouched
    inner = ((xx - 44) / 4) ** 2 + ((yy - 53) / 3) ** 2 <= 1
    colours = frame[inner][:, :3].astype(int)
    assert np.mean(np.abs(colours - patch).max(axis=1) <= 16) > 0.5  # the lid is the patch's colour
    frame = rest.copy()
    draw_face(frame, rest, geo, geo, FaceState(pupil_dx=1.0))
    dark = np.abs(frame[..., :3].astype(int) - PUPIL).max(axis=-1) <= 30
    _, xs = np.nonzero(dark[40:70, 30:60])
    assert xs.mean() + 30 > 44 + 2  # the inner eye moved right, inside its patch
    assert np.all(np.abs(frame[54, 32:34, :3].astype(int) - patch).max(axis=-1) <= 16)


def test_odd_geometry_does_not_crash_and_stays_in_bounds() -> None:
    """Eyes half off the canvas, a zero-size mouth, a bigger padded frame than the drawing."""
    rest, geo = _face()
    frame = np.zeros((SIZE + 40, SIZE + 40, 4), np.uint8)
    frame[20:20 + SIZE, 20:20 + SIZE] = rest
    moved = FaceGeometry((-3.0, 10.0, 11.0, 11.0), (SIZE + 45.0, 54.0, 11.0, 11.0), (84.0, 108.0, 0.0, 0.0),
                         rotation=0.2, scale=1.1)
    state = FaceState(0.0, 0.3, 1.0, 0.5, -0.5, Brow.SAD, 1.0)
    before = frame.copy()
    draw_face(frame, rest, geo, moved, state)
    assert frame.shape == before.shape
    empty = FaceGeometry()
    draw_face(frame, rest, empty, empty, state)  # a face with no parts: nothing to draw, no error
