"""Export the pack for messengers: pick targets, see predicted sizes, export, validate.

Sizes are *predicted* by running the real fit (``formats.fit.fit_sticker``) in a
worker thread -- the same encode the export does -- so the number shown is the number
the file will have. Export is ``formats.pack_export.export_pack``: one folder per messenger
with every sticker and what the messenger's importer needs, each file validated with a
real decoder, all targets written or none; failures are listed by sticker name.
The ticked targets are remembered in the app settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from sticker_studio.core.errors import StickerStudioError
from sticker_studio.core.pack.pack import PackEntry
from sticker_studio.ui.state.settings import AppSettings, save_settings

if TYPE_CHECKING:
    from sticker_studio.core.pack.pack import StickerPack
    from sticker_studio.formats.pack_export import PackItem
    from sticker_studio.formats.targets import ExportTarget
from sticker_studio.core.progress import CancelToken, ProgressCallback
from sticker_studio.ui.state.workers import BackgroundJob
from sticker_studio.ui.widgets import cancel_and_progress

COL_TARGET, COL_SIZE, COL_BUDGET, COL_RESULT = range(4)


def target_budget(target: ExportTarget) -> int:
    """The byte budget of a target's files."""
    return target.max_bytes


def human_bytes(n: int | None) -> str:
    if n is None:
        return "—"
    if n < 1000:
        return f"{n} B"
    return f"{n / 1000:.1f} KB"


@dataclass
class TargetOutcome:
    """What happened for one target: sizes per sticker, files, rule violations."""

    target: str
    sizes: list[int] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _items(entries: list[PackEntry]) -> list[PackItem]:
    from sticker_studio.formats.pack_export import items_from_pack

    return items_from_pack(entries)


def predict_sizes(entries: list[PackEntry], targets: list[str], progress: ProgressCallback,
                  cancel: CancelToken) -> dict[str, TargetOutcome]:
    """Pack rules, then fit every sticker to every target and report the byte sizes.

    The fits run on every core and stay in the fit cache, so an Export right after
    writes them without fitting again (:mod:`sticker_studio.formats.fit_pool`).
    """
    from sticker_studio.formats.pack_export import check_pack_rules, fit_pack

    items = _items(entries)
    out: dict[str, TargetOutcome] = {}
    for name in targets:
        out.setdefault(name, TargetOutcome(name)).problems += check_pack_rules(items, name)
    fits = fit_pack(items, targets, progress=progress, cancel=cancel)
    for name, results in fits.items():
        outcome = out.setdefault(name, TargetOutcome(name))
        for item, result in zip(items, results, strict=False):
            if isinstance(result, StickerStudioError):
                outcome.problems.append(f"{item.name}: {result}")
            else:
                outcome.sizes.append(result.byte_size)
    return out


def export_pack(entries: list[PackEntry], targets: list[str], folder: Path, progress: ProgressCallback,
                cancel: CancelToken, *, title: str = "Sticker pack", publisher: str = "",
                cover_index: int = 0, pack: StickerPack | None = None) -> dict[str, TargetOutcome]:
    """Export every target valid and written, or none; per-sticker failures by name in ``problems``.

    With ``pack`` (the app's open pack) this is :func:`formats.pack_export.export_sticker_pack`,
    the one the CLI runs: title, author and tray icon from the pack, and an output folder
    inside the pack folder refused. Without it, ``entries`` go to ``export_pack``.
    """
    from sticker_studio.formats import pack_export

    try:
        if pack is not None:
            report = pack_export.export_sticker_pack(pack, targets, folder, progress=progress, cancel=cancel)
        else:
            report = pack_export.export_pack(_items(entries), targets, folder, title=title, publisher=publisher,
                                             cover_index=cover_index, progress=progress, cancel=cancel)
    except pack_export.PackExportError as error:
        report = error.report
    out: dict[str, TargetOutcome] = {}
    for name, r in report.targets.items():
        outcome = out.setdefault(name, TargetOutcome(name))
        outcome.problems = r.all_problems()
        outcome.sizes = [s.byte_size for s in r.stickers if s.byte_size]
        if report.written:
            outcome.paths = [r.folder / s.file for s in r.stickers]
        elif not outcome.problems:
            outcome.problems = ["not written: another target failed"]
    return out


