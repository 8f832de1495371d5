"""The motion gallery: each character motion playing on *this* drawing (issue 22).

:class:`MotionGallery` is a grid of small live thumbnails, one per character motion the
reference's rig supports (``wave``, ``blink``, ``nod``...), rendered by
:class:`~sticker_studio.ui.state.rig.RigState` on a worker and shown as each arrives.
A click chooses the motion (the reference panel's Animate button then makes it; a
click on the chosen one goes back to the motion preset), a double-click adds the
sticker to the pack at once.

:class:`CharacterSection` puts the rig (:class:`~sticker_studio.ui.rig_overlay.RigOverlay`)
and the gallery together for the reference panel, and :func:`connect_character` wires
it to the session's :class:`RigState` (the window calls it once).
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QObject, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from sticker_studio.core.sticker import Sticker
from sticker_studio.ui.image_convert import checkerboard_brush, rgba_to_qimage
from sticker_studio.ui.rig_overlay import RigOverlay
from sticker_studio.ui.state.rig import GalleryItem, RigState, render_order
from sticker_studio.ui.widgets import section_title

CELL_SIDE = 72
#: the cell shows this many times the drawing's size (room for motions that reach past it)
EXTENT = 1.2
LABEL_HEIGHT = 15
OVERLAY_SIDE = 250
#: the gallery's clock (ms): each thumbnail shows the frame its own durations say
TICK_MS = 40


class MotionCell(QWidget):
    """One motion's looping thumbnail and name."""

    clicked = Signal(str)
    activated = Signal(str)

    def __init__(self, item: GalleryItem, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.name = item.name
        self.setFixedSize(CELL_SIDE + 6, CELL_SIDE + LABEL_HEIGHT + 6)
        self.setToolTip(f"{item.name}: {item.description}\nClick to choose · double-click to add it to the pack")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._images: list[QImage] = []
        self._starts: list[int] = []   # each frame's start time in the loop (ms)
        self._loop_ms = 0
        self._index = 0
        self._drawing_side = 1
        self.selected = False
        self._checker = checkerboard_brush(4, "#e8e8e8", "#cfcfcf")
        self.set_sticker(item.sticker)

    def set_sticker(self, sticker: Sticker | None) -> None:
        self._images = [] if sticker is None else [rgba_to_qimage(f) for f in sticker.frames]
        if sticker is not None:  # the drawing's own size inside the (maybe grown) canvas
            pad = sticker.metadata.get("canvas_padding")
            px, py = (int(pad[0]), int(pad[1])) if isinstance(pad, (list, tuple)) and len(pad) == 2 else (0, 0)
            self._drawing_side = max(1, sticker.width - 2 * px, sticker.height - 2 * py)
        starts, t = [], 0
        for d in (sticker.durations_ms if sticker is not None else []):
            starts.append(t)
            t += int(d)
        self._starts, self._loop_ms, self._index = starts, t, 0
        self.update()

    def is_ready(self) -> bool:
        return bool(self._images)

    def frame_index(self) -> int:
        return self._index

    def show_time(self, ms: float) -> None:
        """Show the frame playing at ``ms`` on the gallery's clock."""
        if len(self._images) < 2 or self._loop_ms <= 0:
            return
        t = ms % self._loop_ms
        index = 0
        for i, start in enumerate(self._starts):
            if start <= t:
                index = i
        if index != self._index:
            self._index = index
            self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        box = QRectF(3, 3, CELL_SIDE, CELL_SIDE)
        painter.fillRect(box, self._checker)
        if self._images:
            image = self._images[self._index]
            # one scale for every motion: the drawing at 1/EXTENT of the cell (a motion whose canvas
            # grew, e.g. a hop, is not shrunk; what reaches past the cell is clipped)
            scale = CELL_SIDE / (self._drawing_side * EXTENT)
            w, h = image.width() * scale, image.height() * scale
            painter.setClipRect(box)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            painter.drawImage(QRectF(box.left() + (CELL_SIDE - w) / 2, box.top() + (CELL_SIDE - h) / 2, w, h), image)
            painter.setClipping(False)
        else:
            painter.setPen(QColor(110, 110, 110))
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, "…")
        if self.selected:
            painter.setPen(QPen(self.palette().color(self.palette().ColorRole.Highlight), 3))
            painter.drawRect(box.adjusted(-1.5, -1.5, 1.5, 1.5))
        painter.setPen(self.palette().color(self.foregroundRole()))
        font = painter.font()
        font.setPointSizeF(max(6.5, font.pointSizeF() - 1.5))
        painter.setFont(font)
        painter.drawText(QRectF(0, CELL_SIDE + 5, self.width(), LABEL_HEIGHT),
                         Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, self.name)
        painter.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(self.name)
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.activated.emit(self.name)
            event.accept()
            return
        super().mouseDoubleClickEvent(event)


