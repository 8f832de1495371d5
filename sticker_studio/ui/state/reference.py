"""The reference: the drawing the artist drops into the app, and its cut-out (no widget).

:class:`ReferenceModel` holds the reference as it was given (``original``), its cut-out
(what gets animated), its :class:`~sticker_studio.engine.matting.cutout.Background` choice and
its region flips, and runs every cut-out and flip on a worker thread: the GUI thread only
starts the job and takes the result. A newer request (another drawing, another method, another
flip) cancels the older one and its result is dropped (``busy_changed`` says when work is
pending). The Background choice belongs to one reference — a new one starts with the default
(the model) — and the flips are kept per method, so switching to line art and back brings
them back; both are saved in the settings with the reference and restored with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from sticker_studio.core.errors import StickerStudioError
from sticker_studio.core.imageops import fit_into_canvas
from sticker_studio.core.progress import CancelToken, ProgressCallback
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.matting.cutout import (
    Background,
    CutOut,
    MattingHeadCache,
    automatic_background,
    cut_out,
    needs_cut_out,
)
from sticker_studio.ui.state.settings import AppSettings
from sticker_studio.ui.state.undo import ChangeCommand
from sticker_studio.ui.state.workers import BackgroundJob

log = logging.getLogger(__name__)

#: side of the small copy of the cut-out the live motion preview animates (made on the worker)
PREVIEW_SIDE = 112
#: Where a pasted reference is kept (under the user data dir) so it comes back on restart.
REFERENCE_COPY = Path("reference") / "pasted.png"


def read_file(path: Path) -> Sticker:
    """Decode any supported image or animation (the formats package does the work)."""
    from sticker_studio.formats.readers import read_sticker

    return read_sticker(path)


class ReferenceModel(QObject):
    """The reference drawing, its cut-out, its Background choice and flips, and its cut-out jobs."""

    #: the cut-out that is animated changed: Sticker (or None), its name/path
    changed = Signal(object, str)
    #: the Background in use for the reference changed: its value
    background_changed = Signal(str)
    #: a cut-out or flip is (True) or is no longer (False) being worked on
    busy_changed = Signal(bool)
    error = Signal(str)
    status = Signal(str, int)

    def __init__(self, settings: AppSettings, jobs: set[BackgroundJob] | None = None,
                 heads: MattingHeadCache | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.jobs: set[BackgroundJob] = jobs if jobs is not None else set()
        self.heads = heads or MattingHeadCache()
        self._original: Sticker | None = None     # as the file/clipboard gave it
        self._name = ""
        self._background: Background | None = None  # this reference's choice; None: the default
        self._sketch: bool | None = None          # whether the reference looks like line art (None: not looked)
        self._flips: dict[Background, dict[int, bool]] = {}  # per method: track id -> keep
        self._cut: CutOut | None = None           # the newest finished cut-out of the original
        self._small: np.ndarray | None = None     # its first frame fitted into PREVIEW_SIDE²
        self._request = 0                         # the newest request's number: older results are dropped
        self._job: BackgroundJob | None = None    # the cut-out job of the newest request
        #: undo stack of the region flips (in the open document's undo group)
        self.stack = QUndoStack(self)

    # ------------------------------------------------------------ reading
    def sticker(self) -> Sticker | None:
        """The cut-out that gets animated; ``None`` while the reference's first cut-out runs."""
        return self._cut.sticker if self._cut is not None else None

    def small(self) -> np.ndarray | None:
        """The cut-out's first frame fitted into :data:`PREVIEW_SIDE` ² (for the live preview)."""
        return self._small

    def original(self) -> Sticker | None:
        """The reference as it was set, before its background was removed."""
        return self._original

    def name(self) -> str:
        return self._name

    def is_busy(self) -> bool:
        return self._job is not None

    def background(self) -> Background:
        """How the background is removed: this reference's choice, else the model if the bundled
        matting head takes the layout prior, else the colour key. (The bundled head without the prior
        removes white bellies on white paper and scores below the colour key on held-out drawings, so
        it is a choice, not the default.)"""
        return self._background if self._background is not None else self.default_background()

    def default_background(self) -> Background:
        """What a new reference (or an imported drawing) is cut out by: line art when the reference is
        a sketch on paper (:func:`~sticker_studio.engine.matting.cutout.automatic_background`, looked at
        once per reference), else the model when the bundled head takes the layout prior, else the
        colour key."""
        if self._original is not None and self._sketch is None:
            self._sketch = automatic_background(self._original, self.heads) is Background.LINE_ART
        if self._sketch:
            return Background.LINE_ART
        return Background.MODEL if self.heads.uses_prior() else Background.COLOUR_KEY

    def flips(self) -> dict[int, bool]:
        """The region flips for the current method: track id -> keep (True) or remove."""
        return dict(self._flips.get(self.background(), {}))

    def close_calls(self) -> np.ndarray | None:
        """(H, W) bool of the first frame: regions the head decided by a small margin and the user
        has not flipped — the ones worth a look. None when there are none."""
        return self._cut.close_call_mask() if self._cut is not None else None

    def region_at(self, x: int, y: int) -> int:
        """The clickable region (track id) under pixel (``x``, ``y``); 0 when none."""
        return self._cut.region_at(x, y) if self._cut is not None else 0

    def region_kept(self, track: int) -> bool | None:
        """Whether region ``track`` is kept now (a flip still being cut out counts); None when there
        is no such region."""
        if self._cut is None or track not in self._cut.kept:
            return None
        return self.flips().get(track, self._cut.kept[track])

    # ------------------------------------------------------------ changing
    def set_reference(self, sticker: Sticker | None, name: str = "", source: Path | None = None, *,
                      background: Background | None = None, flips: dict[Background, dict[int, bool]] | None = None,
                      sketch: bool | None = None) -> BackgroundJob | None:
        """Make ``sticker`` the reference and cut it out on a worker (``changed`` when done).

        A new reference starts with the default Background (the model) and no flips, unless
        ``background``/``flips`` (a restored reference's) are given. It is remembered for the next
        start: by ``source`` (the file it came from), or else as a copy in the user data dir. ``sketch``:
        whether it is line art on paper, when a worker has looked already (the look costs ~60 ms at 1024²,
        too long for the event loop)."""
        self._original, self._name = sticker, name
        self._sketch = sketch
        self._background = background
        self._flips = {m: dict(f) for m, f in (flips or {}).items()}
        self._cut = None
        self.stack.clear()
        self.background_changed.emit(self.background().value)
        if source is not None:
            self.settings.reference_path = str(source.resolve())
        else:  # a pasted image: a copy is written on the worker (a failure clears this)
            self.settings.reference_path = str(_copy_path()) if sticker is not None else ""
        self._remember()
        return self._recut(reuse=False, copy=sticker if sticker is not None and source is None else None)

    def set_background(self, method: Background | str) -> BackgroundJob | None:
        """Cut this reference out with ``method`` from now on (its flips for that method come back)."""
        method = Background.parse(method)
        if method == self.background() and self._background is not None:
            return None
        self._background = method  # the flips' undo steps stay: each knows the method it belongs to
        self.background_changed.emit(method.value)
        self._remember()
        if self._original is None:
            return None
        return self._recut(reuse=False)

    def flip_region_at(self, x: int, y: int) -> bool:
        """Flip the region under pixel (``x``, ``y``): a kept white part (or paper the cut-out kept)
        is removed and a hole becomes a white part, in every frame (undoable on :attr:`stack`).
        False, with a status note, when no region is there."""
        track = self.region_at(x, y)
        kept = self.region_kept(track)
        if kept is None:
            self.status.emit("No region there to keep or remove (click a white part, a hole, or paper "
                             "the cut-out kept)", 3000)
            return False
        method = self.background()
        before = self.flips()
        after = {**before, track: not kept}
        text = "Keep region" if not kept else "Remove region"
        self._set_flips(method, after)  # made before the push (the push's first redo is skipped)
        self.stack.push(ChangeCommand(text, lambda: self._set_flips(method, after),
                                      lambda: self._set_flips(method, before)))
        self.status.emit("Region kept" if not kept else "Region removed", 2000)
        return True

    def _set_flips(self, method: Background, flips: dict[int, bool]) -> None:
        self._flips[method] = dict(flips)
        self._remember()
        if method == self.background() and self._original is not None:
            self._recut(reuse=True)

    # ------------------------------------------------------------ the jobs
    def _recut(self, reuse: bool, copy: Sticker | None = None) -> BackgroundJob | None:
        """Cut the original out on a worker with the current method and flips; a newer request
        cancels this one and drops its result. ``reuse``: a flip of the current cut-out (the head's
        alpha is reused). ``copy``: a pasted reference to keep in the data dir (written there too)."""
        self._request += 1
        request = self._request
        if self._job is not None:
            self._job.cancel()
            self._job = None
        original = self._original
        if original is None:
            self._cut = None
            self.busy_changed.emit(False)
            self.changed.emit(None, self._name)
            return None
        method, flips, heads = self.background(), self.flips(), self.heads
        if method is Background.NONE or not needs_cut_out(original):  # nothing to cut (a few ms to tell)
            self._cut, self._small = CutOut(original), None
            self.busy_changed.emit(False)
            self.changed.emit(original, self._name)
            if copy is not None:
                self._keep_copy_later(copy, request)
            return None
        previous = self._cut if reuse else None

        def work(progress: ProgressCallback, cancel: CancelToken) -> tuple[CutOut, str | None, str, np.ndarray]:
            kept_copy = _keep_copy(copy) if copy is not None else ""
            problem = None
            try:
                cut = cut_out(original, method, heads, flips=flips, previous=previous, progress=progress)
            except StickerStudioError as error:
                cut, problem = CutOut(original), f"The background was kept: {error}"
            return cut, problem, kept_copy, fit_into_canvas(cut.sticker.frames[0], PREVIEW_SIDE, PREVIEW_SIDE)

        def done(result: tuple[CutOut, str | None, str, np.ndarray]) -> None:
            if request != self._request:
                return  # a newer drawing, method or flip came meanwhile
            cut, problem, kept_copy, self._small = result
            if copy is not None and not kept_copy:
                self.settings.reference_path = ""
            self._cut = cut
            if problem:
                self.error.emit(problem)
            self.changed.emit(cut.sticker, self._name)
            if reuse:
                self.status.emit("Cut-out updated", 2000)

        def failed(message: str) -> None:
            if request == self._request:
                self.error.emit(f"The cut-out was not made: {message}")

        def finished() -> None:
            self.jobs.discard(job)
            if request == self._request:
                self._job = None
                self.busy_changed.emit(False)

        job = BackgroundJob(work, self, name="cut-out")
        job.succeeded.connect(done)
        job.failed.connect(failed)
        job.finished.connect(finished)
        self.jobs.add(job)
        self._job = job
        self.busy_changed.emit(True)
        job.start()
        return job

    def _keep_copy_later(self, sticker: Sticker, request: int) -> None:
        """Write a pasted reference that needs no cut-out to the data dir, on a worker."""
        def done(path: str) -> None:
            if request == self._request and not path:
                self.settings.reference_path = ""

        job = BackgroundJob(lambda p, c: _keep_copy(sticker), self, name="keep reference")
        job.succeeded.connect(done)
        job.finished.connect(lambda: self.jobs.discard(job))
        self.jobs.add(job)
        job.start()

    def warm_up(self) -> BackgroundJob | None:
        """Import what the cut-out needs and load the matting head on a worker when the window opens:
        the first import of torch and the first head load hold the GIL (the event loop) for about a
        second each, better at start than when a drawing is dropped. None when this process did it
        already (the head then loads with the first drawing, as quickly)."""
        import sys

        if _HEAD_LOADED and all(name in sys.modules for name in WARM_UP_MODULES):
            return None
        heads = self.heads
        job = BackgroundJob(lambda p, c: _warm_up(heads), self, name="warm up")
        job.finished.connect(lambda: self.jobs.discard(job))
        self.jobs.add(job)
        job.start()
        return job

    def load(self, path: Path, on_loaded: Callable[[Sticker, bool], None] | None = None,
             on_failed: Callable[[str], None] | None = None) -> BackgroundJob:
        """Decode ``path`` on a worker (the matting head is loaded there too, once) and make it the
        reference (``on_loaded`` instead, when given)."""
        heads = self.heads

        def work(progress: ProgressCallback, cancel: CancelToken) -> tuple[Sticker, bool]:
            heads.head()  # ~2 s, once: off the event loop
            sticker = read_file(path)
            from sticker_studio.core.drawing_size import check_drawing_size

            check_drawing_size(sticker, path.name)  # a 1x1 image: one line in the status bar
            # line art or not: looked at here, off the event loop (~60 ms at 1024²)
            return sticker, automatic_background(sticker, heads) is Background.LINE_ART

        def loaded(result: tuple[Sticker, bool]) -> None:
            sticker, sketch = result
            if on_loaded is not None:
                on_loaded(sticker, sketch)
            else:
                self.set_reference(sticker, str(path), path, sketch=sketch)

        job = BackgroundJob(work, self, name="reference")
        job.succeeded.connect(loaded)
        job.failed.connect(on_failed or self.error.emit)
        job.finished.connect(lambda: self.jobs.discard(job))
        self.jobs.add(job)
        self.busy_changed.emit(True)
        job.finished.connect(lambda: self.busy_changed.emit(self.is_busy()))
        job.start()
        return job

    def restore(self) -> BackgroundJob | None:
        """Bring back the reference of the last session with its Background and flips (unless one
        was set meanwhile)."""
        path = Path(self.settings.reference_path) if self.settings.reference_path else None
        if path is None or not path.is_file():
            return None
        background, flips = self._saved()

        def loaded(sticker: Sticker, sketch: bool) -> None:
            if self._original is None:
                self.set_reference(sticker, str(path), path, background=background, flips=flips, sketch=sketch)

        return self.load(path, loaded, lambda message: log.info("last reference not restored: %s", message))

    # ------------------------------------------------------------ settings
    def _remember(self) -> None:
        """Keep the Background choice and the flips per method in the settings (saved with the reference)."""
        self.settings.reference_background = self._background.value if self._background is not None else ""
        self.settings.reference_flips_by_method = {
            m.value: {str(k): v for k, v in sorted(f.items())} for m, f in self._flips.items() if f}

    def _saved(self) -> tuple[Background | None, dict[Background, dict[int, bool]]]:
        """The Background and flips the settings remember for the reference."""
        background = None
        if self.settings.reference_background:
            try:
                background = Background.parse(self.settings.reference_background)
            except StickerStudioError:
                background = None
        flips: dict[Background, dict[int, bool]] = {}
        for name, saved in self.settings.reference_flips_by_method.items():
            try:
                method = Background.parse(name)
            except StickerStudioError:
                continue
            if isinstance(saved, dict):
                flips[method] = {int(k): v for k, v in saved.items() if str(k).isdigit() and isinstance(v, bool)}
        return background, flips


