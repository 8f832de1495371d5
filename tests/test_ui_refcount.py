"""The preview must not corrupt ``None``'s reference count (PySide6 6.12.0 on Python 3.11 did).

Each void Qt call of a broken build loses one reference to ``None``; the preview's paint
loop makes dozens a frame, so on Python 3.11 the window aborted after ~25 s of playback
(``Fatal Python error: none_dealloc``). These tests watch the count while painting and
ticking, in chunks, so a broken build fails the test before it can kill the process.
On Python 3.12+ ``None`` is immortal and the count never moves.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtGui import QImage

from sticker_studio.core.sticker import Sticker
from sticker_studio.ui.preview import PreviewWidget
from sticker_studio.ui.qt_guard import (
    BrokenQtError,
    check_qt_refcounts,
    none_refs_lost_per_call,
)

#: A sound build may wobble by a few references (caches, temporaries); a broken one loses
#: ~40 per painted frame, thousands per chunk.
SLACK = 300


def _sticker() -> Sticker:
    rng = np.random.default_rng(0)
    frames = [rng.integers(0, 256, (48, 48, 4), dtype=np.uint8) for _ in range(6)]
    return Sticker(frames, [20, 30, 40, 20, 50, 20])


def _preview(qtbot) -> PreviewWidget:  # type: ignore[no-untyped-def]
    preview = PreviewWidget(show_strip=True)
    qtbot.addWidget(preview)
    preview.resize(300, 300)
    preview.set_onion_skin(True)  # setOpacity + save/restore: the calls that lost references
    preview.set_sticker(_sticker())
    preview.show()
    return preview


def test_painting_and_ticking_the_preview_keeps_none_alive(qtbot) -> None:
    preview = _preview(qtbot)
    preview.play()
    canvas = QImage(preview.size(), QImage.Format.Format_ARGB32_Premultiplied)
    painted: list[int] = []
    original_paint = preview.paintEvent

    def counting_paint(event):  # type: ignore[no-untyped-def]
        painted.append(1)
        original_paint(event)

    preview.paintEvent = counting_paint  # type: ignore[method-assign]
    start = sys.getrefcount(None)
    for chunk in range(30):  # 3,000 paints and 3,000 timer ticks
        for _ in range(100):
            preview.render(canvas)  # a synchronous paintEvent (offscreen repaint() may skip it)
            preview._advance()  # what the playback timer's timeout does (restarts the QTimer)
        lost = start - sys.getrefcount(None)
        assert lost < SLACK, f"None lost {lost} references after {(chunk + 1) * 100} paints + ticks"
    assert len(painted) == 3000
    assert preview.is_playing()


def test_the_startup_probe_passes_on_the_installed_qt(qapp) -> None:
    assert none_refs_lost_per_call() < 0.5
    check_qt_refcounts()  # raises BrokenQtError on a broken build


def test_the_startup_probe_names_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    from sticker_studio.ui import qt_guard

    monkeypatch.setattr(qt_guard, "none_refs_lost_per_call", lambda calls=200: 1.0)
    with pytest.raises(BrokenQtError, match="PySide6-Essentials"):
        qt_guard.check_qt_refcounts()


@pytest.mark.slow
def test_preview_plays_for_60_seconds(qtbot) -> None:
    preview = _preview(qtbot)
    frames_shown: list[int] = []
    preview.frame_changed.connect(frames_shown.append)
    preview.play()
    start = sys.getrefcount(None)
    deadline = time.monotonic() + 60.0
    while time.monotonic() < deadline:
        qtbot.wait(1000)  # the event loop plays: timer ticks and paints at real timing
        lost = start - sys.getrefcount(None)
        assert lost < SLACK, f"None lost {lost} references after {len(frames_shown)} frames"
    assert preview.is_playing()
    assert len(frames_shown) > 500  # 180 ms a loop of 6 frames: ~2,000 frames a minute
