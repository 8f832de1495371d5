"""The timeline: frame thumbnails to select, reorder by drag, and edit.

The view never changes the sticker itself. A drag, a context-menu action or a key
turns into a *request* signal (``move_requested(rows, to_index)`` ...); the main
window turns that into a core edit command on the undo stack, and the model is
rebuilt from the sticker afterwards. So a drag and Ctrl+Z go through exactly the
same path as every other edit, and :meth:`TimelineView.request_move` is the single
code path both the drag and the tests use.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSize,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QContextMenuEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QKeyEvent,
    QPainter,
    QPaintEvent,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLabel,
    QListView,
    QMenu,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from sticker_studio.core.sticker import Sticker
from sticker_studio.ui.image_convert import thumbnail_icon
from sticker_studio.ui.widgets import section_title, tool_button

FRAME_MIME = "application/x-sticker-studio-frames"
THUMB = 72


class FrameListModel(QAbstractListModel):
    """One row per frame of a sticker: thumbnail, number and duration."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._sticker: Sticker | None = None
        self._icons: list[QIcon] = []
        self._playhead = -1

    def set_sticker(self, sticker: Sticker | None) -> None:
        self.beginResetModel()
        self._sticker = sticker
        self._icons = [thumbnail_icon(f, THUMB) for f in sticker.frames] if sticker is not None else []
        self._playhead = -1
        self.endResetModel()

    def sticker(self) -> Sticker | None:
        return self._sticker

    def set_playhead(self, row: int) -> None:
        old, self._playhead = self._playhead, row
        for r in (old, row):
            if 0 <= r < self.rowCount():
                idx = self.index(r)
                self.dataChanged.emit(idx, idx, [Qt.ItemDataRole.BackgroundRole])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        if parent.isValid() or self._sticker is None:
            return 0
        return self._sticker.frame_count

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        s = self._sticker
        if s is None or not index.isValid() or not 0 <= index.row() < s.frame_count:
            return None
        row = index.row()
        if role == Qt.ItemDataRole.DisplayRole:
            return f"{row + 1} · {s.durations_ms[row]} ms"
        if role == Qt.ItemDataRole.DecorationRole:
            return self._icons[row] if row < len(self._icons) else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return f"Frame {row + 1}: shown for {s.durations_ms[row]} ms"
        if role == Qt.ItemDataRole.BackgroundRole and row == self._playhead:
            return QColor(91, 141, 239, 60)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsDropEnabled
        if index.isValid():
            base |= Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
        return base

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def mimeTypes(self) -> list[str]:
        return [FRAME_MIME, "text/uri-list"]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        return frames_mime(self, sorted({i.row() for i in indexes if i.isValid()}))


def frames_mime(owner: object, rows: list[int]) -> QMimeData:
    """Drag payload for frames: the rows plus a token of the model they came from.

    The token (not ``QDropEvent.source()``) tells an internal move from a drag that
    came from another window, and it works the same for a synthesized drop.
    """
    mime = QMimeData()
    payload = {"owner": id(owner), "rows": [int(r) for r in rows]}
    mime.setData(FRAME_MIME, QByteArray(json.dumps(payload).encode()))
    return mime


def rows_from_mime(mime: QMimeData, owner: object) -> list[int] | None:
    """The dragged rows if the drag came from ``owner``, else None."""
    if not mime.hasFormat(FRAME_MIME):
        return None
    try:
        payload = json.loads(bytes(mime.data(FRAME_MIME).data()).decode())
        if payload.get("owner") != id(owner):
            return None
        return [int(r) for r in payload["rows"]]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def local_paths(mime: QMimeData) -> list[Path]:
    """The local files in a drop or paste (file-manager drags arrive as URLs)."""
    return [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile() and u.toLocalFile()]


