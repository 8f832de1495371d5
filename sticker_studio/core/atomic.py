"""Atomic file writes: write a temp file beside the target, fsync, rename.

A crash or a raised error mid-write never leaves a partial target behind, and an
existing target is only replaced once the new content is complete.

Temp files are named ``.<stem, at most 24 chars>.<pid>.<8 random>.tmp<ext>``: short,
so a target name near the 255-byte NAME_MAX never makes an over-long temp name, and
carrying the writer's process id, so leftovers of a killed writer (``kill -9``) are
recognised and removed the next time anything is written into that folder
(:func:`remove_stale_temps`: only names of this pattern, only when their writer is dead
or they are a day old). Folders a failed write created are removed again.

Every problem with *where* an output goes (a folder, a file as parent, a read-only
place, a name too long, the same file as an input) is an :class:`OutputError`: one
line for the CLI, and still an ``OSError`` for code that expects one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from sticker_studio.core.errors import OutputError

#: Characters of the target's stem kept in a temp name.
TEMP_STEM_CHARS = 24
#: A temp file whose writer process is gone is stale after this many seconds...
STALE_DEAD_WRITER_S = 60.0
#: ...and any temp file of ours is stale after a day (a reused pid cannot keep it alive).
STALE_ANY_S = 24 * 3600.0
#: Temp names written before the pid was part of them (``.<stem>.<8 random>.tmp<ext>``)
#: count as stale after an hour.
STALE_LEGACY_S = 3600.0

_TEMP_RE = re.compile(
    r"^\.(?P<stem>.{0,24})\.(?P<pid>[0-9]{1,10})\.[a-z0-9_]{8}\.tmp(?:\.[^./]{1,16})?$", re.DOTALL
)  # 24 = TEMP_STEM_CHARS
_LEGACY_TEMP_RE = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp(?:\.[^./]{1,16})?$", re.DOTALL)
_cleaned_folders: set[str] = set()


# --------------------------------------------------------------------------- temp names
def is_temp_name(name: str) -> bool:
    """True for the names :func:`atomic_path` gives its temp files (this and older versions)."""
    return bool(_TEMP_RE.match(name) or _LEGACY_TEMP_RE.match(name))


def _temp_affixes(target: Path, suffix: str | None) -> tuple[str, str]:
    ext = (suffix if suffix is not None else target.suffix)[:17]
    stem = target.stem[:TEMP_STEM_CHARS].replace("\n", "_")
    return f".{stem}.{os.getpid()}.", f".tmp{ext}"


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists (another user's), or we cannot tell: keep the file
    return True


def is_stale_temp(path: Path, *, now: float | None = None) -> bool:
    """True when ``path`` is a regular temp file of ours that no live writer will finish."""
    name = path.name
    match = _TEMP_RE.match(name)
    legacy = match is None and _LEGACY_TEMP_RE.match(name) is not None
    if match is None and not legacy:
        return False
    try:
        st = path.lstat()
    except OSError:
        return False
    if not stat.S_ISREG(st.st_mode):
        return False  # never a link, folder or device, whatever its name
    age = (time.time() if now is None else now) - st.st_mtime
    if legacy:
        return age > STALE_LEGACY_S
    assert match is not None
    if age > STALE_ANY_S:
        return True
    return age > STALE_DEAD_WRITER_S and not _pid_alive(int(match.group("pid")))


def remove_stale_temps(folder: str | os.PathLike[str]) -> list[Path]:
    """Delete temp files of ours in ``folder`` left by writers that died; returns them."""
    folder = Path(folder)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    now = time.time()
    for entry in entries:
        if not entry.name.startswith(".") or ".tmp" not in entry.name:
            continue
        path = Path(entry.path)
        if is_stale_temp(path, now=now):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def _clean_once(folder: Path) -> None:
    """Remove stale temps the first time this process writes into ``folder``."""
    key = os.path.abspath(folder)
    if key not in _cleaned_folders:
        _cleaned_folders.add(key)
        remove_stale_temps(folder)


# --------------------------------------------------------------------------- output checks
def check_output_path(target: str | os.PathLike[str]) -> Path:
    """Refuse, before any work, an output that cannot be a file there; returns it as a Path."""
    target = Path(target)
    if target.name in ("", ".", ".."):
        raise OutputError(f"{target} is not a file name; give an output file such as out.webp")
    if len(os.fsencode(target.name)) > _name_max(target.parent):
        raise OutputError(
            f"the output name is {len(os.fsencode(target.name))} bytes; this file system allows at most"
            f" {_name_max(target.parent)} (choose a shorter name)"
        )
    if target.is_dir():
        raise OutputError(f"{target} is a folder; give a file name for the output (e.g. {target / 'sticker.webp'})")
    if target.exists() and not target.is_file():
        # the temp file renamed onto it would replace a device or a pipe (``-o /dev/null`` replaced /dev/null)
        raise OutputError(f"{target} is not a regular file (a device, a pipe or a socket) and would be replaced; "
                          "give an output file such as out.webp")
    for parent in target.parents:
        if parent.exists():
            if not parent.is_dir():
                raise OutputError(f"cannot write {target}: {parent} is a file, not a folder")
            if not os.access(parent, os.W_OK | os.X_OK):
                raise OutputError(f"cannot write {target}: the folder {parent} is read-only")
            break
    return target


def _name_max(folder: Path) -> int:
    for candidate in (folder, *folder.parents):
        if candidate.exists():
            with contextlib.suppress(OSError, ValueError, AttributeError):
                return int(os.pathconf(candidate, "PC_NAME_MAX"))
            break
    return 255


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when ``a`` and ``b`` name one file: the same resolved path, or the same inode."""
    pa, pb = Path(a), Path(b)
    with contextlib.suppress(OSError):
        if os.path.samefile(pa, pb):
            return True
    with contextlib.suppress(OSError, RuntimeError):
        return pa.resolve() == pb.resolve()
    return False


