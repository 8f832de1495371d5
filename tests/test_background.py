"""Colour key: removes border-connected flat background only, with soft, clean edges."""

from __future__ import annotations

import io
from collections import deque

import numpy as np
import pytest
from PIL import Image, ImageDraw

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.matte.background import colorkey, flood_fill, has_useful_alpha, remove_background_colorkey


def _penguin_on_white(side: int = 96) -> np.ndarray:
    """Black body, an enclosed white belly, on white: the case a naive key gets wrong."""
    big = Image.new("RGB", (side * 4, side * 4), (255, 255, 255))
    d = ImageDraw.Draw(big)
    d.ellipse((side * 0.6, side * 0.4, side * 3.4, side * 3.7), fill=(20, 20, 30))
    d.ellipse((side * 1.2, side * 1.2, side * 2.8, side * 3.4), fill=(255, 255, 255))
    return np.asarray(big.resize((side, side), Image.Resampling.LANCZOS))


def _jpeg(rgb: np.ndarray, quality: int = 80) -> np.ndarray:
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=quality)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))


@pytest.mark.parametrize("jpeg", [False, True])
def test_keeps_enclosed_white_and_removes_the_outside(jpeg: bool) -> None:
    rgb = _penguin_on_white()
    if jpeg:
        rgb = _jpeg(rgb)
    out = remove_background_colorkey(rgb)
    a = out[..., 3]
    assert a[2, 2] == 0 and a[-3, -3] == 0 and a[2, -3] == 0
    assert (a[45:70, 40:56] == 255).all(), "the white belly must stay opaque"
    assert a[60, 20] == 255 and a[50, 20] == 255  # the black body
    # background pixels far from the subject are fully clear: no JPEG specks
    assert (a[:6] == 0).all() and (a[:, :8] == 0).all()


def test_edges_are_soft_and_decontaminated() -> None:
    out = remove_background_colorkey(_penguin_on_white())
    a = out[..., 3]
    partial = (a > 40) & (a < 215)
    assert partial.sum() > 20, "an anti-aliased outline should give partial alpha"
    # the outline is black: its semi-transparent pixels must not keep the white they were mixed with
    assert out[partial][:, :3].mean() < 60


def test_rgba_input_keeps_existing_transparency() -> None:
    rgb = _penguin_on_white()
    rgba = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    rgba[40:50, 40:50, 3] = 0
    out = remove_background_colorkey(rgba)
    assert (out[40:50, 40:50, 3] == 0).all()


def test_coloured_flat_background() -> None:
    img = np.zeros((64, 64, 3), np.uint8)
    img[:] = (40, 160, 90)
    img[20:44, 20:44] = (250, 250, 250)
    result = colorkey(img)
    assert result.background == (40, 160, 90)
    assert result.rgba[32, 32, 3] == 255 and result.rgba[5, 5, 3] == 0


def test_refuses_a_busy_background() -> None:
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)
    with pytest.raises(InvalidInputError, match="not a flat colour"):
        remove_background_colorkey(noise)


def test_has_useful_alpha() -> None:
    rgb = _penguin_on_white(32)
    assert not has_useful_alpha(rgb)
    opaque = np.dstack([rgb, np.full(rgb.shape[:2], 255, np.uint8)])
    assert not has_useful_alpha(opaque)
    assert has_useful_alpha(remove_background_colorkey(rgb))


def test_flood_fill_matches_a_plain_bfs() -> None:
    rng = np.random.default_rng(1)
    mask = rng.random((40, 50)) < 0.6
    seeds = np.zeros_like(mask)
    seeds[0, :] = True
    got = flood_fill(mask, seeds & mask)
    want = np.zeros_like(mask)
    queue = deque((0, x) for x in range(50) if mask[0, x])
    for y, x in queue:
        want[y, x] = True
    while queue:
        y, x = queue.popleft()
        for dy, dx in ((1, 0), (-1, 0), (0, 1), (0, -1)):
            ny, nx = y + dy, x + dx
            if 0 <= ny < 40 and 0 <= nx < 50 and mask[ny, nx] and not want[ny, nx]:
                want[ny, nx] = True
                queue.append((ny, nx))
    assert np.array_equal(got, want)
