"""The warm text -> sticker shortcuts give what the long way gives: a rigidly moved ARAP layer, a paint layer
stored on its painted box, the even-odd inside test, an effect's box found on its painted box."""

from __future__ import annotations

import numpy as np
import pytest

from sticker_studio.core.puppet import paint
from sticker_studio.core.puppet.arap import ArapSolver
from sticker_studio.core.puppet.effects import EffectAnchors, EffectKind, draw_effect, effect_layer
from sticker_studio.core.puppet.framed import _drawn_box
from sticker_studio.core.puppet.mesh import build_mesh, locate
from sticker_studio.core.puppet.pose import JointTransform


def _solver() -> tuple[ArapSolver, np.ndarray]:
    yy, xx = np.mgrid[0:60, 0:90]
    mask = ((xx - 45) / 40.0) ** 2 + ((yy - 30) / 24.0) ** 2 <= 1.0
    mesh = build_mesh(mask, 6.0)
    pins = np.array([[15.0, 30.0], [45.0, 20.0], [75.0, 30.0], [45.0, 42.0]])
    tri, bary = locate(mesh.vertices, mesh.triangles, pins)
    solver = ArapSolver(mesh.vertices, mesh.triangles, tri, bary)
    return solver, solver.rest_pins()


def test_rigidly_moved_pins_move_the_mesh_by_that_transform_without_factorising() -> None:
    solver, rest = _solver()
    a = 0.4
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    shift = np.array([7.5, -3.25])
    moved = solver.solve(rest @ rot.T + shift)
    assert not solver._factorised  # no systems assembled for a rigid move
    assert np.abs(moved - (solver.rest @ rot.T + shift)).max() < 1e-9
    # what the factorised solve gives for the same pins, to float precision
    reference, _ = _solver()
    reference._factorise()
    targets = rest @ rot.T + shift
    reference.rigid_map = lambda targets, tol=1e-9: None  # type: ignore[method-assign]
    assert np.abs(reference.solve(targets) - moved).max() < 1e-6


def test_bent_or_scaled_pins_are_solved_by_arap() -> None:
    solver, rest = _solver()
    bent = rest.copy()
    bent[0] += (0.0, 6.0)
    assert solver.rigid_map(bent) is None
    assert solver.rigid_map(rest * 1.2) is None  # a scale is not rigid: ARAP does not keep it
    out = solver.solve(bent)
    assert solver._factorised and out.shape == solver.rest.shape


def test_joint_transform_unmoved_is_array_equal() -> None:
    rest = np.array([3.0, 4.0])
    assert JointTransform(rest, rest.copy(), np.eye(2)).unmoved()
    assert not JointTransform(rest, rest + (0.0, 1e-12), np.eye(2)).unmoved()
    assert not JointTransform(rest, rest.copy(), np.array([[1.0, 1e-15], [0.0, 1.0]])).unmoved()
    assert not JointTransform(rest, rest.copy(), np.array([[1.0, 0.0], [0.0, np.nan]])).unmoved()


def _anchors(cx: float = 80.0, cy: float = 90.0, r: float = 40.0) -> EffectAnchors:
    return EffectAnchors((cx, cy), r, eyes=((cx - 14.0, cy - 4.0), (cx + 14.0, cy - 4.0)), mouth=(cx, cy + 16.0))


@pytest.mark.parametrize("kind", list(EffectKind))
def test_a_layer_stored_on_its_box_paints_what_a_frame_sized_one_does(kind: EffectKind) -> None:
    base = np.zeros((160, 170, 4), np.uint8)
    base[60:120, 40:120] = (200, 150, 90, 255)
    layer = effect_layer(base.shape, kind, _anchors(), 0.45, 1.0, 3)
    assert layer is not None and layer.touched is not None and layer.store is not None
    box = layer.touched
    assert layer.store.shape == (box.y1 - box.y0, box.x1 - box.x0, 4)
    full = layer.rgba
    assert full.shape == (160, 170, 4) and np.count_nonzero(full[..., 3]) > 0
    outside = np.ones(full.shape[:2], bool)
    outside[box.slices()] = False
    assert not full[outside].any()
    # compositing the whole layer (zeros outside the box) changes what draw_effect changes, the same way
    a, b = base.copy(), base.copy()
    draw_effect(a, kind, _anchors(), 0.45, 1.0, 3)
    paint.composite_premul(b, paint.Box(0, 160, 0, 170), full)
    assert np.array_equal(a, b) and not np.array_equal(a, base)


