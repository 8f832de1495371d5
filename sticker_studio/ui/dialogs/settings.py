"""The settings dialog: device, default export folder, preview background."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QWidget,
)

from sticker_studio.ui.preview import PreviewPanel
from sticker_studio.ui.state.settings import AppSettings

DEVICES = (("Automatic (GPU when present)", "auto"), ("NVIDIA GPU (CUDA)", "cuda"),
           ("Apple GPU (MPS)", "mps"), ("CPU", "cpu"))


class SettingsDialog(QDialog):
    def __init__(self, settings: AppSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._settings = settings
        self.device_box = QComboBox(self)
        for label, value in DEVICES:
            self.device_box.addItem(label, value)
        self.device_box.setCurrentIndex(max(0, self.device_box.findData(settings.device)))
        self.folder_edit = QLineEdit(str(settings.default_export_folder()), self)
        browse = QPushButton("Choose…", self)
        browse.clicked.connect(self._browse)
        self.background_box = QComboBox(self)
        for label, value in PreviewPanel.BACKGROUNDS:
            self.background_box.addItem(label, value)
        self.background_box.setCurrentIndex(max(0, self.background_box.findData(settings.preview_background)))
        folder_row = QHBoxLayout()
        folder_row.addWidget(self.folder_edit, 1)
        folder_row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow("Generate on", self.device_box)
        form.addRow("Export folder", folder_row)
        form.addRow("Preview background", self.background_box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def _browse(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Export folder", self.folder_edit.text())
        if folder:
            self.folder_edit.setText(folder)

    def result_settings(self) -> AppSettings:
        return replace(self._settings, device=str(self.device_box.currentData()),
                       export_folder=self.folder_edit.text().strip(),
                       preview_background=str(self.background_box.currentData()))
