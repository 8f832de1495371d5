"""Issue 24: line art is found by default, its closed shapes are decided the way an artist means
them (a stick figure's head filled, the gaps between limbs open), and a flipped region takes its
anti-aliased rim with it (no light arc left in a handle's hole)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sketch_drawings import PAPERS, SKETCHES, coloured_mug, flat_drawing, render
from sticker_studio.core.matte.lineart import lineart_alpha
from sticker_studio.core.matte.sketch import line_art_check, line_art_cut, looks_like_line_art
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.matting.cutout import Background, MattingHeadCache, automatic_background, cut_out
from sticker_studio.training.eval.metrics import alpha_psnr

RIG_REAL = Path(__file__).parent / "data" / "rig_real"


def opaque(rgb: np.ndarray) -> np.ndarray:
    return np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])


@pytest.mark.parametrize("paper", PAPERS)
@pytest.mark.parametrize("name", ["stick_figure", "house", "flower", "cat_face"])
def test_ink_sketches_on_paper_are_line_art(name: str, paper: str) -> None:
    rgb, _ = render(SKETCHES[name], 256, paper, seed=5)
    check = line_art_check(rgb)
    assert check.is_line_art, check


@pytest.mark.parametrize("paper", PAPERS)
def test_flat_coloured_drawings_are_not_line_art(paper: str) -> None:
    assert not looks_like_line_art(flat_drawing(256, paper, seed=4))
    assert not looks_like_line_art(coloured_mug(256, paper, seed=4)[0])                     # a blue mug
    assert not looks_like_line_art(coloured_mug(256, "white", seed=4, body=(236, 236, 240))[0])  # a pale one


def pale_ghost(paper: str, body: tuple[int, int, int]) -> np.ndarray:
    """A pale body with two dark eyes and no outline (a ghost, a polar bear's face), JPEG."""
    from PIL import ImageDraw

    from sketch_drawings import S, _jpeg
    from sketch_drawings import paper as sheet

    colour, mask = Image.new("RGB", (256 * S, 256 * S)), Image.new("L", (256 * S, 256 * S))
    for img, fill, eye in ((colour, body, (20, 20, 20)), (mask, 255, 255)):
        d = ImageDraw.Draw(img)
        d.ellipse((60 * S, 40 * S, 196 * S, 230 * S), fill=fill)
        for x in (100, 144):
            d.ellipse((x * S, 100 * S, (x + 12) * S, 114 * S), fill=eye)
    a = np.asarray(mask.resize((256, 256), Image.Resampling.BOX), np.float32)[..., None] / 255.0
    rgb = np.asarray(colour.resize((256, 256), Image.Resampling.BOX), np.float32) / np.maximum(a, 1e-3)
    return _jpeg(np.clip(rgb * a + sheet(256, paper, 1) * (1 - a), 0, 255).round().astype(np.uint8), 85)


@pytest.mark.parametrize(("paper", "body"), [("texture", (235, 235, 235)), ("texture", (226, 226, 230)),
                                             ("cream", (240, 232, 215)), ("cream", (252, 252, 252))])
def test_a_pale_body_without_an_outline_is_not_line_art(paper: str, body: tuple[int, int, int]) -> None:
    """Its pixels are within the paper's grain, its eyes are a few thin marks: seen coarsely it is one
    solid area off the paper, which a sketch never has (line art would take the body away)."""
    check = line_art_check(pale_ghost(paper, body))
    assert not check.is_line_art, check


@pytest.mark.parametrize("name", ["bear", "cat", "cow", "alien"])
def test_colour_emoji_on_white_are_not_line_art(name: str) -> None:
    with Image.open(RIG_REAL / f"{name}.png") as img:
        rgba = np.asarray(img.convert("RGBA").resize((256, 256)))
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = (rgba[..., :3] * a + 255.0 * (1 - a) + 0.5).astype(np.uint8)
    assert not looks_like_line_art(rgb)


def test_a_blank_sheet_is_not_line_art() -> None:
    assert not looks_like_line_art(np.full((128, 128, 3), 250, np.uint8))


@pytest.mark.parametrize("paper", PAPERS)
def test_a_stick_figures_head_is_filled_and_the_gaps_between_its_limbs_are_not(paper: str) -> None:
    rgb, truth = render(SKETCHES["stick_akimbo"], 256, paper, seed=3)
    plain = lineart_alpha(rgb)[..., 3] / 255.0
    art = line_art_cut(rgb[None])
    alpha = art.frames[0][..., 3] / 255.0
    assert alpha[48, 128] == 1.0 and plain[48, 128] == 0.0       # the head's inside: filled (paper before)
    assert art.frames[0][48, 128, :3].min() >= 200                # with the paper's own light colour
    assert alpha[118, 150] == 0.0 and alpha[118, 106] == 0.0      # the arms' triangles: open
    assert alpha[205, 128] == 0.0                                 # between the legs and the ground: open
    assert alpha[5, 5] == 0.0
    assert alpha_psnr(alpha, truth) >= 30.0 > alpha_psnr(plain, truth) + 10.0
    head = art.tracks[0][48, 128]
    assert art.kept[head] and not art.kept[art.tracks[0][118, 150]]


def test_closed_shapes_an_artist_fills_and_holes_an_artist_leaves() -> None:
    for name, filled, open_ in (("house", [(128, 90), (128, 150), (125, 190), (161, 145)], []),
                                ("mug_outline", [(110, 140)], [(174, 132)]),
                                ("mug_two_lines", [(100, 140), (198, 135)], [(165, 135)]),
                                ("cat_face", [(128, 100), (75, 150)], [])):
        rgb, truth = render(SKETCHES[name], 256, "cream", seed=1)
        alpha = line_art_cut(rgb[None]).frames[0][..., 3]
        for x, y in filled:
            assert alpha[y, x] == 255, (name, x, y)
        for x, y in open_:
            assert alpha[y, x] == 0, (name, x, y)
        assert alpha_psnr(alpha / 255.0, truth) >= 30.0, name


def test_a_closed_shape_can_be_flipped_in_every_frame() -> None:
    frames = [render(SKETCHES["stick_figure"], 128, "white", seed=1)[0] for _ in range(3)]
    sticker = Sticker([opaque(f) for f in frames], [100] * 3)
    cut = cut_out(sticker, Background.LINE_ART, MattingHeadCache.of(None))
    head = cut.region_at(64, 30)
    assert head and cut.kept[head] and cut.sticker.frames[0][30, 64, 3] == 255
    flipped = cut_out(sticker, Background.LINE_ART, MattingHeadCache.of(None), flips={head: False})
    assert not flipped.kept[head] and flipped.flips == {head: False}
    assert all(f[30, 64, 3] == 0 for f in flipped.sticker.frames)


def test_a_sketch_is_cut_out_as_line_art_by_default_and_a_drawing_is_not() -> None:
    heads = MattingHeadCache.of(None)
    sketch = Sticker([opaque(render(SKETCHES["stick_figure"], 160, "texture", seed=2)[0])], [100])
    assert automatic_background(sketch, heads) is Background.LINE_ART
    drawing = Sticker([opaque(coloured_mug(160, "cream", seed=2)[0])], [100])
    assert automatic_background(drawing, heads) is Background.COLOUR_KEY  # no head here: else the model
    cut = remove_paper(sketch)
    assert cut.sticker.frames[0][..., 3].max() == 255 and cut.background is Background.LINE_ART


def remove_paper(sticker: Sticker):  # the CLI's default path, without a head
    return cut_out(sticker, automatic_background(sticker, MattingHeadCache.of(None)), MattingHeadCache.of(None))


def hole_band(side: int = 256) -> np.ndarray:
    """The mug's handle hole (``coloured_mug``) and 3 px around it: where a light arc would show."""
    yy, xx = np.mgrid[:side, :side] * (256 / side)
    return np.hypot(xx - 170, yy - 130) < 17.5


@pytest.mark.parametrize("paper", ["white", "cream"])
def test_a_flipped_hole_takes_its_rim_with_it(paper: str) -> None:
    """The colour key keeps the handle's hole as paper; one flip removes it with no light arc."""
    rgb, truth = coloured_mug(256, paper, seed=1)
    sticker = Sticker([opaque(rgb)], [100])
    heads = MattingHeadCache.of(None)
    cut = cut_out(sticker, Background.COLOUR_KEY, heads)
    hole = cut.region_at(170, 130)
    assert hole and cut.kept[hole]
    flipped = cut_out(sticker, Background.COLOUR_KEY, heads, flips={hole: False})
    frame = flipped.sticker.frames[0]
    alpha = frame[..., 3] / 255.0
    band = hole_band() & (truth < 0.5)
    excess = np.clip(alpha - truth, 0, 1)[band]
    luma = frame[..., :3].astype(np.float32) @ np.asarray([0.299, 0.587, 0.114], np.float32)
    light_left = band & (alpha - truth > 0.15) & (luma > 120)
    assert not light_left.any(), np.argwhere(light_left)[:5]      # no light arc
    assert excess.sum() < 2.0
    assert alpha_psnr(alpha, truth) >= 40.0
    kept_again = cut_out(sticker, Background.COLOUR_KEY, heads, flips={hole: True}).sticker.frames[0]
    assert kept_again[hole_band() & (truth < 0.05), 3].min() >= 250  # flipped back: filled to its outline


def test_a_photo_or_noise_field_is_not_a_sketch() -> None:
    """A photo has no paper: a busy, uneven border is never taken for a sheet (a noise photo cut out as
    line art came out nearly invisible)."""
    rng = np.random.default_rng(3)
    yy, xx = np.mgrid[0:300, 0:300].astype(np.float32)
    base = np.stack([128 + 100 * np.sin(xx / 40), 120 + 80 * np.cos(yy / 30), 110 + 60 * np.sin((xx + yy) / 50)], -1)
    noisy = np.clip(base + rng.normal(0, 60, base.shape), 0, 255).astype(np.uint8)
    check = line_art_check(noisy)
    assert check.paper_spread > 20 and not check.is_line_art
