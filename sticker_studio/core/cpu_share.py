"""How many CPU threads one interactive job should use on this machine right now (no torch, no Qt)."""

from __future__ import annotations

import os


def sensible_threads() -> int:
    """Threads for one interactive job: the idle cores (1-min load average), 1..4.

    On a busy 2-core machine two threads contend with the other process and run about
    twice as slowly as one; on an idle one two threads are faster.
    """
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = 0.0
    return int(max(1, min(4, cores, int(cores - load + 0.5))))
