"""Targets: every export passes its own validate; validate catches each broken rule."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import numpy as np
import pytest

from fixtures_formats import moving_disc, palette_apng
from sticker_studio.core.errors import BudgetError, InvalidInputError
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.export import export_sticker
from sticker_studio.formats.ffmpeg import ffmpeg_exe
from sticker_studio.formats.fit import fit_sticker, search_ladder
from sticker_studio.formats.readers import read_sticker
from sticker_studio.formats.targets import RULES, TARGETS, get_target
from sticker_studio.formats.validate import ExportValidationError, _timing_violations, validate_file
from sticker_studio.formats.writers import write_sticker


def test_table_is_complete_and_rules_are_named() -> None:
    assert set(TARGETS) == {"telegram", "telegram-emoji", "whatsapp", "signal", "discord", "line", "imessage", "slack"}
    for target in TARGETS.values():
        assert target.sources, target.name
        assert set(target.rules) <= set(RULES)
    with pytest.raises(InvalidInputError, match="unknown target"):
        get_target("myspace")


@pytest.mark.parametrize("name", list(TARGETS))
def test_export_passes_own_validation(name: str, tmp_path: Path) -> None:
    target = TARGETS[name]
    src = moving_disc(8, 96, fps=10)
    report = export_sticker(src, target, tmp_path / f"out{target.extension}")
    assert report.ok and report.path is not None and report.path.exists()
    assert report.byte_size == report.path.stat().st_size <= target.max_bytes
    assert validate_file(report.path, target) == []
    out = read_sticker(report.path)
    assert target.canvas.check(out.width, out.height) is None


def test_long_tall_600_frame_input_is_sped_up_resampled_and_padded(tmp_path: Path) -> None:
    frames = [np.zeros((40, 10, 4), np.uint8) for _ in range(600)]
    for k, f in enumerate(frames):
        f[..., 0] = k % 256
        f[..., 3] = 255
    src = Sticker(frames, [20] * 600)  # 12 s at 50 fps, very tall
    report = export_sticker(src, "telegram", tmp_path / "t.webm")
    out = read_sticker(report.path)
    assert out.height == 512 and out.width == 128  # one side exactly 512, no padding needed
    assert out.total_duration_ms <= 3001 and out.frame_count <= 90
    assert any("sped up" in note for note in report.notes)
    tall = Sticker([f for f in frames[:4]], [100] * 4)
    wa = read_sticker(export_sticker(tall, "whatsapp", tmp_path / "w.webp").path)
    assert wa.size == (512, 512)
    assert wa.frames[0][256, 10, 3] == 0 and wa.frames[0][256, 256, 3] == 255  # padded, centred


def test_line_plays_and_frames() -> None:
    result = fit_sticker(moving_disc(30, 64, fps=30), TARGETS["line"])  # 1 s, 30 frames
    assert 5 <= result.sticker.frame_count <= 20
    assert result.sticker.loop_count == 4  # 4 plays x 1 s = 4 s


def test_impossible_budget_names_target_and_sizes() -> None:
    tiny = dataclasses.replace(TARGETS["telegram-emoji"], max_bytes=300)
    with pytest.raises(BudgetError, match=r"telegram-emoji.*smallest file reached is [\d,]+ B.*300 B"):
        fit_sticker(moving_disc(10, 64, fps=10), tiny)


def test_binary_search_finds_best_fitting_rung() -> None:
    sizes = [100, 90, 80, 70, 60, 50, 40, 30]
    tried: list[int] = []

    def fits(i: int) -> bool:
        tried.append(i)
        return sizes[i] <= 55

    assert search_ladder(len(sizes), fits) == 5
    assert len(tried) <= 2 + 3
    assert search_ladder(3, lambda i: False) is None
    assert search_ladder(3, lambda i: True) == 0


def test_validate_names_broken_rules(tmp_path: Path) -> None:
    signal = TARGETS["signal"]
    names = {v.rule for v in validate_file(palette_apng(tmp_path / "pal.png"), signal)}
    assert "apng.rgba" in names
    long = Sticker.from_frames([np.full((48, 64, 4), k * 20, np.uint8) for k in range(10)], fps=2, loop_count=2)
    path = write_sticker(long, tmp_path / "long.png")
    names = {v.rule for v in validate_file(path, signal)}
    assert {"duration.max", "loop.count", "size.canvas"} <= names
    gif = write_sticker(moving_disc(3, 128), tmp_path / "x.gif")
    assert "container.format" in {v.rule for v in validate_file(gif, signal)}
    two = Sticker.from_frames([np.full((270, 270, 4), 9 + k, np.uint8) for k in range(2)], fps=1, loop_count=0)
    line_names = {v.rule for v in validate_file(write_sticker(two, tmp_path / "two.png"), TARGETS["line"])}
    assert {"frames.min", "loop.count", "loop.play_time"} <= line_names
    # identical frames are merged by APNG writers, so check the rule on decoded frames directly
    same = Sticker.from_frames([np.full((270, 270, 4), 9, np.uint8)] * 6, fps=10, loop_count=1)
    assert [v.rule for v in _timing_violations(same, TARGETS["line"])] == ["frames.distinct"]


def test_validate_webm_audio_and_missing_alpha(tmp_path: Path) -> None:
    src = moving_disc(4, 64)
    raw = b"".join(f.tobytes() for f in src.frames)
    out = tmp_path / "bad.webm"
    subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgba",
                    "-s", "64x64", "-framerate", "10", "-i", "-", "-f", "lavfi", "-i", "anullsrc=r=8000:cl=mono",
                    "-t", "0.4", "-c:v", "libvpx-vp9", "-pix_fmt", "yuv420p", "-c:a", "libopus", str(out)],
                   input=raw, check=True)
    names = {v.rule for v in validate_file(out, TARGETS["telegram"])}
    assert {"webm.alpha", "audio.none", "size.canvas"} <= names


def test_strict_export_never_lands_an_invalid_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sticker_studio.formats.export as export_mod
    from sticker_studio.formats.validate import RuleViolation

    monkeypatch.setattr(export_mod, "validate_file", lambda path, target: [RuleViolation("bytes.max", "forced")])
    with pytest.raises(ExportValidationError, match="bytes.max"):
        export_sticker(moving_disc(4, 32), "slack", tmp_path / "x.gif")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(InvalidInputError, match=r"\*\.gif"):
        export_sticker(moving_disc(4, 32), "slack", tmp_path / "x.png")
