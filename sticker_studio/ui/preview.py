"""The sticker preview: plays at the sticker's real timing over a checkerboard.

Playback is driven by the wall clock, not by counting timer ticks: a single-shot
``QTimer`` wakes at the next frame boundary and the frame on screen is looked up
from elapsed time with ``Sticker.frame_index_at``. A late tick therefore never
slows the animation down, and per-frame durations (a 400 ms hold, a 20 ms blink)
play exactly as exported.

Under the picture a strip shows each frame as a segment as long as its duration,
the playhead, and the loop seam (last frame -> first frame) coloured by how big the
jump is, so an artist sees at once whether the loop closes cleanly.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, QPointF, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QSizePolicy, QWidget

from sticker_studio.core.sticker import Sticker
from sticker_studio.ui.image_convert import checkerboard_brush, rgba_to_qimage

STRIP_HEIGHT = 22
#: Mean absolute RGBA difference (0..1) of last vs first frame below which the loop
#: seam counts as smooth, and above which it is a visible jump.
SEAM_SMOOTH = 0.04
SEAM_JUMP = 0.12


def seam_difference(sticker: Sticker) -> float:
    """How different the last frame is from the first (0 = identical, 1 = opposite)."""
    if sticker.frame_count < 2:
        return 0.0
    a = sticker.frames[-1].astype(np.int16)
    b = sticker.frames[0].astype(np.int16)
    step = max(1, max(a.shape[:2]) // 128)  # a 128-px sample is plenty for a colour cue
    return float(np.abs(a[::step, ::step] - b[::step, ::step]).mean() / 255.0)


def seam_color(diff: float) -> QColor:
    if diff <= SEAM_SMOOTH:
        return QColor("#4cc38a")
    if diff <= SEAM_JUMP:
        return QColor("#e5b454")
    return QColor("#e5645c")


class PreviewWidget(QWidget):
    """Draws and plays one sticker. ``frame_changed(index)`` follows the playhead."""

    frame_changed = Signal(int)
    playing_changed = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, show_strip: bool = True) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self._sticker: Sticker | None = None
        self._images: list[QImage] = []
        self._index = 0
        self._playing = False
        self._zoom: float | None = None  # None = fit to the widget
        self._background = "checker"
        self._onion = False
        self._show_strip = show_strip
        self._seam = 0.0
        self._seam_flash = False
        self._checker = checkerboard_brush(10)
        self._clock = QElapsedTimer()
        self._clock_offset_ms = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._advance)
        self._flash_timer = QTimer(self)
        self._flash_timer.setSingleShot(True)
        self._flash_timer.timeout.connect(self._end_flash)

    # ------------------------------------------------------------------ content
    def set_sticker(self, sticker: Sticker | None) -> None:
        """Show ``sticker`` (kept by reference); call :meth:`refresh` after it changes."""
        self._sticker = sticker
        self.refresh()

    def sticker(self) -> Sticker | None:
        return self._sticker

    def refresh(self) -> None:
        """Re-read the frames of the current sticker (after an edit or undo)."""
        s = self._sticker
        self._images = [rgba_to_qimage(f) for f in s.frames] if s is not None else []
        from sticker_studio.core.pixelart import is_pixel_art

        self._pixel_art = s is not None and is_pixel_art(s.frames[:1], s.metadata)
        self._seam = seam_difference(s) if s is not None else 0.0
        if self._index >= len(self._images):
            self._index = max(0, len(self._images) - 1)
        if self._playing:
            if s is None:
                self.pause()  # e.g. switched to an empty pack while playing
            else:
                self._restart_clock()
        self.update()

    # ----------------------------------------------------------------- playback
    def is_playing(self) -> bool:
        return self._playing

    def play(self) -> None:
        if self._sticker is None or self._playing:
            return
        self._playing = True
        self._restart_clock()
        self.playing_changed.emit(True)

    def pause(self) -> None:
        if not self._playing:
            return
        self._playing = False
        self._timer.stop()
        self.playing_changed.emit(False)

    def toggle_playback(self) -> None:
        self.pause() if self._playing else self.play()

    def current_index(self) -> int:
        return self._index

    def set_frame(self, index: int) -> None:
        if not self._images:
            return
        index = max(0, min(len(self._images) - 1, int(index)))
        changed = index != self._index
        self._index = index
        if self._playing:
            self._restart_clock()
        self.update()
        if changed:
            self.frame_changed.emit(index)

    def step(self, delta: int) -> None:
        """Show the next/previous frame (wrapping) and pause, as editors do on arrows."""
        if not self._images:
            return
        self.pause()
        self.set_frame((self._index + delta) % len(self._images))

    def _restart_clock(self) -> None:
        assert self._sticker is not None
        self._clock_offset_ms = float(self._sticker.start_times_ms()[self._index])
        self._clock.start()
        self._schedule_next()

    def _elapsed_ms(self) -> float:
        return self._clock_offset_ms + self._clock.nsecsElapsed() / 1e6

    def _schedule_next(self) -> None:
        s = self._sticker
        if s is None or not self._playing:
            return
        total = max(1, s.total_duration_ms)
        t = self._elapsed_ms() % total
        start = s.start_times_ms()[self._index]
        remaining = start + s.durations_ms[self._index] - t
        self._timer.start(int(max(1.0, min(remaining, s.durations_ms[self._index]))))

    def _advance(self) -> None:
        s = self._sticker
        if s is None or not self._images:
            return
        new_index = s.frame_index_at(self._elapsed_ms())
        if new_index < self._index or (new_index == self._index and s.frame_count == 1):
            self._flash_seam()
        if new_index != self._index:
            self._index = new_index
            self.frame_changed.emit(new_index)
            self.update()
        self._schedule_next()

    def _flash_seam(self) -> None:
        self._seam_flash = True
        self._flash_timer.start(160)

    def _end_flash(self) -> None:
        self._seam_flash = False
        self.update()

    # ------------------------------------------------------------------ options
    def set_zoom(self, zoom: float | None) -> None:
        """``None`` fits the sticker to the widget; a number is a pixel scale."""
        self._zoom = zoom
        self.update()

    def zoom(self) -> float | None:
        return self._zoom

    def set_background(self, background: str) -> None:
        """``"checker"`` or a colour name such as ``"#ffffff"``."""
        self._background = background if background == "checker" or QColor(background).isValid() else "checker"
        self.update()

    def background(self) -> str:
        return self._background

    def set_onion_skin(self, on: bool) -> None:
        self._onion = bool(on)
        self.update()

    def onion_skin(self) -> bool:
        return self._onion

    def seam(self) -> float:
        return self._seam

    # ---------------------------------------------------------------- painting
    def sizeHint(self) -> QSize:
        return QSize(420, 420)

    def _picture_rect(self) -> QRectF:
        area = QRectF(self.rect()).adjusted(8, 8, -8, -8 - (STRIP_HEIGHT + 6 if self._show_strip else 0))
        if not self._images:
            return area
        w, h = self._images[0].width(), self._images[0].height()
        scale = self._zoom if self._zoom else min(area.width() / w, area.height() / h)
        scale = max(scale, 0.01)
        pw, ph = w * scale, h * scale
        return QRectF(area.center().x() - pw / 2, area.center().y() - ph / 2, pw, ph)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("#1e2023"))
        if not self._images:
            painter.setPen(QColor("#8a8f98"))
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "Drop an image or animation here,\nor type a prompt and Generate")
            painter.end()
            return
        target = self._picture_rect()
        painter.save()
        painter.setClipRect(QRectF(self.rect()).adjusted(4, 4, -4, -4))
        if self._background == "checker":
            painter.setBrushOrigin(target.topLeft())
            painter.fillRect(target, self._checker)
        else:
            painter.fillRect(target, QColor(self._background))
        smooth = (self._zoom or 1.0) < 1.0 or self._zoom is None
        if getattr(self, "_pixel_art", False) and target.width() >= self._images[0].width():
            smooth = False  # pixel art enlarged: crisp nearest-neighbour pixels, never blurred
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        if self._onion and len(self._images) > 1:
            painter.setOpacity(0.35)
            painter.drawImage(target, self._images[(self._index - 1) % len(self._images)])
            painter.setOpacity(1.0)
        painter.drawImage(target, self._images[self._index])
        painter.restore()
        if self._seam_flash:
            painter.setPen(QPen(seam_color(self._seam), 3))
            painter.drawRect(target.adjusted(-2, -2, 2, 2))
        if self._show_strip:
            self._paint_strip(painter)
        painter.end()

    def _paint_strip(self, painter: QPainter) -> None:
        s = self._sticker
        assert s is not None
        strip = QRectF(12, self.height() - STRIP_HEIGHT - 6, self.width() - 24, STRIP_HEIGHT)
        painter.fillRect(strip, QColor("#2a2d31"))
        total = max(1, s.total_duration_ms)
        x = strip.left()
        for i, d in enumerate(s.durations_ms):
            w = strip.width() * d / total
            seg = QRectF(x + 1, strip.top() + 4, max(1.0, w - 2), strip.height() - 8)
            painter.fillRect(seg, QColor("#5b8def") if i == self._index else QColor("#444950"))
            x += w
        # the loop seam: a marker at the end of the strip, green (smooth) to red (jump)
        color = seam_color(self._seam)
        pen = QPen(color, 3)
        painter.setPen(pen)
        painter.drawLine(QPointF(strip.right() - 1, strip.top()), QPointF(strip.right() - 1, strip.bottom()))
        painter.setPen(QColor("#c8ccd2"))
        seam = "smooth" if self._seam <= SEAM_SMOOTH else "jump" if self._seam > SEAM_JUMP else "slight"
        label = f"{s.frame_count} frames · {total / 1000:.2f} s · loop seam {seam}"
        painter.drawText(QRectF(12, strip.top() - 18, self.width() - 24, 16),
                         Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
        painter.setPen(QColor("#c8ccd2"))
        painter.drawText(QRectF(12, strip.top() - 18, self.width() - 24, 16),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                         f"frame {self._index + 1} · {s.durations_ms[self._index]} ms")

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier and self._images:
            current = self._zoom or (self._picture_rect().width() / self._images[0].width())
            factor = 1.25 if event.angleDelta().y() > 0 else 0.8
            self.set_zoom(max(0.1, min(16.0, current * factor)))
            event.accept()
            return
        super().wheelEvent(event)


class PreviewPanel(QWidget):
    """The preview with its transport and view controls underneath."""

    #: background or onion skin changed (read them from ``preview``)
    view_options_changed = Signal()

    ZOOMS: tuple[tuple[str, float | None], ...] = (
        ("Fit", None), ("50%", 0.5), ("100%", 1.0), ("200%", 2.0), ("400%", 4.0))
    BACKGROUNDS: tuple[tuple[str, str], ...] = (
        ("Checkerboard", "checker"), ("White", "#ffffff"), ("Light grey", "#e9e9ea"),
        ("Dark", "#17191c"), ("Telegram blue", "#8fb9d9"), ("WhatsApp beige", "#efe7dd"))

    def __init__(self, parent: QWidget | None = None) -> None:
        from PySide6.QtWidgets import QCheckBox, QComboBox, QHBoxLayout, QStyle, QToolButton, QVBoxLayout

        super().__init__(parent)
        self.preview = PreviewWidget(self)
        style = self.style()
        self.prev_button = QToolButton(self)
        self.prev_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward))
        self.prev_button.setToolTip("Previous frame (Left)")
        self.play_button = QToolButton(self)
        self.play_button.setToolTip("Play / pause (Space)")
        self.next_button = QToolButton(self)
        self.next_button.setIcon(style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward))
        self.next_button.setToolTip("Next frame (Right)")
        self.zoom_box = QComboBox(self)
        for label, value in self.ZOOMS:
            self.zoom_box.addItem(label, value)
        self.zoom_box.setToolTip("Zoom (Ctrl + wheel on the preview)")
        self.background_box = QComboBox(self)
        for bg_label, bg_value in self.BACKGROUNDS:
            self.background_box.addItem(bg_label, bg_value)
        self.background_box.setToolTip("Preview background (not exported)")
        self.onion_box = QCheckBox("Onion skin", self)
        self.onion_box.setToolTip("Show the previous frame faintly under the current one")

        row = QHBoxLayout()
        row.setContentsMargins(8, 0, 8, 4)
        row.setSpacing(6)
        for w in (self.prev_button, self.play_button, self.next_button):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.onion_box)
        row.addWidget(self.background_box)
        row.addWidget(self.zoom_box)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(self.preview, 1)
        layout.addLayout(row)

        self.prev_button.clicked.connect(lambda: self.preview.step(-1))
        self.next_button.clicked.connect(lambda: self.preview.step(1))
        self.play_button.clicked.connect(self.preview.toggle_playback)
        self.preview.playing_changed.connect(self._update_play_icon)
        self.zoom_box.currentIndexChanged.connect(lambda i: self.preview.set_zoom(self.zoom_box.itemData(i)))
        self.background_box.currentIndexChanged.connect(
            lambda i: self.preview.set_background(self.background_box.itemData(i)))
        self.onion_box.toggled.connect(self.preview.set_onion_skin)
        self.background_box.currentIndexChanged.connect(lambda _i: self.view_options_changed.emit())
        self.onion_box.toggled.connect(lambda _on: self.view_options_changed.emit())
        self._update_play_icon(False)

    def _update_play_icon(self, playing: bool) -> None:
        from PySide6.QtWidgets import QStyle

        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))

    def set_onion_skin(self, on: bool) -> None:
        self.onion_box.setChecked(on)

    def set_background(self, background: str) -> None:
        for i in range(self.background_box.count()):
            if self.background_box.itemData(i) == background:
                self.background_box.setCurrentIndex(i)
                return
        self.background_box.addItem(background, background)
        self.background_box.setCurrentIndex(self.background_box.count() - 1)
