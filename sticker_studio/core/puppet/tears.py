"""Tears: background showing through a moved drawing where the drawing is one continuous piece.

The puppet cuts the drawing into part layers. Where two parts meet inside one run of colour (no outline,
no change of colour between them: the cut goes through the material) the moved drawing must stay
continuous there. A part that turns about a joint far from where its pixels meet the rest (a letter's
diagonal cut at its tip and turned about the letter's middle; a lampshade's corner given to an "arm" by
nearest bone) pulls the two sides of that cut apart, and the background shows through: a crack across the
drawing, a wedge out of it, a pale sliver.

The measure: seam points are the midpoints between 4-neighbouring opaque pixels of two different parts whose
colours (and those one pixel further out on each side) are alike. Each is carried by both of its parts'
meshes (barycentric in the rest mesh, the same weights in the deformed one); in a frame the seam point is
torn when the straight line between its two images crosses a pixel that is not opaque in the rendered
frame (effects and face overlays left out). An arm drawn against the body is outlined or in another colour
and is not a seam; a limb that turns about its own joint keeps the images of its seam points together or
over its parent's fill under it. A frame tears when at least :data:`TEAR_MIN_POINTS` seam points tear.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sticker_studio.core.puppet.mesh import locate
from sticker_studio.core.puppet.rig import PART_NAMES

if TYPE_CHECKING:
    from sticker_studio.core.puppet.layers import Puppet
    from sticker_studio.core.puppet.pose import CharacterPose

#: colours closer than this (RGB Euclidean, 0..255) are one run of colour
SEAM_COLOUR = 40.0
#: a seam runs through the material: this many opaque pixels of one colour on each side of it (a sliver of a
#: limb's colour left along the body, or a limb against the body in another colour, is not a seam)
SEAM_DEPTH = 4
#: alpha below this shows the background
SEE_THROUGH = 160
#: at most this many seam points are followed (evenly spaced along the list)
MAX_SEAM_POINTS = 600
#: a frame tears when this many seam points tear (a corner pixel of a bent joint is not a tear)
TEAR_MIN_POINTS = 3
#: a seam point whose two images lie farther apart than this share of the subject's size opened on purpose
#: (an arm lifted away from the body it lay against); a tear is a narrow crack or the narrow end of a wedge
MAX_GAP = 0.05
#: a seam point whose images part by less than this (pixels) shows at most a pale hairline, not a crack
MIN_GAP = 1.0
#: extra room around the drawing when a frame is rendered (a share of its size)
CANVAS_MARGIN = 0.35


@dataclass(frozen=True)
class SeamPoints:
    """Seam points of a puppet: for each, its two layers (indices into ``puppet.layers``), and the triangle
    and barycentric weights that carry it in each layer's mesh."""

    layer_a: np.ndarray    # (N,) int
    layer_b: np.ndarray    # (N,) int
    tri_a: np.ndarray      # (N,) int
    tri_b: np.ndarray      # (N,) int
    w_a: np.ndarray        # (N, 3)
    w_b: np.ndarray        # (N, 3)

    @property
    def n(self) -> int:
        return int(self.layer_a.shape[0])


@dataclass(frozen=True)
class TearFigures:
    """``frames``: how many frames tear; ``worst_points``: the most seam points torn in one frame;
    ``seam_points``: how many seam points were followed."""

    frames: int
    worst_points: int
    seam_points: int


