"""Frame operations as reversible commands, and a plain undo stack over them.

Every edit an artist makes to a sticker's frames (delete, move, duplicate, reverse,
ping-pong, timing, crop/resize/pad, loop count, or swapping in a whole new sticker
from an effect or the generator) is a small dataclass with:

* ``label`` - the text an Undo/Redo menu shows ("Delete 3 frames");
* ``apply(sticker)`` - validates its arguments against the sticker *first* (raising
  :class:`~sticker_studio.core.errors.InvalidInputError` before anything changes),
  then mutates the sticker in place, remembering in private fields what it needs;
* ``revert(sticker)`` - restores the sticker exactly as it was before ``apply``:
  the same frame arrays in the same order, the same durations and loop count.

The GUI wraps these in ``QUndoCommand`` (``redo`` = ``apply``, ``undo`` = ``revert``,
``mergeWith`` = :meth:`FrameCommand.merge_with`); the CLI and tests use
:class:`EditHistory`. Commands never change a frame array in place - they replace
list entries - so arrays remembered for an undo stay valid. Lists are changed with
slice assignment, so anyone holding ``sticker.frames`` sees the change.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.imageops import pad_to_square, resize_rgba
from sticker_studio.core.sticker import MAX_FRAME_MS, MIN_FRAME_MS, Sticker

#: Largest canvas side a resize/pad may produce; protects memory (16 frames at
#: 4096x4096 RGBA are already 1 GiB).
MAX_CANVAS_SIDE = 4096
#: GIF and APNG store the play count in 16 bits.
MAX_LOOP_COUNT = 65_535

__all__ = [
    "MAX_CANVAS_SIDE",
    "MAX_LOOP_COUNT",
    "CropFrames",
    "DeleteFrames",
    "DuplicateFrames",
    "EditHistory",
    "FrameCommand",
    "InsertFrames",
    "MoveFrames",
    "PadToSquare",
    "PingPong",
    "ReplaceSticker",
    "ResizeFrames",
    "ReverseFrames",
    "ScaleSpeed",
    "SetDurations",
    "SetLoopCount",
    "scaled_durations",
]


# --------------------------------------------------------------------------- helpers
def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def _whole_number(value: object, what: str) -> int:
    if not _is_int(value):
        raise InvalidInputError(f"{what} must be a whole number, got {value!r}")
    return int(value)  # type: ignore[call-overload]


def _normalize_indices(indices: Iterable[int] | int, verb: str) -> tuple[int, ...]:
    """Sorted, de-duplicated, non-negative frame indices (at least one)."""
    if _is_int(indices):
        indices = [indices]  # type: ignore[list-item]
    try:
        items = list(indices)  # type: ignore[arg-type]
    except TypeError:
        raise InvalidInputError(f"frame indices must be a list of whole numbers, got {indices!r}") from None
    out: set[int] = set()
    for i in items:
        value = _whole_number(i, "a frame index")
        if value < 0:
            raise InvalidInputError(f"frame index {value} is negative; frames are numbered from 0")
        out.add(value)
    if not out:
        raise InvalidInputError(f"select at least one frame to {verb}")
    return tuple(sorted(out))


def _check_in_range(indices: Sequence[int], sticker: Sticker) -> None:
    n = sticker.frame_count
    bad = [i for i in indices if i >= n]
    if bad:
        raise InvalidInputError(
            f"frame index {bad[0]} is out of range: the sticker has {n} frame{'s' if n != 1 else ''}"
            f" (indices 0-{n - 1})"
        )


def _count_label(n: int, one: str, many: str) -> str:
    return one if n == 1 else many.format(n=n)


def _permute(sticker: Sticker, order: Sequence[int]) -> None:
    """Reorder frames and durations together: new position k shows old frame ``order[k]``."""
    sticker.frames[:] = [sticker.frames[i] for i in order]
    sticker.durations_ms[:] = [sticker.durations_ms[i] for i in order]


def _check_duration(value: object) -> int:
    if isinstance(value, float) and math.isfinite(value):
        value = int(round(value))
    ms = _whole_number(value, "a frame duration (ms)")
    if not MIN_FRAME_MS <= ms <= MAX_FRAME_MS:
        raise InvalidInputError(
            f"a frame duration must be between {MIN_FRAME_MS} and {MAX_FRAME_MS} ms, got {ms} ms"
        )
    return ms


def _check_side(value: object, what: str) -> int:
    side = _whole_number(value, what)
    if not 1 <= side <= MAX_CANVAS_SIDE:
        raise InvalidInputError(f"{what} must be between 1 and {MAX_CANVAS_SIDE} pixels, got {side}")
    return side


def scaled_durations(durations_ms: Sequence[int], factor: float) -> list[int]:
    """Durations for playing ``factor`` times as fast, with exact cumulative times.

    Frame k's new start is ``round(start_k / factor)``; durations are the differences,
    so per-frame rounding never accumulates and the loop lasts ``round(total / factor)``
    ms. A frame that would round to 0 ms keeps 1 ms (the shortest a file can store), which
    is the only case where the total can grow.
    """
    edges = [0]
    for d in durations_ms:
        edges.append(edges[-1] + int(d))
    out: list[int] = []
    prev = 0
    for edge in edges[1:]:
        new_edge = max(int(math.floor(edge / factor + 0.5)), prev + MIN_FRAME_MS)
        out.append(new_edge - prev)
        prev = new_edge
    return out


# --------------------------------------------------------------------------- base
@dataclass
class FrameCommand(ABC):
    """One reversible edit of a :class:`Sticker`.

    Subclasses implement ``_validate`` (raise before any change), ``_forward`` and
    ``_backward``. ``selection_after`` says which frames to select once applied (the
    moved block, the new duplicates...), so a timeline can follow the edit.
    """

    label: str = field(default="", kw_only=True)
    _applied: bool = field(default=False, init=False, repr=False, compare=False)
    selection_after: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.label:
            self.label = self._default_label()

    # -- public API
    def apply(self, sticker: Sticker) -> None:
        """Validate against ``sticker``, then change it in place."""
        if self._applied:
            raise RuntimeError(f"{type(self).__name__} is already applied; revert it first")
        self._validate(sticker)
        self._forward(sticker)
        self._applied = True

    def revert(self, sticker: Sticker) -> None:
        """Undo :meth:`apply` exactly; ``sticker`` must be as ``apply`` left it."""
        if not self._applied:
            raise RuntimeError(f"{type(self).__name__} cannot be reverted: it is not applied")
        self._backward(sticker)
        self._applied = False

    @property
    def applied(self) -> bool:
        return self._applied

    def merge_with(self, other: FrameCommand) -> bool:
        """Absorb ``other`` (already applied right after this one) into this command.

        Returns True when merged: undoing this command then undoes both. Like Qt's
        ``QUndoCommand.mergeWith``; most commands never merge.
        """
        return False

    # -- subclass hooks
    @abstractmethod
    def _default_label(self) -> str: ...

    def _validate(self, sticker: Sticker) -> None:  # noqa: B027 - optional hook
        """Raise InvalidInputError if the command cannot apply to ``sticker``."""

    @abstractmethod
    def _forward(self, sticker: Sticker) -> None: ...

    @abstractmethod
    def _backward(self, sticker: Sticker) -> None: ...


# --------------------------------------------------------------------------- frame order
@dataclass
class _SelectedFramesCommand(FrameCommand):
    """A command on the frames at ``indices`` (sorted, without repeats, all in range).

    Subclasses name the action: ``_verb`` for errors, ``_labels`` (one frame, ``{n}`` frames).
    """

    indices: Sequence[int]
    _verb: ClassVar[str]
    _labels: ClassVar[tuple[str, str]]

    def __post_init__(self) -> None:
        self.indices = _normalize_indices(self.indices, self._verb)
        super().__post_init__()

    def _default_label(self) -> str:
        return _count_label(len(self.indices), *self._labels)

    def _validate(self, sticker: Sticker) -> None:
        _check_in_range(self.indices, sticker)


@dataclass
class DeleteFrames(_SelectedFramesCommand):
    """Delete the frames at ``indices`` (a sticker keeps at least one frame)."""

    _removed: list[tuple[int, np.ndarray, int]] = field(default_factory=list, init=False, repr=False, compare=False)
    _verb = "delete"
    _labels = ("Delete frame", "Delete {n} frames")

    def _validate(self, sticker: Sticker) -> None:
        super()._validate(sticker)
        if len(self.indices) >= sticker.frame_count:
            raise InvalidInputError("cannot delete every frame: a sticker needs at least one frame")

    def _forward(self, sticker: Sticker) -> None:
        self._removed = [(i, sticker.frames[i], sticker.durations_ms[i]) for i in self.indices]
        for i in reversed(self.indices):
            del sticker.frames[i]
            del sticker.durations_ms[i]
        first = min(self.indices[0], sticker.frame_count - 1)
        self.selection_after = (first,)

    def _backward(self, sticker: Sticker) -> None:
        for i, frame, duration in self._removed:
            sticker.frames.insert(i, frame)
            sticker.durations_ms.insert(i, duration)
        self._removed = []


@dataclass
class MoveFrames(_SelectedFramesCommand):
    """Move the selected frames, as one block in their current order, to ``to_index``.

    Qt drag-and-drop semantics: ``to_index`` (0..frame_count) is the gap before which
    the block lands, counted in the indexing *before* the move; ``frame_count`` means
    "to the end". Durations travel with their frames.
    """

    to_index: int
    _order: list[int] = field(default_factory=list, init=False, repr=False, compare=False)
    _verb = "move"
    _labels = ("Move frame", "Move {n} frames")

    def __post_init__(self) -> None:
        super().__post_init__()
        self.to_index = _whole_number(self.to_index, "the drop position")
        if self.to_index < 0:
            raise InvalidInputError(f"the drop position must be >= 0, got {self.to_index}")

    def _validate(self, sticker: Sticker) -> None:
        super()._validate(sticker)
        if self.to_index > sticker.frame_count:
            raise InvalidInputError(
                f"the drop position {self.to_index} is past the end of {sticker.frame_count} frames"
            )

    def _forward(self, sticker: Sticker) -> None:
        selected = set(self.indices)
        rest = [i for i in range(sticker.frame_count) if i not in selected]
        landing = self.to_index - sum(1 for i in self.indices if i < self.to_index)
        self._order = rest[:landing] + list(self.indices) + rest[landing:]
        _permute(sticker, self._order)
        self.selection_after = tuple(range(landing, landing + len(self.indices)))

    def _backward(self, sticker: Sticker) -> None:
        inverse = [0] * len(self._order)
        for new_pos, old_pos in enumerate(self._order):
            inverse[old_pos] = new_pos
        _permute(sticker, inverse)


@dataclass
class DuplicateFrames(_SelectedFramesCommand):
    """Duplicate each selected frame; each copy lands right after its original."""

    _inserted: list[int] = field(default_factory=list, init=False, repr=False, compare=False)
    _verb = "duplicate"
    _labels = ("Duplicate frame", "Duplicate {n} frames")

    def _forward(self, sticker: Sticker) -> None:
        self._inserted = []
        for k, i in enumerate(self.indices):
            original = i + k  # earlier duplicates shifted it right by k
            sticker.frames.insert(original + 1, sticker.frames[original].copy())
            sticker.durations_ms.insert(original + 1, sticker.durations_ms[original])
            self._inserted.append(original + 1)
        self.selection_after = tuple(self._inserted)

    def _backward(self, sticker: Sticker) -> None:
        for pos in reversed(self._inserted):
            del sticker.frames[pos]
            del sticker.durations_ms[pos]
        self._inserted = []


@dataclass
class InsertFrames(FrameCommand):
    """Insert ``frames`` before position ``index`` (``frame_count`` appends).

    Without ``durations_ms`` each new frame takes the duration of the frame before the
    insertion point (or of the first frame when inserting at 0), so pasted frames keep
    the sticker's pace. Frames must have the sticker's size (RGB/grey are widened to RGBA).
    """

    index: int
    frames: Sequence[np.ndarray]
    durations_ms: Sequence[int] | None = None
    _count: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.index = _whole_number(self.index, "the insert position")
        if self.index < 0:
            raise InvalidInputError(f"the insert position must be >= 0, got {self.index}")
        frames = list(self.frames)
        if not frames:
            raise InvalidInputError("nothing to insert: no frames given")
        if self.durations_ms is not None:
            durations = [_check_duration(d) for d in self.durations_ms]
            if len(durations) != len(frames):
                raise InvalidInputError(f"{len(frames)} frames to insert but {len(durations)} durations")
            self.durations_ms = durations
        # A throwaway Sticker checks dtype/shape and widens RGB/grey to RGBA.
        self.frames = [f.copy() for f in Sticker(frames, [1] * len(frames)).frames]
        super().__post_init__()

    def _default_label(self) -> str:
        return _count_label(len(self.frames), "Insert frame", "Insert {n} frames")

    def _validate(self, sticker: Sticker) -> None:
        if self.index > sticker.frame_count:
            raise InvalidInputError(
                f"the insert position {self.index} is past the end of {sticker.frame_count} frames"
            )
        h, w = self.frames[0].shape[:2]
        if (w, h) != sticker.size:
            raise InvalidInputError(
                f"the frames to insert are {w}x{h} but the sticker is {sticker.width}x{sticker.height};"
                " resize them first"
            )

    def _forward(self, sticker: Sticker) -> None:
        if self.durations_ms is not None:
            durations = list(self.durations_ms)
        else:
            pace = sticker.durations_ms[max(0, self.index - 1)]
            durations = [pace] * len(self.frames)
        sticker.frames[self.index:self.index] = list(self.frames)
        sticker.durations_ms[self.index:self.index] = durations
        self._count = len(self.frames)
        self.selection_after = tuple(range(self.index, self.index + self._count))

    def _backward(self, sticker: Sticker) -> None:
        del sticker.frames[self.index:self.index + self._count]
        del sticker.durations_ms[self.index:self.index + self._count]


@dataclass
class ReverseFrames(FrameCommand):
    """Reverse the order of all frames, or of the selected ones within their positions.

    With a selection, the selected positions keep their places and receive the selected
    frames in reverse order; other frames do not move. Durations travel with their
    frames (a long hold stays on the same drawing). The command is its own inverse.
    """

    indices: Sequence[int] | None = None
    _positions: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.indices is not None:
            self.indices = _normalize_indices(self.indices, "reverse")
        super().__post_init__()

    def _default_label(self) -> str:
        if self.indices is None:
            return "Reverse frames"
        return _count_label(len(self.indices), "Reverse frame", "Reverse {n} frames")

    def _validate(self, sticker: Sticker) -> None:
        if self.indices is not None:
            _check_in_range(self.indices, sticker)

    def _reverse(self, sticker: Sticker) -> None:
        order = list(range(sticker.frame_count))
        for pos, src in zip(self._positions, reversed(self._positions), strict=False):
            order[pos] = src
        _permute(sticker, order)

    def _forward(self, sticker: Sticker) -> None:
        self._positions = (
            tuple(range(sticker.frame_count)) if self.indices is None else tuple(self.indices)
        )
        self._reverse(sticker)
        self.selection_after = self._positions if self.indices is not None else ()

    def _backward(self, sticker: Sticker) -> None:
        self._reverse(sticker)


@dataclass
class PingPong(FrameCommand):
    """Play forward then backward: append the inner frames in reverse order.

    ``0 1 2 3`` becomes ``0 1 2 3 2 1``: the end frames are not repeated, so the loop
    seam has no doubled frame. Durations travel with the frames.
    """

    _original_count: int = field(default=0, init=False, repr=False, compare=False)

    def _default_label(self) -> str:
        return "Ping-pong"

    def _validate(self, sticker: Sticker) -> None:
        if sticker.frame_count < 3:
            raise InvalidInputError(
                f"ping-pong needs at least 3 frames (this sticker has {sticker.frame_count});"
                " with 2 frames the loop already goes back and forth"
            )

    def _forward(self, sticker: Sticker) -> None:
        n = sticker.frame_count
        self._original_count = n
        inner = range(n - 2, 0, -1)
        sticker.frames.extend(sticker.frames[i].copy() for i in inner)
        sticker.durations_ms.extend(sticker.durations_ms[i] for i in inner)
        self.selection_after = tuple(range(n, sticker.frame_count))

    def _backward(self, sticker: Sticker) -> None:
        del sticker.frames[self._original_count:]
        del sticker.durations_ms[self._original_count:]


# --------------------------------------------------------------------------- timing
@dataclass
class SetDurations(FrameCommand):
    """Set the duration (ms) of one, several (``indices``) or all (``None``) frames.

    Consecutive SetDurations on the same frames merge (typing 80, 90, 100 in a spin box
    is one undo step back to the original durations).
    """

    indices: Sequence[int] | None
    duration_ms: int
    _resolved: tuple[int, ...] = field(default=(), init=False, repr=False, compare=False)
    _old: list[int] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.indices is not None:
            self.indices = _normalize_indices(self.indices, "retime")
        self.duration_ms = _check_duration(self.duration_ms)
        super().__post_init__()

    def _default_label(self) -> str:
        if self.indices is None:
            return f"Set all durations to {self.duration_ms} ms"
        return _count_label(
            len(self.indices), f"Set duration to {self.duration_ms} ms", f"Set {{n}} durations to {self.duration_ms} ms"
        )

    def _validate(self, sticker: Sticker) -> None:
        if self.indices is not None:
            _check_in_range(self.indices, sticker)

    def _forward(self, sticker: Sticker) -> None:
        self._resolved = tuple(range(sticker.frame_count)) if self.indices is None else tuple(self.indices)
        self._old = [sticker.durations_ms[i] for i in self._resolved]
        for i in self._resolved:
            sticker.durations_ms[i] = self.duration_ms
        self.selection_after = self._resolved if self.indices is not None else ()

    def _backward(self, sticker: Sticker) -> None:
        for i, old in zip(self._resolved, self._old, strict=False):
            sticker.durations_ms[i] = old

    def merge_with(self, other: FrameCommand) -> bool:
        if not (isinstance(other, SetDurations) and self._applied and other._applied):
            return False
        if other._resolved != self._resolved:
            return False
        self.duration_ms = other.duration_ms
        self.indices = other.indices
        self.label = other.label
        return True


@dataclass
class ScaleSpeed(FrameCommand):
    """Play ``factor`` times as fast (2 = double speed): every duration is divided by it.

    Rounding is cumulative (see :func:`scaled_durations`), so the loop length is exact.
    """

    factor: float
    _old: list[int] = field(default_factory=list, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            factor = float(self.factor)
        except (TypeError, ValueError):
            raise InvalidInputError(f"the speed factor must be a number, got {self.factor!r}") from None
        if not math.isfinite(factor) or factor <= 0:
            raise InvalidInputError(f"the speed factor must be a positive number, got {self.factor!r}")
        self.factor = factor
        super().__post_init__()

    def _default_label(self) -> str:
        return f"Speed \u00d7{self.factor:g}"

    def _validate(self, sticker: Sticker) -> None:
        new = scaled_durations(sticker.durations_ms, self.factor)
        longest = max(new)
        if longest > MAX_FRAME_MS:
            raise InvalidInputError(
                f"slowing down to \u00d7{self.factor:g} would make a frame last {longest} ms;"
                f" the longest a frame may last is {MAX_FRAME_MS} ms"
            )

    def _forward(self, sticker: Sticker) -> None:
        self._old = list(sticker.durations_ms)
        sticker.durations_ms[:] = scaled_durations(self._old, self.factor)

    def _backward(self, sticker: Sticker) -> None:
        sticker.durations_ms[:] = self._old


@dataclass
class SetLoopCount(FrameCommand):
    """Set how many times the animation plays (0 = loop forever)."""

    count: int
    _old: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.count = _whole_number(self.count, "the loop count")
        if not 0 <= self.count <= MAX_LOOP_COUNT:
            raise InvalidInputError(
                f"the loop count must be between 0 (forever) and {MAX_LOOP_COUNT}, got {self.count}"
            )
        super().__post_init__()

    def _default_label(self) -> str:
        return "Loop forever" if self.count == 0 else f"Play {self.count} time{'s' if self.count != 1 else ''}"

    def _forward(self, sticker: Sticker) -> None:
        self._old = sticker.loop_count
        sticker.loop_count = self.count

    def _backward(self, sticker: Sticker) -> None:
        sticker.loop_count = self._old


# --------------------------------------------------------------------------- geometry
@dataclass
class _PixelCommand(FrameCommand):
    """Base of commands that replace every frame's pixels; keeps the old arrays for undo."""

    _old_frames: list[np.ndarray] = field(default_factory=list, init=False, repr=False, compare=False)

    def _forward(self, sticker: Sticker) -> None:
        new_frames = [self._transform(f) for f in sticker.frames]  # compute all before changing
        self._old_frames = list(sticker.frames)
        sticker.frames[:] = new_frames

    def _backward(self, sticker: Sticker) -> None:
        sticker.frames[:] = self._old_frames
        self._old_frames = []

    @abstractmethod
    def _transform(self, frame: np.ndarray) -> np.ndarray: ...


