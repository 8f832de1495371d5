"""Anti-aliased vector painting on RGBA frames for the face and the effects (numpy only).

Shapes are described by a signed distance in pixels (negative inside) evaluated on the
pixel centres of a small box, so every edge is anti-aliased the same way (coverage =
``0.5 - distance``, clipped), and a sticker-style outline is the same shape grown by the
outline width. Drawing accumulates in a premultiplied float :class:`Layer`; compositing
touches only the pixels the layer covers, so a frame is left bit-exact wherever nothing
was drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Point = tuple[float, float]
Colour = tuple[int, int, int]
Sdf = Callable[[np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Box:
    """A half-open pixel box ``[y0, y1) x [x0, x1)`` inside a frame."""

    y0: int
    y1: int
    x0: int
    x1: int

    @property
    def empty(self) -> bool:
        return self.y1 <= self.y0 or self.x1 <= self.x0

    def grid(self) -> tuple[np.ndarray, np.ndarray]:
        """Pixel-centre coordinates (x, y) of the box, each (h, w) float32."""
        ys = np.arange(self.y0, self.y1, dtype=np.float32) + 0.5
        xs = np.arange(self.x0, self.x1, dtype=np.float32) + 0.5
        yy, xx = np.meshgrid(ys, xs, indexing="ij")
        return xx, yy

    def slices(self) -> tuple[slice, slice]:
        return slice(self.y0, self.y1), slice(self.x0, self.x1)


def box_around(cx: float, cy: float, half_w: float, half_h: float, shape: tuple[int, ...]) -> Box:
    """The pixel box covering ``cx ± half_w, cy ± half_h`` (+2 px for anti-aliasing), clipped to ``shape``."""
    h, w = int(shape[0]), int(shape[1])
    return Box(max(0, int(np.floor(cy - half_h - 2))), min(h, int(np.ceil(cy + half_h + 2))),
               max(0, int(np.floor(cx - half_w - 2))), min(w, int(np.ceil(cx + half_w + 2))))


def coverage(distance: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage (0..1) of a shape from its signed distance in pixels."""
    return np.clip(0.5 - distance, 0.0, 1.0)


# --- signed distances ---------------------------------------------------------------


