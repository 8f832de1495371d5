"""A phone photo's vignette is divided out before the cut-out (issue 24); straight light, a shadow cast on one
corner, and even or textured paper are left as they are. Small synthetic drawings."""

from __future__ import annotations

import numpy as np

from sticker_studio.core.matte.lighting import flatten_lighting, lighting_field
from test_matting_paper import _mottled_paper


def _drawing(paper: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A green disc with a dark outline on ``paper`` (H, W, 3 float), and its mask."""
    h, w = paper.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    r = np.hypot(yy - h / 2, xx - w / 2)
    img = paper.copy()
    img[r < 0.3 * h] = (40, 50, 40)
    disc = r < 0.28 * h
    img[disc] = (110, 190, 90)
    return img, r < 0.3 * h


def _vignette(h: int, w: int, k: float) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = np.sqrt(((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2)
    return 1 - k * np.clip(r - 0.4, 0, None) ** 1.5


def _u8(img: np.ndarray) -> np.ndarray:
    return (np.clip(img, 0, 255) + 0.5).astype(np.uint8)


def test_a_vignette_is_divided_out_and_the_paper_comes_out_even() -> None:
    h, w = 240, 320
    img, disc = _drawing(np.full((h, w, 3), 246.0))
    photo = _u8(img * _vignette(h, w, 0.12)[..., None])
    flat = flatten_lighting(photo[None])[0]
    paper = ~np.pad(disc, 0)
    before = np.ptp(photo[paper].astype(float).mean(axis=-1))
    after = np.ptp(flat[paper].astype(float).mean(axis=-1))
    assert before > 15 and after < 6, (before, after)
    # the subject keeps its colours in the middle, where the light was full
    assert np.abs(flat[h // 2, w // 2].astype(int) - (110, 190, 90)).max() <= 3


def test_straight_light_a_corner_shadow_and_textured_paper_are_left_as_they_are() -> None:
    h, w = 240, 320
    img, _ = _drawing(np.full((h, w, 3), 246.0))
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    gradient = _u8(img * (0.88 + 0.12 * xx / w)[..., None])
    assert flatten_lighting(gradient[None]) is not None
    assert np.array_equal(flatten_lighting(gradient[None])[0], gradient)
    shade = 1 - 0.25 * np.clip(1 - np.sqrt((xx / w) ** 2 + ((yy - h) / h) ** 2) / 0.45, 0, 1)
    shadow = _u8(img * shade[..., None])
    assert np.array_equal(flatten_lighting(shadow[None])[0], shadow)
    textured, _ = _drawing(np.broadcast_to(_mottled_paper(256), (256, 256, 3)).copy())
    tex = _u8(textured)
    assert np.array_equal(flatten_lighting(tex[None])[0], tex)
    even = _u8(img)
    fit = lighting_field(even)
    assert fit is not None and fit[1] < 1.0


def test_a_vignetted_photo_cuts_out_like_the_even_one() -> None:
    from sticker_studio.engine.matting.matte import colorkey_matte, matte_with_prior

    h, w = 192, 256
    img, disc = _drawing(np.full((h, w, 3), 246.0))
    photo = _u8(img * _vignette(h, w, 0.12)[..., None])
    even = matte_with_prior(_u8(img)[None], None, base_alpha=colorkey_matte(_u8(img)[None])[..., 3] / 255.0)
    cut = matte_with_prior(photo[None], None, base_alpha=colorkey_matte(_u8(img)[None])[..., 3] / 255.0)
    a_even = even.rgba[0, ..., 3] / 255.0
    a_photo = cut.rgba[0, ..., 3] / 255.0
    assert float(np.mean(a_photo[~disc] > 0.5)) < 0.01  # no disc of paper kept round the subject
    assert float(np.mean(np.abs(a_photo - a_even))) < 0.01
