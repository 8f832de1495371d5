"""Refuse to start on a PySide6 build that corrupts ``None``'s reference count.

PySide6 6.12.0 lowers ``None``'s reference count by one on every Qt call that returns
nothing (``QPainter.fillRect``, ``QTimer.start``...). On Python 3.12+ ``None`` is
immortal and nothing happens; on Python 3.11 the preview's paint loop drives the count
to zero within ~25 s of playback and the interpreter aborts (``none_dealloc``).
``pyproject.toml`` keeps that version off 3.11; this probe catches any build that
still has the bug (an old environment, a later release) and says how to fix it
instead of crashing mid-session.
"""

from __future__ import annotations

import sys

from sticker_studio.core.errors import StickerStudioError

#: Calls the probe makes; a broken build loses one ``None`` reference per call.
PROBE_CALLS = 200


class BrokenQtError(StickerStudioError):
    """The installed PySide6 would crash the app; the message says what to install."""


def none_refs_lost_per_call(calls: int = PROBE_CALLS) -> float:
    """How many references to ``None`` one void Qt call loses (0 on a sound build)."""
    from PySide6.QtCore import QTimer

    timer = QTimer()
    before = sys.getrefcount(None)
    for _ in range(calls):
        timer.setInterval(10)  # returns nothing: a broken build decrefs None here
    lost = before - sys.getrefcount(None)
    return lost / calls


def check_qt_refcounts() -> None:
    """Raise :class:`BrokenQtError` when the installed PySide6 has the ``None`` refcount bug."""
    if none_refs_lost_per_call() < 0.5:
        return
    import PySide6

    raise BrokenQtError(
        f"PySide6 {PySide6.__version__} on Python {sys.version_info[0]}.{sys.version_info[1]} has a"
        " reference-counting bug that crashes the app after about 25 s of playback; install a"
        " working version: pip install 'PySide6-Essentials>=6.6,<6.12' (or use Python 3.12+)"
    )