#: modules the cut-out needs whose first import holds the GIL for up to ~1 s (torch's and diffusers'
#: C extensions and import machinery): :meth:`ReferenceModel.warm_up` imports them once, at start
WARM_UP_MODULES = ("scipy.ndimage", "sticker_studio.formats.readers", "sticker_studio.formats.writers",
                   "sticker_studio.core.matte.layout_prior", "sticker_studio.core.matte.edge_refine",
                   "sticker_studio.core.matte.alpha_floor", "sticker_studio.core.matte.lineart",
                   "sticker_studio.engine.matting.matte", "sticker_studio.engine.models.matting_head")
#: whether a matting head was loaded in this process: the first load also imports and registers
#: torch's lazily loaded parts (about a second holding the GIL); later ones do not
_HEAD_LOADED = False


def _warm_up(heads: MattingHeadCache) -> None:
    import importlib

    global _HEAD_LOADED
    for name in WARM_UP_MODULES:
        try:
            importlib.import_module(name)
        except ImportError as error:  # no torch in this build: the colour key and line art still work
            log.info("not warmed up: %s", error)
    if heads.head() is not None:
        _HEAD_LOADED = True


def _copy_path() -> Path:
    from sticker_studio import paths

    return paths.user_data_dir() / REFERENCE_COPY


def _keep_copy(sticker: Sticker) -> str:
    """On a worker: write a pasted reference to the user data dir; its path ("" when it failed)."""
    from sticker_studio.formats.writers import write_sticker

    try:
        return str(write_sticker(sticker, _copy_path()))
    except (OSError, StickerStudioError) as error:
        log.warning("could not keep a copy of the reference: %s", error)
        return ""