def refuse_output_over_input(
    output: str | os.PathLike[str] | None, inputs: Iterable[str | os.PathLike[str] | None]
) -> None:
    """Raise :class:`OutputError` when ``output`` is the same file as one of ``inputs``.

    Every CLI command that writes calls this before reading, so a mistyped ``-o`` never
    replaces the user's original (symlinks and hard links included).
    """
    if output is None:
        return
    for source in inputs:
        if source is not None and same_file(output, source):
            raise OutputError(
                f"the output {output} is the input file {source}; choose another output name"
                " (the original is never overwritten)"
            )


# --------------------------------------------------------------------------- writing
def _make_parents(folder: Path) -> list[Path]:
    """``mkdir -p folder``; returns the folders it created, outermost first."""
    missing: list[Path] = []
    for candidate in (folder, *folder.parents):
        if candidate.exists() or candidate.is_symlink():
            break
        missing.append(candidate)
    missing.reverse()
    created: list[Path] = []
    try:
        for d in missing:
            d.mkdir()
            created.append(d)
    except FileExistsError:
        pass  # made meanwhile by someone else: theirs, not ours to remove
    except OSError:
        _remove_created(created)
        raise
    if not folder.is_dir():
        _remove_created(created)
        raise NotADirectoryError(errno.ENOTDIR, "not a folder", str(folder))
    return created


def _remove_created(created: list[Path]) -> None:
    for d in reversed(created):
        with contextlib.suppress(OSError):
            d.rmdir()  # only if still empty: never removes anything someone put there


def _output_error(target: Path, exc: OSError) -> OutputError:
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        reason = "the folder is read-only" if exc.errno != errno.EROFS else "the file system is read-only"
    elif exc.errno == errno.ENAMETOOLONG:
        reason = "the name is too long for this file system"
    elif exc.errno == errno.ENOSPC:
        reason = "the disk is full"
    elif exc.errno in (errno.ENOTDIR, errno.EEXIST):
        reason = "a file is in the way where a folder should be"
    elif exc.errno == errno.EISDIR:
        reason = "it is a folder"
    return OutputError(f"cannot write {target}: {reason}")


@contextlib.contextmanager
def atomic_path(
    target: str | os.PathLike[str], suffix: str | None = None, *, durable: bool = True
) -> Iterator[Path]:
    """Yield a temp path in the target's folder; on success rename it onto ``target``.

    The temp name keeps the target's extension (or ``suffix``) so tools that pick a
    format from the extension (ffmpeg, Pillow) still work. On any exception the temp
    file and the folders this call created are removed and the target is untouched;
    file-system failures surface as :class:`OutputError`. ``durable=False`` skips the
    fsyncs (the rename stays atomic): for bulk files that can be re-made, like dataset clips.
    """
    target = check_output_path(target)
    created: list[Path] = []
    tmp: Path | None = None
    try:
        created = _make_parents(target.parent)
        _clean_once(target.parent)
        prefix, tmp_suffix = _temp_affixes(target, suffix)
        fd, tmp_name = tempfile.mkstemp(prefix=prefix, suffix=tmp_suffix, dir=target.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        _chmod_like_new_file(tmp)
        yield tmp
        if durable:
            _fsync_file(tmp)
        os.replace(tmp, target)
        tmp = None
        if durable:
            _fsync_dir(target.parent)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
        _remove_created(created)
        if isinstance(exc, OSError) and not isinstance(exc, OutputError):
            raise _output_error(target, exc) from exc
        raise


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write ``data`` to ``target`` atomically and return the target path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def atomic_write_text(target: str | os.PathLike[str], text: str, encoding: str = "utf-8") -> Path:
    return atomic_write_bytes(target, text.encode(encoding))


def _chmod_like_new_file(path: Path) -> None:
    """mkstemp makes 0600 files; give the target the mode a plain ``open`` would (0666 & ~umask)."""
    umask = os.umask(0)
    os.umask(umask)
    with contextlib.suppress(OSError):
        os.chmod(path, 0o666 & ~umask)


def _fsync_file(path: Path) -> None:
    with contextlib.suppress(OSError), open(path, "rb") as fh:
        os.fsync(fh.fileno())


def _fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def check_output(
    output: str | os.PathLike[str], *inputs: str | os.PathLike[str] | None
) -> Path:
    """What every writing command calls before reading anything: ``output`` can be written
    there (:func:`check_output_path`) and is none of ``inputs`` (:func:`refuse_output_over_input`)."""
    refuse_output_over_input(output, inputs)
    return check_output_path(output)


#: An OSError met while writing a path, as one line a person can act on (for writers of folders).
output_error = _output_error
