"""The rig over the reference drawing: joints, bones, part outlines, eyes and mouth (issue 22).

:class:`RigOverlay` shows the drawing with its puppet rig on top and lets the user fix
it: drag a joint (or an eye or the mouth) to move it; right-click for a menu that adds a
missing limb with its tip at the click, removes the limb (or eye, mouth) under the click,
or rigs the drawing again. It only emits intent signals (``joint_moved``, ``limb_added``
...); :class:`~sticker_studio.ui.state.rig.RigState` makes the undoable change.
"""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QAction,
    QBrush,
    QColor,
    QContextMenuEvent,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QResizeEvent,
)
from PySide6.QtWidgets import QMenu, QWidget

from sticker_studio.core.puppet.rig import JOINT_PARENTS, PART_JOINTS, PART_NAMES, Rig
from sticker_studio.ui.image_convert import checkerboard_brush, rgba_to_qimage
from sticker_studio.ui.state.rig import FEATURE_LABELS, LIMB_LABELS, missing_limbs, present_limbs

#: Each part's tint (RGB), as in ``core.puppet.preview``.
PART_COLOURS: dict[str, tuple[int, int, int]] = {
    "head": (255, 200, 0), "body": (120, 120, 255), "arm_l": (255, 80, 80), "arm_r": (255, 140, 60),
    "leg_l": (60, 200, 90), "leg_r": (30, 150, 160), "tail": (200, 80, 220), "ear_l": (250, 120, 200),
    "ear_r": (180, 60, 140),
}
EYE_COLOUR = QColor(0, 200, 255)
MOUTH_COLOUR = QColor(255, 60, 60)
JOINT_RADIUS = 4.0
#: how near (widget pixels) a press must be to grab a joint or a feature's centre
GRAB_DISTANCE = 10.0
#: suffix of a face feature's size handle in :meth:`RigOverlay.handles`
SIZE = ":size"
#: tint of a part's inside / its outline (alpha 0..255)
FILL_ALPHA, OUTLINE_ALPHA = 56, 230
HINT = ("Drag a joint, an eye or the mouth (its corner square: its size) to fix the rig · "
        "right-click to add or remove a limb")


def part_overlay(parts: np.ndarray, width: int, height: int) -> np.ndarray:
    """RGBA (``height`` x ``width``): each part faintly tinted, its outline strongly (at display size,
    so the outlines stay one pixel wide however the drawing is scaled)."""
    labels = np.asarray(Image.fromarray(parts).resize((width, height), Image.Resampling.NEAREST))
    out = np.zeros((height, width, 4), np.uint8)
    edge = np.zeros((height, width), bool)
    edge[:, 1:] |= labels[:, 1:] != labels[:, :-1]
    edge[:, :-1] |= labels[:, 1:] != labels[:, :-1]
    edge[1:, :] |= labels[1:, :] != labels[:-1, :]
    edge[:-1, :] |= labels[1:, :] != labels[:-1, :]
    for i, name in enumerate(PART_NAMES):
        m = labels == i + 1
        if not m.any():
            continue
        out[m, :3] = PART_COLOURS[name]
        out[m, 3] = FILL_ALPHA
        out[m & edge, 3] = OUTLINE_ALPHA
    return out


def _round_pen(colour: QColor, width: float) -> QPen:
    pen = QPen(colour, width)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    return pen


