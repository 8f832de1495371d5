"""The main window: prompt and reference on the left, preview and timeline in the
middle, the pack on the right.

The window wires panels to the :class:`PackDocument`; it owns no sticker data itself.
Every frame edit becomes a core edit command on the document's undo stacks; every
long job (import, animate, generate, export) runs in a :class:`BackgroundJob`, so the
event loop keeps turning while the engine works.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QMimeData, Qt, QTimer
from PySide6.QtGui import (QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QGuiApplication, QIcon, QKeySequence)
from PySide6.QtWidgets import (QFileDialog, QFrame, QInputDialog, QLabel, QMainWindow, QMessageBox, QScrollArea,
                               QSplitter, QStyle, QVBoxLayout, QWidget)

from sticker_studio.core import edits
from sticker_studio.core.errors import ModelNotFoundError, StickerStudioError
from sticker_studio.core.imageops import fit_into_canvas
from sticker_studio.core.sticker import Sticker
from sticker_studio.ui.document import PackDocument, default_pack_folder, open_or_create_pack
from sticker_studio.ui.generation import GeneratorHost, build_request, default_pipeline_factory, no_model_message
from sticker_studio.ui.image_convert import qimage_to_rgba
from sticker_studio.ui.pack_panel import PackPanel
from sticker_studio.ui.preview import PreviewPanel
from sticker_studio.ui.prompt_panel import PromptPanel, PromptSettings
from sticker_studio.ui.reference_panel import ReferencePanel
from sticker_studio.ui.settings import AppSettings, save_settings
from sticker_studio.ui.timeline import TimelinePanel, local_paths
from sticker_studio.ui.workers import BackgroundJob

log = logging.getLogger(__name__)

OPEN_FILTER = "Images and animations (*.png *.apng *.gif *.webp *.jpg *.jpeg *.webm *.mp4 *.mov);;All files (*)"
#: Animating a reference larger than this scales it down to a messenger-sized canvas.
ANIMATE_MAX_SIDE = 512


def read_file(path: Path) -> Sticker:
    """Decode any supported image or animation (the formats package does the work)."""
    from sticker_studio.formats.readers import read_sticker

    return read_sticker(path)


def _panel(widget: QWidget, name: str) -> QFrame:
    frame = QFrame()
    frame.setObjectName(name)
    layout = QVBoxLayout(frame)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.addWidget(widget)
    return frame


class MainWindow(QMainWindow):
    """Sticker Studio's window over one open pack."""

    def __init__(self, document: PackDocument, settings: AppSettings | None = None,
                 generator: GeneratorHost | None = None) -> None:
        super().__init__()
        self.settings = settings or AppSettings()
        self.document = document
        self.generator = generator or GeneratorHost(default_pipeline_factory(self.settings.device))
        self.jobs: set[BackgroundJob] = set()
        self.generation_job: BackgroundJob | None = None
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
        self._build_actions()
        self._build_status_bar()
        self._connect()
        self.preview_panel.set_background(self.settings.preview_background)
        self.preview_panel.onion_box.setChecked(self.settings.onion_skin)
        self._show_pack()
        self._show_current()

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
        scroll.setMinimumWidth(310)
        left.setMinimumWidth(290)

        centre = QWidget()
        centre_layout = QVBoxLayout(centre)
        centre_layout.setContentsMargins(0, 0, 0, 0)
        centre_layout.setSpacing(10)
        centre_layout.addWidget(_panel(self.preview_panel, "previewCard"), 1)
        centre_layout.addWidget(_panel(self.timeline_panel, "card"))

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(scroll)
        splitter.addWidget(centre)
        splitter.addWidget(_panel(self.pack_panel, "card"))
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([330, 680, 270])
        splitter.setChildrenCollapsible(False)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(10, 10, 10, 6)
        holder_layout.addWidget(splitter)
        self.setCentralWidget(holder)
        self.splitter = splitter

    def _action(self, text: str, slot: Callable[[], Any], shortcut: Any = None,
                icon: QStyle.StandardPixmap | None = None, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            if isinstance(shortcut, list):
                action.setShortcuts(shortcut)
            else:
                action.setShortcut(QKeySequence(shortcut))
        if icon is not None:
            action.setIcon(self.style().standardIcon(icon))
        if tip:
            action.setStatusTip(tip)
        action.triggered.connect(lambda checked=False: slot())
        self.addAction(action)  # shortcuts work without the menu being open
        return action

    def _build_actions(self) -> None:
        sp = QStyle.StandardPixmap
        self.new_pack_action = self._action("New pack…", self.new_pack, None, sp.SP_FileDialogNewFolder)
        self.open_pack_action = self._action("Open pack folder…", self.open_pack_dialog, None, sp.SP_DirOpenIcon)
        self.open_action = self._action("Import image or animation…", self.open_file_dialog,
                                        QKeySequence.StandardKey.Open, sp.SP_DialogOpenButton)
        self.export_action = self._action("Export pack…", self.open_export_dialog, "Ctrl+E", sp.SP_DialogSaveButton)
        self.save_action = self._action("Save now", self.save_now, QKeySequence.StandardKey.Save,
                                        tip="Packs save themselves after every change; this saves at once")
        self.quit_action = self._action("Quit", self.close, QKeySequence.StandardKey.Quit)
        self._install_undo_actions()
        self.delete_action = self._action("Delete frames", self.delete_selected, QKeySequence.StandardKey.Delete)
        self.duplicate_action = self._action("Duplicate frames", self.duplicate_selected, "Ctrl+D")
        self.reverse_action = self._action("Reverse", self.reverse_selected)
        self.ping_pong_action = self._action("Ping-pong", self.ping_pong)
        self.duration_action = self._action("Set frame duration…", self.ask_duration)
        self.paste_action = self._action("Paste image", self.paste, QKeySequence.StandardKey.Paste)
        self.play_action = self._action("Play / pause", self.preview.toggle_playback, "Space")
        self.prev_action = self._action("Previous frame", lambda: self.preview.step(-1), "Left")
        self.next_action = self._action("Next frame", lambda: self.preview.step(1), "Right")
        self.models_action = self._action("Models…", self.open_model_manager)
        self.settings_action = self._action("Settings…", self.open_settings)
        self.generate_action = self._action("Generate", self.prompt_panel.generate_button.click, "Ctrl+Return")

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        for a in (self.new_pack_action, self.open_pack_action, None, self.open_action, self.paste_action, None,
                  self.export_action, self.save_action, None, self.quit_action):
            file_menu.addSeparator() if a is None else file_menu.addAction(a)
        edit_menu = self.edit_menu = menu.addMenu("&Edit")
        for a in (self.undo_action, self.redo_action, None, self.delete_action, self.duplicate_action,
                  self.reverse_action, self.ping_pong_action, self.duration_action):
            edit_menu.addSeparator() if a is None else edit_menu.addAction(a)
        view_menu = menu.addMenu("&Playback")
        for a in (self.play_action, self.prev_action, self.next_action):
            view_menu.addAction(a)
        tools_menu = menu.addMenu("&Tools")
        tools_menu.addAction(self.generate_action)
        tools_menu.addAction(self.models_action)
        tools_menu.addAction(self.settings_action)

    def _build_status_bar(self) -> None:
        self.save_label = QLabel("")
        self.save_label.setObjectName("dimLabel")
        self.statusBar().addPermanentWidget(self.save_label)
        self.statusBar().setSizeGripEnabled(False)

    def _connect(self) -> None:
        d = self.document
        d.pack_changed.connect(self._show_pack)
        d.current_changed.connect(lambda _id: self._show_current())
        d.sticker_changed.connect(self._sticker_changed)
        d.saved.connect(lambda: self.save_label.setText(f"All changes saved · {d.folder}"))
        d.save_failed.connect(self.show_error)
        t = self.timeline
        t.move_requested.connect(lambda rows, to: self.apply_edit(edits.MoveFrames(rows, to)))
        t.delete_requested.connect(lambda rows: self.apply_edit(edits.DeleteFrames(rows)))
        t.duplicate_requested.connect(lambda rows: self.apply_edit(edits.DuplicateFrames(rows)))
        t.reverse_requested.connect(lambda rows: self.apply_edit(edits.ReverseFrames(rows or None)))
        t.ping_pong_requested.connect(self.ping_pong)
        t.duration_dialog_requested.connect(lambda rows: self.ask_duration(rows))
        t.files_dropped.connect(self.insert_files)
        t.frame_activated.connect(self._frame_clicked)
        self.timeline_panel.durations_requested.connect(self.set_durations)
        self.preview.frame_changed.connect(self.timeline.frame_model.set_playhead)
        self.preview_panel.background_box.currentIndexChanged.connect(self._remember_view)
        self.preview_panel.onion_box.toggled.connect(self._remember_view)
        p = self.prompt_panel
        p.generate_requested.connect(self.generate)
        p.cancel_requested.connect(self.cancel_generation)
        r = self.reference_panel
        r.files_dropped.connect(lambda paths: self.load_reference(paths[0]))
        r.open_requested.connect(self.open_reference_dialog)
        r.paste_requested.connect(self.paste)
        r.animate_requested.connect(self.animate_reference)
        r.generate_from_image_requested.connect(self.generate_from_reference)
        k = self.pack_panel
        k.sticker_selected.connect(d.set_current)
        k.title_changed.connect(lambda title: self._guard(lambda: d.set_title(title)))
        k.emojis_changed.connect(lambda i, e: self._guard(lambda: d.set_emojis(i, e)))
        k.tray_requested.connect(lambda i: self._guard(lambda: d.set_tray(i)))
        k.remove_requested.connect(self.remove_sticker)
        k.files_dropped.connect(self.import_files)
        k.export_requested.connect(self.open_export_dialog)

    # ------------------------------------------------------------ showing
    def _show_pack(self) -> None:
        d = self.document
        self.pack_panel.set_title(d.pack.title, str(d.folder))
        self.pack_panel.set_entries(d.entries(), d.current_id(), d.tray_id())
        self.setWindowTitle(f"{d.pack.title} — Sticker Studio")

    def _show_current(self) -> None:
        sticker = self.document.current_sticker()
        was_playing = self.preview.is_playing()
        self.preview.set_sticker(sticker)
        self.timeline_panel.set_sticker(sticker)
        self.pack_panel.set_entries(self.document.entries(), self.document.current_id(), self.document.tray_id())
        if sticker is not None and (was_playing or sticker.is_animated):
            self.preview.play()
        for a in (self.delete_action, self.duplicate_action, self.reverse_action, self.ping_pong_action,
                  self.duration_action):
            a.setEnabled(sticker is not None)

    def _sticker_changed(self, entry_id: str) -> None:
        if entry_id != self.document.current_id():
            return
        sticker = self.document.current_sticker()
        self.preview.refresh()
        self.timeline_panel.set_sticker(sticker)
        entry = self.document.current_entry()
        if entry is not None:
            self.pack_panel.refresh_thumbnail(entry)

    def _frame_clicked(self, row: int) -> None:
        self.preview.pause()
        self.preview.set_frame(row)

    def _remember_view(self, *args: object) -> None:
        self.settings.preview_background = self.preview.background()
        self.settings.onion_skin = self.preview.onion_skin()

    def show_error(self, message: str) -> None:
        """Errors a user can cause appear in the status bar (no modal dialog in their way)."""
        self.last_error = message
        self.statusBar().showMessage(message, 8000)

    def _guard(self, fn: Callable[[], None]) -> bool:
        try:
            fn()
        except StickerStudioError as error:
            self.show_error(str(error))
            self._show_pack()
            return False
        return True

    # -------------------------------------------------------------- editing
    def apply_edit(self, command: edits.FrameCommand) -> bool:
        """Push a core edit command for the current sticker on its undo stack."""
        if self.document.current_sticker() is None:
            self.show_error("Make or import a sticker first")
            return False
        if not self._guard(lambda: self.document.edit(command)):
            return False
        if command.selection_after:
            self.timeline.select_rows(list(command.selection_after))
            self.preview.set_frame(command.selection_after[0])
        self.statusBar().showMessage(command.label, 2000)
        return True

    def _selected_or_current(self) -> list[int]:
        rows = self.timeline.selected_rows()
        return rows or ([self.preview.current_index()] if self.document.current_sticker() is not None else [])

    def delete_selected(self) -> None:
        rows = self._selected_or_current()
        if rows:
            self.apply_edit(edits.DeleteFrames(rows))

    def duplicate_selected(self) -> None:
        rows = self._selected_or_current()
        if rows:
            self.apply_edit(edits.DuplicateFrames(rows))

    def reverse_selected(self) -> None:
        rows = self.timeline.selected_rows()
        self.apply_edit(edits.ReverseFrames(rows if len(rows) > 1 else None))

    def ping_pong(self) -> None:
        self.apply_edit(edits.PingPong())

    def set_durations(self, rows: list[int], ms: int) -> None:
        self.apply_edit(edits.SetDurations(rows, ms))

    def ask_duration(self, rows: list[int] | None = None) -> None:
        rows = rows or self._selected_or_current()
        sticker = self.document.current_sticker()
        if not rows or sticker is None:
            return
        ms, ok = QInputDialog.getInt(self, "Frame duration", f"Milliseconds for {len(rows)} frame(s):",
                                     sticker.durations_ms[rows[0]], 8, 10_000, 10)
        if ok:
            self.set_durations(rows, ms)

    # ---------------------------------------------------------- background
    def run_job(self, fn: Callable[..., Any], on_success: Callable[[Any], None], name: str,
                on_failed: Callable[[str], None] | None = None) -> BackgroundJob:
        job = BackgroundJob(fn, self, name=name)
        job.succeeded.connect(on_success)
        job.failed.connect(on_failed or self.show_error)
        job.finished.connect(lambda: self.jobs.discard(job))
        self.jobs.add(job)
        job.start()
        return job

    def is_busy(self) -> bool:
        return any(j.is_running() for j in self.jobs)

    # ------------------------------------------------------------ importing
    def open_file_dialog(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self, "Import images or animations", "", OPEN_FILTER)
        if names:
            self.import_files([Path(n) for n in names])

    def import_files(self, paths: list[Path]) -> None:
        """Each file becomes a new sticker in the pack (and the last one the reference)."""
        def work(progress, cancel):  # noqa: ANN001, ANN202
            return [(p, read_file(p)) for p in paths]

        def done(results: list[tuple[Path, Sticker]]) -> None:
            for path, sticker in results:
                self.document.add_sticker(sticker, name=path.stem[:64])
            if results:
                self.reference_panel.set_reference(results[-1][1], str(results[-1][0]))
                self.statusBar().showMessage(f"Imported {len(results)} file(s)", 3000)

        self.run_job(work, done, "import")

    def insert_files(self, paths: list[Path], index: int) -> None:
        """Frames of dropped files go into the current sticker at ``index`` (fitted to its size)."""
        sticker = self.document.current_sticker()
        if sticker is None:
            self.import_files(paths)
            return
        width, height = sticker.size

        def work(progress, cancel):  # noqa: ANN001, ANN202
            frames: list[np.ndarray] = []
            durations: list[int] = []
            for p in paths:
                s = read_file(p)
                frames += [f if (f.shape[1], f.shape[0]) == (width, height) else fit_into_canvas(f, width, height)
                           for f in s.frames]
                durations += list(s.durations_ms) if s.is_animated else [sticker.durations_ms[max(0, index - 1)]]
            return frames, durations

        self.run_job(work, lambda r: self.apply_edit(edits.InsertFrames(index, r[0], r[1])), "insert")

    def open_reference_dialog(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Reference drawing", "", OPEN_FILTER)
        if name:
            self.load_reference(Path(name))

    def load_reference(self, path: Path) -> None:
        self.run_job(lambda p, c: read_file(path), lambda s: self.reference_panel.set_reference(s, str(path)),
                     "reference")

    def paste(self) -> None:
        """Paste an image (or image files) from the clipboard as the reference."""
        mime = QGuiApplication.clipboard().mimeData()
        self.paste_mime(mime)

    def paste_mime(self, mime: QMimeData) -> bool:
        paths = local_paths(mime)
        if paths:
            self.load_reference(paths[0])
            return True
        if mime.hasImage():
            image = mime.imageData()
            try:
                frame = qimage_to_rgba(image)
            except (ValueError, TypeError):
                frame = None
            if frame is not None:
                self.reference_panel.set_reference(Sticker([frame], [100]), "pasted")
                return True
        self.show_error("The clipboard holds no image")
        return False

    # ------------------------------------------------------------- animate
    def animate_reference(self, preset: str, frames: int, fps: float, amplitude: float) -> None:
        """A new sticker from the reference + a motion preset (no model needed)."""
        reference = self.reference_panel.reference()
        if reference is None:
            self.show_error("Drop or paste a drawing in the Reference panel first")
            return
        name = f"{Path(self.reference_panel.reference_name()).stem or 'drawing'} {preset}"[:64]
        side = max(reference.size)
        size = ANIMATE_MAX_SIDE if side > ANIMATE_MAX_SIDE else None

        def work(progress, cancel):  # noqa: ANN001, ANN202
            from sticker_studio.core.motion import animate

            return animate(reference.frames[0], preset, frames=frames, fps=fps, amplitude=amplitude, size=size)

        self.run_job(work, lambda s: self.document.add_sticker(s, name=name), "animate")

    # ------------------------------------------------------------ generate
    def generate_from_reference(self) -> None:
        from sticker_studio.engine.tasks import Task

        if self.prompt_panel.settings().task is Task.TEXT_TO_ANIMATION:
            self.prompt_panel.set_task(Task.IMAGE_TO_ANIMATION)
        self.generate(self.prompt_panel.settings())

    def generate(self, settings: PromptSettings) -> None:
        """Run the generator in a worker; the result is added as a new sticker."""
        if self.generation_job is not None and self.generation_job.is_running():
            return
        try:
            request = build_request(settings, self.reference_panel.reference())
        except StickerStudioError as error:
            self.prompt_panel.show_message(str(error), "error")
            return
        if not settings.prompt and request.image is None:
            self.prompt_panel.show_message("Describe the sticker first, e.g. “a happy cat waving”.", "error")
            return
        name = (settings.prompt or "generated")[:40]
        job = BackgroundJob(lambda p, c: self.generator.run(request, p, c), self, name="generate")
        job.progress.connect(self.prompt_panel.set_progress)
        job.succeeded.connect(lambda s: self._generation_done(s, name))
        job.failed.connect(lambda message: self._generation_failed(job, message))
        job.cancelled.connect(lambda: self.prompt_panel.show_message("Cancelled — nothing was changed.", "info"))
        job.finished.connect(lambda: self.prompt_panel.set_busy(False))
        job.finished.connect(lambda: self.jobs.discard(job))
        self.generation_job = job
        self.jobs.add(job)
        self.prompt_panel.set_busy(True)
        job.start()

    def cancel_generation(self) -> None:
        if self.generation_job is not None:
            self.generation_job.cancel()
            self.prompt_panel.cancel_button.setEnabled(False)
            self.prompt_panel.progress.setFormat("Cancelling…")

    def _generation_done(self, sticker: Sticker, name: str) -> None:
        self.document.add_sticker(sticker, name=name)  # a new sticker: never replaces the user's edits
        self.prompt_panel.show_message(f"Added “{name}” to the pack.", "ok")

    def _generation_failed(self, job: BackgroundJob, message: str) -> None:
        if isinstance(job.error, ModelNotFoundError):
            message = no_model_message(job.error)
        self.prompt_panel.show_message(message, "error")

    # ---------------------------------------------------------------- packs
    def remove_sticker(self, entry_id: str) -> None:
        entry = self.document.entry(entry_id)
        answer = QMessageBox.question(self, "Remove sticker",
                                      f"Remove “{entry.name}” from the pack? This cannot be undone.")
        if answer == QMessageBox.StandardButton.Yes:
            self._guard(lambda: self.document.remove_sticker(entry_id))

    def new_pack(self) -> None:
        title, ok = QInputDialog.getText(self, "New pack", "Pack title:", text="My stickers")
        if not ok or not title.strip():
            return
        folder = default_pack_folder(title)
        n = 2
        while folder.exists():
            folder = default_pack_folder(f"{title} {n}")
            n += 1
        self._guard(lambda: self.switch_pack(open_or_create_pack(folder, title.strip())))

    def open_pack_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Open a pack folder", str(default_pack_folder().parent))
        if folder:
            self._guard(lambda: self.switch_pack(open_or_create_pack(Path(folder), Path(folder).name)))

    def _install_undo_actions(self) -> None:
        """Bind Undo/Redo to the open document's undo group, as window shortcuts and in the Edit menu.

        Called again when another pack opens: the old actions belong to the old document's
        group, so they are replaced in place (same menu position), not left stale.
        """
        old = [a for a in (getattr(self, "undo_action", None), getattr(self, "redo_action", None)) if a is not None]
        undo = self.document.undo_group.createUndoAction(self, "Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.document.undo_group.createRedoAction(self, "Redo")
        redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        edit_menu = getattr(self, "edit_menu", None)
        for action in old:
            self.removeAction(action)
        self.addAction(undo)
        self.addAction(redo)
        if edit_menu is not None and old:
            edit_menu.insertAction(old[0], undo)
            edit_menu.insertAction(old[0], redo)
            for action in old:
                edit_menu.removeAction(action)
                action.deleteLater()
        self.undo_action, self.redo_action = undo, redo

    def switch_pack(self, pack: Any) -> None:
        """Save the open pack and show another one."""
        self.document.save_now()
        old = self.document
        self.document = PackDocument(pack, self)
        self._install_undo_actions()
        d = self.document
        d.pack_changed.connect(self._show_pack)
        d.current_changed.connect(lambda _id: self._show_current())
        d.sticker_changed.connect(self._sticker_changed)
        d.saved.connect(lambda: self.save_label.setText(f"All changes saved · {d.folder}"))
        d.save_failed.connect(self.show_error)
        self.pack_panel.sticker_selected.disconnect()
        self.pack_panel.sticker_selected.connect(d.set_current)
        old.deleteLater()
        self.settings.last_pack = str(d.folder)
        self._show_pack()
        self._show_current()

    def save_now(self) -> None:
        if self.document.save_now():
            self.statusBar().showMessage("Saved", 2000)

    # --------------------------------------------------------------- dialogs
    def open_export_dialog(self) -> Any:
        from sticker_studio.ui.export_dialog import ExportDialog

        entries = self.document.entries()
        if not entries:
            self.show_error("The pack is empty: make or import a sticker first")
            return None
        self.document.save_now()
        pack = self.document.pack
        tray = pack.tray_entry
        dialog = ExportDialog(entries, self.settings.default_export_folder() / self.document.folder.name, self,
                              title=pack.title, publisher=pack.author,
                              cover_index=pack.index_of(tray.id) if tray is not None else 0, settings=self.settings)
        dialog.open()
        return dialog

    def open_model_manager(self) -> Any:
        from sticker_studio.ui.model_manager import ModelManagerDialog

        dialog = ModelManagerDialog(self)
        dialog.models_changed.connect(lambda: self.generator.set_factory(default_pipeline_factory(self.settings.device)))
        dialog.open()
        return dialog

    def open_settings(self) -> Any:
        from sticker_studio.ui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.settings, self)
        if dialog.exec():
            self.settings = dialog.result_settings()
            self.generator.set_factory(default_pipeline_factory(self.settings.device))
            self.preview_panel.set_background(self.settings.preview_background)
            self._store_settings()
        return dialog

    # ----------------------------------------------------------- drag & drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        packs = [p for p in paths if (p / "pack.json").is_file()]
        if packs:
            self._guard(lambda: self.switch_pack(open_or_create_pack(packs[0], packs[0].name)))
            return
        self.import_files(paths)

    # --------------------------------------------------------------- closing
    def _store_settings(self) -> None:
        self.settings.last_pack = str(self.document.folder)
        try:
            save_settings(self.settings)
        except OSError as error:
            log.warning("could not save settings: %s", error)

    def shutdown(self, timeout_ms: int = 15_000) -> None:
        """Cancel running work, wait for it, save the pack and the settings."""
        for job in list(self.jobs):
            job.cancel()
        for job in list(self.jobs):
            job.wait(timeout_ms)
        self.document.save_now()
        self._store_settings()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
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
