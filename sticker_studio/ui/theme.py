"""The app's look: Fusion with a dark neutral palette and a small style sheet.

Kept in Python (not a .qss file) so it ships inside the package with no package-data
rule. Colours: neutral greys, one blue accent, green/amber/red for status only.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = "#5b8def"

STYLE_SHEET = f"""
QMainWindow, QDialog {{ background: #17191c; }}
QWidget {{ font-size: 10pt; }}
QFrame#card, QFrame#previewCard {{ background: #212327; border: 1px solid #2c2f34; border-radius: 10px; }}
QFrame#previewCard {{ background: #1e2023; }}
QLabel#sectionTitle {{ font-size: 11pt; font-weight: 600; color: #e6e8eb; }}
QLabel#dimLabel, QLabel#timelineSummary {{ color: #8a8f98; }}
QLabel#dropHint {{ color: #8a8f98; }}
QLabel#panelMessage {{ padding: 6px 8px; border-radius: 6px; background: #2a2d31; color: #c8ccd2; }}
QLabel#panelMessage[kind="error"] {{ background: #3a2224; color: #f0a8a3; }}
QLabel#panelMessage[kind="ok"] {{ background: #1f3429; color: #9fe0bf; }}
QFrame#dropArea {{ border: 2px dashed #3a3e44; border-radius: 8px; background: #1b1d20; }}
QFrame#dropArea[hover="true"] {{ border-color: {ACCENT}; }}
QPlainTextEdit, QLineEdit, QSpinBox, QDoubleSpinBox, QComboBox {{
    background: #1a1c1f; border: 1px solid #33373c; border-radius: 6px; padding: 4px 6px;
    color: #e6e8eb; selection-background-color: {ACCENT}; }}
QPlainTextEdit:focus, QLineEdit:focus, QSpinBox:focus, QDoubleSpinBox:focus, QComboBox:focus {{
    border-color: {ACCENT}; }}
QPushButton {{ background: #2c2f34; border: 1px solid #3a3e44; border-radius: 6px; padding: 6px 12px;
    color: #e6e8eb; }}
QPushButton:hover {{ background: #34383e; }}
QPushButton:disabled {{ color: #6b7078; background: #24262a; border-color: #2c2f34; }}
QPushButton#primaryButton {{ background: {ACCENT}; border-color: {ACCENT}; color: white; font-weight: 600; }}
QPushButton#primaryButton:hover {{ background: #6f9cf2; }}
QPushButton#primaryButton:disabled {{ background: #34466b; border-color: #34466b; color: #b9c6df; }}
QToolButton {{ background: transparent; border: 1px solid transparent; border-radius: 6px; padding: 4px;
    color: #e6e8eb; }}
QToolButton:hover {{ background: #2c2f34; border-color: #3a3e44; }}
QGroupBox {{ border: 1px solid #2c2f34; border-radius: 8px; margin-top: 10px; padding-top: 6px; color: #c8ccd2; }}
QGroupBox::title {{ subcontrol-origin: margin; left: 10px; padding: 0 4px; }}
QListView, QTableWidget {{ background: #1a1c1f; border: 1px solid #2c2f34; border-radius: 8px; color: #c8ccd2; }}
QListView::item {{ border-radius: 6px; padding: 2px; }}
QListView::item:selected {{ background: #2e4470; color: white; }}
QListView::item:hover:!selected {{ background: #26292e; }}
QHeaderView::section {{ background: #24272b; color: #c8ccd2; border: none; padding: 4px 6px; }}
QProgressBar {{ background: #1a1c1f; border: 1px solid #33373c; border-radius: 6px; text-align: center;
    color: #e6e8eb; height: 18px; }}
QProgressBar::chunk {{ background: {ACCENT}; border-radius: 5px; }}
QSplitter::handle {{ background: transparent; width: 8px; }}
QScrollArea {{ background: transparent; }}
QScrollBar:vertical {{ background: transparent; width: 8px; margin: 0; }}
QScrollBar::handle:vertical {{ background: #3a3e44; border-radius: 4px; min-height: 24px; }}
QScrollBar:horizontal {{ background: transparent; height: 8px; margin: 0; }}
QScrollBar::handle:horizontal {{ background: #3a3e44; border-radius: 4px; min-width: 24px; }}
QScrollBar::add-line, QScrollBar::sub-line {{ width: 0; height: 0; }}
QScrollBar::add-page, QScrollBar::sub-page {{ background: transparent; }}
QScrollArea > QWidget > QWidget {{ background: transparent; }}
QMenuBar {{ background: #17191c; color: #c8ccd2; }}
QMenuBar::item:selected {{ background: #2c2f34; }}
QMenu {{ background: #24272b; color: #e6e8eb; border: 1px solid #33373c; }}
QMenu::item:selected {{ background: #2e4470; }}
QStatusBar {{ background: #17191c; color: #8a8f98; }}
QCheckBox {{ color: #e6e8eb; spacing: 6px; }}
QCheckBox::indicator, QTableView::indicator, QListView::indicator {{ width: 15px; height: 15px;
    border: 1px solid #9aa0a8; border-radius: 3px; background: #2a2d31; }}
QCheckBox::indicator:hover, QTableView::indicator:hover {{ border-color: {ACCENT}; }}
QCheckBox::indicator:checked, QTableView::indicator:checked, QListView::indicator:checked {{
    background: {ACCENT}; border-color: #c9d8fb; }}
QCheckBox::indicator:disabled {{ background: #1f2124; border-color: #4a4e55; }}
QToolTip {{ background: #2c2f34; color: #e6e8eb; border: 1px solid #3a3e44; }}
"""


def dark_palette() -> QPalette:
    p = QPalette()
    colors = {
        QPalette.ColorRole.Window: "#17191c", QPalette.ColorRole.WindowText: "#e6e8eb",
        QPalette.ColorRole.Base: "#1a1c1f", QPalette.ColorRole.AlternateBase: "#212327",
        QPalette.ColorRole.Text: "#e6e8eb", QPalette.ColorRole.Button: "#2c2f34",
        QPalette.ColorRole.ButtonText: "#e6e8eb", QPalette.ColorRole.Highlight: ACCENT,
        QPalette.ColorRole.HighlightedText: "#ffffff", QPalette.ColorRole.ToolTipBase: "#2c2f34",
        QPalette.ColorRole.ToolTipText: "#e6e8eb", QPalette.ColorRole.PlaceholderText: "#6b7078",
        QPalette.ColorRole.Link: ACCENT,
    }
    for role, color in colors.items():
        p.setColor(role, QColor(color))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor("#6b7078"))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor("#6b7078"))
    return p


def apply_theme(app: QApplication) -> None:
    app.setStyle("Fusion")
    app.setPalette(dark_palette())
    app.setStyleSheet(STYLE_SHEET)
