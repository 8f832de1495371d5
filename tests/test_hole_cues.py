"""The hole cues that overrule a confident head (issue 24): small synthetic drawings, decided by the
vote (:func:`sticker_studio.core.matte.layout_prior.vote_regions`) with a head that is sure and wrong."""

from __future__ import annotations

import numpy as np

from sticker_studio.core.matte.hole_cues import EVEN_BAND_MAX, band_hole, inner_regions
from sticker_studio.core.matte.layout_prior import frame_shapes, layout_prior, vote_regions

GREY = (153, 170, 181)
YELLOW = (255, 204, 77)
BROWN = (102, 69, 0)
DOUGH = (193, 105, 79)


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:size, 0:size]
    return yy.astype(np.float64), xx.astype(np.float64)


def _ring(size: int = 256, paper: tuple[int, int, int] = (255, 255, 255),
          band: tuple[int, int, int] = GREY) -> np.ndarray:
    """A ring (one grey band of even width) with a small gem on top, on ``paper``."""
    yy, xx = _grid(size)
    r = np.hypot(yy - 140, xx - 128)
    img = np.full((size, size, 3), paper, np.uint8)
    img[(r < 80) & (r >= 56)] = band
    img[(np.abs(xx - 128) < 18) & (yy >= 44) & (yy < 64)] = (85, 172, 238)  # the gem
    return img


def _belly(size: int = 256) -> np.ndarray:
    """A brown critter: a thick head over a body whose white belly is the paper's exact colour."""
    yy, xx = _grid(size)
    img = np.full((size, size, 3), 255, np.uint8)
    img[np.hypot((yy - 150) / 80, (xx - 128) / 62) < 1] = DOUGH  # the body
    img[np.hypot(yy - 60, xx - 128) < 46] = DOUGH  # the head
    img[np.hypot(yy - 168, xx - 128) < 44] = 255  # the belly: thin wall below and beside, thick above
    return img


def _face(size: int = 256, teeth: bool = True) -> np.ndarray:
    """A yellow face whose dark mouth holds a row of white teeth (the paper's exact white)."""
    yy, xx = _grid(size)
    img = np.full((size, size, 3), 255, np.uint8)
    img[np.hypot(yy - 128, xx - 128) < 110] = YELLOW
    img[np.hypot((yy - 150) / 34, (xx - 128) / 64) < 1] = BROWN  # the mouth
    if teeth:
        img[(np.abs(yy - 140) < 10) & (np.abs(xx - 128) < 40)] = 255
    img[np.hypot(yy - 90, xx - 90) < 12] = BROWN  # the eyes
    img[np.hypot(yy - 90, xx - 166) < 12] = BROWN
    return img


def _doughnut(size: int = 256) -> np.ndarray:
    """A thick doughnut with a small hole: as deep as teeth, but walled by the dough its edge is made of."""
    yy, xx = _grid(size)
    img = np.full((size, size, 3), 255, np.uint8)
    r = np.hypot(yy - 128, xx - 128)
    img[(r < 115) & (r >= 14)] = DOUGH
    return img


def test_a_rings_even_band_overrules_a_head_that_keeps_its_hole() -> None:
    img = _ring()
    p = layout_prior(img)
    (shape,) = frame_shapes(p, p.enclosed_labels).values()
    assert band_hole(shape) and shape.evenness <= EVEN_BAND_MAX
    vote = vote_regions([p], np.ones((1, 256, 256), np.float32), frames=img[None])
    assert vote.alpha[0][140, 128] < 0.05  # the hole is paper
    assert vote.alpha[0][140, 128 + 68] == 1.0  # the band stays


def test_a_belly_under_a_thick_head_keeps_a_confident_heads_decision() -> None:
    img = _belly()
    p = layout_prior(img)
    belly = int(p.enclosed_labels[168, 128])
    assert belly > 0
    shape = frame_shapes(p, p.enclosed_labels)[belly]
    assert not band_hole(shape) and shape.evenness > EVEN_BAND_MAX
    assert vote_regions([p], np.ones((1, 256, 256), np.float32), frames=img[None]).alpha[0][168, 128] == 1.0


def test_teeth_in_a_mouth_in_a_face_are_kept_where_the_head_removes_them() -> None:
    img = _face()
    p = layout_prior(img)
    teeth = int(p.enclosed_labels[140, 128])
    assert teeth > 0
    shapes = frame_shapes(p, p.enclosed_labels)
    assert inner_regions(img, p.enclosed_labels, p.channels[..., 2] > 0.5, shapes) == {teeth}
    opens = np.where(p.enclosed_labels > 0, 0.0, 1.0)[None].astype(np.float32)  # a head that opens it
    assert vote_regions([p], opens, frames=img[None]).alpha[0][140, 128] == 1.0
    # without the frame's colours the head decides
    assert vote_regions([p], opens).alpha[0][140, 128] < 0.05


def test_a_doughnuts_hole_is_as_deep_but_walled_by_its_outer_colour() -> None:
    img = _doughnut()
    p = layout_prior(img)
    shapes = frame_shapes(p, p.enclosed_labels)
    assert int(p.enclosed_labels[128, 128]) in shapes
    assert inner_regions(img, p.enclosed_labels, p.channels[..., 2] > 0.5, shapes) == set()
    vote = vote_regions([p], np.where(p.enclosed_labels > 0, 0.0, 1.0)[None].astype(np.float32), frames=img[None])
    assert vote.alpha[0][128, 128] < 0.05


