"""The rule side of matting real art (issue 24): holes told from drawn white bands by shape, paper
pockets on a near colour, and opaque flat fills. Small synthetic drawings, no network."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from sticker_studio.core.matte.hole_shape import ShapeCue, region_shapes
from sticker_studio.core.matte.layout_prior import (
    clip_layout_priors,
    frame_shapes,
    layout_prior,
    shape_and_paper_cues,
    vote_regions,
)
from sticker_studio.core.matte.opaque_fill import raise_flat_fills

INK = (35, 30, 40)


@pytest.fixture(autouse=True)
def hole_cue_weighted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shape hole cue is off by default (SHAPE_HOLE_WEIGHT = 0, see layout_prior); these tests
    check the rules it needs at the weight it was tuned with."""
    import sticker_studio.core.matte.layout_prior as lp

    monkeypatch.setattr(lp, "SHAPE_HOLE_WEIGHT", 0.4)


def _grid(size: int) -> tuple[np.ndarray, np.ndarray]:
    return np.mgrid[0:size, 0:size]


def _label_at(labels: np.ndarray, point: tuple[int, int]) -> int:
    return int(labels[point])


def test_a_thin_rings_hole_on_paper_is_removed_where_the_head_is_unsure() -> None:
    yy, xx = _grid(128)
    r = np.hypot(yy - 64, xx - 64)
    img = np.full((128, 128, 3), 255, np.uint8)
    img[(r < 36) & (r >= 28)] = (212, 170, 40)
    p = layout_prior(img)
    shapes = region_shapes(p.enclosed_labels, p.channels[..., 2] > 0.5)
    assert [s.cue for s in shapes.values()] == [ShapeCue.HOLE]
    vote = vote_regions([p], np.full((1, 128, 128), 0.75, np.float32))  # a head that would fill the hole
    assert vote.alpha[0][64, 64] < 0.05 and vote.alpha[0][64, 64 + 32] == 0.75
    # a confident head is overruled too: the wall is one band of even width (hole_cues.band_hole); a white
    # belly under a thick head, walled unevenly, keeps the head's decision (tests/test_hole_cues.py)
    assert vote_regions([p], np.ones((1, 128, 128), np.float32)).alpha[0][64, 64] < 0.05


def _outlined_white_mug(size: int = 256) -> tuple[np.ndarray, tuple[int, int], tuple[int, int]]:
    """A white mug drawn in a dark outline on white paper: its handle is a white band between two
    outlines around the hole. Returns the image, a point in the hole and one on the handle's band."""
    yy, xx = _grid(size)
    img = np.full((size, size, 3), 255, np.uint8)
    cy, hx = 128, 170
    rr = np.hypot(yy - cy, xx - hx)
    img[(rr < 44) & (rr >= 40)] = INK  # the handle's outer outline
    img[(rr < 26) & (rr >= 22)] = INK  # its inner outline
    body = (np.abs(xx - 110) <= 60) & (np.abs(yy - cy) <= 70)
    img[body] = INK
    img[(np.abs(xx - 110) <= 56) & (np.abs(yy - cy) <= 66)] = 255  # a white body inside its outline
    return img, (cy, hx + 8), (cy, hx + 33)


def test_a_handles_hole_is_removed_and_its_white_band_kept() -> None:
    """The band (8× its inscribed disc) is a drawn white stroke; the hole (a compact disc) is a hole."""
    img, hole, band = _outlined_white_mug()
    p = layout_prior(img)
    shapes = frame_shapes(p, p.enclosed_labels)
    assert shapes[_label_at(p.enclosed_labels, hole)].cue is ShapeCue.HOLE
    band_shape = shapes[_label_at(p.enclosed_labels, band)]
    assert band_shape.cue is not ShapeCue.HOLE and band_shape.elongation > 5.0
    vote = vote_regions([p], np.full((1, 256, 256), 0.75, np.float32))  # a head unsure of both
    assert vote.alpha[0][hole] < 0.05
    assert vote.alpha[0][band] == 1.0 and vote.alpha[0][128, 110] == 1.0


