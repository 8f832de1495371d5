"""The one timing rule ("timing is sacred"), used by every fps or frame-count change.

Output frame k starts at ``t_k`` (rounded to the whole ms the file stores) and shows the source frame that is *on screen* at
``t_k`` in the source timeline. No frame is duplicated at the start, nothing is
shifted, and the loop keeps its length. Two entry points:

* :func:`resample_to_fps` - the fps form: ``t_k = k * 1000 / F``, the output has
  ``max(1, round(total_ms * F / 1000))`` frames and its loop length
  ``round(n * 1000 / F)`` is within half an output frame of the source loop.
* :func:`resample_to_count` - the count form: ``t_k = k * total_ms / n``; the loop
  length is kept exactly, the frame rate is ``n * 1000 / total_ms``. Caps (max fps,
  max frames) use this form with ``n = floor(...)`` so a cap is never exceeded.

Both go through :func:`resample_at_times`, so they cannot disagree.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import Sticker, durations_for_fps


def source_indices_at(sticker: Sticker, times_ms: Sequence[float]) -> list[int]:
    """Index of the source frame on screen at each time (times within one loop)."""
    return [sticker.frame_index_at(t) for t in times_ms]


def resample_at_times(sticker: Sticker, starts_ms: Sequence[float], durations_ms: Sequence[int]) -> Sticker:
    """A sticker whose frame k shows the source frame on screen at ``starts_ms[k]``."""
    if len(starts_ms) != len(durations_ms) or not starts_ms:
        raise InvalidInputError("resampling needs one duration per output frame")
    indices = source_indices_at(sticker, starts_ms)
    frames = [sticker.frames[i] for i in indices]
    out = Sticker(frames, list(durations_ms), sticker.loop_count, dict(sticker.metadata))
    return out


def resample_to_fps(sticker: Sticker, fps: float) -> Sticker:
    """Constant ``fps`` output by the timing rule (see module docstring)."""
    if fps <= 0:
        raise InvalidInputError(f"fps must be positive, got {fps}")
    total = sticker.total_duration_ms
    n = max(1, int(round(total * fps / 1000.0)))
    durations = durations_for_fps(n, fps)
    return resample_at_times(sticker, _starts(durations), durations)


def resample_to_count(sticker: Sticker, frame_count: int) -> Sticker:
    """``frame_count`` evenly timed frames over exactly the source loop length."""
    if frame_count < 1:
        raise InvalidInputError(f"frame count must be >= 1, got {frame_count}")
    total = sticker.total_duration_ms
    step = total / frame_count
    edges = [int(round(k * step)) for k in range(frame_count + 1)]
    durations = [max(1, b - a) for a, b in zip(edges, edges[1:])]
    return resample_at_times(sticker, _starts(durations), durations)


def _starts(durations: Sequence[int]) -> list[int]:
    """The whole-ms start times the output frames really have (what a player shows)."""
    out, t = [], 0
    for d in durations:
        out.append(t)
        t += d
    return out


def max_instant_fps(sticker: Sticker) -> float:
    """The fastest frame's rate: 1000 / the shortest frame duration."""
    return 1000.0 / max(1, min(sticker.durations_ms))


def cap_frame_rate(sticker: Sticker, max_fps: float | None = None, max_frames: int | None = None,
                   min_frames: int | None = None) -> Sticker:
    """Resample only if needed so no frame is shorter than ``1000/max_fps`` (within 1 ms
    rounding) and the count is within [min_frames, max_frames]; loop length kept exactly.
    """
    total = sticker.total_duration_ms
    n = sticker.frame_count
    target = n
    if max_fps is not None and min(sticker.durations_ms) < math.floor(1000.0 / max_fps):
        target = min(target, max(1, math.floor(total * max_fps / 1000.0 + 1e-9)))
    if max_frames is not None and target > max_frames:
        target = max_frames
    if min_frames is not None and target < min_frames:
        target = min_frames
    if target == n and (max_fps is None or min(sticker.durations_ms) >= math.floor(1000.0 / max_fps)):
        return sticker
    return resample_to_count(sticker, target)


def is_uniform(durations_ms: Sequence[int], tolerance_ms: int = 1) -> bool:
    """True when durations are one constant rate up to rounding (e.g. 33, 34, 33)."""
    return max(durations_ms) - min(durations_ms) <= tolerance_ms
