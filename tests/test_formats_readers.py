"""Readers: every container, odd-but-valid files, and hostile inputs."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from fixtures_formats import (
    bomb_png,
    frame_id,
    moving_disc,
    numbered_frames,
    palette_gif_with_transparency,
    write_gif,
)
from sticker_studio.core.errors import InvalidInputError, LimitExceededError
from sticker_studio.core.sticker import DEFAULT_FRAME_MS
from sticker_studio.formats.ffmpeg import ffmpeg_exe
from sticker_studio.formats.limits import DecodeLimits
from sticker_studio.formats.readers import read_sticker, read_sticker_bytes
from sticker_studio.formats.writers import write_sticker


def test_gif_frames_durations_and_loop(tmp_path: Path) -> None:
    path = write_gif(tmp_path / "a.gif", numbered_frames(5), [100, 200, 100, 50, 70], loop=0)
    s = read_sticker(path)
    assert s.frame_count == 5 and s.size == (16, 16)
    assert s.durations_ms == [100, 200, 100, 50, 70]
    assert [frame_id(f) for f in s.frames] == [0, 1, 2, 3, 4]
    assert s.loop_count == 0


def test_gif_without_netscape_block_plays_once(tmp_path: Path) -> None:
    s = read_sticker(write_gif(tmp_path / "once.gif", numbered_frames(3), [100] * 3, loop=None))
    assert s.loop_count == 1


def test_zero_delay_gif_gets_default_delay(tmp_path: Path) -> None:
    s = read_sticker(write_gif(tmp_path / "z.gif", numbered_frames(3), [0, 0, 0]))
    assert s.durations_ms == [DEFAULT_FRAME_MS] * 3


def test_palette_gif_with_transparency(tmp_path: Path) -> None:
    s = read_sticker(palette_gif_with_transparency(tmp_path / "p.gif"))
    assert s.frame_count == 4
    f0, f3 = s.frames[0], s.frames[3]
    assert f0[0, 0, 3] == 0  # transparent index
    assert tuple(f0[5, 3]) == (255, 0, 0, 255)
    # disposal 2: the square moved; where it was in frame 0 is transparent again in frame 3
    assert f3[5, 3, 3] == 0 and tuple(f3[5, 12]) == (255, 0, 0, 255)
    assert tuple(f3[16, 10]) == (0, 0, 255, 255)


def test_apng_and_webp_roundtrip(tmp_path: Path) -> None:
    src = moving_disc(6, 32, fps=10, loop_count=3)
    for name in ("a.png", "a.webp"):
        path = write_sticker(src, tmp_path / name, quality=100 if name.endswith("webp") else None,
                             **({"lossless": True} if name.endswith("webp") else {}))
        s = read_sticker(path)
        assert s.frame_count == 6 and s.durations_ms == src.durations_ms and s.loop_count == 3
        visible = src.as_array()[..., 3] > 0
        assert np.array_equal(s.as_array()[..., 3], src.as_array()[..., 3])
        assert np.array_equal(s.as_array()[..., :3][visible], src.as_array()[..., :3][visible])


def test_still_images_16bit_grey_cmyk_and_exif(tmp_path: Path) -> None:
    grey16 = (np.arange(20 * 30, dtype=np.uint16).reshape(20, 30) * 100).astype(np.uint16)
    Image.fromarray(grey16).save(tmp_path / "g16.png")
    s = read_sticker(tmp_path / "g16.png")
    assert s.size == (30, 20) and s.frame_count == 1
    assert s.frames[0][19, 29, 0] == round(599 * 100 / 65535 * 255)
    Image.fromarray(np.full((8, 9), 77, np.uint8)).save(tmp_path / "grey.png")
    assert tuple(read_sticker(tmp_path / "grey.png").frames[0][0, 0]) == (77, 77, 77, 255)
    Image.new("CMYK", (10, 6), (0, 255, 255, 0)).save(tmp_path / "cmyk.jpg", quality=95)
    red = read_sticker(tmp_path / "cmyk.jpg").frames[0][3, 5]
    assert red[0] > 200 and red[1] < 60 and red[2] < 60 and red[3] == 255
    im = Image.new("RGB", (40, 10), (10, 200, 10))
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees on display
    im.save(tmp_path / "rot.jpg", exif=exif)
    assert read_sticker(tmp_path / "rot.jpg").size == (10, 40)


def test_six_hundred_frame_gif(tmp_path: Path) -> None:
    frames = [np.dstack([np.full((8, 8, 3), k % 256, np.uint8), np.full((8, 8), 255, np.uint8)]) for k in range(600)]
    s = read_sticker(write_gif(tmp_path / "long.gif", frames, [20] * 600))
    assert s.frame_count == 600 and s.total_duration_ms == 12_000


def _ffmpeg_video(tmp_path: Path, name: str, codec_args: list[str], n: int = 6) -> Path:
    src = moving_disc(n, 32, fps=10)
    raw = b"".join(f.tobytes() for f in src.frames)
    out = tmp_path / name
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgba",
                    "-s", "32x32", "-framerate", "10", "-i", "-", *codec_args, str(out)], input=raw, check=True)
    return out


def test_mp4_and_mov_readers(tmp_path: Path) -> None:
    mp4 = _ffmpeg_video(tmp_path, "v.mp4", ["-c:v", "libx264", "-pix_fmt", "yuv420p"])
    s = read_sticker(mp4)
    assert s.frame_count == 6 and s.size == (32, 32) and s.durations_ms == [100] * 6
    assert (s.as_array()[..., 3] == 255).all()
    mov = _ffmpeg_video(tmp_path, "v.mov", ["-c:v", "prores_ks", "-pix_fmt", "yuva444p10le"])
    m = read_sticker(mov)
    assert m.frame_count == 6 and m.frames[0][0, 0, 3] < 10 and m.frames[0][16, 10, 3] > 240


def test_read_bytes_matches_file(tmp_path: Path) -> None:
    path = write_gif(tmp_path / "b.gif", numbered_frames(3), [100] * 3)
    a, b = read_sticker(path), read_sticker_bytes(path.read_bytes(), "b.gif")
    assert np.array_equal(a.as_array(), b.as_array()) and a.durations_ms == b.durations_ms


# ---------------------------------------------------------------- hostile inputs
def test_empty_missing_folder_random_truncated(tmp_path: Path) -> None:
    (tmp_path / "empty.gif").write_bytes(b"")
    with pytest.raises(InvalidInputError, match="empty"):
        read_sticker(tmp_path / "empty.gif")
    with pytest.raises(InvalidInputError, match="does not exist"):
        read_sticker(tmp_path / "nope.png")
    with pytest.raises(InvalidInputError, match="folder"):
        read_sticker(tmp_path)
    (tmp_path / "noise.png").write_bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8).tobytes())
    with pytest.raises(InvalidInputError, match="not an image"):
        read_sticker(tmp_path / "noise.png")
    full = write_gif(tmp_path / "t.gif", numbered_frames(6, 32), [100] * 6).read_bytes()
    (tmp_path / "trunc.gif").write_bytes(full[: len(full) // 2])
    with pytest.raises(InvalidInputError, match="truncated"):
        read_sticker(tmp_path / "trunc.gif")
    png = write_sticker(moving_disc(3, 32), tmp_path / "ok.png").read_bytes()
    (tmp_path / "trunc.png").write_bytes(png[: len(png) - 40])
    with pytest.raises(InvalidInputError):
        read_sticker(tmp_path / "trunc.png")


def test_decompression_bomb_headers(tmp_path: Path) -> None:
    (tmp_path / "bomb.png").write_bytes(bomb_png(100_000, 100_000))
    with pytest.raises(LimitExceededError):
        read_sticker(tmp_path / "bomb.png")
    (tmp_path / "wide.png").write_bytes(bomb_png(9000, 10))
    with pytest.raises(LimitExceededError, match="largest side"):
        read_sticker(tmp_path / "wide.png")


def test_frame_count_and_pixel_caps(tmp_path: Path) -> None:
    path = write_gif(tmp_path / "many.gif", numbered_frames(60, 8), [20] * 60)
    with pytest.raises(LimitExceededError, match="60 frames"):
        read_sticker(path, limits=DecodeLimits(max_frames=50))
    # over the memory bound: resampled (count form, loop kept) to the frames that fit
    small = read_sticker(path, limits=DecodeLimits(max_decoded_bytes=59 * 8 * 8 * 4))
    assert small.frame_count == 59 and small.total_duration_ms == 60 * 20
    with pytest.raises(LimitExceededError, match="decode limit"):
        read_sticker(path, limits=DecodeLimits(max_decoded_bytes=8 * 8 * 4 - 1))
    with pytest.raises(LimitExceededError, match="MB"):
        read_sticker(path, limits=DecodeLimits(max_file_bytes=10))
    webm = write_sticker(moving_disc(12, 16), tmp_path / "v.webm")
    with pytest.raises(LimitExceededError):
        read_sticker(webm, limits=DecodeLimits(max_frames=5))
