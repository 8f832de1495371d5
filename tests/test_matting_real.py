"""Real-art matting failures (issue 24) on small synthetic cases, and the real-art eval set's loader."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from sticker_studio.core.matte.hole_shape import ShapeCue, region_shapes
from sticker_studio.core.matte.layout_prior import clip_layout_priors, layout_prior, vote_regions

REAL_SET = Path(__file__).parent / "data" / "matting_real"


def _paper(size: int = 128, seed: int = 0) -> np.ndarray:
    """Off-white paper with mottling and grain (like a scan)."""
    rng = np.random.default_rng(seed)
    mottle = ndimage.gaussian_filter(rng.normal(size=(size, size)), 8.0)
    mottle *= 5.0 / (np.abs(mottle).max() + 1e-9)
    grain = ndimage.gaussian_filter(rng.normal(size=(size, size)), 0.7) * 5.0
    plate = np.array([243.0, 240.0, 231.0]) + (mottle + grain)[..., None]
    return (np.clip(plate, 0, 255) + 0.5).astype(np.uint8)


def _pale_mug(size: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """A light-grey mug (flat fill, no outline) with a handle, on textured paper; and its true mask."""
    yy, xx = np.mgrid[0:size, 0:size]
    body = (np.abs(xx - 54) < 26) & (np.abs(yy - 66) < 30)
    r = np.hypot(yy - 66, xx - 82)
    handle = (r < 18) & (r > 9) & (xx > 78)
    mask = body | handle
    img = _paper(size)
    img[mask] = (226, 228, 230)  # 15-20 RGB units from the paper: inside its old tight tolerance
    return img, mask


def test_pale_flat_subject_on_textured_paper_is_not_paper() -> None:
    img, mask = _pale_mug()
    p = clip_layout_priors(img[None])[0]
    assert p.paper is not None  # the texture was found
    tight, loose = p.channels[..., 1] > 0.5, p.channels[..., 2] > 0.5
    inner = ndimage.binary_erosion(mask, iterations=2)
    # the old border-median flood took the whole mug as paper; the texture test keeps it subject
    assert np.mean(tight[inner]) < 0.02 and np.mean(loose[inner]) < 0.02
    assert np.mean(p.key_alpha[inner]) > 0.95
    # the handle's hole shows the paper's texture: an enclosed candidate, decided "hole"
    hole = (np.hypot(*np.mgrid[0:128, 0:128] - np.array([66, 84])[:, None, None]) < 6)
    assert np.mean(p.enclosed_labels[hole] > 0) > 0.9
    vote = vote_regions([p], np.ones((1, 128, 128), np.float32))  # a head that keeps everything
    assert np.mean(vote.alpha[0][hole] < 0.1) > 0.9


def test_pale_panda_face_on_white_is_not_swallowed_by_the_loose_flood() -> None:
    """A light-grey face (30 RGB units from white, inside the loose tolerance) with black ears and eyes."""
    yy, xx = np.mgrid[0:128, 0:128]
    img = np.full((128, 128, 3), 255, np.uint8)
    face = np.hypot(yy - 70, xx - 64) < 40
    img[face] = (232, 234, 236)
    for cx in (34, 94):
        img[np.hypot(yy - 34, xx - cx) < 14] = (40, 40, 45)
        img[np.hypot(yy - 66, xx - (cx + (14 if cx < 64 else -14))) < 7] = (40, 40, 45)
    p = layout_prior(img)
    inner = ndimage.binary_erosion(face, iterations=4) & (img[..., 0] > 200)
    # the loose flood takes the pale face (the head was trained so), but it is one flat colour around
    # the eyes: a pale body, kept by the vote even where the head removes it
    assert p.pale_labels is not None and np.mean(p.pale_labels[inner] > 0) > 0.95
    vote = vote_regions([p], np.stack([p.key_alpha]))  # an estimate that follows the flood
    assert float(vote.alpha[0][inner].min()) == 1.0
    assert float(vote.alpha[0][2, 2]) == 0.0


def test_a_glow_around_a_subject_is_no_pale_body() -> None:
    """A soft glow (a gradient) around a dark disc on white stays the head's to decide."""
    yy, xx = np.mgrid[0:128, 0:128]
    r = np.hypot(yy - 64, xx - 64)
    glow = np.clip((50 - r) / 30, 0, 1) * 40  # up to 40 RGB units darker, fading out
    img = np.clip(255 - glow[..., None] * np.array([1.0, 0.6, 0.2]), 0, 255).astype(np.uint8)
    img[r < 16] = (30, 30, 120)
    p = layout_prior(img)
    assert p.pale_labels is not None and not p.pale_labels.any()


