"""`sticker-studio matte` says what it wrote in words a person reads (cutout-trial): "a still",
never "1 frames", and "matting model" rather than the head's class name."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sticker_studio.cli import main
from sticker_studio.cli.cmd_matte import _method
from sticker_studio.engine.matting.cutout import Background


def _drawing(colour: tuple[int, int, int]) -> Image.Image:
    a = np.full((48, 48, 3), 255, np.uint8)
    a[12:36, 14:34] = colour
    return Image.fromarray(a)


def test_a_still_is_called_a_still(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "in.png", tmp_path / "out.png"
    _drawing((200, 40, 40)).save(src)
    assert main(["matte", str(src), "--background", "colour-key", "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "(a still, colour key)" in said and "1 frames" not in said
    with Image.open(out) as im:
        alpha = np.array(im.convert("RGBA"))[..., 3]
    assert alpha[0, 0] == 0 and alpha[24, 24] == 255


def test_an_animation_gives_its_frame_count(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src, out = tmp_path / "in.gif", tmp_path / "out.webp"
    frames = [_drawing((200, 40, 40)), _drawing((40, 40, 200))]
    frames[0].save(src, save_all=True, append_images=frames[1:], duration=100, loop=0)
    assert main(["matte", str(src), "--background", "colour-key", "-o", str(out)]) == 0
    assert "(2 frames, colour key)" in capsys.readouterr().out


@pytest.mark.parametrize("asked, recorded, said", [
    (Background.MODEL, "MattingHead", "matting model"),
    (Background.MODEL, "colour key", "colour key"),  # a model run that fell back says what it used
    (Background.LINE_ART, "line art", "line art"),
    (Background.COLOUR_KEY, None, "colour key"),
])
def test_the_method_is_named_in_words(asked: Background, recorded: object, said: str) -> None:
    assert _method(asked, recorded) == said