@dataclass
class CropFrames(_PixelCommand):
    """Crop every frame to ``box`` = (left, top, right, bottom), in pixels, right/bottom exclusive."""

    box: tuple[int, int, int, int]

    def __post_init__(self) -> None:
        try:
            values = tuple(self.box)
        except TypeError:
            raise InvalidInputError(f"a crop box is (left, top, right, bottom), got {self.box!r}") from None
        if len(values) != 4:
            raise InvalidInputError(f"a crop box is (left, top, right, bottom), got {self.box!r}")
        left, top, right, bottom = (_whole_number(v, "a crop box coordinate") for v in values)
        if left < 0 or top < 0:
            raise InvalidInputError(f"the crop box {values} starts outside the frame (negative left/top)")
        if right <= left or bottom <= top:
            raise InvalidInputError(f"the crop box {values} is empty: right must exceed left and bottom exceed top")
        self.box = (left, top, right, bottom)
        super().__post_init__()

    def _default_label(self) -> str:
        left, top, right, bottom = self.box
        return f"Crop to {right - left}x{bottom - top}"

    def _validate(self, sticker: Sticker) -> None:
        _, _, right, bottom = self.box
        if right > sticker.width or bottom > sticker.height:
            raise InvalidInputError(
                f"the crop box {self.box} reaches outside the {sticker.width}x{sticker.height} frame"
            )

    def _transform(self, frame: np.ndarray) -> np.ndarray:
        left, top, right, bottom = self.box
        return np.ascontiguousarray(frame[top:bottom, left:right])