def _ring(size: int = 128, band: float = 8.0) -> np.ndarray:
    yy, xx = np.mgrid[0:size, 0:size]
    r = np.hypot(yy - size / 2, xx - size / 2)
    img = np.full((size, size, 3), 255, np.uint8)
    img[(r < 28 + band) & (r >= 28)] = (212, 170, 40)
    return img


def test_thin_ring_hole_is_a_hole_by_shape_even_if_the_head_keeps_it(monkeypatch: pytest.MonkeyPatch) -> None:
    import sticker_studio.core.matte.layout_prior as lp

    monkeypatch.setattr(lp, "SHAPE_HOLE_WEIGHT", 0.4)  # off by default; weighted, it overrules an unsure head
    p = layout_prior(_ring())
    shapes = region_shapes(p.enclosed_labels, p.channels[..., 2] > 0.5)
    assert [s.cue for s in shapes.values()] == [ShapeCue.HOLE]
    # the shape's vote overrules a head unsure of the hole (0.7), since the hole is the paper's own colour;
    # a confident head (1.0) too, since its wall is one band of even width (hole_cues.band_hole)
    vote = vote_regions([p], np.full((1, 128, 128), 0.7, np.float32))
    assert vote.alpha[0][64, 64] < 0.05 and vote.alpha[0][64, 64 + 32] == 0.7
    assert vote_regions([p], np.ones((1, 128, 128), np.float32)).alpha[0][64, 64] < 0.05


def test_outlined_white_body_is_kept_by_shape() -> None:
    """A white ghost drawn as a thin dark outline on white: the closed outline says subject."""
    yy, xx = np.mgrid[0:128, 0:128]
    r = np.hypot(yy - 64, xx - 64)
    img = np.full((128, 128, 3), 255, np.uint8)
    img[(r < 44) & (r >= 41)] = (30, 30, 30)
    p = layout_prior(img)
    shapes = region_shapes(p.enclosed_labels, p.channels[..., 2] > 0.5)
    assert [s.cue for s in shapes.values()] == [ShapeCue.BODY]
    vote = vote_regions([p], np.zeros((1, 128, 128), np.float32))  # a head that opens it
    assert vote.alpha[0][64, 64] == 1.0


def test_thick_walled_small_hole_is_left_to_the_head() -> None:
    """A bagel-like hole: small in thick dough, so the shape says nothing and the head decides."""
    p = layout_prior(_thick_bagel())
    shapes = region_shapes(p.enclosed_labels, p.channels[..., 2] > 0.5)
    assert [s.cue for s in shapes.values()] == [ShapeCue.NONE]
    keep = vote_regions([p], np.ones((1, 128, 128), np.float32))
    assert keep.alpha[0][64, 64] == 1.0


def _thick_bagel() -> np.ndarray:
    yy, xx = np.mgrid[0:128, 0:128]
    r = np.hypot(yy - 64, xx - 64)
    img = np.full((128, 128, 3), 255, np.uint8)
    img[(r < 56) & (r >= 8)] = (190, 130, 70)
    return img


def test_real_set_loads_with_true_alpha_and_four_backgrounds() -> None:
    from sticker_studio.training.eval.real_set import BACKGROUNDS, iter_cases, load_manifest

    manifest = load_manifest(REAL_SET)
    cases = manifest["cases"]
    assert isinstance(cases, list) and len(cases) >= 40
    assert {c["split"] for c in cases} == {"val", "test"}
    got = list(iter_cases(REAL_SET, split="val", bounce=False, size=64))
    first = got[: len(BACKGROUNDS)]
    assert [c.background for c in first] == list(BACKGROUNDS)
    for c in first:
        assert c.rgb.shape == (1, 64, 64, 3) and c.alpha.shape == (1, 64, 64)
        assert 0.05 < float(c.alpha.mean()) < 0.95
        # the background shows where the truth is transparent
        corner = c.rgb[0, :4, :4].reshape(-1, 3).astype(float)
        assert corner.std(axis=0).max() < 12
