"""The pack panel: the stickers of the open pack, its title, emoji and tray icon.

Messengers ask for one to three emoji per sticker (Telegram, WhatsApp) and a tray or
cover icon for the pack; both are edited here and saved with the pack.
"""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal, SignalInstance
from PySide6.QtGui import QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QStyle,
    QWidget,
)

from sticker_studio.core.pack.pack import PackEntry
from sticker_studio.core.pack.store import MAX_SUBJECT_SIZE, MIN_SUBJECT_SIZE
from sticker_studio.ui.image_convert import thumbnail_icon
from sticker_studio.ui.timeline import local_paths
from sticker_studio.ui.widgets import section_column, spin_box, tool_button

MAX_EMOJIS = 3
#: Width of a sticker tile in the pack list (icon 64 px + its name underneath).
TILE_WIDTH = 96
#: Marks the pack's tray / cover icon on its tile.
TRAY_MARK = "★"
_JOINERS = {0x200D}
_MODIFIERS = set(range(0x1F3FB, 0x1F400)) | {0xFE0E, 0xFE0F, 0x20E3} | set(range(0xE0020, 0xE0080))


def split_emojis(text: str) -> list[str]:
    """Split text into emoji (ZWJ sequences, skin tones, flags and keycaps stay whole)."""
    out: list[str] = []
    joining = False
    for ch in text:
        cp = ord(ch)
        if ch.isspace() or ch == ",":
            joining = False
            continue
        if cp in _JOINERS:
            if out:
                out[-1] += ch
                joining = True
            continue
        if out and (joining or cp in _MODIFIERS):
            out[-1] += ch
            joining = False
            continue
        is_regional = 0x1F1E6 <= cp <= 0x1F1FF
        if is_regional and out and len(out[-1]) == 1 and 0x1F1E6 <= ord(out[-1]) <= 0x1F1FF:
            out[-1] += ch  # the second half of a flag
            continue
        out.append(ch)
    return out


class StickerList(QListWidget):
    """The pack's stickers as tiles; files dropped here become new stickers."""

    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setIconSize(QSize(64, 64))
        self.setGridSize(QSize(TILE_WIDTH, 104))
        self.setTextElideMode(Qt.TextElideMode.ElideMiddle)
        self.setMovement(QListView.Movement.Static)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setWordWrap(True)

    def dragEnterEvent(self, event: QDragMoveEvent) -> None:  # also the move handler
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    dragMoveEvent = dragEnterEvent

    def dropEvent(self, event: QDropEvent) -> None:
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)
        else:
            event.ignore()


