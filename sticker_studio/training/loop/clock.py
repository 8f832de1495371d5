"""The wall-clock budget that both training loops share.

``--max-minutes`` makes a run fit a fixed GPU (or CPU) budget. Time spent before a
resume counts, and the learning-rate schedule and curriculum advance by whichever is
further along: the step count or the clock. Rank 0's clock decides for every rank,
so all DDP processes stop at the same step and use the same schedule position.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from sticker_studio.training.loop import distributed


@dataclass
class TrainingClock:
    total_steps: int
    max_minutes: float | None = None
    elapsed_before: float = 0.0
    _start: float = field(default_factory=time.monotonic, repr=False)

    @property
    def budget_s(self) -> float | None:
        return self.max_minutes * 60 if self.max_minutes else None

    def elapsed(self) -> float:
        """Seconds of training in this run, resumed parts included."""
        return self.elapsed_before + time.monotonic() - self._start

    def out_of_time(self, info: distributed.DistInfo) -> bool:
        budget = self.budget_s
        return bool(distributed.broadcast_int(int(budget is not None and self.elapsed() >= budget), info))

    def progress(self, step: int, info: distributed.DistInfo) -> float:
        """Schedule position in [0, 1]: steps done or budget used, whichever is larger."""
        progress = step / max(1, self.total_steps)
        budget = self.budget_s
        if budget:
            clock = distributed.broadcast_int(int(1000 * min(1.0, self.elapsed() / budget)), info) / 1000
            progress = max(progress, clock)
        return progress

    def schedule_step_at(self, step: int, progress: float) -> int:
        """The step the learning-rate schedule should use (never behind the real step), for an
        already-broadcast ``progress``."""
        return min(self.total_steps, max(step, int(progress * self.total_steps)))
