"""Fit many stickers at once: a content-keyed cache and a process pool on every core.

"Check sizes" and "Export" run the same fit (:func:`~sticker_studio.formats.fit.fit_sticker`)
for every sticker and target. Two things make a pack export fast:

* **The fit cache.** A fit is keyed on the sticker's *content* (frames, durations, loop
  count, the pixel-art choice), the target's whole rule and :data:`FIT_SETTINGS` (what
  the search does); its result (the file bytes, the quality label) is kept in memory,
  so Export after Check sizes writes what was fitted without fitting again, and an
  edited sticker (new content, new key) is fitted anew. The cache is bounded in bytes
  (least recently used entries go first).
* **A process pool.** The fits that are not cached run in worker processes, one per
  core (``forkserver`` on Linux, so a GUI's threads are never forked). At most two
  stickers per worker are in flight, which bounds memory; results come back as they
  finish. Where a pool cannot start (a sandbox without semaphores, a frozen app without
  ``multiprocessing`` support, one core) the fits run serially in this process.

``fit_all(jobs)`` returns, per job, a :class:`CachedFit` or the
:class:`~sticker_studio.core.errors.StickerStudioError` that job raised.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

import numpy as np

from sticker_studio.core.errors import CancelledError, StickerStudioError
from sticker_studio.core.progress import CancelToken, ProgressCallback
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.targets import ExportTarget

#: What the fit does, as far as its output depends on it: bump when the search changes.
FIT_SETTINGS = "fit_sticker/joint-search-v1"
#: The cache's default bound (file bytes kept).
DEFAULT_CACHE_BYTES = 256 * 1024 * 1024
#: Stickers in flight per worker (bounds the memory of pickled frames).
IN_FLIGHT_PER_WORKER = 2
#: Fewer fits than this run in this process (starting workers costs about a second).
MIN_POOL_JOBS = 4
#: Environment variable that caps the workers (``1``: always serial, in this process).
WORKERS_ENV = "STICKER_STUDIO_FIT_WORKERS"



@dataclass(frozen=True)
class CachedFit:
    """What a fit produced that an export needs: the file and how it was reached."""

    data: bytes
    quality: str
    target: str
    #: CPU seconds the fit used (its process and the encoders it ran), for benchmarks
    cpu_seconds: float = field(default=0.0, compare=False)

    @property
    def byte_size(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class FitJob:
    """One sticker to fit to one file rule."""

    sticker: Sticker
    target: ExportTarget


def sticker_digest(sticker: Sticker) -> str:
    """A digest of everything of ``sticker`` the fit reads (frames, timing, pixel-art choice)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(repr((sticker.durations_ms, sticker.loop_count, sticker.metadata.get("pixel_art"))).encode())
    for frame in sticker.frames:
        h.update(repr((frame.shape, str(frame.dtype))).encode())
        h.update(np.ascontiguousarray(frame).data)
    return h.hexdigest()


def fit_key(sticker: Sticker, target: ExportTarget, digest: str | None = None) -> str:
    """The cache key: sticker content + the target's whole rule + the fit settings."""
    h = hashlib.blake2b(digest_size=20)
    h.update((digest or sticker_digest(sticker)).encode())
    h.update(repr(target).encode())
    h.update(FIT_SETTINGS.encode())
    return h.hexdigest()


class FitCache:
    """Fits by key, least recently used dropped first beyond ``max_bytes``; thread-safe."""

    def __init__(self, max_bytes: int = DEFAULT_CACHE_BYTES) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[str, CachedFit] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> CachedFit | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return item

    def put(self, key: str, fit: CachedFit) -> None:
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= old.byte_size
            if fit.byte_size > self.max_bytes:
                return
            self._items[key] = fit
            self._bytes += fit.byte_size
            while self._bytes > self.max_bytes and self._items:
                _, dropped = self._items.popitem(last=False)
                self._bytes -= dropped.byte_size

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._items)


#: The process-wide cache "Check sizes" fills and "Export" reads.
DEFAULT_CACHE = FitCache()


def _fit_one(sticker: Sticker, target: ExportTarget) -> CachedFit:
    """Run in a worker (or here): the fit, reduced to what crosses the process boundary."""
    from sticker_studio.formats.fit import fit_sticker

    start = cpu_seconds()
    result = fit_sticker(sticker, target)
    return CachedFit(result.data, result.quality, target.name, cpu_seconds() - start)


def cpu_seconds() -> float:
    """CPU time of this process and of the child processes it has waited for (ffmpeg encodes)."""
    total = time.process_time()
    try:
        import resource

        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        total += usage.ru_utime + usage.ru_stime
    except (ImportError, OSError):  # Windows: this process only
        pass
    return total


def default_workers() -> int:
    """One worker per core this process may use (at most ``$STICKER_STUDIO_FIT_WORKERS``)."""
    try:
        cores = max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        cores = max(1, os.cpu_count() or 1)
    try:
        cap = int(os.environ.get(WORKERS_ENV, "0"))
    except ValueError:
        cap = 0
    return min(cores, cap) if cap > 0 else cores


def _start_method() -> str:
    return "forkserver" if sys.platform.startswith("linux") else "spawn"


