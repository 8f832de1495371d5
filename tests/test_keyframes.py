"""Keyframes by clustering (RDTF) and the motion words read off a clip's alpha."""

from __future__ import annotations

import numpy as np
import pytest

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.training.data.clip_motion import describe_motion, label_motion, measure_motion
from sticker_studio.training.data.keyframes import (
    K_RANGE,
    cluster_keyframes,
    default_k,
    frame_features,
    keyframes_for_ks,
    select_keyframes,
)

SIDE = 32


def _pose(kind: int) -> np.ndarray:
    """Three clearly different looks: a red square left, a green bar right, a blue dot bottom."""
    f = np.zeros((SIDE, SIDE, 4), np.uint8)
    if kind == 0:
        f[4:14, 4:14] = (220, 40, 40, 255)
    elif kind == 1:
        f[2:30, 22:28] = (40, 200, 40, 255)
    else:
        f[24:30, 12:18] = (40, 40, 220, 255)
    return f


def _blocks(lengths: list[int], kinds: list[int]) -> np.ndarray:
    return np.stack([_pose(k) for k, n in zip(kinds, lengths, strict=False) for _ in range(n)])


def test_features_are_deterministic_rows() -> None:
    clip = _blocks([3, 3], [0, 1])
    a, b = frame_features(clip), frame_features(clip.copy())
    assert a.shape[0] == 6 and a.ndim == 2
    np.testing.assert_array_equal(a, b)
    assert np.allclose(a[0], a[2]) and not np.allclose(a[0], a[3])
    with pytest.raises(InvalidInputError):
        frame_features(np.zeros((2, 8, 8, 3), np.uint8))


def test_one_keyframe_per_pose_first_of_each_cluster_in_order() -> None:
    clip = _blocks([4, 5, 3], [0, 1, 2])
    assert cluster_keyframes(frame_features(clip), 3) == [0, 4, 9]
    # A pose that comes back belongs to its first cluster: the first frame is kept.
    again = _blocks([2, 3, 2, 3], [1, 0, 1, 2])
    assert cluster_keyframes(frame_features(again), 3) == [0, 2, 7]


def test_k_larger_than_the_distinct_frames_gives_fewer_keyframes() -> None:
    clip = _blocks([3, 3], [0, 2])
    assert cluster_keyframes(frame_features(clip), 8) == [0, 3]
    still = _blocks([5], [1])
    assert cluster_keyframes(frame_features(still), 4) == [0]
    short = _blocks([1, 1], [0, 1])
    assert cluster_keyframes(frame_features(short), 5) == [0, 1]
    with pytest.raises(InvalidInputError):
        cluster_keyframes(frame_features(short), 0)


def test_keyframes_for_every_k_are_sorted_and_in_range() -> None:
    rng = np.random.default_rng(3)
    n = 30
    clip = np.zeros((n, SIDE, SIDE, 4), np.uint8)
    for i in range(n):  # a square sliding across, with a little noise
        x = i * (SIDE - 8) // n
        clip[i, 10:18, x:x + 8] = (200, 100, 50, 255)
        clip[i, ..., :3] += rng.integers(0, 3, (SIDE, SIDE, 3), dtype=np.uint8)
    table = keyframes_for_ks(frame_features(clip))
    assert list(table) == [str(k) for k in K_RANGE]
    for k, idx in table.items():
        assert len(idx) == int(k)
        assert idx == sorted(set(idx)) and idx[0] == 0 and idx[-1] < n
    assert table == keyframes_for_ks(frame_features(clip))  # seeded: same clip, same keyframes
    assert select_keyframes(table, 5) == table["5"]
    assert select_keyframes({"4": [0, 2], "8": [0, 1, 2]}, 7) == [0, 1, 2]
    assert default_k(12) == 3 and default_k(36) == 6 and default_k(97) == 8


def _disc_clip(n: int, *, dy: float = 0.0, dx: float = 0.0, grow: float = 0.0, shakes: int = 1) -> np.ndarray:
    ys, xs = np.mgrid[0:64, 0:64]
    out = np.zeros((n, 64, 64, 4), np.uint8)
    for i in range(n):
        phase = np.sin(2 * np.pi * shakes * i / n)
        cy, cx, r = 32 + dy * phase, 32 + dx * phase, 12 * (1 + grow * abs(np.sin(2 * np.pi * i / n)))
        mask = (ys - cy) ** 2 + (xs - cx) ** 2 <= r * r
        out[i][mask] = (230, 180, 40, 255)
    return out


def _arrow_clip(angles_deg: list[float]) -> np.ndarray:
    """An arrow (a bar with a head: no rotational symmetry) at each of the given angles."""
    ys, xs = np.mgrid[0:64, 0:64] - 31.5
    out = np.zeros((len(angles_deg), 64, 64, 4), np.uint8)
    for i, deg in enumerate(angles_deg):
        a = np.deg2rad(deg)
        u = xs * np.cos(a) + ys * np.sin(a)
        v = -xs * np.sin(a) + ys * np.cos(a)
        arrow = ((np.abs(u) < 24) & (np.abs(v) < 4)) | ((u > 10) & (u < 24) & (np.abs(v) < 12))
        out[i][arrow] = (60, 120, 220, 255)
    return out


def test_motion_words_for_clear_motions() -> None:
    assert label_motion(_disc_clip(12, dy=8)).preset == "bounce"
    assert label_motion(_disc_clip(16, dx=6, shakes=3)).preset == "shake"
    assert label_motion(_disc_clip(12, grow=0.3)).preset == "pulse"
    spin = label_motion(_arrow_clip([30.0 * i for i in range(12)]))
    assert spin.preset == "spin" and spin.phrase.startswith("spinning")
    assert label_motion(_arrow_clip([0.0] * 6)).phrase == "gently moving"
    rocking = [0, 15, 30, 40, 30, 15, 0, -15, -30, -40, -30, -15]
    assert label_motion(_arrow_clip(rocking), "waving hand").preset == "sway"
    assert label_motion(_arrow_clip(rocking), "rocket").preset == "wobble"


def test_motion_stats_are_plain_numbers() -> None:
    stats = measure_motion(_disc_clip(8, dy=8))
    data = stats.to_json()
    assert set(data) >= {"translate_y", "rotation_total", "scale_range", "inner_change"}
    assert data["translate_y"] > 0.1 > data["translate_x"]
    assert describe_motion(stats).stats is stats
