"""A sticker pack on disk: ordered stickers with names and emoji, saved crash-safely.

A pack is a folder (layout in :mod:`sticker_studio.core.pack.store`). The in-memory
:class:`StickerPack` is the model the GUI's pack panel shows; every change goes
through its methods so it knows what is dirty, and :meth:`StickerPack.save` writes
only what changed:

1. frames of changed stickers are written under content-hash names that the
   committed ``pack.json`` does not use (existing files are never overwritten);
2. ``pack.json`` is replaced atomically - the commit point;
3. files the new ``pack.json`` no longer uses are deleted.

A kill before step 2 leaves the old pack intact (plus unused new files); a kill after
it leaves the new pack (plus unused old files). :meth:`StickerPack.open` deletes such
leftovers, so a crash loses at most the edit that was being saved.

One writer per pack: an open pack holds an OS-level lock (``filelock`` on
``PACK/.pack.lock``, released by the OS even when the process is killed). A second
process -- another app window, a script -- gets :class:`PackLockedError`, or with
``allow_read_only=True`` a read-only pack that never saves and never cleans up, so
it can neither drop the writer's stickers nor delete the frames it is writing.
A pack holding symbolic links (``stickers/`` -> ``..``) is refused before anything
is read or deleted, and the pack's decoded size is capped before decoding.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Self, TypeVar, overload

import numpy as np

from sticker_studio.core.errors import (
    InvalidInputError,
    PackError,
    PackLockedError,
    PackReadOnlyError,
)
from sticker_studio.core.pack.store import (
    DEFAULT_SUBJECT_SIZE,
    LOCK_FILE,
    MAX_PACK_FRAME_SIDE,
    MAX_SUBJECT_SIZE,
    MIN_SUBJECT_SIZE,
    PACK_FILE,
    STICKERS_DIR,
    PackInfo,
    StickerRecord,
    check_emojis,
    check_pack_tree,
    check_sticker_budget,
    find_orphans,
    frame_digest,
    frame_file_name,
    is_valid_subject_size,
    json_safe_metadata,
    read_frame,
    read_pack_info,
    remove_paths,
    source_file,
    split_emoji_text,
    sticker_dir,
    write_frame,
    write_pack_info,
)
from sticker_studio.core.sticker import Sticker

__all__ = [
    "DEFAULT_EMOJIS",
    "PackEntry",
    "RecoveryReport",
    "SaveReport",
    "StickerPack",
    "default_packs_dir",
]



@dataclass
class _HeldLock:
    """This process's writer lock on one pack folder, shared by its open pack objects."""

    key: str
    lock: Any  # filelock.FileLock
    holders: int

    def release_one(self) -> None:
        self.holders -= 1
        if self.holders <= 0 and _PROCESS_LOCKS.get(self.key) is self:
            del _PROCESS_LOCKS[self.key]
            with contextlib.suppress(OSError):
                self.lock.release(force=True)

    def __del__(self) -> None:  # the last pack object was garbage-collected without close()
        with contextlib.suppress(Exception):
            self.lock.release(force=True)


#: The writer locks this process holds, by real pack folder path.
_PROCESS_LOCKS: dict[str, _HeldLock] = {}
#: Emoji given to a sticker added without any (every messenger requires at least one).
DEFAULT_EMOJIS = ("\U0001F642",)
MAX_NAME_LENGTH = 64
MAX_TITLE_LENGTH = 128


def default_packs_dir() -> Path:
    """Where new packs go by default: ``<platformdirs data dir>/packs``."""
    from sticker_studio.paths import user_data_dir

    return user_data_dir() / "packs"


@dataclass(frozen=True)
class PackEntry:
    """One sticker of a pack. Entries are values: pack methods return new ones on change.

    ``sticker`` is the pack's own copy. Editing it in place (e.g. through
    :mod:`sticker_studio.core.edits`) is allowed; call ``pack.mark_dirty(id)`` after.
    """

    id: str
    name: str
    emojis: list[str]
    sticker: Sticker