def _critter(belly_colour: int, navel: bool) -> tuple[np.ndarray, np.ndarray]:
    """A brown body in a dark outline with a white belly low in it (its wall below is thin)."""
    yy, xx = _grid(256)
    img = np.full((256, 256, 3), 255, np.uint8)
    body = ((yy - 130) / 90.0) ** 2 + ((xx - 128) / 80.0) ** 2
    img[body < 1.0] = INK
    img[body < 0.93] = (150, 100, 60)
    belly = ((yy - 150) / 45.0) ** 2 + ((xx - 128) / 40.0) ** 2 < 1.0
    img[belly] = belly_colour
    if navel:
        img[np.hypot(yy - 150, xx - 128) < 4] = (150, 100, 60)
    return img, belly


def test_an_outlined_white_bellied_critter_keeps_its_belly() -> None:
    """A belly a shade off the paper (as drawn) or with a mark on it is no hole, even where the head
    wavers; one of the paper's exact colour with nothing on it looks like a ring's hole (thin wall)."""
    for colour, navel in ((252, False), (255, True)):
        img, belly = _critter(colour, navel)
        p = layout_prior(img)
        lab = _label_at(p.enclosed_labels, (170, 128))
        assert lab > 0
        cue = frame_shapes(p, p.enclosed_labels)[lab].cue
        assert cue is (ShapeCue.BODY if navel else ShapeCue.HOLE)  # a mark on it: body (an island)
        alpha = np.ones((1, 256, 256), np.float32)
        alpha[0][belly] = 0.55  # a head that barely keeps it
        vote = vote_regions([p], alpha)
        assert np.mean(vote.alpha[0][ndimage.binary_erosion(belly, iterations=4)] == 1.0) > 0.99, (colour, navel)


def test_a_pale_outlined_ghost_on_textured_paper_is_kept() -> None:
    rng = np.random.default_rng(3)
    mottle = ndimage.gaussian_filter(rng.normal(size=(160, 160)), 8.0)
    mottle *= 5.0 / (np.abs(mottle).max() + 1e-9)
    grain = ndimage.gaussian_filter(rng.normal(size=(160, 160)), 0.7) * 5.0
    img = (np.clip(np.array([243.0, 240.0, 231.0]) + (mottle + grain)[..., None], 0, 255) + 0.5).astype(np.uint8)
    yy, xx = _grid(160)
    ghost = (np.hypot(yy - 70, xx - 80) < 45) | ((np.abs(xx - 80) < 45) & (yy >= 70) & (yy < 130))
    img[ghost] = INK
    inside = ndimage.binary_erosion(ghost, iterations=3)
    img[inside] = (236, 238, 240)  # a pale flat fill, within the paper's tolerance
    img[(np.hypot(yy - 65, xx - 65) < 6) | (np.hypot(yy - 65, xx - 95) < 6)] = INK  # eyes
    p = clip_layout_priors(img[None])[0]
    assert p.paper is not None  # the texture was found
    vote = vote_regions([p], p.key_alpha[None])  # the colour key through the vote
    alpha = vote.alpha[0]
    assert np.mean(alpha[ndimage.binary_erosion(inside, iterations=2)] == 1.0) > 0.98
    assert np.mean(alpha[:8] < 0.05) > 0.98  # the paper goes


def test_a_pins_hole_on_a_near_colour_is_a_pocket_the_vote_removes() -> None:
    """A grey loop on a flat blue-grey 30 RGB units away: the loose border flood runs through the
    loop into its hole, so the hole is no enclosed candidate — it is a paper pocket, no pale body."""
    bg = np.array([150, 170, 190])
    grey = np.clip(bg - np.array([17, 17, 17]), 0, 255)
    yy, xx = _grid(160)
    r = np.hypot(yy - 80, xx - 80)
    img = np.empty((160, 160, 3), np.uint8)
    img[:] = bg
    img[(r < 50) & (r >= 40)] = grey
    p = clip_layout_priors(img[None])[0]
    lab = _label_at(p.enclosed_labels, (80, 80))
    assert p.pockets_from is not None and lab >= p.pockets_from
    assert p.channels[80, 80, 3] == 0.0  # the head's enclosed channel is as it was trained
    assert p.pale_labels is not None and not p.pale_labels[80, 80]
    assert frame_shapes(p, p.enclosed_labels)[lab].cue is ShapeCue.HOLE
    vote = vote_regions([p], np.full((1, 160, 160), 0.75, np.float32))  # a head unsure of the hole
    assert vote.alpha[0][80, 80] < 0.05