def ellipse_sdf(cx: float, cy: float, rx: float, ry: float, angle: float = 0.0) -> Sdf:
    """An ellipse's (approximate, exact near the rim) signed distance; ``angle`` turns it clockwise on screen."""
    rx, ry = max(float(rx), 1e-3), max(float(ry), 1e-3)
    c, s = float(np.cos(angle)), float(np.sin(angle))

    def sdf(xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
        dx, dy = xx - cx, yy - cy
        u, v = c * dx + s * dy, -s * dx + c * dy
        k = np.sqrt((u / rx) ** 2 + (v / ry) ** 2)
        g = np.sqrt((u / rx**2) ** 2 + (v / ry**2) ** 2)
        near_centre = g * min(rx, ry) < 1e-3 * np.maximum(k, 1e-6)
        d = np.where(near_centre, (k - 1.0) * min(rx, ry), k * (k - 1.0) / np.maximum(g, 1e-9))
        return d.astype(np.float32)

    return sdf


BAND = 16.0  #: distances are exact up to this far outside a shape's edge (and capped there)


def polygon_sdf(points: np.ndarray, band: float = BAND) -> Sdf:
    """A closed polygon's signed distance (even-odd inside), points (n, 2) as (x, y).

    Evaluate it on a :meth:`Box.grid`; distances beyond ``band`` pixels of the edge read as ``±band``.
    """
    pts = np.asarray(points, np.float64)
    a = pts
    b = np.roll(pts, -1, axis=0)

    def sdf(xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
        dist = _segments_distance(xx, yy, a, b, band)
        inside = _inside_even_odd(xx, yy, a, b)
        return np.where(inside, -dist, dist).astype(np.float32)

    return sdf


def stroke_sdf(points: np.ndarray, width: float, band: float = BAND) -> Sdf:
    """A round-capped stroke of ``width`` along an open polyline (n, 2) as (x, y), on a :meth:`Box.grid`."""
    pts = np.asarray(points, np.float64)
    half = float(width) / 2.0
    if len(pts) == 1:
        pts = np.vstack([pts, pts])

    def sdf(xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
        return (_segments_distance(xx, yy, pts[:-1], pts[1:], half + band) - half).astype(np.float32)

    return sdf


def _segments_distance(xx: np.ndarray, yy: np.ndarray, a: np.ndarray, b: np.ndarray, band: float) -> np.ndarray:
    """The distance from each pixel of a box grid to the nearest segment a[i]→b[i], capped at ``band``.

    Each segment is measured only in its own window (its bounds grown by ``band``), so the cost is
    the shape's outline length times the band, not the box's area times the segment count. A small
    box (a heart, a tear, a puff: its windows cover most of it) is measured against many segments at
    once instead (the same float32 arithmetic per pixel and segment; outside a segment's window its
    distance is over ``band`` + 1, so the cap gives the same numbers).
    """
    h, w = xx.shape
    out = np.full((h, w), band, np.float32)
    if h == 0 or w == 0 or len(a) == 0:
        return out
    gx0, gy0 = float(xx[0, 0]), float(yy[0, 0])
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    c0 = np.maximum(0, np.floor(lo[:, 0] - band - gx0))
    c1 = np.minimum(w, np.ceil(hi[:, 0] + band - gx0) + 1)
    r0 = np.maximum(0, np.floor(lo[:, 1] - band - gy0))
    r1 = np.minimum(h, np.ceil(hi[:, 1] + band - gy0) + 1)
    live = (c1 > c0) & (r1 > r0)
    n = int(live.sum())
    if n == 0:
        return out
    windows = float(((c1 - c0) * (r1 - r0))[live].sum())
    if n * h * w <= 2.0 * windows + n * 1500.0:  # the windows are most of the box: all segments at once
        _segments_distance_dense(out, gx0, gy0, a[live], b[live])
        return out
    for (ax, ay), (bx, by), x0, x1, y0, y1 in zip(a[live].tolist(), b[live].tolist(), c0[live].tolist(),
                                                  c1[live].tolist(), r0[live].tolist(), r1[live].tolist(),
                                                  strict=True):
        cs, ce, rs, re = int(x0), int(x1), int(y0), int(y1)
        px = (gx0 + np.arange(cs, ce, dtype=np.float32))[None, :] - ax
        py = (gy0 + np.arange(rs, re, dtype=np.float32))[:, None] - ay
        ex, ey = bx - ax, by - ay
        den = ex * ex + ey * ey
        if den > 1e-12:
            t = np.clip((px * ex + py * ey) / den, 0.0, 1.0)
            d = np.hypot(px - t * ex, py - t * ey)
        else:
            d = np.hypot(px, py)
        win = out[rs:re, cs:ce]
        np.minimum(win, d, out=win)
    return out


#: how many float32 values one step of :func:`_segments_distance_dense` works on (segments x pixels)
_DENSE_CHUNK = 1 << 18


def _segments_distance_dense(out: np.ndarray, gx0: float, gy0: float, a: np.ndarray, b: np.ndarray) -> None:
    """``out`` (capped distances, h x w) lowered to every segment's distance over the whole box, a chunk of
    segments at a time: per pixel and segment the arithmetic of :func:`_segments_distance`'s windows."""
    h, w = out.shape
    xs = (gx0 + np.arange(w, dtype=np.float32))[None, None, :]
    ys = (gy0 + np.arange(h, dtype=np.float32))[None, :, None]
    e = b - a
    den = e[:, 0] * e[:, 0] + e[:, 1] * e[:, 1]
    a32, e32, den32 = a.astype(np.float32), e.astype(np.float32), den.astype(np.float32)
    step = max(1, _DENSE_CHUNK // (h * w))
    for segment in (True, False):  # segments, then points (a zero-length segment)
        idx = np.flatnonzero((den > 1e-12) == segment)
        for k in range(0, len(idx), step):
            sel = idx[k:k + step]
            px = xs - a32[sel, 0][:, None, None]
            py = ys - a32[sel, 1][:, None, None]
            if segment:
                ex, ey = e32[sel, 0][:, None, None], e32[sel, 1][:, None, None]
                t = np.clip((px * ex + py * ey) / den32[sel][:, None, None], 0.0, 1.0)
                d = np.hypot(px - t * ex, py - t * ey)
            else:
                d = np.hypot(px, py)
            np.minimum(out, d.min(axis=0), out=out)


def _inside_even_odd(xx: np.ndarray, yy: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Whether each pixel centre of a box grid lies inside the polygon (even-odd), row by row."""
    h, w = xx.shape
    inside = np.zeros((h, w), bool)
    if h == 0 or w == 0:
        return inside
    xs = xx[0].astype(np.float64)
    ys = yy[:, 0].astype(np.float64)
    ay, by = a[:, 1][None, :], b[:, 1][None, :]
    y = ys[:, None]
    crosses = (ay > y) != (by > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        x_at = a[:, 0][None, :] + (b[:, 0] - a[:, 0])[None, :] * (y - ay) / (by - ay)
    x_at = np.where(crosses, x_at, np.inf)
    x_at.sort(axis=1)
    # a row's crossings come first (the rest are inf); a pixel is inside when an odd number of them lie at
    # or left of it (what a search of the row's crossings counts), all rows at once
    k = int(crosses.sum(1).max(initial=0))
    if k:
        inside[...] = (np.count_nonzero(x_at[:, :k, None] <= xs[None, None, :], axis=1) % 2) == 1
    return inside


def sdf_union(*sdfs: Sdf) -> Sdf:
    def sdf(xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
        return np.minimum.reduce([f(xx, yy) for f in sdfs])

    return sdf


def sdf_bounds(points: np.ndarray, pad: float) -> tuple[float, float, float, float]:
    """(cx, cy, half_w, half_h) of points grown by ``pad``."""
    pts = np.asarray(points, np.float64)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    c = (lo + hi) / 2.0
    half = (hi - lo) / 2.0 + pad
    return float(c[0]), float(c[1]), float(half[0]), float(half[1])


# --- premultiplied layers -------------------------------------------------------------


class Layer:
    """A premultiplied float RGBA layer the size of a frame, painted shape by shape.

    Only the box painted so far (:attr:`touched`) is stored (:attr:`store`, grown as shapes land outside
    it): the rest of the frame is transparent, so a small shape on a big frame costs its own box, not a
    frame-sized buffer (the same numbers: what is outside the box is zero either way)."""

    def __init__(self, shape: tuple[int, ...]) -> None:
        self.h, self.w = int(shape[0]), int(shape[1])
        self.touched: Box | None = None
        #: the premultiplied pixels of :attr:`touched` (its h x w x 4); None while nothing is painted
        self.store: np.ndarray | None = None

    @property
    def rgba(self) -> np.ndarray:
        """The whole layer (h, w, 4) premultiplied float32 (a copy made from :attr:`store`)."""
        out = np.zeros((self.h, self.w, 4), np.float32)
        if self.touched is not None and self.store is not None:
            out[self.touched.slices()] = self.store
        return out

    def _touch(self, box: Box) -> None:
        t = self.touched
        self.touched = box if t is None else Box(min(t.y0, box.y0), max(t.y1, box.y1),
                                                 min(t.x0, box.x0), max(t.x1, box.x1))

    def _region(self, box: Box) -> np.ndarray:
        """The stored pixels of ``box`` (a view), the store grown to hold it first."""
        old, store = self.touched, self.store
        self._touch(box)
        t = self.touched
        assert t is not None
        if old is None or store is None or t != old:
            grown = np.zeros((t.y1 - t.y0, t.x1 - t.x0, 4), np.float32)
            if old is not None and store is not None:
                grown[old.y0 - t.y0:old.y1 - t.y0, old.x0 - t.x0:old.x1 - t.x0] = store
            self.store = grown
        assert self.store is not None
        return self.store[box.y0 - t.y0:box.y1 - t.y0, box.x0 - t.x0:box.x1 - t.x0]

    def _shape_box(self, bounds: tuple[float, float, float, float], outline_width: float) -> Box:
        """The pixels a shape of ``bounds`` (cx, cy, half-width, half-height) with an outline this wide covers:
        what :meth:`shape` draws and what :class:`BoundsLayer` measures."""
        cx, cy, hw, hh = bounds
        return box_around(cx, cy, hw + outline_width, hh + outline_width, (self.h, self.w))

    def paint(self, box: Box, rgb_premul: np.ndarray, alpha: np.ndarray) -> None:
        """Composite premultiplied colour (h, w, 3) with ``alpha`` (h, w) over the layer in ``box``."""
        if box.empty:
            return
        dst = self._region(box)
        keep = 1.0 - alpha
        dst[..., :3] = rgb_premul + dst[..., :3] * keep[..., None]
        dst[..., 3] = alpha + dst[..., 3] * keep

    def shape(self, sdf: Sdf, bounds: tuple[float, float, float, float], fill: Colour,
              outline: Colour | None = None, outline_width: float = 0.0, opacity: float = 1.0) -> None:
        """A filled shape with an optional outline outside it (sticker style)."""
        if opacity <= 0.0:
            return
        ow = outline_width if outline is not None else 0.0
        box = self._shape_box(bounds, ow)
        if box.empty:
            return
        xx, yy = box.grid()
        d = sdf(xx, yy)
        inner = coverage(d)
        outer = coverage(d - ow) if ow > 0 else inner
        f = np.asarray(fill, np.float32) / 255.0
        rgb = inner[..., None] * f
        if outline is not None and ow > 0:
            rgb = rgb + (outer - inner)[..., None] * (np.asarray(outline, np.float32) / 255.0)
        self.paint(box, rgb * opacity, outer * opacity)

    def composite_onto(self, frame: np.ndarray, clip_alpha: np.ndarray | None = None) -> None:
        """Composite the layer over a straight-alpha uint8 frame in place (only covered pixels change).

        ``clip_alpha`` (h, w) in 0..1, when given, multiplies the layer first (e.g. the frame's own alpha,
        to paint only on the subject).
        """
        if self.touched is None:
            return
        assert self.store is not None
        composite_premul(frame, self.touched, self.store,
                         None if clip_alpha is None else clip_alpha[self.touched.slices()])


class BoundsLayer(Layer):
    """A :class:`Layer` that paints nothing and only records ``touched``: the box every :meth:`Layer.shape`
    call would paint in (what :meth:`Layer.composite_onto` may change), at the cost of the boxes alone."""

    def __init__(self, shape: tuple[int, ...]) -> None:  # no pixels
        self.h, self.w = int(shape[0]), int(shape[1])
        self.touched = None
        self.store = None

    def paint(self, box: Box, rgb_premul: np.ndarray, alpha: np.ndarray) -> None:
        if not box.empty:
            self._touch(box)

    def shape(self, sdf: Sdf, bounds: tuple[float, float, float, float], fill: Colour,
              outline: Colour | None = None, outline_width: float = 0.0, opacity: float = 1.0) -> None:
        if opacity <= 0.0:
            return
        box = self._shape_box(bounds, outline_width if outline is not None else 0.0)
        if not box.empty:
            self._touch(box)


def composite_premul(frame: np.ndarray, box: Box, src: np.ndarray, clip: np.ndarray | None = None) -> None:
    """Composite premultiplied float ``src`` (h, w, 4) over ``frame``'s ``box`` (straight uint8) in place."""
    if box.empty:
        return
    if clip is not None:
        src = src * clip[..., None]
    sa = src[..., 3]
    mask = sa > 1.0 / 1024.0
    rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(axis=0))
    if rows.size == 0:
        return
    r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
    mask, s = mask[r0:r1, c0:c1], src[r0:r1, c0:c1]
    region = frame[box.y0 + r0:box.y0 + r1, box.x0 + c0:box.x0 + c1]
    dst = region.astype(np.float32) * np.float32(1.0 / 255.0)
    da = dst[..., 3:4]
    keep = 1.0 - s[..., 3:4]
    out_a = s[..., 3:4] + da * keep
    out_rgb = (s[..., :3] + dst[..., :3] * da * keep) / np.maximum(out_a, 1e-6)
    out = np.concatenate([out_rgb, out_a], axis=-1) * np.float32(255.0)
    out_u8 = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    region[...] = np.where(mask[..., None], out_u8, region)


def shift_bilinear(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    """``img`` (h, w, c) float moved by (dx, dy) pixels with bilinear weights; zeros come in at the edges."""
    h, w = img.shape[:2]
    ix, iy = int(np.floor(dx)), int(np.floor(dy))
    fx, fy = float(dx - ix), float(dy - iy)
    out = np.zeros_like(img)
    for oy, wy in ((iy, 1.0 - fy), (iy + 1, fy)):
        for ox, wx in ((ix, 1.0 - fx), (ix + 1, fx)):
            wgt = wy * wx
            if wgt <= 0.0 or abs(oy) >= h or abs(ox) >= w:
                continue
            ys, yd = (slice(0, h - oy), slice(oy, h)) if oy >= 0 else (slice(-oy, h), slice(0, h + oy))
            xs, xd = (slice(0, w - ox), slice(ox, w)) if ox >= 0 else (slice(-ox, w), slice(0, w + ox))
            out[yd, xd] += wgt * img[ys, xs]
    return out
