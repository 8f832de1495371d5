"""No blank success: an output with no visible subject is an error naming the likely cause, nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sticker_studio.core.sticker import Sticker
from sticker_studio.core.visibility import BlankOutputError, ensure_visible, frame_is_visible


def _paper_png(path: Path, subject: tuple[int, int, int], side: int = 64) -> Path:
    img = np.full((side, side, 3), 255, np.uint8)
    img[20:44, 20:44] = subject
    Image.fromarray(img).save(path)
    return path


def test_visibility_rule() -> None:
    blank = np.zeros((64, 64, 4), np.uint8)
    assert not frame_is_visible(blank)
    haze = blank.copy()
    haze[..., 3] = 20  # a faint haze everywhere is not a subject
    assert not frame_is_visible(haze)
    specks = blank.copy()
    specks[0, :10, 3] = 255  # ten pixels: specks
    assert not frame_is_visible(specks)
    subject = blank.copy()
    subject[20:30, 20:30, 3] = 255
    assert frame_is_visible(subject)
    with pytest.raises(BlankOutputError, match="came out blank.*paper"):
        ensure_visible(Sticker([blank, haze], [100, 100]), "the matte", ("the subject is the colour of the paper",))
    ensure_visible(Sticker([blank, subject], [100, 100]))  # one visible frame is enough


def test_matte_colorkey_of_a_white_subject_on_white_paper_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sticker_studio.cli import main

    src = _paper_png(tmp_path / "white.png", (255, 255, 255))
    out = tmp_path / "out.png"
    assert main(["matte", str(src), "--mode", "colorkey", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "blank" in err and "colour of the paper" in err and "wrote" not in err
    assert not out.exists()
    assert main(["matte", str(src), "--mode", "lineart", "-o", str(out)]) == 2
    assert "blank" in capsys.readouterr().err and not out.exists()
    ok = _paper_png(tmp_path / "red.png", (200, 30, 30))
    assert main(["matte", str(ok), "--mode", "colorkey", "-o", str(out)]) == 0 and out.exists()


def test_animate_whose_background_removal_took_the_subject_is_an_error(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from sticker_studio.cli import main

    src = _paper_png(tmp_path / "white.png", (250, 250, 250))  # a white subject on white paper
    out = tmp_path / "out.png"
    assert main(["animate", str(src), "--motion", "bounce", "--background", "colorkey", "-o", str(out)]) == 2
    captured = capsys.readouterr()
    assert "colour of the paper" in captured.err and "wrote" not in captured.out and not out.exists()


def test_a_frame_of_faint_haze_is_not_visible() -> None:
    from sticker_studio.core.visibility import frame_is_visible

    haze = np.zeros((64, 64, 4), np.uint8)
    haze[..., 3] = 49  # every pixel a faint haze, nothing clearly there
    assert not frame_is_visible(haze)
    haze[30:34, 30:34, 3] = 255  # a small solid mark on top: 16 pixels
    assert frame_is_visible(haze)
