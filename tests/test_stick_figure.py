"""Ink stick figures rig as people (core/puppet/stick_figure.py); filled characters rig as before."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import ndimage

from sticker_studio.core.puppet.autorig import propose_rig
from sticker_studio.core.puppet.rig import PART_NAMES, BodyPlan
from sticker_studio.core.puppet.stick_figure import SOURCE, read_stick_figure, stick_figure_rig
from sticker_studio.training.rig.stick_figures import render_sketchy_figure, render_stick_figure

LIMBS = ("arm_l", "arm_r", "leg_l", "leg_r")


def _cut_paper(rgba: np.ndarray) -> np.ndarray:
    """What ``animate`` does with a sketch on paper (line art: the paper made transparent)."""
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.engine.matting.cutout import Background, MattingHeadCache, cut_out

    return cut_out(Sticker([rgba], [100], 0, {}), Background.LINE_ART, MattingHeadCache.of(None), regions=False,
                   fallback=True, keep_if_empty=False).sticker.frames[0]


def _pck(truth: dict[str, tuple[float, float]], found: dict[str, tuple[float, float]], alpha: np.ndarray) -> float:
    ys, xs = np.nonzero(alpha > 0)
    tol = 0.05 * math.hypot(xs.max() - xs.min(), ys.max() - ys.min())
    hits = [n in found and math.hypot(found[n][0] - x, found[n][1] - y) <= tol for n, (x, y) in truth.items()]
    return sum(hits) / len(hits)


@pytest.mark.parametrize(("pose", "head"), [("stand", "ring"), ("out", "dot"), ("run", "ring"), ("kneel", "dot")])
def test_an_ink_stick_figure_is_a_person_with_arms_legs_and_a_head(pose: str, head: str) -> None:
    scores = []
    for seed in range(4):
        fig = render_stick_figure(seed, 256, pose=pose, on_white=False, head_kind=head)
        rig = propose_rig(fig.rgba)  # the automatic rig's geometry path (auto_rig hands it the network's reading)
        assert rig.source == SOURCE and rig.plan is BodyPlan.HUMANOID
        for part in ("head", *LIMBS):
            assert rig.has_part(part), (seed, part)
        # _l is the viewer's left
        assert rig.joints["hand_l"].x < rig.joints["hand_r"].x and rig.joints["foot_l"].x < rig.joints["foot_r"].x
        # every visible pixel belongs to a part
        assert np.all((rig.parts > 0) == (fig.rgba[..., 3] > 0))
        reading = read_stick_figure(fig.rgba)
        assert reading is not None
        scores.append(_pck(fig.joints, reading.joints, fig.rgba[..., 3]))
    assert np.mean(scores) >= 0.8, scores


def test_a_stick_figure_on_white_paper_and_a_pencil_sketch_are_people() -> None:
    fig = render_stick_figure(11, 256, pose="wave", on_white=True, head_kind="ring")
    for rgba in (_cut_paper(fig.rgba), _cut_paper(render_sketchy_figure(0, 256))):
        rig = stick_figure_rig(rgba)
        assert rig is not None and rig.plan is BodyPlan.HUMANOID
        assert all(rig.has_part(p) for p in ("head", *LIMBS))


def test_a_wave_moves_the_arm_line_and_nothing_else() -> None:
    from sticker_studio.core.puppet.animate import AnimateOptions, animate_character, missing_in, prepare
    from sticker_studio.core.puppet.motions import find_character_motion

    fig = render_stick_figure(2, 192, pose="stand", on_white=False, head_kind="ring", stroke_frac=0.025)
    rgba = fig.rgba
    rig = propose_rig(rgba)
    plan = prepare(rgba, rig)
    for name in ("wave", "cheer", "clap"):
        motion = find_character_motion(name)
        assert motion is not None and not missing_in(motion, rig, plan), name
    clip = animate_character(rgba, rig, "wave", options=AnimateOptions(frames=8), plan=plan)
    h, w = rgba.shape[:2]
    pad = clip.metadata["canvas_padding"]
    assert isinstance(pad, list)
    px, py = int(pad[0]), int(pad[1])
    assert np.array_equal(clip.frames[0][py:py + h, px:px + w], rgba)  # frame 0 is the drawing
    changed = np.zeros((h, w), bool)
    for frame in clip.frames:
        changed |= np.any(frame[py:py + h, px:px + w] != rgba, axis=-1)
    subject = rgba[..., 3] > 0
    arms = np.isin(rig.parts, [PART_NAMES.index("arm_l") + 1, PART_NAMES.index("arm_r") + 1])
    assert (changed & subject).sum() > 0.3 * arms.sum()  # the arm moved
    # the legs and the spine's lower half stay as drawn; elsewhere away from the arm line only pixels the raised
    # arm now covers change (it passes the head)
    legs = np.isin(rig.parts, [PART_NAMES.index("leg_l") + 1, PART_NAMES.index("leg_r") + 1])
    assert not (changed & legs).any()
    away = subject & ~ndimage.binary_dilation(arms, iterations=4)
    assert (changed & away).sum() <= 0.2 * (changed & subject).sum()
    pelvis_y = rig.joints["pelvis"].y
    body = (rig.parts == PART_NAMES.index("body") + 1) & (np.arange(h)[:, None] > (rig.joints["neck"].y + pelvis_y) / 2)
    assert body.any() and not (changed & body).any()


def test_filled_characters_are_not_stick_figures() -> None:
    """The library art and procedural characters (thin cartoon limbs included) rig exactly as before."""
    from sticker_studio.training.rig.characters import FAMILIES, render_character
    from sticker_studio.training.rig.evaluate import LIBRARY_CHARACTERS, library_characters

    # (the trombone's thin golden tubes, a loop and a bell were once read as one)
    for name, rgba in library_characters((*LIBRARY_CHARACTERS, "trombone"), size=256):
        assert stick_figure_rig(rgba) is None, name
    for family in FAMILIES:
        for seed in range(10_000_000, 10_000_008):
            assert stick_figure_rig(render_character(family, seed, 256).rgba) is None, (family, seed)


def test_not_a_stick_figure_returns_none() -> None:
    blank = np.zeros((64, 64, 4), np.uint8)
    assert read_stick_figure(blank) is None
    disc = np.zeros((128, 128, 4), np.uint8)
    yy, xx = np.mgrid[:128, :128]
    disc[(yy - 64) ** 2 + (xx - 64) ** 2 < 50 ** 2] = (200, 40, 40, 255)
    assert read_stick_figure(disc) is None
    opaque = np.full((128, 128, 4), 255, np.uint8)  # a scan not cut out yet
    assert read_stick_figure(opaque) is None
