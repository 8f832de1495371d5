"""CLI contract of convert / export / validate / targets / demo, including every user-error path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fixtures_formats import bomb_png, moving_disc, numbered_frames, palette_apng, write_gif
from sticker_studio.cli import main
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.export import export_sticker
from sticker_studio.formats.readers import read_sticker
from sticker_studio.formats.targets import TARGETS
from sticker_studio.formats.validate import validate_file
from sticker_studio.formats.writers import write_sticker

REPO = Path(__file__).resolve().parent.parent


def run_cli(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:  # argparse rejects a bad argument value itself
        code = int(exit_.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code: int, err: str, pattern: str) -> None:
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("sticker-studio: error:"), err
    assert pattern.lower() in lines[0].lower(), lines[0]
    assert "Traceback" not in err


@pytest.fixture()
def disc_gif(tmp_path: Path) -> Path:
    return write_sticker(moving_disc(6, 40, fps=10), tmp_path / "disc.gif")


def test_convert_each_format_with_fps_and_size(
    capsys: pytest.CaptureFixture[str], disc_gif: Path, tmp_path: Path
) -> None:
    for ext in (".png", ".webp", ".webm", ".gif"):
        out = tmp_path / f"out{ext}"
        code, stdout, _ = run_cli(capsys, "convert", disc_gif, "-o", out, "--fps", 5, "--size", 64)
        assert code == 0 and out.exists(), stdout
        s = read_sticker(out)
        assert s.size == (64, 64) and s.frame_count == 3
        assert abs(s.total_duration_ms - 600) <= 2


def test_export_validate_and_targets(capsys: pytest.CaptureFixture[str], disc_gif: Path, tmp_path: Path) -> None:
    out = tmp_path / "s.png"
    code, stdout, _ = run_cli(capsys, "export", disc_gif, "--target", "signal", "-o", out)
    assert code == 0 and "signal ok" in stdout
    code, stdout, _ = run_cli(capsys, "validate", out, "--target", "signal")
    assert code == 0 and "valid" in stdout
    code, stdout, _ = run_cli(capsys, "validate", out, "--target", "slack")
    assert code == 1
    rules = [line.split(":")[0] for line in stdout.splitlines()]
    assert "container.format" in rules and "size.canvas" in rules
    code, stdout, _ = run_cli(capsys, "targets")
    assert code == 0 and all(name in stdout for name in ("telegram-emoji", "whatsapp", "imessage", "slack"))
    code, stdout, _ = run_cli(capsys, "targets", "--sources")
    assert "core.telegram.org" in stdout


def test_validate_palette_apng_for_signal(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, stdout, _ = run_cli(capsys, "validate", palette_apng(tmp_path / "p.png"), "--target", "signal")
    assert code == 1 and any(line.startswith("apng.rgba:") for line in stdout.splitlines())


def test_impossible_budget_exits_2_with_reason(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 256, (128, 128, 4), dtype=np.uint8) for _ in range(50)]
    for f in frames:
        f[..., 3] = 255
    noise = write_sticker(Sticker.from_frames(frames, fps=10), tmp_path / "noise.png")
    out = tmp_path / "noise.gif"
    code, _, err = run_cli(capsys, "export", noise, "--target", "slack", "-o", out)
    assert_user_error(code, err, "cannot fit Slack custom emoji (slack)")
    assert "128,000 B" in err
    assert not out.exists() and not list(tmp_path.glob(".noise*"))


def test_user_errors_exit_2_one_line_no_partial_output(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                       disc_gif: Path) -> None:
    out = tmp_path / "o.webp"
    (tmp_path / "empty.gif").write_bytes(b"")
    (tmp_path / "noise.png").write_bytes(np.random.default_rng(0).integers(0, 256, 999, dtype=np.uint8).tobytes())
    (tmp_path / "bomb.png").write_bytes(bomb_png(100_000, 100_000))
    full = disc_gif.read_bytes()
    (tmp_path / "trunc.gif").write_bytes(full[: len(full) // 2])
    many = write_gif(tmp_path / "many.gif", numbered_frames(2001, 4), [20] * 2001)
    cases = [
        (("convert", tmp_path / "missing.gif", "-o", out), "does not exist"),
        (("convert", tmp_path / "empty.gif", "-o", out), "empty"),
        (("convert", tmp_path / "noise.png", "-o", out), "not an image"),
        (("convert", tmp_path / "trunc.gif", "-o", out), "truncated"),
        (("convert", tmp_path / "bomb.png", "-o", out), "decompression bomb"),
        (("convert", many, "-o", out), "2001 frames"),
        (("convert", disc_gif, "-o", tmp_path / "o.bmp"), "cannot write"),
        (("export", disc_gif, "--target", "nope", "-o", out), "unknown target"),
        (("export", disc_gif, "--target", "telegram", "-o", out), "*.webm"),
        (("validate", tmp_path / "missing.png", "--target", "signal"), "does not exist"),
        (("validate", tmp_path / "trunc.gif", "--target", "slack"), "truncated"),
    ]
    for args, pattern in cases:
        code, _, err = run_cli(capsys, *args)
        assert_user_error(code, err, pattern)
    assert not out.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_bad_arguments_exit_2(capsys: pytest.CaptureFixture[str], disc_gif: Path, tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["convert", "in.gif"])
    assert info.value.code == 2
    assert "required" in capsys.readouterr().err
    for flag in ("--fps", "--size"):  # range-checked by argparse (cli/arguments.py), before decoding
        with pytest.raises(SystemExit) as info:
            main(["convert", str(disc_gif), "-o", str(tmp_path / "o.webp"), flag, "0"])
        assert info.value.code == 2
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and flag in err[0]
    assert not (tmp_path / "o.webp").exists()


@pytest.mark.parametrize("name", sorted(TARGETS))
def test_one_sticker_exports_for_every_target(name: str, tmp_path: Path) -> None:
    """The fast stand-in for the demo: one small sticker, fitted, written and validated per target."""
    target = TARGETS[name]
    out = tmp_path / f"disc{target.extension}"
    report = export_sticker(moving_disc(8, 96, fps=10), target, out)
    assert report.ok and report.violations == []
    assert out.is_file() and 0 < out.stat().st_size == report.byte_size <= target.max_bytes
    assert validate_file(out, target) == []
    back = read_sticker(out)
    assert back.has_transparency()  # the alpha survives every container, VP9 WebM included
    assert back.frame_count == report.frame_count > 1


@pytest.mark.slow
def test_demo_exports_every_target(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    resources = tmp_path / "resources"
    write_sticker(moving_disc(8, 96, fps=10), resources / "samples" / "disc.png")
    monkeypatch.setenv("STICKER_STUDIO_RESOURCES", str(resources))
    code, stdout, _ = run_cli(capsys, "demo", "--sample", "disc", "--out", tmp_path / "demo", "--no-generate",
                              "--size", "96")
    assert code == 0, stdout
    assert "8/8 targets ok" in stdout
    assert (tmp_path / "demo" / "pack" / "pack.json").is_file()
    exported = sorted(p.name for p in (tmp_path / "demo" / "export").iterdir())
    assert exported == sorted(TARGETS)
    assert len(list((tmp_path / "demo" / "export" / "line").glob("[0-9][0-9].png"))) == 8
    code, _, err = run_cli(capsys, "demo", "--sample", "nope", "--out", tmp_path / "x")
    assert_user_error(code, err, "no bundled sample")


@pytest.mark.slow
def test_demo_with_bundled_sample(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    sample = REPO / "resources" / "samples" / "bounce.png"
    assert sample.stat().st_size < 300_000
    s = read_sticker(sample)
    assert s.size == (512, 512) and s.frame_count == 16 and s.has_transparency()
    code, stdout, _ = run_cli(capsys, "demo", "--out", tmp_path / "demo")
    assert code == 0 and "8/8 targets ok" in stdout, stdout


def test_python_dash_m_entry_point_has_no_traceback(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    proc = subprocess.run([sys.executable, "-m", "sticker_studio", "convert", str(tmp_path / "empty.png"), "-o",
                           str(tmp_path / "o.gif")], capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "empty" in proc.stderr