def seam_points(puppet: Puppet) -> SeamPoints:
    """The puppet's seam points (see the module's docstring), at most :data:`MAX_SEAM_POINTS`."""
    labels = puppet.labels
    x0, y0 = int(puppet.origin[0]), int(puppet.origin[1])
    h, w = labels.shape
    rgba = puppet.rgba[y0:y0 + h, x0:x0 + w]
    rgb = rgba[..., :3].astype(np.float32)
    opaque = rgba[..., 3] == 255
    layer_of = {PART_NAMES.index(layer.part) + 1: i for i, layer in enumerate(puppet.layers)}
    found: list[tuple[float, float, int, int]] = []
    k = SEAM_DEPTH
    for dy, dx in ((0, 1), (1, 0)):
        # p = (y, x), q = p + d; the run p - (k-1)d .. q + (k-1)d must lie inside the crop
        ys, xs = np.nonzero(np.ones((h - (2 * k - 1) * dy, w - (2 * k - 1) * dx), bool))
        ys, xs = ys + (k - 1) * dy, xs + (k - 1) * dx
        lp, lq = labels[ys, xs], labels[ys + dy, xs + dx]
        cand = (lp != lq) & (lp > 0) & (lq > 0)
        ys, xs, lp, lq = ys[cand], xs[cand], lp[cand], lq[cand]
        run = [(ys + j * dy, xs + j * dx) for j in range(1 - k, k + 1)]
        solid = np.all([opaque[y, x] for y, x in run], axis=0)
        stack = np.stack([rgb[y, x] for y, x in run])
        alike = solid & (np.linalg.norm(stack.max(0) - stack.min(0), axis=-1) < SEAM_COLOUR)
        for y, x, a, b in zip(ys[alike], xs[alike], lp[alike], lq[alike], strict=True):
            if int(a) in layer_of and int(b) in layer_of:
                found.append((x + 0.5 * dx, y + 0.5 * dy, layer_of[int(a)], layer_of[int(b)]))
    if len(found) > MAX_SEAM_POINTS:
        keep = np.linspace(0, len(found) - 1, MAX_SEAM_POINTS).round().astype(int)
        found = [found[k] for k in keep]
    if not found:
        empty = np.zeros(0, np.int64)
        return SeamPoints(empty, empty, empty, empty, np.zeros((0, 3)), np.zeros((0, 3)))
    arr = np.array(found, np.float64)
    pts = arr[:, :2]
    la, lb = arr[:, 2].astype(np.int64), arr[:, 3].astype(np.int64)
    tri_a, tri_b = np.zeros(len(pts), np.int64), np.zeros(len(pts), np.int64)
    w_a, w_b = np.zeros((len(pts), 3)), np.zeros((len(pts), 3))
    for i, layer in enumerate(puppet.layers):
        for sel, tri, wts in ((la == i, tri_a, w_a), (lb == i, tri_b, w_b)):
            if sel.any():
                t, wt = locate(layer.mesh.vertices, layer.mesh.triangles, pts[sel])
                tri[sel], wts[sel] = t, wt
    return SeamPoints(la, lb, tri_a, tri_b, w_a, w_b)


def _carried(puppet: Puppet, deformed: Sequence[np.ndarray], layer: np.ndarray, tri: np.ndarray,
             wts: np.ndarray) -> np.ndarray:
    out = np.zeros((len(layer), 2))
    for i, lay in enumerate(puppet.layers):
        sel = layer == i
        if sel.any():
            corners = deformed[i][lay.mesh.triangles[tri[sel]]]  # (n, 3, 2)
            out[sel] = np.einsum("nk,nkc->nc", wts[sel], corners)
    return out


def torn_points(puppet: Puppet, seams: SeamPoints, pose: CharacterPose) -> int:
    """How many seam points tear in the frame of ``pose`` (rendered without effects)."""
    if seams.n == 0:
        return 0
    h, w = puppet.rgba.shape[:2]
    pad = int(CANVAS_MARGIN * max(h, w)) + 4
    deformed = puppet.deform(pose)
    frame = puppet.render(pose, canvas=(w + 2 * pad, h + 2 * pad), offset=(pad, pad), deformed=deformed)
    alpha = frame[..., 3]
    a = _carried(puppet, deformed, seams.layer_a, seams.tri_a, seams.w_a) + pad
    b = _carried(puppet, deformed, seams.layer_b, seams.tri_b, seams.w_b) + pad
    gap = np.hypot(*(b - a).T)
    steps = int(np.ceil(float(np.max(gap)) * 2)) + 2
    t = np.linspace(0.0, 1.0, steps)
    line = a[:, None, :] + (b - a)[:, None, :] * t[None, :, None]  # (n, steps, 2)
    ix = np.clip(np.round(line[..., 0]).astype(int), 0, alpha.shape[1] - 1)
    iy = np.clip(np.round(line[..., 1]).astype(int), 0, alpha.shape[0] - 1)
    torn = (alpha[iy, ix] < SEE_THROUGH).any(axis=1)
    return int((torn & (gap >= MIN_GAP) & (gap <= MAX_GAP * puppet.size)).sum())


def count_tears(puppet: Puppet, poses: Sequence[CharacterPose], seams: SeamPoints | None = None) -> TearFigures:
    """The tears of a motion's poses on ``puppet``: frames with :data:`TEAR_MIN_POINTS` or more torn seam
    points, and the most torn in one frame."""
    seams = seam_points(puppet) if seams is None else seams
    counts = [torn_points(puppet, seams, pose) for pose in poses]
    worst = max(counts, default=0)
    return TearFigures(sum(c >= TEAR_MIN_POINTS for c in counts), worst, seams.n)
