"""The open pack as the window sees it: current sticker, undo stacks, autosave.

:class:`PackDocument` is the one place that changes stickers. Frame edits arrive as
``sticker_studio.core.edits`` commands and go on a per-sticker ``QUndoStack`` (held
in a ``QUndoGroup``, so Ctrl+Z undoes the sticker you are looking at); emoji changes go
on the sticker's stack too, and pack-level changes (the title, removing a sticker) on
``pack_stack``, which becomes the active stack right after such a change. After every
change the pack is saved by ``StickerPack.save()`` -- the core's atomic save -- after
a short debounce, so a burst of edits costs one save and a crash loses at most the
edit in flight.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QUndoGroup, QUndoStack

from sticker_studio.core.errors import PackError, PackReadOnlyError, StickerStudioError
from sticker_studio.core.pack.pack import PackEntry, StickerPack, default_packs_dir
from sticker_studio.core.sticker import Sticker
from sticker_studio.ui.state.undo import ChangeCommand, StickerEditCommand

log = logging.getLogger(__name__)

AUTOSAVE_DELAY_MS = 300
DEFAULT_PACK_TITLE = "My stickers"


def default_pack_folder(name: str = "My stickers") -> Path:
    """``<user data dir>/packs/<name>`` -- where a new pack lives unless the user picks."""
    safe = "".join(c if c.isalnum() or c in " -_" else "_" for c in name).strip() or "pack"
    return default_packs_dir() / safe


def open_or_create_pack(folder: Path, title: str = DEFAULT_PACK_TITLE) -> StickerPack:
    """Open the pack in ``folder`` (recovering from a crash), or create it there.

    Stickers that cannot be loaded are left on disk untouched and listed in
    ``pack.problems``; a pack another process has open comes back read-only.
    """
    return StickerPack.open_or_create(folder, title, skip_broken=True, allow_read_only=True)


class PackDocument(QObject):
    """A :class:`StickerPack` plus the editing state around it."""

    pack_changed = Signal()          # stickers added/removed, title, names, emoji, tray
    sticker_changed = Signal(str)    # frames or timings of this entry changed
    current_changed = Signal(str)    # the sticker shown in the editor ("" = none)
    saved = Signal()
    save_failed = Signal(str)

    def __init__(self, pack: StickerPack, parent: QObject | None = None,
                 autosave_delay_ms: int = AUTOSAVE_DELAY_MS) -> None:
        super().__init__(parent)
        self.pack = pack
        self.notice = ""  # a message for the window (e.g. why the last pack did not open)
        self.undo_group = QUndoGroup(self)
        self._stacks: dict[str, QUndoStack] = {}
        #: pack-level changes (title, removing stickers); active right after such a change
        self.pack_stack = QUndoStack(self.undo_group)
        self.undo_group.addStack(self.pack_stack)
        self._current_id = ""
        self._save_timer = QTimer(self)
        self._save_timer.setSingleShot(True)
        self._save_timer.setInterval(autosave_delay_ms)
        self._save_timer.timeout.connect(self.save_now)
        entries = self.entries()
        if entries:
            self.set_current(entries[0].id)

    # ------------------------------------------------------------- reading
    @property
    def folder(self) -> Path:
        return Path(self.pack.folder)

    def entries(self) -> list[PackEntry]:
        return list(self.pack.entries)

    def entry(self, entry_id: str) -> PackEntry:
        if entry_id not in self.pack:
            raise PackError(f"sticker {entry_id!r} is not in this pack")
        return self.pack.get(entry_id)

    def current_id(self) -> str:
        return self._current_id

    def current_entry(self) -> PackEntry | None:
        try:
            return self.entry(self._current_id) if self._current_id else None
        except PackError:
            return None

    def current_sticker(self) -> Sticker | None:
        entry = self.current_entry()
        return entry.sticker if entry is not None else None

    def stack(self, entry_id: str) -> QUndoStack:
        if entry_id not in self._stacks:
            stack = QUndoStack(self.undo_group)
            self.undo_group.addStack(stack)
            self._stacks[entry_id] = stack
        return self._stacks[entry_id]

    # ------------------------------------------------------------- choosing
    def set_current(self, entry_id: str) -> None:
        if entry_id == self._current_id:
            return
        self._current_id = entry_id
        self.undo_group.setActiveStack(self.stack(entry_id) if entry_id else None)  # type: ignore[arg-type]  # None clears
        self.current_changed.emit(entry_id)

    # -------------------------------------------------------------- editing
    @property
    def read_only(self) -> bool:
        """True when another window or script has this pack open: nothing here can change it."""
        return self.pack.read_only

    def _check_writable(self) -> None:
        if self.pack.read_only:
            raise PackReadOnlyError(
                f"the pack {self.pack.title!r} is read-only here because {self.pack.read_only_reason};"
                " open another pack to make changes"
            )

    def edit(self, command: object, entry_id: str | None = None) -> None:
        """Apply a core edit command to a sticker (the current one by default), undoably."""
        self._check_writable()
        entry_id = entry_id or self._current_id
        if not entry_id:
            raise PackError("open or make a sticker first")
        sticker = self.entry(entry_id).sticker
        command.apply(sticker)  # type: ignore[attr-defined]  # raises before any change if refused
        self.stack(entry_id).push(StickerEditCommand(self, entry_id, command, already_applied=True))
        self._after_edit(entry_id)

    def apply_edit(self, entry_id: str, edit: object, *, forward: bool) -> None:
        """Called by the undo commands: apply or revert, then show, then autosave."""
        self._check_writable()
        sticker = self.entry(entry_id).sticker
        (edit.apply if forward else edit.revert)(sticker)  # type: ignore[attr-defined]
        self._after_edit(entry_id)

    def _after_edit(self, entry_id: str) -> None:
        self.pack.mark_dirty(entry_id)  # the sticker was edited in place
        if entry_id != self._current_id:
            self.set_current(entry_id)
        self.sticker_changed.emit(entry_id)
        self.schedule_save()

    def add_sticker(self, sticker: Sticker, name: str | None = None,
                    emojis: list[str] | None = None, *, make_current: bool = True) -> PackEntry:
        """Add a new sticker (a generation result, an import): never replaces another one."""
        entry = self.pack.add(sticker, name=name, emojis=emojis)
        self.pack_changed.emit()
        if make_current:
            self.set_current(entry.id)
        self.schedule_save()
        return entry

    def remove_sticker(self, entry_id: str) -> None:
        """Remove a sticker, undoably (its own undo history comes back with it)."""
        entry = self.entry(entry_id)
        index = self.pack.index_of(entry_id)
        was_tray = self.pack.tray_icon_id == entry_id
        stack = self._detach(entry_id)

        def restore() -> None:
            self.pack.restore(entry, index)
            if was_tray:
                self.pack.tray_icon_id = entry.id
            self._stacks[entry.id] = stack
            self.undo_group.addStack(stack)
            self.pack_changed.emit()
            self.set_current(entry.id)
            self.undo_group.setActiveStack(self.pack_stack)  # so Redo removes it again
            self.schedule_save()

        def remove_again() -> None:
            self._detach(entry.id)
            self.undo_group.setActiveStack(self.pack_stack)

        self.pack_stack.push(ChangeCommand(f"Remove “{entry.name}”", remove_again, restore))
        self.undo_group.setActiveStack(self.pack_stack)

    def _detach(self, entry_id: str) -> QUndoStack:
        """Take a sticker out of the pack; its undo stack is returned (kept for an undo)."""
        ids = [e.id for e in self.entries()]
        self.pack.remove(entry_id)
        stack = self.stack(entry_id)
        del self._stacks[entry_id]
        self.undo_group.removeStack(stack)
        if entry_id == self._current_id:
            rest = [i for i in ids if i != entry_id]
            pos = min(ids.index(entry_id), len(rest) - 1)
            self._current_id = ""
            self.set_current(rest[pos] if rest else "")
            if not rest:
                self.current_changed.emit("")
        self.pack_changed.emit()
        self.schedule_save()
        return stack

    def set_title(self, title: str) -> None:
        """Rename the pack, undoably (InvalidInputError for an empty or too long title)."""
        self._change_pack_field("Rename pack", "title", title)

    def set_author(self, author: str) -> None:
        """Set the pack's author / publisher (WhatsApp, Signal show it), undoably."""
        self._change_pack_field("Set author", "author", author)

    def set_subject_size(self, fraction: float) -> None:
        """Set the pack's subject size, undoably (InvalidInputError outside the allowed range)."""
        self._change_pack_field("Set subject size", "subject_size", fraction)

    def _change_pack_field(self, label: str, name: str, value: object) -> None:
        """Set ``pack.<name>`` (the pack checks the value) as one step on the pack's undo stack."""
        old = getattr(self.pack, name)
        if value == old:
            return
        self._set_pack_field(name, value)
        new = getattr(self.pack, name)
        if new == old:
            return
        self.pack_stack.push(ChangeCommand(label, lambda: self._set_pack_field(name, new),
                                           lambda: self._set_pack_field(name, old)))
        self.undo_group.setActiveStack(self.pack_stack)

    def _set_pack_field(self, name: str, value: object) -> None:
        setattr(self.pack, name, value)
        self.pack_changed.emit()
        self.schedule_save()

    def set_emojis(self, entry_id: str, emojis: list[str]) -> None:
        """Set a sticker's emoji, undoably on that sticker's stack (InvalidInputError for 0, > 3, text)."""
        old = list(self.entry(entry_id).emojis)
        if old == emojis:
            return
        self._set_emojis(entry_id, emojis)
        self.stack(entry_id).push(ChangeCommand("Set emoji", lambda: self._set_emojis(entry_id, emojis),
                                                lambda: self._set_emojis(entry_id, old)))

    def _set_emojis(self, entry_id: str, emojis: list[str]) -> None:
        self.pack.set_emojis(entry_id, emojis)
        self.pack_changed.emit()
        self.schedule_save()

    def set_name(self, entry_id: str, name: str) -> None:
        entry = self.entry(entry_id)
        if entry.name != name:
            self.pack.rename(entry_id, name)
            self.pack_changed.emit()
            self.schedule_save()

    def tray_id(self) -> str:
        tray = self.pack.tray_entry
        return tray.id if tray is not None else ""

    def set_tray(self, entry_id: str) -> None:
        self.pack.tray_icon_id = entry_id
        self.pack_changed.emit()
        self.schedule_save()

    # --------------------------------------------------------------- saving
    def schedule_save(self) -> None:
        self._save_timer.start()

    def has_pending_save(self) -> bool:
        return self._save_timer.isActive()

    def save_now(self) -> bool:
        """Save the pack atomically now; on failure keep what is on disk and say why."""
        self._save_timer.stop()
        if self.pack.read_only and not self.pack.is_dirty:
            return True  # nothing to save (and nothing may be saved)
        try:
            self.pack.save()
        except (OSError, StickerStudioError) as error:
            log.warning("autosave failed: %s", error)
            self.save_failed.emit(f"Could not save the pack: {error}")
            return False
        self.saved.emit()
        return True

    def close(self) -> None:
        """Save what is pending and give the pack's writer lock back (another window may then write)."""
        self.save_now()
        self.pack.close()

    def status_text(self) -> str:
        """A line for the window: read-only state and stickers that could not be loaded."""
        parts = []
        if self.pack.read_only:
            parts.append(f"Read-only: {self.pack.read_only_reason}; changes here are not possible")
        if self.pack.problems:
            parts.append(f"{len(self.pack.problems)} sticker(s) not loaded (left on disk untouched):"
                         f" {self.pack.problems[0]}")
        return " · ".join(parts)
