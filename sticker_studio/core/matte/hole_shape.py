"""Is an enclosed paper-coloured region a hole or part of the subject? What its *shape* says (issue 24).

Colour cannot tell a ring's hole from a white belly on white paper; the head guesses from what it
learnt, and on thin enclosures it keeps the hole (a ring, a pretzel, a safety pin's loop). The shape
of the region and of the wall around it says more:

* a **hole** is walled in by a band of the subject that is thin next to the hole itself (a ring's
  band, a handle's arc, a pin's wire: every boundary pixel of the region lies within about the
  region's own inscribed radius of the outside paper) and it is a small part of the subject;
  (a thin ring's big hole may be most of the subject, but its wall is a band, not a drawn line);
* a **pale body inside its outline** is walled in by a drawn line (a few pixels) and it is most of
  the subject (an outlined ghost or snowman, a stick figure's head): a strong sign of subject.

A region that surrounds a piece of the subject (an eye's white around its pupil) is subject too.
Anything else (a tooth row deep inside a face, a belly under a thick head, a bagel's small hole in
thick dough) is left to the head. numpy + scipy only.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

#: a boundary pixel is "thin-walled" when the outside paper is within this × the region's inscribed radius
WALL_RATIO = 1.5
#: ...plus this many pixels (at 512²: an outline's width)
WALL_SLACK_512 = 3.0
#: the share of the region's boundary that must be thin-walled for the shape to say anything
THIN_SHARE = 0.7
#: a thin-walled region at most this share of the subject is a hole
HOLE_MAX_SHARE = 0.35
#: ...and up to this share when its wall is a band rather than an outline (a thin ring's big hole)
BAND_HOLE_MAX_SHARE = 0.75
#: a region at least this share of the subject, walled in by an outline, is the subject's body
BODY_MIN_SHARE = 0.5
#: a wall is an outline (a drawn line) when its median thickness is at most this many pixels at 512²...
OUTLINE_512 = 5.0
#: ...or this share of the region's inscribed radius
OUTLINE_RATIO = 0.15
#: regions with an inscribed radius below this (pixels at 512²) are too small to judge by shape
MIN_RADIUS_512 = 4.0
#: a hole is a compact blob: its area at most this × the disc of its inscribed radius. A long band of
#: paper colour walled in thinly on both sides is a drawn white stroke (an outlined white mug's handle
#: band: 8× on the drawn validation pack), whereas the holes of rings, pins, scissors, webs and mugs
#: measure 1.0-3.9 (docs/experiments/matting_real_eval.md)
HOLE_MAX_ELONGATION = 5.0


class ShapeCue(enum.Enum):
    """What a region's shape says."""

    HOLE = "hole"
    BODY = "body"
    NONE = "none"


@dataclass(frozen=True)
class RegionShape:
    """The figures behind a :class:`ShapeCue` (for tests and the diagnosis); ``islands``: the region
    surrounds part of the subject (an eye's white around its pupil, a muzzle around the nose), which
    no hole does."""

    cue: ShapeCue
    thin_share: float
    subject_share: float
    radius: float
    islands: bool = False
    #: the region's area over the disc of its inscribed radius (1 = a disc; a long band is many)
    elongation: float = 1.0
    #: how even its wall is: the 90th over the 10th percentile of the wall's thickness around its rim
    #: (1 = a ring's band of one width; a belly under a thick head ~2; inf where unmeasured)
    evenness: float = float("inf")


#: an island (a pupil in an eye's white, a nose in a muzzle) holds at least this many pixels of a colour
#: the paper never has, where that is asked (:func:`regions_with_islands`)
ISLAND_SOLID_PX = 4


def regions_with_islands(enclosed_labels: np.ndarray, count: int, min_px: int,
                         solid: np.ndarray | None = None) -> np.ndarray:
    """(count + 1,) bool: which regions wholly surround a piece of non-region (subject) pixels.

    ``solid`` ((H, W) bool, optional): the pixels of a colour the paper never has (past the loose
    tolerance); an island must hold :data:`ISLAND_SOLID_PX` of them. On textured paper a fibre or a
    mottle the paper test left out of a hole is no island (a ring buoy's gaps on paper texture)."""
    rest, n = ndimage.label(enclosed_labels == 0)
    has = np.zeros(count + 1, bool)
    if n == 0:
        return has
    edge = np.unique(np.concatenate([rest[0], rest[-1], rest[:, 0], rest[:, -1]]))
    sizes = np.bincount(rest.ravel(), minlength=n + 1)
    around = ndimage.grey_dilation(enclosed_labels, size=(3, 3))
    touch = (rest > 0) & (around > 0)
    pairs = np.unique(rest[touch].astype(np.int64) * (count + 1) + around[touch])
    owners: dict[int, set[int]] = {}
    for pid in pairs.tolist():
        comp, lab = divmod(pid, count + 1)
        owners.setdefault(comp, set()).add(lab)
    solid_px = (np.bincount(rest[solid], minlength=n + 1) if solid is not None
                else np.full(n + 1, ISLAND_SOLID_PX))
    for comp, labs in owners.items():
        # an island touches one region only (beyond it: nothing but that region), away from the frame edge
        if comp not in edge and sizes[comp] >= min_px and len(labs) == 1 and solid_px[comp] >= ISLAND_SOLID_PX:
            has[next(iter(labs))] = True
    return has