@dataclass
class ResizeFrames(_PixelCommand):
    """Resize every frame to ``width`` x ``height`` (premultiplied alpha, no fringes)."""

    width: int
    height: int

    def __post_init__(self) -> None:
        self.width = _check_side(self.width, "the width")
        self.height = _check_side(self.height, "the height")
        super().__post_init__()

    def _default_label(self) -> str:
        return f"Resize to {self.width}x{self.height}"

    def _transform(self, frame: np.ndarray) -> np.ndarray:
        return resize_rgba(frame, self.width, self.height)


@dataclass
class PadToSquare(_PixelCommand):
    """Pad every frame with transparency to a square canvas.

    Without ``size`` the side is the longer side and pixels are untouched; with
    ``size`` the frame is scaled to fit that square first.
    """

    size: int | None = None

    def __post_init__(self) -> None:
        if self.size is not None:
            self.size = _check_side(self.size, "the square size")
        super().__post_init__()

    def _default_label(self) -> str:
        return "Pad to square" if self.size is None else f"Fit into {self.size}x{self.size}"

    def _validate(self, sticker: Sticker) -> None:
        if self.size is None and max(sticker.size) > MAX_CANVAS_SIDE:
            raise InvalidInputError(f"the square canvas would exceed {MAX_CANVAS_SIDE} pixels")

    def _transform(self, frame: np.ndarray) -> np.ndarray:
        return pad_to_square(frame, self.size)


