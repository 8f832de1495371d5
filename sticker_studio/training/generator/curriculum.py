"""Which task a training batch practises: RDTF's difficulty-adaptive curriculum (DCL).

RDTF (rdtf_method.md §3) splits the difficulty of a sample into a *static* part that
follows the training step and an *adaptive* part that follows the model's loss. Tasks
are grouped the way the paper groups them:

* ``generation``    — one frame or no frame given: t2v, i2v (hardest: most to invent);
* ``interpolation`` — every other frame / the ends given: interp (easiest);
* ``prediction``    — a prefix/suffix given: continue, and loop closing (first frame
  given again after the last, which is a constrained prediction).

Static part (the authors' code): each group's weight is interpolated linearly through
three points over the two halves of the curriculum — generation 0.1→0.5→0.9,
interpolation 0.9→0.5→0.1, prediction 0.7→0.5→0.3 — so training drifts from
interpolation (easy) to generation (hard).

Adaptive part (PID-style): ``P = Kp·last + Ki·mean(last 1000) + Kd·(last − previous)``
with Kp=5.0, Ki=3.0, Kd=1.3. P's rank among the last 1000 values of P is bucketed; the
bucket adds offsets ranging from generation 0.9 / interpolation 0.1 (lowest bucket)
to generation 0.1 / interpolation 0.9 (highest bucket); prediction gets 0.5.

**Direction** (the paper leaves it open, rdtf_method.md §3 [I]): a *high* P means the
model is currently struggling (loss high or rising), so the adaptive part then leans
towards the *easy* group (interpolation); a *low* P means it is coasting, so it leans
towards the *hard* group (generation). That is the usual self-paced-learning reading of
"difficulty-adaptive": keep the model near the edge of what it can do, back off when the
loss spikes. The sampling weight of a group is static + adaptive (then normalised).

Baselines (RDTF T4): ``linear`` (LCL: a straight line from the first to the last static
point, no adaptive part) and ``none`` (w/o CL: constant equal group weights).

This module is pure Python so it can be tested and reasoned about without torch.
"""

from __future__ import annotations

import bisect
import enum
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.engine.generate.tasks import Task

#: Task groups of RDTF and the pipeline tasks each one trains.
GROUPS: dict[str, tuple[Task, ...]] = {
    "generation": (Task.TEXT_TO_ANIMATION, Task.IMAGE_TO_ANIMATION),
    "interpolation": (Task.INTERPOLATION,),
    "prediction": (Task.CONTINUATION, Task.LOOP),
}
#: Within a group, how often each task is picked (i2v is what users mostly ask for).
TASK_SHARE: dict[Task, float] = {
    Task.TEXT_TO_ANIMATION: 0.4,
    Task.IMAGE_TO_ANIMATION: 0.6,
    Task.INTERPOLATION: 1.0,
    Task.CONTINUATION: 0.6,
    Task.LOOP: 0.4,
}
#: The static schedule's three points per group (start, middle, end of the curriculum).
STATIC_POINTS: dict[str, tuple[float, float, float]] = {
    "generation": (0.1, 0.5, 0.9),
    "interpolation": (0.9, 0.5, 0.1),
    "prediction": (0.7, 0.5, 0.3),
}
class CurriculumKind(enum.StrEnum):
    """Which curriculum a run uses; the values are the CLI's ``--curriculum`` words."""

    DCL = "dcl"        # static + adaptive, the paper's method
    STATIC = "static"  # the static part only
    LINEAR = "linear"  # the LCL baseline
    NONE = "none"      # the w/o CL baseline


CURRICULUM_KINDS: tuple[str, ...] = tuple(k.value for k in CurriculumKind)


@dataclass
class PIDGains:
    """The adaptive part's gains (RDTF T6)."""

    kp: float = 5.0
    ki: float = 3.0
    kd: float = 1.3


@dataclass
class CurriculumConfig:
    """How the curriculum behaves.

    ``kind``: ``dcl`` (static + adaptive, the paper's method), ``static`` (static part
    only), ``linear`` (LCL baseline), ``none`` (w/o CL baseline).
    ``total_steps``: the length of the curriculum; past it the final weights hold.
    ``history``: how many losses / P values are remembered (1000 in the paper).
    ``buckets``: how many rank buckets the adaptive part uses.
    ``adaptive_scale``: the weight of the adaptive offsets relative to the static part.
    """

    kind: CurriculumKind | str = CurriculumKind.DCL
    total_steps: int = 10_000
    history: int = 1000
    buckets: int = 5
    adaptive_scale: float = 1.0
    gains: PIDGains = field(default_factory=PIDGains)

    def __post_init__(self) -> None:
        if self.kind not in CURRICULUM_KINDS:
            raise InvalidInputError(f"unknown curriculum {self.kind!r}; choose one of {', '.join(CURRICULUM_KINDS)}")
        self.kind = CurriculumKind(self.kind)
        if self.total_steps < 1:
            raise InvalidInputError("the curriculum needs at least 1 step")
        if self.buckets < 2:
            raise InvalidInputError("the adaptive curriculum needs at least 2 buckets")


