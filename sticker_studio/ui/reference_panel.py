"""The reference panel: a drawing or animation to start from.

Drop a file from the file manager, open one, or paste from the clipboard. With a
reference in place, "Animate with motion preset" makes a new sticker with no model at
all (``core.motion``), previewed live on a small copy; "Generate from this image"
asks the generator for an image-to-animation.

A drawing without useful alpha (a JPEG on paper) has its background removed first:
the "Background" choice says how (model / colour key / line art / none), the
thumbnail shows the cut-out on a checkerboard, and "Show original" the image as given.
Clicking the cut-out thumbnail asks (``region_clicked``) to flip the region under the
click: an enclosed white region (on white paper a hole and a white belly differ only by
meaning) or paper-coloured area the cut-out kept (a white body without an outline — or a
white blob around a glow, soft paper shading).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QPoint, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from sticker_studio.core.errors import StickerStudioError
from sticker_studio.core.imageops import fit_into_canvas
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.matting.cutout import Background
from sticker_studio.ui.image_convert import thumbnail_pixmap
from sticker_studio.ui.motion_gallery import CharacterSection
from sticker_studio.ui.preview import PreviewWidget
from sticker_studio.ui.state.motion import ANIMATE_MAX_SIDE, PRESET_EASING, MotionChoice
from sticker_studio.ui.state.reference import PREVIEW_SIDE
from sticker_studio.ui.timeline import local_paths
from sticker_studio.ui.widgets import double_spin_box, section_column, spin_box, tool_button

LIVE_PREVIEW_SIDE = PREVIEW_SIDE  # the session makes the small copy at this side, off the GUI thread
THUMBNAIL_SIDE = LIVE_PREVIEW_SIDE - 16
FLIP_HINT = "Click a white region, a hole or kept paper to keep or remove it"
CLOSE_CALL_HINT = "Striped regions were close calls: check them, click to flip"
#: the stripes over close-call regions in the thumbnail (colour, period in thumbnail pixels)
CLOSE_CALL_COLOUR = (255, 140, 0)
CLOSE_CALL_PERIOD = 6


def striped(frame: np.ndarray, mask: np.ndarray, scale: float) -> np.ndarray:
    """``frame`` (RGBA) with diagonal stripes over ``mask``, ``CLOSE_CALL_PERIOD`` thumbnail pixels apart
    (``scale`` = thumbnail pixels per frame pixel), so they stay visible at any size."""
    h, w = mask.shape
    yy, xx = np.mgrid[0:h, 0:w]
    period = max(2.0, CLOSE_CALL_PERIOD / max(scale, 1e-6))
    on = mask & (((xx + yy) % period) < period / 2)
    out = frame.copy()
    out[on, :3] = CLOSE_CALL_COLOUR
    out[on, 3] = 255
    return out


def _easing_names() -> list[str]:
    try:
        from sticker_studio.core.motion.poses import EASINGS
    except ImportError:  # the motion module is not in this build
        return []
    return list(EASINGS)


def _row(*widgets: QWidget) -> QHBoxLayout:
    row = QHBoxLayout()
    row.setSpacing(6)
    for w in widgets:
        row.addWidget(w, 1)
    return row


class ThumbnailLabel(QLabel):
    """The reference thumbnail; a left click on the picture emits ``pixel_clicked(x, y)`` in
    the shown image's pixel coordinates (the thumbnail is scaled and centred in the label)."""

    pixel_clicked = Signal(int, int)

    def __init__(self, text: str, parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._image_size: tuple[int, int] | None = None  # (width, height) of the shown image

    def set_image_size(self, size: tuple[int, int] | None) -> None:
        """The (width, height) of the image the thumbnail shows; None when it shows none."""
        self._image_size = size

    def image_rect(self) -> QRectF | None:
        """Where the picture lies in the label (the thumbnail keeps the aspect, centred)."""
        if self._image_size is None:
            return None
        w, h = self._image_size
        scale = THUMBNAIL_SIDE / max(w, h)
        pw, ph = w * scale, h * scale
        left = (self.width() - THUMBNAIL_SIDE) / 2 + (THUMBNAIL_SIDE - pw) / 2
        top = (self.height() - THUMBNAIL_SIDE) / 2 + (THUMBNAIL_SIDE - ph) / 2
        return QRectF(left, top, pw, ph)

    def pixel_at(self, pos: QPointF) -> tuple[int, int] | None:
        """The image pixel under ``pos`` (label coordinates); None off the picture."""
        rect = self.image_rect()
        if rect is None or self._image_size is None or not rect.contains(pos):
            return None
        w, h = self._image_size
        x = int((pos.x() - rect.left()) * w / rect.width())
        y = int((pos.y() - rect.top()) * h / rect.height())
        return min(x, w - 1), min(y, h - 1)

    def point_of(self, x: int, y: int) -> QPoint:
        """The label point that shows image pixel (``x``, ``y``) (its centre): the inverse of :meth:`pixel_at`."""
        rect = self.image_rect()
        if rect is None or self._image_size is None:
            return QPoint()
        w, h = self._image_size
        return QPoint(int(rect.left() + (x + 0.5) * rect.width() / w), int(rect.top() + (y + 0.5) * rect.height() / h))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        pixel = self.pixel_at(event.position()) if event.button() == Qt.MouseButton.LeftButton else None
        if pixel is None:
            super().mousePressEvent(event)
            return
        event.accept()
        self.pixel_clicked.emit(*pixel)


class ReferenceDropArea(QFrame):
    """A framed thumbnail that accepts dropped files."""

    files_dropped = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropArea")
        self.setAcceptDrops(True)
        self.setMinimumHeight(LIVE_PREVIEW_SIDE)
        self.label = ThumbnailLabel("Drop a drawing here\nor paste (Ctrl+V)", self)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setObjectName("dropHint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.label)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
            self.setProperty("hover", True)
            self.style().polish(self)
        else:
            event.ignore()

    def dragLeaveEvent(self, event) -> None:
        self.setProperty("hover", False)
        self.style().polish(self)

    def dropEvent(self, event: QDropEvent) -> None:
        self.setProperty("hover", False)
        self.style().polish(self)
        paths = local_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.files_dropped.emit(paths)


class ReferencePanel(QWidget):
    """Reference image + motion presets with a live preview."""

    files_dropped = Signal(list)                      # paths
    open_requested = Signal()
    paste_requested = Signal()
    animate_requested = Signal(object)                # MotionChoice
    choice_changed = Signal(object)                   # MotionChoice (any motion setting changed)
    generate_from_image_requested = Signal()
    background_method_changed = Signal(str)           # a Background's value
    region_clicked = Signal(int, int)                 # x, y: a reference pixel whose region is to flip

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._reference: Sticker | None = None
        self._reference_name = ""
        self._info_text = ""
        self._small: np.ndarray | None = None  # the reference's first frame in the live preview's square
        self._original: Sticker | None = None
        self._close_calls: np.ndarray | None = None  # (H, W) bool: regions decided by a small margin
        self.drop_area = ReferenceDropArea(self)
        self.drop_area.files_dropped.connect(self.files_dropped)
        self.drop_area.label.pixel_clicked.connect(self._thumbnail_clicked)
        self.open_button = tool_button(self, "Open…", icon=QStyle.StandardPixmap.SP_DialogOpenButton,
                                       text_beside_icon=True)
        self.open_button.clicked.connect(self.open_requested)
        self.paste_button = tool_button(self, "Paste")
        self.paste_button.clicked.connect(self.paste_requested)
        self.info = QLabel("", self)
        self.info.setObjectName("dimLabel")
        self.info.setWordWrap(False)
        #: shown (an endless bar) while the reference is being cut out on a worker
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setRange(0, 0)
        self.busy_bar.setMaximumHeight(6)
        self.busy_bar.setTextVisible(False)
        self.busy_bar.setToolTip("Cutting out the background…")
        self.busy_bar.setVisible(False)

        self.background_box = QComboBox(self)
        for method in Background:
            self.background_box.addItem(method.label, method.value)
        self.background_box.setToolTip("How the drawing's background is removed before it is animated "
                                       "(only for images without transparency)")
        self.background_box.currentIndexChanged.connect(
            lambda *_: self.background_method_changed.emit(self.background_method()))
        self.original_button = tool_button(
            self, "Show original", checkable=True,
            tooltip="Show the image as it was given instead of the cut-out that is animated")
        self.original_button.toggled.connect(lambda *_: self._show_thumbnail())
        self.original_button.toggled.connect(lambda *_: self._update_flip_hint())

        self.preset_box = QComboBox(self)
        self.frames_spin = spin_box(self, 2, 48, value=16)
        self.fps_spin = double_spin_box(self, 1.0, 30.0, value=16.0, suffix=" fps")
        self.amplitude_spin = double_spin_box(
            self, 0.1, 3.0, value=1.0, step=0.1,
            tooltip="How big the motion is (1 = the preset's own size), like animate --amplitude")
        self.speed_spin = double_spin_box(
            self, 0.25, 4.0, value=1.0, step=0.25, prefix="speed ×",
            tooltip="How fast (2 = twice the cycles per second), like animate --speed")
        self.easing_box = QComboBox(self)
        self.easing_box.addItem("preset's easing", PRESET_EASING)
        for name in _easing_names():
            self.easing_box.addItem(name, name)
        self.easing_box.setToolTip("Easing curve of the motion, like animate --easing")
        self.size_spin = spin_box(self, 0, 1024, step=32, special_text="drawing's size", suffix=" px",
                                  tooltip="Square output side in pixels, like animate --size "
                                          f"(lowest: the drawing's size, at most {ANIMATE_MAX_SIDE})")
        self.live = PreviewWidget(self, show_strip=False)
        self.live.setFixedSize(LIVE_PREVIEW_SIDE, LIVE_PREVIEW_SIDE)
        self.live.setToolTip("Live preview of the motion")
        self.animate_button = QPushButton("Animate with motion preset", self)
        self.animate_button.setObjectName("primaryButton")
        self.animate_button.setToolTip("Make a new sticker from the reference with this motion (no model needed)")
        self.animate_button.clicked.connect(self._emit_animate)
        self.generate_button = QPushButton("Generate from this image", self)
        self.generate_button.setToolTip("Ask the model to animate the reference (uses the prompt too)")
        self.generate_button.clicked.connect(self.generate_from_image_requested)
        self.preset_error = QLabel("", self)
        self.preset_error.setObjectName("panelMessage")
        self.preset_error.setWordWrap(True)
        self.preset_error.setVisible(False)
        # the reference's rig and the character motions playing on it (issue 22); the window
        # lays it out (in the centre column: this column has no room for it at 1280x800)
        self.character = CharacterSection()
        self.character.gallery.motion_chosen.connect(self._character_chosen)
        self.character.gallery.animate_requested.connect(self._animate_character)
        self.character.gallery.thumbnail_arrived.connect(
            lambda name: self.update_live_preview() if name == self.character.motion() else None)
        self.character.body_layer_box.toggled.connect(lambda *_: self._character_chosen(self.character.motion()))

        self._live_timer = QTimer(self)
        self._live_timer.setSingleShot(True)
        self._live_timer.setInterval(120)
        self._live_timer.timeout.connect(self.update_live_preview)
        for signal in (self.preset_box.currentIndexChanged, self.frames_spin.valueChanged,
                       self.fps_spin.valueChanged, self.amplitude_spin.valueChanged,
                       self.speed_spin.valueChanged, self.easing_box.currentIndexChanged):
            signal.connect(lambda *_: self._live_timer.start())
        self.preset_box.currentIndexChanged.connect(self._preset_changed)
        self._load_presets()

        for signal in (self.preset_box.currentIndexChanged, self.frames_spin.valueChanged,
                       self.fps_spin.valueChanged, self.amplitude_spin.valueChanged,
                       self.speed_spin.valueChanged, self.easing_box.currentIndexChanged,
                       self.size_spin.valueChanged):
            signal.connect(lambda *_: self.choice_changed.emit(self.choice()))

        tools = QHBoxLayout()
        tools.addWidget(self.open_button)
        tools.addWidget(self.paste_button)
        tools.addStretch(1)
        tools.addWidget(self.info)
        tools.addWidget(self.busy_bar)
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.drop_area, 1)
        top.addWidget(self.live)
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setVerticalSpacing(6)
        form.addRow("Background", _row(self.background_box, self.original_button))
        form.addRow("Motion", self.preset_box)
        form.addRow("Frames", _row(self.frames_spin, self.fps_spin))
        form.addRow("Amplitude", _row(self.amplitude_spin, self.speed_spin))
        form.addRow("Easing · size", _row(self.easing_box, self.size_spin))  # one row: fits 1280×800
        layout = section_column(self, "Reference")
        layout.addLayout(top)
        layout.addLayout(tools)
        layout.addLayout(form)
        layout.addWidget(self.animate_button)
        layout.addWidget(self.generate_button)
        layout.addWidget(self.preset_error)
        self._update_enabled()

    # ------------------------------------------------------------ presets
    def _load_presets(self) -> None:
        try:
            from sticker_studio.core.motion.presets import list_presets
        except ImportError:  # the motion module is not in this build
            self.preset_box.addItem("(motion presets unavailable)", "")
            return
        for preset in list_presets():
            self.preset_box.addItem(preset.name, preset.name)
            self.preset_box.setItemData(self.preset_box.count() - 1, getattr(preset, "description", ""),
                                        Qt.ItemDataRole.ToolTipRole)

    def _preset_changed(self, index: int) -> None:
        try:
            from sticker_studio.core.motion.presets import PRESETS
        except ImportError:
            return
        preset = PRESETS.get(self.preset_box.itemData(index) or "")
        if preset is None:
            return
        if self.character.motion():
            if self.character.body_layer():
                self._update_enabled()
                return  # the preset is a layer: the character motion's timing stays
            self.character.set_motion("")  # a preset chosen instead of the character motion
        self.frames_spin.setValue(preset.frames)
        self.fps_spin.setValue(float(preset.fps))

    def preset_name(self) -> str:
        return str(self.preset_box.currentData() or "")

    def set_preset(self, name: str) -> bool:
        """Choose the preset called ``name``; False (nothing changes) when there is none."""
        i = self.preset_box.findData(name)
        if i >= 0:
            self.preset_box.setCurrentIndex(i)
        return i >= 0

    def choice(self) -> MotionChoice:
        """The motion settings as the user left them."""
        return MotionChoice(preset=self.preset_name(), frames=int(self.frames_spin.value()),
                            fps=float(self.fps_spin.value()), amplitude=float(self.amplitude_spin.value()),
                            speed=float(self.speed_spin.value()), easing=str(self.easing_box.currentData() or ""),
                            size=int(self.size_spin.value()), character=self.character.motion(),
                            body_layer=self.character.body_layer())

    def set_choice(self, choice: MotionChoice) -> None:
        """Show ``choice`` (e.g. the one saved when the app closed); unknown values keep the defaults."""
        if not self.set_preset(choice.preset):
            return
        self.frames_spin.setValue(choice.frames)  # after the preset, whose defaults it overrides
        self.fps_spin.setValue(choice.fps)
        self.amplitude_spin.setValue(choice.amplitude)
        self.speed_spin.setValue(choice.speed)
        i = self.easing_box.findData(choice.easing)
        self.easing_box.setCurrentIndex(max(0, i))
        self.size_spin.setValue(choice.size)
        self.character.set_motion(choice.character, choice.body_layer)

    # ---------------------------------------------------------- reference
    def set_busy(self, busy: bool) -> None:
        """Show (or hide) that the reference is being cut out; the panel stays usable meanwhile."""
        self.busy_bar.setVisible(busy)
        if busy:
            self.info.setText("Cutting out…")
        else:
            self.info.setText(self._info_text)

    def is_busy(self) -> bool:
        return not self.busy_bar.isHidden()

    def reference(self) -> Sticker | None:
        return self._reference

    def reference_name(self) -> str:
        return self._reference_name

    def original(self) -> Sticker | None:
        """The reference as given, before its background was removed (or the reference itself)."""
        return self._original if self._original is not None else self._reference

    def background_method(self) -> str:
        return str(self.background_box.currentData() or "")

    def set_background_method(self, method: Background | str) -> None:
        """Show ``method`` as the background choice without asking for it again."""
        i = self.background_box.findData(Background.parse(method).value)
        if i >= 0 and i != self.background_box.currentIndex():
            self.background_box.blockSignals(True)
            self.background_box.setCurrentIndex(i)
            self.background_box.blockSignals(False)

    def set_reference(self, sticker: Sticker | None, name: str = "", original: Sticker | None = None,
                      close_calls: np.ndarray | None = None, small: np.ndarray | None = None) -> None:
        """Show ``sticker`` (the cut-out that is animated) as the reference, and ``original``
        (as given) behind "Show original"; the session holds the real ones and calls this.
        ``close_calls`` (H, W) bool marks regions whose keep/remove was a close call (striped).
        ``small``: the first frame already fitted into the live preview's square (made off the GUI
        thread); without it the panel makes it (once per reference)."""
        self._reference = sticker
        self._small = small if small is not None and small.shape[:2] == (LIVE_PREVIEW_SIDE,) * 2 else None
        self._original = original
        self._close_calls = close_calls if close_calls is not None and close_calls.any() else None
        self._reference_name = name
        if sticker is None:
            self.drop_area.label.setPixmap(thumbnail_pixmap(np.zeros((1, 1, 4), np.uint8), 1))
            self.drop_area.label.setText("Drop a drawing here\nor paste (Ctrl+V)")
            self.drop_area.label.set_image_size(None)
            self._info_text = ""
            self.info.setText("")
            self.info.setToolTip("")
            self.drop_area.setToolTip("")
        else:
            frames = f" · {sticker.frame_count} frames" if sticker.frame_count > 1 else ""
            close = " · check striped regions" if self._close_calls is not None else ""
            self._info_text = f"{sticker.width}×{sticker.height}{frames}{close}"
            self.info.setText(self._info_text)
            described = f"{Path(name).name or 'pasted'} · {sticker.width}×{sticker.height}{frames}"
            self.info.setToolTip(described)
            self._show_thumbnail()
        self._update_flip_hint()
        self._update_enabled()
        self.update_live_preview()

    def _show_thumbnail(self) -> None:
        original = self.original_button.isChecked()
        shown = self.original() if original else self._reference
        if shown is not None:
            frame = shown.frames[0]
            mask = self._close_calls
            if not original and mask is not None and mask.shape == frame.shape[:2]:
                frame = striped(frame, mask, THUMBNAIL_SIDE / max(frame.shape[:2]))
            self.drop_area.label.setPixmap(thumbnail_pixmap(frame, THUMBNAIL_SIDE))
            self.drop_area.label.set_image_size(shown.size)

    def flips_regions(self) -> bool:
        """Whether a click on the thumbnail asks to flip a region: a cut-out is shown, not the original."""
        cut = self._original is not None and self._original is not self._reference
        return self._reference is not None and cut and not self.original_button.isChecked()

    def _update_flip_hint(self) -> None:
        """The thumbnail's tooltip and cursor say when a click flips a region."""
        described = self.info.toolTip()
        flips = self.flips_regions()
        hint = FLIP_HINT if self._close_calls is None else f"{FLIP_HINT}\n{CLOSE_CALL_HINT}"
        self.drop_area.setToolTip(f"{described}\n{hint}" if flips and described else described)
        label = self.drop_area.label
        if flips:
            label.setCursor(Qt.CursorShape.PointingHandCursor)
        else:
            label.unsetCursor()

    def _thumbnail_clicked(self, x: int, y: int) -> None:
        """A click on the thumbnail at reference pixel (``x``, ``y``): ask to flip the region there."""
        if self.flips_regions():
            self.region_clicked.emit(x, y)

    def _character_chosen(self, name: str) -> None:
        """A gallery motion was chosen ("" : back to the motion preset): its timing, the button, the preview."""
        from sticker_studio.core.puppet.motions import find_character_motion

        motion = find_character_motion(name) if name else None
        if motion is not None and not self.character.body_layer():
            self.frames_spin.setValue(min(motion.frames, self.frames_spin.maximum()))
            self.fps_spin.setValue(float(motion.fps))
        self._update_enabled()
        self.update_live_preview()
        self.choice_changed.emit(self.choice())

    def _animate_character(self, name: str) -> None:
        if self._reference is not None:
            self.animate_requested.emit(self.choice())

    def _update_enabled(self) -> None:
        character = self.character.motion()
        if character:
            layer = f" + {self.preset_name()}" if self.character.body_layer() and self.preset_name() else ""
            self.animate_button.setText(f"Animate “{character}”{layer}")
        else:
            self.animate_button.setText("Animate with motion preset")
        has = self._reference is not None and bool(self.preset_name() or character)
        self.animate_button.setEnabled(has)
        self.generate_button.setEnabled(self._reference is not None)
        self.original_button.setEnabled(self._original is not None and self._original is not self._reference)

    def update_live_preview(self) -> None:
        """Animate a small copy of the reference so the choice shows at once."""
        if self._reference is None or not (self.preset_name() or self.character.motion()):
            self.live.set_sticker(None)
            return
        if self.character.motion():  # the gallery's thumbnail of the chosen character motion
            self.preset_error.setVisible(False)
            self.live.set_sticker(self.character.gallery.sticker(self.character.motion()))
            self.live.play()
            return
        if self._small is None:
            self._small = fit_into_canvas(self._reference.frames[0], LIVE_PREVIEW_SIDE, LIVE_PREVIEW_SIDE)
        small = self._small
        try:
            from sticker_studio.core.motion.presets import animate

            kwargs = self.choice().animate_kwargs(LIVE_PREVIEW_SIDE)
            kwargs["size"] = None  # the small copy's own size
            sticker = animate(small, self.preset_name(), **kwargs)
        except (StickerStudioError, ImportError) as error:
            self.preset_error.setText(str(error))
            self.preset_error.setVisible(True)
            self.live.set_sticker(None)
            return
        self.preset_error.setVisible(False)
        self.live.set_sticker(sticker)
        self.live.play()

    def _emit_animate(self) -> None:
        self.animate_requested.emit(self.choice())
