"""Run long work (generation, fitting, export, downloads) off the GUI thread.

A :class:`BackgroundJob` owns one ``QThread`` and one worker object moved onto it.
The job function receives a ``progress(step, total)`` callback and a
:class:`~sticker_studio.core.progress.CancelToken` it must poll for cancellation -- the same
shapes the engine's pipeline, the fit pool, pack export and publishing accept, so they plug in directly. Results and
errors come back as queued Qt signals, so every slot runs on the GUI thread.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot

from sticker_studio.core.errors import CancelledError, StickerStudioError
from sticker_studio.core.progress import CancelToken, ProgressCallback

log = logging.getLogger(__name__)

#: Jobs whose thread has not fully ended. Holding them here means Python never
#: garbage-collects a QThread that is still running (Qt aborts the process if it is).
_LIVE_JOBS: set[BackgroundJob] = set()
JobFn = Callable[[ProgressCallback, CancelToken], Any]


class _Worker(QObject):
    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str, object)
    cancelled = Signal()
    done = Signal()

    def __init__(self, fn: JobFn, cancel: CancelToken) -> None:
        super().__init__()
        self._fn = fn
        self._cancel = cancel

    def _report(self, step: int, total: int) -> None:
        self.progress.emit(int(step), int(total))

    @Slot()
    def run(self) -> None:
        try:
            result = self._fn(self._report, self._cancel)
        except CancelledError:
            self.cancelled.emit()
        except StickerStudioError as error:
            self.failed.emit(str(error), error)
        except Exception as error:  # a bug: keep the app alive, log the traceback
            log.error("background job failed:\n%s", traceback.format_exc())
            self.failed.emit(f"Something went wrong: {error.__class__.__name__}: {error}", error)
        else:
            if self._cancel.cancelled:
                self.cancelled.emit()
            else:
                self.succeeded.emit(result)
        finally:
            self.done.emit()


class BackgroundJob(QObject):
    """One function run once on its own thread, with progress, cancel and result signals.

    Signals (all delivered on the GUI thread): ``progress(step, total)``,
    ``succeeded(result)``, ``failed(message)``, ``cancelled()`` and, last,
    ``finished()`` whatever the outcome.
    """

    progress = Signal(int, int)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, fn: JobFn, parent: QObject | None = None, name: str = "job") -> None:
        super().__init__(parent)
        self.name = name
        self.cancel_event = CancelToken()
        self.error: BaseException | None = None
        self._thread = QThread()
        self._thread.setObjectName(f"sticker-studio-{name}")
        self._worker = _Worker(fn, self.cancel_event)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self.progress)
        self._worker.succeeded.connect(self.succeeded)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self.cancelled)
        # direct: QThread.quit is thread-safe, and a queued call would need the GUI
        # thread's event loop -- which is blocked when someone wait()s for the job
        self._worker.done.connect(self._thread.quit, Qt.ConnectionType.DirectConnection)
        self._thread.finished.connect(self._on_thread_finished)
        self._running = False

    def start(self) -> None:
        self._running = True
        _LIVE_JOBS.add(self)
        self._thread.start()

    def cancel(self) -> None:
        """Ask the job to stop; it ends at its next cancellation check."""
        self.cancel_event.cancel()

    def is_running(self) -> bool:
        return self._running or self._thread.isRunning()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        """Block until the thread ends (used on shutdown and in tests)."""
        return self._thread.wait(timeout_ms)

    def _on_failed(self, message: str, error: object) -> None:
        self.error = error if isinstance(error, BaseException) else None
        self.failed.emit(message)

    def _on_thread_finished(self) -> None:
        self._thread.wait()  # the thread is past its last line; this returns at once
        self._running = False
        _LIVE_JOBS.discard(self)
        self.finished.emit()