# --------------------------------------------------------------------------- whole sticker
@dataclass
class ReplaceSticker(FrameCommand):
    """Swap in a whole new sticker (an effect, a motion preset, a generation result).

    The new sticker is copied when the command is made, so later changes to the
    object passed in do not leak into redo. Metadata is swapped too.
    """

    new: Sticker
    _old_frames: list[np.ndarray] = field(default_factory=list, init=False, repr=False, compare=False)
    _old_durations: list[int] = field(default_factory=list, init=False, repr=False, compare=False)
    _old_loop: int = field(default=0, init=False, repr=False, compare=False)
    _old_metadata: dict[str, object] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.new, Sticker):
            raise InvalidInputError(f"ReplaceSticker needs a Sticker, got {type(self.new).__name__}")
        self.new = self.new.copy()
        super().__post_init__()

    def _default_label(self) -> str:
        return "Replace sticker"

    def _forward(self, sticker: Sticker) -> None:
        self._old_frames = list(sticker.frames)
        self._old_durations = list(sticker.durations_ms)
        self._old_loop = sticker.loop_count
        self._old_metadata = dict(sticker.metadata)
        sticker.frames[:] = list(self.new.frames)
        sticker.durations_ms[:] = list(self.new.durations_ms)
        sticker.loop_count = self.new.loop_count
        sticker.metadata.clear()
        sticker.metadata.update(self.new.metadata)

    def _backward(self, sticker: Sticker) -> None:
        sticker.frames[:] = self._old_frames
        sticker.durations_ms[:] = self._old_durations
        sticker.loop_count = self._old_loop
        sticker.metadata.clear()
        sticker.metadata.update(self._old_metadata)
        self._old_frames, self._old_durations, self._old_metadata = [], [], {}


