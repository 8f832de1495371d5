"""The one timing rule ("timing is sacred"), used by every fps or frame-count change.

Output frame k starts at ``t_k`` (rounded to the whole ms the file stores) and shows the source frame that is
*on screen* at
``t_k`` in the source timeline. No frame is duplicated at the start, nothing is
shifted, and the loop keeps its length. Two entry points:

* :func:`resample_to_fps` - the fps form: ``t_k = k * 1000 / F``, the output has
  ``max(1, round(total_ms * F / 1000))`` frames and its loop length
  ``round(n * 1000 / F)`` is within half an output frame of the source loop.
* :func:`resample_to_count` - the count form: ``t_k = k * total_ms / n``; the loop
  length is kept exactly, the frame rate is ``n * 1000 / total_ms``. Caps (max fps,
  max frames) use this form with ``n = floor(...)`` so a cap is never exceeded.

Both go through :func:`plan_at_times`, so they cannot disagree. The plans work on
durations alone (:func:`count_form_plan`, :func:`fps_form_plan`), so a reader can pick
the frames it needs *while the file streams* and never hold the others.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import Sticker, durations_for_fps


def plan_at_times(durations_ms: Sequence[int], starts_ms: Sequence[float]) -> list[int]:
    """Index of the source frame (of these durations) on screen at each start time."""
    total = sum(durations_ms)
    source_starts = _starts(durations_ms)
    out = []
    for t in starts_ms:
        t = t % total if total > 0 else 0
        out.append(max(0, bisect.bisect_right(source_starts, t) - 1))
    return out


def count_form_timing(total_ms: int, frame_count: int) -> list[int]:
    """Durations of ``frame_count`` evenly timed frames over exactly ``total_ms``."""
    if frame_count < 1:
        raise InvalidInputError(f"frame count must be >= 1, got {frame_count}")
    step = total_ms / frame_count
    edges = [int(round(k * step)) for k in range(frame_count + 1)]
    return [max(1, b - a) for a, b in zip(edges, edges[1:], strict=False)]


def count_form_plan(durations_ms: Sequence[int], frame_count: int) -> tuple[list[int], list[int]]:
    """``(source index per output frame, output durations)`` of :func:`resample_to_count`."""
    durations = count_form_timing(sum(durations_ms), frame_count)
    return plan_at_times(durations_ms, _starts(durations)), durations


def fps_form_plan(durations_ms: Sequence[int], fps: float) -> tuple[list[int], list[int]]:
    """``(source index per output frame, output durations)`` of :func:`resample_to_fps`."""
    if not (math.isfinite(fps) and fps > 0):
        raise InvalidInputError(f"fps must be a positive number, got {fps}")
    n = max(1, int(round(sum(durations_ms) * fps / 1000.0)))
    durations = durations_for_fps(n, fps)
    return plan_at_times(durations_ms, _starts(durations)), durations


def fps_form_count(total_ms: int, fps: float) -> int:
    """How many frames :func:`resample_to_fps` makes of a ``total_ms`` loop."""
    return max(1, int(round(total_ms * fps / 1000.0)))


def _take(sticker: Sticker, indices: Sequence[int], durations_ms: Sequence[int]) -> Sticker:
    frames = [sticker.frames[i] for i in indices]
    return Sticker(frames, list(durations_ms), sticker.loop_count, dict(sticker.metadata))


def resample_to_fps(sticker: Sticker, fps: float) -> Sticker:
    """Constant ``fps`` output by the timing rule (see module docstring)."""
    return _take(sticker, *fps_form_plan(sticker.durations_ms, fps))


def resample_to_count(sticker: Sticker, frame_count: int) -> Sticker:
    """``frame_count`` evenly timed frames over exactly the source loop length."""
    return _take(sticker, *count_form_plan(sticker.durations_ms, frame_count))


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
