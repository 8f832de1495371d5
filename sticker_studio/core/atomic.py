"""Atomic file writes: write a temp file beside the target, fsync, rename.

A crash or a raised error mid-write never leaves a partial target behind, and an
existing target is only replaced once the new content is complete.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_path(
    target: str | os.PathLike[str], suffix: str | None = None, *, durable: bool = True
) -> Iterator[Path]:
    """Yield a temp path in the target's folder; on success rename it onto ``target``.

    The temp name keeps the target's extension (or ``suffix``) so tools that pick a
    format from the extension (ffmpeg, Pillow) still work. On any exception the temp
    file is removed and the target is untouched. ``durable=False`` skips the fsyncs
    (the rename stays atomic): for bulk files that can be re-made, like dataset clips.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    ext = suffix if suffix is not None else target.suffix
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=f".tmp{ext}", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    _chmod_like_new_file(tmp)
    try:
        yield tmp
        if durable:
            _fsync_file(tmp)
        os.replace(tmp, target)
        if durable:
            _fsync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
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
    with contextlib.suppress(OSError):
        with open(path, "rb") as fh:
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