# --------------------------------------------------------------------------- history
class EditHistory:
    """A headless undo stack over one sticker, for scripts, notebooks and tests.

    The app does not use it: the GUI pushes the same commands onto Qt's QUndoStack.
    Code without Qt (a batch script editing stickers, the pack property tests) gets
    the same push/undo/redo/merge/clean-point behaviour from this class.

    ``push`` applies a command; if it raises, nothing changes and nothing is recorded.
    Pushing after an undo drops the redo tail. ``limit`` keeps only the newest
    commands (older ones can no longer be undone). A command whose ``merge_with``
    accepts the next one absorbs it, except across the clean (saved) point.
    """

    def __init__(self, sticker: Sticker, limit: int | None = None) -> None:
        if limit is not None and limit < 1:
            raise InvalidInputError(f"the undo limit must be at least 1, got {limit}")
        self._sticker = sticker
        self._limit = limit
        self._commands: list[FrameCommand] = []
        self._index = 0  # commands[:index] are applied
        self._clean_index: int | None = 0

    @property
    def sticker(self) -> Sticker:
        return self._sticker

    @property
    def limit(self) -> int | None:
        return self._limit

    @property
    def index(self) -> int:
        """How many commands are currently applied."""
        return self._index

    def __len__(self) -> int:
        return len(self._commands)

    def push(self, command: FrameCommand, *, merge: bool = True) -> FrameCommand:
        """Apply ``command`` and record it; returns the command now on top (maybe merged)."""
        command.apply(self._sticker)
        del self._commands[self._index:]
        if self._clean_index is not None and self._clean_index > self._index:
            self._clean_index = None  # the saved state is no longer reachable
        if merge and self._commands and self._clean_index != self._index:
            top = self._commands[-1]
            if top.merge_with(command):
                return top
        self._commands.append(command)
        self._index += 1
        if self._limit is not None and len(self._commands) > self._limit:
            drop = len(self._commands) - self._limit
            del self._commands[:drop]
            self._index -= drop
            if self._clean_index is not None:
                self._clean_index = self._clean_index - drop if self._clean_index >= drop else None
        return command

    @property
    def can_undo(self) -> bool:
        return self._index > 0

    @property
    def can_redo(self) -> bool:
        return self._index < len(self._commands)

    @property
    def undo_label(self) -> str | None:
        return self._commands[self._index - 1].label if self.can_undo else None

    @property
    def redo_label(self) -> str | None:
        return self._commands[self._index].label if self.can_redo else None

    def undo(self) -> FrameCommand | None:
        """Revert the newest applied command; returns it, or None when there is nothing to undo."""
        if not self.can_undo:
            return None
        command = self._commands[self._index - 1]
        command.revert(self._sticker)
        self._index -= 1
        return command

    def redo(self) -> FrameCommand | None:
        """Re-apply the next undone command; returns it, or None when there is nothing to redo."""
        if not self.can_redo:
            return None
        command = self._commands[self._index]
        command.apply(self._sticker)
        self._index += 1
        return command

    def clear(self) -> None:
        """Forget every command (the sticker keeps its current state)."""
        self._commands.clear()
        self._index = 0
        self._clean_index = 0

    def set_clean(self) -> None:
        """Mark the current state as saved."""
        self._clean_index = self._index

    @property
    def is_clean(self) -> bool:
        """True when the sticker is as it was at the last :meth:`set_clean`."""
        return self._clean_index == self._index
