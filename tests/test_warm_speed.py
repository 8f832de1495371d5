"""The warm text -> sticker path's shortcuts give the same pixels and values as the long way round."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from sticker_studio.core.recolour import CHROMA_MIN, OUTLINE_VALUE, DominantColour, dominant_colour, rgb_to_hsv
from sticker_studio.core.text.art_library import DEFAULT_STYLE, ArtLibrary
from sticker_studio.training.data.build_rig_cache import render_library_entry


def _entry(label: str, size: int) -> np.ndarray:
    library = ArtLibrary.load()
    return render_library_entry(next(i for i, e in enumerate(library.entries) if e.label == label), size,
                                DEFAULT_STYLE)


def _dominant_over_every_pixel(rgba: np.ndarray) -> DominantColour:
    """The dominant colour computed over the whole image (what dominant_colour did before it skipped
    the transparent pixels)."""
    hsv = rgb_to_hsv(rgba[..., :3].astype(np.float64) / 255.0)
    alpha = rgba[..., 3].astype(np.float64) / 255.0
    body = (alpha > 0.5) & (hsv[..., 2] > OUTLINE_VALUE)
    total = max(1, int(body.sum()))
    chroma = body & (hsv[..., 1] > CHROMA_MIN)
    if chroma.sum() < 0.3 * total:
        grey = body & ~chroma
        vals = hsv[..., 2][grey] if grey.any() else np.array([0.5])
        return DominantColour(None, float(hsv[..., 1][grey].mean()) if grey.any() else 0.0,
                              float(np.median(vals)), float(grey.sum()) / total)
    hues, weights = hsv[..., 0][chroma], hsv[..., 1][chroma]
    hist, _ = np.histogram(hues, bins=72, range=(0.0, 360.0), weights=weights)
    smooth = np.convolve(np.concatenate([hist[-2:], hist, hist[:2]]), np.array([1.0, 2.0, 3.0, 2.0, 1.0]), "valid")
    peak = (int(np.argmax(smooth)) + 0.5) * 5.0
    near = np.abs((hues - peak + 180.0) % 360.0 - 180.0) < 30.0
    ang = np.deg2rad(hues[near])
    hue = float(np.rad2deg(np.arctan2(np.sin(ang).mean(), np.cos(ang).mean())) % 360.0)
    fam = chroma.copy()
    fam[chroma] = near
    return DominantColour(hue, float(hsv[..., 1][fam].mean()), float(hsv[..., 2][fam].mean()),
                          float(fam.sum()) / total)


@pytest.mark.parametrize("label", ["cat", "panda", "ghost", "robot", "red apple"])
def test_dominant_colour_over_the_opaque_pixels_equals_the_whole_image(label: str) -> None:
    rgba = _entry(label, 160)
    soft = rgba.copy()
    soft[..., 3] = np.where(soft[..., 3] > 0, np.clip(soft[..., 3].astype(int) - 100, 0, 255), 0).astype(np.uint8)
    for image in (rgba, soft, np.zeros_like(rgba)):
        assert dominant_colour(image) == _dominant_over_every_pixel(image)


def test_a_pose_a_loop_returns_to_is_drawn_once_with_the_same_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    from sticker_studio.core.puppet import AnimateOptions, CharacterParams, framed, prepare
    from sticker_studio.engine.rig.auto import auto_rig

    rgba = _entry("panda", 160)
    rig = auto_rig(rgba)
    plan = prepare(rgba, rig)
    calls: list[int] = []
    real = framed._render

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(framed, "_render", counted)
    drawn = {"shared": 0, "each": 0}
    for motion in ("cry", "nod"):
        options = AnimateOptions(seed=0)
        shared = framed.animate_framed(rgba, rig, motion, CharacterParams(), options, plan=plan, side=160)
        drawn_shared = len(calls)
        counter = itertools.count()

        def unique_key(pose: object, verts: object, counter: itertools.count[int] = counter) -> bytes:
            return str(next(counter)).encode()

        with monkeypatch.context() as m:  # every frame its own key: each one drawn
            m.setattr(framed, "_render_key", unique_key)
            each = framed.animate_framed(rgba, rig, motion, CharacterParams(), options, plan=plan, side=160)
        drawn["shared"] += drawn_shared
        drawn["each"] += len(calls) - drawn_shared
        assert [f.tobytes() for f in shared.frames] == [f.tobytes() for f in each.frames]
        calls.clear()
    assert 0 < drawn["shared"] < drawn["each"]


def test_covered_mask_is_the_pixels_cover_lists() -> None:
    from sticker_studio.core.puppet.raster import cover, covered_mask

    rng = np.random.default_rng(7)
    shape = (37, 53)
    for trial in range(30):
        n = 12
        vertices = rng.uniform(-6, 58, (n, 2))
        if trial % 3 == 0:
            vertices = np.round(vertices)          # vertices and edges on pixel centres
        if trial % 5 == 0:
            vertices[1] = vertices[0] + (vertices[2] - vertices[0]) * 0.5   # a degenerate triangle
        triangles = rng.integers(0, n, (25, 3))
        pix, _ = cover(vertices, triangles, shape)
        expect = np.zeros(shape[0] * shape[1], bool)
        expect[pix] = True
        assert np.array_equal(covered_mask(vertices, triangles, shape), expect.reshape(shape))
    assert not covered_mask(np.zeros((0, 2)), np.zeros((0, 3), np.int64), shape).any()


def test_near_mask_reads_the_dilated_mask_at_the_given_pixels() -> None:
    from scipy import ndimage

    from sticker_studio.core.puppet.layers import near_mask

    rng = np.random.default_rng(3)
    for density in (0.01, 0.05, 0.3):
        mask = rng.random((23, 31)) < density
        iy, ix = np.indices(mask.shape)
        for steps in (1, 2):
            expect = ndimage.binary_dilation(mask, iterations=steps)
            assert np.array_equal(near_mask(mask, iy.ravel(), ix.ravel(), steps), expect.ravel())


def test_segment_distances_column_by_column_equal_the_norm_of_the_projection() -> None:
    from sticker_studio.core.puppet.layers import _seg_dist

    rng = np.random.default_rng(0)
    ys, xs = np.nonzero(rng.random((60, 50)) < 0.7)
    pts = np.stack([xs, ys], 1).astype(np.float64)
    for k in range(60):
        a = rng.uniform(-10, 70, 2)
        b = a.copy() if k % 7 == 0 else rng.uniform(-10, 70, 2)
        if k % 5 == 0:
            a, b = np.round(a), np.round(b)
        ab = b - a
        ll = float(ab @ ab)
        t = np.zeros(len(pts)) if ll < 1e-9 else np.clip(((pts - a) @ ab) / ll, 0.0, 1.0)
        expect = np.linalg.norm(pts - (a + t[:, None] * ab), axis=1)
        assert _seg_dist(pts, a, b, xs.astype(np.float64), ys.astype(np.float64)).tobytes() == expect.tobytes()


def test_effect_bounds_hold_every_pixel_the_effect_draws() -> None:
    from sticker_studio.core.puppet.effects import EffectAnchors, EffectKind, draw_effect, effect_bounds

    anchors = EffectAnchors(head_center=(60.0, 50.0), head_radius=30.0, eyes=((50.0, 45.0), (70.0, 45.0)),
                            mouth=(60.0, 65.0), facing=1, eye_radius=4.0)
    near_edge = EffectAnchors(head_center=(8.0, 10.0), head_radius=25.0)
    drawn = 0
    for kind in EffectKind:
        for a in (anchors, near_edge):
            for t in (0.0, 0.1, 0.37, 0.5, 0.83):
                frame = np.zeros((120, 110, 4), np.uint8)
                draw_effect(frame, kind, a, t, 0.9, seed=3)
                box = effect_bounds(frame.shape, kind, a, t, 0.9, seed=3)
                ys, xs = np.nonzero(frame[..., 3])
                if ys.size == 0:
                    continue
                drawn += 1
                assert box is not None, (kind, t)
                assert box.y0 <= ys.min() and ys.max() < box.y1 and box.x0 <= xs.min() and xs.max() < box.x1, (kind, t)
    assert drawn > 2 * len(EffectKind)