class TimelineView(QListView):
    """Frame thumbnails in icon mode with drag-to-reorder, multi-select and a context menu."""

    move_requested = Signal(list, int)        # rows, insertion index (before the move)
    delete_requested = Signal(list)
    duplicate_requested = Signal(list)
    reverse_requested = Signal(list)          # empty = whole sticker
    ping_pong_requested = Signal()
    duration_dialog_requested = Signal(list)
    files_dropped = Signal(list, int)         # paths, insertion index
    frame_activated = Signal(int)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.frame_model = FrameListModel(self)
        self.setModel(self.frame_model)
        self.setViewMode(QListView.ViewMode.IconMode)
        self.setFlow(QListView.Flow.LeftToRight)
        self.setWrapping(False)
        self.setMovement(QListView.Movement.Snap)
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setIconSize(QSize(THUMB, THUMB))
        self.setGridSize(QSize(THUMB + 18, THUMB + 30))
        self.setUniformItemSizes(True)
        self.setSpacing(4)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setDragEnabled(True)
        self.setAcceptDrops(True)
        self.viewport().setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setFixedHeight(THUMB + 52)
        self._drop_index = -1
        self.clicked.connect(lambda idx: self.frame_activated.emit(idx.row()))
        self._build_actions()

    # ------------------------------------------------------------ selections
    def selected_rows(self) -> list[int]:
        return sorted({i.row() for i in self.selectionModel().selectedIndexes()})

    def select_rows(self, rows: list[int]) -> None:
        from PySide6.QtCore import QItemSelection, QItemSelectionModel

        selection = QItemSelection()
        for r in rows:
            if 0 <= r < self.frame_model.rowCount():
                idx = self.frame_model.index(r)
                selection.select(idx, idx)
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.selectionModel().select(selection, flags)
        if rows:
            self.selectionModel().setCurrentIndex(self.frame_model.index(rows[0]),
                                                  QItemSelectionModel.SelectionFlag.NoUpdate)

    # ------------------------------------------------------- drag and drop
    def insertion_index_at(self, pos: QPoint) -> int:
        """The gap a drop at ``pos`` lands in (0..row count)."""
        n = self.frame_model.rowCount()
        idx = self.indexAt(pos)
        if idx.isValid():
            rect = self.visualRect(idx)
            return idx.row() + (1 if pos.x() > rect.center().x() else 0)
        for r in range(n):
            if pos.x() < self.visualRect(self.frame_model.index(r)).center().x():
                return r
        return n

    def request_move(self, rows: list[int], to_index: int) -> None:
        """Ask to move ``rows`` so they land at gap ``to_index`` (drag and tests share this)."""
        rows = sorted(set(rows))
        if not rows:
            return
        # a drop inside or right next to a contiguous selection is a no-op
        if rows == list(range(rows[0], rows[-1] + 1)) and rows[0] <= to_index <= rows[-1] + 1:
            return
        self.move_requested.emit(rows, int(to_index))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        mime = event.mimeData()
        if rows_from_mime(mime, self.frame_model) is not None:
            event.setDropAction(Qt.DropAction.MoveAction)
            event.accept()
        elif local_paths(mime):
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        mime = event.mimeData()
        internal = rows_from_mime(mime, self.frame_model) is not None
        if internal or local_paths(mime):
            self._drop_index = self.insertion_index_at(event.position().toPoint())
            event.setDropAction(Qt.DropAction.MoveAction if internal else Qt.DropAction.CopyAction)
            event.accept()
            self.viewport().update()
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self._drop_index = -1
        self.viewport().update()
        super().dragLeaveEvent(event)

    def dropEvent(self, event: QDropEvent) -> None:
        mime = event.mimeData()
        to_index = self.insertion_index_at(event.position().toPoint())
        self._drop_index = -1
        self.viewport().update()
        rows = rows_from_mime(mime, self.frame_model)
        if rows is not None:
            # Copy, not Move: the view must not remove rows itself; the edit command does.
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.request_move(rows, to_index)
            return
        paths = local_paths(mime)
        if paths:
            event.setDropAction(Qt.DropAction.CopyAction)
            event.accept()
            self.files_dropped.emit(paths, to_index)
            return
        event.ignore()

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._drop_index < 0:
            return
        n = self.frame_model.rowCount()
        if n == 0:
            return
        if self._drop_index < n:
            x = self.visualRect(self.frame_model.index(self._drop_index)).left() - 3
        else:
            x = self.visualRect(self.frame_model.index(n - 1)).right() + 3
        painter = QPainter(self.viewport())
        painter.setPen(QPen(QColor("#5b8def"), 3))
        painter.drawLine(x, 4, x, self.viewport().height() - 4)
        painter.end()

    # -------------------------------------------------------- context menu
    def _build_actions(self) -> None:
        self.delete_action = QAction("Delete frames", self)
        self.delete_action.triggered.connect(lambda: self._emit_rows(self.delete_requested))
        self.duplicate_action = QAction("Duplicate frames", self)
        self.duplicate_action.triggered.connect(lambda: self._emit_rows(self.duplicate_requested))
        self.reverse_action = QAction("Reverse", self)
        self.reverse_action.setToolTip("Reverse the selected frames (or all when one or none is selected)")
        self.reverse_action.triggered.connect(
            lambda: self.reverse_requested.emit(self.selected_rows() if len(self.selected_rows()) > 1 else []))
        self.ping_pong_action = QAction("Ping-pong (play forward, then back)", self)
        self.ping_pong_action.triggered.connect(self.ping_pong_requested)
        self.duration_action = QAction("Set duration…", self)
        self.duration_action.triggered.connect(lambda: self._emit_rows(self.duration_dialog_requested))

    def _emit_rows(self, signal: SignalInstance) -> None:
        rows = self.selected_rows()
        if rows:
            signal.emit(rows)

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        idx = self.indexAt(event.pos())
        if idx.isValid() and idx.row() not in self.selected_rows():
            self.select_rows([idx.row()])
        has = bool(self.selected_rows())
        menu = QMenu(self)
        for action in (self.delete_action, self.duplicate_action, self.duration_action):
            action.setEnabled(has)
            menu.addAction(action)
        menu.addSeparator()
        menu.addAction(self.reverse_action)
        menu.addAction(self.ping_pong_action)
        menu.exec(event.globalPos())


