"""The app's pack takes an animation on paper cut out like a still, on a worker (drop, ``gui FILE``);
a tiny image (1x1) is refused with one line and nothing is added."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image

from sticker_studio.core.drawing_size import DrawingTooSmallError
from sticker_studio.ui.main_window import MainWindow
from sticker_studio.ui.state import session as session_module
from test_one_cutout import _gif_on_paper
from test_ui_app import drop
from window_fixtures import open_main_window, use_no_models

WAIT_MS = 20_000


@pytest.fixture()
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    use_no_models(tmp_path, monkeypatch)  # no matting head: the default is the colour key (fast, no torch)
    with open_main_window(qtbot, tmp_path) as win:
        yield win


def test_an_animation_on_paper_dropped_on_the_pack_is_cut_out_on_a_worker(qtbot, window: MainWindow, tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[bool] = []
    real = session_module.pack_cut

    def spy(original, name, heads):  # type: ignore[no-untyped-def]
        threads.append(threading.current_thread() is threading.main_thread())
        return real(original, name, heads)

    monkeypatch.setattr(session_module, "pack_cut", spy)
    gif = _gif_on_paper(tmp_path / "ball.gif")
    drop(window.pack_panel.list.viewport(), [gif])
    qtbot.waitUntil(lambda: len(window.document.entries()) == 1, timeout=WAIT_MS)
    sticker = window.document.entries()[0].sticker
    assert sticker.frame_count == 6 and threads == [False]          # cut on the worker, never the event loop
    for frame in sticker.frames:
        alpha = frame[..., 3]
        assert alpha[:4, :4].max() <= 8 and (alpha >= 247).mean() > 0.15  # paper gone, the ball opaque
    assert "cut out from its white paper" in window.statusBar().currentMessage()


def test_a_tiny_image_dropped_is_one_line_and_not_added(qtbot, window: MainWindow, tmp_path: Path) -> None:
    Image.new("RGB", (1, 1), (200, 40, 40)).save(tmp_path / "dot.png")
    errors: list[str] = []
    window.session.error.connect(errors.append)
    drop(window.pack_panel.list.viewport(), [tmp_path / "dot.png"])
    qtbot.waitUntil(lambda: bool(errors) and not window.session.is_busy(), timeout=WAIT_MS)
    assert len(window.document.entries()) == 0
    assert errors == ["dot.png: not added: the image is 1x1 pixels: too small to cut out, rig or animate; use a "
                      "drawing at least 16x16 pixels (scale it up first, e.g. pixel art by a whole multiple)"]


def test_gui_file_with_an_animation_on_paper_and_a_tiny_file(qtbot, window: MainWindow, tmp_path: Path) -> None:
    from sticker_studio.ui.app import load_into

    load_into(window, _gif_on_paper(tmp_path / "ball.gif"))
    qtbot.waitUntil(lambda: len(window.document.entries()) == 1, timeout=WAIT_MS)
    assert np.all([f[0, 0, 3] == 0 for f in window.document.entries()[0].sticker.frames])
    Image.new("RGBA", (8, 8), (200, 40, 40, 255)).save(tmp_path / "tiny.png")
    with pytest.raises(DrawingTooSmallError, match="tiny.png is 8x8 pixels"):
        load_into(window, tmp_path / "tiny.png")
    assert len(window.document.entries()) == 1
