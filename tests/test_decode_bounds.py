"""The decode limit bounds memory: planned from the header before decoding, resampled while streaming.

Hostile files are made on the fly (tests/fixtures_formats/hostile.py): a ~50 KB GIF of
1,999 one-pixel frames on a 447 x 447 canvas decodes to 1.6 GB of RGBA if every frame is
kept. Readers refuse non-regular files and read with a size cap.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fixtures_formats import moving_disc
from fixtures_formats.hostile import many_frame_gif
from sticker_studio.core.errors import InvalidInputError, LimitExceededError
from sticker_studio.formats import readers
from sticker_studio.formats.files import read_regular_file
from sticker_studio.formats.limits import DEFAULT_LIMITS, DecodeLimits, frame_bytes
from sticker_studio.formats.readers import read_sticker
from sticker_studio.formats.resample import resample_to_count, resample_to_fps
from sticker_studio.formats.targets import get_target
from sticker_studio.formats.validate import validate_file
from sticker_studio.formats.writers import write_sticker

REPO = Path(__file__).resolve().parent.parent


def _count_conversions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = readers._frame_to_rgba

    def counting(im, *, apply_exif):
        calls.append(im.tell())
        return real(im, apply_exif=apply_exif)

    monkeypatch.setattr(readers, "_frame_to_rgba", counting)
    return calls


def test_long_input_keeps_only_the_frames_that_fit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = many_frame_gif(tmp_path / "long.gif", frames=300, side=64)
    full = read_sticker(path)  # under the default limit: every frame
    assert full.frame_count == 300
    limits = DecodeLimits(max_decoded_bytes=30 * frame_bytes(64, 64))
    calls = _count_conversions(monkeypatch)
    small = read_sticker(path, limits=limits)
    # only the 30 kept frames were ever converted to RGBA (the plan was made before decoding them)
    assert len(calls) == 30 and small.frame_count == 30
    assert small.total_duration_ms == full.total_duration_ms  # loop length kept
    expected = resample_to_count(full, 30)  # the timing rule, applied after: same frames, same timing
    assert small.durations_ms == expected.durations_ms
    assert all(np.array_equal(a, b) for a, b in zip(small.frames, expected.frames, strict=True))
    assert "decode limit" in str(small.metadata["decode_note"])


def test_hostile_gif_is_bounded_by_canvas_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                caplog: pytest.LogCaptureFixture) -> None:
    path = many_frame_gif(tmp_path / "hostile.gif")  # 1,999 frames of 447 x 447 in ~50 KB
    assert path.stat().st_size < 100_000
    calls = _count_conversions(monkeypatch)
    with caplog.at_level(logging.WARNING, logger="sticker_studio"):
        sticker = read_sticker(path)
    keep = DEFAULT_LIMITS.frames_in_memory(447, 447)
    assert sticker.frame_count == keep == len(calls)
    held = sum(f.nbytes for f in {id(f): f for f in sticker.frames}.values())
    assert held <= DEFAULT_LIMITS.max_decoded_bytes
    assert "1999 frames" in caplog.text


def test_fps_is_planned_while_streaming(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = many_frame_gif(tmp_path / "long.gif", frames=120, side=32)
    expected = resample_to_fps(read_sticker(path), 5.0)
    calls = _count_conversions(monkeypatch)
    got = read_sticker(path, fps=5.0)
    assert got.durations_ms == expected.durations_ms
    assert all(np.array_equal(a, b) for a, b in zip(got.frames, expected.frames, strict=True))
    assert len(calls) == len(set(calls)) == len({id(f) for f in got.frames}) < 120
    # an fps whose output frames would not fit is refused before decoding
    with pytest.raises(LimitExceededError, match="decoded"):
        read_sticker(path, fps=60.0, limits=DecodeLimits(max_decoded_bytes=100 * frame_bytes(32, 32)))


def test_a_single_frame_over_the_bound_is_refused(tmp_path: Path) -> None:
    path = many_frame_gif(tmp_path / "one.gif", frames=2, side=64)
    with pytest.raises(LimitExceededError, match="decode limit"):
        read_sticker(path, limits=DecodeLimits(max_decoded_bytes=frame_bytes(64, 64) - 1))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_readers_and_validate_refuse_non_regular_files(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.gif"
    os.mkfifo(fifo)
    for bad in (fifo, tmp_path):
        with pytest.raises(InvalidInputError, match="pipe|folder"):
            read_sticker(bad)
        with pytest.raises(InvalidInputError, match="pipe|folder"):
            validate_file(bad, get_target("telegram"))
    if Path("/dev/zero").exists():
        with pytest.raises(InvalidInputError, match="device"):
            validate_file("/dev/zero", get_target("telegram"))
        with pytest.raises(InvalidInputError, match="device"):
            read_sticker("/dev/zero")
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * 1000)
    with pytest.raises(LimitExceededError):
        read_regular_file(big, 999)
    assert read_regular_file(big, 1000) == b"x" * 1000


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_cli_validate_on_a_fifo_does_not_hang(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.webp"
    os.mkfifo(fifo)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-m", "sticker_studio", "validate", str(fifo), "-t", "telegram"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert proc.returncode == 2 and "pipe" in proc.stderr and "Traceback" not in proc.stderr


def test_truncated_webm_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_sticker(moving_disc(40, 32, fps=20.0), tmp_path / "v.webm")
    data = path.read_bytes()
    cut = tmp_path / "cut.webm"
    cut.write_bytes(data[: len(data) * 55 // 100])
    with caplog.at_level(logging.WARNING, logger="sticker_studio"):
        sticker = read_sticker(cut)
    assert sticker.frame_count < 40
    assert "truncated" in caplog.text and "declares" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="sticker_studio"):
        assert read_sticker(path).frame_count == 40
    assert caplog.text == ""


@pytest.mark.slow
@pytest.mark.parametrize("command", [
    ["convert", "{in}", "-o", "{out}.gif"],
    ["convert", "{in}", "-o", "{out}.webm"],
    ["matte", "{in}", "--colorkey", "-o", "{out}.webp"],
    ["export", "{in}", "-t", "telegram", "-o", "{out}.webm"],
])
def test_hostile_gif_peak_rss_under_1_5_gb(tmp_path: Path, command: list[str]) -> None:
    import resource

    src = many_frame_gif(tmp_path / "hostile.gif")
    args = [a.format(**{"in": src, "out": tmp_path / "out"}) for a in command]
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1")
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    proc = subprocess.run([sys.executable, "-m", "sticker_studio", *args], capture_output=True, text=True,
                          timeout=600, env=env)
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(f"{' '.join(command)}: rc={proc.returncode} peak RSS {peak_kb / 1024:.0f} MB")
    assert proc.returncode == 0, proc.stderr
    assert peak_kb >= before and peak_kb < 1.5 * 1024 * 1024