def fit_all(jobs: Sequence[FitJob], *, workers: int | None = None, cache: FitCache | None = DEFAULT_CACHE,
            progress: ProgressCallback | None = None, cancel: CancelToken | None = None,
            stats: dict[str, object] | None = None) -> list[CachedFit | StickerStudioError]:
    """Fit every job (cache first, then a pool); results in job order.

    ``stats`` (when given) receives ``cached``, ``fitted``, ``workers`` and ``mode``
    ("pool", "serial" or "cache") for benchmarks and status lines.
    """
    results: list[CachedFit | StickerStudioError | None] = [None] * len(jobs)
    digests: dict[int, str] = {}
    keys: list[str] = []
    for job in jobs:
        sid = id(job.sticker)
        if sid not in digests:
            digests[sid] = sticker_digest(job.sticker)
        keys.append(fit_key(job.sticker, job.target, digests[sid]))
    todo: list[int] = []
    first_of: dict[str, int] = {}
    for i, key in enumerate(keys):
        hit = cache.get(key) if cache is not None else None
        if hit is not None:
            results[i] = hit
        elif key in first_of:
            continue  # the same sticker twice for the same rule: fitted once
        else:
            first_of[key] = i
            todo.append(i)
    total = len(jobs)
    twins: dict[str, int] = {}
    for i, key in enumerate(keys):
        if results[i] is None and first_of.get(key) != i:
            twins[key] = twins.get(key, 0) + 1
    done = [sum(1 for r in results if r is not None)]

    def finished(i: int, value: CachedFit | StickerStudioError) -> None:
        results[i] = value
        if isinstance(value, CachedFit) and cache is not None:
            cache.put(keys[i], value)
        done[0] += 1 + twins.get(keys[i], 0)
        if progress is not None:
            progress(min(done[0], total), total)

    count = min(workers or default_workers(), len(todo))
    mode = "cache" if not todo else "serial"
    if count > 1 and (len(todo) >= MIN_POOL_JOBS or workers is not None):
        try:
            _run_pool(jobs, todo, count, finished, cancel)
            mode = "pool"
        except _PoolUnavailable:
            count = 1
    if mode != "pool" and todo:
        for i in todo:
            if results[i] is not None:
                continue  # finished in the pool before it broke
            if cancel is not None and cancel():
                raise CancelledError("cancelled; nothing was written")
            try:
                value: CachedFit | StickerStudioError = _fit_one(jobs[i].sticker, jobs[i].target)
            except StickerStudioError as error:
                value = error
            finished(i, value)
    for i, key in enumerate(keys):  # duplicates take their twin's result
        if results[i] is None:
            results[i] = results[first_of[key]]
    if stats is not None:
        fitted_cpu = sum(r.cpu_seconds for i, r in enumerate(results) if i in set(todo) and isinstance(r, CachedFit))
        stats.update(cached=total - len(todo), fitted=len(todo), workers=max(1, count), mode=mode,
                     cpu_seconds=fitted_cpu)
    done_results = [r for r in results if r is not None]
    if len(done_results) != len(jobs):  # never: every job was fitted, cached or a twin
        raise RuntimeError("fit_all lost a result")
    return done_results


class _PoolUnavailable(Exception):
    """A process pool cannot start (or broke): fall back to serial work."""


def _run_pool(jobs: Sequence[FitJob], todo: list[int], count: int,
              finished: Callable[[int, CachedFit | StickerStudioError], None], cancel: CancelToken | None) -> None:
    from concurrent.futures.process import BrokenProcessPool

    if getattr(sys, "frozen", False):  # a bundled app would start itself again as a worker
        raise _PoolUnavailable("a frozen app fits serially")
    try:
        context = multiprocessing.get_context(_start_method())
        pool = ProcessPoolExecutor(max_workers=count, mp_context=context)
    except (OSError, ValueError, ImportError, NotImplementedError) as error:
        raise _PoolUnavailable(str(error)) from None
    pending: dict[Future[CachedFit], int] = {}
    queue = list(todo)
    window = count * IN_FLIGHT_PER_WORKER
    completed = False
    try:
        while queue or pending:
            while queue and len(pending) < window:
                i = queue.pop(0)
                try:
                    pending[pool.submit(_fit_one, jobs[i].sticker, jobs[i].target)] = i
                except (BrokenProcessPool, RuntimeError, OSError) as error:
                    raise _PoolUnavailable(str(error)) from None
            ready, _ = wait(list(pending), timeout=0.2, return_when=FIRST_COMPLETED)
            if cancel is not None and cancel():
                raise CancelledError("cancelled; nothing was written")
            for future in ready:
                i = pending.pop(future)
                try:
                    value: CachedFit | StickerStudioError = future.result()
                except StickerStudioError as error:
                    value = error
                except (BrokenProcessPool, OSError) as error:
                    raise _PoolUnavailable(str(error)) from None
                finished(i, value)
        completed = True
    finally:
        if completed:
            pool.shutdown(wait=True)
        else:  # cancelled, interrupted or broken: stop the fits still running, do not wait for them
            _stop_pool(pool)


def _stop_pool(pool: ProcessPoolExecutor) -> None:
    """End a pool now: queued fits are dropped and running workers are stopped.

    An encoder a stopped worker was feeding (ffmpeg reading frames from a pipe) sees its
    input close and ends by itself.
    """
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        if process.is_alive():
            process.terminate()
    for process in workers:
        process.join(timeout=2.0)
