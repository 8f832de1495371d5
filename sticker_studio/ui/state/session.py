"""The app's state and its jobs, without any widget: the layer the window is a view of.

How the ui package is laid out (after krita-ai-diffusion's ``model/`` layer)::

    ui/state/session.py   StudioSession  -- THIS FILE: the open pack document, the reference,
                                            running jobs (import, animate, generate), app settings
    ui/state/motion.py    MotionChoice   -- the motion preset settings as a value
    ui/state/document.py  PackDocument   -- the open pack: stickers, undo stacks, autosave
    ui/state/*.py         cut-out, undo commands, workers (jobs), settings, generation
    ui/dialogs/*.py       canvas, export, settings, model manager
    ui/actions.py         WindowActions  -- every QAction, its shortcut and the menus
                                            (``window.window_actions.undo`` ...)
    ui/main_window.py     MainWindow     -- lays panels out and wires them to the session
    ui/*_panel.py, timeline.py, preview.py  -- widgets: show state, emit *intent* signals

Rules that keep it that way:

* Panels never reach into each other or into the session; they emit intent signals
  (``animate_requested(MotionChoice)``, ``generate_requested(PromptSettings)`` ...) and
  offer intent methods (``show_cancelling()``, ``set_prompt()``, ``set_preset()``). The
  window connects signals to session methods and session signals to panel methods.
* The session owns state and work: it starts every :class:`BackgroundJob`, holds the
  reference and the :class:`PackDocument`, and reports back only through its signals
  (``error``, ``status``, ``reference_changed``, ``generation_*`` ...). It never imports
  a panel, so it is testable without a window.
* Document signals are relayed by the session (``pack_changed``, ``current_changed``,
  ``sticker_changed``, ``saved``, ``save_failed``), so a view connects once and keeps
  working after :meth:`StudioSession.switch_pack` replaces the document
  (``document_changed`` tells views that hold document objects, e.g. the undo actions).
* Edits a user can refuse (``StickerStudioError``) end in ``error`` (status bar), never
  in a traceback; the window decides how to show them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QMimeData, QObject, Signal
from PySide6.QtGui import QUndoStack

from sticker_studio.core import edits
from sticker_studio.core.errors import ModelNotFoundError, StickerStudioError
from sticker_studio.core.imageops import fit_into_canvas
from sticker_studio.core.pack.pack import StickerPack
from sticker_studio.core.progress import ProgressCallback
from sticker_studio.core.sticker import Sticker
from sticker_studio.ui.image_convert import qimage_to_rgba
from sticker_studio.ui.state.cutout import COLOURKEY, MODEL, CutOut, MattingHeadCache, cut_out, cut_out_regions
from sticker_studio.ui.state.document import (
    PackDocument,
    default_pack_folder,
    open_or_create_pack,
)
from sticker_studio.ui.state.generation import (
    GeneratorHost,
    build_request,
    default_pipeline_factory,
    no_model_message,
)
from sticker_studio.ui.state.motion import MotionChoice
from sticker_studio.ui.state.prompt import PromptSettings, SubjectCandidates
from sticker_studio.ui.state.rig import RigState
from sticker_studio.ui.state.settings import AppSettings, save_settings
from sticker_studio.ui.state.undo import ChangeCommand
from sticker_studio.ui.state.workers import BackgroundJob
from sticker_studio.ui.timeline import local_paths

log = logging.getLogger(__name__)

#: Longest a sticker name made from a file name or a prompt may be.
NAME_LIMIT = 64
#: Where a pasted reference is kept (under the user data dir) so it comes back on restart.
REFERENCE_COPY = Path("reference") / "pasted.png"
#: a flip of a reference with more pixels than this (frames x width x height) is cut out on a
#: worker thread (it re-votes and un-mixes every frame: ~40 ms per 512² frame); smaller ones at once
FLIP_IN_WORKER_PIXELS = 4_000_000


def read_file(path: Path) -> Sticker:
    """Decode any supported image or animation (the formats package does the work)."""
    from sticker_studio.formats.readers import read_sticker

    return read_sticker(path)


class StudioSession(QObject):
    """The open pack, the reference and the jobs of one app window."""

    # relayed from the current PackDocument (stay connected across switch_pack)
    pack_changed = Signal()
    current_changed = Signal(str)
    sticker_changed = Signal(str)
    saved = Signal()
    save_failed = Signal(str)
    #: another pack was opened: the new PackDocument
    document_changed = Signal(object)
    #: the reference drawing changed: Sticker (or None), its name/path
    reference_changed = Signal(object, str)
    #: the background method in use for the reference changed: its id (ui.model.cutout)
    background_method_changed = Signal(str)
    #: a frame edit went on the undo stack: the core FrameCommand
    edit_applied = Signal(object)
    #: a refused edit or a failed job, in words for the user
    error = Signal(str)
    #: a short note for the status bar: text, milliseconds
    status = Signal(str, int)
    # the generation job
    generation_started = Signal()
    generation_progress = Signal(int, int)
    generation_cancelling = Signal()
    generation_message = Signal(str, str)   # text, kind ("info" | "ok" | "error")
    generation_finished = Signal()
    #: two-stage generation found subjects to pick from: a SubjectCandidates
    candidates_ready = Signal(object)

    def __init__(self, document: PackDocument, settings: AppSettings | None = None,
                 generator: GeneratorHost | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings or AppSettings()
        self.generator = generator or GeneratorHost(default_pipeline_factory(self.settings.device))
        self.jobs: set[BackgroundJob] = set()
        self.generation_job: BackgroundJob | None = None
        self._candidates: SubjectCandidates | None = None
        self._reference: Sticker | None = None          # what is animated: the cut-out
        self._reference_original: Sticker | None = None  # as the file/clipboard gave it
        self._reference_name = ""
        self._background_method: str | None = None       # None: the default (model, else colour key)
        self._cut: CutOut | None = None                  # the reference's cut-out with its regions
        self._flips: dict[int, bool] = {}                # the user's region flips (track id -> keep)
        self._flip_generation = 0                        # the latest flip's number: older worker results are dropped
        self._heads = MattingHeadCache()
        #: undo stack of the reference's region flips, in the open document's undo group
        self.reference_stack = QUndoStack(self)
        #: the reference's puppet rig (proposed on a worker, edited on reference_stack) and motion gallery
        self.rig = RigState(self.reference_stack, self.run_job, self)
        self.rig.error.connect(self.error)
        self.rig.status.connect(self.status)
        self.reference_changed.connect(lambda sticker, _name: self.rig.set_reference(sticker))
        self._document = document
        document.setParent(self)
        self._relay(document)

    # ------------------------------------------------------------- document
    @property
    def document(self) -> PackDocument:
        return self._document

    #: the open document's signals the session passes on under the same names
    RELAYED_SIGNALS = ("pack_changed", "current_changed", "sticker_changed", "saved", "save_failed")

    def _relay(self, document: PackDocument) -> None:
        document.undo_group.addStack(self.reference_stack)  # Ctrl+Z reaches the reference's flips too
        for name in self.RELAYED_SIGNALS:
            getattr(document, name).connect(getattr(self, name))

    def switch_pack(self, pack: StickerPack) -> None:
        """Save the open pack and make ``pack`` the open one."""
        self._document.save_now()
        old = self._document
        for name in self.RELAYED_SIGNALS:
            getattr(old, name).disconnect(getattr(self, name))
        old.undo_group.removeStack(self.reference_stack)
        self._document = PackDocument(pack, self)
        self._relay(self._document)
        self.settings.last_pack = str(self._document.folder)
        self.document_changed.emit(self._document)
        if old.pack is not pack:
            old.close()  # its writer lock goes back: another window may now write it
        old.deleteLater()

    def open_pack_folder(self, folder: Path) -> bool:
        """Open (or create) the pack in ``folder``; False with ``error`` when it cannot."""
        return self.guard(lambda: self.switch_pack(open_or_create_pack(folder, folder.name)))

    def create_pack(self, title: str) -> bool:
        """A new pack in the user's packs folder, named after ``title`` (never an existing folder)."""
        title = title.strip()
        if not title:
            return False
        folder = default_pack_folder(title)
        n = 2
        while folder.exists():
            folder = default_pack_folder(f"{title} {n}")
            n += 1
        return self.guard(lambda: self.switch_pack(open_or_create_pack(folder, title)))

    def guard(self, fn: Callable[[], object]) -> bool:
        """Run a change; a refusal becomes ``error`` and views re-read the pack."""
        try:
            fn()
        except StickerStudioError as error:
            self.error.emit(str(error))
            self.pack_changed.emit()
            return False
        return True

    def save_now(self) -> bool:
        if self._document.save_now():
            self.status.emit("Saved", 2000)
            return True
        return False

    # --------------------------------------------------------------- editing
    def apply_edit(self, command: edits.FrameCommand) -> bool:
        """Push a core edit command for the current sticker on its undo stack."""
        if self._document.current_sticker() is None:
            self.error.emit("Make or import a sticker first")
            return False
        if not self.guard(lambda: self._document.edit(command)):
            return False
        self.edit_applied.emit(command)
        self.status.emit(command.label, 2000)
        return True

    def set_title(self, title: str) -> bool:
        return self.guard(lambda: self._document.set_title(title))

    def set_subject_size(self, fraction: float) -> bool:
        """The pack's subject size for motion presets (undoable, saved with the pack)."""
        return self.guard(lambda: self._document.set_subject_size(fraction))

    def set_emojis(self, entry_id: str, emojis: list[str]) -> bool:
        return self.guard(lambda: self._document.set_emojis(entry_id, emojis))

    def set_tray(self, entry_id: str) -> bool:
        return self.guard(lambda: self._document.set_tray(entry_id))

    def remove_sticker(self, entry_id: str) -> bool:
        """Remove a sticker (undoable: no confirmation needed)."""
        name = self._document.entry(entry_id).name if entry_id in self._document.pack else ""
        if not self.guard(lambda: self._document.remove_sticker(entry_id)):
            return False
        self.status.emit(f"Removed “{name}” — Undo (Ctrl+Z) brings it back", 6000)
        return True

    # ------------------------------------------------------------------ jobs
    def run_job(self, fn: Callable[[ProgressCallback, Any], Any], on_success: Callable[[Any], object], name: str,
                on_failed: Callable[[str], None] | None = None) -> BackgroundJob:
        """Run ``fn(progress, cancel)`` on a worker thread; results come back on the GUI thread."""
        job = BackgroundJob(fn, self, name=name)
        job.succeeded.connect(on_success)
        job.failed.connect(on_failed or self.error.emit)
        job.finished.connect(lambda: self.jobs.discard(job))
        self.jobs.add(job)
        job.start()
        return job

    def is_busy(self) -> bool:
        return any(j.is_running() for j in self.jobs)

    # ------------------------------------------------------------- reference
    def reference(self) -> Sticker | None:
        return self._reference

    def reference_name(self) -> str:
        return self._reference_name

    def reference_original(self) -> Sticker | None:
        """The reference as it was set, before its background was removed."""
        return self._reference_original

    def background_method(self) -> str:
        """How the reference's background is removed: the user's choice, else the model if the
        bundled matting head takes the layout prior, else the colour key. (The bundled head without
        the prior removes white bellies on white paper and scores below the colour key on held-out
        drawings, so it is a choice, not the default.)"""
        if self._background_method is not None:
            return self._background_method
        head = self._heads.head()
        if head is not None:
            from sticker_studio.engine.matting.matte import head_uses_prior

            if head_uses_prior(head):
                return MODEL
        return COLOURKEY

    def set_background_method(self, method: str) -> None:
        """Remove the reference's background with ``method`` (ui.model.cutout) from now on."""
        if method == self._background_method:
            return
        self._background_method = method
        self.background_method_changed.emit(method)
        if self._reference_original is not None:
            self._clear_flips()  # another method finds other regions
            self._cut_reference()
            self.reference_changed.emit(self._reference, self._reference_name)

    def _cut_out(self, sticker: Sticker) -> Sticker:
        try:
            return cut_out(sticker, self.background_method(), self._heads)
        except StickerStudioError as error:
            self.error.emit(f"The background was kept: {error}")
            return sticker

    def _cut_reference(self, reuse: bool = False) -> None:
        """Cut the reference out with the current method and flips; ``reuse``: the reference and
        method are those of the current cut-out, so the head's alpha is reused (a flip)."""
        original = self._reference_original
        if original is None:
            self._reference, self._cut = None, None
            return
        try:
            self._cut = cut_out_regions(original, self.background_method(), self._heads, self._flips,
                                        previous=self._cut if reuse else None)
        except StickerStudioError as error:
            self.error.emit(f"The background was kept: {error}")
            self._cut = CutOut(original)
        self._reference = self._cut.sticker

    def _clear_flips(self) -> None:
        """Forget the region flips (their track ids belong to the old cut-out) and their undo steps."""
        self._flips = {}
        self._flip_generation += 1  # a flip still being cut out belongs to the old cut-out
        self._remember_flips()
        self.reference_stack.clear()

    def _remember_flips(self) -> None:
        """Keep the flips in the settings with the method they belong to (restored with the reference)."""
        self.settings.reference_flips = {str(k): v for k, v in sorted(self._flips.items())}
        self.settings.reference_flips_method = self.background_method() if self._flips else ""

    def _saved_flips(self) -> dict[int, bool]:
        """The flips the settings remember for the reference, if they belong to the current method."""
        if not self.settings.reference_flips or self.settings.reference_flips_method != self.background_method():
            return {}
        out = {}
        for key, keep in self.settings.reference_flips.items():
            if str(key).isdigit() and isinstance(keep, bool):
                out[int(key)] = keep
        return out

    def set_reference(self, sticker: Sticker | None, name: str = "", source: Path | None = None) -> None:
        """Make ``sticker`` the reference; without useful alpha its background is removed
        (see :meth:`background_method`) and the cut-out is what gets animated. It is
        remembered for the next start: by ``source`` (the file it came from), or else as
        a copy in the user data dir (a pasted image). Region flips of the last one are forgotten."""
        self._reference_original = sticker
        self._clear_flips()
        self._cut_reference()
        self._reference_name = name
        self.settings.reference_path = self._remember_reference(sticker, source)
        self.reference_changed.emit(self._reference, name)

    def _remember_reference(self, sticker: Sticker | None, source: Path | None) -> str:
        if sticker is None:
            return ""
        if source is not None:
            return str(source.resolve())
        from sticker_studio import paths
        from sticker_studio.formats.writers import write_sticker

        try:
            return str(write_sticker(sticker, paths.user_data_dir() / REFERENCE_COPY))
        except (OSError, StickerStudioError) as error:
            log.warning("could not keep a copy of the reference: %s", error)
            return ""

    def reference_flips(self) -> dict[int, bool]:
        """The user's region flips of the reference: track id -> keep (True) or remove."""
        return dict(self._flips)

    def reference_close_calls(self) -> np.ndarray | None:
        """(H, W) bool of the reference's first frame: regions the head decided by a small
        margin and the user has not flipped — the ones worth a look. None when there are none."""
        return self._cut.close_call_mask() if self._cut is not None else None

    def reference_region_at(self, x: int, y: int) -> int:
        """The clickable region (track id) under pixel (``x``, ``y``) of the reference; 0 when none."""
        return self._cut.region_at(x, y) if self._cut is not None else 0

    def reference_region_kept(self, track: int) -> bool | None:
        """Whether region ``track`` of the reference is kept now (a flip still being cut out counts);
        None when there is no such region."""
        if self._cut is None or track not in self._cut.kept:
            return None
        return self._flips.get(track, self._cut.kept[track])

    def flip_region_at(self, x: int, y: int) -> bool:
        """Flip the region under pixel (``x``, ``y``) of the reference: a kept white part (or paper
        the cut-out kept) is removed and a hole becomes a white part, in every frame (undoable on
        :attr:`reference_stack`, which becomes the active stack). False, with a status note, when no region is there."""
        track = self.reference_region_at(x, y)
        kept = self.reference_region_kept(track)
        if kept is None:
            self.status.emit("No region there to keep or remove (click a white part, a hole, or paper "
                             "the cut-out kept)", 3000)
            return False
        before, after = dict(self._flips), {**self._flips, track: not kept}
        text = "Keep region" if not kept else "Remove region"
        self._set_flips(after)
        self.reference_stack.push(ChangeCommand(text, lambda: self._set_flips(after), lambda: self._set_flips(before)))
        self._document.undo_group.setActiveStack(self.reference_stack)
        self.status.emit("Region kept" if not kept else "Region removed", 2000)
        return True

    def _set_flips(self, flips: dict[int, bool]) -> None:
        """Cut the reference out with ``flips`` and show it (a flip, its undo and its redo); a big
        reference is cut out on a worker thread and shown when done (a newer flip wins)."""
        self._flips = dict(flips)
        self._remember_flips()
        self._flip_generation += 1
        original = self._reference_original
        if original is None or original.frame_count * original.width * original.height <= FLIP_IN_WORKER_PIXELS:
            self._cut_reference(reuse=True)
            self.reference_changed.emit(self._reference, self._reference_name)
            return
        generation, method, previous, wanted = self._flip_generation, self.background_method(), self._cut, dict(flips)

        def work(progress: Callable[[int, int], None], cancel: Any) -> CutOut:
            return cut_out_regions(original, method, self._heads, wanted, previous=previous)

        def done(cut: CutOut) -> None:
            if generation != self._flip_generation or original is not self._reference_original:
                return  # a newer flip, another reference or another method came meanwhile
            self._cut, self._reference = cut, cut.sticker
            self.reference_changed.emit(self._reference, self._reference_name)
            self.status.emit("Cut-out updated", 2000)

        self.status.emit("Updating the cut-out…", 0)
        self.run_job(work, done, "flip region",
                     on_failed=lambda message: self.error.emit(f"The cut-out was not updated: {message}"))

    def load_reference(self, path: Path) -> BackgroundJob:
        """Decode ``path`` in a worker and make it the reference (the pack is not changed)."""
        return self.run_job(lambda p, c: self._read_reference(path), lambda s: self.set_reference(s, str(path), path),
                            "reference")

    def _read_reference(self, path: Path) -> Sticker:
        """In a worker: decode ``path``, and load the matting head (~2 s, once) off the event loop."""
        if self._background_method in (None, MODEL):
            self._heads.head()
        return read_file(path)

    def restore_reference(self) -> BackgroundJob | None:
        """Bring back the reference of the last session (unless one was set meanwhile)."""
        path = Path(self.settings.reference_path) if self.settings.reference_path else None
        if path is None or not path.is_file():
            return None

        def done(sticker: Sticker) -> None:
            if self._reference is None:
                saved = self._saved_flips()  # set_reference forgets them
                self.set_reference(sticker, str(path), path)
                if saved:  # the last session's keep/remove clicks (the same file gives the same regions)
                    self._set_flips(saved)

        return self.run_job(lambda p, c: self._read_reference(path), done, "reference",
                            on_failed=lambda message: log.info("last reference not restored: %s", message))

    def set_motion(self, choice: MotionChoice) -> None:
        """Remember the motion settings for the next start."""
        self.settings.motion = choice.as_dict()

    def motion(self) -> MotionChoice | None:
        """The motion settings of the last session, if any."""
        return MotionChoice.from_dict(self.settings.motion)

    def paste_mime(self, mime: QMimeData) -> bool:
        """Clipboard contents as the reference: image files, or an image."""
        paths = local_paths(mime)
        if paths:
            self.load_reference(paths[0])
            return True
        if mime.hasImage():
            try:
                frame = qimage_to_rgba(mime.imageData())
            except (ValueError, TypeError):
                frame = None
            if frame is not None:
                self.set_reference(Sticker([frame], [100]), "pasted")  # kept as a copy
                return True
        self.error.emit("The clipboard holds no image")
        return False

    # ------------------------------------------------------------- importing
    def import_files(self, paths: list[Path]) -> BackgroundJob:
        """Each file becomes a new sticker in the pack (and the last one the reference). A still
        without useful alpha (a drawing on paper) goes into the pack cut out, by the same
        :meth:`background_method` as the reference; animations go in as they are."""
        def work(progress: ProgressCallback, cancel: Any) -> list[tuple[Path, Sticker]]:
            return [(p, read_file(p)) for p in paths]

        def done(results: list[tuple[Path, Sticker]]) -> None:
            if results:
                self.set_reference(results[-1][1], str(results[-1][0]), results[-1][0])
            for i, (path, sticker) in enumerate(results):
                if i == len(results) - 1 and self._reference is not None:
                    added = self._reference if not sticker.is_animated else sticker
                else:
                    added = sticker if sticker.is_animated else self._cut_out(sticker)
                self._document.add_sticker(added, name=path.stem[:NAME_LIMIT])
                self.status.emit(f"Imported {len(results)} file(s)", 3000)

        return self.run_job(work, done, "import")

    def insert_files(self, paths: list[Path], index: int) -> BackgroundJob:
        """Frames of ``paths`` go into the current sticker at ``index`` (fitted to its size)."""
        sticker = self._document.current_sticker()
        if sticker is None:
            return self.import_files(paths)
        width, height = sticker.size

        def work(progress: ProgressCallback, cancel: Any) -> tuple[list[np.ndarray], list[int]]:
            frames: list[np.ndarray] = []
            durations: list[int] = []
            for p in paths:
                s = read_file(p)
                frames += [f if (f.shape[1], f.shape[0]) == (width, height) else fit_into_canvas(f, width, height)
                           for f in s.frames]
                durations += list(s.durations_ms) if s.is_animated else [sticker.durations_ms[max(0, index - 1)]]
            return frames, durations

        return self.run_job(work, lambda r: self.apply_edit(edits.InsertFrames(index, r[0], r[1])), "insert")

    # --------------------------------------------------------------- animate
    def animate(self, choice: MotionChoice) -> BackgroundJob | None:
        """A new sticker from the reference + a motion preset (no model needed), the subject at
        the pack's subject size."""
        reference = self._reference
        if reference is None:
            self.error.emit("Drop or paste a drawing in the Reference panel first")
            return None
        if choice.character:  # a character motion on the reference's rig (ui.state.rig)
            name = f"{Path(self._reference_name).stem or 'drawing'} {choice.character}"[:NAME_LIMIT]
            return self.rig.animate(choice, lambda s: self._document.add_sticker(s, name=name))
        name = f"{Path(self._reference_name).stem or 'drawing'} {choice.preset}"[:NAME_LIMIT]
        kwargs = choice.animate_kwargs(max(reference.size))
        kwargs["subject_size"] = self._document.pack.subject_size  # one subject size for the whole pack

        def work(progress: ProgressCallback, cancel: Any) -> Sticker:
            from sticker_studio.core.motion.presets import animate

            return animate(reference.frames[0], choice.preset, **kwargs)

        return self.run_job(work, lambda s: self._document.add_sticker(s, name=name), "animate")

    # -------------------------------------------------------------- generate
    def generate(self, settings: PromptSettings) -> BackgroundJob | None:
        """Run the generator in a worker; the result is added as a new sticker."""
        if self.generation_job is not None and self.generation_job.is_running():
            return None
        try:
            request = build_request(settings, self._reference)
        except StickerStudioError as error:
            self.generation_message.emit(str(error), "error")
            return None
        if not settings.prompt and (request.image is None or settings.two_stage):
            self.generation_message.emit("Describe the sticker first, e.g. “a happy cat waving”.", "error")
            return None
        if settings.two_stage:
            return self.find_candidates(settings)
        name = (settings.prompt or "generated")[:40]
        return self._start_generation_job(lambda p, c: self.generator.run(request, p, c),
                                          lambda s: self._generation_done(s, name), "generate")

    def _start_generation_job(self, fn: Callable[[ProgressCallback, Any], Any], on_success: Callable[[Any], object],
                              name: str) -> BackgroundJob:
        job = BackgroundJob(fn, self, name=name)
        job.progress.connect(self.generation_progress)
        job.succeeded.connect(on_success)
        job.failed.connect(lambda message: self._generation_failed(job, message))
        job.cancelled.connect(lambda: self.generation_message.emit("Cancelled — nothing was changed.", "info"))
        job.finished.connect(self.generation_finished)
        job.finished.connect(lambda: self.jobs.discard(job))
        self.generation_job = job
        self.jobs.add(job)
        self.generation_started.emit()
        job.start()
        return job

    def find_candidates(self, settings: PromptSettings) -> BackgroundJob | None:
        """Stage one of text → sticker: find library subjects for the prompt (``candidates_ready``)."""

        def work(progress: ProgressCallback, cancel: Any) -> SubjectCandidates:
            from sticker_studio.engine.generate.two_stage import (
                candidate_thumbnails,
                pick_subject,
            )

            subject = pick_subject(settings.prompt, size=96)
            note = f"recoloured to {subject.recoloured}" if subject.recoloured else ""
            return SubjectCandidates(settings, [c.entry.label for c in subject.candidates],
                                     candidate_thumbnails(subject), note)

        def done(found: SubjectCandidates) -> None:
            self._candidates = found
            self.candidates_ready.emit(found)
            self.generation_message.emit("Pick a subject, then Animate.", "info")

        return self._start_generation_job(work, done, "find subjects")

    def animate_candidate(self, index: int) -> BackgroundJob | None:
        """Stage two: animate the ``index``-th found subject; the result is added as a new sticker."""
        found = self._candidates
        if found is None or not 0 <= index < len(found.labels):
            self.generation_message.emit("Generate first, then pick one of the subjects it finds.", "error")
            return None
        if self.generation_job is not None and self.generation_job.is_running():
            return None
        settings = found.settings
        name = settings.prompt[:40]

        def work(progress: ProgressCallback, cancel: Any) -> Sticker:
            from sticker_studio.engine.generate.two_stage import MotionOptions, generate_two_stage

            result = generate_two_stage(settings.prompt, MotionOptions(seed=settings.seed), candidate=index)
            result.sticker.metadata["summary"] = result.summary()
            return result.sticker

        def done(sticker: Sticker) -> None:
            self._document.add_sticker(sticker, name=name)
            self.generation_message.emit(f"Added “{name}” to the pack — {sticker.metadata.get('summary', '')}.",
                                         "ok")

        return self._start_generation_job(work, done, "animate subject")

    def cancel_generation(self) -> None:
        if self.generation_job is not None and self.generation_job.is_running():
            self.generation_job.cancel()
            self.generation_cancelling.emit()

    def _generation_done(self, sticker: Sticker, name: str) -> None:
        self._document.add_sticker(sticker, name=name)  # a new sticker: never replaces the user's edits
        self.generation_message.emit(f"Added “{name}” to the pack.", "ok")

    def _generation_failed(self, job: BackgroundJob, message: str) -> None:
        if isinstance(job.error, ModelNotFoundError):
            message = no_model_message(job.error)
        self.generation_message.emit(message, "error")

    def reload_generator(self) -> None:
        """Load the generator afresh on next use (models or the device changed)."""
        self.generator.set_factory(default_pipeline_factory(self.settings.device))

    # --------------------------------------------------------------- closing
    def store_settings(self) -> None:
        self.settings.last_pack = str(self._document.folder)
        try:
            save_settings(self.settings)
        except OSError as error:
            log.warning("could not save settings: %s", error)

    def shutdown(self, timeout_ms: int = 15_000) -> None:
        """Cancel running work, wait for it, save the pack and the settings."""
        self.rig.close()  # no new rigging or gallery work from now on
        for job in list(self.jobs):
            job.cancel()
        for job in list(self.jobs):
            job.wait(timeout_ms)
        self._document.close()  # saves, then gives the writer lock back
        self.store_settings()
