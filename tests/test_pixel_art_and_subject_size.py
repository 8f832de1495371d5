"""Pixel-art mode (detected or chosen) and one subject size per pack."""

from __future__ import annotations

import numpy as np
import pytest

from sticker_studio.core import pixelart
from sticker_studio.core.motion.presets import DEFAULT_SUBJECT_SIZE, animate
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.fit import fit_sticker
from sticker_studio.formats.readers import read_sticker_bytes
from sticker_studio.formats.targets import TARGETS

PALETTE = np.array([(20, 20, 30), (230, 60, 60), (250, 200, 60), (60, 160, 230), (250, 250, 250), (90, 200, 90)],
                   np.uint8)


def sprite() -> np.ndarray:
    """A 6-colour 64x64 sprite with hard alpha (the issue's example)."""
    rng = np.random.default_rng(7)
    idx = rng.integers(0, len(PALETTE), (16, 16))
    small = np.zeros((16, 16, 4), np.uint8)
    small[..., :3] = PALETTE[idx]
    small[..., 3] = 255
    small[:2, :] = 0
    small[:, :3] = 0
    small[-1, -4:] = 0
    return np.repeat(np.repeat(small, 4, 0), 4, 1)  # drawn at 4 px per art pixel


def colours(frames: list[np.ndarray]) -> set[tuple[int, int, int]]:
    out: set[tuple[int, int, int]] = set()
    for f in frames:
        out.update(map(tuple, f[..., :3][f[..., 3] > 0].reshape(-1, 3).tolist()))
    return out


def soft_drawing(side: int = 96) -> np.ndarray:
    yy, xx = np.mgrid[0:side, 0:side] / side
    d = np.hypot(xx - 0.5, yy - 0.5)
    frame = np.zeros((side, side, 4), np.uint8)
    frame[..., 0] = (255 * xx).astype(np.uint8)
    frame[..., 1] = (255 * yy).astype(np.uint8)
    frame[..., 2] = 128
    frame[..., 3] = (np.clip((0.4 - d) * 40, 0, 1) * 255).astype(np.uint8)
    return frame


def test_detection_and_grid() -> None:
    art = sprite()
    assert pixelart.looks_like_pixel_art([art])
    assert pixelart.cell_size(art) == 4
    native, k = pixelart.native([art])
    assert k == 4 and native[0].shape == (16, 16, 4)
    assert not pixelart.looks_like_pixel_art([soft_drawing()])
    assert pixelart.is_pixel_art([soft_drawing()], {"pixel_art": True})  # chosen beats detected
    assert not pixelart.is_pixel_art([art], {"pixel_art": False})


@pytest.mark.parametrize("motion", ["bounce", "float", "spin", "jelly", "slide-in"])
def test_pixel_art_motion_keeps_palette_and_hard_alpha(motion: str) -> None:
    out = animate(sprite(), motion, frames=8)
    assert out.metadata["pixel_art"] is True
    assert out.size == (512, 512)  # 16 art pixels x 32: room to move, not the 64 px input
    alphas = set(np.unique(np.stack([f[..., 3] for f in out.frames])).tolist())
    assert alphas <= {0, 255}, alphas
    assert colours(out.frames) <= set(map(tuple, PALETTE.tolist()))
    scale = out.metadata["pixel_scale"]  # output pixels per art pixel
    assert scale == pytest.approx(round(scale)) and round(scale) >= 2


def test_pixel_art_rest_frame_is_an_exact_whole_multiple() -> None:
    out = animate(sprite(), "pulse", frames=4, amplitude=0.0)  # amplitude 0: every frame at rest
    frame = out.frames[0]
    ys, xs = np.nonzero(frame[..., 3])
    crop = frame[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    native = pixelart.native([sprite()])[0][0]
    nys, nxs = np.nonzero(native[..., 3])
    ncrop = native[nys.min():nys.max() + 1, nxs.min():nxs.max() + 1]
    k = crop.shape[0] // ncrop.shape[0]
    assert k >= 2 and crop.shape[:2] == (ncrop.shape[0] * k, ncrop.shape[1] * k)
    assert np.array_equal(crop, pixelart.scale_nearest(ncrop, k))


def test_pixel_art_export_is_crisp_and_lossless() -> None:
    sticker = Sticker([sprite()], [100])
    result = fit_sticker(sticker, TARGETS["whatsapp"])  # 16 art px -> x32 on the 512 canvas
    decoded = read_sticker_bytes(result.data, "x.webp")
    assert "pixel art" in " ".join(result.notes)
    native = pixelart.native([sprite()])[0][0]
    assert np.array_equal(decoded.frames[0], pixelart.fit_pixel_art(native, 512, 512))
    for name in ("signal", "slack"):
        out = read_sticker_bytes(fit_sticker(sticker, TARGETS[name]).data, f"x{TARGETS[name].extension}")
        assert set(np.unique(out.frames[0][..., 3]).tolist()) <= {0, 255}
        assert colours(out.frames) <= set(map(tuple, PALETTE.tolist()))


def test_soft_drawing_is_not_treated_as_pixel_art() -> None:
    out = animate(soft_drawing(), "bounce", frames=4)
    assert out.metadata["pixel_art"] is False
    assert len(np.unique(out.frames[0][..., 3])) > 10


# ----------------------------------------------------------------- subject size
@pytest.mark.parametrize("motion", ["bounce", "float", "shake", "wobble", "pulse", "nod", "swing", "jump"])
def test_every_motion_draws_the_subject_at_one_size(motion: str) -> None:
    out = animate(soft_drawing(), motion, frames=8, size=256)
    assert out.metadata["subject_size"] == pytest.approx(DEFAULT_SUBJECT_SIZE, abs=1e-3)
    for f in out.frames:  # nothing clipped at the canvas edge
        assert f[0, :, 3].max() == 0 and f[-1, :, 3].max() == 0
        assert f[:, 0, 3].max() == 0 and f[:, -1, 3].max() == 0


def test_a_big_motion_loses_amplitude_not_size() -> None:
    # at 0.65 a 3x bounce fits with its amplitude reduced (at the default 0.8 not even 0.2 x 3 fits, and
    # the size gives way as the last resort)
    out = animate(soft_drawing(), "bounce", frames=8, size=256, amplitude=3.0, subject_size=0.65)
    assert out.metadata["subject_size"] == pytest.approx(0.65, abs=1e-3)
    assert 0.2 * 3.0 <= out.metadata["amplitude_used"] < 3.0
    for f in out.frames:
        assert f[0, :, 3].max() == 0 and f[-1, :, 3].max() == 0


def test_subject_size_setting_and_legacy_extent_fit() -> None:
    big = animate(soft_drawing(), "float", frames=4, size=256, subject_size=0.8)
    assert big.metadata["subject_size"] == pytest.approx(0.8, abs=1e-3)
    legacy = [animate(soft_drawing(), m, frames=8, size=256, subject_size=0)
              for m in ("bounce", "pulse")]
    sizes = [s.metadata["subject_size"] for s in legacy]
    assert abs(sizes[0] - sizes[1]) > 0.05, "before: each motion shrank the drawing by its own extent"
    with pytest.raises(Exception, match="subject size"):
        animate(soft_drawing(), "float", subject_size=1.5)
