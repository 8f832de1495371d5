"""Reversible frame commands and the undo stack (sticker_studio.core.edits)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sticker_studio.core.edits import (
    CropFrames,
    DeleteFrames,
    DuplicateFrames,
    EditHistory,
    FrameCommand,
    InsertFrames,
    MoveFrames,
    PadToSquare,
    PingPong,
    ReplaceSticker,
    ResizeFrames,
    ReverseFrames,
    ScaleSpeed,
    SetDurations,
    SetLoopCount,
    scaled_durations,
)
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import MAX_FRAME_MS, Sticker


# --------------------------------------------------------------------------- helpers
def make_sticker(n: int = 5, w: int = 6, h: int = 4, durations: list[int] | None = None) -> Sticker:
    """Frame k is filled with value k (red channel) over a per-pixel pattern, so order is visible."""
    rng = np.random.default_rng(n * 1000 + w * 10 + h)
    frames = []
    for k in range(n):
        f = rng.integers(0, 256, size=(h, w, 4), dtype=np.uint8)
        f[0, 0, 0] = k
        frames.append(f)
    return Sticker(frames, durations or [10 * (k + 1) for k in range(n)], loop_count=0, metadata={"src": "test"})


def ids(sticker: Sticker) -> list[int]:
    """The tag of each frame (its original index), read from pixel (0, 0)."""
    return [int(f[0, 0, 0]) for f in sticker.frames]


def snapshot(sticker: Sticker) -> tuple:
    return (
        [f.copy() for f in sticker.frames],
        list(sticker.durations_ms),
        sticker.loop_count,
        dict(sticker.metadata),
    )


def assert_same(sticker: Sticker, snap: tuple) -> None:
    frames, durations, loop, metadata = snap
    assert len(sticker.frames) == len(frames)
    for a, b in zip(sticker.frames, frames, strict=False):
        assert a.dtype == np.uint8 and a.shape == b.shape
        assert np.array_equal(a, b)
    assert sticker.durations_ms == durations
    assert sticker.loop_count == loop
    assert sticker.metadata == metadata


def roundtrip(cmd: FrameCommand, sticker: Sticker) -> Sticker:
    """Apply, check revert restores exactly, re-apply; returns the sticker after apply."""
    before = snapshot(sticker)
    cmd.apply(sticker)
    after = snapshot(sticker)
    cmd.revert(sticker)
    assert_same(sticker, before)
    cmd.apply(sticker)  # redo gives the same result
    assert_same(sticker, after)
    return sticker


# --------------------------------------------------------------------------- single commands
def test_delete_frames_and_revert_restores_same_arrays() -> None:
    s = make_sticker(5)
    originals = list(s.frames)
    cmd = DeleteFrames([3, 1, 3])
    assert cmd.indices == (1, 3) and cmd.label == "Delete 2 frames"
    roundtrip(cmd, s)
    assert ids(s) == [0, 2, 4] and s.durations_ms == [10, 30, 50]
    cmd.revert(s)
    assert all(a is b for a, b in zip(s.frames, originals, strict=False))  # exactly the same arrays


@pytest.mark.parametrize(
    ("indices", "to_index", "expected"),
    [
        ([0], 5, [1, 2, 3, 4, 0]),  # to the end
        ([4], 0, [4, 0, 1, 2, 3]),  # to the front
        ([1, 3], 0, [1, 3, 0, 2, 4]),  # block keeps its order
        ([0, 2], 4, [1, 3, 0, 2, 4]),  # Qt semantics: before original index 4
        ([1, 2], 2, [0, 1, 2, 3, 4]),  # dropped onto itself: no change
        ([1, 2], 3, [0, 1, 2, 3, 4]),  # gap right after the block: no change
        ([0, 4], 2, [1, 0, 4, 2, 3]),  # split selection gathers at the drop point
    ],
)
def test_move_frames_qt_drag_semantics(indices: list[int], to_index: int, expected: list[int]) -> None:
    s = make_sticker(5)
    cmd = MoveFrames(indices, to_index)
    roundtrip(cmd, s)
    assert ids(s) == expected
    assert s.durations_ms == [10 * (k + 1) for k in expected]  # durations travel
    assert [ids(s)[i] for i in cmd.selection_after] == sorted(indices)


def test_duplicate_places_each_copy_after_its_original() -> None:
    s = make_sticker(4)
    cmd = DuplicateFrames([0, 2, 3])
    roundtrip(cmd, s)
    assert ids(s) == [0, 0, 1, 2, 2, 3, 3]
    assert s.durations_ms == [10, 10, 20, 30, 30, 40, 40]
    assert cmd.selection_after == (1, 4, 6)
    assert s.frames[0] is not s.frames[1]  # an independent copy


def test_insert_frames_with_and_without_durations() -> None:
    s = make_sticker(3)
    new = [np.full((4, 6, 4), 200, np.uint8), np.full((4, 6, 3), 201, np.uint8)]  # RGB is widened
    cmd = InsertFrames(1, new, [70, 80])
    roundtrip(cmd, s)
    assert ids(s) == [0, 200, 201, 1, 2] and s.durations_ms == [10, 70, 80, 20, 30]
    assert s.frames[2][0, 0, 3] == 255
    s2 = make_sticker(3)
    roundtrip(InsertFrames(3, new[:1]), s2)  # append; takes the pace of the frame before
    assert s2.durations_ms == [10, 20, 30, 30]
    s3 = make_sticker(3)
    roundtrip(InsertFrames(0, new[:1]), s3)
    assert s3.durations_ms == [10, 10, 20, 30]


def test_reverse_all_and_selection_durations_travel() -> None:
    s = make_sticker(5)
    roundtrip(ReverseFrames(), s)
    assert ids(s) == [4, 3, 2, 1, 0] and s.durations_ms == [50, 40, 30, 20, 10]
    s = make_sticker(5)
    roundtrip(ReverseFrames([0, 2, 3]), s)
    assert ids(s) == [3, 1, 2, 0, 4] and s.durations_ms == [40, 20, 30, 10, 50]


def test_ping_pong_has_no_doubled_endpoints() -> None:
    s = make_sticker(4)
    roundtrip(PingPong(), s)
    assert ids(s) == [0, 1, 2, 3, 2, 1]
    assert s.durations_ms == [10, 20, 30, 40, 30, 20]
    with pytest.raises(InvalidInputError, match="at least 3 frames"):
        PingPong().apply(make_sticker(2))


def test_set_durations_one_several_all() -> None:
    s = make_sticker(4)
    roundtrip(SetDurations(2, 55), s)
    assert s.durations_ms == [10, 20, 55, 40]
    roundtrip(SetDurations([0, 3], 66), s)
    assert s.durations_ms == [66, 20, 55, 66]
    roundtrip(SetDurations(None, 77), s)
    assert s.durations_ms == [77] * 4


@pytest.mark.parametrize("factor", [2.0, 0.5, 3.0, 1 / 3, 1.7, 7.0])
def test_scale_speed_keeps_total_exact(factor: float) -> None:
    durations = [33, 34, 33, 100, 17, 50, 1000]
    s = make_sticker(len(durations), durations=durations)
    roundtrip(ScaleSpeed(factor), s)
    assert sum(s.durations_ms) == round(sum(durations) / factor)
    starts_old = np.cumsum([0] + durations[:-1])
    starts_new = np.cumsum([0] + s.durations_ms[:-1])
    assert np.all(np.abs(starts_new - starts_old / factor) <= 0.5 + 1e-9)  # no drift anywhere


def test_scale_speed_keeps_one_ms_minimum_and_rejects_too_long() -> None:
    assert scaled_durations([1, 1, 1], 10.0) == [1, 1, 1]
    with pytest.raises(InvalidInputError, match="longest a frame may last"):
        ScaleSpeed(0.001).apply(make_sticker(2, durations=[1000, 1000]))


def test_crop_resize_pad() -> None:
    s = make_sticker(3, w=6, h=4)
    src = s.frames[1].copy()
    roundtrip(CropFrames((1, 0, 5, 3)), s)
    assert s.size == (4, 3) and np.array_equal(s.frames[1], src[0:3, 1:5])
    roundtrip(ResizeFrames(8, 6), s)
    assert s.size == (8, 6)
    roundtrip(PadToSquare(), s)
    assert s.size == (8, 8)
    assert (s.frames[0][0, :, 3] == 0).all()  # padding rows are transparent
    roundtrip(PadToSquare(16), s)
    assert s.size == (16, 16)


def test_resize_is_premultiplied() -> None:
    # Transparent pixels carry bright green; a straight resize would bleed it into the red edge.
    f = np.zeros((8, 8, 4), np.uint8)
    f[..., 1] = 255
    f[:, :4] = (255, 0, 0, 255)
    s = Sticker([f], [100])
    ResizeFrames(4, 4).apply(s)
    visible = s.frames[0][s.frames[0][..., 3] > 0]
    assert visible[:, 1].max() <= 2  # no green fringe


def test_loop_count_and_replace_sticker() -> None:
    s = make_sticker(3)
    roundtrip(SetLoopCount(4), s)
    assert s.loop_count == 4
    other = make_sticker(2, w=9, h=9)
    other.metadata = {"effect": "wobble"}
    other.loop_count = 2
    cmd = ReplaceSticker(other, label="Apply wobble")
    other.durations_ms[0] = 999  # the command keeps its own copy
    roundtrip(cmd, s)
    assert s.size == (9, 9) and s.durations_ms == [10, 20] and s.loop_count == 2
    assert s.metadata == {"effect": "wobble"} and cmd.label == "Apply wobble"


def test_lists_are_changed_in_place() -> None:
    s = make_sticker(4)
    frames_list, durations_list = s.frames, s.durations_ms
    for cmd in [MoveFrames([0], 4), ResizeFrames(3, 3), ReplaceSticker(make_sticker(2)), ScaleSpeed(2)]:
        cmd.apply(s)
        assert s.frames is frames_list and s.durations_ms is durations_list


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: DeleteFrames([]), "select at least one frame"),
        (lambda: DeleteFrames([-1]), "negative"),
        (lambda: DeleteFrames([1.5]), "whole number"),
        (lambda: MoveFrames([0], -1), "drop position"),
        (lambda: InsertFrames(0, []), "nothing to insert"),
        (lambda: InsertFrames(0, [np.zeros((2, 2, 4), np.uint8)], [10, 20]), "1 frames to insert but 2"),
        (lambda: InsertFrames(0, [np.zeros((2, 2, 4), np.float32)]), "uint8"),
        (lambda: SetDurations([0], 0), "between 1 and"),
        (lambda: SetDurations([0], MAX_FRAME_MS + 1), "between 1 and"),
        (lambda: ScaleSpeed(0), "positive"),
        (lambda: ScaleSpeed(-2), "positive"),
        (lambda: ScaleSpeed(float("nan")), "positive"),
        (lambda: ScaleSpeed("fast"), "number"),
        (lambda: CropFrames((2, 2, 2, 5)), "empty"),
        (lambda: CropFrames((-1, 0, 3, 3)), "outside"),
        (lambda: CropFrames((0, 0, 3)), r"\(left, top, right, bottom\)"),
        (lambda: ResizeFrames(0, 10), "between 1 and"),
        (lambda: ResizeFrames(10, 100_000), "between 1 and"),
        (lambda: PadToSquare(0), "between 1 and"),
        (lambda: SetLoopCount(-1), "loop count"),
        (lambda: ReplaceSticker("not a sticker"), "needs a Sticker"),  # type: ignore[arg-type]
    ],
)
def test_bad_arguments_are_rejected_at_construction(make, match: str) -> None:
    with pytest.raises(InvalidInputError, match=match):
        make()


@pytest.mark.parametrize(
    ("cmd", "match"),
    [
        (DeleteFrames([0, 1, 2, 3, 4]), "every frame"),
        (DeleteFrames([5]), "out of range"),
        (MoveFrames([0], 6), "past the end"),
        (MoveFrames([9], 0), "out of range"),
        (DuplicateFrames([1, 7]), "out of range"),
        (InsertFrames(6, [np.zeros((4, 6, 4), np.uint8)]), "past the end"),
        (InsertFrames(0, [np.zeros((5, 5, 4), np.uint8)]), "resize them first"),
        (ReverseFrames([0, 5]), "out of range"),
        (SetDurations([5], 40), "out of range"),
        (CropFrames((0, 0, 7, 4)), "outside"),
    ],
)
def test_invalid_for_this_sticker_raises_before_any_change(cmd: FrameCommand, match: str) -> None:
    s = make_sticker(5)
    before = snapshot(s)
    with pytest.raises(InvalidInputError, match=match):
        cmd.apply(s)
    assert_same(s, before)
    assert not cmd.applied


def test_revert_without_apply_is_a_programming_error() -> None:
    with pytest.raises(RuntimeError):
        DeleteFrames([0]).revert(make_sticker(3))
    s = make_sticker(3)
    cmd = DeleteFrames([0])
    cmd.apply(s)
    with pytest.raises(RuntimeError):
        cmd.apply(s)


# --------------------------------------------------------------------------- EditHistory
def test_history_undo_redo_and_redo_tail_dropped() -> None:
    s = make_sticker(4)
    h = EditHistory(s)
    original = snapshot(s)
    assert not h.can_undo and not h.can_redo and h.undo() is None and h.redo() is None
    h.push(DeleteFrames([0]))
    h.push(ReverseFrames())
    after_two = snapshot(s)
    assert h.undo_label == "Reverse frames" and h.can_undo
    h.undo()
    assert h.redo_label == "Reverse frames" and h.can_redo
    h.redo()
    assert_same(s, after_two)
    h.undo()
    h.undo()
    assert_same(s, original)
    h.redo()
    h.push(PingPong())  # drops the undone ReverseFrames
    assert not h.can_redo and len(h) == 2
    assert ids(s) == [1, 2, 3, 2]


def test_history_failed_push_records_nothing() -> None:
    s = make_sticker(3)
    h = EditHistory(s)
    with pytest.raises(InvalidInputError):
        h.push(DeleteFrames([0, 1, 2]))
    assert len(h) == 0 and s.frame_count == 3


def test_history_limit_drops_oldest() -> None:
    s = make_sticker(3)
    h = EditHistory(s, limit=2)
    for d in (11, 12, 13):
        h.push(SetDurations([0], d), merge=False)
    assert len(h) == 2
    h.undo()
    h.undo()
    assert not h.can_undo and s.durations_ms[0] == 11  # the first edit can no longer be undone
    with pytest.raises(InvalidInputError):
        EditHistory(s, limit=0)


def test_history_merges_consecutive_set_durations_on_same_frames() -> None:
    s = make_sticker(3)
    h = EditHistory(s)
    h.push(SetDurations([0, 1], 50))
    h.push(SetDurations([1, 0], 60))
    top = h.push(SetDurations([0, 1], 70))
    assert len(h) == 1 and top.label == "Set 2 durations to 70 ms"
    h.push(SetDurations([2], 80))  # other frames: no merge
    assert len(h) == 2
    h.undo()
    h.undo()
    assert s.durations_ms == [10, 20, 30]


def test_history_merge_all_only_with_same_frame_count() -> None:
    s = make_sticker(3)
    h = EditHistory(s)
    h.push(SetDurations(None, 50))
    h.push(SetDurations(None, 60))
    assert len(h) == 1
    h.push(DuplicateFrames([0]))
    h.push(SetDurations(None, 70))
    assert len(h) == 3
    while h.can_undo:
        h.undo()
    assert s.durations_ms == [10, 20, 30]


def test_history_clean_state_and_no_merge_across_it() -> None:
    s = make_sticker(3)
    h = EditHistory(s)
    assert h.is_clean
    h.push(SetDurations([0], 50))
    assert not h.is_clean
    h.set_clean()
    h.push(SetDurations([0], 60))  # must stay separate so undo returns to the saved state
    assert len(h) == 2
    h.undo()
    assert h.is_clean and s.durations_ms[0] == 50
    h.undo()
    h.push(SetLoopCount(2))  # the saved state is now unreachable
    assert not h.is_clean
    h.clear()
    assert h.is_clean and not h.can_undo and s.loop_count == 2


# --------------------------------------------------------------------------- property test
@st.composite
def command_for(draw: st.DrawFn, sticker: Sticker) -> FrameCommand:
    """A command that may or may not be valid for ``sticker`` (invalid ones must not mutate)."""
    n = sticker.frame_count
    some = st.lists(st.integers(0, n), min_size=1, max_size=4)  # n itself is out of range
    kind = draw(st.sampled_from(
        ["delete", "move", "dup", "insert", "reverse", "reverse_sel", "pingpong", "durations",
         "durations_all", "speed", "crop", "resize", "pad", "loop", "replace"]
    ))
    if kind == "delete":
        return DeleteFrames(draw(some))
    if kind == "move":
        return MoveFrames(draw(some), draw(st.integers(0, n + 1)))
    if kind == "dup":
        return DuplicateFrames(draw(some))
    if kind == "insert":
        k = draw(st.integers(1, 2))
        frames = [np.full((sticker.height, sticker.width, 4), 100 + i, np.uint8) for i in range(k)]
        durations = draw(st.none() | st.lists(st.integers(1, 500), min_size=k, max_size=k))
        return InsertFrames(draw(st.integers(0, n)), frames, durations)
    if kind == "reverse":
        return ReverseFrames()
    if kind == "reverse_sel":
        return ReverseFrames(draw(some))
    if kind == "pingpong":
        return PingPong()
    if kind == "durations":
        return SetDurations(draw(some), draw(st.integers(1, 300)))
    if kind == "durations_all":
        return SetDurations(None, draw(st.integers(1, 300)))
    if kind == "speed":
        return ScaleSpeed(draw(st.sampled_from([0.25, 0.5, 1.5, 2.0, 3.0])))
    if kind == "crop":
        w, h = sticker.size
        left = draw(st.integers(0, w - 1))
        top = draw(st.integers(0, h - 1))
        return CropFrames((left, top, draw(st.integers(left + 1, w + 1)), draw(st.integers(top + 1, h + 1))))
    if kind == "resize":
        return ResizeFrames(draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    if kind == "pad":
        return PadToSquare(draw(st.none() | st.integers(1, 7)))
    if kind == "loop":
        return SetLoopCount(draw(st.integers(0, 5)))
    return ReplaceSticker(make_sticker(draw(st.integers(1, 3)), w=3, h=5))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), n=st.integers(1, 6))
def test_random_command_sequences_undo_to_the_original(data: st.DataObject, n: int) -> None:
    s = make_sticker(n, w=5, h=4)
    original = snapshot(s)
    history = EditHistory(s)
    states = [snapshot(s)]  # state after each recorded step
    for _ in range(data.draw(st.integers(1, 12))):
        cmd = data.draw(command_for(s))
        before = snapshot(s)
        try:
            top = history.push(cmd)
        except InvalidInputError:
            assert_same(s, before)  # validation happens before any mutation
            continue
        if top is not cmd:  # merged into the previous step
            states[-1] = snapshot(s)
        else:
            states.append(snapshot(s))
        assert len(s.frames) == len(s.durations_ms) >= 1
        assert all(f.shape == s.frames[0].shape and f.dtype == np.uint8 for f in s.frames)
    for expected in reversed(states[:-1]):
        history.undo()
        assert_same(s, expected)
    assert not history.can_undo
    assert_same(s, original)
    for expected in states[1:]:
        history.redo()
        assert_same(s, expected)
