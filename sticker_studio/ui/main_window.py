"""The main window: prompt and reference on the left, preview and timeline in the
middle, the pack on the right.

The window is a view: it lays the panels out and wires their intent signals to the
:class:`~sticker_studio.ui.state.session.StudioSession` (which owns the open pack, the
reference and every background job) and the session's signals back to the panels.
Actions and menus live in :mod:`sticker_studio.ui.actions`. What is left here is what
needs a widget: the timeline selection behind Delete/Duplicate/Reverse, file and
input dialogs, drag and drop onto the window, and closing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, Qt, QTimer
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QIcon
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QInputDialog,
    QLabel,
    QMainWindow,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from sticker_studio.core import edits
from sticker_studio.core.pack.pack import StickerPack
from sticker_studio.core.sticker import Sticker
from sticker_studio.ui.actions import WindowActions
from sticker_studio.ui.dialogs.canvas import CROP, CanvasDialog
from sticker_studio.ui.motion_gallery import connect_character
from sticker_studio.ui.pack_panel import PackPanel
from sticker_studio.ui.preview import PreviewPanel
from sticker_studio.ui.prompt_panel import PromptPanel
from sticker_studio.ui.reference_panel import ReferencePanel
from sticker_studio.ui.state.document import PackDocument, default_pack_folder
from sticker_studio.ui.state.generation import GeneratorHost
from sticker_studio.ui.state.session import StudioSession
from sticker_studio.ui.state.settings import AppSettings
from sticker_studio.ui.timeline import TimelinePanel, local_paths

OPEN_FILTER = "Images and animations (*.png *.apng *.gif *.webp *.jpg *.jpeg *.webm *.mp4 *.mov);;All files (*)"


def _panel(widget: QWidget, name: str) -> QFrame:
    frame = QFrame()
    frame.setObjectName(name)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget)
    return frame


class MainWindow(QMainWindow):
    """Sticker Studio's window over one :class:`StudioSession`."""

    def __init__(self, document: PackDocument, settings: AppSettings | None = None,
                 generator: GeneratorHost | None = None) -> None:
        super().__init__()
        self.session = StudioSession(document, settings, generator, parent=self)
        self.last_error = ""
        self.setWindowTitle("Sticker Studio")
        self.setAcceptDrops(True)
        self.resize(1280, 800)

        self.prompt_panel = PromptPanel()
        self.reference_panel = ReferencePanel()
        self.preview_panel = PreviewPanel()
        self.preview = self.preview_panel.preview
        self.timeline_panel = TimelinePanel()
        self.timeline = self.timeline_panel.view
        self.pack_panel = PackPanel()
        self._build_layout()
        self.window_actions = WindowActions(self, self.document.undo_group)
        self.timeline_panel.set_tools_menu(self.window_actions.sticker_menu)
        self._build_status_bar()
        self._connect()
        self.preview_panel.set_background(self.session.settings.preview_background)
        self.preview_panel.set_onion_skin(self.session.settings.onion_skin)
        self._show_pack()
        self._show_current()
        self._restore_reference_panel()

    def _restore_reference_panel(self) -> None:
        """The motion settings and the reference drawing as the last session left them."""
        choice = self.session.motion()
        if choice is not None:
            self.reference_panel.set_choice(choice)
        self.reference_panel.choice_changed.connect(self.session.set_motion)
        self.session.reference.warm_up()
        self.session.restore_reference()

    @property
    def document(self) -> PackDocument:
        """The open pack (the session's; replaced when another pack opens)."""
        return self.session.document

    # ------------------------------------------------------------------ layout
    def _build_layout(self) -> None:
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.setSpacing(10)
        left_layout.addWidget(_panel(self.prompt_panel, "card"))
        left_layout.addWidget(_panel(self.reference_panel, "card"))
        left_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidget(left)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(340)
        left.setMinimumWidth(320)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(10)
        centre_layout.addWidget(_panel(self.preview_panel, "previewCard"), 1)
        centre_layout.addWidget(self.reference_panel.character)  # the reference's rig + motion gallery
        centre_layout.addWidget(_panel(self.timeline_panel, "card"))

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(centre)
        splitter.addWidget(_panel(self.pack_panel, "card"))
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([350, 660, 270])
        splitter.setChildrenCollapsible(False)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(10, 10, 10, 6)
        holder_layout.addWidget(splitter)
        self.setCentralWidget(holder)
        self.splitter = splitter

    def _build_status_bar(self) -> None:
        self.save_label = QLabel("")
        self.save_label.setObjectName("dimLabel")
        self.statusBar().addPermanentWidget(self.save_label)
        self.statusBar().setSizeGripEnabled(False)

    def _connect(self) -> None:
        s = self.session
        s.pack_changed.connect(self._show_pack)
        s.current_changed.connect(lambda _id: self._show_current())
        s.sticker_changed.connect(self._sticker_changed)
        s.saved.connect(lambda: self.save_label.setText(f"All changes saved · {self.document.folder}"))
        s.save_failed.connect(self.show_error)
        s.document_changed.connect(self._document_changed)
        s.reference_changed.connect(self._reference_changed)
        s.background_method_changed.connect(self.reference_panel.set_background_method)
        s.reference_busy.connect(self.reference_panel.set_busy)
        s.edit_applied.connect(self._edit_applied)
        s.error.connect(self.show_error)
        s.status.connect(lambda text, ms: self.statusBar().showMessage(text, ms))
        p = self.prompt_panel
        s.generation_started.connect(lambda: p.set_busy(True))
        s.generation_progress.connect(p.set_progress)
        s.generation_cancelling.connect(p.show_cancelling)
        s.generation_message.connect(p.show_message)
        s.generation_finished.connect(lambda: p.set_busy(False))
        p.generate_requested.connect(s.generate)
        s.candidates_ready.connect(p.show_candidates)
        p.candidate_chosen.connect(s.animate_candidate)
        p.cancel_requested.connect(s.cancel_generation)

        t = self.timeline
        t.move_requested.connect(lambda rows, to: s.apply_edit(edits.MoveFrames(rows, to)))
        t.delete_requested.connect(lambda rows: s.apply_edit(edits.DeleteFrames(rows)))
        t.duplicate_requested.connect(lambda rows: s.apply_edit(edits.DuplicateFrames(rows)))
        t.reverse_requested.connect(lambda rows: s.apply_edit(edits.ReverseFrames(rows or None)))
        t.ping_pong_requested.connect(self.ping_pong)
        t.duration_dialog_requested.connect(lambda rows: self.ask_duration(rows))
        t.files_dropped.connect(s.insert_files)
        t.frame_activated.connect(self._frame_clicked)
        self.timeline_panel.durations_requested.connect(self.set_durations)
        self.preview.frame_changed.connect(self.timeline_panel.set_playhead)
        self.preview_panel.view_options_changed.connect(self._remember_view)

        r = self.reference_panel
        r.files_dropped.connect(lambda paths: s.load_reference(paths[0]))
        r.open_requested.connect(self.open_reference_dialog)
        r.paste_requested.connect(self.paste)
        r.animate_requested.connect(s.animate)
        r.background_method_changed.connect(s.set_background_method)
        r.region_clicked.connect(s.flip_region_at)
        r.generate_from_image_requested.connect(self.generate_from_reference)
        connect_character(r.character, s.rig)  # the reference's rig and motion gallery (issue 22)

        k = self.pack_panel
        k.sticker_selected.connect(lambda entry_id: self.document.set_current(entry_id))
        k.title_changed.connect(s.set_title)
        k.author_changed.connect(s.set_author)
        k.emoji_suggest_requested.connect(s.suggest_emojis)
        k.subject_size_changed.connect(s.set_subject_size)
        k.subject_size_to_all_requested.connect(s.apply_subject_size_to_all)
        k.emojis_changed.connect(s.set_emojis)
        k.tray_requested.connect(s.set_tray)
        k.remove_requested.connect(self.remove_sticker)
        k.files_dropped.connect(s.import_files)
        k.export_requested.connect(self.open_export_dialog)

    # ------------------------------------------------------------ showing
    def _document_changed(self, document: PackDocument) -> None:
        self.window_actions.install_undo(document.undo_group)
        self._show_pack()
        self._show_current()

    def _show_pack(self) -> None:
        d = self.document
        self.pack_panel.set_title(d.pack.title, str(d.folder))
        self.pack_panel.set_author(d.pack.author)
        self.pack_panel.set_subject_size(d.pack.subject_size)
        self.pack_panel.set_entries(d.entries(), d.current_id(), d.tray_id())
        self.setWindowTitle(f"{d.pack.title}{' (read-only)' if d.read_only else ''} — Sticker Studio")
        if d.status_text():
            self.show_error(d.status_text())  # read-only, or stickers that could not be loaded

    def _show_current(self) -> None:
        sticker = self.document.current_sticker()
        was_playing = self.preview.is_playing()
        self.preview.set_sticker(sticker)
        self.timeline_panel.set_sticker(sticker)
        self.pack_panel.set_entries(self.document.entries(), self.document.current_id(), self.document.tray_id())
        if sticker is not None and (was_playing or sticker.is_animated):
            self.preview.play()
        self.window_actions.set_sticker_actions_enabled(sticker is not None)

    def _sticker_changed(self, entry_id: str) -> None:
        if entry_id != self.document.current_id():
            return
        sticker = self.document.current_sticker()
        self.preview.refresh()
        self.timeline_panel.set_sticker(sticker)
        entry = self.document.current_entry()
        if entry is not None:
            self.pack_panel.refresh_thumbnail(entry)

    def _edit_applied(self, command: edits.FrameCommand) -> None:
        if command.selection_after:
            self.timeline.select_rows(list(command.selection_after))
            self.preview.set_frame(command.selection_after[0])

    def _frame_clicked(self, row: int) -> None:
        self.preview.pause()
        self.preview.set_frame(row)

    def _remember_view(self) -> None:
        self.session.settings.preview_background = self.preview.background()
        self.session.settings.onion_skin = self.preview.onion_skin()

    def show_error(self, message: str) -> None:
        """Errors a user can cause appear in the status bar (no modal dialog in their way)."""
        self.last_error = message
        self.statusBar().showMessage(message, 8000)

    # -------------------------------------------------------------- editing
    def _selected_or_current(self) -> list[int]:
        rows = self.timeline.selected_rows()
        return rows or ([self.preview.current_index()] if self.document.current_sticker() is not None else [])

    def delete_selected(self) -> None:
        rows = self._selected_or_current()
        if rows:
            self.session.apply_edit(edits.DeleteFrames(rows))

    def duplicate_selected(self) -> None:
        rows = self._selected_or_current()
        if rows:
            self.session.apply_edit(edits.DuplicateFrames(rows))

    def reverse_selected(self) -> None:
        rows = self.timeline.selected_rows()
        self.session.apply_edit(edits.ReverseFrames(rows if len(rows) > 1 else None))

    def ping_pong(self) -> None:
        self.session.apply_edit(edits.PingPong())

    def set_durations(self, rows: list[int], ms: int) -> None:
        self.session.apply_edit(edits.SetDurations(rows, ms))

    def ask_duration(self, rows: list[int] | None = None) -> None:
        rows = rows or self._selected_or_current()
        sticker = self.document.current_sticker()
        if not rows or sticker is None:
            return
        ms, ok = QInputDialog.getInt(self, "Frame duration", f"Milliseconds for {len(rows)} frame(s):",
                                     sticker.durations_ms[rows[0]], 8, 10_000, 10)
        if ok:
            self.set_durations(rows, ms)

    def remove_sticker(self, entry_id: str) -> None:
        """Remove at once: Undo (Ctrl+Z) brings the sticker back with its own history."""
        self.session.remove_sticker(entry_id)

    def open_canvas_dialog(self, tab: int = CROP) -> CanvasDialog | None:
        """Crop / resize / pad the current sticker (the edit is undoable)."""
        sticker = self._sticker_to_edit()
        if sticker is None:
            return None
        dialog = CanvasDialog(sticker, self)
        dialog.show_tab(tab)
        dialog.accepted.connect(lambda: self.session.guard(lambda: self.session.apply_edit(dialog.command())))
        dialog.open()
        return dialog

    def _sticker_to_edit(self) -> Sticker | None:
        """The current sticker, or None after telling the user there is none to edit."""
        sticker = self.document.current_sticker()
        if sticker is None:
            self.show_error("Make or import a sticker first")
        return sticker

    def _input_dialog(self, title: str, label: str, mode: QInputDialog.InputMode) -> QInputDialog:
        dialog = QInputDialog(self)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setInputMode(mode)
        return dialog

    def ask_speed(self) -> QInputDialog | None:
        """Play faster or slower: every frame time divided by the factor (undoable)."""
        if self._sticker_to_edit() is None:
            return None
        dialog = self._input_dialog("Speed", "Play this many times as fast (0.5 = half speed):",
                                    QInputDialog.InputMode.DoubleInput)
        dialog.setDoubleRange(0.1, 10.0)
        dialog.setDoubleDecimals(2)
        dialog.setDoubleStep(0.25)
        dialog.setDoubleValue(1.0)
        dialog.doubleValueSelected.connect(
            lambda factor: self.session.guard(lambda: self.session.apply_edit(edits.ScaleSpeed(factor))))
        dialog.open()
        return dialog

    def ask_loop_count(self) -> QInputDialog | None:
        """How many times the sticker plays (0 = forever; undoable)."""
        sticker = self._sticker_to_edit()
        if sticker is None:
            return None
        dialog = self._input_dialog("Play count", "Times the animation plays (0 = loop forever):",
                                    QInputDialog.InputMode.IntInput)
        dialog.setIntRange(0, edits.MAX_LOOP_COUNT)
        dialog.setIntValue(sticker.loop_count)
        dialog.intValueSelected.connect(
            lambda count: self.session.guard(lambda: self.session.apply_edit(edits.SetLoopCount(count))))
        dialog.open()
        return dialog

    # ------------------------------------------------------------ importing
    def open_file_dialog(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Import images or animations", "", OPEN_FILTER)
        if names:
            self.session.import_files([Path(n) for n in names])

    def _reference_changed(self, sticker: Sticker | None, name: str) -> None:
        """Show the reference's cut-out, the original behind it, and the background method used."""
        panel = self.reference_panel
        if sticker is not None:
            panel.set_background_method(self.session.background_method())
        panel.set_reference(sticker, name, self.session.reference_original(), self.session.reference_close_calls(),
                            self.session.reference.small())

    def open_reference_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Reference drawing", "", OPEN_FILTER)
        if name:
            self.session.load_reference(Path(name))

    def paste(self) -> None:
        """Paste an image (or image files) from the clipboard as the reference."""
        self.paste_mime(QGuiApplication.clipboard().mimeData())

    def paste_mime(self, mime: QMimeData) -> bool:
        return self.session.paste_mime(mime)

    def generate_from_reference(self) -> None:
        self.prompt_panel.prefer_image_task()
        self.session.generate(self.prompt_panel.settings())

    # ---------------------------------------------------------------- packs
    def new_pack(self) -> None:
        title, ok = QInputDialog.getText(self, "New pack", "Pack title:", text="My stickers")
        if ok:
            self.session.create_pack(title)

    def open_pack_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a pack folder", str(default_pack_folder().parent))
        if folder:
            self.session.open_pack_folder(Path(folder))

    def switch_pack(self, pack: StickerPack) -> None:
        """Save the open pack and show another one."""
        self.session.switch_pack(pack)

    def save_now(self) -> None:
        self.session.save_now()

    # --------------------------------------------------------------- dialogs
    def open_export_dialog(self) -> Any:
        from sticker_studio.ui.dialogs.export import ExportDialog

        entries = self.document.entries()
        if not entries:
            self.show_error("The pack is empty: make or import a sticker first")
            return None
        self.document.save_now()
        folder = self.session.settings.default_export_folder() / self.document.folder.name
        pack = self.document.pack
        tray = pack.tray_entry
        dialog = ExportDialog(entries, folder, self, title=pack.title, publisher=pack.author,
                              cover_index=pack.index_of(tray.id) if tray is not None else 0,
                              settings=self.session.settings, pack=pack)
        dialog.open()
        return dialog

    def open_model_manager(self) -> Any:
        from sticker_studio.ui.dialogs.model_manager import ModelManagerDialog

        dialog = ModelManagerDialog(self)
        dialog.models_changed.connect(self.session.reload_generator)
        dialog.open()
        return dialog

    def open_settings(self) -> Any:
        from sticker_studio.ui.dialogs.settings import SettingsDialog

        dialog = SettingsDialog(self.session.settings, self)
        if dialog.exec():
            self.session.settings = dialog.result_settings()
            self.session.reload_generator()
            self.preview_panel.set_background(self.session.settings.preview_background)
            self.session.store_settings()
        return dialog

    # ----------------------------------------------------------- drag & drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        packs = [p for p in paths if (p / "pack.json").is_file()]
        if packs:
            self.session.open_pack_folder(packs[0])
            return
        self.session.import_files(paths, reference=True)  # a drop on the window: the last one is shown too

    # --------------------------------------------------------------- closing
    def shutdown(self, timeout_ms: int = 15_000) -> None:
        """Cancel running work, wait for it, save the pack and the settings."""
        self.session.shutdown(timeout_ms)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.preview.pause()
        self.shutdown()
        super().closeEvent(event)


def app_icon() -> QIcon:
    from sticker_studio import paths

    for name in ("sticker-studio.svg", "sticker-studio.png"):
        path = paths.resources_dir() / "icons" / name
        if path.is_file():
            return QIcon(str(path))
    return QIcon()


def settle(ms: int = 0) -> None:
    """Let queued events run (used before a screenshot)."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtWidgets import QApplication

    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()
    QApplication.processEvents()