class ExportDialog(QDialog):
    """Targets table + output folder + Check sizes / Export, all work in a worker."""

    export_finished = Signal(dict)
    prediction_finished = Signal(dict)

    def __init__(self, entries: list[PackEntry], output_folder: Path, parent: QWidget | None = None, *,
                 title: str = "Sticker pack", publisher: str = "", cover_index: int = 0,
                 settings: AppSettings | None = None, pack: StickerPack | None = None) -> None:
        super().__init__(parent)
        self.pack_title, self.publisher, self.cover_index = title, publisher, cover_index
        self.pack = pack  # the app's open pack: Export runs export_sticker_pack on it (title, author, tray, guard)
        self.settings = settings
        self.setWindowTitle("Export pack")
        self.resize(720, 460)
        self.entries = entries
        self.job: BackgroundJob | None = None
        self._pending: tuple[SignalInstance, dict[str, TargetOutcome]] | None = None
        self.last_outcomes: dict[str, TargetOutcome] = {}
        from sticker_studio.formats.targets import TARGETS

        self.targets = dict(TARGETS)
        self.table = QTableWidget(len(self.targets), 4, self)
        self.table.setHorizontalHeaderLabels(["Target", "Predicted size", "Budget", "Result"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(COL_TARGET, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(COL_RESULT, QHeaderView.ResizeMode.Stretch)
        for row, (name, target) in enumerate(self.targets.items()):
            item = QTableWidgetItem(str(getattr(target, "title", name)))
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
            remembered = settings is not None and name in settings.export_targets
            item.setCheckState(Qt.CheckState.Checked if remembered else Qt.CheckState.Unchecked)
            self.table.setItem(row, COL_TARGET, item)
            self.table.setItem(row, COL_SIZE, QTableWidgetItem("—"))
            self.table.setItem(row, COL_BUDGET, QTableWidgetItem(human_bytes(target_budget(target))))
            self.table.setItem(row, COL_RESULT, QTableWidgetItem(""))
        self.folder_edit = QLineEdit(str(output_folder), self)
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._browse)
        self.cancel_button, self.progress = cancel_and_progress(self, self.cancel_job)
        self.status = QLabel(f"{len(entries)} sticker(s) in the pack", self)
        self.status.setWordWrap(True)
        self.check_button = QPushButton("Check sizes", self)
        self.check_button.clicked.connect(self.start_prediction)
        self.export_button = QPushButton("Export", self)
        self.export_button.setObjectName("primaryButton")
        self.export_button.clicked.connect(self.start_export)
        from sticker_studio.ui.dialogs.publish import NextStepsPanel, TelegramPublishPanel

        self.next_steps = NextStepsPanel(self)
        self.publish_panel = TelegramPublishPanel(self)
        self.publish_panel.setVisible(False)  # shown once there is a Telegram export to publish
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)

        folder_row = QHBoxLayout()
        folder_row.addWidget(QLabel("Folder", self))
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        actions = QHBoxLayout()
        actions.addWidget(self.check_button)
        actions.addWidget(self.cancel_button)
        actions.addStretch(1)
        actions.addWidget(self.export_button)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("One folder per messenger is written under the folder below.", self))
        layout.addWidget(self.table, 1)
        layout.addLayout(folder_row)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(actions)
        layout.addWidget(self.next_steps)
        layout.addWidget(self.publish_panel)
        layout.addWidget(buttons)

    # ------------------------------------------------------------- choices
    def selected_targets(self) -> list[str]:
        out = []
        for row in range(self.table.rowCount()):
            item = self._cell(row, COL_TARGET)
            if item.checkState() == Qt.CheckState.Checked:
                out.append(str(item.data(Qt.ItemDataRole.UserRole)))
        return out

    def set_selected_targets(self, names: list[str]) -> None:
        for row in range(self.table.rowCount()):
            item = self._cell(row, COL_TARGET)
            checked = item.data(Qt.ItemDataRole.UserRole) in names
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def _cell(self, row: int, column: int) -> QTableWidgetItem:
        item = self.table.item(row, column)
        assert item is not None  # every cell is filled when the table is built
        return item

    def output_folder(self) -> Path:
        return Path(self.folder_edit.text()).expanduser()

    def set_output_folder(self, folder: Path) -> None:
        self.folder_edit.setText(str(folder))

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export to", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    # -------------------------------------------------------------- work
    def start_prediction(self) -> None:
        targets = self.selected_targets()
        if not targets:
            self.status.setText("Tick at least one target.")
            return
        entries = list(self.entries)
        self._run(lambda p, c: predict_sizes(entries, targets, p, c), self._prediction_done, "Checking sizes…")

    def start_export(self) -> None:
        targets = self.selected_targets()
        if not targets:
            self.status.setText("Tick at least one target.")
            return
        self.remember_targets(targets)
        entries, folder = list(self.entries), self.output_folder()
        title, publisher, cover, pack = self.pack_title, self.publisher, self.cover_index, self.pack
        self._run(lambda p, c: export_pack(entries, targets, folder, p, c, title=title, publisher=publisher,
                                           cover_index=cover, pack=pack), self._export_done, "Exporting…")

    def remember_targets(self, targets: list[str]) -> None:
        """Store the ticked targets in the app settings (the next dialog starts with them)."""
        if self.settings is None:
            return
        self.settings.export_targets = list(targets)
        try:
            save_settings(self.settings)
        except OSError as error:
            self.status.setText(f"Could not remember the targets: {error}")

    def cancel_job(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def is_busy(self) -> bool:
        return self.job is not None and self.job.is_running()

    def _run(self, fn, on_done, text: str) -> None:
        if self.is_busy():
            return
        self.job = BackgroundJob(fn, self, name="export")
        self.job.progress.connect(self._progress)
        self.job.succeeded.connect(on_done)
        self.job.failed.connect(lambda message: self.status.setText(message))
        self.job.cancelled.connect(lambda: self.status.setText("Cancelled."))
        self.job.finished.connect(self._job_finished)
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.status.setText(text)
        for b in (self.check_button, self.export_button):
            b.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.job.start()

    def _progress(self, step: int, total: int) -> None:
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(step)

    def _job_finished(self) -> None:
        self.progress.setVisible(False)
        for b in (self.check_button, self.export_button):
            b.setEnabled(True)
        self.cancel_button.setEnabled(False)
        # announce results only once the worker is gone, so a listener may start the next job
        pending, self._pending = self._pending, None
        if pending is not None:
            signal, outcomes = pending
            signal.emit(outcomes)

    def _row_of(self, name: str) -> int:
        for row in range(self.table.rowCount()):
            if self._cell(row, COL_TARGET).data(Qt.ItemDataRole.UserRole) == name:
                return row
        return -1

    def _show_outcomes(self, outcomes: dict[str, TargetOutcome], exported: bool) -> None:
        self.last_outcomes = outcomes
        for name, outcome in outcomes.items():
            row = self._row_of(name)
            if row < 0:
                continue
            budget = target_budget(self.targets[name])
            largest = max(outcome.sizes) if outcome.sizes else None
            self._cell(row, COL_SIZE).setText(
                human_bytes(largest) + (" (largest)" if len(outcome.sizes) > 1 else "")
            )
            over = largest is not None and largest > budget
            if outcome.ok and not over:
                text = f"✓ {len(outcome.paths)} file(s) valid" if exported else "✓ fits"
                color = "#4cc38a"
            else:
                text = ("✗ " + "; ".join(outcome.problems[:2])) if outcome.problems else "✗ over budget"
                color = "#e5645c"
            item = self._cell(row, COL_RESULT)
            item.setText(text)
            item.setToolTip("\n".join(outcome.problems))
            item.setForeground(Qt.GlobalColor.white)
            from PySide6.QtGui import QColor

            item.setForeground(QColor(color))

    def _prediction_done(self, outcomes: dict[str, TargetOutcome]) -> None:
        self._show_outcomes(outcomes, exported=False)
        self.status.setText("Predicted sizes are from the same encode the export uses.")
        self._pending = (self.prediction_finished, outcomes)

    def _export_done(self, outcomes: dict[str, TargetOutcome]) -> None:
        self._show_outcomes(outcomes, exported=True)
        files = sum(len(o.paths) for o in outcomes.values())
        bad = [n for n, o in outcomes.items() if not o.ok]
        if bad:
            named = [p for n in bad for p in outcomes[n].problems if p != "not written: another target failed"]
            self.status.setText("Nothing was written. " + "; ".join(named[:4])
                                + (f" (+{len(named) - 4} more)" if len(named) > 4 else ""))
        else:
            self.status.setText(f"Wrote {files} sticker file(s) to {self.output_folder()}; every file passed"
                                " validation")
            folders = {n: o.paths[0].parent for n, o in outcomes.items() if o.paths}
            self.next_steps.show_targets(folders)
            if "telegram" in folders:
                self.publish_panel.set_export(folders["telegram"], self.pack_title)
                self.publish_panel.setVisible(True)
        self._pending = (self.export_finished, outcomes)

    def reject(self) -> None:
        self.publish_panel.cancel()
        if self.publish_panel.job is not None:
            self.publish_panel.job.wait(10_000)
        self.cancel_job()
        if self.job is not None:
            self.job.wait(10_000)
        super().reject()