class PackPanel(QWidget):
    """Title, sticker tiles, emoji of the selected sticker, tray icon, remove."""

    title_changed = Signal(str)
    author_changed = Signal(str)
    emoji_suggest_requested = Signal(str)
    #: the pack's subject size, as a fraction of the canvas (0.3 .. 1.0)
    subject_size_changed = Signal(float)
    #: "Apply to all": bring every sticker's subject to the pack's subject size
    subject_size_to_all_requested = Signal()
    sticker_selected = Signal(str)
    emojis_changed = Signal(str, list)
    tray_requested = Signal(str)
    remove_requested = Signal(str)
    files_dropped = Signal(list)
    export_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._updating = False
        self.title_edit = QLineEdit(self)
        self.title_edit.setPlaceholderText("Pack title")
        self.title_edit.editingFinished.connect(lambda: self.title_changed.emit(self.title_edit.text().strip()))
        self.author_edit = QLineEdit(self)
        self.author_edit.setPlaceholderText("Author (shown by WhatsApp and Signal)")
        self.author_edit.setToolTip("The pack's author / publisher: WhatsApp and Signal show it under the title")
        self.author_edit.editingFinished.connect(lambda: self.author_changed.emit(self.author_edit.text().strip()))
        self.subject_size_spin = spin_box(
            self, round(MIN_SUBJECT_SIZE * 100), round(MAX_SUBJECT_SIZE * 100), step=5, suffix=" %",
            tooltip="How much of the canvas the subject takes in every sticker animated with a motion preset,"
                    " like animate --subject-size; the motion adapts, the drawing keeps this size")
        self.subject_size_spin.setKeyboardTracking(False)  # typed values count on Enter / leaving the box
        self.subject_size_spin.valueChanged.connect(self._emit_subject_size)
        self.apply_size_button = tool_button(
            self, "Apply to all",
            tooltip="Bring the subject of every sticker in the pack to this size (undoable)")
        self.apply_size_button.clicked.connect(self.subject_size_to_all_requested)
        subject_label = QLabel("Subject size", self)
        subject_label.setBuddy(self.subject_size_spin)
        self.folder_label = QLabel("", self)
        self.folder_label.setObjectName("dimLabel")
        self.folder_label.setWordWrap(True)
        self.list = StickerList(self)
        self.list.currentItemChanged.connect(self._current_changed)
        self.list.files_dropped.connect(self.files_dropped)
        self.emoji_edit = QLineEdit(self)
        self.emoji_edit.setPlaceholderText("1–3 emoji, e.g. 😺👋")
        self.emoji_edit.editingFinished.connect(self._emit_emojis)
        self.suggest_button = tool_button(self, "Suggest", tooltip="Emoji from the sticker's subject, prompt,"
                                                                    " motion and name")
        self.suggest_button.clicked.connect(lambda: self._emit_for_current(self.emoji_suggest_requested))
        self.tray_button = tool_button(self, "Tray icon", tooltip="Use this sticker as the pack's tray / cover icon")
        self.tray_button.clicked.connect(lambda: self._emit_for_current(self.tray_requested))
        self.remove_button = tool_button(self, icon=QStyle.StandardPixmap.SP_TrashIcon,
                                         tooltip="Remove this sticker from the pack")
        self.remove_button.clicked.connect(lambda: self._emit_for_current(self.remove_requested))
        self.export_button = QPushButton("Export pack…", self)
        self.export_button.setObjectName("primaryButton")
        self.export_button.clicked.connect(self.export_requested)
        self.emoji_note = QLabel("", self)
        self.emoji_note.setObjectName("dimLabel")

        row = QHBoxLayout()
        row.addWidget(self.emoji_edit, 1)
        row.addWidget(self.suggest_button)
        row.addWidget(self.tray_button)
        row.addWidget(self.remove_button)
        layout = section_column(self, "Pack")
        layout.addWidget(self.title_edit)
        layout.addWidget(self.author_edit)
        size_row = QHBoxLayout()
        size_row.addWidget(subject_label)
        size_row.addWidget(self.subject_size_spin, 1)
        size_row.addWidget(self.apply_size_button)
        layout.addLayout(size_row)
        layout.addWidget(self.folder_label)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        layout.addWidget(self.emoji_note)
        layout.addWidget(self.export_button)

    def set_entries(self, entries: list[PackEntry], current_id: str, tray_id: str) -> None:
        self._updating = True
        try:
            self.list.clear()
            for e in entries:
                item = QListWidgetItem(thumbnail_icon(e.sticker.frames[0], 64), self.tile_text(e, e.id == tray_id))
                item.setData(Qt.ItemDataRole.UserRole, e.id)
                tray = " · tray icon" if e.id == tray_id else ""
                item.setToolTip(f"{e.name}: {e.sticker.frame_count} frames, {e.sticker.total_duration_ms} ms{tray}")
                self.list.addItem(item)
                if e.id == current_id:
                    self.list.setCurrentItem(item)
        finally:
            self._updating = False
        self._show_current_details(entries, current_id)

    def tile_text(self, entry: PackEntry, is_tray: bool) -> str:
        """Name on the first line (shortened in the middle, so its start and end show), then
        the emoji and the tray mark. The tray mark never takes the name's place."""
        name = self.list.fontMetrics().elidedText(entry.name, Qt.TextElideMode.ElideMiddle, TILE_WIDTH - 8)
        second = " ".join(part for part in ("".join(entry.emojis), TRAY_MARK if is_tray else "") if part)
        return f"{name}\n{second}" if second else name

    def refresh_thumbnail(self, entry: PackEntry) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == entry.id:
                item.setIcon(thumbnail_icon(entry.sticker.frames[0], 64))

    def _show_current_details(self, entries: list[PackEntry], current_id: str) -> None:
        entry = next((e for e in entries if e.id == current_id), None)
        self.emoji_edit.setEnabled(entry is not None)
        self.suggest_button.setEnabled(entry is not None)
        self.tray_button.setEnabled(entry is not None)
        self.remove_button.setEnabled(entry is not None)
        self.emoji_edit.setText("".join(entry.emojis) if entry is not None else "")
        self.emoji_note.setText(f"{len(entries)} sticker{'s' if len(entries) != 1 else ''}")

    def set_title(self, title: str, folder: str) -> None:
        self.title_edit.setText(title)
        self.folder_label.setText(folder)
        self.folder_label.setToolTip(folder)

    def set_author(self, author: str) -> None:
        """Show the pack's author (no signal is emitted)."""
        self.author_edit.setText(author)

    def set_subject_size(self, fraction: float) -> None:
        """Show the pack's subject size (no signal is emitted)."""
        self.subject_size_spin.blockSignals(True)
        try:
            self.subject_size_spin.setValue(round(fraction * 100))
        finally:
            self.subject_size_spin.blockSignals(False)

    def subject_size(self) -> float:
        return self.subject_size_spin.value() / 100.0

    def _emit_subject_size(self, percent: int) -> None:
        self.subject_size_changed.emit(percent / 100.0)

    def current_id(self) -> str:
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""

    def _current_changed(self, current: QListWidgetItem | None, previous: QListWidgetItem | None) -> None:
        if not self._updating and current is not None:
            self.sticker_selected.emit(str(current.data(Qt.ItemDataRole.UserRole)))

    def _emit_for_current(self, signal: SignalInstance) -> None:
        entry_id = self.current_id()
        if entry_id:
            signal.emit(entry_id)

    def _emit_emojis(self) -> None:
        entry_id = self.current_id()
        if not entry_id:
            return
        emojis = split_emojis(self.emoji_edit.text())
        if len(emojis) > MAX_EMOJIS:
            self.emoji_note.setText(f"Messengers take at most {MAX_EMOJIS} emoji; kept the first {MAX_EMOJIS}")
            emojis = emojis[:MAX_EMOJIS]
            self.emoji_edit.setText("".join(emojis))
        self.emojis_changed.emit(entry_id, emojis)
