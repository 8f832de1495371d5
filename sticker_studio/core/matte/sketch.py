"""Line art on paper: telling a sketch from a coloured drawing, and which closed shapes are filled.

:func:`looks_like_line_art` says whether a frame is a sketch on paper — few marks (a small share
of the frame differs from the paper at all), and those marks thin (almost none of them lies more
than a few pixels inside a marked area): ink, pencil or biro strokes, not flat colour fills — and,
seen coarsely (about 64 px, the paper modelled as a plane), no solid area off the paper that the
fine marks miss (a pale ghost with no outline on textured paper: its pixels are within the
paper's grain, only its eyes are marks). A coloured emoji or cartoon has big fills; a photo has
no paper. It decides the default cut-out.

:func:`line_art_cut` is the line-art cut-out with closed shapes decided: "colour to alpha"
(:func:`sticker_studio.core.matte.lineart.lineart_alpha`) makes every bit of paper transparent,
so a stick figure's head would lose its white face. An artist means a closed shape as a thing
— the head on its neck, an eye, a house's wall — and the gaps between strokes as air. Every
paper region the strokes close (not reached from the border) is decided by
:func:`closed_region_decisions`: kept (filled with the paper as drawn, alpha 1) when it holds
marks of its own (a face's eyes, a window), when it is round (its area fills the ellipse of its
second moments: a head, an eye, a wheel, a mug's body) or when it is a big part of the drawing;
removed when it is small, angular or thin (the gap between an arm and the body, between the
legs and the ground) or a small hole beside a bigger shape and outside it (a handle's hole).
The user can flip any of them. numpy + scipy only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from sticker_studio.core.matte.layout_prior import border_pixels, estimate_background, region_tracks
from sticker_studio.core.matte.lineart import MIN_ROOM, _channel_max, least_opacity, lineart_alpha

#: a pixel whose least opacity over the paper is at least this is a mark (pale fills count too)
MARK_OPACITY = 0.05
#: a sketch marks at most this share of the frame
MAX_MARKED_SHARE = 0.3
#: ... and at least this share (a blank sheet is no sketch)
MIN_MARKED_SHARE = 0.0015
#: :func:`coarse_fill` is measured at about this side (pixels)
COARSE_SIDE = 64
#: ... where a block is off the paper when it is this many times the border's noise from it
COARSE_SIGMAS = 3.0
#: ... and marked when beyond that it needs at least this opacity over the paper
COARSE_MARK = 0.015
#: a sketch has at most this share of its frame inside a faint solid area at that scale
MAX_COARSE_FILL = 0.02
#: paper is even: the border's median distance (RGB units, after a 3x3 mean) from the paper's colour
#: is at most this (textured paper and JPEG noise stay far below it; a photo or a noise field does not)
MAX_PAPER_SPREAD = 20.0
#: on textured paper a sketch has at most this share of its frame deep inside flat fills (:func:`flat_fill_share`;
#: sketches 0.000, a zebra on a scan 0.035)
MAX_FLAT_FILL = 0.01
#: marks deeper than this share of the frame's longer side inside a marked area are a fill
FILL_DEPTH = 0.02
#: ... and at most this share of its marks lies deeper than :func:`fill_depth` inside a marked area
MAX_THICK_SHARE = 0.15
#: a pixel with line-art alpha at least this closes a region (a stroke)
STROKE_ALPHA = 0.25
#: the ink level (:func:`ink_level`) is taken as at least this: faint pencil is not made twice as dark
MIN_INK_LEVEL = 0.5
#: closed regions smaller than this (pixels at 512²) are gaps where strokes cross, not shapes
MIN_SHAPE_PIXELS_512 = 60
#: a closed region whose area is at least this share of the ellipse of its second moments is round
ROUND_FIDELITY = 0.9
#: ... and no more elongated than this (its moments' axis ratio)
MAX_ROUND_ASPECT = 3.0
#: a closed region under this share of a closed neighbour's area, and mostly outside its box, is a hole beside it
SMALL_BESIDE = 0.3
#: a closed region at least this share of the drawing's bounding box is a body, kept whatever its shape
BIG_SHARE = 0.2
#: a drawing with at least this many closed regions, none a body or marked inside, is a net: every cell is air
#: (a spider's web has 16–32; a face, a house or a stick figure a handful)
NET_MIN_CELLS = 12


def fill_depth(height: int, width: int) -> float:
    """Pixels inside a marked area beyond which it is a fill, not a stroke: 2 % of the longer side
    (a stroke up to about 4 % of the drawing wide — a marker's — is still a stroke)."""
    return max(2.0, FILL_DEPTH * max(height, width))


@dataclass(frozen=True)
class LineArtCheck:
    """What :func:`line_art_check` measured: the share of the frame marked, the share of the marks
    deeper than a stroke, and the verdict."""

    marked_share: float
    thick_share: float
    paper_light: bool
    #: the share of the frame, seen at about 64 px, inside a faint but solid area (a pale body)
    coarse_fill: float = 0.0
    #: the border's median distance from the paper's colour (RGB units): how even the "paper" is
    paper_spread: float = 0.0
    #: on textured paper, the share of the frame deeper than a stroke inside a flat fill (no paper grain)
    flat_fill: float = 0.0

    @property
    def is_line_art(self) -> bool:
        return (MIN_MARKED_SHARE <= self.marked_share <= MAX_MARKED_SHARE and self.thick_share <= MAX_THICK_SHARE
                and self.coarse_fill <= MAX_COARSE_FILL and self.paper_spread <= MAX_PAPER_SPREAD
                and self.flat_fill <= MAX_FLAT_FILL)


def _working_frame(rgb: np.ndarray, side: int = 384) -> np.ndarray:
    """``rgb`` (H, W, 3) shrunk (nearest, by whole steps) so its longer side is about ``side`` at most."""
    step = max(1, int(np.ceil(max(rgb.shape[:2]) / side)))
    return rgb[::step, ::step] if step > 1 else rgb


def flat_fill_share(frame: np.ndarray) -> float:
    """On textured paper, the share of ``frame`` (H, W, 3 uint8) deeper than a stroke (:func:`fill_depth`)
    inside the flat fills the paper test finds (:func:`sticker_studio.core.matte.background.paper_like`:
    no paper grain) — a zebra's white body on a scan, which the marks miss (its white is within the
    paper's grain of the paper's colour) while its black stripes look like strokes. 0 on smooth paper,
    and for a sketch, whose closed shapes show the paper."""
    from sticker_studio.core.matte.background import paper_grain, paper_like

    paper = paper_like(frame, paper_grain(frame[None]))
    if paper is None:
        return 0.0
    h, w = frame.shape[:2]
    return float(np.mean(ndimage.distance_transform_edt(~paper) > fill_depth(h, w)))


def line_art_check(rgb: np.ndarray) -> LineArtCheck:
    """Measure whether an RGB uint8 frame (H, W, 3) is a sketch on paper (see the module text)."""
    frame = _working_frame(np.ascontiguousarray(rgb[..., :3]))
    flat = flat_fill_share(frame)
    # a 3x3 mean first: paper grain and JPEG noise shrink threefold, so a pale fill a little off the
    # paper's colour (a light-grey mug on textured paper) stands out of it; a stroke only widens a pixel
    frame = (ndimage.uniform_filter(frame.astype(np.float32), size=(3, 3, 1)) + 0.5).astype(np.uint8)
    paper, _ = estimate_background(frame)
    spread = float(np.median(np.linalg.norm(border_pixels(frame) - paper, axis=1)))
    h, w = frame.shape[:2]
    marked = least_opacity(frame, paper / 255.0) >= MARK_OPACITY
    count = int(marked.sum())
    if count == 0:
        return LineArtCheck(0.0, 0.0, True, paper_spread=spread, flat_fill=flat)
    deep = ndimage.distance_transform_edt(marked) > fill_depth(h, w)
    light = float(paper @ np.asarray([0.299, 0.587, 0.114], np.float32)) >= 128
    return LineArtCheck(count / marked.size, float(deep.sum()) / count, light, coarse_fill(frame, marked),
                        paper_spread=spread, flat_fill=flat)


def coarse_fill(frame: np.ndarray, marks: np.ndarray, side: int = COARSE_SIDE) -> float:
    """The share of ``frame`` (H, W, 3) uint8, block-averaged to about ``side`` px, that lies more than
    a block and a half inside an area off the paper's colour. Averaging 6x6 blocks and more takes
    paper grain, fibres and JPEG noise down so far that a pale body a little off the paper (a light
    grey ghost with no outline on textured cream paper, whose pixels are all within the paper's
    noise) stands out as one solid area. Only blocks the fine ``marks`` (H, W) bool hardly touch
    count: a bold stroke is a mark already, a faint body is not."""
    h, w = frame.shape[:2]
    k = max(2, int(round(max(h, w) / side)))
    hh, ww = h // k * k, w // k * k
    if hh < 3 * k or ww < 3 * k:
        return 0.0
    small = frame[:hh, :ww].astype(np.float32).reshape(hh // k, k, ww // k, k, 3).mean(axis=(1, 3))
    n, m = small.shape[:2]
    # the paper as a plane per channel fitted to the border (light falling across a sheet), and
    # its noise as the border's robust spread around that plane
    yy, xx = np.mgrid[:n, :m].astype(np.float32)
    ring = np.zeros((n, m), bool)
    ring[0], ring[-1], ring[:, 0], ring[:, -1] = True, True, True, True
    design = np.stack([np.ones(int(ring.sum()), np.float32), xx[ring], yy[ring]], axis=1)
    coef, *_ = np.linalg.lstsq(design, small[ring], rcond=None)
    plane = coef[0] + xx[..., None] * coef[1] + yy[..., None] * coef[2]
    residual = small - plane
    noise = 1.4826 * np.median(np.abs(residual[ring]), axis=0)
    off = np.maximum(np.abs(residual) - COARSE_SIGMAS * noise - 1.0, 0.0) / 255.0
    p = np.clip(plane / 255.0, 0.0, 1.0)
    room = np.where(residual < 0, np.maximum(p, MIN_ROOM), np.maximum(1.0 - p, MIN_ROOM))
    fine = marks[:hh, :ww].reshape(hh // k, k, ww // k, k).mean(axis=(1, 3))
    faint = (_channel_max(off / room) >= COARSE_MARK) & (fine < 0.2)
    return float((ndimage.distance_transform_edt(faint) > 1.5).mean())


def looks_like_line_art(rgb: np.ndarray) -> bool:
    """Whether an RGB (or RGBA, alpha ignored) uint8 frame is line art on paper."""
    return line_art_check(rgb).is_line_art


# ----------------------------------------------------------------------------- closed regions
def closed_regions(alpha: np.ndarray, min_pixels: int | None = None) -> np.ndarray:
    """(H, W) int32 labels (0 = none) of the paper regions the strokes close: pixels with line-art
    ``alpha`` below :data:`STROKE_ALPHA` that the border does not reach (4-connected), at least
    ``min_pixels`` big (default :data:`MIN_SHAPE_PIXELS_512` at 512²)."""
    h, w = alpha.shape
    open_ = alpha < STROKE_ALPHA
    labels, count = ndimage.label(open_)
    if count == 0:
        return np.zeros((h, w), np.int32)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    least = max(8, int(MIN_SHAPE_PIXELS_512 * h * w / (512 * 512))) if min_pixels is None else min_pixels
    good = sizes >= least
    good[edge] = False
    good[0] = False
    ids = np.zeros(count + 1, np.int32)
    ids[good] = np.arange(1, int(good.sum()) + 1, dtype=np.int32)
    return ids[labels]


def _ellipse_shape(mask: np.ndarray) -> tuple[float, float]:
    """(area / area of the ellipse with the same second moments, that ellipse's axis ratio)."""
    ys, xs = np.nonzero(mask)
    if len(ys) < 3:
        return 0.0, 1.0
    cov = np.cov(np.stack([xs, ys]).astype(np.float64)) + np.eye(2) / 12.0  # pixels are squares
    ev = np.linalg.eigvalsh(cov)
    det = max(float(ev[0] * ev[1]), 1e-9)
    return float(len(ys) / (4.0 * np.pi * np.sqrt(det))), float(np.sqrt(max(ev[1], 1e-9) / max(ev[0], 1e-9)))


def across_a_stroke(strokes: np.ndarray) -> int:
    """Pixels across one stroke of the (H, W) bool ``strokes``, plus three: a stroke's width is its area
    over its length, and one erosion takes about twice its length off."""
    area = int(strokes.sum())
    if area == 0:
        return 2
    rim = area - int(ndimage.binary_erosion(strokes).sum())
    return int(np.ceil(2.0 * area / max(1, rim))) + 3


def _mostly_in(where: tuple[np.ndarray, np.ndarray], box: tuple[slice, slice] | None) -> bool:
    """Whether at least half of the pixels ``where`` (rows, columns) lie in ``box``."""
    if box is None:
        return False
    yy, xx = where
    inside = (yy >= box[0].start) & (yy < box[0].stop) & (xx >= box[1].start) & (xx < box[1].stop)
    return float(np.mean(inside)) >= 0.5


def _box_holds(outer: tuple[slice, slice], inner: tuple[slice, slice] | None) -> bool:
    """Whether box ``inner`` lies within box ``outer``."""
    return inner is not None and all(o.start <= n.start and n.stop <= o.stop
                                     for o, n in zip(outer, inner, strict=True))


def closed_region_decisions(alpha: np.ndarray, labels: np.ndarray) -> dict[int, bool]:
    """For every closed region of ``labels`` (:func:`closed_regions` of line-art ``alpha``): keep it?

    See the module text: marks of its own, round, or big → kept; a small hole beside a bigger
    closed shape and outside it (a handle's), or angular/thin → removed.
    """
    count = int(labels.max())
    if count == 0:
        return {}
    strokes = alpha >= STROKE_ALPHA
    ys, xs = np.nonzero(strokes)
    box = (int(np.ptp(ys)) + 1) * (int(np.ptp(xs)) + 1) if len(ys) else labels.size
    objects = ndimage.find_objects(labels)
    filled: dict[int, np.ndarray] = {}
    window: dict[int, tuple[slice, slice]] = {}
    h, w = labels.shape
    reach = across_a_stroke(strokes)
    for i, sl in enumerate(objects, start=1):
        if sl is None:
            continue
        grown = (slice(max(0, sl[0].start - reach), min(h, sl[0].stop + reach)),
                 slice(max(0, sl[1].start - reach), min(w, sl[1].stop + reach)))
        window[i] = grown
        filled[i] = ndimage.binary_fill_holes(labels[grown] == i)
    areas = {i: int(f.sum()) for i, f in filled.items()}
    marked = {i: bool((filled[i] & (labels[window[i]] != i) & strokes[window[i]]).sum() >= max(4, 0.01 * areas[i]))
              for i in filled}  # strokes inside the shape, not on its outline: marks of its own
    # a net (a spider's web, a grid): many closed cells, none a body, none with marks of its own — all air
    net = (len(filled) >= NET_MIN_CELLS and not any(marked.values())
           and max(areas.values()) < BIG_SHARE * box)
    decisions: dict[int, bool] = {}
    for i in sorted(filled, key=lambda r: -areas[r]):  # the bigger first: a part follows its body
        full, sl = filled[i], window[i]
        if net:
            decisions[i] = False
            continue
        if marked[i]:
            decisions[i] = True
            continue
        if areas[i] >= BIG_SHARE * box:  # a body, whatever its shape
            decisions[i] = True
            continue
        near = ndimage.binary_dilation(full, structure=np.ones((3, 3), bool), iterations=reach)  # across a stroke
        kept_near = [int(j) for j in np.unique(labels[sl][near]) if decisions.get(int(j), False)]  # kept (bigger)
        if kept_near:
            yy, xx = np.nonzero(full)
            where = (yy + sl[0].start, xx + sl[1].start)
            alike = [j for j in kept_near if areas[j] * SMALL_BESIDE <= areas[i]]
            if alike:
                # beside a kept shape of about its size: outside its box a part (a roof on its house),
                # inside it a hole that shape wraps (a handle's band around the handle's hole, a donut's)
                decisions[i] = not any(_mostly_in(where, objects[j - 1]) for j in alike)
                continue
            # beside a much bigger kept shape: inside its box a piece of it a stroke split off (between
            # whiskers, a door, an eye); outside it a part when it wraps another closed region (a
            # handle's band), else a hole between parts (a handle's hole, an arm's gap)
            if any(_mostly_in(where, objects[j - 1]) for j in kept_near):
                decisions[i] = True
                continue
            mine = (slice(sl[0].start + reach, sl[0].stop - reach), slice(sl[1].start + reach, sl[1].stop - reach))
            decisions[i] = any(j != i and _box_holds(mine, objects[j - 1]) for j in filled)
            continue
        fidelity, aspect = _ellipse_shape(full)
        decisions[i] = fidelity >= ROUND_FIDELITY and aspect <= MAX_ROUND_ASPECT
    return decisions


def fill_closed(rgb: np.ndarray, rgba: np.ndarray, labels: np.ndarray, keep: dict[int, bool]) -> np.ndarray:
    """``rgba`` (a line-art cut-out of ``rgb``) with the kept closed regions filled: their paper
    opaque as drawn, and the inner side of their outline too (no see-through seam between the
    stroke and the fill); the outline's outer side keeps its line-art alpha."""
    kept_ids = [i for i, k in keep.items() if k]
    if not kept_ids:
        return rgba
    h, w = labels.shape
    kept = np.isin(labels, kept_ids)
    alpha = rgba[..., 3].astype(np.float32) / 255.0
    strokes = alpha >= STROKE_ALPHA
    reach = max(2, int(round(3 * max(h, w) / 512)))
    inner = kept | (strokes & ndimage.binary_dilation(kept, iterations=reach))
    # open air (the border's paper and the removed regions) and what touches it keeps the line-art edge
    air = (alpha < STROKE_ALPHA) & ~kept
    near_air = ndimage.binary_dilation(air, structure=np.ones((3, 3), bool))
    solid = inner & ~(near_air & ~kept)
    out = rgba.copy()
    out[solid, :3] = rgb[solid, :3]
    out[solid, 3] = 255
    return out


def ink_level(alpha: np.ndarray) -> float:
    """The opacity colour-to-alpha gives solid ink in these (…, H, W) uint8 alphas: the 90th
    percentile over the strokes (dark-grey ink on cream is about 0.85 "black"), at least
    :data:`MIN_INK_LEVEL`; 1 when there are no strokes."""
    strokes = alpha[alpha >= int(STROKE_ALPHA * 255)]
    if strokes.size == 0:
        return 1.0
    return float(np.clip(np.percentile(strokes, 90) / 255.0, MIN_INK_LEVEL, 1.0))


def solid_ink(rgb: np.ndarray, rgba: np.ndarray, paper: np.ndarray, level: float) -> np.ndarray:
    """``rgba`` (the line-art cut of ``rgb`` on ``paper`` (3,) 0-255) with its alpha divided by the ink's
    ``level`` (solid strokes opaque, their anti-aliased edges in proportion) and the colour un-mixed
    from the paper again (a stroke shows the ink's own dark grey, not black at 85 %)."""
    a = np.clip(rgba[..., 3].astype(np.float32) / (255.0 * level), 0.0, 1.0)
    c = rgb[..., :3].astype(np.float32)
    p = np.asarray(paper, np.float32)
    fg = np.clip((c - (1.0 - a[..., None]) * p) / np.maximum(a, 1e-3)[..., None], 0.0, 255.0)
    out = np.concatenate([fg, a[..., None] * 255.0], axis=-1)
    out[a == 0] = 0.0
    return (out + 0.5).astype(np.uint8)


@dataclass
class LineArtCut:
    """A line-art cut-out of a clip: RGBA frames (N, H, W, 4) uint8, per frame the (H, W) image of
    closed-region track ids (0 = none), and every track's decision (with the flips)."""

    frames: np.ndarray
    tracks: list[np.ndarray]
    kept: dict[int, bool] = field(default_factory=dict)
    #: the decision before any flip (per track)
    automatic: dict[int, bool] = field(default_factory=dict)


def line_art_cut(rgb: np.ndarray, flips: dict[int, bool] | None = None) -> LineArtCut:
    """Line-art cut-out of (N, H, W, 3) uint8 frames with closed shapes decided (see the module
    text), once per clip: regions are linked across frames by overlap and a track is kept when
    the frames that see it mostly keep it (by area); ``flips`` (track id -> keep) override it."""
    paper = estimate_background(rgb)[0]
    frames = np.stack([lineart_alpha(f, paper) for f in rgb])
    level = ink_level(frames[..., 3])
    for n in range(len(frames)) if level < 1.0 else ():  # frame by frame, in place (long clips)
        frames[n] = solid_ink(rgb[n], frames[n], paper, level)
    labels: list[np.ndarray] = []
    decided: list[dict[int, bool]] = []
    for f in frames:
        alpha = f[..., 3].astype(np.float32) / 255.0
        lab = closed_regions(alpha)
        decided.append(closed_region_decisions(alpha, lab))
        labels.append(lab.astype(np.int16) if lab.max() < np.iinfo(np.int16).max else lab)
    maps = region_tracks(labels)
    votes: dict[int, float] = {}
    for lab, m, decisions in zip(labels, maps, decided, strict=True):
        sizes = np.bincount(lab.ravel(), minlength=int(lab.max()) + 1)
        for i, keep in decisions.items():
            t = int(m[i])
            votes[t] = votes.get(t, 0.0) + (1.0 if keep else -1.0) * float(sizes[i])
    small = max((int(m.max()) for m in maps), default=0) < np.iinfo(np.int16).max
    tracks = [m.astype(np.int16 if small else np.int32)[lab] for m, lab in zip(maps, labels, strict=True)]
    del labels
    automatic = {t: v > 0 for t, v in sorted(votes.items())}
    kept = {t: bool((flips or {}).get(t, k)) for t, k in automatic.items()}
    for n in range(len(frames)):
        frames[n] = fill_closed(rgb[n], frames[n], tracks[n], kept)
    out = frames
    return LineArtCut(out, tracks, kept, automatic)