@dataclass(frozen=True)
class SaveReport:
    """What one :meth:`StickerPack.save` did (for a status bar and for tests)."""

    saved: bool
    stickers_written: int = 0
    frames_written: int = 0
    files_removed: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class RecoveryReport:
    """Leftovers of an interrupted save that :meth:`StickerPack.recover` deleted."""

    removed: tuple[Path, ...] = ()

    @property
    def count(self) -> int:
        return len(self.removed)


# --------------------------------------------------------------------------- pack-level fields
def _check_title(title: object) -> str:
    if not isinstance(title, str) or not title.strip():
        raise InvalidInputError("a pack needs a title")
    title = _one_line(title, "title")
    if len(title) > MAX_TITLE_LENGTH:
        raise InvalidInputError(f"a pack title may have at most {MAX_TITLE_LENGTH} characters")
    return title


def _check_subject_size(value: object) -> float:
    if not is_valid_subject_size(value) or not isinstance(value, (int, float)):
        raise InvalidInputError(
            f"the subject size is a fraction of the canvas from {MIN_SUBJECT_SIZE:g} to {MAX_SUBJECT_SIZE:g}"
            f" (e.g. {DEFAULT_SUBJECT_SIZE:g}), got {value!r}"
        )
    return round(float(value), 4)


def _check_author(author: object) -> str:
    if not isinstance(author, str):
        raise InvalidInputError("the author must be text")
    return _one_line(author, "author")


def _one_line(text: str, what: str) -> str:
    """``text`` on one line (line breaks and tabs become spaces); control characters are refused.

    Messengers show the title and author on one line, and they end up in file names
    (``title.txt``, ``<title>.wastickers``) and JSON other apps read.
    """
    text = " ".join(text.split())
    if any(unicodedata.category(ch) == "Cc" for ch in text):
        raise InvalidInputError(f"the pack's {what} holds control characters; type it as plain text")
    return text



T = TypeVar("T")


class _PackField(Generic[T]):
    """A pack-level field of ``pack.json`` (title, author, subject size) on :class:`StickerPack`.

    Reads give the value kept in the pack's ``_<name>`` attribute; setting one needs a writable
    pack and stores ``check(value)``, marking the metadata for saving when the value changed.
    """

    def __init__(self, check: Callable[[object], T]) -> None:
        self._check = check
        self._attribute = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._attribute = "_" + name

    @overload
    def __get__(self, pack: None, owner: type | None = None) -> Self: ...

    @overload
    def __get__(self, pack: StickerPack, owner: type | None = None) -> T: ...

    def __get__(self, pack: StickerPack | None, owner: type | None = None) -> Self | T:
        if pack is None:
            return self  # looked up on the class (help(), documentation tools)
        value: T = getattr(pack, self._attribute)
        return value

    def __set__(self, pack: StickerPack, value: T) -> None:
        pack._check_writable()
        value = self._check(value)
        if value != getattr(pack, self._attribute):
            setattr(pack, self._attribute, value)
            pack._meta_dirty = True


