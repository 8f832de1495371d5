"""How many CPU threads one interactive job should use on this machine right now (no torch, no Qt)."""

from __future__ import annotations

import os


def idle_threads(cores: int | None = None, load: float | None = None) -> int:
    """The idle cores (``cores`` less the 1-minute ``load`` average, rounded), 1..4; both read from the
    machine when not given.

    On a busy 2-core machine two threads contend with the other process and run about
    twice as slowly as one; on an idle one two threads are faster.
    """
    cores = cores if cores is not None else (os.cpu_count() or 1)
    if load is None:
        try:
            load = os.getloadavg()[0]
        except (AttributeError, OSError):  # not on every platform
            load = 0.0
    return int(max(1, min(4, cores, int(cores - load + 0.5))))


def sensible_threads() -> int:
    """Threads for one interactive job on this machine now: :func:`idle_threads`."""
    return idle_threads()