class MotionGallery(QWidget):
    """A grid of live thumbnails, one per character motion the rig supports."""

    motion_chosen = Signal(str)        # the chosen motion, "" when none (back to the preset)
    animate_requested = Signal(str)    # double-click: make this motion's sticker now
    thumbnail_arrived = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self._cells: dict[str, MotionCell] = {}
        self._items: dict[str, GalleryItem] = {}
        self._selected = ""
        self._wanted = ""  # a choice restored before its cell exists
        self._columns = 4
        self._grid = QGridLayout(self)
        self._grid.setContentsMargins(0, 0, 0, 0)
        self._grid.setHorizontalSpacing(2)
        self._grid.setVerticalSpacing(2)
        self._empty = QLabel("Character motions play here once the drawing is rigged", self)
        self._empty.setObjectName("dimLabel")
        self._empty.setWordWrap(True)
        self._grid.addWidget(self._empty, 0, 0, 1, self._columns)
        self._grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        self._clock = QTimer(self)
        self._clock.setInterval(TICK_MS)
        self._clock.timeout.connect(self._tick)
        self._t0 = time.monotonic()

    # ------------------------------------------------------------ content
    def set_items(self, items: list[GalleryItem]) -> None:
        """Show one cell per item (thumbnails follow with :meth:`set_thumbnail`)."""
        if items and [i.name for i in items] == list(self._items) and len(self._cells) == len(items):
            for item in items:  # the same motions (a rig edit): keep the cells
                if item.sticker is not self._items[item.name].sticker:
                    self._items[item.name] = item
                    self._cells[item.name].set_sticker(item.sticker)
            self._update_clock()
            return
        for cell in self._cells.values():
            self._grid.removeWidget(cell)
            cell.deleteLater()
        self._cells = {}
        by_name = {item.name: item for item in items}
        items = [by_name[n] for n in render_order(list(by_name))]  # wave and blink first
        self._items = {item.name: item for item in items}
        for item in items:
            cell = MotionCell(item, self)
            cell.clicked.connect(self._cell_clicked)
            cell.activated.connect(self._cell_activated)
            self._cells[item.name] = cell
        self._place()
        self._empty.setVisible(not items)
        wanted = self._selected or self._wanted
        if wanted and wanted not in self._cells and items:
            self._set_selected("")   # the new rig cannot play it
        elif wanted in self._cells:
            self._set_selected(wanted, emit=wanted != self._selected)
        self._update_clock()

    def set_columns(self, columns: int) -> None:
        if columns != self._columns:
            self._columns = columns
            self._place()

    def _place(self) -> None:
        for cell in self._cells.values():
            self._grid.removeWidget(cell)
        for i, cell in enumerate(self._cells.values()):
            self._grid.addWidget(cell, i // self._columns, i % self._columns)

    def set_thumbnail(self, item: GalleryItem) -> None:
        cell = self._cells.get(item.name)
        if cell is None:
            return
        self._items[item.name] = item
        cell.set_sticker(item.sticker)
        self._update_clock()
        self.thumbnail_arrived.emit(item.name)

    def names(self) -> list[str]:
        return list(self._cells)

    def cell(self, name: str) -> MotionCell | None:
        return self._cells.get(name)

    def sticker(self, name: str) -> Sticker | None:
        item = self._items.get(name)
        return item.sticker if item is not None else None

    # ---------------------------------------------------------- selection
    def selected(self) -> str:
        return self._selected

    def select(self, name: str) -> None:
        """Choose ``name`` ("" for none); a name without a cell yet is chosen when it appears."""
        if name and name not in self._cells:
            self._wanted = name
            return
        self._set_selected(name)

    def _set_selected(self, name: str, emit: bool = True) -> None:
        changed = name != self._selected
        self._selected = name
        self._wanted = ""
        for cell_name, cell in self._cells.items():
            if cell.selected != (cell_name == name):
                cell.selected = cell_name == name
                cell.update()
        if changed and emit:
            self.motion_chosen.emit(name)

    def _cell_clicked(self, name: str) -> None:
        self._set_selected("" if name == self._selected else name)

    def _cell_activated(self, name: str) -> None:
        self._set_selected(name)
        self.animate_requested.emit(name)

    # ------------------------------------------------------------- clock
    def _update_clock(self) -> None:
        if any(c.is_ready() for c in self._cells.values()):
            if not self._clock.isActive():
                self._clock.start()
        else:
            self._clock.stop()

    def _tick(self) -> None:
        if not self.isVisible():
            return
        ms = (time.monotonic() - self._t0) * 1000.0
        for cell in self._cells.values():
            cell.show_time(ms)


class CharacterSection(QFrame):
    """The reference's rig and its motion gallery side by side, as a card. The reference panel
    owns it (its choice includes the chosen motion); the window lays it out in the centre
    column, above the timeline (the left column has no room for it at 1280×800)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("card")
        self.overlay = RigOverlay(self)
        self.overlay.setFixedSize(OVERLAY_SIDE, OVERLAY_SIDE)
        self.gallery = MotionGallery(self)
        self.gallery_area = QScrollArea(self)
        self.gallery_area.setWidget(self.gallery)
        self.gallery_area.setWidgetResizable(True)
        self.gallery_area.setFrameShape(QFrame.Shape.NoFrame)
        self.gallery_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.gallery_area.setFixedHeight(OVERLAY_SIDE)
        self.gallery_area.setMinimumWidth(2 * (CELL_SIDE + 8) + 16)
        self.gallery_area.viewport().installEventFilter(self)  # as many columns as fit
        self.title = section_title("Character", self)
        self.hint = QLabel("Drag a joint to fix the rig · right-click to add or remove a limb · "
                           "double-click a motion to add it", self)
        self.hint.setObjectName("dimLabel")
        self.hint.setWordWrap(True)
        self.hint.setMinimumWidth(60)
        self.body_layer_box = QCheckBox("+ body preset", self)
        self.body_layer_box.setToolTip("Also move the whole body with the reference panel's motion preset "
                                       "(e.g. a wave that bounces)")
        self.body_layer_box.setEnabled(False)
        self.gallery.motion_chosen.connect(lambda name: self.body_layer_box.setEnabled(bool(name)))
        head = QHBoxLayout()
        head.setSpacing(10)
        head.addWidget(self.title)
        head.addWidget(self.hint, 1)
        head.addWidget(self.body_layer_box)
        body = QHBoxLayout()
        body.setSpacing(10)
        body.addWidget(self.overlay)
        body.addWidget(self.gallery_area, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 10)
        layout.setSpacing(6)
        layout.addLayout(head)
        layout.addLayout(body)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.gallery_area.viewport() and event.type() == QEvent.Type.Resize:
            self.gallery.set_columns(max(2, self.gallery_area.viewport().width() // (CELL_SIDE + 8)))
        return super().eventFilter(watched, event)

    def motion(self) -> str:
        return self.gallery.selected()

    def body_layer(self) -> bool:
        return bool(self.motion()) and self.body_layer_box.isChecked()

    def set_motion(self, name: str, body_layer: bool = False) -> None:
        self.gallery.select(name)
        self.body_layer_box.setChecked(body_layer)


def connect_character(section: CharacterSection, rig: RigState) -> None:
    """Show ``rig``'s drawing, rig and gallery in ``section`` and send the user's fixes back."""
    overlay = section.overlay
    rig.rig_changed.connect(overlay.set_rig)
    rig.busy_changed.connect(overlay.set_busy)
    rig.gallery_reset.connect(section.gallery.set_items)
    rig.thumbnail_ready.connect(section.gallery.set_thumbnail)
    overlay.joint_moved.connect(rig.move_joint)
    overlay.feature_moved.connect(rig.move_feature)
    overlay.feature_resized.connect(rig.resize_feature)
    overlay.limb_added.connect(rig.add_limb)
    overlay.limb_removed.connect(rig.remove_limb)
    overlay.feature_added.connect(rig.add_feature)
    overlay.feature_removed.connect(rig.remove_feature)
    overlay.rig_again_requested.connect(rig.rig_again)
    rig.rig_changed.connect(lambda frame, _rig: section.setVisible(frame is not None))
    overlay.set_rig(rig.drawing(), rig.rig())
    section.gallery.set_items(rig.gallery())
    section.setVisible(rig.drawing() is not None)