def test_inside_even_odd_matches_a_row_by_row_search() -> None:
    rng = np.random.default_rng(5)
    ang = np.sort(rng.uniform(0, 2 * np.pi, 23))
    rad = rng.uniform(8.0, 30.0, 23)
    pts = np.stack([40 + rad * np.cos(ang), 35 + rad * np.sin(ang)], 1)
    box = paint.Box(0, 72, 0, 84)
    xx, yy = box.grid()
    a, b = pts, np.roll(pts, -1, axis=0)
    got = paint._inside_even_odd(xx, yy, a, b)
    want = np.zeros_like(got)
    for r in range(xx.shape[0]):
        y = float(yy[r, 0])
        crosses = (a[:, 1] > y) != (b[:, 1] > y)
        x_at = np.sort(a[crosses, 0] + (b[crosses, 0] - a[crosses, 0]) * (y - a[crosses, 1])
                       / (b[crosses, 1] - a[crosses, 1]))
        want[r] = np.searchsorted(x_at, xx[r].astype(np.float64), side="right") % 2 == 1
    assert got.any() and np.array_equal(got, want)


def test_effect_box_is_the_box_of_the_pixels_drawn_on_a_blank_canvas() -> None:
    shape = (150, 190)
    items = [(EffectKind.HEARTS, _anchors(), 0.5, 1.0), (EffectKind.ZZZ, _anchors(110.0, 60.0, 30.0), 0.7, 0.8)]
    blank = np.zeros(shape + (4,), np.uint8)
    for kind, anchors, t, amount in items:
        draw_effect(blank, kind, anchors, t, amount, 2)
    rows, cols = np.flatnonzero(blank[..., 3].any(1)), np.flatnonzero(blank[..., 3].any(0))
    assert rows.size
    assert _drawn_box(shape, items, 2) == (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
    assert _drawn_box(shape, [(EffectKind.HEARTS, _anchors(), 0.0, 1.0)], 2) is None  # t = 0 draws nothing


def test_edt_at_reads_the_distance_transform_at_the_pixels() -> None:
    from scipy import ndimage

    from sticker_studio.core.puppet.mesh import edt_at

    rng = np.random.default_rng(1)
    for k in range(40):
        h, w = (int(v) for v in rng.integers(5, 90, 2))
        mask = ndimage.binary_opening(rng.random((h, w)) < rng.uniform(0.3, 0.95), iterations=int(k % 3))
        if k == 0:
            mask[:] = True  # no False pixel: the transform's own answer
        iy, ix = rng.integers(0, h, 150), rng.integers(0, w, 150)
        assert np.array_equal(edt_at(mask, iy, ix), ndimage.distance_transform_edt(mask)[iy, ix])


def _flat_texture(noise: bool = False) -> np.ndarray:
    from sticker_studio.core.puppet.raster import padded_premultiplied

    h, w = 90, 110
    yy, xx = np.mgrid[0:h, 0:w]
    alpha = np.where(((xx - 55) / 48.0) ** 2 + ((yy - 45) / 40.0) ** 2 <= 1.0, 255, 0)
    alpha[40:44, 20:90] = 128  # a soft band
    rgb = (((xx // 13 + yy // 17) % 3)[..., None] * np.array([70, 50, 30]) + 40)
    if noise:
        rgb = rgb + np.random.default_rng(0).integers(0, 9, rgb.shape)
    return padded_premultiplied(np.dstack([rgb, alpha]).astype(np.uint8))


@pytest.mark.parametrize("noise", [False, True])
def test_bilinear_over_flat_fills_gives_the_full_blend(monkeypatch: pytest.MonkeyPatch, noise: bool) -> None:
    from sticker_studio.core.puppet import raster

    tex = _flat_texture(noise)
    flat = raster.flat_texels(tex)
    assert flat is not None and (flat.mean() > 0.5) != noise
    rng = np.random.default_rng(3)
    sx = rng.uniform(-3.0, 113.0, 20000).astype(np.float32)
    sy = rng.uniform(-3.0, 93.0, 20000).astype(np.float32)
    got = raster.bilinear(tex, sx.copy(), sy.copy(), snap=False).copy()
    monkeypatch.setattr(raster, "flat_texels", lambda padded: None)
    want = raster.bilinear(tex, sx.copy(), sy.copy(), snap=False)
    assert np.array_equal(got.view(np.uint32), want.view(np.uint32))  # the very same bits


def test_flat_texels_refuses_a_texture_with_negative_zeros() -> None:
    from sticker_studio.core.puppet.raster import flat_texels

    tex = _flat_texture()
    assert flat_texels(tex) is not None
    odd = tex.copy()
    odd[5, 5, 0] = -0.0
    assert flat_texels(odd) is None
