"""The one frame container of the project: :class:`Sticker`.

A sticker is a sequence of RGBA ``uint8`` frames of one size, a display duration in
milliseconds for every frame, and a loop count (0 = loop forever, as GIF/APNG/WebP
store it). Every reader produces one, every writer consumes one, every edit and the
engine work on one.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from sticker_studio.core.errors import InvalidInputError

#: The delay used where a file says 0 ms or nothing (browsers treat <= 10 ms as 100 ms;
#: we use a common sticker frame rate instead of stalling on a zero-length frame).
DEFAULT_FRAME_MS = 100
#: Durations are clamped to this range when a Sticker is built.
MIN_FRAME_MS = 1
MAX_FRAME_MS = 60_000


def _as_rgba_frame(frame: np.ndarray) -> np.ndarray:
    arr = np.asarray(frame)
    if arr.dtype != np.uint8:
        raise InvalidInputError(f"frames must be uint8 RGBA arrays, got dtype {arr.dtype}")
    if arr.ndim == 2:
        arr = np.stack([arr, arr, arr, np.full_like(arr, 255)], axis=-1)
    elif arr.ndim == 3 and arr.shape[2] == 3:
        arr = np.concatenate([arr, np.full(arr.shape[:2] + (1,), 255, np.uint8)], axis=-1)
    if arr.ndim != 3 or arr.shape[2] != 4:
        raise InvalidInputError(f"frames must be HxWx4 RGBA, got shape {arr.shape}")
    if arr.shape[0] < 1 or arr.shape[1] < 1:
        raise InvalidInputError("frames must be at least 1x1 pixels")
    return np.ascontiguousarray(arr)


@dataclass(eq=False)
class Sticker:
    """RGBA uint8 frames + per-frame duration (ms) + loop count (0 = forever).

    The lists are owned by the sticker; edits in :mod:`sticker_studio.core.edits`
    change them through reversible commands. Use :meth:`copy` for an independent copy.
    """

    frames: list[np.ndarray]
    durations_ms: list[int]
    loop_count: int = 0
    metadata: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.frames) == 0:
            raise InvalidInputError("a sticker needs at least one frame")
        self.frames = [_as_rgba_frame(f) for f in self.frames]
        shape = self.frames[0].shape
        for i, f in enumerate(self.frames):
            if f.shape != shape:
                raise InvalidInputError(
                    f"frame {i} is {f.shape[1]}x{f.shape[0]} but frame 0 is {shape[1]}x{shape[0]};"
                    " all frames of a sticker must have one size"
                )
        if len(self.durations_ms) != len(self.frames):
            raise InvalidInputError(
                f"{len(self.frames)} frames but {len(self.durations_ms)} durations"
            )
        self.durations_ms = [normalize_duration_ms(d) for d in self.durations_ms]
        if self.loop_count < 0:
            raise InvalidInputError("loop count must be >= 0 (0 = loop forever)")

    # ----------------------------------------------------------------- builders
    @classmethod
    def from_frames(
        cls,
        frames: Iterable[np.ndarray],
        fps: float | None = None,
        durations_ms: Sequence[int] | None = None,
        loop_count: int = 0,
    ) -> Sticker:
        """Build from frames and either an ``fps`` or explicit durations.

        With ``fps``, durations are spread so the *cumulative* times stay exact
        (e.g. 3 frames at 30 fps -> 33, 34, 33 ms), never drifting by rounding.
        """
        frame_list = list(frames)
        if durations_ms is None:
            durations_ms = durations_for_fps(len(frame_list), fps or 1000.0 / DEFAULT_FRAME_MS)
        return cls(frame_list, list(durations_ms), loop_count)

    def copy(self) -> Sticker:
        return Sticker(
            [f.copy() for f in self.frames],
            list(self.durations_ms),
            self.loop_count,
            dict(self.metadata),
        )

    # ---------------------------------------------------------------- geometry
    @property
    def width(self) -> int:
        return int(self.frames[0].shape[1])

    @property
    def height(self) -> int:
        return int(self.frames[0].shape[0])

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return self.width, self.height

    @property
    def frame_count(self) -> int:
        return len(self.frames)

    def __len__(self) -> int:
        return len(self.frames)

    # ------------------------------------------------------------------ timing
    @property
    def total_duration_ms(self) -> int:
        """Length of one loop in milliseconds."""
        return int(sum(self.durations_ms))

    @property
    def average_fps(self) -> float:
        return 1000.0 * self.frame_count / max(1, self.total_duration_ms)

    def start_times_ms(self) -> list[int]:
        """Start time of each frame within one loop."""
        out, t = [], 0
        for d in self.durations_ms:
            out.append(t)
            t += d
        return out

    def frame_index_at(self, t_ms: float) -> int:
        """Index of the frame on screen at time ``t_ms`` (wrapping around the loop)."""
        total = self.total_duration_ms
        t = t_ms % total if total > 0 else 0
        starts = self.start_times_ms()
        return max(0, bisect.bisect_right(starts, t) - 1)

    @property
    def is_animated(self) -> bool:
        return self.frame_count > 1

    # ------------------------------------------------------------------- pixels
    def as_array(self) -> np.ndarray:
        """All frames as one ``(N, H, W, 4)`` uint8 array (a copy)."""
        return np.stack(self.frames, axis=0)

    def has_transparency(self) -> bool:
        return any(bool((f[..., 3] < 255).any()) for f in self.frames)

    def __repr__(self) -> str:
        return (
            f"Sticker({self.width}x{self.height}, {self.frame_count} frames, "
            f"{self.total_duration_ms} ms, loop={self.loop_count})"
        )


def normalize_duration_ms(value: float) -> int:
    """A frame duration in whole ms; 0 or missing becomes :data:`DEFAULT_FRAME_MS`."""
    try:
        d = int(round(float(value)))
    except (TypeError, ValueError):
        return DEFAULT_FRAME_MS
    if d <= 0:
        return DEFAULT_FRAME_MS
    return max(MIN_FRAME_MS, min(MAX_FRAME_MS, d))


def durations_for_fps(frame_count: int, fps: float) -> list[int]:
    """Per-frame durations in ms for ``fps``, with exact cumulative times.

    Frame k starts at ``round(k * 1000 / fps)``; durations are the differences, so the
    loop length is ``round(n * 1000 / fps)`` with no accumulated rounding drift.
    """
    if fps <= 0:
        raise InvalidInputError(f"fps must be positive, got {fps}")
    step = 1000.0 / fps
    edges = [int(round(k * step)) for k in range(frame_count + 1)]
    return [max(1, b - a) for a, b in zip(edges, edges[1:], strict=False)]
