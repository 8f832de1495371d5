"""Writers: decode what was written and compare with the source."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fixtures_formats import frame_id, moving_disc, numbered_frames
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.ffmpeg import probe_video
from sticker_studio.formats.quality import timeline_psnr
from sticker_studio.formats.readers import read_sticker, read_sticker_bytes
from sticker_studio.formats.sniff import is_apng, png_color_type
from sticker_studio.formats.writers import encode_sticker, gif_timing, write_sticker


def test_webm_vp9_keeps_alpha(tmp_path: Path) -> None:
    src = moving_disc(8, 64, fps=10)
    path = write_sticker(src, tmp_path / "a.webm", crf=20)
    probe = probe_video(path)
    assert probe.codec == "vp9" and probe.alpha_mode and not probe.has_audio
    out = read_sticker(path)  # decoded with libvpx-vp9
    assert out.frame_count == 8 and out.size == (64, 64)
    assert out.total_duration_ms == pytest.approx(800, abs=2)
    alpha_err = np.abs(out.as_array()[..., 3].astype(int) - src.as_array()[..., 3].astype(int))
    assert alpha_err.mean() < 3.0
    assert out.frames[0][0, 0, 3] < 8 and out.frames[0][32, 20, 3] > 247
    assert timeline_psnr(src, out) > 30


def test_webm_variable_durations_resampled_by_timing_rule(tmp_path: Path) -> None:
    src = Sticker(numbered_frames(3, 32), [300, 100, 200])
    out = read_sticker(write_sticker(src, tmp_path / "v.webm", crf=10))
    assert out.total_duration_ms == pytest.approx(600, abs=2)
    shown = [frame_id(out.frames[out.frame_index_at(t)]) for t in (0, 250, 310, 450, 590)]
    assert shown == [0, 0, 1, 2, 2]


def test_webm_odd_size_is_padded_not_scaled(tmp_path: Path) -> None:
    out = read_sticker(write_sticker(moving_disc(2, 33), tmp_path / "odd.webm"))
    assert out.size == (34, 34)


def test_apng_is_full_rgba_even_with_reduced_colours(tmp_path: Path) -> None:
    src = moving_disc(5, 48, fps=10)
    for colors in (None, 16):
        data = encode_sticker(src, "apng", colors=colors)
        assert png_color_type(data) == 6 and is_apng(data)
        out = read_sticker_bytes(data, "a.png")
        assert out.frame_count == 5 and out.durations_ms == src.durations_ms and out.loop_count == 0
        if colors is None:
            assert timeline_psnr(src, out) == float("inf")
        else:
            assert 25 < timeline_psnr(src, out) < float("inf")
            assert len(np.unique(out.as_array().reshape(-1, 4), axis=0)) <= 16


def test_webp_lossy_and_lossless(tmp_path: Path) -> None:
    src = moving_disc(6, 48, fps=12, loop_count=2)
    lossy = read_sticker(write_sticker(src, tmp_path / "a.webp", quality=80))
    assert lossy.frame_count == 6 and lossy.durations_ms == src.durations_ms and lossy.loop_count == 2
    assert timeline_psnr(src, lossy) > 30
    small = encode_sticker(src, "webp", quality=5)
    big = encode_sticker(src, "webp", quality=95)
    assert len(small) < len(big)


def test_gif_shared_palette_one_bit_alpha_and_timing(tmp_path: Path) -> None:
    src = moving_disc(6, 48, fps=12)
    path = write_sticker(src, tmp_path / "a.gif")
    out = read_sticker(path)
    assert out.frame_count == 6
    assert set(np.unique(out.as_array()[..., 3])) <= {0, 255}
    hard = src.as_array()[..., 3] >= 128
    assert np.array_equal(out.as_array()[..., 3] == 255, hard)
    # cumulative centisecond rounding: 12 fps -> starts 0, 8, 17, 25, 33, 42 cs; loop stays 1/2 s
    assert out.total_duration_ms == 500
    assert abs(out.start_times_ms()[3] - src.start_times_ms()[3]) <= 5
    with Image.open(path) as im:
        assert im.info.get("loop") == 0


def test_gif_caps_at_50_fps_by_timing_rule() -> None:
    src = Sticker.from_frames(numbered_frames(20), fps=100)
    capped, cs = gif_timing(src)
    assert min(cs) >= 2 and sum(cs) == 20
    assert capped.frame_count == 10
    assert [frame_id(f) for f in capped.frames] == [0, 2, 4, 6, 8, 10, 12, 14, 16, 18]


def test_gif_loop_count_semantics(tmp_path: Path) -> None:
    for plays in (1, 3):
        out = read_sticker(write_sticker(moving_disc(3, 16, loop_count=plays), tmp_path / f"p{plays}.gif"))
        assert out.loop_count == plays


def test_static_sticker_and_unknown_extension(tmp_path: Path) -> None:
    one = Sticker([np.full((10, 10, 4), 200, np.uint8)], [100])
    assert read_sticker(write_sticker(one, tmp_path / "s.png")).frame_count == 1
    with pytest.raises(InvalidInputError, match="cannot write"):
        write_sticker(one, tmp_path / "s.bmp")
    assert not (tmp_path / "s.bmp").exists()
