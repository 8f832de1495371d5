"""Character motions drawn straight at the sticker framing match framing the finished frames."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sticker_studio.core.puppet import prepare, propose_rig
from sticker_studio.core.puppet.animate import AnimateOptions, animate_character
from sticker_studio.core.puppet.framed import animate_framed
from sticker_studio.core.puppet.framing import frame_character, rest_box_of

REAL = Path(__file__).parent / "data" / "rig_real"


def _drawing(name: str, side: int = 160) -> np.ndarray:
    im = Image.open(REAL / f"{name}.png").convert("RGBA").resize((side, side), Image.Resampling.LANCZOS)
    return np.asarray(im).copy()


def _old(rgba, rig, motion, options, plan, side):
    raw = animate_character(rgba, rig, motion, None, options, plan=plan)
    pad = raw.metadata["canvas_padding"]
    return frame_character(raw, rest_box_of(rgba, (int(pad[0]), int(pad[1]))), side, 0.8)


def _premul(f: np.ndarray) -> np.ndarray:
    return f[..., :3].astype(np.float64) * f[..., 3:4] / 255.0


@pytest.mark.parametrize("motion, effects", [("blink", ()), ("sleepy", ()), ("hop", ("sparkles",))])
def test_framed_frames_match_framing_the_finished_frames(motion: str, effects: tuple[str, ...]) -> None:
    rgba = _drawing("teddy_bear")
    rig = propose_rig(rgba)
    plan = prepare(rgba, rig)
    options = AnimateOptions(frames=8, extra_effects=effects)
    old = _old(rgba, rig, motion, options, plan, 160)
    new = animate_framed(rgba, rig, motion, None, options, plan=plan, side=160, subject_size=0.8)
    assert len(new.frames) == len(old.frames) and new.durations_ms == old.durations_ms
    assert new.frames[0].shape == (160, 160, 4)
    # the same framing (scale), frame 0 the drawing resampled once with the same filter, the rest alike
    assert abs(new.metadata["pixel_scale"] - old.metadata["pixel_scale"]) < 0.02
    shifted = not np.array_equal(new.frames[0], old.frames[0])
    for a, b in zip(old.frames, new.frames, strict=True):
        if not shifted:
            assert np.abs(_premul(a) - _premul(b)).mean() < 1.5
        ca, cb = (a[..., 3] > 127).sum(), (b[..., 3] > 127).sum()
        assert abs(int(ca) - int(cb)) <= 0.03 * ca      # the same visible area
    assert any(not np.array_equal(f, new.frames[0]) for f in new.frames[1:])  # it moves


def test_frame_zero_is_the_drawing_resampled_once() -> None:
    rgba = _drawing("teddy_bear")
    rig = propose_rig(rgba)
    new = animate_framed(rgba, rig, "blink", None, AnimateOptions(frames=6), side=160, subject_size=0.8)
    # a blink's open-eye frames are the rest drawing: the same pixels as frame 0, which is what framing a
    # still drawing gives
    from sticker_studio.core.sticker import Sticker

    still = frame_character(Sticker([rgba], [100]), rest_box_of(rgba), 160, 0.8)
    assert np.array_equal(new.frames[0], still.frames[0])


def test_a_big_drawing_shrunk_a_lot_is_rendered_then_resampled_with_one_filter() -> None:
    """At a small scale the raster's bilinear sampling would alias against the framing's filter: a
    drawing framed at under MIN_DIRECT_SCALE takes the render-then-resample path, frame for frame."""
    from sticker_studio.core.puppet.framed import MIN_DIRECT_SCALE

    rgba = _drawing("teddy_bear", side=320)
    rig = propose_rig(rgba)
    plan = prepare(rgba, rig)
    options = AnimateOptions(frames=6)
    new = animate_framed(rgba, rig, "hop", None, options, plan=plan, side=128, subject_size=0.8)
    assert new.metadata["pixel_scale"] < MIN_DIRECT_SCALE
    old = _old(rgba, rig, "hop", options, plan, 128)
    assert len(new.frames) == len(old.frames)
    assert all(np.array_equal(a, b) for a, b in zip(new.frames, old.frames, strict=True))


@pytest.mark.parametrize("motion, effects", [("hop", ("hearts",)), ("sleepy", ())])
def test_frames_drawn_on_two_threads_are_the_frames_of_one(motion: str, effects: tuple[str, ...]) -> None:
    rgba = _drawing("teddy_bear")
    rig = propose_rig(rgba)
    plan = prepare(rgba, rig)
    options = AnimateOptions(frames=8, extra_effects=effects)
    one = animate_framed(rgba, rig, motion, None, options, plan=plan, side=160, subject_size=0.8)
    two = animate_framed(rgba, rig, motion, None, options, plan=plan, side=160, subject_size=0.8, workers=2)
    assert len(one.frames) == len(two.frames) == 8
    assert all(np.array_equal(a, b) for a, b in zip(one.frames, two.frames, strict=True))
    assert any(not np.array_equal(f, one.frames[0]) for f in one.frames[1:])  # it moves


def test_a_puppet_made_on_two_threads_is_the_puppet_of_one() -> None:
    rgba = _drawing("teddy_bear")
    rig = propose_rig(rgba)
    one, two = prepare(rgba, rig).puppet, prepare(rgba, rig, workers=2).puppet
    assert [layer.part for layer in one.layers] == [layer.part for layer in two.layers]
    assert len(one.layers) >= 2
    for a, b in zip(one.layers, two.layers, strict=True):
        assert np.array_equal(a.mesh.vertices, b.mesh.vertices) and np.array_equal(a.mesh.triangles, b.mesh.triangles)
        assert np.array_equal(a.padded, b.padded) and np.array_equal(a.pin_rest, b.pin_rest)
