"""Motion presets: every preset moves, loops without a seam, never clips, never fringes."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.motion.poses import EASINGS
from sticker_studio.core.motion.presets import PRESETS, animate, get_preset, list_presets, plan_motion
from sticker_studio.core.motion.render import SubjectGeometry, convex_hull
from sticker_studio.core.sticker import Sticker
from sticker_studio.training.data.drawn_subjects import sample_drawing

SIDE = 64
LOOPS = [p.name for p in list_presets() if p.loops]
INTROS = [p.name for p in list_presets() if not p.loops]
REQUIRED = ["bounce", "jump", "jelly", "wobble", "spin", "shake", "no", "nod", "pulse", "heartbeat",
            "float", "swing", "sway", "pop-in", "slide-in", "flip", "tada", "rubber-band", "breathe"]


@pytest.fixture(scope="module")
def drawing() -> np.ndarray:
    return sample_drawing(96, "drawn-balloon")  # asymmetric, with a thin string


@pytest.fixture(scope="module")
def white_disc() -> np.ndarray:
    """A white disc with an anti-aliased edge, filling the image to its border (worst case for clipping)."""
    big = Image.new("RGBA", (384, 384), (0, 0, 0, 0))
    ImageDraw.Draw(big).ellipse((0, 0, 383, 383), fill=(255, 255, 255, 255))
    return np.asarray(big.resize((96, 96), Image.Resampling.LANCZOS))


def _diff(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean())


def test_the_presets_artists_expect_exist() -> None:
    assert len(PRESETS) >= 12
    for name in REQUIRED:
        assert name in PRESETS, name
    assert {"pop-in", "slide-in"} <= set(INTROS)


@pytest.mark.parametrize("name", list(PRESETS))
def test_frames_differ(name: str, drawing: np.ndarray) -> None:
    sticker = animate(drawing, name, frames=12, size=SIDE)
    assert sticker.frame_count == 12 and sticker.size == (SIDE, SIDE)
    steps = [_diff(a, b) for a, b in zip(sticker.frames, sticker.frames[1:], strict=False)]
    assert sum(s > 0.05 for s in steps) >= len(steps) // 2, steps


@pytest.mark.parametrize("name", LOOPS)
def test_loop_closes(name: str, drawing: np.ndarray) -> None:
    frames = animate(drawing, name, frames=16, size=SIDE).frames
    steps = [_diff(a, b) for a, b in zip(frames, frames[1:], strict=False)]
    wrap = _diff(frames[-1], frames[0])
    # the step from the last frame back to the first is just another step of the motion
    assert wrap <= max(steps) * 1.05 + 0.2, (wrap, steps)
    assert wrap <= 3.0 * float(np.median(steps)) + 0.5 or wrap <= max(steps) * 0.75 + 0.2, (wrap, steps)


@pytest.mark.parametrize("name", INTROS)
def test_intro_ends_on_the_rest_pose(name: str, drawing: np.ndarray) -> None:
    sticker = animate(drawing, name, frames=10, size=SIDE)
    last, first = sticker.frames[-1], sticker.frames[0]
    assert last[..., 3].sum() > first[..., 3].sum()
    rest = animate(drawing, name, frames=20, size=SIDE).frames[-1]
    assert _diff(last, rest) < 1.0


@pytest.mark.parametrize("name", list(PRESETS))
def test_nothing_is_clipped_at_the_canvas_edge(name: str, white_disc: np.ndarray) -> None:
    for amplitude in (1.0, 2.0):
        arr = animate(white_disc, name, frames=12, size=SIDE, amplitude=amplitude).as_array()
        border = np.concatenate([arr[:, 0, :, 3], arr[:, -1, :, 3], arr[:, :, 0, 3], arr[:, :, -1, 3]], axis=1)
        assert border.max() == 0, f"{name} x{amplitude} touches the canvas edge"


@pytest.mark.parametrize("name", ["bounce", "spin", "jelly", "sway", "flip", "pop-in", "tada"])
def test_no_dark_halo_on_white_edges(name: str, white_disc: np.ndarray) -> None:
    checked = 0
    for frame in animate(white_disc, name, frames=8, size=SIDE).frames:
        a = frame[..., 3]
        edge = (a > 8) & (a < 247)
        assert (frame[a == 0][:, :3] == 0).all()
        if not edge.any():  # an intro's empty first frame
            continue
        checked += 1
        assert frame[edge][:, :3].min() >= 250, "semi-transparent edge pixels of a white subject darkened"
    assert checked >= 6


def test_transparency_is_kept(drawing: np.ndarray) -> None:
    frame = animate(drawing, "float", frames=4, size=SIDE).frames[0]
    assert (frame[..., 3] == 0).mean() > 0.3
    assert (frame[..., 3] == 255).any()


def test_flip_shows_the_mirrored_back() -> None:
    leaf = sample_drawing(64, "drawn-leaf")  # its midrib sticks out to the right only
    frames = animate(leaf, "flip", frames=16, size=SIDE, easing="linear").frames
    front, back = frames[0][..., 3].astype(np.float32), frames[8][..., 3].astype(np.float32)
    assert np.abs(back - front[:, ::-1]).mean() < np.abs(back - front).mean() * 0.5


def test_bounce_squashes_on_landing(drawing: np.ndarray) -> None:
    frames = animate(drawing, "bounce", frames=24, size=128).frames

    def box(f: np.ndarray) -> tuple[int, int, int]:
        ys, xs = np.nonzero(f[..., 3] > 128)
        return int(xs.max() - xs.min()), int(ys.max() - ys.min()), int(ys.max())

    rest_w, rest_h, floor = box(frames[0])
    widths = [box(f) for f in frames]
    squash = max(widths[:6], key=lambda b: b[0])
    assert squash[0] > rest_w and squash[1] < rest_h  # wider and shorter while on the ground
    assert min(b[2] for b in widths) < floor - 10  # and it leaves the ground


def test_speed_fits_whole_cycles_and_keeps_the_rate(drawing: np.ndarray) -> None:
    plan = plan_motion(get_preset("pulse"), 16, 16.0, 2.0)
    assert plan.cycles == 2 and plan.fps == pytest.approx(16.0)
    frames = animate(drawing, "pulse", frames=16, speed=2.0, size=SIDE).frames
    assert _diff(frames[0], frames[8]) < 0.5
    slow = plan_motion(get_preset("pulse"), 16, 16.0, 0.5)
    assert slow.cycles == 1 and slow.fps == pytest.approx(8.0)
    odd = plan_motion(get_preset("pulse"), 16, 16.0, 1.5)
    assert odd.cycles * odd.fps / 16 == pytest.approx(1.5)


def test_names_aliases_and_errors(drawing: np.ndarray) -> None:
    assert get_preset("YES").name == "nod"
    assert get_preset("pop_in").name == "pop-in"
    with pytest.raises(InvalidInputError, match="unknown motion"):
        animate(drawing, "moonwalk")
    with pytest.raises(InvalidInputError, match="easing"):
        animate(drawing, "spin", easing="wobbly")
    with pytest.raises(InvalidInputError, match="transparent"):
        animate(np.zeros((32, 32, 4), np.uint8), "spin")


def test_every_easing_keeps_its_ends() -> None:
    for name, fn in EASINGS.items():
        assert fn(0.0) == pytest.approx(0.0, abs=1e-9), name
        assert fn(1.0) == pytest.approx(1.0, abs=1e-9), name


def test_default_size_and_metadata() -> None:
    big = sample_drawing(96)
    sticker = animate(np.pad(big, ((0, 0), (0, 32), (0, 0))), "nod", frames=4)
    assert sticker.size == (128, 96)
    assert sticker.metadata["motion"] == "nod" and sticker.metadata["loops"] is True
    assert sticker.loop_count == 0


def test_large_drawings_are_prefiltered_not_aliased() -> None:
    stripes = np.zeros((512, 512, 4), np.uint8)
    stripes[:, :, 3] = 255
    stripes[::2, :, :3] = 255  # 1-px stripes: aliasing would show as bands
    frame = animate(stripes, "float", frames=2, size=64).frames[0]
    inner = frame[16:48, 16:48, :3].astype(np.float32)
    assert inner.std() < 12.0 and 100 < inner.mean() < 160


def test_an_animated_sticker_keeps_playing_under_the_motion(drawing: np.ndarray) -> None:
    other = drawing.copy()
    other[..., :3] = 255 - other[..., :3]
    source = Sticker([drawing, other], [250, 250])
    out = animate(source, "float", frames=8, fps=8.0, size=SIDE)
    assert _diff(out.frames[0], out.frames[2]) > _diff(out.frames[0], out.frames[1])


def test_convex_hull_and_geometry() -> None:
    pts = np.array([[0, 0], [2, 0], [2, 2], [0, 2], [1, 1], [1, 0]], float)
    hull = convex_hull(pts)
    assert len(hull) == 4
    alpha = np.zeros((10, 20), np.uint8)
    alpha[2:8, 5:15] = 255
    geom = SubjectGeometry.from_alpha(alpha)
    assert geom.unit == 10 and geom.center == (10.0, 5.0)
    assert geom.half == pytest.approx((0.5, 0.3))
