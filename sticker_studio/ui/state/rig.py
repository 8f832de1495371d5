"""The rig of the current reference drawing, without widgets (issue 22).

:class:`RigState` holds the puppet rig (``core.puppet``) of the reference the session
shows: when the reference changes (after its cut-out) it brings back the rig saved for
that drawing, or proposes one with :func:`~sticker_studio.engine.rig.auto.auto_rig` (the rig network + geometry),
always on a worker thread so the window never freezes. The user's fixes -- a joint or an
eye dragged, a limb added or removed, the whole rig proposed again -- are undo steps on
the reference's ``QUndoStack`` and are saved at once beside the reference in the user
data dir (``rigs/<hash of the drawing>.rig.json`` and its part map), so the same drawing
comes back with the same rig after a restart.

It also renders the motion gallery: every character motion the rig supports, played on
*this* drawing at thumbnail size, on a worker, one motion at a time (``wave`` and
``blink`` first), each reported as soon as it is done; a newer request (another rig, an
edit) cancels the older one. And it makes the full-size character sticker when the user
animates with a character motion.

The rig edits themselves (:func:`moved_joint`, :func:`with_limb`, ...) are plain
functions on :class:`~sticker_studio.core.puppet.rig.Rig` values.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoStack
from scipy import ndimage

from sticker_studio import paths
from sticker_studio.core.errors import CancelledError, StickerStudioError
from sticker_studio.core.puppet.rig import PART_JOINTS, PART_NAMES, Ellipse, Joint, Rig, RigError, load_rig, save_rig
from sticker_studio.core.sticker import Sticker
from sticker_studio.ui.state.motion import ANIMATE_MAX_SIDE, MotionChoice
from sticker_studio.ui.state.undo import ChangeCommand

log = logging.getLogger(__name__)

#: Folder (under the user data dir) of the rigs saved for reference drawings.
RIG_FOLDER = Path("rigs")
#: Longer side of the drawing the gallery's thumbnails are rendered from.
GALLERY_SIDE = 96
#: Motions rendered first in the gallery (the ones a new user tries first).
GALLERY_FIRST = ("wave", "blink")
#: Wait after a rig change before re-rendering the gallery (a burst of edits renders once).
GALLERY_DELAY_MS = 250

#: What the user calls each limb (``_l`` is the viewer's left, as in the rig).
LIMB_LABELS: dict[str, str] = {
    "arm_l": "left arm", "arm_r": "right arm", "leg_l": "left leg", "leg_r": "right leg",
    "tail": "tail", "ear_l": "left ear", "ear_r": "right ear",
}
FEATURE_LABELS: dict[str, str] = {"eye_l": "left eye", "eye_r": "right eye", "mouth": "mouth"}
#: The part a limb's pixels go back to when it is removed, and the joint it hangs from.
LIMB_PARENT_PART: dict[str, str] = {"arm_l": "body", "arm_r": "body", "leg_l": "body", "leg_r": "body",
                                    "tail": "body", "ear_l": "head", "ear_r": "head"}
LIMB_ANCHORS: dict[str, tuple[str, ...]] = {
    "arm_l": ("chest", "neck", "root"), "arm_r": ("chest", "neck", "root"),
    "leg_l": ("pelvis", "root"), "leg_r": ("pelvis", "root"), "tail": ("pelvis", "root"),
    "ear_l": ("head", "head_top", "root"), "ear_r": ("head", "head_top", "root"),
}


# ---------------------------------------------------------------- rig values
def reference_key(frame: np.ndarray) -> str:
    """A name for a drawing that changes when any of its pixels does (its saved rig's file name)."""
    arr = np.ascontiguousarray(frame, dtype=np.uint8)
    digest = hashlib.sha1(f"{arr.shape}".encode())
    digest.update(arr.tobytes())
    return digest.hexdigest()[:20]


def rig_path(key: str) -> Path:
    """Where the rig of the drawing ``key`` is kept."""
    return paths.user_data_dir() / RIG_FOLDER / f"{key}.rig.json"


def scale_rig(rig: Rig, width: int, height: int) -> Rig:
    """``rig`` for the same drawing resized to ``width`` x ``height`` (joints, eyes, mouth and parts)."""
    sx, sy = width / rig.width, height / rig.height
    parts = None
    if rig.parts is not None:
        parts = np.asarray(Image.fromarray(rig.parts).resize((width, height), Image.Resampling.NEAREST))
    joints = {n: Joint(j.x * sx, j.y * sy, j.confidence) for n, j in rig.joints.items()}
    face = {n: Ellipse(e.cx * sx, e.cy * sy, max(0.5, e.rx * sx), max(0.5, e.ry * sy)) for n, e in rig.face.items()}
    return Rig(width, height, joints, face, rig.plan, parts, rig.source)


def fit_drawing(frame: np.ndarray, rig: Rig, side: int) -> tuple[np.ndarray, Rig]:
    """The drawing and its rig scaled down so the longer side is at most ``side`` (as they are when smaller)."""
    h, w = frame.shape[:2]
    if max(w, h) <= side:
        return frame, rig
    scale = side / max(w, h)
    nw, nh = max(1, round(w * scale)), max(1, round(h * scale))
    small = np.asarray(Image.fromarray(frame).resize((nw, nh), Image.Resampling.LANCZOS)).copy()
    return small, scale_rig(rig, nw, nh)


def crop_to_subject(frame: np.ndarray, rig: Rig, margin: float = 0.04) -> tuple[np.ndarray, Rig]:
    """The drawing cut to its subject's box (plus ``margin`` of its longer side) and the rig moved with it."""
    ys, xs = np.nonzero(frame[..., 3] > 0)
    if len(xs) == 0:
        return frame, rig
    h, w = frame.shape[:2]
    pad = int(round(margin * max(np.ptp(xs) + 1, np.ptp(ys) + 1)))
    x0, y0 = max(0, int(xs.min()) - pad), max(0, int(ys.min()) - pad)
    x1, y1 = min(w, int(xs.max()) + 1 + pad), min(h, int(ys.max()) + 1 + pad)
    if (x0, y0, x1, y1) == (0, 0, w, h):
        return frame, rig
    joints = {n: Joint(j.x - x0, j.y - y0, j.confidence) for n, j in rig.joints.items()}
    face = {n: Ellipse(e.cx - x0, e.cy - y0, e.rx, e.ry) for n, e in rig.face.items()}
    parts = rig.parts[y0:y1, x0:x1].copy() if rig.parts is not None else None
    return frame[y0:y1, x0:x1].copy(), Rig(x1 - x0, y1 - y0, joints, face, rig.plan, parts, rig.source)


def _copy(rig: Rig, **changes: Any) -> Rig:
    parts = rig.parts.copy() if rig.parts is not None else None
    new = replace(rig, joints=dict(rig.joints), face=dict(rig.face), parts=parts, source="user")
    for key, value in changes.items():
        setattr(new, key, value)
    return new


def _clamp(rig: Rig, x: float, y: float) -> tuple[float, float]:
    return float(min(max(x, 0.0), rig.width - 1.0)), float(min(max(y, 0.0), rig.height - 1.0))


def moved_joint(rig: Rig, name: str, x: float, y: float) -> Rig:
    """``rig`` with joint ``name`` at (``x``, ``y``) (kept on the drawing), set by the user (confidence 1)."""
    if name not in rig.joints:
        raise RigError(f"the rig has no joint {name!r}")
    new = _copy(rig)
    new.joints[name] = Joint(*_clamp(rig, x, y), 1.0)
    if name == "root" and "pelvis" in new.joints and _near(rig.joints["root"], rig.joints["pelvis"]):
        new.joints["pelvis"] = Joint(*_clamp(rig, x, y), 1.0)  # root is the pelvis on legged characters
    return new


def _near(a: Joint, b: Joint) -> bool:
    return abs(a.x - b.x) < 0.5 and abs(a.y - b.y) < 0.5


def moved_feature(rig: Rig, name: str, x: float, y: float) -> Rig:
    """``rig`` with the eye or mouth ``name`` centred on (``x``, ``y``)."""
    if name not in rig.face:
        raise RigError(f"the rig has no {FEATURE_LABELS.get(name, name)}")
    e = rig.face[name]
    new = _copy(rig)
    cx, cy = _clamp(rig, x, y)
    new.face[name] = Ellipse(cx, cy, e.rx, e.ry)
    return new


def resized_feature(rig: Rig, name: str, rx: float, ry: float) -> Rig:
    """``rig`` with the eye or mouth ``name`` given radii ``rx``, ``ry`` (at least a pixel, at most the drawing)."""
    if name not in rig.face:
        raise RigError(f"the rig has no {FEATURE_LABELS.get(name, name)}")
    e = rig.face[name]
    new = _copy(rig)
    new.face[name] = Ellipse(e.cx, e.cy, float(min(max(rx, 1.0), rig.width)), float(min(max(ry, 1.0), rig.height)))
    return new


def present_limbs(rig: Rig) -> list[str]:
    """The limbs the rig has (any of their joints)."""
    return [p for p in LIMB_LABELS if any(j in rig.joints for j in PART_JOINTS[p])]


def missing_limbs(rig: Rig) -> list[str]:
    return [p for p in LIMB_LABELS if p not in present_limbs(rig)]


def without_limb(rig: Rig, part: str) -> Rig:
    """``rig`` without limb ``part``: its joints go, its pixels join the part it hung from."""
    if part not in LIMB_LABELS:
        raise RigError(f"{part!r} is not a limb; limbs are: {', '.join(LIMB_LABELS)}")
    new = _copy(rig)
    for j in PART_JOINTS[part]:
        new.joints.pop(j, None)
    if new.parts is not None:
        new.parts[new.parts == PART_NAMES.index(part) + 1] = PART_NAMES.index(LIMB_PARENT_PART[part]) + 1
    return new


def _anchor(rig: Rig, part: str) -> np.ndarray:
    for name in LIMB_ANCHORS[part]:
        if name in rig.joints:
            return rig.xy(name)
    return np.array([rig.width / 2.0, rig.height / 2.0])


def with_limb(rig: Rig, part: str, x: float, y: float, alpha: np.ndarray | None = None) -> Rig:
    """``rig`` with limb ``part`` reaching to (``x``, ``y``) (the hand, foot or tip): its base sits
    where the line from the body's (or head's) centre leaves the thick of the drawing, its
    middle joint halfway; the pixels nearest its bones (and not nearer another bone) become
    the limb's. ``alpha`` (H, W) is the drawing's alpha (the subject), for the base and the pixels."""
    if part not in LIMB_LABELS:
        raise RigError(f"{part!r} is not a limb; limbs are: {', '.join(LIMB_LABELS)}")
    if part in present_limbs(rig):
        raise RigError(f"the rig already has a {LIMB_LABELS[part]}; drag its joints instead")
    tip = np.array(_clamp(rig, x, y))
    anchor = _anchor(rig, part)
    mask = alpha > 127 if alpha is not None else None
    base = anchor + 0.35 * (tip - anchor)
    if mask is not None and mask.any():
        edt = ndimage.distance_transform_edt(mask)
        ax, ay = np.clip(np.round(anchor).astype(int), 0, [rig.width - 1, rig.height - 1])
        reach = float(edt[ay, ax])  # the body's half-width at its centre
        span = float(np.linalg.norm(tip - anchor))
        if span > 1e-6 and reach > 0:
            base = anchor + (tip - anchor) * min(0.7, max(0.2, 0.8 * reach / span))
    chain = [j for j in PART_JOINTS[part]]
    new = _copy(rig)
    if len(chain) == 3:
        points = [base, (base + tip) / 2.0, tip]
    else:
        points = [base, tip]
    for name, p in zip(chain, points, strict=True):
        new.joints[name] = Joint(float(p[0]), float(p[1]), 1.0)
    if new.parts is not None and mask is not None:
        from sticker_studio.core.puppet.layers import assign_parts

        probe = replace(new, parts=None)
        nearest = assign_parts(probe, mask)
        label = PART_NAMES.index(part) + 1
        donor = new.parts == PART_NAMES.index(LIMB_PARENT_PART[part]) + 1
        if LIMB_PARENT_PART[part] == "head":
            donor |= new.parts == PART_NAMES.index("body") + 1
        take = (nearest == label) & (donor | (new.parts == 0)) & mask
        if not take.any():
            raise RigError(f"no part of the drawing lies along a {LIMB_LABELS[part]} ending there; "
                           "right-click on the tip of the limb as drawn")
        new.parts[take] = label
    return new


def with_feature(rig: Rig, name: str, x: float, y: float) -> Rig:
    """``rig`` with an eye or the mouth at (``x``, ``y``), sized after the other eye or the head."""
    if name not in FEATURE_LABELS:
        raise RigError(f"{name!r} is not a face feature; features are: {', '.join(FEATURE_LABELS)}")
    other = rig.face.get("eye_r" if name == "eye_l" else "eye_l") if name != "mouth" else None
    size = 0.035 * max(rig.width, rig.height)
    rx, ry = (other.rx, other.ry) if other is not None else ((1.6 * size, 0.7 * size) if name == "mouth"
                                                              else (size, 1.2 * size))
    new = _copy(rig)
    new.face[name] = Ellipse(*_clamp(rig, x, y), float(rx), float(ry))
    return new


def without_feature(rig: Rig, name: str) -> Rig:
    if name not in rig.face:
        raise RigError(f"the rig has no {FEATURE_LABELS.get(name, name)}")
    new = _copy(rig)
    del new.face[name]
    return new


# ------------------------------------------------------------ work (threads)
@dataclass(frozen=True)
class GalleryItem:
    """One motion of the gallery: its name, what it does, and (once rendered) its thumbnail loop."""

    name: str
    description: str
    sticker: Sticker | None = None


def supported_motions(rig: Rig) -> list[tuple[str, str]]:
    """(name, description) of the character motions ``rig`` can play, in the library's order."""
    from sticker_studio.core.puppet.motions import list_character_motions, missing_for

    return [(m.name, m.description) for m in list_character_motions() if not missing_for(m, rig)]


def render_order(names: list[str]) -> list[str]:
    first = [n for n in GALLERY_FIRST if n in names]
    return first + [n for n in names if n not in first]


def character_sticker(frame: np.ndarray, rig: Rig, choice: MotionChoice, max_side: int = ANIMATE_MAX_SIDE,
                      cancel: threading.Event | None = None) -> Sticker:
    """The character sticker for ``choice`` (its ``character`` motion, the whole-body ``preset`` on
    top when ``body_layer``): the drawing at its own size (at most ``max_side``, or ``choice.size``),
    frame 0 the drawing itself."""
    from sticker_studio.core.puppet.animate import AnimateOptions, animate_character
    from sticker_studio.core.puppet.motions import CharacterParams

    side = choice.size or max_side
    drawing, fitted = fit_drawing(frame, rig, side)
    params = CharacterParams(amplitude=choice.amplitude, easing=choice.easing or "ease-in-out")
    options = AnimateOptions(frames=choice.frames, fps=choice.fps, speed=choice.speed,
                             body=choice.preset if choice.body_layer and choice.preset else None)
    if cancel is not None and cancel.is_set():
        raise CancelledError("cancelled")
    return animate_character(drawing, fitted, choice.character, params, options)


RunJob = Callable[..., Any]


class RigState(QObject):
    """The rig of the session's reference: proposed on a worker, edited undoably, saved, and the
    motion gallery rendered from it."""

    #: the drawing (HxWx4 uint8, the reference's first frame, or None) and its rig (or None while rigging)
    rig_changed = Signal(object, object)
    #: True while a rig is being proposed
    busy_changed = Signal(bool)
    #: the gallery's motions changed: a list of GalleryItem (no thumbnails yet)
    gallery_reset = Signal(list)
    #: a gallery thumbnail is ready: a GalleryItem with its sticker
    thumbnail_ready = Signal(object)
    error = Signal(str)
    status = Signal(str, int)

    def __init__(self, stack: QUndoStack, run_job: RunJob, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._stack = stack
        self._run_job = run_job
        self._frame: np.ndarray | None = None
        self._key = ""
        self._rig: Rig | None = None
        self._generation = 0          # the latest rigging request; older results are dropped
        self._gallery_generation = 0  # the latest gallery request
        self._rig_job: Any = None
        self._gallery_job: Any = None
        self._gallery: dict[str, GalleryItem] = {}
        self._gallery_timer = QTimer(self)
        self._gallery_timer.setSingleShot(True)
        self._gallery_timer.setInterval(GALLERY_DELAY_MS)
        self._gallery_timer.timeout.connect(self._render_gallery)
        self._closed = False
        #: the thread id propose_rig ran on last (tests check it is never the GUI thread)
        self.last_rig_thread = 0

    # ------------------------------------------------------------ reading
    def rig(self) -> Rig | None:
        return self._rig

    def drawing(self) -> np.ndarray | None:
        return self._frame

    def key(self) -> str:
        return self._key

    def is_busy(self) -> bool:
        return self._rig_job is not None and self._rig_job.is_running()

    def gallery(self) -> list[GalleryItem]:
        return list(self._gallery.values())

    def thumbnail(self, name: str) -> Sticker | None:
        item = self._gallery.get(name)
        return item.sticker if item is not None else None

    # --------------------------------------------------------- the drawing
    def set_reference(self, sticker: Sticker | None) -> None:
        """The reference changed (after its cut-out): rig its first frame on a worker, or bring
        back the rig saved for it."""
        frame = None if sticker is None else sticker.frames[0]
        key = "" if frame is None else reference_key(frame)
        if key and key == self._key and (self._rig is not None or self.is_busy()):
            return  # the same drawing (e.g. a flip that changed nothing here)
        self._frame, self._key, self._rig = frame, key, None
        self._generation += 1
        self._cancel_gallery()
        self._gallery = {}
        self.gallery_reset.emit([])
        self.rig_changed.emit(frame, None)
        if frame is not None and not self._closed:
            self._start_rigging(frame, key, use_saved=True)

    def rig_again(self) -> None:
        """Propose a rig afresh from the drawing (undoable), forgetting the user's fixes."""
        if self._frame is None:
            self.error.emit("Drop a drawing in the Reference panel first")
            return
        self._generation += 1
        self._start_rigging(self._frame, self._key, use_saved=False)

    def _start_rigging(self, frame: np.ndarray, key: str, *, use_saved: bool) -> None:
        generation, before = self._generation, self._rig

        def work(progress: Callable[[int, int], None], cancel: threading.Event) -> Rig:
            if use_saved:
                saved = _load_saved(key, frame)
                if saved is not None:
                    return saved
            from sticker_studio.engine.rig.auto import auto_rig

            self.last_rig_thread = threading.get_ident()
            rig = auto_rig(frame)
            if use_saved and key:
                _save(rig, key)  # here, not on the GUI thread (it syncs to disk)
            return rig

        def done(rig: Rig) -> None:
            if generation != self._generation:
                return  # another drawing (or another request) came meanwhile
            self.busy_changed.emit(False)
            if use_saved:
                self._set_rig(rig, save=False)
                self.status.emit(self._summary(rig), 4000)
                return
            self._push("Rig again", before, rig)

        def failed(message: str) -> None:
            if generation == self._generation:
                self.busy_changed.emit(False)
                self.error.emit(f"The drawing could not be rigged: {message}")

        self.busy_changed.emit(True)
        self.status.emit("Finding the character's joints…", 0)
        self._rig_job = self._run_job(work, done, "rig", on_failed=failed)

    def _summary(self, rig: Rig) -> str:
        limbs = [LIMB_LABELS[p] for p in present_limbs(rig)]
        face = [FEATURE_LABELS[f] for f in rig.face]
        found = ", ".join(limbs + face) or "no limbs or face"
        return f"Rig: {rig.plan.value} — {found}. Drag a joint to fix it; right-click to add or remove a limb"

    # --------------------------------------------------------------- edits
    def move_joint(self, name: str, x: float, y: float) -> bool:
        return self._edit(f"Move {name.replace('_', ' ')}", lambda r: moved_joint(r, name, x, y))

    def move_feature(self, name: str, x: float, y: float) -> bool:
        return self._edit(f"Move {FEATURE_LABELS.get(name, name)}", lambda r: moved_feature(r, name, x, y))

    def resize_feature(self, name: str, rx: float, ry: float) -> bool:
        return self._edit(f"Resize {FEATURE_LABELS.get(name, name)}", lambda r: resized_feature(r, name, rx, ry))

    def add_limb(self, part: str, x: float, y: float) -> bool:
        alpha = self._frame[..., 3] if self._frame is not None else None
        return self._edit(f"Add {LIMB_LABELS.get(part, part)}", lambda r: with_limb(r, part, x, y, alpha))

    def remove_limb(self, part: str) -> bool:
        return self._edit(f"Remove {LIMB_LABELS.get(part, part)}", lambda r: without_limb(r, part))

    def add_feature(self, name: str, x: float, y: float) -> bool:
        return self._edit(f"Add {FEATURE_LABELS.get(name, name)}", lambda r: with_feature(r, name, x, y))

    def remove_feature(self, name: str) -> bool:
        return self._edit(f"Remove {FEATURE_LABELS.get(name, name)}", lambda r: without_feature(r, name))

    def _edit(self, text: str, change: Callable[[Rig], Rig]) -> bool:
        before = self._rig
        if before is None:
            self.error.emit("The drawing has no rig yet")
            return False
        try:
            after = change(before)
            after.validate()
        except StickerStudioError as error:
            self.error.emit(str(error))
            return False
        self._push(text, before, after)
        return True

    def _push(self, text: str, before: Rig | None, after: Rig) -> None:
        key = self._key
        self._set_rig(after, save=True)
        self._stack.push(ChangeCommand(text, lambda: self._restore(key, after), lambda: self._restore(key, before)))
        self._stack.setActive(True)  # Ctrl+Z undoes this rig edit next
        self.status.emit(text, 2000)

    def _restore(self, key: str, rig: Rig | None) -> None:
        """An undo or redo: only for the drawing it was made on."""
        if key != self._key or rig is None:
            return
        self._set_rig(rig, save=True)

    def _set_rig(self, rig: Rig, *, save: bool) -> None:
        self._rig = rig
        if save and self._key:
            _save(rig, self._key)
        self.rig_changed.emit(self._frame, rig)
        old = self._gallery  # the old thumbnails stay until the new ones arrive (no blank flash)
        self._gallery = {name: GalleryItem(name, text, old[name].sticker if name in old else None)
                         for name, text in supported_motions(rig)}
        self.gallery_reset.emit(list(self._gallery.values()))
        self._cancel_gallery()
        self._gallery_timer.start()

    def close(self) -> None:
        """The window closes: cancel the gallery and start no more work."""
        self._closed = True
        self._generation += 1
        self._cancel_gallery()

    # ------------------------------------------------------------- gallery
    def _cancel_gallery(self) -> None:
        self._gallery_generation += 1
        self._gallery_timer.stop()
        if self._gallery_job is not None:
            self._gallery_job.cancel()
            self._gallery_job = None

    def _render_gallery(self) -> None:
        """Render every gallery motion on a worker, reporting each as it is done."""
        frame, rig = self._frame, self._rig
        if frame is None or rig is None or not self._gallery or self._closed:
            return
        self._gallery_generation += 1
        generation = self._gallery_generation
        names = render_order(list(self._gallery))
        done_items: dict[int, GalleryItem] = {}
        descriptions = {n: i.description for n, i in self._gallery.items()}

        def work(progress: Callable[[int, int], None], cancel: threading.Event) -> int:
            from sticker_studio.core.puppet.animate import animate_character, prepare
            from sticker_studio.core.puppet.motions import MissingPartError

            small, small_rig = fit_drawing(*crop_to_subject(frame, rig), GALLERY_SIDE)
            plan = prepare(small, small_rig)
            for i, name in enumerate(names):
                if cancel.is_set():
                    raise CancelledError("a newer gallery was asked for")
                try:
                    sticker = animate_character(small, small_rig, name, plan=plan)
                except MissingPartError as error:  # (an automatic rig's doubtful arm or eyes): drop the tile, say why
                    done_items[i] = GalleryItem(name, str(error), None)
                    progress(i, len(names))
                    continue
                except StickerStudioError as error:
                    log.info("gallery motion %s not rendered: %s", name, error)
                    continue
                done_items[i] = GalleryItem(name, descriptions[name], sticker)
                progress(i, len(names))
            return len(names)

        def arrived(index: int, total: int) -> None:
            item = done_items.get(index)
            if generation != self._gallery_generation or item is None or item.name not in self._gallery:
                return
            if item.sticker is None:  # not playable on this drawing: no empty tile, a status line instead
                del self._gallery[item.name]
                self.gallery_reset.emit(list(self._gallery.values()))
                self.status.emit(item.description, 6000)
                return
            self._gallery[item.name] = item
            self.thumbnail_ready.emit(item)

        job = self._run_job(work, lambda _n: None, "motion gallery",
                            on_failed=lambda message: log.warning("motion gallery failed: %s", message))
        job.progress.connect(arrived)
        self._gallery_job = job

    # ------------------------------------------------------------- animate
    def animate(self, choice: MotionChoice, on_done: Callable[[Sticker], object]) -> Any:
        """Make the character sticker for ``choice`` on a worker; ``on_done(sticker)`` on the GUI thread."""
        frame, rig = self._frame, self._rig
        if frame is None:
            self.error.emit("Drop or paste a drawing in the Reference panel first")
            return None
        if rig is None:
            self.error.emit("The drawing is still being rigged; try again in a moment")
            return None

        def work(progress: Callable[[int, int], None], cancel: threading.Event) -> Sticker:
            return character_sticker(frame, rig, choice, cancel=cancel)

        return self._run_job(work, on_done, "animate character")


def _save(rig: Rig, key: str) -> None:
    try:
        save_rig(rig, rig_path(key))
    except (OSError, StickerStudioError) as error:
        log.warning("could not save the rig: %s", error)


def _load_saved(key: str, frame: np.ndarray) -> Rig | None:
    """The rig saved for drawing ``key``, if there is one that fits it."""
    path = rig_path(key)
    if not path.is_file():
        return None
    try:
        rig = load_rig(path)
    except StickerStudioError as error:
        log.warning("saved rig %s not used: %s", path, error)
        return None
    if (rig.width, rig.height) != (frame.shape[1], frame.shape[0]):
        return None
    return rig