def _box(mask: np.ndarray, pad: int) -> tuple[slice, slice]:
    """The slices of ``mask``'s bounding box grown by ``pad`` pixels (clipped to the array)."""
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    h, w = mask.shape
    return (slice(max(0, int(rows[0]) - pad), min(h, int(rows[-1]) + 1 + pad)),
            slice(max(0, int(cols[0]) - pad), min(w, int(cols[-1]) + 1 + pad)))


def region_shapes(enclosed_labels: np.ndarray, outside: np.ndarray,
                  solid: np.ndarray | None = None) -> dict[int, RegionShape]:
    """Per enclosed label (of one frame) its shape cue. ``outside``: (H, W) bool, the paper reached
    from the border (the loose flood); ``solid``: what an island must be made of
    (:func:`regions_with_islands`)."""
    count = int(enclosed_labels.max())
    if count == 0:
        return {}
    h, w = outside.shape
    scale = max(h, w) / 512.0
    ids = np.arange(1, count + 1)
    # the inscribed radii, on the regions' box grown by one pixel of non-region (exact: a nearest
    # non-region pixel outside that ring is never nearer than the ring); one scipy call over the whole
    # 1024² frame held the GIL ~80 ms, which stalled the app's window while a worker cut out
    crop = _box(enclosed_labels > 0, pad=1)
    labels_in = enclosed_labels[crop]
    d_in = ndimage.distance_transform_edt(labels_in > 0)
    radius = np.asarray(ndimage.maximum(d_in, labels_in, ids), np.float64)
    area = np.bincount(enclosed_labels.ravel(), minlength=count + 1)[1:].astype(np.float64)
    subject_area = float(np.count_nonzero(~outside))
    islands = regions_with_islands(enclosed_labels, count, max(4, int(16 * scale * scale)), solid)
    boxes = ndimage.find_objects(enclosed_labels)
    out: dict[int, RegionShape] = {}
    for k, lab in enumerate(ids):
        r = float(radius[k])
        box = boxes[k]
        if box is None or r < MIN_RADIUS_512 * scale:
            out[int(lab)] = RegionShape(ShapeCue.NONE, 0.0, 0.0, r)
            continue
        # the wall: how far the nearest *other* paper (the outside, or another region: a web's next
        # cell) is from each pixel of the region's rim — only paper within the limit matters
        limit = WALL_RATIO * r + WALL_SLACK_512 * scale
        pad = int(np.ceil(limit)) + 2
        y0, y1 = max(0, box[0].start - pad), min(h, box[0].stop + pad)
        x0, x1 = max(0, box[1].start - pad), min(w, box[1].stop + pad)
        lab_crop = enclosed_labels[y0:y1, x0:x1]
        own = lab_crop == lab
        other = outside[y0:y1, x0:x1] | ((lab_crop > 0) & ~own)
        rim = ndimage.binary_dilation(own) & ~own & ~other
        if not rim.any():
            out[int(lab)] = RegionShape(ShapeCue.NONE, 0.0, 0.0, r, bool(islands[lab]))
            continue
        if other.any():
            # beyond the crop's reach (limit + 2 px) a wall may read thicker than it is, never thinner
            walls = ndimage.distance_transform_edt(~other)[rim]
        else:
            walls = np.full(int(rim.sum()), np.inf)
        p10, p90 = np.percentile(np.minimum(walls, 2.0 * limit + 1.0), [10, 90])
        evenness = float(p90 / max(1.0, p10)) if p90 <= limit else float("inf")
        thin = float(np.mean(walls <= limit))
        share = float(area[k]) / max(1.0, subject_area)
        outline = float(np.median(walls)) <= max(OUTLINE_512 * scale, OUTLINE_RATIO * r)
        elongation = float(area[k]) / (np.pi * r * r)
        cue = ShapeCue.NONE
        if thin >= THIN_SHARE:
            if outline and share >= BODY_MIN_SHARE:
                cue = ShapeCue.BODY
            elif (not islands[lab] and not outline and share <= BAND_HOLE_MAX_SHARE
                  and elongation <= HOLE_MAX_ELONGATION):
                cue = ShapeCue.HOLE
        if cue is ShapeCue.NONE and islands[lab]:
            cue = ShapeCue.BODY  # an eye's white around its pupil, a muzzle around the nose
        out[int(lab)] = RegionShape(cue, thin, share, r, bool(islands[lab]), elongation, evenness)
    return out
