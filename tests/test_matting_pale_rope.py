"""A ring buoy's pale rope and stripes (issue 24): pale flat fills on textured paper, islands that are the
paper's own fibres, and a pale body's rim on cream JPEG read from its colour. Small synthetic drawings."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from sticker_studio.core.matte.hole_shape import regions_with_islands
from sticker_studio.core.matte.layout_prior import layout_prior
from sticker_studio.core.matte.pale_body import rim_alpha
from test_matting_paper import _cream, _jpeg, _mottled_paper

ROPE = (225.0, 225.0, 225.0)  # a neutral pale grey: ~10 RGB units from the warm paper, ~25 from the cream
RED = (255.0, 64.0, 24.0)


def _buoy(paper: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A red ring with two pale grey stripes across it and a pale rope loop around it, on ``paper``
    (H, W, 3); the frame, the rope's mask and the stripes' mask."""
    size = paper.shape[0]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    c = size / 2
    r = np.hypot(yy - c, xx - c)
    ring = (r > size * 0.16) & (r < size * 0.30)
    stripes = ring & ((np.abs(yy - c) < size * 0.035) | (np.abs(xx - c) < size * 0.035))
    rope = np.abs(r - size * 0.37) < size * 0.022
    img = paper.astype(np.float32).copy()
    img[ring] = RED
    img[stripes] = ROPE
    img[rope] = ROPE
    return (np.clip(img, 0, 255) + 0.5).astype(np.uint8), rope, stripes


def test_pale_fills_on_textured_paper_are_pale_bodies_and_the_paper_is_not() -> None:
    size = 256
    paper = np.zeros((size, size, 3))
    paper[:] = _mottled_paper(size)
    img, rope, stripes = _buoy(paper)
    p = layout_prior(img)
    assert p.paper is not None  # textured: the paper test runs
    assert p.pale_labels is not None
    pale = p.pale_labels > 0
    core = ndimage.binary_erosion(rope, iterations=4) | ndimage.binary_erosion(stripes, iterations=4)
    assert np.mean(pale[core]) > 0.9, np.mean(pale[core])
    drawn = ndimage.binary_dilation(rope | stripes, iterations=3)
    assert not (pale & ~drawn).any()  # none of the paper, nor the red ring's own pixels
    # the bare paper has no pale body
    blank = layout_prior((np.clip(paper, 0, 255) + 0.5).astype(np.uint8))
    assert blank.pale_labels is None or not blank.pale_labels.any()


def test_an_island_must_hold_a_colour_the_paper_never_has() -> None:
    labels = np.zeros((64, 64), np.int32)
    labels[8:56, 8:56] = 1
    labels[28:36, 20:44] = 0  # a fibre-like streak (16 px+) inside the hole
    assert regions_with_islands(labels, 1, 16)[1]
    faint = np.zeros((64, 64), bool)  # ...of the paper's own range: no island
    assert not regions_with_islands(labels, 1, 16, solid=faint)[1]
    dark = faint.copy()
    dark[30:34, 30:34] = True  # a pupil: a piece of another colour
    assert regions_with_islands(labels, 1, 16, solid=dark)[1]


def test_a_pale_ropes_rim_on_cream_jpeg_takes_the_opacity_its_colour_says() -> None:
    size = 256
    img, rope, stripes = _buoy(np.broadcast_to(_cream(size), (size, size, 3)))
    jpg = _jpeg(img)
    p = layout_prior(jpg)
    assert p.pale_labels is not None and p.pale_labels.any()
    loose = p.channels[..., 2] > 0.5
    core = ndimage.binary_erosion(p.pale_labels > 0, iterations=2)
    ramp, mask = rim_alpha(jpg, p.background * 255.0, p.pale_labels, core, loose)
    assert mask.any()
    on_rope = mask & rope
    assert float(np.median(ramp[on_rope])) > 0.8  # the rope's own pixels read as opaque
    far = ndimage.distance_transform_edt(~(rope | stripes)) > 3
    assert not (mask & far).any()  # the paper beyond the rope's and the stripes' edges gets nothing
