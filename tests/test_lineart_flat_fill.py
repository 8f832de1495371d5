"""A black-and-white animal on a scan is no sketch (issue 24): its white body is a flat fill the paper test
finds, while its black stripes look like strokes. A sketch's closed shapes show the paper's grain."""

from __future__ import annotations

import numpy as np

from sketch_drawings import paper, render, stick_figure
from sticker_studio.core.matte.sketch import flat_fill_share, line_art_check


def _zebra_on_texture(side: int = 384) -> np.ndarray:
    yy, xx = np.mgrid[0:side, 0:side] / side
    img = paper(side, "texture", seed=3).copy()
    body = ((yy - 0.55) / 0.22) ** 2 + ((xx - 0.5) / 0.34) ** 2 < 1
    img[body] = img[body].mean(axis=0) + 4.0  # a flat white body, within the paper's own range of colour
    stripes = body & (np.sin(xx * 90.0) > 0.9)  # thin black stripes across it
    img[stripes] = (30.0, 30.0, 34.0)
    return (np.clip(img, 0, 255) + 0.5).astype(np.uint8)


def test_a_white_bodied_animal_on_textured_paper_is_not_line_art() -> None:
    zebra = _zebra_on_texture()
    check = line_art_check(zebra)
    assert check.flat_fill > 0.01, check
    assert not check.is_line_art


def test_a_sketch_on_the_same_paper_stays_line_art() -> None:
    rgb, _ = render(stick_figure, side=384, kind="texture", seed=3)
    assert flat_fill_share(rgb) <= 0.01
    assert line_art_check(rgb).is_line_art
