"""Crop, resize or pad the current sticker's canvas: one dialog, three tabs.

The dialog only builds a core edit command (``edits.CropFrames``, ``ResizeFrames``,
``PadToSquare``) from what the user typed; the window pushes it on the sticker's undo
stack like every other edit, so Ctrl+Z brings the old pixels back.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from sticker_studio.core import edits
from sticker_studio.core.sticker import Sticker

CROP, RESIZE, SQUARE = range(3)


def _spin(low: int, high: int, value: int, suffix: str = " px") -> QSpinBox:
    spin = QSpinBox()
    spin.setRange(low, high)
    spin.setValue(value)
    spin.setSuffix(suffix)
    return spin


class CanvasDialog(QDialog):
    """Crop (margins to cut), resize (keeping the aspect by default) or pad to a square."""

    def __init__(self, sticker: Sticker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Canvas")
        self._width, self._height = sticker.size
        w, h = self._width, self._height
        self.tabs = QTabWidget(self)

        crop = QWidget()
        crop_form = QFormLayout(crop)
        self.crop_left = _spin(0, w - 1, 0)
        self.crop_top = _spin(0, h - 1, 0)
        self.crop_right = _spin(0, w - 1, 0)
        self.crop_bottom = _spin(0, h - 1, 0)
        crop_form.addRow(QLabel("Cut from each edge:"))
        crop_form.addRow("Left", self.crop_left)
        crop_form.addRow("Top", self.crop_top)
        crop_form.addRow("Right", self.crop_right)
        crop_form.addRow("Bottom", self.crop_bottom)
        self.tabs.addTab(crop, "Crop")

        resize = QWidget()
        resize_form = QFormLayout(resize)
        self.resize_width = _spin(1, edits.MAX_CANVAS_SIDE, w)
        self.resize_height = _spin(1, edits.MAX_CANVAS_SIDE, h)
        self.keep_aspect = QCheckBox("Keep the proportions", resize)
        self.keep_aspect.setChecked(True)
        self.resize_width.valueChanged.connect(self._width_changed)
        self.resize_height.valueChanged.connect(self._height_changed)
        resize_form.addRow("Width", self.resize_width)
        resize_form.addRow("Height", self.resize_height)
        resize_form.addRow(self.keep_aspect)
        self.tabs.addTab(resize, "Resize")

        square = QWidget()
        square_form = QFormLayout(square)
        self.square_size = _spin(0, edits.MAX_CANVAS_SIDE, 0)
        self.square_size.setSpecialValueText(f"longer side ({max(w, h)} px)")
        square_form.addRow(QLabel("Add transparent margins to make the canvas square."))
        square_form.addRow("Side", self.square_size)
        self.tabs.addTab(square, "Pad to square")

        self.summary = QLabel(f"Now {w}×{h}", self)
        self.summary.setObjectName("dimLabel")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(self.summary)
        layout.addWidget(buttons)
        self._syncing = False

    def _width_changed(self, value: int) -> None:
        if self.keep_aspect.isChecked() and not self._syncing:
            self._syncing = True
            self.resize_height.setValue(max(1, round(value * self._height / self._width)))
            self._syncing = False

    def _height_changed(self, value: int) -> None:
        if self.keep_aspect.isChecked() and not self._syncing:
            self._syncing = True
            self.resize_width.setValue(max(1, round(value * self._width / self._height)))
            self._syncing = False

    def show_tab(self, tab: int) -> None:
        self.tabs.setCurrentIndex(tab)

    def command(self) -> edits.FrameCommand:
        """The edit for the chosen tab (InvalidInputError if it cannot apply, e.g. an empty crop)."""
        tab = self.tabs.currentIndex()
        if tab == CROP:
            box = (self.crop_left.value(), self.crop_top.value(),
                   self._width - self.crop_right.value(), self._height - self.crop_bottom.value())
            return edits.CropFrames(box)
        if tab == RESIZE:
            return edits.ResizeFrames(self.resize_width.value(), self.resize_height.value())
        return edits.PadToSquare(self.square_size.value() or None)
