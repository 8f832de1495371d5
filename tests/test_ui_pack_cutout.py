"""A drawing on white paper dropped into the app goes into the pack cut out on a worker (not as a
white square); an image with transparency is kept as it is, pixel art stays crisp, the user's file
is never changed, and a cut-out that comes out blank is an error (nothing is added)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image, ImageDraw

from sticker_studio.ui.main_window import MainWindow
from test_ui_app import drop
from window_fixtures import open_main_window, use_no_models

WAIT_MS = 20_000
SIDE = 120


@pytest.fixture()
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    use_no_models(tmp_path, monkeypatch)  # no matting head: the default is the colour key (fast, no torch)
    with open_main_window(qtbot, tmp_path) as win:
        yield win


def drawing_on_paper(path: Path) -> Path:
    """An orange character with a white belly enclosed by its outline, on white paper, no alpha."""
    image = Image.new("RGB", (SIDE, SIDE), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((20, 16, 100, 106), fill=(240, 140, 40), outline=(40, 30, 20), width=3)
    draw.ellipse((44, 46, 76, 84), fill="white", outline=(40, 30, 20), width=2)
    image.save(path)
    return path


def test_a_drawing_dropped_on_the_pack_goes_in_cut_out(qtbot, window: MainWindow, tmp_path: Path) -> None:
    path = drawing_on_paper(tmp_path / "cat.png")
    before = path.read_bytes()
    drop(window.pack_panel.list.viewport(), [path])
    qtbot.waitUntil(lambda: len(window.document.entries()) == 1, timeout=WAIT_MS)
    alpha = window.document.entries()[0].sticker.frames[0][..., 3]
    for corner in (alpha[:6, :6], alpha[:6, -6:], alpha[-6:, :6], alpha[-6:, -6:]):
        assert corner.max() <= 8                        # transparent corners: the paper is gone
    assert alpha[65, 60] >= 247                         # the enclosed white belly stays
    assert (alpha >= 247).mean() > 0.3                  # an opaque subject
    assert "cut out from its white paper" in window.statusBar().currentMessage()
    assert path.read_bytes() == before                  # the user's file is never modified


def test_transparency_kept_pixel_art_crisp_blank_refused(qtbot, window: MainWindow, tmp_path: Path) -> None:
    rgba = np.zeros((48, 48, 4), np.uint8)
    rgba[8:40, 8:40] = (30, 160, 90, 255)
    rgba[12:16, 12:16, 3] = 100                         # its own soft alpha
    Image.fromarray(rgba, "RGBA").save(tmp_path / "sprite.png")
    sprite = np.full((16, 16, 3), 255, np.uint8)        # 16x16 pixel art on white, upscaled x4
    sprite[4:12, 3:13] = (200, 30, 60)
    sprite[6:8, 5:7] = 255                              # a white eye inside the body
    Image.fromarray(np.kron(sprite, np.ones((4, 4, 1), np.uint8)), "RGB").save(tmp_path / "pixel.png")
    Image.new("RGB", (64, 64), "white").save(tmp_path / "blank.png")
    errors: list[str] = []
    window.session.error.connect(errors.append)
    drop(window.pack_panel.list.viewport(), [tmp_path / "sprite.png", tmp_path / "pixel.png", tmp_path / "blank.png"])
    qtbot.waitUntil(lambda: not window.session.is_busy() and len(window.document.entries()) >= 2, timeout=WAIT_MS)
    entries = {e.name: e.sticker.frames[0] for e in window.document.entries()}
    assert set(entries) == {"sprite", "pixel"}          # the blank one is not added as a white square
    assert np.array_equal(entries["sprite"], rgba)      # kept exactly as it was
    pixel = entries["pixel"]
    assert set(np.unique(pixel[..., 3]).tolist()) == {0, 255}          # hard edges, no blur
    assert pixel[0, 0, 3] == 0 and pixel[26, 22, 3] == 255             # paper gone, the white eye kept
    assert len({tuple(c) for c in pixel[pixel[..., 3] == 255][:, :3].tolist()}) == 2  # its two colours only
    assert any("blank.png" in e and "blank" in e.split(":", 1)[1] for e in errors)
