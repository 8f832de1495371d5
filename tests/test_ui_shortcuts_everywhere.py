"""Issue 25: the window's shortcuts work from every field (window-wide), e.g. Ctrl+E (export)
while the emoji field has focus — no text field or spin box swallows them."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QApplication, QComboBox, QLineEdit, QPlainTextEdit, QWidget

from sticker_studio.core.sticker import Sticker
from sticker_studio.ui.main_window import MainWindow
from window_fixtures import open_main_window, use_no_models


def make_sticker(frames: int, side: int) -> Sticker:
    import numpy as np

    frame = np.zeros((side, side, 4), np.uint8)
    frame[4:-4, 4:-4] = (200, 60, 60, 255)
    return Sticker([frame.copy() for _ in range(frames)], [100] * frames)


@pytest.fixture()
def window(qtbot, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MainWindow:
    use_no_models(tmp_path, monkeypatch)
    with open_main_window(qtbot, tmp_path) as win:
        win.document.add_sticker(make_sticker(2, 32), name="one")  # the sticker's fields are enabled
        win.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is win, timeout=5_000)
        yield win


def fields(window: MainWindow) -> list[QWidget]:
    """Every editable field of the window: text fields, spin boxes, combo boxes."""
    found: list[QWidget] = []
    for kind in (QLineEdit, QPlainTextEdit, QAbstractSpinBox, QComboBox):
        found += [w for w in window.findChildren(kind) if w.isVisibleTo(window) and w.isEnabled()
                  and not isinstance(w.parent(), (QAbstractSpinBox, QComboBox))]  # a spin box's own line edit
    return found


def press(qtbot, widget: QWidget, sequence: str) -> None:
    combo = QKeySequence(sequence)[0]
    widget.setFocus()
    qtbot.waitUntil(widget.hasFocus, timeout=2_000)
    qtbot.keyClick(widget, combo.key(), combo.keyboardModifiers())


@pytest.mark.parametrize("name, sequence", [("export", "Ctrl+E"), ("import_file", "Ctrl+I"),
                                            ("open_reference", "Ctrl+O"), ("canvas", "Ctrl+Shift+C")])
def test_window_shortcuts_fire_from_every_field(qtbot, window: MainWindow, name: str, sequence: str) -> None:
    action = getattr(window.window_actions, action_name := name)
    assert action.shortcut().toString() == QKeySequence(sequence).toString(), action_name
    action.triggered.disconnect()  # count instead of opening a dialog
    fired: list[bool] = []
    action.triggered.connect(lambda *_: fired.append(True))
    action.setEnabled(True)
    targets = fields(window)
    assert any(w is window.pack_panel.emoji_edit for w in targets) and len(targets) > 8
    missed = []
    for widget in targets:
        before = len(fired)
        press(qtbot, widget, sequence)
        if len(fired) != before + 1:
            missed.append(widget.objectName() or type(widget).__name__)
    assert not missed, f"{sequence} swallowed by {missed}"


class GreedyLineEdit(QLineEdit):
    """A field that claims every Ctrl+key for itself, as a line edit does with X11's emacs-like
    key bindings (Ctrl+E = end of line): the platform here (offscreen) has none of its own."""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            event.accept()
            return True
        return super().event(event)


def test_a_field_that_claims_ctrl_keys_does_not_get_the_windows_shortcuts(qtbot, window: MainWindow) -> None:
    action = window.window_actions.export
    action.triggered.disconnect()
    fired: list[bool] = []
    action.triggered.connect(lambda *_: fired.append(True))
    greedy = GreedyLineEdit(window.pack_panel)
    greedy.show()
    press(qtbot, greedy, "Ctrl+E")
    assert fired == [True]


def test_ctrl_e_from_the_emoji_field(qtbot, window: MainWindow) -> None:
    action = window.window_actions.export
    action.triggered.disconnect()
    fired: list[bool] = []
    action.triggered.connect(lambda *_: fired.append(True))
    edit = window.pack_panel.emoji_edit
    edit.setEnabled(True)
    press(qtbot, edit, "Ctrl+E")
    assert fired == [True]
    # the field's own editing keys still work: Ctrl+A selects its text, not a window action
    edit.setText("abc")
    press(qtbot, edit, "Ctrl+A")
    assert edit.selectedText() == "abc"
    assert action.shortcutContext() in (Qt.ShortcutContext.WindowShortcut, Qt.ShortcutContext.ApplicationShortcut)
