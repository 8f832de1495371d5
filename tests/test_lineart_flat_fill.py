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


def _web(ink, fill, k: float) -> None:  # type: ignore[no-untyped-def]
    """A spider's web: eight threads from the centre and three rings of straight segments."""
    import math

    c, width = 128 * k, max(1, int(4 * k))
    for j in range(8):
        a = j * math.pi / 4
        ink.line([(c, c), (c + 100 * k * math.cos(a), c + 100 * k * math.sin(a))], fill=255, width=width)
    for r in (30, 60, 95):
        pts = [(c + r * k * math.cos(j * math.pi / 4), c + r * k * math.sin(j * math.pi / 4)) for j in range(9)]
        ink.line(pts, fill=255, width=width)


def test_a_web_of_closed_cells_is_all_air_in_line_art() -> None:
    from sticker_studio.core.matte.sketch import line_art_cut

    rgb, truth = render(_web, side=256, kind="white")
    assert line_art_check(rgb).is_line_art
    cut = line_art_cut(rgb[None])
    assert int(cut.tracks[0].max()) >= 12  # the web's cells are closed regions...
    assert not any(cut.automatic.values())  # ...and none is filled
    alpha = cut.frames[0][..., 3] / 255.0
    assert float(np.mean(np.abs(alpha - truth))) < 0.02
