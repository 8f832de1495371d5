"""The timing rule: no duplicated first frame, no shift, loop length kept."""

from __future__ import annotations

import pytest

from fixtures_formats import frame_id, numbered_frames
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.resample import (
    cap_frame_rate,
    max_instant_fps,
    resample_to_count,
    resample_to_fps,
)


def ids(sticker: Sticker) -> list[int]:
    return [frame_id(f) for f in sticker.frames]


def test_fps_form_picks_frame_on_screen_at_each_start() -> None:
    src = Sticker.from_frames(numbered_frames(12), fps=12)  # 1000 ms loop, frames 83/84 ms
    out = resample_to_fps(src, 6)
    assert out.frame_count == 6
    # output frame k starts at k*1000/6 ms -> source frame floor(k*1000/6 / 83.33) = 2k
    assert ids(out) == [0, 2, 4, 6, 8, 10]
    assert abs(out.total_duration_ms - src.total_duration_ms) <= 1000 / 6 / 2


def test_sticker_convert_failure_mode_is_not_reproduced() -> None:
    """sticker-convert 2.21 duplicates frame 0 when dropping 12 fps -> 10 fps, shifting
    every later frame by one and stretching the loop by ~8%. The rule must not."""
    src = Sticker.from_frames(numbered_frames(12), fps=12)
    out = resample_to_fps(src, 10)
    assert out.frame_count == 10  # round(1000 * 10 / 1000)
    expected = [src.frame_index_at(k * 100) for k in range(10)]
    assert ids(out) == expected
    assert ids(out)[:2] == [0, 1]  # no duplicated frame 0
    assert out.total_duration_ms == src.total_duration_ms  # loop length kept (1000 ms)
    # every output frame shows what the source shows at the output frame's start
    for k, start in enumerate(out.start_times_ms()):
        assert ids(out)[k] == src.frame_index_at(start)


def test_count_form_keeps_loop_exactly_and_upsamples_without_shift() -> None:
    src = Sticker(numbered_frames(3), [100, 200, 300])
    down = resample_to_count(src, 4)
    assert down.total_duration_ms == 600
    assert ids(down) == [0, 1, 2, 2]  # starts 0, 150, 300, 450
    up = resample_to_count(src, 6)
    assert ids(up) == [0, 1, 1, 2, 2, 2]
    assert up.durations_ms == [100] * 6


def test_cap_frame_rate_only_when_needed_and_never_above_cap() -> None:
    src = Sticker.from_frames(numbered_frames(60), fps=60)
    assert cap_frame_rate(src, max_fps=60) is src
    capped = cap_frame_rate(src, max_fps=30)
    assert capped.frame_count == 30
    assert max_instant_fps(capped) <= 30.5
    assert capped.total_duration_ms == src.total_duration_ms
    assert ids(capped)[:3] == [0, 2, 4]
    fewer = cap_frame_rate(src, max_frames=20)
    assert fewer.frame_count == 20
    more = cap_frame_rate(Sticker.from_frames(numbered_frames(2), fps=2), min_frames=5)
    assert more.frame_count == 5 and more.total_duration_ms == 1000


def test_variable_durations_are_honoured() -> None:
    src = Sticker(numbered_frames(3), [500, 100, 400])
    out = resample_to_fps(src, 10)
    assert ids(out) == [0] * 5 + [1] + [2] * 4


def test_bad_arguments() -> None:
    src = Sticker.from_frames(numbered_frames(2), fps=2)
    with pytest.raises(InvalidInputError):
        resample_to_fps(src, 0)
    with pytest.raises(InvalidInputError):
        resample_to_count(src, 0)
