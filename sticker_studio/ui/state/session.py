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
from sticker_studio.core.drawing_size import MIN_DRAWING_SIDE
from sticker_studio.core.errors import ModelNotFoundError, StickerStudioError
from sticker_studio.core.imageops import fit_into_canvas
from sticker_studio.core.pack.pack import StickerPack
from sticker_studio.core.progress import CancelToken, ProgressCallback
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.matting.cutout import Background
from sticker_studio.ui.image_convert import qimage_to_rgba
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
from sticker_studio.ui.state.pack_cut import PackCut, pack_cut
from sticker_studio.ui.state.prompt import PromptSettings, SubjectCandidates
from sticker_studio.ui.state.reference import ReferenceModel, read_file
from sticker_studio.ui.state.rig import RigState
from sticker_studio.ui.state.settings import AppSettings, save_settings
from sticker_studio.ui.state.undo import ChangeCommand
from sticker_studio.ui.state.workers import BackgroundJob
from sticker_studio.ui.timeline import local_paths

log = logging.getLogger(__name__)

#: Longest a sticker name made from a file name or a prompt may be.
NAME_LIMIT = 64

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
    #: the Background in use for the reference changed: its value (engine.matting.cutout.Background)
    background_method_changed = Signal(str)
    #: the reference is (True) or is no longer (False) being cut out
    reference_busy = Signal(bool)
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
        #: the reference drawing, its cut-out, Background choice, flips and cut-out jobs
        self.reference = ReferenceModel(self.settings, self.jobs, parent=self)
        self.reference.changed.connect(self.reference_changed)
        self.reference.background_changed.connect(self.background_method_changed)
        self.reference.busy_changed.connect(self.reference_busy)
        self.reference.error.connect(self.error)
        self.reference.status.connect(self.status)
        #: the reference's puppet rig (proposed on a worker after the cut-out, edited on the reference's
        #: undo stack) and its motion gallery (ui/state/rig.py)
        self.rig = RigState(self.reference.stack, self.run_job, self)
        self.rig.error.connect(self.error)
        self.rig.status.connect(self.status)
        self.reference.changed.connect(lambda sticker, _name: self.rig.set_reference(sticker))
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

    def set_author(self, author: str) -> bool:
        return self.guard(lambda: self._document.set_author(author))

    def suggest_emojis(self, entry_id: str) -> bool:
        """Replace a sticker's emoji with ones suggested from its subject, prompt, motion and name."""
        from sticker_studio.core.text.emoji_suggest import suggest_for_sticker

        entry = self._document.entry(entry_id)
        return self.set_emojis(entry_id, suggest_for_sticker(entry.sticker.metadata, entry.name))

    def set_subject_size(self, fraction: float) -> bool:
        """The pack's subject size for motion presets (undoable, saved with the pack)."""
        return self.guard(lambda: self._document.set_subject_size(fraction))

    def apply_subject_size_to_all(self) -> BackgroundJob | None:
        """Bring every sticker's subject to the pack's subject size (scaled on a worker), as one
        undoable step on the pack's stack; stickers already at that size are left as they are."""
        document, fraction = self._document, self._document.pack.subject_size
        stickers = [(e.id, e.sticker.copy()) for e in document.entries()]
        if not stickers:
            self.error.emit("The pack has no stickers yet")
            return None

        def work(progress: ProgressCallback, cancel: CancelToken) -> list[tuple[str, Sticker]]:
            from sticker_studio.core.pack.subject_fit import rescale_subject

            out = []
            for i, (entry_id, sticker) in enumerate(stickers):
                new = rescale_subject(sticker, fraction)
                if new is not None:
                    out.append((entry_id, new))
                progress(i + 1, len(stickers))
            return out

        def done(results: list[tuple[str, Sticker]]) -> None:
            if document is not self._document:
                return  # another pack was opened meanwhile
            present = {e.id for e in document.entries()}
            commands = [(entry_id, edits.ReplaceSticker(new)) for entry_id, new in results if entry_id in present]
            if not commands:
                self.status.emit(f"Every sticker's subject is at {fraction:.0%} already", 3000)
                return
            current = document.current_id()

            def apply(forward: bool) -> None:
                for entry_id, command in commands if forward else reversed(commands):
                    document.apply_edit(entry_id, command, forward=forward)
                if current and current in {e.id for e in document.entries()}:
                    document.set_current(current)

            if not self.guard(lambda: apply(True)):
                return
            document.pack_stack.push(ChangeCommand(f"Subject size {fraction:.0%} for all stickers",
                                                   lambda: apply(True), lambda: apply(False)))
            document.undo_group.setActiveStack(document.pack_stack)
            self.status.emit(f"{len(commands)} sticker(s) now at {fraction:.0%} — Undo (Ctrl+Z) takes it back", 5000)

        return self.run_job(work, done, "subject size")

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
    # the reference lives in ReferenceModel (ui/state/reference.py); these pass the window's intents on
    @property
    def reference_stack(self) -> QUndoStack:
        """Undo stack of the reference's region flips, in the open document's undo group."""
        return self.reference.stack

    def reference_name(self) -> str:
        return self.reference.name()

    def reference_original(self) -> Sticker | None:
        return self.reference.original()

    def background_method(self) -> Background:
        return self.reference.background()

    def set_background_method(self, method: Background | str) -> None:
        self.reference.set_background(method)

    def reference_flips(self) -> dict[int, bool]:
        return self.reference.flips()

    def reference_close_calls(self) -> np.ndarray | None:
        return self.reference.close_calls()

    def reference_region_at(self, x: int, y: int) -> int:
        return self.reference.region_at(x, y)

    def reference_region_kept(self, track: int) -> bool | None:
        return self.reference.region_kept(track)

    def flip_region_at(self, x: int, y: int) -> bool:
        """Flip the region under (``x``, ``y``) of the reference (undoable: the flips' stack becomes
        the active one)."""
        if not self.reference.flip_region_at(x, y):
            return False
        self._document.undo_group.setActiveStack(self.reference.stack)
        return True

    def set_reference(self, sticker: Sticker | None, name: str = "", source: Path | None = None) -> None:
        """Make ``sticker`` the reference; it is cut out on a worker (``reference_changed`` when done)."""
        self.reference.set_reference(sticker, name, source)

    def load_reference(self, path: Path) -> BackgroundJob:
        """Decode ``path`` in a worker and make it the reference (the pack is not changed)."""
        return self.reference.load(path)

    def restore_reference(self) -> BackgroundJob | None:
        """Bring back the reference of the last session (unless one was set meanwhile)."""
        return self.reference.restore()

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
                if min(frame.shape[:2]) < MIN_DRAWING_SIDE:  # as a file would be: one line, nothing changed
                    from sticker_studio.core.drawing_size import too_small_message

                    self.error.emit(too_small_message(frame.shape[1], frame.shape[0], "the pasted image"))
                    return False
                self.set_reference(Sticker([frame], [100]), "pasted")  # kept as a copy
                return True
        self.error.emit("The clipboard holds no image")
        return False

    # ------------------------------------------------------------- importing
    def import_files(self, paths: list[Path], reference: bool = False) -> BackgroundJob:
        """Each file becomes a new sticker in the pack; ``reference`` (a drop on the window): the last
        one becomes the reference too, else (Ctrl+I, a drop on the pack) it is not changed. A still
        without useful alpha (a drawing on paper) goes into the pack cut out on the worker
        (:func:`~sticker_studio.engine.matting.drawing_cut.cut_drawing_for_pack`: line art for a sketch
        on paper, pixel art keyed exactly, else the model, else the colour key); animations and images
        with transparency go in as they are. A cut-out that comes out blank is not added: an error."""
        heads = self.reference.heads

        def work(progress: ProgressCallback, cancel: CancelToken) -> list[tuple[Path, Sticker, PackCut]]:
            out = []
            for p in paths:
                original = read_file(p)
                out.append((p, original, pack_cut(original, p.name, heads)))
            return out

        def done(results: list[tuple[Path, Sticker, PackCut]]) -> None:
            usable = [r for r in results if min(r[1].width, r[1].height) >= MIN_DRAWING_SIDE]  # not a 1x1
            if reference and usable:
                path, original = usable[-1][0], usable[-1][1]
                self.set_reference(original, str(path), path)
            self._add_cut([(path.stem[:NAME_LIMIT], cut) for path, _original, cut in results])

        return self.run_job(work, done, "import")

    def add_drawing(self, sticker: Sticker, name: str) -> BackgroundJob:
        """``sticker`` (already read, e.g. ``gui FILE``) added to the pack as :meth:`import_files` adds
        a file: cut out on a worker when it is a drawing on paper."""
        heads = self.reference.heads

        def work(progress: ProgressCallback, cancel: CancelToken) -> PackCut:
            return pack_cut(sticker, name, heads)

        return self.run_job(work, lambda cut: self._add_cut([(Path(name).stem[:NAME_LIMIT], cut)]), "import")

    def _add_cut(self, results: list[tuple[str, PackCut]]) -> None:
        """The imported stickers into the pack; one status line saying what was cut out, errors said."""
        added = []
        for name, cut in results:
            if cut.sticker is not None:
                self._document.add_sticker(cut.sticker, name=name)
                added.append((name, cut.note))
            if cut.problem:
                self.error.emit(cut.problem)
        if len(added) == 1:
            name, note = added[0]
            self.status.emit(f"Added “{name}” to the pack" + (f": {note}" if note else ""), 5000)
        elif added:
            cut_count = sum(1 for _name, note in added if note)
            extra = f", {cut_count} cut out from their paper" if cut_count else ""
            self.status.emit(f"Imported {len(added)} file(s){extra}", 5000)

    def insert_files(self, paths: list[Path], index: int) -> BackgroundJob:
        """Frames of ``paths`` go into the current sticker at ``index`` (fitted to its size)."""
        sticker = self._document.current_sticker()
        if sticker is None:
            return self.import_files(paths)
        width, height = sticker.size

        def work(progress: ProgressCallback, cancel: CancelToken) -> tuple[list[np.ndarray], list[int]]:
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
        reference = self.reference.sticker()
        if reference is None:
            self.error.emit("The drawing is still being cut out — a moment" if self.reference.is_busy()
                            else "Drop or paste a drawing in the Reference panel first")
            return None
        if choice.character:  # a character motion on the reference's rig (ui.state.rig)
            name = f"{Path(self.reference.name()).stem or 'drawing'} {choice.character}"[:NAME_LIMIT]
            return self.rig.animate(choice, lambda s: self._document.add_sticker(s, name=name))
        name = f"{Path(self.reference.name()).stem or 'drawing'} {choice.preset}"[:NAME_LIMIT]
        kwargs = choice.animate_kwargs(max(reference.size))
        kwargs["subject_size"] = self._document.pack.subject_size  # one subject size for the whole pack

        def work(progress: ProgressCallback, cancel: CancelToken) -> Sticker:
            from sticker_studio.core.motion.presets import animate

            return animate(reference.frames[0], choice.preset, **kwargs)

        return self.run_job(work, lambda s: self._document.add_sticker(s, name=name), "animate")

    # -------------------------------------------------------------- generate
    def generate(self, settings: PromptSettings) -> BackgroundJob | None:
        """Run the generator in a worker; the result is added as a new sticker."""
        if self.generation_job is not None and self.generation_job.is_running():
            return None
        try:
            request = build_request(settings, self.reference.sticker())
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

        def work(progress: ProgressCallback, cancel: CancelToken) -> SubjectCandidates:
            from sticker_studio.engine.generate.two_stage import (
                candidate_thumbnails,
                pick_subject,
            )

            subject = pick_subject(settings.prompt, size=96)
            note = f"recoloured to {subject.recoloured}" if subject.recoloured else ""
            return SubjectCandidates(settings, [c.entry.label for c in subject.candidates],
                                     candidate_thumbnails(subject), note, subject.warning)

        def done(found: SubjectCandidates) -> None:
            self._candidates = found
            self.candidates_ready.emit(found)
            if found.warning:
                self.generation_message.emit(f"{found.warning}. Pick one only if it fits.", "error")
            else:
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

        def work(progress: ProgressCallback, cancel: CancelToken) -> Sticker:
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

    def stop_jobs(self, timeout_ms: int = 15_000) -> None:
        """Cancel running work and wait for it (no worker thread outlives the window)."""
        self.rig.close()  # no new rigging or gallery work from now on
        for job in list(self.jobs):
            job.cancel()
        for job in list(self.jobs):
            job.wait(timeout_ms)

    def shutdown(self, timeout_ms: int = 15_000) -> None:
        """Cancel running work, wait for it, save the pack and the settings."""
        self.stop_jobs(timeout_ms)
        self._document.close()  # saves, then gives the writer lock back
        self.store_settings()
