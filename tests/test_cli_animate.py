"""`sticker-studio animate`: list the presets, animate a drawing, cut out a JPEG on white."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from sticker_studio.cli import main
from sticker_studio.core.motion.presets import PRESETS
from sticker_studio.training.data.dataset import read_apng
from sticker_studio.training.data.drawn_subjects import sample_drawing


def test_list_motions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["animate", "--list-motions"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    headings = [line for line in lines if not line.startswith("  ")]
    assert [h.split()[0] for h in headings] == ["character", "face", "whole", "intro", "effects"]
    entries = [line.split()[0] for line in lines if line.startswith("  ") and not line.strip().startswith("--")]
    assert [n for n in entries if n in PRESETS and n not in ("nod",)] == [p for p in PRESETS if p != "nod"]
    assert {"wave", "blink", "talk", "hop", "tail-wag", "sleepy"} <= set(entries)
    assert all(len(line.split()) > 3 for line in lines if line.startswith("  "))
    # the whole-body nod shares its name with the character's nod: its line says how to reach it
    assert [line for line in lines if line.split()[:1] == ["nod"] and "--body only" in line]


def test_animate_a_png_to_apng(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "drawing.png"
    Image.fromarray(sample_drawing(64)).save(src)
    out = tmp_path / "out.png"
    code = main(["animate", str(src), "--motion", "bounce", "--frames", "8", "--fps", "12",
                 "--amplitude", "1.2", "--size", "64", "-o", str(out)])
    assert code == 0
    sticker = read_apng(out)
    assert sticker.frame_count == 8 and sticker.size == (64, 64)
    assert sticker.total_duration_ms == pytest.approx(8 * 1000 / 12, abs=2)
    assert "wrote" in capsys.readouterr().out


def _jpeg_on_white(path: Path) -> None:
    big = Image.new("RGB", (256, 256), (255, 255, 255))
    d = ImageDraw.Draw(big)
    d.ellipse((40, 40, 216, 216), fill=(30, 30, 30))
    d.ellipse((90, 90, 166, 166), fill=(255, 255, 255))
    big.resize((64, 64), Image.Resampling.LANCZOS).save(path, quality=85)


def test_jpeg_gets_its_background_removed_and_says_so(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    src = tmp_path / "on-white.jpg"
    _jpeg_on_white(src)
    out = tmp_path / "out.png"
    # no matting model in this build: the colour key must take over
    monkeypatch.setitem(sys.modules, "sticker_studio.engine.matting.matte", None)
    assert main(["animate", str(src), "--motion", "spin", "--frames", "4", "-o", str(out)]) == 0
    assert "no alpha channel: removed a flat background with the colour key" in capsys.readouterr().err
    frame = read_apng(out).frames[0]
    assert frame[0, 0, 3] == 0 and frame[..., 3].max() == 255
    # the enclosed white centre stays part of the subject
    assert frame[32, 32, 3] == 255 and frame[32, 32, :3].min() > 200


def test_colorkey_can_be_forced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "on-white.jpg"
    _jpeg_on_white(src)
    assert main(["animate", str(src), "--motion", "nod", "--frames", "4", "--background", "colorkey",
                 "-o", str(tmp_path / "o.png")]) == 0
    assert "colour key" in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["animate", "{src}", "--motion", "moonwalk", "-o", "{out}"], "unknown motion"),
    (["animate", "{src}", "-o", "{out}"], "--motion"),
    (["animate", "{src}", "--motion", "spin"], "-o OUT"),
    (["animate", "{missing}", "--motion", "spin", "-o", "{out}"], "does not exist"),
])
def test_user_errors_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    src = tmp_path / "d.png"
    Image.fromarray(sample_drawing(32)).save(src)
    args = [a.format(src=src, out=tmp_path / "o.png", missing=tmp_path / "nope.png") for a in argv]
    assert main(args) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o.png").exists()


def test_gif_output_through_the_writers(tmp_path: Path) -> None:
    pytest.importorskip("sticker_studio.formats.writers")
    src = tmp_path / "d.png"
    Image.fromarray(sample_drawing(48)).save(src)
    out = tmp_path / "o.gif"
    assert main(["animate", str(src), "--motion", "swing", "--frames", "6", "-o", str(out)]) == 0
    with Image.open(out) as im:
        assert im.n_frames >= 3  # the GIF writer may merge frames identical after quantising
        assert np.asarray(im.convert("RGBA"))[0, 0, 3] == 0


def test_pixel_art_animated_to_webp_keeps_its_palette(tmp_path: Path) -> None:
    """A pixel-art sprite written as .webp is lossless: its 3 colours come back, no blended ones."""
    from PIL import ImageSequence

    art = np.zeros((32, 32, 4), np.uint8)
    art[8:24, 8:24] = (200, 40, 40, 255)
    art[12:16, 12:16] = (20, 20, 200, 255)
    art[20:22, 10:22] = (255, 220, 0, 255)
    src, out = tmp_path / "sprite.png", tmp_path / "sprite.webp"
    Image.fromarray(art).save(src)
    assert main(["animate", str(src), "--motion", "bounce", "-o", str(out)]) == 0
    colours: set[tuple[int, ...]] = set()
    for frame in ImageSequence.Iterator(Image.open(out)):
        px = np.asarray(frame.convert("RGBA")).reshape(-1, 4)
        colours |= {tuple(p) for p in px[px[:, 3] > 0][:, :3].tolist()}
    assert colours == {(200, 40, 40), (20, 20, 200), (255, 220, 0)}
