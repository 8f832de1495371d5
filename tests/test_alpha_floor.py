"""The colour floor under a matte: alpha never below what a pixel's colour needs over a flat background."""

from __future__ import annotations

import numpy as np
import pytest

from sticker_studio.core.matte.alpha_floor import raise_to_colour_floor
from sticker_studio.core.matte.layout_prior import clip_layout_priors
from sticker_studio.core.matte.lineart import least_opacity


def _scissors_on(paper: tuple[int, int, int], noise: float = 0.0) -> np.ndarray:
    """Two frames: a thin, saturated blue blade, a 30 % black shadow and a faint tint, on paper."""
    rng = np.random.default_rng(0)
    img = np.empty((2, 64, 64, 3), np.float32)
    img[:] = paper
    img[:, 10:40, 30:33] = (0, 40, 230)             # a blade three pixels wide
    shadow = np.asarray(paper, np.float32) * 0.7    # black at 30 % over the paper
    img[:, 50:56, 10:30] = shadow
    img[:, 4:8, 4:8] = np.asarray(paper, np.float32) - 20  # within the loose band: left alone
    img[:, 60, 60] = np.asarray(paper, np.float32) * 0.6    # a speck of dust, far from the paper
    img += rng.normal(0.0, noise, img.shape)
    return np.clip(img + 0.5, 0, 255).astype(np.uint8)


def test_least_opacity_is_the_colour_to_alpha_bound() -> None:
    frames = _scissors_on((255, 255, 255))
    a = least_opacity(frames[0], np.ones(3, np.float32))
    assert a[20, 31] > 0.98                       # pure-ish blue over white can only be opaque
    assert a[52, 20] == pytest.approx(0.3, abs=0.02)
    assert a[0, 0] == 0.0


def test_the_floor_raises_a_half_transparent_blade_and_nothing_near_the_paper() -> None:
    frames = _scissors_on((255, 255, 255))
    priors = clip_layout_priors(frames)
    guess = np.full(frames.shape[:3], 0.6, np.float32)  # a head unsure of everything
    out = raise_to_colour_floor(frames, guess, priors)
    assert (out[:, 10:40, 30:33] > 0.98).all()
    assert np.allclose(out[:, 52, 20], 0.6)       # 0.6 is already above the shadow's 0.3
    assert np.allclose(out[:, 5, 5], 0.6)         # within the loose tolerance: the head decides
    assert (out >= guess).all()                   # only ever up
    cleaned = np.zeros_like(guess)               # the head took the speck off the paper, faded the
    cleaned[:, 10:40, 30:33] = 0.2                # blade and left the shadow out
    low = raise_to_colour_floor(frames, cleaned, priors)
    assert (low[:, 60, 60] == 0.0).all()          # a speck the estimate removed stays removed
    assert (low[:, 10:40, 30:33] > 0.98).all()    # a stroke is raised even where the head faded it
    assert low[0, 52, 20] == pytest.approx(0.3, abs=0.02)


def test_the_floor_leaves_a_noisy_or_textured_background_to_the_head() -> None:
    frames = _scissors_on((240, 236, 228), noise=6.0)
    priors = clip_layout_priors(frames)
    assert not priors[0].tolerances.flat
    guess = np.full(frames.shape[:3], 0.6, np.float32)
    assert np.array_equal(raise_to_colour_floor(frames, guess, priors), guess)


def test_matte_with_prior_applies_the_floor_and_flips_reuse_it(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    from sticker_studio.engine.matting import matte as matting
    from sticker_studio.training.matting.train import build_matting_head

    frames = _scissors_on((255, 255, 255))
    monkeypatch.setattr(matting, "run_head", lambda head, x, **kw: torch.full((x.shape[0], 1, *x.shape[-2:]), 0.6))
    head = build_matting_head("layout-tiny").eval()
    fresh = matting.matte_with_prior(frames, head)
    assert (fresh.rgba[:, 10:40, 30:33, 3] == 255).all()   # a head that calls the blade 60 % opaque
    again = matting.matte_with_prior(frames, None, base_alpha=fresh.network_alpha)
    assert np.array_equal(again.rgba, fresh.rgba)


def test_the_floor_is_the_same_computed_in_small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    import sticker_studio.core.matte.alpha_floor as alpha_floor

    frames = _scissors_on((250, 248, 240))
    priors = clip_layout_priors(frames)
    guess = np.random.default_rng(1).random(frames.shape[:3]).astype(np.float32)
    whole = raise_to_colour_floor(frames, guess, priors)
    monkeypatch.setattr(alpha_floor, "CHUNK_PIXELS", 7)
    assert np.array_equal(raise_to_colour_floor(frames, guess, priors), whole)
    assert not np.array_equal(whole, guess)
