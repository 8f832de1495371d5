"""The puppet's effects: loops that start and end on the drawing, stay on the canvas, scale with the head."""

from __future__ import annotations

import numpy as np
import pytest

from sticker_studio.core.puppet.effects import EffectAnchors, EffectKind, draw_effect, effects_for_words

SIZE = 160


def _drawing(size: int = SIZE, cx: float = SIZE / 2, cy: float = SIZE / 2, r: float = 36.0) -> np.ndarray:
    """A flat disk 'head' on a transparent canvas."""
    img = np.zeros((size, size, 4), np.uint8)
    yy, xx = np.mgrid[0:size, 0:size] + 0.5
    img[(xx - cx) ** 2 + (yy - cy) ** 2 <= r * r] = (250, 200, 90, 255)
    return img


def _anchors(cx: float = SIZE / 2, cy: float = SIZE / 2, r: float = 36.0, facing: int = 1) -> EffectAnchors:
    return EffectAnchors((cx, cy), r, eyes=((cx - 0.35 * r, cy - 0.1 * r), (cx + 0.35 * r, cy - 0.1 * r)),
                         mouth=(cx + 0.2 * r * facing, cy + 0.4 * r), facing=facing, eye_radius=0.12 * r)


def _render(kind: EffectKind, t: float, anchors: EffectAnchors, base: np.ndarray, **kw: int) -> np.ndarray:
    frame = base.copy()
    draw_effect(frame, kind, anchors, t, **kw)
    return frame


def _changed(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.any(a != b, axis=-1)


@pytest.mark.parametrize("kind", list(EffectKind))
def test_each_effect_is_a_loop_that_starts_and_ends_on_the_drawing(kind: EffectKind) -> None:
    base, anchors = _drawing(), _anchors()
    assert np.array_equal(_render(kind, 0.0, anchors, base), base)
    assert np.array_equal(_render(kind, 1.0, anchors, base), base)  # t is a phase: 1 is 0
    # the seam: the last instants of the loop are (almost) the drawing again
    assert int(_changed(_render(kind, 0.999, anchors, base), base).sum()) <= 3
    # and mid-loop something visible is drawn, in opaque enough pixels
    areas = []
    for t in (0.25, 0.4, 0.5, 0.6):
        frame = _render(kind, t, anchors, base)
        diff = np.abs(frame.astype(int) - base.astype(int)).max(axis=-1)
        areas.append(int((diff > 60).sum()))
    assert max(areas) >= 30, areas


@pytest.mark.parametrize("kind", list(EffectKind))
def test_effects_stay_on_the_canvas_near_its_edge(kind: EffectKind) -> None:
    """A head in the canvas's corner: every shape is moved inward, none is cut by the border."""
    base = _drawing(cx=24, cy=28, r=30)
    for facing in (1, -1):
        anchors = _anchors(24, 28, 30, facing)
        for t in np.linspace(0.05, 0.95, 10):
            frame = _render(kind, float(t), anchors, base)
            changed = _changed(frame, base) & (base[..., 3] == 0)
            assert not changed[0].any() and not changed[-1].any()
            assert not changed[:, 0].any() and not changed[:, -1].any()


@pytest.mark.parametrize("kind", list(EffectKind))
def test_effects_scale_with_the_head(kind: EffectKind) -> None:
    small_base, big_base = _drawing(400, 200, 200, 40), _drawing(400, 200, 200, 80)
    small, big = _anchors(200, 200, 40), _anchors(200, 200, 80)
    ts = (0.2, 0.35, 0.5, 0.65)
    a_small = sum(int(_changed(_render(kind, t, small, small_base), small_base).sum()) for t in ts)
    a_big = sum(int(_changed(_render(kind, t, big, big_base), big_base).sum()) for t in ts)
    assert 2.5 * a_small < a_big < 6.0 * a_small, (a_small, a_big)


def test_effects_are_deterministic_per_seed_and_vary_by_seed() -> None:
    base, anchors = _drawing(), _anchors()
    a = _render(EffectKind.SPARKLES, 0.4, anchors, base, seed=1)
    b = _render(EffectKind.SPARKLES, 0.4, anchors, base, seed=1)
    c = _render(EffectKind.SPARKLES, 0.4, anchors, base, seed=2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_amount_scales_the_effect_and_zero_draws_nothing() -> None:
    base, anchors = _drawing(), _anchors()
    assert np.array_equal(_render(EffectKind.HEARTS, 0.4, anchors, base, amount=0), base)
    full = np.zeros_like(base)
    half = np.zeros_like(base)
    full[:] = base
    half[:] = base
    draw_effect(full, EffectKind.HEARTS, anchors, 0.4, amount=1.0)
    draw_effect(half, EffectKind.HEARTS, anchors, 0.4, amount=0.5)
    empty = base[..., 3] == 0
    assert full[empty][:, 3].astype(int).sum() > 1.6 * half[empty][:, 3].astype(int).sum() > 0


def test_placement_follows_the_anchors() -> None:
    base, anchors = _drawing(), _anchors()
    cx, cy = anchors.head_center
    tears = _changed(_render(EffectKind.TEARS, 0.3, anchors, base), base)
    ys, _ = np.nonzero(tears)
    assert ys.min() > anchors.eyes[0][1]  # below the eyes
    zzz = _changed(_render(EffectKind.ZZZ, 0.5, anchors, base), base)
    ys, xs = np.nonzero(zzz)
    assert xs.mean() > cx and ys.mean() < cy  # up-right of the head
    for facing in (1, -1):
        a = _anchors(facing=facing)
        lines = _changed(_render(EffectKind.MOTION_LINES, 0.4, a, base), base)
        fire = _changed(_render(EffectKind.FIRE, 0.4, a, base), base)
        assert np.sign(np.nonzero(lines)[1].mean() - cx) == -facing  # behind
        assert np.sign(np.nonzero(fire)[1].mean() - cx) == facing  # in front
    frame = _render(EffectKind.HEARTS, 0.4, anchors, base)
    px = frame[_changed(frame, base)][:, :3].astype(int)
    assert np.median(px[:, 0] - px[:, 1]) > 80  # hearts are red


def test_effects_for_words() -> None:
    assert effects_for_words("a sleepy panda") == [EffectKind.ZZZ]
    assert effects_for_words("a sad bunny crying") == [EffectKind.TEARS]
    assert effects_for_words(["a", "cat", "in", "love"]) == [EffectKind.HEARTS]
    assert effects_for_words("a dragon breathing fire") == [EffectKind.FIRE]
    assert effects_for_words("an angry robot, running fast") == [EffectKind.ANGER, EffectKind.MOTION_LINES]
    assert effects_for_words("nervous and excited") == [EffectKind.SWEAT, EffectKind.SPARKLES]
    assert effects_for_words("Tired. Mad!") == [EffectKind.ZZZ, EffectKind.ANGER]
    assert effects_for_words("a robot waving hello") == []
    assert effects_for_words("made of madeleines, glovely") == []  # whole words only


@pytest.mark.parametrize("kind", list(EffectKind))
def test_a_tiny_canvas_or_a_head_off_it_does_not_crash(kind: EffectKind) -> None:
    tiny = np.zeros((12, 20, 4), np.uint8)
    draw_effect(tiny, kind, EffectAnchors((10.0, 6.0), 30.0, facing=-1), 0.5)
    away = _drawing()
    draw_effect(away, kind, EffectAnchors((-500.0, 900.0), 20.0, facing=0), 0.5)
    assert away.shape == (SIZE, SIZE, 4)
