"""numpy RGBA frames <-> Qt images, and the checkerboard that shows transparency.

The core keeps frames as straight (non-premultiplied) RGBA ``uint8``; Qt's
``Format_RGBA8888`` has the same byte order, so conversion is one copy each way.
QImage does not own numpy memory, so :func:`rgba_to_qimage` always copies: a frame
edited later by an undo command must never change a picture already on screen.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor, QIcon, QImage, QPainter, QPixmap


def rgba_to_qimage(frame: np.ndarray) -> QImage:
    """An independent ``QImage`` (RGBA8888) holding a copy of an HxWx4 uint8 frame."""
    arr = np.ascontiguousarray(frame, dtype=np.uint8)
    if arr.ndim != 3 or arr.shape[2] != 4:
        raise ValueError(f"expected an HxWx4 uint8 frame, got shape {arr.shape}")
    h, w = arr.shape[:2]
    image = QImage(arr.data, w, h, 4 * w, QImage.Format.Format_RGBA8888)
    return image.copy()  # detach from the numpy buffer


def qimage_to_rgba(image: QImage) -> np.ndarray:
    """An HxWx4 uint8 straight-alpha array from any QImage (pasted, dropped, rendered)."""
    converted = image.convertToFormat(QImage.Format.Format_RGBA8888)
    w, h = converted.width(), converted.height()
    if w == 0 or h == 0:
        raise ValueError("the image is empty")
    stride = converted.bytesPerLine()
    buf = np.frombuffer(converted.constBits(), dtype=np.uint8, count=stride * h)
    return buf.reshape(h, stride)[:, : 4 * w].reshape(h, w, 4).copy()


def checkerboard_brush(cell: int = 8, light: str = "#3a3d42", dark: str = "#2c2f33") -> QBrush:
    """A tiling brush that shows transparent pixels the way image editors do."""
    tile = QPixmap(2 * cell, 2 * cell)
    tile.fill(QColor(light))
    painter = QPainter(tile)
    painter.fillRect(0, 0, cell, cell, QColor(dark))
    painter.fillRect(cell, cell, cell, cell, QColor(dark))
    painter.end()
    return QBrush(tile)


def thumbnail_pixmap(frame: np.ndarray, size: int, *, checker: bool = True) -> QPixmap:
    """A ``size`` x ``size`` pixmap of a frame, aspect kept, on a small checkerboard."""
    image = rgba_to_qimage(frame)
    scaled = image.scaled(QSize(size, size), Qt.AspectRatioMode.KeepAspectRatio,
                          Qt.TransformationMode.SmoothTransformation)
    pix = QPixmap(size, size)
    pix.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pix)
    if checker:
        painter.fillRect(0, 0, size, size, checkerboard_brush(max(3, size // 12)))
    painter.drawImage((size - scaled.width()) // 2, (size - scaled.height()) // 2, scaled)
    painter.end()
    return pix


def thumbnail_icon(frame: np.ndarray, size: int) -> QIcon:
    return QIcon(thumbnail_pixmap(frame, size))
