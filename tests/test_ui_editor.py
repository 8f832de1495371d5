"""The editor items of issue 12, driven as a user would, offscreen (pytest-qt).

Covers: crop / resize / pad / speed / play count from the app (undoable), easing /
speed / size of motion presets, undoable sticker removal, title and emoji, Enter in
the frame-time field, Ctrl+O opening a reference only, sticker names on tiles, the
Animate button on screen at 1280x800, and the reference panel coming back on restart.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QImage, QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel

from sticker_studio.core.pack.pack import StickerPack
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.writers import write_sticker
from sticker_studio.ui.dialogs.canvas import RESIZE, SQUARE
from sticker_studio.ui.main_window import MainWindow, settle
from sticker_studio.ui.state.document import PackDocument, open_or_create_pack
from sticker_studio.ui.state.settings import AppSettings, load_settings

WAIT_MS = 20_000


def make_sticker(n: int = 5, width: int = 32, height: int = 32) -> Sticker:
    frames = []
    for k in range(n):
        f = np.zeros((height, width, 4), np.uint8)
        f[4:height - 4, 4 + k:width - 4, :] = (200, 40 + 30 * k, 60, 255)
        frames.append(f)
    return Sticker(frames, [80] * n)


@pytest.fixture()
def no_models(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    manifest = tmp_path / "empty_manifest.json"
    manifest.write_text(json.dumps({"schema": 1, "models": []}))
    monkeypatch.setenv("STICKER_STUDIO_MANIFEST", str(manifest))


def open_window(qtbot, folder: Path, settings: AppSettings | None = None) -> MainWindow:
    document = PackDocument(open_or_create_pack(folder, "Test pack"), autosave_delay_ms=30)
    win = MainWindow(document, settings or AppSettings())
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture()
def window(qtbot, tmp_path: Path, no_models: None) -> MainWindow:
    win = open_window(qtbot, tmp_path / "pack")
    yield win
    win.shutdown()


def add(win: MainWindow, n: int = 5, name: str = "test", width: int = 32, height: int = 32) -> Sticker:
    win.document.add_sticker(make_sticker(n, width, height), name=name)
    return win.document.current_sticker()


# ---------------------------------------------------------------- frame tools
def test_crop_resize_pad_speed_and_play_count_are_undoable(qtbot, window: MainWindow) -> None:
    sticker = add(window, 5)
    undo = window.window_actions.undo
    assert window.window_actions.canvas in window.window_actions.edit_menu.actions()
    assert window.window_actions.canvas.isEnabled()

    dialog = window.open_canvas_dialog()
    dialog.crop_left.setValue(4)
    dialog.crop_right.setValue(6)
    dialog.accept()
    assert sticker.size == (22, 32)
    undo.trigger()
    assert sticker.size == (32, 32)
    window.window_actions.redo.trigger()
    assert sticker.size == (22, 32)

    dialog = window.open_canvas_dialog(SQUARE)
    dialog.accept()
    assert sticker.size == (32, 32)  # padded back to a square (the longer side)
    undo.trigger()

    dialog = window.open_canvas_dialog(RESIZE)
    dialog.resize_width.setValue(11)  # keeps the proportions: 11 x 16
    assert dialog.resize_height.value() == 16
    dialog.accept()
    assert sticker.size == (11, 16)
    undo.trigger()
    undo.trigger()
    assert sticker.size == (32, 32)

    speed = window.ask_speed()
    speed.setDoubleValue(2.0)
    speed.accept()
    assert sticker.durations_ms == [40] * 5
    undo.trigger()
    assert sticker.durations_ms == [80] * 5

    plays = window.ask_loop_count()
    plays.setIntValue(3)
    plays.accept()
    assert sticker.loop_count == 3
    assert "plays 3×" in window.timeline_panel.summary.text()
    undo.trigger()
    assert sticker.loop_count == 0
    # the edits reach the pack on disk
    window.window_actions.redo.trigger()
    assert window.document.save_now()
    assert StickerPack.open(window.document.folder).entries[0].sticker.loop_count == 3


def test_an_empty_crop_is_refused_with_a_message(qtbot, window: MainWindow) -> None:
    sticker = add(window, 2)
    dialog = window.open_canvas_dialog()
    dialog.crop_left.setValue(20)
    dialog.crop_right.setValue(20)
    dialog.accept()
    assert sticker.size == (32, 32)
    assert "empty" in window.last_error


# ---------------------------------------------------------------- motion presets
def test_motion_easing_speed_and_size_reach_the_new_sticker(qtbot, window: MainWindow) -> None:
    window.session.set_reference(Sticker([make_sticker(1, 48, 48).frames[0]], [100]), "drawing.png")
    panel = window.reference_panel
    labels = {label.text() for label in panel.findChildren(QLabel)}
    assert "Amplitude" in labels and "Strength" not in labels
    panel.set_preset("bounce")
    panel.frames_spin.setValue(6)
    panel.easing_box.setCurrentIndex(panel.easing_box.findData("linear"))
    panel.speed_spin.setValue(2.0)
    panel.size_spin.setValue(64)
    qtbot.mouseClick(panel.animate_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(window.document.entries()) == 1, timeout=WAIT_MS)
    made = window.document.current_sticker()
    assert made.size == (64, 64)
    assert made.frame_count == 6
    assert made.metadata.get("easing") == "linear"
    assert made.metadata.get("speed") == 2.0


# ---------------------------------------------------------------- pack edits
def test_sticker_removal_title_and_emoji_are_undoable(qtbot, window: MainWindow) -> None:
    add(window, 3, name="first")
    add(window, 4, name="second")
    first, second = (e.id for e in window.document.entries())
    window.document.set_tray(first)
    undo, redo = window.window_actions.undo, window.window_actions.redo

    window.pack_panel.list.setCurrentRow(0)
    window.pack_panel.remove_button.click()  # no confirmation: it can be undone
    assert [e.id for e in window.document.entries()] == [second]
    assert undo.text() == "Undo Remove “first”"
    undo.trigger()
    assert [e.id for e in window.document.entries()] == [first, second]
    assert window.document.tray_id() == first
    assert window.document.current_id() == first
    redo.trigger()
    assert [e.id for e in window.document.entries()] == [second]
    undo.trigger()

    window.pack_panel.title_edit.setText("Cats")
    window.pack_panel.title_edit.editingFinished.emit()
    assert window.document.pack.title == "Cats"
    undo.trigger()
    assert window.document.pack.title == "Test pack"
    assert window.pack_panel.title_edit.text() == "Test pack"

    window.pack_panel.list.setCurrentRow(1)
    before = list(window.document.entry(second).emojis)
    window.pack_panel.emoji_edit.setText("😺👋")
    window.pack_panel.emoji_edit.editingFinished.emit()
    assert window.document.entry(second).emojis == ["😺", "👋"]
    undo.trigger()
    assert window.document.entry(second).emojis == before
    redo.trigger()
    assert window.document.save_now()
    reopened = StickerPack.open(window.document.folder)
    assert [e.name for e in reopened.entries] == ["first", "second"]
    assert reopened.get(second).emojis == ["😺", "👋"]


def test_enter_in_the_frame_time_field_applies_it(qtbot, window: MainWindow) -> None:
    sticker = add(window, 4)
    window.timeline.select_rows([1, 2])
    spin = window.timeline_panel.duration_spin
    spin.setFocus()
    spin.selectAll()
    qtbot.keyClicks(spin, "250")
    qtbot.keyClick(spin, Qt.Key.Key_Return)
    assert sticker.durations_ms == [80, 250, 250, 80]
    window.window_actions.undo.trigger()
    assert sticker.durations_ms == [80] * 4


def test_ctrl_o_opens_a_reference_without_adding_a_sticker(qtbot, window: MainWindow, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_sticker(make_sticker(3), tmp_path / "drawing.png")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    action = window.window_actions.open_reference
    assert action.shortcut() == QKeySequence(QKeySequence.StandardKey.Open)
    action.trigger()
    qtbot.waitUntil(lambda: window.session.reference.sticker() is not None, timeout=WAIT_MS)
    assert window.document.entries() == []
    assert window.reference_panel.reference() is window.session.reference.sticker()


def test_sticker_tiles_show_the_name_not_just_the_tray_star(qtbot, window: MainWindow) -> None:
    add(window, 2, name="fluent-1f482-1f3ff")
    item = window.pack_panel.list.item(0)
    first_line, second_line = item.text().split("\n")
    assert first_line.startswith("fluent") and first_line.endswith("3ff")
    assert "★" not in first_line and "★" in second_line


def test_animate_button_is_on_screen_at_1280x800(qtbot, window: MainWindow) -> None:
    window.session.set_reference(Sticker([make_sticker(1, 48, 48).frames[0]], [100]), "drawing.png")
    add(window, 3)
    window.resize(1280, 800)
    settle(50)
    assert (window.width(), window.height()) == (1280, 800)
    for button in (window.reference_panel.animate_button, window.reference_panel.generate_button):
        assert not button.visibleRegion().isEmpty()
        assert button.visibleRegion().boundingRect().height() == button.height()  # all of it


# ---------------------------------------------------------------- restart
def test_reference_panel_comes_back_after_a_restart(qtbot, tmp_path: Path, no_models: None) -> None:
    first = open_window(qtbot, tmp_path / "pack")
    image = QImage(40, 20, QImage.Format.Format_RGBA8888)
    image.fill(Qt.GlobalColor.red)
    mime = QMimeData()
    mime.setImageData(image)
    assert first.paste_mime(mime)
    panel = first.reference_panel
    panel.set_preset("spin")
    panel.amplitude_spin.setValue(1.5)
    panel.easing_box.setCurrentIndex(panel.easing_box.findData("linear"))
    panel.size_spin.setValue(128)
    chosen = panel.choice()
    first.close()

    second = open_window(qtbot, tmp_path / "pack", load_settings())
    qtbot.waitUntil(lambda: second.session.reference.sticker() is not None, timeout=WAIT_MS)
    assert second.session.reference.sticker().size == (40, 20)
    assert second.reference_panel.reference() is not None
    assert second.reference_panel.choice() == chosen
    second.shutdown()
