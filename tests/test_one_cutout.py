"""One cut-out chooser for the CLI and the app (engine.matting.drawing_cut.cut_drawing): the same
file gives the same cut-out in ``animate``/``pack add`` and in the app's pack; an animation on paper
is cut out like a still (one with transparency kept as it is, a blank one refused); a tiny input
(1x1, 8x8) gets one line a person can act on (exit 2), never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image, ImageDraw

from sketch_drawings import SKETCHES, coloured_mug, render
from sticker_studio.cli import cmd_animate, main
from sticker_studio.core.drawing_size import DrawingTooSmallError, check_drawing_size
from sticker_studio.core.pack.pack import StickerPack
from sticker_studio.core.sticker import Sticker
from sticker_studio.core.visibility import BlankOutputError
from sticker_studio.engine.matting.cutout import Background, MattingHeadCache
from sticker_studio.engine.matting.drawing_cut import cut_drawing, cut_drawing_for_pack


def _opaque(rgb: np.ndarray, frames: int = 1) -> Sticker:
    rgba = np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], -1)
    return Sticker([rgba.copy() for _ in range(frames)], [100] * frames)


@pytest.mark.parametrize("case", ["stick_figure", "pale_mug", "blue_mug"])
def test_the_cli_and_the_app_cut_the_same_file_the_same_way(case: str, monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    if case == "stick_figure":
        rgb, truth = render(SKETCHES["stick_figure"], 128, "cream", seed=1)
    else:
        body = (226, 226, 230) if case == "pale_mug" else (90, 150, 220)
        rgb, truth = coloured_mug(128, "texture" if case == "pale_mug" else "white", seed=4, body=body)
    monkeypatch.setattr(cmd_animate, "matting_model_installed", lambda: False)  # no head: fast and the same
    cli = cmd_animate.ensure_alpha(_opaque(rgb), None)
    app = cut_drawing_for_pack(_opaque(rgb), None, MattingHeadCache.of(None))
    assert app.sticker.metadata["background"] == cli.metadata["background"]
    assert np.array_equal(np.stack(cli.frames), np.stack(app.sticker.frames))
    if case == "stick_figure":  # line art: the head's closed interior filled, the paper gone
        assert app.background is Background.LINE_ART and app.chosen
        assert "a sketch on paper" in capsys.readouterr().err
        alpha = app.sticker.frames[0][..., 3]
        assert alpha[0, 0] == 0 and np.mean((alpha > 127) == (truth > 0.5)) > 0.97


def test_the_cli_no_longer_takes_a_head_without_the_layout_prior_by_default(monkeypatch: pytest.MonkeyPatch,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The app's rule: a head without the layout prior (it removes white bellies on white paper) is a
    choice, not the default; before, ``animate`` took it whenever one was installed."""
    plain_head = SimpleNamespace(config=SimpleNamespace(prior_channels=0))
    monkeypatch.setattr(cmd_animate, "matting_model_installed", lambda: True)
    monkeypatch.setattr(cmd_animate, "_load_head", lambda: plain_head)
    rgb, _ = coloured_mug(96, "white", seed=2)
    out = cmd_animate.ensure_alpha(_opaque(rgb), None)
    assert out.metadata["background"] == "colour-key"
    assert "colour key" in capsys.readouterr().err
    assert cut_drawing(_opaque(rgb), None, MattingHeadCache.of(plain_head)).background is Background.COLOUR_KEY


def _gif_on_paper(path: Path, frames: int = 6, side: int = 96, blank: bool = False) -> Path:
    """A bouncing orange ball with a dark outline on white paper, an animated GIF without transparency."""
    images = []
    for k in range(frames):
        im = Image.new("RGB", (side, side), "white")
        if not blank:
            y = 20 + 4 * k
            ImageDraw.Draw(im).ellipse((24, y, 72, y + 48), fill=(240, 140, 40), outline=(40, 30, 20), width=3)
        images.append(im)
    images[0].save(path, save_all=True, append_images=images[1:], duration=100, loop=0)
    return path


def _pack(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "t"]) == 0
    return folder


