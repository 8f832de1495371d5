"""Render motion poses into frames: one resampling per frame from the original drawing.

Each output pixel is mapped back through the inverse of (mesh warp, then affine) to
the source drawing and sampled bilinearly on premultiplied alpha, so there is never
a resample of a resample and never a dark fringe. Before rendering, the subject's
convex hull is pushed through every frame's pose to find the motion's extent; the
extent is then fitted into the canvas with a margin, so no frame clips the subject.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.motion.poses import Pose

#: Smallest |scale| rendered: a flip passes through a thin sliver rather than vanishing.
MIN_SCALE = 0.02
#: Source pixels per output pixel above which the source is pre-filtered (anti-aliasing).
PREFILTER_RATIO = 1.3
_PAD = 2  # transparent border around the source so samples at its edge fade out


@dataclass(frozen=True)
class SubjectGeometry:
    """Where the subject is in the source drawing, and its unit (the box's longer side)."""

    center: tuple[float, float]  # source pixels (edge coordinates)
    unit: float  # source pixels per subject unit
    half: tuple[float, float]  # half width/height of the box in subject units
    hull: np.ndarray  # (K, 2) convex hull of the opaque pixels, subject units, closed polygon order

    @classmethod
    def from_alpha(cls, alpha: np.ndarray) -> SubjectGeometry:
        mask = alpha > 0
        if not mask.any():
            raise InvalidInputError("the image is fully transparent: there is no subject to animate")
        rows = np.flatnonzero(mask.any(axis=1))
        cols = np.flatnonzero(mask.any(axis=0))
        x0, x1 = float(cols[0]), float(cols[-1] + 1)
        y0, y1 = float(rows[0]), float(rows[-1] + 1)
        unit = max(x1 - x0, y1 - y0)
        center = ((x0 + x1) / 2.0, (y0 + y1) / 2.0)
        pts = _row_extreme_corners(mask)
        hull = convex_hull((pts - np.asarray(center)) / unit)
        return cls(center, unit, ((x1 - x0) / (2 * unit), (y1 - y0) / (2 * unit)), hull)


@dataclass(frozen=True)
class CanvasLayout:
    """How subject units land on the output canvas."""

    width: int
    height: int
    scale: float  # output pixels per subject unit
    origin: tuple[float, float]  # subject-unit point drawn at the canvas centre


def _row_extreme_corners(mask: np.ndarray) -> np.ndarray:
    """Pixel corners of each row's first and last opaque pixel: a superset of the hull's vertices."""
    ys = np.flatnonzero(mask.any(axis=1))
    sub = mask[ys]
    first = np.argmax(sub, axis=1)
    last = sub.shape[1] - 1 - np.argmax(sub[:, ::-1], axis=1)
    xs = np.concatenate([first, last + 1]).astype(np.float64)
    yy = np.concatenate([ys, ys]).astype(np.float64)
    return np.concatenate([np.stack([xs, yy], 1), np.stack([xs, yy + 1], 1)])


def convex_hull(points: np.ndarray) -> np.ndarray:
    """Andrew's monotone chain; returns hull vertices in order (no repeat of the first)."""
    pts = np.unique(np.round(points, 9), axis=0)
    if len(pts) <= 2:
        return pts
    order = np.lexsort((pts[:, 1], pts[:, 0]))
    pts = pts[order].tolist()

    def cross(o: list[float], a: list[float], b: list[float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[list[float]] = []
    for p in pts:
        while len(lower) >= 2 and cross(lower[-2], lower[-1], p) <= 0:
            lower.pop()
        lower.append(p)
    upper: list[list[float]] = []
    for p in reversed(pts):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], p) <= 0:
            upper.pop()
        upper.append(p)
    return np.asarray(lower[:-1] + upper[:-1], dtype=np.float64)


def densify(polygon: np.ndarray, step: float = 0.01) -> np.ndarray:
    """Points along a closed polygon's edges every ``step`` (for warps, which bend straight edges)."""
    out = []
    n = len(polygon)
    for i in range(n):
        a, b = polygon[i], polygon[(i + 1) % n]
        k = max(1, int(math.ceil(float(np.hypot(*(b - a))) / step)))
        s = np.linspace(0.0, 1.0, k, endpoint=False)[:, None]
        out.append(a + (b - a) * s)
    return np.concatenate(out) if out else polygon


# ------------------------------------------------------------------------- mapping
def _affine(pose: Pose, geom: SubjectGeometry) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(M, pivot, translate) of the forward affine q' = T + P + M (q - P)."""
    sx = math.copysign(max(MIN_SCALE, abs(pose.sx)), pose.sx)
    sy = math.copysign(max(MIN_SCALE, abs(pose.sy)), pose.sy)
    th = math.radians(pose.rotation)
    c, s = math.cos(th), math.sin(th)
    m = np.array([[c * sx, -s * sy], [s * sx, c * sy]])
    pivot = np.array([pose.pivot[0] * geom.half[0], pose.pivot[1] * geom.half[1]])
    return m, pivot, np.array([pose.tx, pose.ty])


def forward_points(pose: Pose, geom: SubjectGeometry, q: np.ndarray) -> np.ndarray:
    """Subject points (N, 2) -> where this pose puts them (subject units)."""
    q = np.asarray(q, np.float64)
    if pose.warp is not None:
        dx, dy = pose.warp(q[:, 0] / geom.half[0], q[:, 1] / geom.half[1])
        q = q + np.stack([np.broadcast_to(dx, q[:, 0].shape), np.broadcast_to(dy, q[:, 1].shape)], 1)
    m, pivot, tr = _affine(pose, geom)
    return tr + pivot + (q - pivot) @ m.T


def inverse_points(pose: Pose, geom: SubjectGeometry, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Posed points (arrays x, y in subject units) -> the subject points that land there."""
    m, pivot, tr = _affine(pose, geom)
    inv = np.linalg.inv(m)
    rx = x - tr[0] - pivot[0]
    ry = y - tr[1] - pivot[1]
    qx = pivot[0] + inv[0, 0] * rx + inv[0, 1] * ry
    qy = pivot[1] + inv[1, 0] * rx + inv[1, 1] * ry
    if pose.warp is not None:  # invert q + d(q) = w by fixed point; d is small and smooth
        wx, wy = qx, qy
        for _ in range(4):
            dx, dy = pose.warp(qx / geom.half[0], qy / geom.half[1])
            qx, qy = wx - dx, wy - dy
    return qx, qy


def motion_extent(poses: Sequence[Pose], geom: SubjectGeometry) -> tuple[float, float, float, float]:
    """(xmin, ymin, xmax, ymax) in subject units covering the subject in every pose."""
    dense = None
    lo = np.array([np.inf, np.inf])
    hi = -lo
    for pose in poses:
        if pose.warp is not None:
            if dense is None:
                dense = densify(geom.hull)
            pts = forward_points(pose, geom, dense)
        else:
            pts = forward_points(pose, geom, geom.hull)
        lo = np.minimum(lo, pts.min(axis=0))
        hi = np.maximum(hi, pts.max(axis=0))
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


def fit_layout(
    extent: tuple[float, float, float, float], width: int, height: int, margin: float = 0.03
) -> CanvasLayout:
    """Scale and centre the motion's extent inside the canvas with a margin (fraction of the shorter side)."""
    x0, y0, x1, y1 = extent
    pad = max(2.0, margin * min(width, height))
    ew, eh = max(1e-6, x1 - x0), max(1e-6, y1 - y0)
    scale = min((width - 2 * pad) / ew, (height - 2 * pad) / eh)
    if scale <= 0:
        raise InvalidInputError(f"the canvas {width}x{height} is too small to animate into")
    return CanvasLayout(width, height, scale, ((x0 + x1) / 2.0, (y0 + y1) / 2.0))


# ------------------------------------------------------------------------ sampling
@dataclass
class PreparedSource:
    """A source frame, premultiplied (Pillow "RGBa") and padded, possibly pre-filtered.

    The transparent padding makes samples at the drawing's own border fade out
    bilinearly instead of being cut at the image edge.
    """

    image: Image.Image  # mode "RGBa", padded by _PAD on every side
    pixels_per_unit: float
    center: tuple[float, float]  # subject centre in the padded image (pixel edge coordinates)

    @classmethod
    def build(cls, rgba: np.ndarray, geom: SubjectGeometry, out_pixels_per_unit: float,
              prefilter: bool = True) -> PreparedSource:
        h, w = rgba.shape[:2]
        padded = np.zeros((h + 2 * _PAD, w + 2 * _PAD, 4), np.uint8)
        padded[_PAD:-_PAD, _PAD:-_PAD] = rgba
        image = Image.fromarray(padded, "RGBA").convert("RGBa")
        cx, cy = geom.center[0] + _PAD, geom.center[1] + _PAD
        unit = geom.unit
        ratio = geom.unit / max(1e-6, out_pixels_per_unit)
        if prefilter and ratio > PREFILTER_RATIO:  # reduce once (premultiplied) so bilinear sampling does not alias
            nw = max(1, int(round(image.width / ratio)))
            nh = max(1, int(round(image.height / ratio)))
            fx, fy = nw / image.width, nh / image.height
            image = image.resize((nw, nh), Image.Resampling.LANCZOS)
            cx, cy, unit = cx * fx, cy * fy, unit * (fx + fy) / 2.0
        return cls(image, unit, (cx, cy))


#: Mesh cell side (output pixels) for warped poses; affine poses need a single cell.
WARP_CELL = 16


def render_pose(
    source: PreparedSource,
    geom: SubjectGeometry,
    pose: Pose,
    layout: CanvasLayout,
    nearest: bool = False,
) -> np.ndarray:
    """One output frame (RGBA uint8) for ``pose``: one premultiplied bilinear resampling.

    The inverse map is evaluated exactly at the vertices of a mesh over the region the
    posed subject can reach and handed to Pillow's MESH transform, which interpolates
    bilinearly inside each cell: exact for affine poses (one cell), within a fraction
    of a pixel for the smooth warps (16 px cells). ``nearest`` (pixel art) samples
    nearest-neighbour and keeps alpha hard (0 or 255, opacity thresholded at half).
    """
    out = np.zeros((layout.height, layout.width, 4), np.uint8)
    if pose.opacity <= 0.0:
        return out
    pts = forward_points(pose, geom, densify(geom.hull, 0.02) if pose.warp is not None else geom.hull)
    ox = (pts[:, 0] - layout.origin[0]) * layout.scale + layout.width / 2.0
    oy = (pts[:, 1] - layout.origin[1]) * layout.scale + layout.height / 2.0
    c0 = max(0, int(math.floor(ox.min())) - 2)
    c1 = min(layout.width, int(math.ceil(ox.max())) + 2)
    r0 = max(0, int(math.floor(oy.min())) - 2)
    r1 = min(layout.height, int(math.ceil(oy.max())) + 2)
    if c1 <= c0 or r1 <= r0:
        return out
    w, h = c1 - c0, r1 - r0
    nx = max(1, math.ceil(w / WARP_CELL)) if pose.warp is not None else 1
    ny = max(1, math.ceil(h / WARP_CELL)) if pose.warp is not None else 1
    xs = np.linspace(0, w, nx + 1).round().astype(int)
    ys = np.linspace(0, h, ny + 1).round().astype(int)
    gx, gy = np.meshgrid(xs.astype(np.float64) + c0, ys.astype(np.float64) + r0)
    qx, qy = inverse_points(
        pose, geom,
        (gx - layout.width / 2.0) / layout.scale + layout.origin[0],
        (gy - layout.height / 2.0) / layout.scale + layout.origin[1],
    )
    sx = source.center[0] + qx * source.pixels_per_unit
    sy = source.center[1] + qy * source.pixels_per_unit
    mesh = [
        (
            (int(xs[i]), int(ys[j]), int(xs[i + 1]), int(ys[j + 1])),
            (sx[j, i], sy[j, i], sx[j + 1, i], sy[j + 1, i],
             sx[j + 1, i + 1], sy[j + 1, i + 1], sx[j, i + 1], sy[j, i + 1]),
        )
        for j in range(ny)
        for i in range(nx)
    ]
    resample = Image.Resampling.NEAREST if nearest else Image.Resampling.BILINEAR
    warped = source.image.transform((w, h), Image.Transform.MESH, mesh, resample=resample)
    region = np.asarray(warped.convert("RGBA"))
    if nearest:
        region = region.copy()
        keep = pose.opacity >= 0.5
        region[..., 3] = np.where((region[..., 3] >= 128) & keep, 255, 0).astype(np.uint8)
    elif pose.opacity < 1.0:
        region = region.copy()
        region[..., 3] = (region[..., 3].astype(np.float32) * pose.opacity + 0.5).astype(np.uint8)
    out[r0:r1, c0:c1] = region
    out[..., :3][out[..., 3] == 0] = 0
    return out
