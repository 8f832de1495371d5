"""Issue 25: the window never freezes while a drawing is cut out.

A QTimer ticks every 10 ms on the GUI thread while a 1024² drawing on white paper is
dropped on the Reference panel; the longest gap between two ticks is the longest the
event loop was blocked. The cut-out (model or colour key) runs on a worker, so the gap
stays under 100 ms; before, the cut-out ran on the GUI thread (3.8–4.4 s with the model). The first
import of torch (and diffusers) holds the GIL for about a second wherever it runs: the window does it
on a worker when it opens (``ReferenceModel.warm_up``), and the measurement starts after it.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PIL import Image, ImageDraw
from PySide6.QtCore import QTimer

from sticker_studio.ui.main_window import MainWindow
from window_fixtures import open_main_window, use_no_models

#: the longest the GUI thread may be busy between two ticks (issue 25): its own CPU time, which the
#: other engineers' load on a shared machine does not inflate
STALL_LIMIT_S = 0.100
#: the longest wall-clock gap between two ticks: on a loaded machine the GUI thread also waits for a
#: core and for the GIL (a worker in C code holds it up to ~50 ms); a cut-out on the GUI thread, or
#: an import of torch on a worker, blocks for 0.8 s and more
WALL_LIMIT_S = 0.500
SIDE = 1024


def drawing_on_white(path: Path) -> Path:
    """A 1024² JPEG: a character with a white belly and a ring with a hole, on white paper."""
    image = Image.new("RGB", (SIDE, SIDE), "white")
    d = ImageDraw.Draw(image)
    ink = (35, 30, 40)
    d.ellipse((160, 160, 640, 800), fill=(240, 150, 60), outline=ink, width=12)
    d.ellipse((280, 440, 520, 720), fill="white", outline=ink, width=10)
    d.ellipse((600, 400, 920, 720), fill=(70, 170, 90), outline=ink, width=12)
    d.ellipse((700, 500, 820, 620), fill="white", outline=ink, width=10)
    image.save(path, quality=90)
    return path


def longest_stall_while_dropping(qtbot, window: MainWindow, path: Path,
                                 timeout_s: float = 120.0) -> tuple[float, float]:
    """Drop ``path`` on the Reference panel; until the cut-out is shown and no job runs, the most
    CPU time (s) the GUI thread spent between two 10 ms ticks, and the longest wall-clock gap."""
    # the window imports torch & co. on a worker when it opens (their first import holds the GIL ~1 s)
    qtbot.waitUntil(lambda: not window.session.is_busy(), timeout=int(timeout_s * 1000))
    ticks: list[tuple[float, float]] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append((time.perf_counter(), time.thread_time())))
    timer.start()
    qtbot.wait(50)
    window.reference_panel.files_dropped.emit([path])
    qtbot.waitUntil(lambda: window.reference_panel.reference() is not None and not window.session.is_busy(),
                    timeout=int(timeout_s * 1000))
    qtbot.wait(50)
    timer.stop()
    pairs = list(zip(ticks, ticks[1:], strict=False))
    busy = max(b[1] - a[1] for a, b in pairs)
    wall = max(b[0] - a[0] for a, b in pairs)
    print(f"while a {SIDE}² drawing is cut out: the GUI thread busy at most {busy * 1000:.0f} ms between ticks, "
          f"longest gap {wall * 1000:.0f} ms ({len(ticks)} ticks)")
    return busy, wall


def test_dropping_a_big_drawing_never_blocks_the_window_colour_key(qtbot, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    use_no_models(tmp_path, monkeypatch)  # the colour key: the fast path that blocked too
    with open_main_window(qtbot, tmp_path) as window:
        busy, wall = longest_stall_while_dropping(qtbot, window, drawing_on_white(tmp_path / "big.jpg"))
        assert window.reference_panel.reference().frames[0][0, 0, 3] == 0  # it was cut out
    assert busy < STALL_LIMIT_S and wall < WALL_LIMIT_S


@pytest.mark.slow
def test_dropping_a_big_drawing_never_blocks_the_window_model(qtbot, tmp_path: Path) -> None:
    with open_main_window(qtbot, tmp_path) as window:  # the bundled matting head
        busy, wall = longest_stall_while_dropping(qtbot, window, drawing_on_white(tmp_path / "big.jpg"))
        assert window.reference_panel.reference().frames[0][0, 0, 3] == 0
    assert busy < STALL_LIMIT_S and wall < WALL_LIMIT_S
