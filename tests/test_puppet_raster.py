"""The puppet raster's pieces agree with the straightforward computation they replace."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from sticker_studio.core.puppet.raster import (
    bilinear,
    footprint,
    padded_premultiplied,
    premultiplied,
    to_straight_uint8,
    warp_affine,
)


def _texture(seed: int = 0, h: int = 40, w: int = 56) -> np.ndarray:
    rng = np.random.default_rng(seed)
    rgba = rng.integers(0, 256, (h, w, 4)).astype(np.uint8)
    rgba[..., 3] = np.where(rng.random((h, w)) < 0.3, 0, rgba[..., 3])  # transparent holes
    rgba[:5, :, 3] = 0  # a transparent band
    rgba[20:30, 20:40, 3] = 255  # an opaque block
    return rgba


@pytest.mark.parametrize("nearest", [False, True])
def test_bilinear_matches_scipy_on_premultiplied_planes(nearest: bool) -> None:
    rgba = _texture()
    padded = padded_premultiplied(rgba)
    rng = np.random.default_rng(1)
    sx = rng.uniform(-3, rgba.shape[1] + 2, 5000).astype(np.float32)
    sy = rng.uniform(-3, rgba.shape[0] + 2, 5000).astype(np.float32)
    got = bilinear(padded, sx.copy(), sy.copy(), nearest, snap=False)
    planes = np.moveaxis(padded, -1, 0)
    coords = np.stack([sy.astype(np.float64) + 1.0, sx.astype(np.float64) + 1.0])
    if nearest:
        coords = np.floor(coords + 0.5)
    want = np.stack([ndimage.map_coordinates(p, coords, order=1 if not nearest else 0, mode="constant", cval=0.0)
                     for p in planes], 1)
    assert np.abs(got - want).max() < 0.02  # float32 against float64: a fraction of a level


def test_whole_pixel_samples_are_exact_texels() -> None:
    rgba = _texture(2)
    padded = padded_premultiplied(rgba)
    ys, xs = np.mgrid[0:rgba.shape[0], 0:rgba.shape[1]]
    got = bilinear(padded, xs.ravel().astype(np.float32), ys.ravel().astype(np.float32))
    assert np.array_equal(got.reshape(rgba.shape), premultiplied(rgba))


def test_straight_round_trip_keeps_every_visible_pixel() -> None:
    rgba = _texture(3)
    back = to_straight_uint8(premultiplied(rgba))
    visible = rgba[..., 3] > 0
    assert np.array_equal(back[visible], rgba[visible])
    assert not back[~visible].any()  # transparent pixels carry no stray colour


@pytest.mark.parametrize("turn", [0.0, 0.3])
def test_warp_paths_agree(turn: float) -> None:
    """The separable warp (no turn) and the footprint-limited one match a dense bilinear of the same map."""
    rgba = _texture(4)
    padded = padded_premultiplied(rgba)
    c, s = np.cos(turn), np.sin(turn)
    inverse = np.array([[0.8 * c, -0.8 * s, 3.3], [0.8 * s, 1.1 * c, -2.6]])
    box = (0, 0, 80, 70)
    fast = np.zeros((70, 80, 4), np.float32)
    warp_affine(fast, padded, inverse, box, cover=footprint(padded))
    ys, xs = np.mgrid[0:70, 0:80].astype(np.float64)
    sx = inverse[0, 0] * xs + inverse[0, 1] * ys + inverse[0, 2]
    sy = inverse[1, 0] * xs + inverse[1, 1] * ys + inverse[1, 2]
    dense = bilinear(padded, sx.ravel().astype(np.float32), sy.ravel().astype(np.float32), snap=False)
    assert np.abs(fast - dense.reshape(fast.shape)).max() < 0.05


@pytest.mark.parametrize("motion", ["wave", "hop", "nod"])
def test_redrawing_only_what_moved_matches_a_full_redraw(motion: str) -> None:
    """Frames made by redrawing the moving layers' box (and warping whole-body moves) match redrawing everything."""
    from PIL import Image, ImageDraw

    from sticker_studio.core.puppet import propose_rig
    from sticker_studio.core.puppet.animate import motion_poses, prepare
    from sticker_studio.core.puppet.motions import CharacterParams, find_character_motion

    im = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.line([(80, 125), (63, 153)], fill=(50, 50, 80, 255), width=11)
    d.line([(80, 125), (97, 153)], fill=(50, 50, 80, 255), width=11)
    d.line([(67, 80), (25, 108)], fill=(240, 190, 120, 255), width=10)
    d.line([(93, 80), (135, 108)], fill=(240, 190, 120, 255), width=10)
    d.ellipse([58, 70, 102, 133], fill=(60, 120, 220, 255), outline=(40, 30, 30, 255), width=2)
    d.ellipse([52, 10, 108, 70], fill=(240, 190, 120, 255), outline=(40, 30, 30, 255), width=2)
    rgba = np.asarray(im).copy()
    rig = propose_rig(rgba)
    puppet = prepare(rgba, rig).puppet
    mot = find_character_motion(motion)
    assert mot is not None
    checked = 0
    for pose in motion_poses(mot, rig, puppet, CharacterParams(), [0.2, 0.45, 0.7]):
        if puppet._moves_as_a_whole(pose, puppet.deform(pose)):
            continue  # one warp of the whole drawing by design (its soft edges differ from layer by layer)
        checked += 1
        fast = puppet.render(pose, (200, 200), (20, 20))
        full = puppet.render(pose, (200, 200), (20, 20), force_raster=True)
        a, b = premultiplied(fast), premultiplied(full)
        assert np.abs(a - b).max() <= 1.5, motion  # the same picture to a level (edge pixels of the mesh fill)
    assert checked >= 2


