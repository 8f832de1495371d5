"""The automatic rig never puts an eye (or a mouth) in a hole through the drawing: a mug's handle
hole read as a dark blob (its transparent pixels) got an "eye", and blink drew a lid in the hole."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from sticker_studio.core.puppet.autorig import propose_rig
from sticker_studio.core.puppet.on_subject import on_subject
from sticker_studio.core.puppet.rig import Ellipse


def _mug(side: int = 256, body: tuple[int, int, int] = (236, 236, 240), hole: int = 30) -> np.ndarray:
    """A cut-out mug (RGBA): a pale body in a dark outline and a handle ring whose hole is transparent."""
    im = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    k = side / 256
    cx, cy = 184 * k, 128 * k
    d.ellipse((cx - 48 * k, cy - 48 * k, cx + 48 * k, cy + 48 * k), fill=(40, 36, 44, 255))
    d.ellipse((cx - 40 * k, cy - 40 * k, cx + 40 * k, cy + 40 * k), fill=body + (255,))
    d.ellipse((cx - (hole + 6) * k, cy - (hole + 6) * k, cx + (hole + 6) * k, cy + (hole + 6) * k),
              fill=(40, 36, 44, 255))
    d.ellipse((cx - hole * k, cy - hole * k, cx + hole * k, cy + hole * k), fill=(0, 0, 0, 0))
    d.rounded_rectangle((40 * k, 50 * k, 170 * k, 220 * k), radius=int(14 * k), fill=(40, 36, 44, 255))
    d.rounded_rectangle((47 * k, 57 * k, 163 * k, 213 * k), radius=int(10 * k), fill=body + (255,))
    return np.asarray(im).copy()


def _hole_centre(rgba: np.ndarray) -> tuple[float, float]:
    side = rgba.shape[0]
    return 184 * side / 256, 128 * side / 256


@pytest.mark.parametrize(("side", "body", "hole"), [(256, (236, 236, 240), 30), (256, (90, 150, 220), 22),
                                                    (192, (250, 250, 250), 26), (320, (226, 226, 230), 34)])
def test_no_eye_or_mouth_in_a_mug_handles_hole(side: int, body: tuple[int, int, int], hole: int) -> None:
    rgba = _mug(side, body, hole)
    hx, hy = _hole_centre(rgba)
    assert rgba[int(hy), int(hx), 3] == 0                                   # the hole is transparent
    for rig in (propose_rig(rgba), _auto(rgba)):
        if rig is None:
            continue
        for name, e in rig.face.items():
            assert np.hypot(e.cx - hx, e.cy - hy) > hole * side / 256, (name, e)  # nothing in the hole
            assert on_subject(rgba, e), (name, e)


def _library(label: str, style: str, size: int = 256) -> np.ndarray:
    from sticker_studio.core.text.art_library import ArtLibrary
    from sticker_studio.formats.svg_render import render_svg

    lib = ArtLibrary.load()
    entry = lib.find(label)
    if entry is None:
        pytest.skip(f"{label!r} is not in the art library")
    used, _ = entry.icon(style)
    if used != style:
        pytest.skip(f"{label!r} has no {style} art")
    return render_svg(lib.svg(entry, style), size)


# the library art that had an "eye" in a hole before (a mug's and a teapot's handle, a trophy's handles,
# a doughnut's and a pretzel's holes): blink drew a lid there
@pytest.mark.parametrize(("label", "style"), [("hot beverage", "fluent-emoji-flat"), ("hot beverage", "noto"),
                                              ("teapot", "noto"), ("trophy", "noto"),
                                              ("doughnut", "fluent-emoji-flat"), ("pretzel", "noto")])
def test_library_objects_get_no_eye_in_a_hole(label: str, style: str) -> None:
    rgba = _library(label, style)
    for name, e in _auto(rgba).face.items():
        assert on_subject(rgba, e), (label, name, e)
        assert rgba[int(e.cy), int(e.cx), 3] > 127, (label, name, e)


@pytest.mark.parametrize("label", ["grinning face", "cat face", "panda", "robot"])
def test_characters_keep_both_eyes(label: str) -> None:
    rig = _auto(_library(label, "fluent-emoji-flat"))
    assert {"eye_l", "eye_r"} <= set(rig.face), (label, rig.face)


def _auto(rgba: np.ndarray):  # type: ignore[no-untyped-def]
    """The app's and the CLI's rig (with the learned network when it is installed)."""
    from sticker_studio.engine.rig.auto import auto_rig

    return auto_rig(rgba)


def test_on_subject_reads_the_ellipse_not_its_box() -> None:
    rgba = np.zeros((64, 64, 4), np.uint8)
    rgba[16:48, 16:48, 3] = 255
    rgba[28:36, 28:36, 3] = 0                                               # a hole in the middle
    assert on_subject(rgba, Ellipse(22, 22, 4, 4))                          # on the square
    assert not on_subject(rgba, Ellipse(32, 32, 3, 3))                      # in the hole
    assert not on_subject(rgba, Ellipse(5, 5, 3, 3))                        # off the drawing
    assert on_subject(rgba, Ellipse(20.2, 20.2, 0.2, 0.2))                  # under one pixel: its centre
