"""The colour guided edge refinement (core/matte/edge_refine.py)."""

from __future__ import annotations

import numpy as np

from sticker_studio.core.matte.edge_refine import edge_band, guided_filter_rgb, radius_for, refine_edges


def _disc(side: int = 64) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[:side, :side]
    inside = (yy - side / 2) ** 2 + (xx - side / 2) ** 2 < (side / 4) ** 2
    rgb = np.full((side, side, 3), 255, np.uint8)
    rgb[inside] = (200, 30, 40)
    return rgb, inside.astype(np.float32)


def test_soft_edge_snaps_back_to_the_colour_edge() -> None:
    from scipy import ndimage

    rgb, truth = _disc()
    soft = ndimage.gaussian_filter(truth, 1.0)  # a head's blurry edge
    for sub in (1, 2):
        refined = refine_edges(rgb[None], soft[None], radius=3, subsample=sub)[0]
        assert np.abs(refined - truth).mean() < 0.8 * np.abs(soft - truth).mean()
        assert refined.min() >= 0.0 and refined.max() <= 1.0


def test_interior_and_flat_alpha_untouched() -> None:
    rgb, truth = _disc()
    alpha = np.full(truth.shape, 0.4, np.float32)  # flat alpha: no edge band, nothing moves
    assert not edge_band(alpha).any()
    np.testing.assert_array_equal(refine_edges(rgb[None], alpha[None])[0], alpha)
    stepped = truth.copy()
    refined = refine_edges(rgb[None], stepped[None], radius=3)[0]
    off_band = ~edge_band(stepped)
    np.testing.assert_array_equal(refined[off_band], stepped[off_band])


def test_float64_fit_is_exact_on_flat_paper() -> None:
    # a float32 fit loses the tiny covariances of flat paper and returns garbage there
    rgb = np.full((32, 32, 3), 250, np.float64) / 255.0
    src = np.zeros((32, 32), np.float32)
    src[:, 16:] = 1.0
    out = guided_filter_rgb(rgb, src, 3)
    assert np.isfinite(out).all()
    assert np.abs(out[:, :10]).max() < 1e-3 and np.abs(out[:, -10:] - 1.0).max() < 1e-3


def test_radius_grows_with_the_frame() -> None:
    assert radius_for(256, 256) == 3
    assert radius_for(512, 512) == 4
    assert 2 <= radius_for(32, 32) <= radius_for(4096, 4096) <= 8


def test_the_band_window_gives_the_whole_frames_fit() -> None:
    from scipy import ndimage

    from sticker_studio.core.matte.edge_refine import colour_edges

    rng = np.random.default_rng(3)
    for side, (cy, cx), sub in ((97, (30, 61), 1), (97, (30, 61), 2), (120, (8, 111), 2), (64, (32, 32), 2)):
        yy, xx = np.mgrid[:side, :side]
        inside = (yy - cy) ** 2 + (xx - cx) ** 2 < 12**2
        rgb = np.clip(rng.normal(245, 3, (side, side, 3)), 0, 255).astype(np.uint8)
        rgb[inside] = (40, 90, 200)
        soft = ndimage.gaussian_filter(inside.astype(np.float32), 1.2)[None]
        frozen = [np.zeros((side, side), np.int32)]
        frozen[0][cy, cx - 13 : cx - 9] = 1
        got = refine_edges(rgb[None], soft, radius=3, subsample=sub, frozen=frozen)[0]
        band = edge_band(soft[0]) & colour_edges(rgb, 3) & (frozen[0] == 0)
        want = soft[0].copy()
        want[band] = np.clip(guided_filter_rgb(rgb / 255.0, soft[0], 3, subsample=sub), 0, 1)[band]
        np.testing.assert_allclose(got, want, atol=1e-6)
        assert band.sum() > 20 and not np.array_equal(got, soft[0])


def test_a_kept_white_interior_keeps_its_rim_opaque_beside_a_soft_outline() -> None:
    from scipy import ndimage

    from sticker_studio.core.matte.layout_prior import clip_layout_priors
    from sticker_studio.engine.matting.matte import matte_with_prior

    side = 96
    r = np.hypot(*(np.mgrid[:side, :side] - side / 2))
    ink = np.clip(1.0 - np.abs(r - 30) / 2.5, 0, 1)  # a dark outline, anti-aliased both ways
    rgb = np.repeat((255 - ink * 215)[..., None], 3, -1).round().astype(np.uint8)[None]  # white in, white out
    soft = ndimage.gaussian_filter((r < 31).astype(np.float32), 2.0)[None]  # a head that kept the body, softly
    prior = clip_layout_priors(rgb)[0]
    rim = (prior.enclosed_labels > 0) & (prior.distance >= prior.tolerances.tight)
    assert rim.sum() > 50  # the interior's anti-aliased pixels beside the outline, inside the region
    out = matte_with_prior(rgb, None, base_alpha=soft).rgba[0, ..., 3]
    assert (out[prior.enclosed_labels > 0] == 255).all()  # kept whole: the refinement leaves it alone
