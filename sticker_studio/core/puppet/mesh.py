"""A triangle mesh of a subject's silhouette (scipy Delaunay on boundary + interior grid).

The mesh is built on the alpha mask dilated by 2 px, so every visible pixel (the
anti-aliased outline included) lies inside a triangle and frame 0 reproduces the
drawing pixel for pixel. Boundary pixels of the dilated mask are thinned to about one
per ``spacing / 2``, an interior grid of ``spacing`` is added, everything is
triangulated and triangles whose centroid is off the (dilated) mask or whose longest
edge bridges a gap are dropped. Any visible pixel still uncovered becomes a vertex and
the triangulation is repeated (rarely more than once).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import Delaunay

from sticker_studio.core.errors import InvalidInputError

#: The mask is dilated by this many pixels before meshing (frame 0 exact).
DILATE_PX = 2


@dataclass
class Mesh:
    """Vertices (N x 2, x/y pixels) and triangles (T x 3 vertex indices, counter-clockwise on screen)."""

    vertices: np.ndarray
    triangles: np.ndarray

    @property
    def n(self) -> int:
        return int(self.vertices.shape[0])


def _disk(r: int) -> np.ndarray:
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    return (x * x + y * y) <= r * r + 0.5


def dilate(mask: np.ndarray, r: int) -> np.ndarray:
    if r <= 0:
        return mask.copy()
    return ndimage.binary_dilation(mask, structure=_disk(r))


def _thin(points: np.ndarray, cell: float) -> np.ndarray:
    """One point per ``cell`` x ``cell`` square (the first one met)."""
    if len(points) == 0:
        return points
    keys = np.floor(points / max(cell, 1.0)).astype(np.int64)
    _, first = np.unique(keys[:, 0] * 1_000_003 + keys[:, 1], return_index=True)
    return points[np.sort(first)]


def default_spacing(mask: np.ndarray) -> float:
    """About 500-900 vertices for a typical subject, never finer than 4 px."""
    area = float(mask.sum())
    return float(max(4.0, min(24.0, np.sqrt(area / 450.0))))


def build_mesh(mask: np.ndarray, spacing: float | None = None, extra_points: np.ndarray | None = None) -> Mesh:
    """Mesh covering every True pixel of ``mask`` (HxW bool), dilated by :data:`DILATE_PX`."""
    mask = np.asarray(mask, bool)
    if not mask.any():
        raise InvalidInputError("the drawing has no visible pixels to animate")
    s = default_spacing(mask) if spacing is None else float(spacing)
    ys, xs = np.nonzero(mask)
    pad = DILATE_PX + 3
    y0, x0 = max(0, ys.min() - pad), max(0, xs.min() - pad)
    y1, x1 = min(mask.shape[0], ys.max() + pad + 1), min(mask.shape[1], xs.max() + pad + 1)
    origin = np.array([x0, y0], np.float64)
    extra = None if extra_points is None else np.asarray(extra_points, np.float64) - origin
    mesh = _build(mask[y0:y1, x0:x1], s, extra)
    return Mesh(mesh.vertices + origin, mesh.triangles)


def _build(mask: np.ndarray, s: float, extra_points: np.ndarray | None) -> Mesh:
    dil = dilate(mask, DILATE_PX)
    keep_zone = dilate(dil, 1)
    h, w = mask.shape
    inner = ndimage.binary_erosion(dil, structure=_disk(1))
    by, bx = np.nonzero(dil & ~inner)
    boundary = _thin(np.stack([bx, by], 1).astype(np.float64), s * 0.5)
    gy, gx = np.mgrid[s / 2:h:s, s / 2:w:s]
    gx, gy = gx.ravel(), gy.ravel()
    # ``distance_transform_edt(dil) > s * 0.4`` read at the grid points (their distances alone)
    inside = edt_at(dil, np.clip(np.round(gy).astype(int), 0, h - 1),
                    np.clip(np.round(gx).astype(int), 0, w - 1)) > s * 0.4
    grid = np.stack([gx[inside], gy[inside]], 1)
    pts = np.concatenate([boundary, grid] + ([np.asarray(extra_points, np.float64)] if extra_points is not None
                                             and len(extra_points) else []), 0)
    pts = np.unique(np.round(pts, 3), axis=0)
    for attempt in range(4):
        tris = _triangulate(pts, keep_zone, s)
        missing = uncovered(pts, tris, mask)
        if len(missing) == 0 or attempt == 3:
            break  # (the triangles index these points: never change them after the last triangulation)
        pts = np.unique(np.concatenate([pts, _thin(missing.astype(np.float64), max(1.0, s * 0.25))]), axis=0)
    used = np.unique(tris)
    remap = np.full(len(pts), -1, np.int64)
    remap[used] = np.arange(len(used))
    return Mesh(pts[used], remap[tris])


def edt_at(mask: np.ndarray, iy: np.ndarray, ix: np.ndarray) -> np.ndarray:
    """``ndimage.distance_transform_edt(mask)[iy, ix]``, worked out at those pixels only: the distance from
    each to the nearest False pixel of ``mask`` (0 on one). The nearest False pixel of a True one always
    has a True 4-neighbour (a step from it towards the pixel would be nearer), so only those are searched;
    the distance is ``sqrt(dy² + dx²)`` of whole pixels, as the transform computes it."""
    from scipy.spatial import cKDTree

    mask = np.asarray(mask, bool)
    iy, ix = np.asarray(iy, np.int64), np.asarray(ix, np.int64)
    out = np.zeros(iy.shape, np.float64)
    on = mask[iy, ix]
    if not on.any():
        return out
    rim = np.zeros_like(mask)  # False pixels with a True 4-neighbour
    rim[1:] |= mask[:-1]
    rim[:-1] |= mask[1:]
    rim[:, 1:] |= mask[:, :-1]
    rim[:, :-1] |= mask[:, 1:]
    rim &= ~mask
    ry, rx = np.nonzero(rim)
    if len(ry) == 0:  # no False pixel at all: the transform's own answer
        return np.asarray(ndimage.distance_transform_edt(mask)[iy, ix], np.float64)
    _, nearest = cKDTree(np.stack([ry, rx], 1).astype(np.float64)).query(
        np.stack([iy[on], ix[on]], 1).astype(np.float64))
    dy = (iy[on] - ry[nearest]).astype(np.float64)
    dx = (ix[on] - rx[nearest]).astype(np.float64)
    out[on] = np.sqrt(dy * dy + dx * dx)
    return out


def _triangulate(pts: np.ndarray, keep_zone: np.ndarray, s: float) -> np.ndarray:
    h, w = keep_zone.shape
    if len(pts) < 3:
        raise InvalidInputError("the drawing is too small to animate (fewer than 3 mesh points)")
    tri = Delaunay(pts).simplices.astype(np.int64)
    p = pts[tri]
    c = p.mean(1)
    cin = keep_zone[np.clip(np.round(c[:, 1]).astype(int), 0, h - 1), np.clip(np.round(c[:, 0]).astype(int), 0, w - 1)]
    edges = np.stack([np.linalg.norm(p[:, 1] - p[:, 0], axis=1), np.linalg.norm(p[:, 2] - p[:, 1], axis=1),
                      np.linalg.norm(p[:, 0] - p[:, 2], axis=1)], 1).max(1)
    # samples along the edges must stay on the mask too (no triangle across a gap)
    mids = [(p[:, a] + p[:, b]) / 2 for a, b in ((0, 1), (1, 2), (2, 0))]
    ein = np.ones(len(tri), bool)
    for m in mids:
        ein &= keep_zone[np.clip(np.round(m[:, 1]).astype(int), 0, h - 1),
                         np.clip(np.round(m[:, 0]).astype(int), 0, w - 1)]
    keep = cin & ein & (edges < 3.0 * s)
    tri = tri[keep]
    # counter-clockwise in (x, y-down) => positive cross product
    p = pts[tri]
    e1, e2 = p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]
    cross = e1[:, 0] * e2[:, 1] - e2[:, 0] * e1[:, 1]
    flip = cross < 0
    tri[flip] = tri[flip][:, [0, 2, 1]]
    # no slivers: a near-zero-area triangle has no stable deformation gradient
    return tri[np.abs(cross) > 1e-3 * s * s]


def uncovered(vertices: np.ndarray, triangles: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """(x, y) of the True pixels of ``mask`` no triangle covers."""
    from sticker_studio.core.puppet.raster import covered_mask

    ys, xs = np.nonzero(mask & ~covered_mask(vertices, triangles, mask.shape))
    return np.stack([xs, ys], 1)


def locate(vertices: np.ndarray, triangles: np.ndarray, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each point: the triangle holding it (or the nearest) and its barycentric weights."""
    points = np.asarray(points, np.float64).reshape(-1, 2)
    p = vertices[triangles]  # T,3,2
    a, b, c = p[:, 0], p[:, 1], p[:, 2]
    v0, v1 = b - a, c - a
    d = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
    d = np.where(np.abs(d) < 1e-12, 1e-12, d)
    out_t = np.zeros(len(points), np.int64)
    out_w = np.zeros((len(points), 3))
    for k, q in enumerate(points):
        v2 = q[None, :] - a
        l1 = (v2[:, 0] * v1[:, 1] - v1[:, 0] * v2[:, 1]) / d
        l2 = (v0[:, 0] * v2[:, 1] - v2[:, 0] * v0[:, 1]) / d
        l0 = 1 - l1 - l2
        worst = np.minimum(np.minimum(l0, l1), l2)
        t = int(np.argmax(worst))
        if worst[t] < -1e-9:  # outside every triangle: clamp to the nearest one
            cent = p.mean(1)
            t = int(np.argmin(np.linalg.norm(cent - q, axis=1)))
            lam = np.clip(np.array([l0[t], l1[t], l2[t]]), 0.0, None)
            lam = lam / max(lam.sum(), 1e-12)
            out_t[k], out_w[k] = t, lam
        else:
            out_t[k], out_w[k] = t, (l0[t], l1[t], l2[t])
    return out_t, out_w
