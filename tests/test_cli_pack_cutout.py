"""`pack add` without --motion: a still drawing on paper goes into the pack cut out, not as a
white square (an image with alpha and an animation are kept; a blank cut-out is an error)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from sticker_studio.cli import main
from sticker_studio.core.pack.pack import StickerPack


def _character_on_paper(path: Path, side: int = 160, paper: str = "white") -> Path:
    """An orange character with a white belly inside its outline, on paper, no alpha."""
    im = Image.new("RGB", (side, side), paper)
    d = ImageDraw.Draw(im)
    d.ellipse((30, 24, side - 30, side - 20), fill=(240, 140, 40), outline=(40, 30, 20), width=4)
    d.ellipse((60, 64, side - 60, side - 44), fill="white", outline=(40, 30, 20), width=3)
    im.save(path)
    return path


def _pack(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    assert main(["pack", "create", str(folder), "--title", "t"]) == 0
    return folder


def test_pack_add_cuts_a_still_drawing_out_of_its_white_paper(tmp_path: Path, capsys) -> None:
    drawing = _character_on_paper(tmp_path / "cat.png")
    before = drawing.read_bytes()
    folder = _pack(tmp_path)
    capsys.readouterr()
    assert main(["pack", "add", str(folder), str(drawing), "--background", "colour-key"]) == 0
    out = capsys.readouterr()
    assert "cut out from its white paper" in out.out and "colour key" in out.err
    alpha = StickerPack.open(folder).entries[0].sticker.frames[0][..., 3]
    side = alpha.shape[0]
    for corner in (alpha[:6, :6], alpha[:6, -6:], alpha[-6:, :6], alpha[-6:, -6:]):
        assert corner.max() <= 8                        # the paper is gone
    assert alpha[side // 2, side // 2] >= 247          # the white belly is part of the character
    assert (alpha >= 247).mean() > 0.3                 # the subject is opaque
    assert drawing.read_bytes() == before              # the user's file is untouched


def test_pack_add_keeps_an_image_with_alpha_and_refuses_a_blank_cut(tmp_path: Path, capsys) -> None:
    folder = _pack(tmp_path)
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[16:48, 16:48] = (200, 40, 40, 255)
    rgba[20:24, 20:24, 3] = 128                          # its own soft alpha, kept exactly
    Image.fromarray(rgba, "RGBA").save(tmp_path / "sprite.png")
    capsys.readouterr()
    assert main(["pack", "add", str(folder), str(tmp_path / "sprite.png")]) == 0
    assert "cut out" not in capsys.readouterr().out
    assert np.array_equal(StickerPack.open(folder).entries[0].sticker.frames[0], rgba)
    Image.new("RGB", (64, 64), "white").save(tmp_path / "blank.png")  # paper and nothing on it
    assert main(["pack", "add", str(folder), str(tmp_path / "blank.png"), "--background", "colour-key"]) == 2
    err = capsys.readouterr().err
    assert "blank" in err and "Traceback" not in err
    assert len(StickerPack.open(folder)) == 1           # nothing was added