class StickerPack:
    """An ordered set of stickers in a folder. Make one with :meth:`create` or :meth:`open`."""

    def __init__(self, folder: Path, title: str, author: str = "",
                 subject_size: float = DEFAULT_SUBJECT_SIZE) -> None:
        self._folder = Path(folder)
        self._title = _check_title(title)
        self._author = _check_author(author)
        self._subject_size = _check_subject_size(subject_size)
        self._entries: list[PackEntry] = []
        self._tray_icon_id: str | None = None
        self._committed: PackInfo | None = None  # what pack.json on disk says
        self._committed_files: dict[str, tuple[str, ...]] = {}
        self._dirty_ids: set[str] = set()  # stickers whose frames must be re-hashed/written
        self._meta_dirty = False  # title, order, names, emojis, durations, removals...
        self._broken: list[StickerRecord] = []  # kept verbatim when opened with skip_broken
        self.problems: list[str] = []
        self.last_recovery = RecoveryReport()
        self._lock: _HeldLock | None = None  # this process's writer lock, while held
        self._read_only_reason: str | None = None

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def create(cls, folder: str | Path, title: str, author: str = "",
               subject_size: float = DEFAULT_SUBJECT_SIZE) -> StickerPack:
        """Make a new, empty pack in ``folder`` (which must not exist or be empty) and save it."""
        folder = Path(folder)
        if (folder / PACK_FILE).exists():
            raise PackError(f"{folder} already holds a sticker pack; open it instead")
        if folder.exists() and (not folder.is_dir() or any(p.name != LOCK_FILE for p in folder.iterdir())):
            raise PackError(f"{folder} is not an empty folder; choose a new folder for the pack")
        pack = cls(folder, title, author, subject_size)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise PackError(f"cannot make the pack folder {folder}: {exc.strerror or exc}") from None
        pack._acquire_lock(allow_read_only=False)
        if (folder / PACK_FILE).exists():  # another process made one meanwhile
            pack.close()
            raise PackError(f"{folder} already holds a sticker pack; open it instead")
        pack._meta_dirty = True
        try:
            pack.save()
        except BaseException:
            pack.close()
            raise
        return pack

    @classmethod
    def open(cls, folder: str | Path, *, skip_broken: bool = False, allow_read_only: bool = False,
             read_only: bool = False) -> StickerPack:
        """Open a pack as its one writer, first deleting leftovers of an interrupted save.

        A sticker whose frame files are missing or damaged, or that is over the memory
        caps, raises a :class:`PackError` naming it; with ``skip_broken`` it is left out
        instead (and listed in :attr:`problems`) but kept in ``pack.json`` untouched until
        :meth:`discard_broken` is called, so nothing is deleted behind the user's back.

        When another process has the pack open: :class:`PackLockedError`, or with
        ``allow_read_only`` a read-only pack (:attr:`read_only_reason` says why).
        ``read_only=True`` opens read-only without taking the lock.
        """
        folder = Path(folder)
        if not folder.is_dir():
            raise PackError(f"there is no sticker pack folder at {folder}")
        check_pack_tree(folder)  # before anything is read, locked or deleted
        info = read_pack_info(folder)
        title = info.title.strip()[:MAX_TITLE_LENGTH] or "Untitled pack"
        pack = cls(folder, title, info.author)
        if read_only:
            pack._read_only_reason = "it was opened read-only"
        else:
            pack._acquire_lock(allow_read_only=allow_read_only)
        try:
            if pack.read_only:
                info = pack._load_read_only(info, skip_broken)
            else:
                info = read_pack_info(folder)  # as committed by the last writer, now that we hold the lock
                pack._committed = info
                pack.last_recovery = pack.recover()
                pack._load(info, skip_broken)
        except BaseException:
            pack.close()
            raise
        pack._title = info.title.strip()[:MAX_TITLE_LENGTH] or "Untitled pack"
        pack._author = info.author.strip()
        pack._subject_size = info.subject_size  # already checked: a damaged value read as the default
        pack._tray_icon_id = info.tray_icon_id if info.tray_icon_id in pack.ids else None
        return pack

    def _load(self, info: PackInfo, skip_broken: bool) -> None:
        self._committed = info
        self._entries, self._broken, self.problems, self._committed_files = [], [], [], {}
        total = 0
        for record in info.stickers:
            try:
                total_with = check_sticker_budget(record, total)  # before decoding a single pixel
                sticker = _load_sticker(self._folder, record)
            except PackError as exc:
                if not skip_broken:
                    raise
                self.problems.append(str(exc))
                self._broken.append(record)
                continue
            total = total_with
            self._entries.append(PackEntry(record.id, record.name, list(record.emojis), sticker))
            self._committed_files[record.id] = record.frame_files

    def _load_read_only(self, info: PackInfo, skip_broken: bool) -> PackInfo:
        """Load while another process may be saving: retry when its pack.json changed under us."""
        for _attempt in range(5):
            try:
                self._load(info, skip_broken)
            except PackError:
                newer = read_pack_info(self._folder)
                if newer == info:
                    raise
                info = newer
                continue
            newer = read_pack_info(self._folder)
            if newer == info or not self.problems:
                return info
            info = newer  # some stickers failed because the writer replaced them: read again
        return info

    @classmethod
    def open_or_create(cls, folder: str | Path, title: str, *, skip_broken: bool = False,
                       allow_read_only: bool = False) -> StickerPack:
        """Open the pack in ``folder``, or create it there if the folder has none."""
        folder = Path(folder)
        if (folder / PACK_FILE).exists() or (folder / PACK_FILE).is_symlink():
            return cls.open(folder, skip_broken=skip_broken, allow_read_only=allow_read_only)
        return cls.create(folder, title)

    # ------------------------------------------------------------------ the writer lock
    def _acquire_lock(self, *, allow_read_only: bool) -> None:
        """Become a writer of the pack, or read-only (``allow_read_only``), or raise PackLockedError.

        The lock is per process, like POSIX record locks: pack objects of one process share
        it (a program that opens one pack twice coordinates itself); another process is
        kept out until every object of this one is closed or gone.
        """
        from filelock import FileLock, Timeout

        key = os.path.realpath(self._folder)
        held = _PROCESS_LOCKS.get(key)
        if held is not None:
            held.holders += 1
            self._lock = held
            return
        lock = FileLock(str(self._folder / LOCK_FILE), timeout=0, thread_local=False)
        try:
            lock.acquire()
        except Timeout:
            reason = "it is open in another Sticker Studio window or script"
        except OSError as exc:
            reason = f"its folder cannot be locked for writing ({exc.strerror or exc})"
        else:
            self._lock = _PROCESS_LOCKS[key] = _HeldLock(key, lock, 1)
            return
        if not allow_read_only:
            raise PackLockedError(
                f"the pack {self._title!r} ({self._folder}) cannot be opened for changes: {reason};"
                " close it there first, or open it read-only"
            )
        self._read_only_reason = reason

    @property
    def read_only(self) -> bool:
        """True when this process may not change the pack (another one is its writer)."""
        return self._read_only_reason is not None

    @property
    def read_only_reason(self) -> str | None:
        return self._read_only_reason

    def close(self) -> None:
        """Release the writer lock (unsaved changes are not saved; call :meth:`save` first).

        After closing, the pack is read-only. Safe to call more than once.
        """
        held, self._lock = self._lock, None
        if held is not None:
            held.release_one()
        if self._read_only_reason is None:
            self._read_only_reason = "it was closed"

    def __del__(self) -> None:  # dropped without close(): give this object's share of the lock back
        held = getattr(self, "_lock", None)
        if held is not None:
            self._lock = None
            with contextlib.suppress(Exception):
                held.release_one()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _check_writable(self) -> None:
        if self._read_only_reason is not None:
            raise PackReadOnlyError(
                f"the pack {self._title!r} is read-only here because {self._read_only_reason};"
                " nothing was changed"
            )

    def recover(self) -> RecoveryReport:
        """Delete what an interrupted save left behind (temp files, unreferenced frames).

        Safe at any time from the owning process: only files the committed
        ``pack.json`` does not reference are touched, and unsaved edits have no files yet.
        A read-only pack never cleans up (the writer may be mid-save).
        """
        if self._committed is None or not self._folder.is_dir() or self.read_only:
            return RecoveryReport()
        check_pack_tree(self._folder)
        orphans = find_orphans(self._folder, self._committed)
        remove_paths(orphans)
        return RecoveryReport(tuple(orphans))

    # ------------------------------------------------------------------ properties
    @property
    def folder(self) -> Path:
        return self._folder

    title = _PackField(_check_title)
    author = _PackField(_check_author)
    #: Fraction of the canvas the subject takes in the pack's motion-animated stickers.
    #: The same for every motion (``core.motion.animate(subject_size=...)``), so one pack's
    #: stickers show the subject at one size. From :data:`MIN_SUBJECT_SIZE` to
    #: :data:`MAX_SUBJECT_SIZE`; packs saved before it existed read as the default.
    subject_size = _PackField(_check_subject_size)

    @property
    def tray_icon_id(self) -> str | None:
        """The sticker chosen as the pack's tray/cover icon (None: the first sticker)."""
        return self._tray_icon_id

    @tray_icon_id.setter
    def tray_icon_id(self, sticker_id: str | None) -> None:
        self._check_writable()
        if sticker_id is not None:
            self._index(sticker_id)
        if sticker_id != self._tray_icon_id:
            self._tray_icon_id = sticker_id
            self._meta_dirty = True

    @property
    def tray_entry(self) -> PackEntry | None:
        """The entry to use as tray icon: the chosen one, else the first sticker."""
        if self._tray_icon_id is not None:
            return self.get(self._tray_icon_id)
        return self._entries[0] if self._entries else None

    @property
    def entries(self) -> tuple[PackEntry, ...]:
        return tuple(self._entries)

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self._entries]

    def __len__(self) -> int:
        return len(self._entries)

    def __iter__(self) -> Iterator[PackEntry]:
        return iter(tuple(self._entries))

    def __contains__(self, sticker_id: object) -> bool:
        return any(e.id == sticker_id for e in self._entries)

    def get(self, sticker_id: str) -> PackEntry:
        return self._entries[self._index(sticker_id)]

    def index_of(self, sticker_id: str) -> int:
        return self._index(sticker_id)

    @property
    def is_dirty(self) -> bool:
        """True when there are changes :meth:`save` has not written yet."""
        return self._meta_dirty or bool(self._dirty_ids)

    # ------------------------------------------------------------------ changes
    def add(
        self,
        sticker: Sticker,
        name: str | None = None,
        emojis: Sequence[str] | None = None,
        *,
        index: int | None = None,
    ) -> PackEntry:
        """Add a copy of ``sticker`` (at the end, or before ``index``); returns its entry.

        Without ``emojis`` the sticker gets emoji suggested from its subject, prompt, motion
        and name (:mod:`sticker_studio.core.text.emoji_suggest`; 🙂 when nothing says more).
        """
        self._check_writable()
        _check_sticker(sticker)
        if emojis is None:
            from sticker_studio.core.text.emoji_suggest import suggest_for_sticker

            emojis = suggest_for_sticker(sticker.metadata, name)
        emoji_list = check_emojis([one for e in emojis for one in split_emoji_text(e)])
        entry = PackEntry(self._new_id(), _check_name(name, len(self._entries) + 1), emoji_list, sticker.copy())
        position = len(self._entries) if index is None else max(0, min(len(self._entries), index))
        self._entries.insert(position, entry)
        self._dirty_ids.add(entry.id)
        self._meta_dirty = True
        return entry

    def remove(self, sticker_id: str) -> PackEntry:
        """Remove a sticker; its files go at the next save."""
        self._check_writable()
        entry = self._entries.pop(self._index(sticker_id))
        self._dirty_ids.discard(sticker_id)
        self._committed_files.pop(sticker_id, None)
        if self._tray_icon_id == sticker_id:
            self._tray_icon_id = None
        self._meta_dirty = True
        return entry

    def restore(self, entry: PackEntry, index: int) -> PackEntry:
        """Put back an entry :meth:`remove` returned (same id, name, emoji and sticker), e.g. on undo."""
        if entry.id in self:
            raise PackError(f"the pack {self._title!r} already has a sticker with id {entry.id!r}")
        _check_sticker(entry.sticker)
        self._entries.insert(max(0, min(len(self._entries), index)), entry)
        self._dirty_ids.add(entry.id)  # its files may be gone already: write them again
        self._meta_dirty = True
        return entry

    def update(self, sticker_id: str, sticker: Sticker) -> PackEntry:
        """Replace a sticker's frames, timing and loop count with a copy of ``sticker``."""
        self._check_writable()
        _check_sticker(sticker)
        i = self._index(sticker_id)
        entry = PackEntry(sticker_id, self._entries[i].name, list(self._entries[i].emojis), sticker.copy())
        self._entries[i] = entry
        self.mark_dirty(sticker_id)
        return entry

    def rename(self, sticker_id: str, name: str) -> PackEntry:
        self._check_writable()
        i = self._index(sticker_id)
        old = self._entries[i]
        entry = PackEntry(old.id, _check_name(name, i + 1), list(old.emojis), old.sticker)
        self._entries[i] = entry
        self._meta_dirty = True
        return entry

    def set_emojis(self, sticker_id: str, emojis: Sequence[str]) -> PackEntry:
        self._check_writable()
        i = self._index(sticker_id)
        old = self._entries[i]
        entry = PackEntry(old.id, old.name, check_emojis([one for e in emojis for one in split_emoji_text(e)]),
                          old.sticker)
        self._entries[i] = entry
        self._meta_dirty = True
        return entry

    def move(self, sticker_id: str, index: int) -> None:
        """Move a sticker so it ends up at position ``index`` (clamped to the pack)."""
        self._check_writable()
        entry = self._entries.pop(self._index(sticker_id))
        self._entries.insert(max(0, min(len(self._entries), index)), entry)
        self._meta_dirty = True

    def reorder(self, ids: Sequence[str]) -> None:
        """Put the stickers in the order of ``ids`` (a permutation of :attr:`ids`)."""
        self._check_writable()
        if sorted(ids) != sorted(self.ids) or len(set(ids)) != len(ids):
            raise InvalidInputError("the new order must list every sticker of the pack exactly once")
        by_id = {e.id: e for e in self._entries}
        self._entries = [by_id[i] for i in ids]
        self._meta_dirty = True

    def mark_dirty(self, sticker_id: str | None = None) -> None:
        """Note a change made outside the pack's methods (e.g. an edit applied to ``entry.sticker``)."""
        self._check_writable()
        if sticker_id is None:
            self._meta_dirty = True
            return
        self._index(sticker_id)
        self._dirty_ids.add(sticker_id)
        self._meta_dirty = True

    def discard_broken(self) -> None:
        """Drop the stickers that :meth:`open` skipped; their files go at the next save."""
        self._check_writable()
        if self._broken:
            self._broken.clear()
            self.problems.clear()
            self._meta_dirty = True

    # ------------------------------------------------------------------ saving
    def save(self) -> SaveReport:
        """Write what changed; atomic and crash-safe (see the module docstring)."""
        if not self.is_dirty:
            return SaveReport(saved=False)
        self._check_writable()
        start = time.perf_counter()
        new_files: dict[str, tuple[str, ...]] = {}
        frames_written = 0
        try:
            self._folder.mkdir(parents=True, exist_ok=True)
            records: list[StickerRecord] = []
            for entry in self._entries:
                if entry.id in self._dirty_ids or entry.id not in self._committed_files:
                    files, written = self._write_frames(entry)
                    new_files[entry.id] = files
                    frames_written += written
                else:
                    files = self._committed_files[entry.id]
                records.append(_record_for(entry, files))
            info = PackInfo(
                title=self._title,
                author=self._author,
                tray_icon_id=self._tray_icon_id,
                stickers=tuple(records) + tuple(self._broken),
                subject_size=self._subject_size,
            )
            write_pack_info(self._folder, info)  # the commit point
        except OSError as exc:
            raise PackError(
                f"could not save the pack {self._title!r} to {self._folder}: {exc.strerror or exc}"
            ) from exc
        old = self._committed
        self._committed = info
        self._committed_files.update(new_files)
        self._dirty_ids.clear()
        self._meta_dirty = False
        removed = self._remove_unused(old, info)
        return SaveReport(
            saved=True,
            stickers_written=len(new_files),
            frames_written=frames_written,
            files_removed=removed,
            seconds=time.perf_counter() - start,
        )

    def _write_frames(self, entry: PackEntry) -> tuple[tuple[str, ...], int]:
        folder = sticker_dir(self._folder, entry.id)
        folder.mkdir(parents=True, exist_ok=True)
        names: list[str] = []
        written = 0
        present = {p.name for p in folder.iterdir()}
        source = entry.sticker.metadata.get("motion_source")
        extra = [source] if isinstance(source, np.ndarray) else []
        for frame in [*entry.sticker.frames, *extra]:
            name = frame_file_name(frame_digest(frame))
            if name not in present:
                write_frame(folder / name, frame)
                present.add(name)
                written += 1
            names.append(name)
        return tuple(names[:entry.sticker.frame_count]), written

    def _remove_unused(self, old: PackInfo | None, new: PackInfo) -> int:
        """After a commit: delete files only the previous pack.json used (best effort)."""
        if old is None:
            return 0
        keep = new.referenced_files()
        doomed: list[Path] = []
        for sid, files in old.referenced_files().items():
            if sid not in keep:
                doomed.append(sticker_dir(self._folder, sid))
            else:
                doomed += [sticker_dir(self._folder, sid) / f for f in files - keep[sid]]
        with contextlib.suppress(OSError):
            return remove_paths(doomed)
        return 0  # anything left over is removed by recover() on the next open

    # ------------------------------------------------------------------ internals
    def _index(self, sticker_id: str) -> int:
        for i, e in enumerate(self._entries):
            if e.id == sticker_id:
                return i
        raise PackError(f"there is no sticker with id {sticker_id!r} in the pack {self._title!r}")

    def _new_id(self) -> str:
        taken = set(self.ids) | {r.id for r in self._broken}
        root = self._folder / STICKERS_DIR
        while True:
            candidate = "s" + secrets.token_hex(4)
            if candidate not in taken and not (root / candidate).exists():
                return candidate

    def __repr__(self) -> str:
        return f"StickerPack({self._title!r}, {len(self)} stickers, folder={str(self._folder)!r})"


