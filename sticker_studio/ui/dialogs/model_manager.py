"""The model manager: which models this machine has, and fetching or checking them.

Status comes from the engine's manifest checks (size + sha256 against
``models_manifest.json``): *bundled* (ships with the app), *downloaded* (in the
cache, verified), *missing* (listed but not on disk) or *corrupt* (on disk but not
matching). Downloads and verification run in a worker with progress and Cancel.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sticker_studio.core.errors import CancelledError, StickerStudioError
from sticker_studio.core.progress import CancelToken, ProgressCallback
from sticker_studio.ui.state.workers import BackgroundJob
from sticker_studio.ui.widgets import cancel_and_progress

STATUS_COLORS = {"bundled": "#4cc38a", "downloaded": "#4cc38a", "user": "#4cc38a",
                 "missing": "#e5b454", "corrupt": "#e5645c", "error": "#e5645c"}


@dataclass(frozen=True)
class ModelStatus:
    """One manifest entry and what is on disk for it."""

    id: str
    architecture: str
    source_kind: str
    size: int
    licence: str
    description: str
    status: str        # bundled | downloaded | user | missing | corrupt | error
    detail: str = ""


def model_statuses(use_cache: bool = True) -> list[ModelStatus]:
    """Every manifest model with its status (hashing is cached by the engine)."""
    from sticker_studio.engine.store.files import verify_files
    from sticker_studio.engine.store.manifest import ModelManifest

    out = []
    for entry in ModelManifest.load().entries:
        try:
            report = verify_files(entry, entry.local_folder(), use_cache=use_cache)
        except (OSError, StickerStudioError) as error:
            status, detail = "error", str(error)
        else:
            if report.ok:
                status = {"bundled": "bundled", "hf": "downloaded"}.get(entry.source_kind, "user")
                detail = str(entry.local_folder())
            elif report.missing_only:
                status, detail = "missing", report.problems[0].message
            else:
                status, detail = "corrupt", "; ".join(p.message for p in report.problems[:2])
        out.append(ModelStatus(entry.id, entry.architecture, entry.source_kind, entry.total_size,
                               entry.licence, entry.description, status, detail))
    return out


class ModelManagerDialog(QDialog):
    """Table of models; Download / Verify / Cancel on the selected one."""

    models_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Models")
        self.resize(760, 380)
        self.job: BackgroundJob | None = None
        self.statuses: list[ModelStatus] = []
        self.table = QTableWidget(0, 5, self)
        self.table.setHorizontalHeaderLabels(["Model", "Kind", "Size", "Status", "Details"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.download_button = QPushButton("Download", self)
        self.download_button.clicked.connect(self.start_download)
        self.verify_button = QPushButton("Verify", self)
        self.verify_button.clicked.connect(self.start_verify)
        self.cancel_button, self.progress = cancel_and_progress(self, self.cancel_job)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(self.download_button)
        row.addWidget(self.verify_button)
        row.addWidget(self.cancel_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addWidget(close)
        self.refresh()

    def refresh(self, use_cache: bool = True) -> None:
        try:
            self.statuses = model_statuses(use_cache)
        except StickerStudioError as error:
            self.statuses = []
            self.status.setText(str(error))
        self.table.setRowCount(len(self.statuses))
        for row, s in enumerate(self.statuses):
            cells = [s.id, s.architecture, f"{s.size / 1e6:.1f} MB", s.status, s.detail or s.description]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(s.description if col == 0 else text)
                if col == 3:
                    item.setForeground(QColor(STATUS_COLORS.get(s.status, "#c8ccd2")))
                self.table.setItem(row, col, item)
        if not self.statuses:
            self.status.setText("The manifest lists no models yet.")
        self._update_buttons()

    def selected(self) -> ModelStatus | None:
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.statuses[min(rows)] if rows else None

    def select_model(self, model_id: str) -> None:
        for row, s in enumerate(self.statuses):
            if s.id == model_id:
                self.table.selectRow(row)

    def _update_buttons(self) -> None:
        s = self.selected()
        busy = self.job is not None and self.job.is_running()
        self.download_button.setEnabled(not busy and s is not None and s.source_kind == "hf"
                                        and s.status in ("missing", "corrupt"))
        self.verify_button.setEnabled(not busy and s is not None)
        self.cancel_button.setEnabled(busy)

    # ------------------------------------------------------------------ jobs
    def _selected_id(self) -> str | None:
        s = self.selected()
        return None if s is None else s.id

    def start_download(self) -> None:
        model_id = self._selected_id()
        if model_id is None:
            return

        def work(progress: ProgressCallback, cancel: CancelToken) -> str:
            from sticker_studio.engine.store.hub import download_model

            def report(done: int, total: int, name: str) -> None:
                if cancel.is_set():  # stops between files; a partial file is never kept
                    raise CancelledError("download cancelled")
                progress(done, total)

            download_model(model_id, report)
            return f"{model_id} downloaded and verified"

        self._run(work, f"Downloading {model_id}…")

    def start_verify(self) -> None:
        model_id = self._selected_id()
        if model_id is None:
            return

        def work(progress: ProgressCallback, cancel: CancelToken) -> str:
            from sticker_studio.engine.store.files import verify_model

            progress(0, 1)
            report = verify_model(model_id, use_cache=False)
            progress(1, 1)
            if report.ok:
                return f"{model_id}: every file matches the manifest"
            return f"{model_id}: " + "; ".join(p.message for p in report.problems)

        self._run(work, f"Verifying {model_id}…")

    def cancel_job(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _run(self, fn, text: str) -> None:
        if self.job is not None and self.job.is_running():
            return
        self.job = BackgroundJob(fn, self, name="models")
        self.job.progress.connect(self._progress)
        self.job.succeeded.connect(lambda message: self.status.setText(str(message)))
        self.job.failed.connect(self.status.setText)
        self.job.cancelled.connect(lambda: self.status.setText("Cancelled."))
        self.job.finished.connect(self._finished)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText(text)
        self.job.start()
        self._update_buttons()

    def _progress(self, step: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(step)

    def _finished(self) -> None:
        self.progress.setVisible(False)
        self.refresh(use_cache=True)
        self.models_changed.emit()

    def reject(self) -> None:
        self.cancel_job()
        if self.job is not None:
            self.job.wait(10_000)
        super().reject()