def test_affine_fit_finds_the_map_and_refuses_a_bend() -> None:
    from sticker_studio.core.puppet.raster import affine_fit, invert_affine

    rng = np.random.default_rng(5)
    rest = rng.uniform(0, 100, (300, 2))
    m = np.array([[0.9 * np.cos(0.4), -np.sin(0.4), 12.5], [np.sin(0.4), 1.1 * np.cos(0.4), -7.25]])
    moved = rest @ m[:, :2].T + m[:, 2]
    fit = affine_fit(rest, moved)
    assert fit is not None and np.abs(fit - m).max() < 1e-9
    back = np.concatenate([moved, np.ones((len(moved), 1))], 1) @ invert_affine(fit).T
    assert np.abs(back - rest).max() < 1e-9
    bent = moved.copy()
    bent[17] += (0.0, 0.05)  # one vertex off the map: a bent mesh
    assert affine_fit(rest, bent) is None
    assert affine_fit(rest, np.zeros_like(rest)) is None  # collapsed to a point: no inverse


@pytest.mark.parametrize("turn", [0.0, 0.35])
def test_an_affine_layer_resample_matches_its_textured_mesh(turn: float) -> None:
    """draw_affine (one map for the whole texture) paints what draw_mesh paints where the mesh covers a pixel."""
    from sticker_studio.core.puppet.mesh import build_mesh
    from sticker_studio.core.puppet.raster import affine_fit, draw_affine, draw_mesh, invert_affine

    rgba = _texture(6)
    rgba[..., 3] = np.where(np.hypot(*np.mgrid[-20:20, -28:28]) < 17, np.maximum(rgba[..., 3], 40), 0)
    padded = padded_premultiplied(rgba)
    mesh = build_mesh(rgba[..., 3] > 0, 6.0)
    c, s = np.cos(turn), np.sin(turn)
    m = np.array([[1.15 * c, -0.9 * s, 20.3], [1.15 * s, 0.9 * c, 11.6]])
    moved = mesh.vertices @ m[:, :2].T + m[:, 2]
    fit = affine_fit(mesh.vertices, moved)
    assert fit is not None
    under = np.full((90, 100, 4), 30.0, np.float32)  # a half-transparent grey under both
    under[..., 3] = 60.0
    by_mesh, by_map = under.copy(), under.copy()
    draw_mesh(by_mesh, padded, mesh.vertices, moved, mesh.triangles)
    draw_affine(by_map, padded, invert_affine(fit), (0, 0, 100, 90), cover=footprint(padded))
    drawn = np.abs(by_mesh - under).max(-1) > 0
    assert drawn.sum() > 500
    assert np.abs(by_map - by_mesh)[drawn].max() < 0.05
    # outside the mesh the map paints at most the texture's bilinear fringe, never a hole or a stray block
    assert np.count_nonzero(np.abs(by_map - by_mesh).max(-1) > 0.05) < 0.05 * drawn.sum()
