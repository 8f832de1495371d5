"""Cues that decide an enclosed paper-coloured region where the head is sure and wrong (issue 24).

:mod:`sticker_studio.core.matte.hole_shape` says what a region's shape looks like; these say which of
those shapes can overrule a confident head. Each was measured on every enclosed region of the real
held-out set's ``val`` and ``test`` subjects and of the drawn validation and test packs (frame 0; the
head's mean alpha and the truth's over the region's paper-coloured core): see
docs/experiments/matting_real_eval.md, "Hole decisions".

* **A ring's band** (:func:`band_hole`): a hole is walled by one band of even width — a ring's hoop,
  a web's strands, scissors' handles: the wall's thickness around the rim varies by 1.0-1.3× (90th
  over 10th percentile; the Twemoji ring with its gem 1.29). A white belly under a thick head, a bag's
  white panel, milk in a glass (the glass's foot) are walled unevenly: 1.8-3.2×. The shape's hole cue with an
  even wall moves the vote :data:`BAND_HOLE_WEIGHT` towards "hole".
* **The paper's own colour on coloured paper** (:func:`paper_coloured`): on a flat paper that is not
  white or cream, a region whose core *is* the paper's colour (mean distance within the paper's noise)
  shows the paper through the subject. On white paper white is a fill colour (milk, a belly); on a
  colour the subject's own parts are seldom exactly the paper's — none of the ~180 such regions
  measured is, the nearest subject pockets are 5-8 RGB units off. This cue beats the body cues: a
  region's loose band may hold subject parts (a ring buoy's red body on red) whose stripes look like
  an eye's islands. The vote applies it to the paper areas the head keeps too (a headphone's gap), and
  :func:`clear_paper_pixels` pixel by pixel (a head's soft blob of paper).
* **A region inside a region** (:func:`inner_regions`): a region deep inside the subject (no outside
  paper within :data:`DEEP_RATIO` × its inscribed radius of most of its rim) whose wall's colours do
  not appear on the subject's outer edge is enclosed by a part that is itself enclosed — teeth in a
  mouth in a face: subject. A doughnut's hole is as deep, but its wall is the dough the outer edge is
  made of.

numpy + scipy only.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from sticker_studio.core.matte.hole_shape import MIN_RADIUS_512, RegionShape, ShapeCue

#: a hole cue whose wall is this even (90th / 10th percentile of its thickness) is a ring's band
EVEN_BAND_MAX = 1.5
#: ...and moves the vote this far towards "hole" (over 0.5: the cue decides)
BAND_HOLE_WEIGHT = 0.75
#: a region's core is the paper's own colour when its mean RGB distance to it is at most this...
PAPER_EXACT = 2.5
#: ...or this share of the tight tolerance (on a noisy paper its own pixels scatter further)
PAPER_EXACT_TIGHT = 0.4
#: how far the paper's own colour moves the vote towards "hole"
PAPER_COLOUR_WEIGHT = 0.75
#: a region is deep inside the subject when the median of its rim's distance to the outside paper is
#: at least this × its inscribed radius (teeth 6.6; the deepest hole measured, a doughnut's, 6.8 — told
#: apart by its wall's colour)
DEEP_RATIO = 5.0
#: ...and enclosed by a part of another colour when at most this share of its wall's pixels have a
#: colour seen on the subject's outer edge (teeth in a mouth 0.0; every hole measured ≥ 0.5)
INNER_WALL_SHARE = 0.2
#: how far (pixels at 512²) inside an edge its colour is read (past the anti-aliasing)
EDGE_DEPTH_512 = 3
#: colours are compared in bins of this many RGB units (a bin and its neighbours match)
COLOUR_BIN = 16
#: where the depth cue says "subject", the vote moves this far towards "keep"
INNER_WEIGHT = 0.75


def band_hole(shape: RegionShape) -> bool:
    """Whether a region's shape is a hole in a ring's band: the shape's hole cue with an even wall."""
    return shape.cue is ShapeCue.HOLE and shape.evenness <= EVEN_BAND_MAX


def paper_exact_limit(tight: float) -> float:
    """The mean RGB distance to the paper under which a core is the paper's own colour."""
    return max(PAPER_EXACT, PAPER_EXACT_TIGHT * tight)


def paper_coloured(core_px: np.ndarray, core_dist: np.ndarray, tight: float, min_px: int) -> set[int]:
    """Labels whose core (``core_px`` pixels, ``core_dist`` their summed distance to the paper, both
    indexed by label) is the paper's own colour: at least ``min_px`` pixels within
    :func:`paper_exact_limit`. The caller asks only on flat coloured paper."""
    limit = paper_exact_limit(tight)
    ok = (core_px >= max(1, min_px)) & (core_dist <= limit * np.maximum(core_px, 1))
    return {int(lab) for lab in np.flatnonzero(ok) if lab > 0}


def _ring(mask: np.ndarray, inner: int, outer: int) -> np.ndarray:
    """The pixels more than ``inner`` and at most ``outer`` steps (8-connected) from ``mask``."""
    st = np.ones((3, 3), bool)
    near = ndimage.binary_dilation(mask, structure=st, iterations=inner)
    return ndimage.binary_dilation(near, structure=st, iterations=outer - inner) & ~near


def _grow(box: tuple[slice, slice] | None, pad: int, h: int, w: int) -> tuple[slice, slice]:
    if box is None:
        return slice(0, h), slice(0, w)
    return (slice(max(0, box[0].start - pad), min(h, box[0].stop + pad)),
            slice(max(0, box[1].start - pad), min(w, box[1].stop + pad)))


