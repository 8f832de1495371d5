"""The tasks one generator serves, expressed as RDTF condition masks.

A condition mask is a 0/1 vector over the frames the model sees (1 = that frame is
given as a condition). The same masks are sampled in training and chosen at inference,
so one network does every task (rdtf_method.md section 2).

Loop closing gives the first frame twice: as frame 0 and as an extra frame after the
last, so the model sees where the loop must land; the extra frame is dropped from the
output. :func:`frames_in_flight` says how many frames the model runs for a task.

This module is pure Python (no torch) so ``core``-level code and the UI can use it.
"""

from __future__ import annotations

import enum
import random
from collections.abc import Sequence


class Task(str, enum.Enum):  # noqa: UP042 - str() must stay "Task.T2V"-style for existing callers
    """What a generation request asks for."""

    TEXT_TO_ANIMATION = "t2v"   # no frame given
    IMAGE_TO_ANIMATION = "i2v"  # first frame given
    INTERPOLATION = "interp"    # first + last given (or every other frame)
    CONTINUATION = "continue"   # a prefix given
    LOOP = "loop"               # first frame given, and again after the last

    @classmethod
    def parse(cls, value: str | Task) -> Task:
        if isinstance(value, Task):
            return value
        aliases = {"text": "t2v", "image": "i2v", "interpolate": "interp", "continuation": "continue",
                   "predict": "continue", "prediction": "continue", "loop-closing": "loop"}
        key = aliases.get(str(value).lower(), str(value).lower())
        try:
            return cls(key)
        except ValueError:
            from sticker_studio.core.errors import InvalidInputError

            names = ", ".join(t.value for t in cls)
            raise InvalidInputError(f"unknown task {value!r}; choose one of: {names}") from None

    @property
    def needs_image(self) -> bool:
        return self is not Task.TEXT_TO_ANIMATION


def frames_in_flight(task: Task, num_frames: int) -> int:
    """Frames the model runs for ``num_frames`` output frames (loop adds one)."""
    return num_frames + 1 if task is Task.LOOP else num_frames


def condition_mask(
    task: Task,
    num_frames: int,
    *,
    given_prefix: int | None = None,
    interpolation: str = "ends",
) -> list[int]:
    """The inference condition mask for ``task`` over :func:`frames_in_flight` frames.

    ``interpolation``: ``"ends"`` (first and last given) or ``"alternate"`` (every
    other frame given, starting at 0). ``given_prefix``: frames given for continuation
    (default half, at least 1).
    """
    n = frames_in_flight(task, num_frames)
    if num_frames < 2:
        from sticker_studio.core.errors import InvalidInputError

        raise InvalidInputError("an animation needs at least 2 frames")
    mask = [0] * n
    if task is Task.TEXT_TO_ANIMATION:
        pass
    elif task is Task.IMAGE_TO_ANIMATION:
        mask[0] = 1
    elif task is Task.INTERPOLATION:
        if interpolation == "alternate":
            mask = [1 if i % 2 == 0 else 0 for i in range(n)]
        else:
            mask[0] = mask[-1] = 1
    elif task is Task.CONTINUATION:
        k = given_prefix if given_prefix is not None else max(1, num_frames // 2)
        k = max(1, min(num_frames - 1, k))
        mask[:k] = [1] * k
    elif task is Task.LOOP:
        mask[0] = mask[-1] = 1
    return mask


def sample_training_mask(task: Task, valid: Sequence[int], rng: random.Random) -> list[int]:
    """A training condition mask for ``task`` over a padded clip.

    ``valid`` is the loss mask (1 = real frame, 0 = padding). Only real frames can be
    given. The patterns follow RDTF's T7: one visible frame for generation (not always
    the first), ends / alternating / every-third for interpolation, a prefix of length
    in [n/2, n-1] for continuation, first+last-equals-first for loop closing (the clip
    passed in must then have frame 0 repeated after its last real frame).
    """
    n_real = int(sum(valid))
    n = len(valid)
    mask = [0] * n
    if n_real < 2:
        if n_real == 1 and task is not Task.TEXT_TO_ANIMATION:
            mask[0] = 1
        return mask
    if task is Task.TEXT_TO_ANIMATION:
        return mask
    if task is Task.IMAGE_TO_ANIMATION:
        # mostly the first frame (what users give), sometimes another one
        idx = 0 if rng.random() < 0.75 else rng.randrange(n_real)
        mask[idx] = 1
    elif task is Task.INTERPOLATION:
        kind = rng.choice(["ends", "even", "odd", "third"])
        if kind == "ends":
            mask[0] = mask[n_real - 1] = 1
        else:
            start, step = {"even": (0, 2), "odd": (1, 2), "third": (0, 3)}[kind]
            for i in range(start, n_real, step):
                mask[i] = 1
            mask[n_real - 1] = 1 if kind == "third" else mask[n_real - 1]
    elif task is Task.CONTINUATION:
        lo = max(1, n_real // 2)
        k = rng.randint(lo, max(lo, n_real - 1))
        if rng.random() < 0.8:
            mask[:k] = [1] * k           # visible prefix
        else:
            mask[n_real - k:n_real] = [1] * k  # visible suffix
    elif task is Task.LOOP:
        mask[0] = mask[n_real - 1] = 1
    return mask
