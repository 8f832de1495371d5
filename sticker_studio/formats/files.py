"""Reading input files safely: regular files only, never more than a size cap.

``stat`` is taken on the opened descriptor (``O_NONBLOCK``, so opening a FIFO does
not wait for a writer), so a path swapped between the check and the read is still
refused; the read stops one byte past the cap, so a file that grows while it is read
(or a device that reports size 0) cannot be read without end.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from sticker_studio.core.errors import InvalidInputError, LimitExceededError

_CHUNK = 1 << 20


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _refuse(path: Path, mode: int) -> InvalidInputError:
    return InvalidInputError(f"{path} is {_kind(mode)}, not an image or video file")


def regular_file_size(path: str | os.PathLike[str]) -> int:
    """Size of ``path`` after checking it exists and is a regular file (no read, no open)."""
    path = Path(path)
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InvalidInputError(f"{path} does not exist") from None
    except OSError as error:
        raise InvalidInputError(f"cannot read {path}: {error.strerror or error}") from None
    if not stat.S_ISREG(st.st_mode):
        raise _refuse(path, st.st_mode)
    return st.st_size


def read_regular_file(path: str | os.PathLike[str], max_bytes: int, *, head_only: int | None = None) -> bytes:
    """The bytes of regular file ``path`` (or its first ``head_only`` bytes).

    Raises :class:`InvalidInputError` for a missing or non-regular file and
    :class:`LimitExceededError` when it holds more than ``max_bytes``.
    """
    path = Path(path)
    regular_file_size(path)  # a clear message for a missing file or a folder before opening
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise InvalidInputError(f"cannot read {path}: {error.strerror or error}") from None
    with os.fdopen(fd, "rb", buffering=0) as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise _refuse(path, st.st_mode)
        if head_only is not None:
            return fh.read(head_only)
        if st.st_size > max_bytes:
            raise _too_big(path, st.st_size, max_bytes)
        parts: list[bytes] = []
        total = 0
        try:
            while chunk := fh.read(min(_CHUNK, max_bytes + 1 - total)):
                parts.append(chunk)
                total += len(chunk)
                if total > max_bytes:
                    raise _too_big(path, total, max_bytes)
        except OSError as error:
            raise InvalidInputError(f"cannot read {path}: {error.strerror or error}") from None
    return b"".join(parts)


def _too_big(path: Path, n_bytes: int, max_bytes: int) -> LimitExceededError:
    return LimitExceededError(f"{path.name} is at least {n_bytes / 1e6:.1f} MB; the limit is {max_bytes / 1e6:.0f} MB")