def test_a_hole_cue_does_not_move_a_track_that_joins_other_regions() -> None:
    """A track holding a ring's hole and a white belly (regions that overlapped across frames) keeps
    the head's number; the hole alone on its own track is moved towards removal."""
    yy, xx = _grid(256)
    img = np.full((256, 256, 3), 255, np.uint8)
    r = np.hypot(yy - 70, xx - 70)
    img[(r < 40) & (r >= 32)] = (212, 170, 40)  # a thin ring, top left
    body = ((yy - 170) / 60.0) ** 2 + ((xx - 170) / 60.0) ** 2
    img[body < 1.0] = (150, 100, 60)
    img[np.hypot(yy - 170, xx - 170) < 12] = 255  # a small white patch deep in a thick body, bottom right
    p = layout_prior(img)
    hole, belly = _label_at(p.enclosed_labels, (70, 70)), _label_at(p.enclosed_labels, (170, 170))
    assert hole > 0 and belly > 0 and hole != belly
    track_of = np.zeros(int(p.enclosed_labels.max()) + 1, np.int64)
    track_of[hole] = track_of[belly] = 1
    assert shape_and_paper_cues(p, track_of, p.enclosed_labels, {1: 0.9}) == {1: 0.9}
    track_of[belly] = 2
    moved = shape_and_paper_cues(p, track_of, p.enclosed_labels, {1: 0.75, 2: 0.75})
    assert moved[1] < 0.5 and moved[2] == 0.75


def test_flat_fills_the_head_mostly_keeps_become_opaque_inside() -> None:
    yy, xx = _grid(128)
    img = np.full((128, 128, 3), 255, np.uint8)
    strand = (np.abs(yy - 40) < 6) & (np.abs(xx - 64) < 50)
    wash = (np.abs(yy - 90) < 8) & (np.abs(xx - 64) < 50)
    img[strand] = (102, 117, 127)  # a slate-grey strand
    img[wash] = (150, 160, 170)
    priors = clip_layout_priors(img[None])
    alpha = np.zeros((1, 128, 128), np.float32)
    alpha[0][strand] = 0.7  # the head is unsure of the grey
    alpha[0][wash] = 0.35  # ... and calls this one a translucent wash
    out = raise_flat_fills(img[None], alpha, priors)
    inner = ndimage.binary_erosion(strand, iterations=2)
    assert np.all(out[0][inner] == 1.0)
    assert np.all(out[0][strand & ~ndimage.binary_erosion(strand, iterations=1)] == 0.7)  # its edge stays
    assert np.all(out[0][wash] == 0.35) and np.all(out[0][~(strand | wash)] == 0.0)


def test_edge_alpha_comes_from_the_edges_colour_and_soft_areas_stay() -> None:
    from sticker_studio.core.matte.edge_colour import alpha_from_edge_colour

    yy, xx = _grid(512)  # the reach is 2 px at 512²
    disc = np.hypot(yy - 200, xx - 256) < 120
    img = np.full((512, 512, 3), 255, np.uint8)
    img[disc] = (200, 40, 40)  # a sharp red disc on white
    shadow = np.clip(1.0 - np.hypot((yy - 440) / 24.0, (xx - 256) / 160.0), 0, 1) * 0.4  # a broad soft shadow
    img = (img * (1 - shadow[..., None]) + 0.5).astype(np.uint8)
    head = ndimage.gaussian_filter(disc.astype(np.float32), 1.0)  # a head that spreads the edge
    head = np.maximum(head, shadow.astype(np.float32))
    out = alpha_from_edge_colour(img[None], head[None], np.array([1.0, 1.0, 1.0]))[0]
    truth = np.maximum(disc.astype(np.float32), shadow)
    ring = ndimage.binary_dilation(disc, iterations=3) & ~ndimage.binary_erosion(disc, iterations=3)
    assert np.abs(out - truth)[ring].mean() < 0.5 * np.abs(head - truth)[ring].mean()
    far = np.hypot(yy - 200, xx - 256) > 130
    assert np.array_equal(out[far], head[far])  # the shadow is the estimate's