def static_weights(progress: float) -> dict[str, float]:
    """The static group weights at ``progress`` in [0, 1] (piecewise linear over two halves)."""
    p = min(max(progress, 0.0), 1.0)
    out = {}
    for group, (a, b, c) in STATIC_POINTS.items():
        out[group] = a + (b - a) * (p / 0.5) if p <= 0.5 else b + (c - b) * ((p - 0.5) / 0.5)
    return out


def linear_weights(progress: float) -> dict[str, float]:
    """The LCL baseline: one straight line from the first to the last static point."""
    p = min(max(progress, 0.0), 1.0)
    return {group: a + (c - a) * p for group, (a, _b, c) in STATIC_POINTS.items()}


def adaptive_offsets(bucket: int, buckets: int) -> dict[str, float]:
    """Offsets of a rank bucket: bucket 0 (low P, model coasting) → generation 0.9 /
    interpolation 0.1; the top bucket (high P, struggling) → generation 0.1 / interpolation 0.9."""
    u = bucket / (buckets - 1)
    return {"generation": 0.9 - 0.8 * u, "interpolation": 0.1 + 0.8 * u, "prediction": 0.5}


class Curriculum:
    """Task weights per step; fed the training loss after every step.

    Use :meth:`sample_task` to pick a batch's task, :meth:`update` with the batch's loss
    afterwards. :meth:`state_dict`/:meth:`load_state_dict` make it resumable.
    """

    def __init__(self, config: CurriculumConfig | None = None) -> None:
        self.config = config or CurriculumConfig()
        self._losses: deque[float] = deque(maxlen=self.config.history)
        self._p_values: deque[float] = deque(maxlen=self.config.history)
        self._loss_sum = 0.0
        self.last_p: float | None = None
        self.last_bucket: int | None = None

    # ------------------------------------------------------------------ weights
    def progress(self, step: int) -> float:
        return min(max(step / self.config.total_steps, 0.0), 1.0)

    def group_weights(self, step: int) -> dict[str, float]:
        """Normalised group weights at ``step`` (sum 1)."""
        kind = self.config.kind
        if kind is CurriculumKind.NONE:
            raw = {g: 1.0 for g in GROUPS}
        elif kind is CurriculumKind.LINEAR:
            raw = linear_weights(self.progress(step))
        else:
            raw = static_weights(self.progress(step))
            if kind is CurriculumKind.DCL and self.last_bucket is not None:
                off = adaptive_offsets(self.last_bucket, self.config.buckets)
                raw = {g: raw[g] + self.config.adaptive_scale * off[g] for g in raw}
        total = sum(raw.values())
        return {g: v / total for g, v in raw.items()}

    def task_weights(self, step: int) -> dict[Task, float]:
        """Per-task sampling probabilities at ``step`` (group weight × share in group)."""
        groups = self.group_weights(step)
        out: dict[Task, float] = {}
        for group, tasks in GROUPS.items():
            share_total = sum(TASK_SHARE[t] for t in tasks)
            for task in tasks:
                out[task] = groups[group] * TASK_SHARE[task] / share_total
        return out

    def sample_task(self, step: int, rng: random.Random) -> Task:
        weights = self.task_weights(step)
        tasks = list(weights)
        return rng.choices(tasks, weights=[weights[t] for t in tasks], k=1)[0]

    # ------------------------------------------------------------------ adaptive part
    def update(self, loss: float) -> None:
        """Record one step's loss and recompute P and its bucket."""
        loss = float(loss)
        if loss != loss:  # NaN: ignore, it would poison the history
            return
        previous = self._losses[-1] if self._losses else loss
        if len(self._losses) == self._losses.maxlen:
            self._loss_sum -= self._losses[0]
        self._losses.append(loss)
        self._loss_sum += loss
        mean = self._loss_sum / len(self._losses)
        g = self.config.gains
        p = g.kp * loss + g.ki * mean + g.kd * (loss - previous)
        self._p_values.append(p)
        self.last_p = p
        self.last_bucket = self._bucket_of(p)

    def _bucket_of(self, p: float) -> int:
        history = sorted(self._p_values)
        # rank in [0, 1]: share of the history strictly below p, ties split evenly
        lo = bisect.bisect_left(history, p)
        hi = bisect.bisect_right(history, p)
        rank = ((lo + hi) / 2) / max(len(history), 1)
        if len(history) == 1:
            rank = 0.5
        return min(int(rank * self.config.buckets), self.config.buckets - 1)

    # ------------------------------------------------------------------ resume
    def state_dict(self) -> dict[str, Any]:
        return {
            "losses": list(self._losses),
            "p_values": list(self._p_values),
            "last_p": self.last_p,
            "last_bucket": self.last_bucket,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self._losses = deque((float(x) for x in state.get("losses", [])), maxlen=self.config.history)
        self._p_values = deque((float(x) for x in state.get("p_values", [])), maxlen=self.config.history)
        self._loss_sum = sum(self._losses)
        self.last_p = state.get("last_p")
        self.last_bucket = state.get("last_bucket")


def make_curriculum(kind: CurriculumKind | str = CurriculumKind.DCL, total_steps: int = 10_000,
                    **kwargs: Any) -> Curriculum:
    """A curriculum of ``kind`` spanning ``total_steps`` (see :class:`CurriculumConfig`)."""
    return Curriculum(CurriculumConfig(kind=kind, total_steps=max(1, int(total_steps)), **kwargs))
