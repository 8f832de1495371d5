"""Pale fills that meet the paper with a drawn edge are subject, outline or not (issue 24).

A pale part of a subject with no outline (a zebra's white stripes, a badger's white stripe, a
polar bear's muzzle) lies within the layout prior's loose tolerance of white or cream paper and
is reached by the loose border flood. The pale-body rule
(:func:`sticker_studio.core.matte.layout_prior._pale_bodies`) kept such a patch only when it was
flat *and* surrounded a piece of the subject (a panda's face round its eyes): a zebra's stripe
surrounds nothing, and on a JPEG the ringing near every edge breaks the 5×5 grain test of
flatness, so the head's guess stood (zebra on cream JPEG 17.5 dB, badger 24.7, cow 24.5).

Two more tests, for the patches the loose flood swallowed more than an edge's width past the
paper's own colour:

* **flat colour** (:func:`flat_colour`): most of the patch's inside is within a few units of its
  median colour — a fill, even with JPEG noise on it; a glow's or a shadow's gradient spreads wide;
* **a drawn edge to the paper** (:func:`drawn_edge`): the patch reaches its full colour a few
  pixels in from the paper — a fill's edge is a pixel or two wide (three after JPEG), a soft
  shadow or a glow fades over many.

A flat patch with islands stays a pale body as before; a flat-coloured one with a drawn edge to
the paper is one too. numpy + scipy only.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy import ndimage

#: a patch's inside (this far in from its edge, pixels at 512²) is what its colour is judged on
INSET_512 = 3
#: a fill is at least twice this wide (pixels at 512²)
MIN_HALF_WIDTH_512 = 4.0
#: a pixel is of the fill's colour within this RGB distance of the patch's median (JPEG noise: 2–4)
FLAT_SPREAD = 6.0
#: ...and a patch is a flat fill when at least this share of its inside is
FLAT_COLOUR_SHARE = 0.85
#: the drawn-edge test reads the patch's first pixels (this many) on its side toward the paper ...
EDGE_DEPTH = 2
#: ...whose median distance to the paper must be at least this share of the patch's own
EDGE_SHARE = 0.85


def _label_insides(labels: np.ndarray, ids: list[int], depth_512: float
                   ) -> Iterator[tuple[int, tuple[slice, ...], np.ndarray, np.ndarray]]:
    """Per label of ``ids`` present in ``labels``: its box grown by one pixel, its mask there and its inside
    (the mask eroded ``depth_512`` pixels at 512², at least one). Absent labels are skipped."""
    h, w = labels.shape
    depth = max(1, int(round(depth_512 * max(h, w) / 512)))
    objects = ndimage.find_objects(labels)
    for lab in ids:
        box = objects[lab - 1] if lab - 1 < len(objects) else None
        if box is None:
            continue
        box = tuple(slice(max(0, s.start - 1), s.stop + 1) for s in box)
        region = labels[box] == lab
        yield lab, box, region, ndimage.binary_erosion(region, iterations=depth)


def flat_colour(rgb: np.ndarray, labels: np.ndarray, ids: list[int]) -> dict[int, bool]:
    """Per label of ``ids``: whether the patch's inside is one flat colour (:data:`FLAT_SPREAD`,
    :data:`FLAT_COLOUR_SHARE`). A patch narrower than twice :data:`MIN_HALF_WIDTH_512` is not."""
    h, w = labels.shape
    min_half = MIN_HALF_WIDTH_512 * max(h, w) / 512
    out = dict.fromkeys(ids, False)
    for lab, box, region, inner in _label_insides(labels, ids, INSET_512):
        # a band a few pixels wide along an edge is a JPEG's colour bleed or ringing, no fill
        if int(inner.sum()) < 16 or float(ndimage.distance_transform_edt(region).max()) < min_half:
            continue
        px = rgb[box][inner][:, :3].astype(np.float32)
        d = np.linalg.norm(px - np.median(px, axis=0), axis=1)
        out[lab] = bool(np.mean(d <= FLAT_SPREAD) >= FLAT_COLOUR_SHARE)
    return out


def drawn_edge(distance: np.ndarray, paper: np.ndarray, labels: np.ndarray, ids: list[int],
               gap: int = 2) -> dict[int, bool]:
    """Per label of ``ids``: whether the patch meets the paper with a drawn edge — its first
    :data:`EDGE_DEPTH` pixels past the ``gap`` (pixels: the patches start that far from the paper,
    ``paper``: pixels of the paper's own colour) are at least :data:`EDGE_SHARE` as far from the
    paper's colour (``distance``) as the patch's pixels further in (the median of each). A patch that
    never comes that close to the paper (an inner part) or has no pixels further in (a thin band: a
    soft shadow's fading rim) has no drawn edge: False."""
    from_paper = ndimage.distance_transform_edt(~paper)
    ring = (from_paper >= gap + 1) & (from_paper <= gap + EDGE_DEPTH + 0.5)
    deep = from_paper > gap + EDGE_DEPTH + 1.5  # the patch's inside, past the ring
    out: dict[int, bool] = {}
    for lab in ids:
        region = labels == lab
        near, inside = region & ring, region & deep
        if int(near.sum()) < 8 or int(inside.sum()) < 8:  # a thin band (a shadow's fading rim) has no inside
            out[lab] = False
            continue
        out[lab] = bool(float(np.median(distance[near])) >= EDGE_SHARE * float(np.median(distance[inside])))
    return out


#: a pale body's rim toward the paper (pixels at 512²) is left to the edge steps, not set opaque: on a
#: JPEG the loose flood's edge lies a pixel or two out in the paper (the colour's bleed and ringing)
RIM_512 = 2


def body_core(pale: np.ndarray, loose: np.ndarray) -> np.ndarray:
    """(H, W) bool: the pixels of the pale bodies ``pale`` (bool) more than :data:`RIM_512` from the
    rest of the loose flood ``loose`` (bool: the paper and the edge band round the subject)."""
    if not pale.any():
        return pale
    h, w = pale.shape
    rim = max(1, int(round(RIM_512 * max(h, w) / 512)))
    out: np.ndarray = pale & ~ndimage.binary_dilation(loose & ~pale, iterations=rim)
    return out


#: the grain test of flatness read this far (pixels at 512²) inside a patch: a JPEG rings up to a
#: few pixels into a fill from every edge (a polar bear's face on cream JPEG: 80 % flat by the grain
#: over all of it, 87 % three pixels in)
FLAT_INSIDE_512 = 3


def flat_inside(smooth: np.ndarray, labels: np.ndarray, ids: list[int], share: float) -> dict[int, bool]:
    """Per label of ``ids``: whether at least ``share`` of the patch's pixels :data:`FLAT_INSIDE_512`
    in from its edge are flat (``smooth``: (H, W) 1 where the local grain is flat)."""
    out = dict.fromkeys(ids, False)
    for lab, box, _region, inner in _label_insides(labels, ids, FLAT_INSIDE_512):
        out[lab] = bool(inner.sum() >= 16 and float(smooth[box][inner].mean()) >= share)
    return out


#: a part's inside (pixels :data:`FLAT_INSIDE_512` in from its edge) is at least this share of it: a fill,
#: not a band along a gradient's contour (a soft shadow's rim round its dark core is one colour too)
INSIDE_SHARE = 0.5


def has_inside(labels: np.ndarray, ids: list[int]) -> dict[int, bool]:
    """Per label of ``ids``: whether at least :data:`INSIDE_SHARE` of the patch lies
    :data:`FLAT_INSIDE_512` or more in from its edge."""
    out = dict.fromkeys(ids, False)
    for lab, _box, region, inner in _label_insides(labels, ids, FLAT_INSIDE_512):
        out[lab] = bool(inner.sum() >= INSIDE_SHARE * region.sum())
    return out


#: on textured paper a pale fill is kept whole only when it is at least this many pixels (at 512²)
#: past its edge band: the anti-aliased band along every edge is smooth too, and stays the head's
TEXTURE_FILL_MIN_512 = 192
#: ...and takes the seam pixels this far (pixels at 512²) beyond it
FILL_SEAM_512 = 5
#: ...that lie within this many of a pixel past the loose tolerance (the subject's other colour)
SOLID_SEAM_512 = 2


def textured_paper_fills(rgb: np.ndarray, paper: np.ndarray, distance: np.ndarray, tight: float,
                         loose: float) -> np.ndarray:
    """(H, W) int32 labels (0 = none) of the pale fills drawn on *textured* paper: pixels within the
    ``loose`` RGB ``distance`` of the paper's colour that do not show its texture (``paper``:
    :func:`sticker_studio.core.matte.background.paper_like`), more than an edge's width from any pixel
    of the paper's own colour and texture, in patches of one flat colour (:func:`flat_colour`) of at
    least :data:`TEXTURE_FILL_MIN_512` pixels. A ring buoy's pale grey rope and stripes on paper
    texture: the paper test sees them as fills (93 % of their pixels), the head gave them ~0.65."""
    h, w = paper.shape
    scale = max(h, w) / 512
    band = max(1, int(round(scale)))
    seen = paper & (distance < tight)  # the paper itself
    cand = (distance < loose) & ~paper & ~ndimage.binary_dilation(seen, iterations=band + 1)
    labels, count = ndimage.label(cand)
    if count == 0:
        return np.zeros((h, w), np.int32)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    big = [int(i) for i in np.flatnonzero(sizes >= TEXTURE_FILL_MIN_512 * scale * scale) if i > 0]
    flat = flat_colour(rgb, labels, big)
    keep = np.zeros(count + 1, np.int32)
    ok = [lab for lab in big if flat.get(lab, False)]
    keep[ok] = np.arange(1, len(ok) + 1, dtype=np.int32)
    out: np.ndarray = keep[labels]
    if ok:  # ...and the seams between a fill and the rest of the subject: pixels within a few of both
        # (a stripe's edge beside the red of a ring buoy reads as paper: pale, and grainy as a step is)
        out = _take_seams(out, distance >= loose, distance < loose, band)
    return out


def _take_seams(fills: np.ndarray, solid: np.ndarray, pale: np.ndarray, scale: int) -> np.ndarray:
    """``fills`` (labels) grown into the ``pale`` pixels that lie *between* a fill (within
    :data:`FILL_SEAM_512`) and a ``solid`` pixel (within :data:`SOLID_SEAM_512`): the two nearest lie on
    opposite sides (more than 120° apart), so the paper in a corner where a fill and the rest of the
    subject meet it stays paper."""
    d_fill, i_fill = ndimage.distance_transform_edt(fills == 0, return_indices=True)
    d_solid, i_solid = ndimage.distance_transform_edt(~solid, return_indices=True)
    cand = (fills == 0) & pale & (d_fill <= FILL_SEAM_512 * scale) & (d_solid <= SOLID_SEAM_512 * scale)
    if not cand.any():
        return fills
    ys, xs = np.nonzero(cand)
    fy, fx = i_fill[0][cand] - ys, i_fill[1][cand] - xs
    sy, sx = i_solid[0][cand] - ys, i_solid[1][cand] - xs
    dot = fy * sy + fx * sx
    between = dot < -0.5 * np.hypot(fy, fx) * np.hypot(sy, sx)
    out = fills.copy()
    out[ys[between], xs[between]] = fills[i_fill[0][cand][between], i_fill[1][cand][between]]
    return out


#: a pale body's rim (this many pixels at 512² each side of where the body's core ends) takes the opacity its
#: colour says over the paper, as a blend of the body's colour and the paper's (:func:`rim_alpha`)...
RIM_RAMP_512 = 4
#: ...where that is at least this (below it the colour bleed of a JPEG reads as a halo a pixel wide)
RIM_RAMP_MIN = 0.5


def rim_alpha(rgb: np.ndarray, background: np.ndarray, labels: np.ndarray, core: np.ndarray,
              loose: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(alpha, mask): the opacity of a pale body's rim read from its colour — each pixel of the loose
    flood ``loose`` within :data:`RIM_RAMP_512` of the body's ``core`` (bool) as a blend of the body's
    own colour (the median of its core, per label of ``labels``) and the paper's ``background``
    (RGB 0-255): its projection on the line between the two, clipped to [0, 1]; ``mask`` the pixels
    where that is at least :data:`RIM_RAMP_MIN`. On cream paper saved as JPEG the head sees a ring
    buoy's pale rope as paper (alpha 0 across it); the rope's colour says 0.75–1 inside and 0.25 at
    its anti-aliased edge."""
    h, w = labels.shape
    reach = max(1, int(round(RIM_RAMP_512 * max(h, w) / 512)))
    alpha = np.zeros((h, w), np.float32)
    mask = np.zeros((h, w), bool)
    owner = np.where(core, labels, 0)
    if not owner.any():
        return alpha, mask
    near = ndimage.grey_dilation(owner, size=(2 * reach + 1,) * 2)
    zone = (near > 0) & loose & ~core
    if not zone.any():
        return alpha, mask
    bg = np.asarray(background, np.float32)
    ids = [int(i) for i in np.unique(owner) if i > 0]
    for lab in ids:
        body = np.median(rgb[owner == lab][:, :3].astype(np.float32), axis=0)
        axis = body - bg
        norm = float(axis @ axis)
        if norm < 1.0:
            continue
        sel = zone & (near == lab)
        px = rgb[sel][:, :3].astype(np.float32) - bg
        alpha[sel] = np.clip(px @ axis / norm, 0.0, 1.0)
    mask = zone & (alpha >= RIM_RAMP_MIN)
    return alpha, mask