def test_pack_add_cuts_an_animation_on_paper_out_frame_by_frame(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = _pack(tmp_path)
    gif = _gif_on_paper(tmp_path / "ball.gif")
    before = gif.read_bytes()
    capsys.readouterr()
    assert main(["pack", "add", str(folder), str(gif), "--background", "colour-key"]) == 0
    assert "cut out from its white paper" in capsys.readouterr().out
    sticker = StickerPack.open(folder).entries[0].sticker
    assert sticker.frame_count == 6
    scale = sticker.width / 96
    for k, frame in enumerate(sticker.frames):
        alpha = frame[..., 3]
        assert alpha[:4, :4].max() <= 8 and alpha[-4:, -4:].max() <= 8      # the paper is gone in every frame
        cy = int((44 + 4 * k) * scale)
        assert alpha[cy, int(48 * scale)] >= 247                            # the ball where it is in that frame
    assert gif.read_bytes() == before
    # a blank animation (paper only): an error, nothing added
    _gif_on_paper(tmp_path / "blank.gif", blank=True)
    assert main(["pack", "add", str(folder), str(tmp_path / "blank.gif"), "--background", "colour-key"]) == 2
    err = capsys.readouterr().err
    assert "blank" in err and "Traceback" not in err
    assert len(StickerPack.open(folder)) == 1


def test_an_animation_with_transparency_is_kept_as_it_is() -> None:
    frames = [np.zeros((48, 48, 4), np.uint8) for _ in range(3)]
    for k, f in enumerate(frames):
        f[10 + k:30 + k, 10:30] = (30, 160, 90, 255)
    sticker = Sticker(frames, [80, 80, 80])
    cut = cut_drawing_for_pack(sticker, None, MattingHeadCache.of(None))
    assert not cut.was_cut and cut.sticker is sticker


def test_an_animation_with_a_blank_result_raises() -> None:
    white = np.full((48, 48, 3), 255, np.uint8)
    with pytest.raises(BlankOutputError):
        cut_drawing_for_pack(_opaque(white, 3), Background.COLOUR_KEY, MattingHeadCache.of(None))


@pytest.mark.parametrize("side", [1, 8])
def test_a_tiny_input_is_one_line_and_exit_2(side: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tiny = tmp_path / "tiny.png"
    Image.new("RGB", (side, side), (200, 40, 40)).save(tiny)
    folder = _pack(tmp_path)
    capsys.readouterr()
    commands = [["animate", str(tiny), "--motion", "bounce", "-o", str(tmp_path / "a.webp")],
                ["animate", str(tiny), "--motion", "wave", "-o", str(tmp_path / "b.webp")],
                ["rig", str(tiny), "-o", str(tmp_path / "r.json")],
                ["matte", str(tiny), "-o", str(tmp_path / "m.png")],
                ["pack", "add", str(folder), str(tiny)]]
    for argv in commands:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"tiny.png is {side}x{side} pixels: too small" in err and "at least 16x16" in err, err
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert len(StickerPack.open(folder)) == 0
    assert not any((tmp_path / n).exists() for n in ("a.webp", "b.webp", "r.json", "m.png"))


def test_the_size_check_itself() -> None:
    check_drawing_size(Sticker([np.zeros((16, 16, 4), np.uint8)], [100]))
    with pytest.raises(DrawingTooSmallError, match="15x16"):
        check_drawing_size(Sticker([np.zeros((16, 15, 4), np.uint8)], [100]))


if __name__ == "__main__":
    sys.exit(pytest.main([__file__, "-q"]))


def test_a_sketch_that_line_art_leaves_blank_falls_back_to_the_other_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """Taken for a sketch, a grey paperclip on a near-colour paper came out blank in line art (an error);
    the chooser then cuts it as any other drawing (real set: paperclip 9.6 -> 32.9 dB, spider web 9.7 -> 35.6)."""
    from sticker_studio.engine.matting import drawing_cut
    from sticker_studio.engine.matting.cutout import CutOut

    real = drawing_cut.cut_out

    def blank_line_art(sticker, method, *args, **kwargs):  # type: ignore[no-untyped-def]
        if Background.parse(method) is Background.LINE_ART:
            empty = [np.zeros_like(f) for f in sticker.frames]
            return CutOut(Sticker(empty, list(sticker.durations_ms)), background=Background.LINE_ART)
        return real(sticker, method, *args, **kwargs)

    monkeypatch.setattr(drawing_cut, "cut_out", blank_line_art)
    rgb, truth = render(SKETCHES["stick_figure"], 128, "white", seed=1)
    cut = cut_drawing(_opaque(rgb), None, MattingHeadCache.of(None))
    assert cut.background is Background.COLOUR_KEY and cut.chosen
    with pytest.raises(BlankOutputError):  # a method the user named is not replaced
        cut_drawing(_opaque(rgb), Background.LINE_ART, MattingHeadCache.of(None))
