"""The two shapes long work takes: ``progress(done, total)`` and a :class:`CancelToken`.

Engine sampling, matting, pack export, dataset synthesis, the app's background jobs and the
CLI's tqdm bars all take or build a :data:`ProgressCallback`; everything that can be stopped
half-way takes a :class:`CancelToken` (one type: the app's jobs make one per job, the pipeline,
the fit pool, pack export and publishing poll it between steps).
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sticker_studio.core.errors import CancelledError

ProgressCallback = Callable[[int, int], None]
"""``progress(done, total)``: ``done`` of ``total`` steps finished (``0 <= done <= total``)."""


class CancelToken:
    """Whether someone asked the work to stop: set once (from any thread), polled between steps.

    ``token.cancel()`` asks; ``token.cancelled`` (or ``token()``) reads; work that stops raises
    :class:`~sticker_studio.core.errors.CancelledError` (``token.raise_if_cancelled()``) or returns
    what it has. ``also`` is a further condition that counts as a cancel (a deadline, a test's
    "after two waits"). ``set()`` / ``is_set()`` / ``wait()`` are ``threading.Event``'s names, so job
    code written against an Event keeps working.
    """

    __slots__ = ("_also", "_event")

    def __init__(self, also: Callable[[], bool] | None = None) -> None:
        self._event = threading.Event()
        self._also = also

    def cancel(self) -> None:
        """Ask the work to stop (it ends at its next check)."""
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set() or (self._also is not None and bool(self._also()))

    def __call__(self) -> bool:
        return self.cancelled

    def raise_if_cancelled(self, message: str = "cancelled") -> None:
        if self.cancelled:
            raise CancelledError(message)

    def wait(self, timeout: float | None = None) -> bool:
        """Sleep until cancelled or ``timeout`` seconds passed; True when cancelled."""
        return self._event.wait(timeout) or self.cancelled

    set = cancel

    def is_set(self) -> bool:
        return self.cancelled


def is_cancelled(cancel: CancelToken | None) -> bool:
    """``cancel`` was given and is cancelled (``None``: work that cannot be stopped)."""
    return cancel is not None and cancel.cancelled