class RigOverlay(QWidget):
    """The drawing with its rig; drag to fix joints, right-click to add or remove limbs."""

    joint_moved = Signal(str, float, float)      # joint name, x, y in drawing pixels
    feature_moved = Signal(str, float, float)    # eye_l / eye_r / mouth, new centre
    feature_resized = Signal(str, float, float)  # eye_l / eye_r / mouth, new radii (x, y)
    limb_added = Signal(str, float, float)       # part (arm_l ...), its tip
    limb_removed = Signal(str)
    feature_added = Signal(str, float, float)
    feature_removed = Signal(str)
    rig_again_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rigOverlay")
        self.setMouseTracking(True)
        self.setMinimumSize(160, 160)
        self.setToolTip(HINT)
        self._frame: np.ndarray | None = None
        self._image: QImage | None = None
        self._rig: Rig | None = None
        self._busy = False
        self._parts_image: QImage | None = None
        self._parts_for: tuple[int, int, int] | None = None  # (id of parts, w, h) the tint was made for
        self._hover: str | None = None
        self._drag: str | None = None            # the joint or feature being dragged
        self._drag_pos: QPointF | None = None    # where it is now (drawing pixels)
        self._checker = checkerboard_brush(6, "#e8e8e8", "#cfcfcf")

    def sizeHint(self) -> QSize:
        return QSize(300, 220)

    # -------------------------------------------------------------- state
    def set_rig(self, frame: np.ndarray | None, rig: Rig | None) -> None:
        """Show ``frame`` (the reference drawing) with ``rig`` over it (None: no rig yet)."""
        if frame is not self._frame:
            self._frame = frame
            self._image = rgba_to_qimage(frame) if frame is not None else None
        self._rig = rig
        self._parts_image, self._parts_for = None, None
        self._drag = self._drag_pos = None
        self.update()

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.update()

    def rig(self) -> Rig | None:
        return self._rig

    # -------------------------------------------------------- coordinates
    def picture_rect(self) -> QRectF | None:
        """Where the drawing lies in the widget (scaled to fit, centred)."""
        if self._frame is None:
            return None
        h, w = self._frame.shape[:2]
        scale = min((self.width() - 8) / w, (self.height() - 8) / h)
        pw, ph = w * scale, h * scale
        return QRectF((self.width() - pw) / 2, (self.height() - ph) / 2, pw, ph)

    def _scale(self) -> float:
        rect = self.picture_rect()
        return rect.width() / self._frame.shape[1] if rect is not None and self._frame is not None else 1.0

    def widget_point(self, x: float, y: float) -> QPointF:
        """The widget point showing drawing pixel (``x``, ``y``) (pixel centres are whole numbers)."""
        rect = self.picture_rect()
        if rect is None:
            return QPointF()
        s = self._scale()
        return QPointF(rect.left() + (x + 0.5) * s, rect.top() + (y + 0.5) * s)

    def drawing_point(self, pos: QPointF) -> tuple[float, float]:
        rect = self.picture_rect()
        if rect is None:
            return (0.0, 0.0)
        s = self._scale()
        return ((pos.x() - rect.left()) / s - 0.5, (pos.y() - rect.top()) / s - 0.5)

    def handles(self) -> dict[str, tuple[float, float]]:
        """Every draggable point (drawing pixels): joints by name, eyes and mouth by feature name
        (their centre) and ``<feature>:size`` (their bounding box's lower right corner: the radii)."""
        rig = self._rig
        if rig is None:
            return {}
        out = {n: (j.x, j.y) for n, j in rig.joints.items()}
        out.update({n: (e.cx, e.cy) for n, e in rig.face.items()})
        out.update({n + SIZE: (e.cx + e.rx, e.cy + e.ry) for n, e in rig.face.items()})
        return out

    def handle_at(self, pos: QPointF) -> str | None:
        best, best_d = None, GRAB_DISTANCE
        for name, (x, y) in self.handles().items():
            p = self.widget_point(x, y)
            d = float(np.hypot(p.x() - pos.x(), p.y() - pos.y()))
            if d <= best_d:
                best, best_d = name, d
        return best

    def part_at(self, x: float, y: float) -> str | None:
        """The limb (or face feature) under drawing pixel (``x``, ``y``): the part map's label,
        else the limb of the nearest joint within reach."""
        rig = self._rig
        if rig is None:
            return None
        for name, e in rig.face.items():
            if ((x - e.cx) / max(e.rx, 1.0)) ** 2 + ((y - e.cy) / max(e.ry, 1.0)) ** 2 <= 1.0:
                return name
        ix, iy = int(round(x)), int(round(y))
        if rig.parts is not None and 0 <= iy < rig.height and 0 <= ix < rig.width:
            label = int(rig.parts[iy, ix])
            if label and PART_NAMES[label - 1] in LIMB_LABELS:
                return PART_NAMES[label - 1]
        reach = GRAB_DISTANCE / self._scale()
        for part in present_limbs(rig):
            for j in PART_JOINTS[part]:
                if j in rig.joints and np.hypot(rig.joints[j].x - x, rig.joints[j].y - y) <= reach:
                    return part
        return None

    # -------------------------------------------------------------- menu
    def context_actions(self, pos: QPointF) -> list[QAction]:
        """The right-click menu's actions at widget point ``pos`` (parented to this widget)."""
        rig = self._rig
        if rig is None:
            return []
        x, y = self.drawing_point(pos)
        actions: list[QAction] = []

        def add(text: str, slot) -> None:
            action = QAction(text, self)
            action.triggered.connect(slot)
            actions.append(action)

        under = self.part_at(x, y)
        if under in LIMB_LABELS:
            add(f"Remove {LIMB_LABELS[under]}", lambda *_a, p=under: self.limb_removed.emit(p))
        elif under in FEATURE_LABELS:
            add(f"Remove {FEATURE_LABELS[under]}", lambda *_a, p=under: self.feature_removed.emit(p))
        for part in missing_limbs(rig):
            add(f"Add {LIMB_LABELS[part]} ending here",
                lambda *_a, p=part: self.limb_added.emit(p, x, y))
        for name in FEATURE_LABELS:
            if name not in rig.face:
                add(f"Add {FEATURE_LABELS[name]} here", lambda *_a, n=name: self.feature_added.emit(n, x, y))
        add("Rig again automatically", lambda *_a: self.rig_again_requested.emit())
        return actions

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        actions = self.context_actions(QPointF(event.pos()))
        if not actions:
            return
        menu = QMenu(self)
        for i, action in enumerate(actions):
            if i == len(actions) - 1 and len(actions) > 1:
                menu.addSeparator()
            menu.addAction(action)
        menu.exec(event.globalPos())
        menu.deleteLater()

    # ------------------------------------------------------------- mouse
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self._rig is None:
            super().mousePressEvent(event)
            return
        name = self.handle_at(event.position())
        if name is None:
            super().mousePressEvent(event)
            return
        self._drag = name
        self._drag_pos = QPointF(*self.drawing_point(event.position()))
        self.setCursor(Qt.CursorShape.ClosedHandCursor)
        event.accept()
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            x, y = self.drawing_point(event.position())
            self._drag_pos = QPointF(x, y)
            self.update()
            return
        hover = self.handle_at(event.position())
        if hover != self._hover:
            self._hover = hover
            if hover is None:
                self.unsetCursor()
                self.setToolTip(HINT)
            else:
                self.setCursor(Qt.CursorShape.OpenHandCursor)
                tip = FEATURE_LABELS.get(hover.removesuffix(SIZE), hover.replace("_", " "))
                self.setToolTip(f"{tip}: drag to resize" if hover.endswith(SIZE) else tip)
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        name, pos = self._drag, self._drag_pos
        if name is None or pos is None or event.button() != Qt.MouseButton.LeftButton:
            super().mouseReleaseEvent(event)
            return
        self._drag = self._drag_pos = None
        self.unsetCursor()
        x, y = self.drawing_point(event.position())
        start = self.handles().get(name)
        moved = start is not None and np.hypot(start[0] - x, start[1] - y) * self._scale() >= 1.0
        if moved and name.endswith(SIZE) and self._rig is not None:
            e = self._rig.face[name[:-len(SIZE)]]
            self.feature_resized.emit(name[:-len(SIZE)], max(1.0, abs(x - e.cx)), max(1.0, abs(y - e.cy)))
        elif moved:
            (self.feature_moved if name in FEATURE_LABELS else self.joint_moved).emit(name, float(x), float(y))
        self.update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._parts_image, self._parts_for = None, None
        super().resizeEvent(event)

    # ------------------------------------------------------------- paint
    def _part_tint(self, rect: QRectF) -> QImage | None:
        rig = self._rig
        if rig is None or rig.parts is None:
            return None
        w, h = max(1, int(round(rect.width()))), max(1, int(round(rect.height())))
        key = (id(rig.parts), w, h)
        if self._parts_for != key:
            self._parts_image = rgba_to_qimage(part_overlay(rig.parts, w, h))
            self._parts_for = key
        return self._parts_image

    def _points(self) -> dict[str, QPointF]:
        points = {n: self.widget_point(x, y) for n, (x, y) in self.handles().items()}
        if self._drag is not None and self._drag_pos is not None:
            points[self._drag] = self.widget_point(self._drag_pos.x(), self._drag_pos.y())
        return points

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        rect = self.picture_rect()
        if rect is None or self._image is None:
            painter.setPen(self.palette().color(self.foregroundRole()))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "The character's rig shows here")
            return
        painter.fillRect(rect, self._checker)
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        painter.drawImage(rect, self._image)
        tint = self._part_tint(rect)
        if tint is not None:
            painter.drawImage(rect.topLeft(), tint)
        rig = self._rig
        if rig is None:
            painter.fillRect(rect, QColor(255, 255, 255, 110))
            painter.setPen(QColor(40, 40, 40))
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter,
                             "Finding the joints…" if self._busy else "No rig")
            return
        points = self._points()
        s = self._scale()
        for name in rig.joints:
            parent = rig.parent(name)
            if parent is None or JOINT_PARENTS.get(name) is None:
                continue
            painter.setPen(_round_pen(QColor(255, 255, 255, 220), 4.0))
            painter.drawLine(points[parent], points[name])
            painter.setPen(_round_pen(QColor(30, 30, 30), 2.0))
            painter.drawLine(points[parent], points[name])
        for name, joint in rig.joints.items():
            p = points[name]
            active = name == self._hover or name == self._drag
            fill = QColor(255, 255, 255) if joint.confidence >= 0.5 else QColor(255, 170, 170)
            if active:
                fill = QColor(255, 220, 60)
            painter.setPen(QPen(QColor(20, 20, 20), 1.5))
            painter.setBrush(QBrush(fill))
            r = JOINT_RADIUS + (1.5 if active else 0.0)
            painter.drawEllipse(p, r, r)
        for name, e in rig.face.items():
            p = points[name]
            rx, ry = e.rx * s, e.ry * s
            if self._drag == name + SIZE and self._drag_pos is not None:
                corner = points[name + SIZE]
                rx, ry = abs(corner.x() - p.x()), abs(corner.y() - p.y())
            colour = EYE_COLOUR if name.startswith("eye") else MOUTH_COLOUR
            active = self._hover in (name, name + SIZE) or self._drag in (name, name + SIZE)
            painter.setPen(QPen(colour, 2.0 if active else 1.5))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(p, max(3.0, rx), max(3.0, ry))
            painter.drawRect(QRectF(p.x() + rx - 2.5, p.y() + ry - 2.5, 5, 5))  # the size handle
            painter.setBrush(QBrush(colour))
            painter.drawRect(QRectF(p.x() - 2.5, p.y() - 2.5, 5, 5))
        painter.end()