# --------------------------------------------------------------------------- helpers
def _check_name(name: str | None, position: int) -> str:
    if name is None or not str(name).strip():
        return f"Sticker {position}"
    name = str(name).strip()
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInputError(f"a sticker name may have at most {MAX_NAME_LENGTH} characters")
    return name


def _check_sticker(sticker: object) -> None:
    if not isinstance(sticker, Sticker):
        raise InvalidInputError(f"a pack holds Sticker objects, got {type(sticker).__name__}")
    if max(sticker.size) > MAX_PACK_FRAME_SIDE:
        raise InvalidInputError(
            f"the sticker is {sticker.width}x{sticker.height}; a pack keeps stickers up to"
            f" {MAX_PACK_FRAME_SIDE} pixels a side - resize it first"
        )


def _record_for(entry: PackEntry, files: tuple[str, ...]) -> StickerRecord:
    s = entry.sticker
    if len(files) != s.frame_count:  # the sticker changed in place without mark_dirty()
        raise PackError(
            f"sticker {entry.name!r} changed without being marked dirty; call mark_dirty({entry.id!r})"
        )
    return StickerRecord(
        id=entry.id,
        name=entry.name,
        emojis=tuple(entry.emojis),
        width=s.width,
        height=s.height,
        loop_count=s.loop_count,
        frame_files=files,
        durations_ms=tuple(int(d) for d in s.durations_ms),
        metadata=_record_metadata(s.metadata),
    )


