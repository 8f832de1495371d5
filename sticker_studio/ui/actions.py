"""Every window command as a QAction: text, shortcut, icon, menu place.

:class:`WindowActions` makes the actions and the menu bar for a :class:`MainWindow`
and connects each action to one window method (the window forwards to the session
or opens a dialog). Actions are added to the window itself too, so their shortcuts
work with the menus closed. Undo/Redo come from the open document's ``QUndoGroup``
and are replaced in place when another pack opens (:meth:`WindowActions.install_undo`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence, QUndoGroup
from PySide6.QtWidgets import QApplication, QMenu, QStyle, QWidget

if TYPE_CHECKING:
    from sticker_studio.ui.main_window import MainWindow

Shortcut = str | QKeySequence.StandardKey | list[QKeySequence] | None


class WindowActions:
    """The window's actions (``actions.undo``, ``actions.delete`` ...) and its menus."""

    def __init__(self, window: MainWindow, undo_group: QUndoGroup) -> None:
        self._window = window
        sp = QStyle.StandardPixmap
        w = window
        self.new_pack = self._make("New pack…", w.new_pack, None, sp.SP_FileDialogNewFolder)
        self.open_pack = self._make("Open pack folder…", w.open_pack_dialog, None, sp.SP_DirOpenIcon)
        self.open_reference = self._make("Open reference drawing…", w.open_reference_dialog,
                                         QKeySequence.StandardKey.Open, sp.SP_DialogOpenButton,
                                         tip="Show a drawing in the Reference panel (the pack is not changed)")
        self.import_file = self._make("Import as new stickers…", w.open_file_dialog, "Ctrl+I",
                                      tip="Add images or animations to the pack as new stickers")
        self.export = self._make("Export pack…", w.open_export_dialog, "Ctrl+E", sp.SP_DialogSaveButton)
        self.save = self._make("Save now", w.save_now, QKeySequence.StandardKey.Save,
                               tip="Packs save themselves after every change; this saves at once")
        self.quit = self._make("Quit", w.close, QKeySequence.StandardKey.Quit)
        self.delete = self._make("Delete frames", w.delete_selected, QKeySequence.StandardKey.Delete)
        self.duplicate = self._make("Duplicate frames", w.duplicate_selected, "Ctrl+D")
        self.reverse = self._make("Reverse", w.reverse_selected)
        self.ping_pong = self._make("Ping-pong", w.ping_pong)
        self.duration = self._make("Set frame duration…", w.ask_duration)
        self.canvas = self._make("Crop, resize or pad…", w.open_canvas_dialog, "Ctrl+Shift+C",
                                 tip="Change the canvas of every frame of this sticker")
        self.speed = self._make("Speed…", w.ask_speed, tip="Play this sticker faster or slower")
        self.loop_count = self._make("Play count…", w.ask_loop_count, tip="Loop forever, or play N times")
        self.paste = self._make("Paste image", w.paste, QKeySequence.StandardKey.Paste)
        self.play = self._make("Play / pause", w.preview.toggle_playback, "Space")
        self.previous_frame = self._make("Previous frame", lambda: w.preview.step(-1), "Left")
        self.next_frame = self._make("Next frame", lambda: w.preview.step(1), "Right")
        self.models = self._make("Models…", w.open_model_manager)
        self.settings = self._make("Settings…", w.open_settings)
        self.generate = self._make("Generate", w.prompt_panel.request_generate, "Ctrl+Return")
        #: shortcuts that work from every field of the window: a text field or spin box never takes them
        #: for its own editing (on X11 a line edit claims Ctrl+E as "end of line"); the fields keep
        #: their editing keys (copy, paste, undo, select all, Delete, arrows, Space)
        self.window_wide = (self.open_reference, self.import_file, self.export, self.save, self.quit,
                            self.canvas, self.generate, self.new_pack, self.open_pack)
        self._window_keys = WindowWideKeys(window, self.window_wide)
        #: actions that need a sticker in the editor
        self.sticker_actions = (self.delete, self.duplicate, self.reverse, self.ping_pong, self.duration,
                                self.canvas, self.speed, self.loop_count)
        self._build_menus()
        self.undo, self.redo = self._undo_actions(undo_group)
        self.edit_menu.insertActions(self.edit_menu.actions()[0], [self.undo, self.redo])

    def _make(self, text: str, slot: Callable[[], Any], shortcut: Shortcut = None,
              icon: QStyle.StandardPixmap | None = None, tip: str = "") -> QAction:
        action = QAction(text, self._window)
        if isinstance(shortcut, list):
            action.setShortcuts(shortcut)
        elif shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            action.setIcon(self._window.style().standardIcon(icon))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)  # from any widget of this window
        self._window.addAction(action)  # shortcuts work without the menu being open
        return action

    def _build_menus(self) -> None:
        bar = self._window.menuBar()
        self.file_menu = self._fill(bar.addMenu("&File"), (
            self.new_pack, self.open_pack, None, self.open_reference, self.paste, self.import_file, None,
            self.export, self.save, None, self.quit))
        self.edit_menu = self._fill(bar.addMenu("&Edit"), (
            None, self.delete, self.duplicate, self.reverse, self.ping_pong, self.duration,
            None, self.canvas, self.speed, self.loop_count))
        self.playback_menu = self._fill(bar.addMenu("&Playback"), (self.play, self.previous_frame, self.next_frame))
        self.sticker_menu = self._fill(QMenu("Sticker", self._window), (self.canvas, self.speed, self.loop_count))
        self.tools_menu = self._fill(bar.addMenu("&Tools"), (self.generate, self.models, self.settings))

    @staticmethod
    def _fill(menu: QMenu, actions: tuple[QAction | None, ...]) -> QMenu:
        for action in actions:
            if action is None:
                menu.addSeparator()
            else:
                menu.addAction(action)
        return menu

    def install_undo(self, undo_group: QUndoGroup) -> None:
        """Bind Undo/Redo to ``undo_group`` (the open document's), first in the Edit menu.

        Called again when another pack opens: the old actions belong to the old
        document's group, so they are replaced in place, not left stale.
        """
        old = (self.undo, self.redo)
        undo, redo = self._undo_actions(undo_group)
        self.edit_menu.insertActions(self.undo, [undo, redo])
        for action in old:
            self._window.removeAction(action)
            self.edit_menu.removeAction(action)
            action.deleteLater()
        self.undo, self.redo = undo, redo

    def _undo_actions(self, undo_group: QUndoGroup) -> tuple[QAction, QAction]:
        undo = undo_group.createUndoAction(self._window, "Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = undo_group.createRedoAction(self._window, "Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self._window.addAction(undo)
        self._window.addAction(redo)
        return undo, redo

    def set_sticker_actions_enabled(self, enabled: bool) -> None:
        for action in self.sticker_actions:
            action.setEnabled(enabled)


class WindowWideKeys(QObject):
    """Lets the window's shortcuts through a field that would claim them (an application event
    filter on ``ShortcutOverride``: a claimed key goes to the widget instead of the shortcut)."""

    def __init__(self, window: QWidget, actions: tuple[QAction, ...]) -> None:
        super().__init__(window)
        self._window = window
        self._actions = actions
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)  # removed again when this object (the window's child) goes

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() != QEvent.Type.ShortcutOverride or not isinstance(watched, QWidget):
            return False
        if watched.window() is not self._window or not isinstance(event, QKeyEvent):
            return False
        pressed = QKeySequence(event.keyCombination())
        for action in self._actions:
            if action.isEnabled() and any(s.matches(pressed) == QKeySequence.SequenceMatch.ExactMatch
                                          for s in action.shortcuts()):
                event.ignore()  # not the field's: the window's shortcut runs
                return True
        return False