def _colour_bins(rgb: np.ndarray) -> np.ndarray:
    q = rgb.astype(np.int32) // COLOUR_BIN
    n = 256 // COLOUR_BIN
    return (q[..., 0] * n + q[..., 1]) * n + q[..., 2]


def inner_regions(rgb: np.ndarray, enclosed: np.ndarray, outside: np.ndarray,
                  shapes: dict[int, RegionShape], candidates: set[int] | None = None) -> set[int]:
    """Labels of ``enclosed`` (one frame) deep inside the subject and walled by a part whose colours the
    subject's outer edge does not have (teeth in a mouth in a face): subject.

    ``rgb`` (H, W, 3) uint8 the frame; ``outside`` (H, W) bool the paper the border flood reaches (the
    loose flood); ``shapes`` from :func:`~sticker_studio.core.matte.hole_shape.region_shapes`;
    ``candidates`` limits the labels looked at (default: all).
    """
    h, w = enclosed.shape
    scale = max(h, w) / 512.0
    want = [lab for lab, sh in shapes.items()
            if sh.cue is ShapeCue.NONE and sh.radius >= MIN_RADIUS_512 * scale
            and (candidates is None or lab in candidates)]
    if not want or not outside.any():
        return set()
    boxes = ndimage.find_objects(enclosed)
    deep: list[int] = []
    for lab in want:
        box = boxes[lab - 1]
        if box is None:
            continue
        reach = DEEP_RATIO * shapes[lab].radius
        pad = int(np.ceil(reach)) + 2
        y0, y1 = max(0, box[0].start - pad), min(h, box[0].stop + pad)
        x0, x1 = max(0, box[1].start - pad), min(w, box[1].stop + pad)
        own = enclosed[y0:y1, x0:x1] == lab
        out_crop = outside[y0:y1, x0:x1]
        rim = ndimage.binary_dilation(own) & ~own & ~out_crop
        if not rim.any():
            continue
        if out_crop.any():  # exact up to `reach` (any paper nearer lies inside the crop), on every other pixel
            dist = ndimage.distance_transform_edt(~out_crop[::2, ::2], sampling=2.0)
            ys, xs = np.nonzero(rim)
            if float(np.median(dist[ys // 2, xs // 2])) < reach:
                continue
        deep.append(lab)
    if not deep:
        return set()
    k = max(2, int(round(EDGE_DEPTH_512 * scale)))
    others = enclosed > 0
    subject = ~outside & ~others
    # the subject's outer edge, k to k + 2 px in: on the subject's box only
    sy, sx = _grow(ndimage.find_objects(subject.astype(np.int8))[0], k + 4, h, w)
    edge = subject[sy, sx] & _ring(outside[sy, sx], k, k + 2)
    if not edge.any():
        return set()
    n = 256 // COLOUR_BIN
    seen = np.zeros((n, n, n), bool)
    seen.ravel()[np.unique(_colour_bins(rgb[sy, sx][edge]))] = True
    seen = ndimage.binary_dilation(seen, structure=np.ones((3, 3, 3), bool)).ravel()
    out: set[int] = set()
    for lab in deep:
        box = boxes[lab - 1]
        assert box is not None
        pad = k + 4
        y0, y1 = max(0, box[0].start - pad), min(h, box[0].stop + pad)
        x0, x1 = max(0, box[1].start - pad), min(w, box[1].stop + pad)
        own = enclosed[y0:y1, x0:x1] == lab
        wall = _ring(own, k, k + 2) & subject[y0:y1, x0:x1]
        if not wall.any():
            continue
        if float(seen[_colour_bins(rgb[y0:y1, x0:x1][wall])].mean()) <= INNER_WALL_SHARE:
            out.add(lab)
    return out


#: on flat coloured paper a pixel whose 3×3 neighbourhood is within this mean RGB distance of the paper's
#: colour is paper, whatever the estimate says (an anti-aliased pixel of a subject 30 units away comes this
#: close only below ~8 % ink, and its neighbourhood, which holds the subject, is further away)
PAPER_PIXEL = 2.5


def clear_paper_pixels(alpha: np.ndarray, distance: np.ndarray) -> np.ndarray:
    """``alpha`` (H, W) with the pixels of the paper's own colour cleared: those (where ``alpha`` > 0)
    whose 3×3 neighbourhood's mean ``distance`` (H, W: RGB distance to the paper) is within
    :data:`PAPER_PIXEL`. For flat coloured paper only (the caller's choice): there the subject's own parts
    are never the paper's exact colour (see the module's notes), whereas on white paper white is a fill
    colour."""
    live = alpha > 0.0
    if not live.any():
        return alpha
    rows, cols = np.flatnonzero(live.any(axis=1)), np.flatnonzero(live.any(axis=0))
    h, w = alpha.shape
    y0, y1 = max(0, int(rows[0]) - 1), min(h, int(rows[-1]) + 2)
    x0, x1 = max(0, int(cols[0]) - 1), min(w, int(cols[-1]) + 2)
    near = ndimage.uniform_filter(distance[y0:y1, x0:x1].astype(np.float32), 3, mode="nearest") <= PAPER_PIXEL
    near &= live[y0:y1, x0:x1]
    if not near.any():
        return alpha
    out = alpha.copy()
    out[y0:y1, x0:x1][near] = 0.0
    return out