def _record_metadata(metadata: dict[str, object]) -> dict[str, Any]:
    """What ``pack.json`` keeps of a sticker's metadata; an in-memory source drawing becomes its file name."""
    out = json_safe_metadata(metadata)
    source = metadata.get("motion_source")
    if isinstance(source, np.ndarray):
        out["motion_source"] = frame_file_name(frame_digest(source))
    elif not isinstance(source, str) or source_file(out) is None:
        out.pop("motion_source", None)
    return out


def _load_sticker(folder: Path, record: StickerRecord) -> Sticker:
    where = f"sticker {record.name!r} ({record.id})"
    base = sticker_dir(folder, record.id)
    missing = [f for f in dict.fromkeys(record.frame_files) if not (base / f).is_file()]
    if missing:
        raise PackError(
            f"{where} is incomplete: {len(missing)} of its frame files are missing"
            f" (first: {STICKERS_DIR}/{record.id}/{missing[0]})"
        )
    cache: dict[str, object] = {}
    frames = []
    for name in record.frame_files:
        if name not in cache:
            cache[name] = read_frame(base / name, record.width, record.height, where)
        frames.append(cache[name])
    try:
        return Sticker(frames, list(record.durations_ms), record.loop_count, dict(record.metadata))  # type: ignore[arg-type]
    except InvalidInputError as exc:
        raise PackError(f"{where} cannot be loaded: {exc}") from None
