"""Small typed factories for the widgets the panels and dialogs set up alike.

A panel's column under its section title, spin boxes with their range, step and texts,
tool buttons, and the Cancel button + progress bar of a worker job are built here once,
so each panel says only what differs (its numbers and words) and imports fewer Qt classes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import Qt, SignalInstance
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

_Spin = TypeVar("_Spin", QSpinBox, QDoubleSpinBox)


def section_title(text: str, parent: QWidget) -> QLabel:
    """A panel's heading (styled by the theme as ``QLabel#sectionTitle``)."""
    title = QLabel(text, parent)
    title.setObjectName("sectionTitle")
    return title


def section_column(panel: QWidget, title: str) -> QVBoxLayout:
    """The side panels' layout: a column with the panels' margins and spacing, ``title`` on top."""
    layout = QVBoxLayout(panel)
    layout.setContentsMargins(12, 10, 12, 10)
    layout.setSpacing(8)
    layout.addWidget(section_title(title, panel))
    return layout


def _set_up(spin: _Spin, low: Any, high: Any, value: Any, step: Any,
            prefix: str, suffix: str, special_text: str, tooltip: str) -> _Spin:
    """Give a spin box its range, step, value (else the lowest) and the texts around (or
    instead of) its number; empty texts are left alone. The numbers suit the box's kind
    (the typed :func:`spin_box` and :func:`double_spin_box` see to that)."""
    spin.setRange(low, high)
    spin.setSingleStep(step)
    if value is not None:
        spin.setValue(value)
    if prefix:
        spin.setPrefix(prefix)
    if suffix:
        spin.setSuffix(suffix)
    if special_text:
        spin.setSpecialValueText(special_text)  # shown at the lowest value
    if tooltip:
        spin.setToolTip(tooltip)
    return spin


def spin_box(parent: QWidget, low: int, high: int, *, value: int | None = None, step: int = 1,
             prefix: str = "", suffix: str = "", special_text: str = "", tooltip: str = "") -> QSpinBox:
    """A whole-number spin box from ``low`` to ``high``, at ``value`` (else ``low``)."""
    return _set_up(QSpinBox(parent), low, high, value, step, prefix, suffix, special_text, tooltip)


def double_spin_box(parent: QWidget, low: float, high: float, *, value: float | None = None,
                    step: float = 1.0, prefix: str = "", suffix: str = "", special_text: str = "",
                    tooltip: str = "") -> QDoubleSpinBox:
    """A decimal spin box (two decimals) from ``low`` to ``high``, at ``value`` (else ``low``)."""
    return _set_up(QDoubleSpinBox(parent), low, high, value, step, prefix, suffix, special_text, tooltip)


def tool_button(parent: QWidget, text: str = "", *, icon: QStyle.StandardPixmap | None = None,
                tooltip: str = "", checkable: bool = False, text_beside_icon: bool = False) -> QToolButton:
    """A tool button with ``text`` and/or one of the style's standard icons."""
    button = QToolButton(parent)
    if icon is not None:
        button.setIcon(parent.style().standardIcon(icon))
    if text:
        button.setText(text)
    if tooltip:
        button.setToolTip(tooltip)
    button.setCheckable(checkable)
    if text_beside_icon:
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    return button


def cancel_and_progress(
    parent: QWidget, cancel: Callable[[], object] | SignalInstance
) -> tuple[QPushButton, QProgressBar]:
    """A worker job's "Cancel" button (it calls ``cancel``; disabled until a job runs) and its
    progress bar (hidden until then)."""
    button = QPushButton("Cancel", parent)
    button.clicked.connect(cancel)
    button.setEnabled(False)
    progress = QProgressBar(parent)
    progress.setVisible(False)
    return button, progress