def test_the_papers_own_colour_in_a_ring_on_coloured_paper_is_a_hole() -> None:
    """A grey ring on a blue-grey paper 30 units away: its hole is a pocket of the paper's exact colour."""
    paper = (144, 154, 186)
    img = _ring(paper=paper, band=(150, 170, 200))
    p = layout_prior(img)
    assert int(p.enclosed_labels[140, 128]) > 0
    yy, xx = _grid(256)
    head = (np.hypot(yy - 140, xx - 128) < 80)[None].astype(np.float32)  # keeps the ring and its hole
    vote = vote_regions([p], head, frames=img[None])
    assert vote.alpha[0][140, 128] < 0.05
    assert vote.alpha[0][140, 128 + 68] == 1.0


def test_a_cue_removal_clears_only_the_core_where_the_region_is_mostly_subject() -> None:
    """On a colour near the subject's, an enclosed region's loose band is subject: a head that keeps it
    all loses only the paper-coloured core to the cue, not the subject around it."""
    yy, xx = _grid(256)
    paper = (100, 150, 200)
    img = np.full((256, 256, 3), paper, np.uint8)
    r = np.hypot(yy - 128, xx - 128)
    img[r < 100] = (40, 30, 30)  # a dark outline
    img[r < 94] = (120, 170, 215)  # a body 30 units from the paper
    img[r < 20] = paper  # a hole in it
    p = layout_prior(img)
    region = int(p.enclosed_labels[128, 128])
    assert region > 0 and int(p.enclosed_labels[128, 128 + 60]) == region  # one region: body and hole
    vote = vote_regions([p], np.ones((1, 256, 256), np.float32), frames=img[None])
    assert vote.alpha[0][128, 128] < 0.05
    assert vote.alpha[0][128, 128 + 60] == 1.0


def test_the_papers_own_colour_a_head_keeps_in_a_bay_on_coloured_paper_is_removed_alone() -> None:
    """A near-coloured disc with a bay of the paper cut in from its edge (a headphone's band over its
    cups): the border flood reaches the bay, the head keeps it with the disc; the bay goes, the disc stays."""
    yy, xx = _grid(256)
    paper = (100, 150, 200)
    img = np.full((256, 256, 3), paper, np.uint8)
    disc = np.hypot(yy - 128, xx - 128) < 90
    img[disc] = (125, 172, 220)  # 37 units from the paper: inside the loose tolerance
    bay = (np.abs(xx - 128) < 16) & (yy > 110) & disc
    img[bay] = paper
    p = layout_prior(img)
    assert int(p.enclosed_labels[150, 128]) == 0  # reached from the border: no enclosed region
    head = disc[None].astype(np.float32)  # a head that keeps the disc and its bay
    vote = vote_regions([p], head, frames=img[None])
    assert vote.alpha[0][170, 128] < 0.05  # the bay
    assert vote.alpha[0][128, 70] == 1.0 and vote.alpha[0][80, 128] == 1.0  # the disc


def test_the_papers_own_colour_is_cleared_pixel_by_pixel_on_flat_coloured_paper() -> None:
    """A head's soft blob over the paper between two near-coloured strokes goes; the strokes and their
    anti-aliased edges (whose neighbourhoods hold the stroke) keep the head's alpha."""
    from sticker_studio.core.matte.hole_cues import clear_paper_pixels

    paper = np.array([100, 150, 200], np.float32)
    img = np.full((64, 64, 3), 100, np.uint8)
    img[:] = paper.astype(np.uint8)
    img[:, 20:26] = (125, 172, 220)  # two strokes 37 units from the paper
    img[:, 40:46] = (125, 172, 220)
    img[:, 19] = (112, 161, 210)  # an anti-aliased edge, half ink
    alpha = np.zeros((64, 64), np.float32)
    alpha[:, 20:26] = alpha[:, 40:46] = 1.0
    alpha[:, 19] = 0.5
    alpha[20:40, 26:40] = 0.6  # the head's blob over the paper between them
    out = clear_paper_pixels(alpha, np.sqrt(np.sum((img.astype(np.float32) - paper) ** 2, axis=-1)))
    assert np.all(out[20:40, 28:38] == 0.0)
    assert np.all(out[:, 20:26] == 1.0) and np.all(out[:, 40:46] == 1.0) and np.all(out[:, 19] == 0.5)


def test_white_on_white_paper_is_never_cleared_pixel_by_pixel() -> None:
    """On white paper the matte keeps a confident head's white fill: the pixel rule is for coloured paper."""
    from sticker_studio.engine.matting.matte import matte_with_prior

    img = _belly()
    yy, xx = _grid(256)
    head = np.any(img < 250, axis=-1) | (np.hypot(yy - 168, xx - 128) < 44)  # keeps the body and its belly
    matte = matte_with_prior(img[None], None, base_alpha=head[None].astype(np.float32))
    assert matte.rgba[0, 168, 128, 3] == 255


def test_a_ring_buoys_pale_rope_is_a_pale_body_and_its_white_gaps_are_pockets() -> None:
    """Twemoji's ring buoy on white: its rope and stripes (225 grey, inside the loose tolerance) around white
    gaps are a pale body once the gaps are left out of it; the gaps become regions for the vote."""
    from pathlib import Path

    from sticker_studio.training.eval.real_set import iter_cases

    case = next(c for c in iter_cases(Path(__file__).parent / "data" / "matting_real", split="test",
                                      backgrounds=("white",), bounce=False) if c.name == "ring buoy")
    img = case.rgb[0]
    p = layout_prior(img)
    rope = np.all(img == 225, axis=-1) & (case.alpha[0] == 1.0)
    assert p.pale_labels is not None and np.mean(p.pale_labels[rope] > 0) > 0.3  # the rope; the stripes apart
    gaps = (case.alpha[0] == 0.0) & (p.channels[..., 2] > 0.5) & (p.channels[..., 1] < 0.5)
    assert gaps.sum() > 1000 and p.pockets_from is not None
    assert np.mean(p.enclosed_labels[gaps] >= p.pockets_from) > 0.9