class EnterSpinBox(QSpinBox):
    """A spin box that says when Enter (or Return) is pressed in it."""

    entered = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.interpretText()
            self.entered.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class TimelinePanel(QWidget):
    """The timeline with the duration editor and the total-length / fps summary."""

    durations_requested = Signal(list, int)   # rows, ms

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.view = TimelineView(self)
        self.summary = QLabel("No sticker", self)
        self.summary.setObjectName("timelineSummary")
        # the summary gives way (clipped, full text in its tooltip) so the header never widens the window
        self.summary.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.summary.setMinimumWidth(60)
        self.duration_spin = EnterSpinBox(self)
        self.duration_spin.setRange(8, 10_000)
        self.duration_spin.setSingleStep(10)
        self.duration_spin.setSuffix(" ms")
        self.duration_spin.setValue(100)
        self.duration_spin.setMaximumWidth(96)
        self.duration_spin.setToolTip("Duration of the selected frames (Enter applies it)")
        self.duration_spin.entered.connect(self._apply_duration)
        self.apply_duration = QPushButton("Apply", self)
        self.apply_duration.setToolTip("Give the selected frames this frame time (or press Enter in the field)")
        self.tools_button = tool_button(
            self, "Canvas · speed", tooltip="Crop, resize or pad every frame; play faster or slower; play count")
        self.tools_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.apply_duration.clicked.connect(self._apply_duration)
        self.view.selectionModel().selectionChanged.connect(self._selection_changed)
        self.view.frame_model.modelReset.connect(self._selection_changed)

        header = QHBoxLayout()
        header.setContentsMargins(8, 0, 8, 0)
        header.addWidget(section_title("Timeline", self))
        header.addSpacing(6)
        header.addWidget(self.summary, 1)
        header.addWidget(self.tools_button)
        header.addSpacing(8)
        header.addWidget(QLabel("Frame time", self))
        header.addWidget(self.duration_spin)
        header.addWidget(self.apply_duration)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 6, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(header)
        layout.addWidget(self.view)

    def set_sticker(self, sticker: Sticker | None) -> None:
        keep = self.view.selected_rows()
        self.view.frame_model.set_sticker(sticker)
        if sticker is not None:
            self.view.select_rows([r for r in keep if r < sticker.frame_count])
        self.update_summary()

    def set_tools_menu(self, menu: QMenu) -> None:
        """Offer ``menu`` (crop/resize/pad, speed, play count) from a button in the header."""
        self.tools_button.setMenu(menu)

    def set_playhead(self, row: int) -> None:
        self.view.frame_model.set_playhead(row)

    def update_summary(self) -> None:
        s = self.view.frame_model.sticker()
        if s is None:
            self.summary.setText("No sticker")
            return
        plays = "" if s.loop_count == 0 else f" · plays {s.loop_count}×"
        # the frame count is under the preview already; the tooltip has everything
        self.summary.setText(f"{s.total_duration_ms / 1000:.2f} s · {round(s.average_fps, 1):g} fps · "
                             f"{s.width}×{s.height}{plays}")
        self.summary.setToolTip(f"{s.frame_count} frames · {self.summary.text()}")

    def _selection_changed(self, *args: object) -> None:
        rows = self.view.selected_rows()
        s = self.view.frame_model.sticker()
        self.apply_duration.setEnabled(bool(rows))
        if rows and s is not None:
            self.duration_spin.setValue(s.durations_ms[rows[0]])

    def _apply_duration(self) -> None:
        self.duration_spin.interpretText()  # typed digits count even before the field loses focus
        rows = self.view.selected_rows()
        if rows:
            self.durations_requested.emit(rows, int(self.duration_spin.value()))
