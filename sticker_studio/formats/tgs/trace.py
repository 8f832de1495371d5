"""Trace a flat drawing's subject into filled bezier paths with vtracer (colour mode).

Only the subject is traced: pixels under half alpha become transparent (vtracer keys
them out), the rest are traced opaque in their own colour, so the background of the
sticker stays transparent. The paths come back in vtracer's paint order (later on top)
as :class:`TracedPath` values in the traced image's pixel coordinates.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from sticker_studio.core.errors import InvalidInputError

#: Pixels at or above this alpha are traced as the subject, the rest are background.
ALPHA_CUT = 128

Point = tuple[float, float]


@dataclass(frozen=True)
class TraceSettings:
    """vtracer's detail knobs (colour mode, stacked, spline) and how coordinates are rounded."""

    filter_speckle: int = 4  # drop patches smaller than this many pixels (side)
    color_precision: int = 6  # significant bits per channel used for clustering
    layer_difference: int = 16  # colour difference between layers
    corner_threshold: int = 60  # degrees: sharper turns become corners
    length_threshold: float = 4.0  # shortest spline segment, 3.5-10
    splice_threshold: int = 45  # degrees: where splines are split
    decimals: int = 1  # coordinate rounding in the Lottie file
    resolution: int = 2  # trace at this multiple of the sticker's pixels (finer edges)
    palette: int | None = None  # first reduce the subject to this many colours (no dithering); None: keep
    #: 0: a quality rung (every one is tried and the best-looking that fits wins); 1: a fall-back
    #: rung (tried in order only when no quality rung fits, the first that fits wins)
    tier: int = 0
    #: "spline" (smooth curves) or "polygon" (straight edges, square corners: pixel art)
    mode: str = "spline"

    def describe(self) -> str:
        colours = f"{self.palette} colours" if self.palette else "all colours"
        return (f"x{self.resolution}, {colours}, speckle {self.filter_speckle}, colour bits {self.color_precision},"
                f" layer diff {self.layer_difference}, corner {self.corner_threshold},"
                f" length {self.length_threshold:g}, splice {self.splice_threshold}, {self.decimals} decimal(s)")


#: Tracing detail from finest to coarsest; the exporter takes the first rung whose file fits.
DETAIL_LADDER: tuple[TraceSettings, ...] = (
    TraceSettings(4, 6, 16, 60, 4.0, 45, 1, 3, None),
    TraceSettings(4, 6, 16, 60, 4.0, 45, 1, 3, 32),
    TraceSettings(4, 6, 16, 60, 4.0, 45, 1, 3, 16),
    TraceSettings(4, 6, 16, 60, 4.0, 45, 1, 2, 24),
    TraceSettings(6, 6, 24, 60, 5.0, 45, 1, 1, 24, 1),
    TraceSettings(8, 5, 32, 75, 6.0, 60, 1, 1, 16, 1),
    TraceSettings(12, 4, 48, 90, 8.0, 60, 0, 1, 12, 1),
    TraceSettings(16, 3, 64, 120, 10.0, 90, 0, 1, 8, 1),
    TraceSettings(32, 2, 96, 135, 10.0, 90, 0, 1, 6, 1),
)


@dataclass(frozen=True)
class SubPath:
    """One closed bezier contour: vertices with in/out tangents relative to each vertex."""

    vertices: tuple[Point, ...]
    in_tangents: tuple[Point, ...]
    out_tangents: tuple[Point, ...]

    def scaled(self, factor: float, offset: tuple[float, float]) -> SubPath:
        """This contour scaled by ``factor`` about the origin, then moved by ``offset``."""
        ox, oy = offset
        return SubPath(tuple((x * factor + ox, y * factor + oy) for x, y in self.vertices),
                       tuple((x * factor, y * factor) for x, y in self.in_tangents),
                       tuple((x * factor, y * factor) for x, y in self.out_tangents))

    def mapped(self, fn: Callable[[np.ndarray], np.ndarray]) -> SubPath:
        """This contour with every vertex and control point moved by ``fn`` ((N, 2) -> (N, 2))."""
        v = np.asarray(self.vertices, np.float64).reshape(-1, 2)
        i = v + np.asarray(self.in_tangents, np.float64).reshape(-1, 2)
        o = v + np.asarray(self.out_tangents, np.float64).reshape(-1, 2)
        moved = fn(np.concatenate([v, i, o]))
        n = len(v)
        mv, mi, mo = moved[:n], moved[n:2 * n], moved[2 * n:]
        return SubPath(tuple(map(tuple, mv.tolist())), tuple(map(tuple, (mi - mv).tolist())),
                       tuple(map(tuple, (mo - mv).tolist())))

    def control_points(self) -> np.ndarray:
        """Vertices and absolute control points (their convex hull bounds the curve)."""
        v = np.asarray(self.vertices, np.float64).reshape(-1, 2)
        i = v + np.asarray(self.in_tangents, np.float64).reshape(-1, 2)
        o = v + np.asarray(self.out_tangents, np.float64).reshape(-1, 2)
        return np.concatenate([v, i, o])


@dataclass(frozen=True)
class TracedPath:
    """A filled region: its contours (nonzero fill rule) and its sRGB colour."""

    color: tuple[int, int, int]
    subpaths: tuple[SubPath, ...]

    def scaled(self, factor: float, offset: tuple[float, float]) -> TracedPath:
        return TracedPath(self.color, tuple(s.scaled(factor, offset) for s in self.subpaths))

    def mapped(self, fn: Callable[[np.ndarray], np.ndarray]) -> TracedPath:
        return TracedPath(self.color, tuple(s.mapped(fn) for s in self.subpaths))


def subject_pixels(rgba: np.ndarray, palette: int | None = None) -> np.ndarray:
    """The drawing with hard alpha: subject opaque in its colour, background fully transparent.

    ``palette`` reduces the subject to its that-many most frequent colours first
    (:func:`snap_to_main_colours`), which snaps the blended colours along anti-aliased edges
    to a neighbour: fewer slivers.
    """
    arr = np.asarray(rgba)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 4:
        raise InvalidInputError(f"tracing needs an HxWx4 RGBA uint8 image, got {arr.dtype} {arr.shape}")
    out = arr.copy()
    keep = arr[..., 3] >= ALPHA_CUT
    out[..., 3] = np.where(keep, 255, 0)
    out[~keep, :3] = 0
    if palette and keep.any():
        out[..., :3][keep] = snap_to_main_colours(out[..., :3][keep], int(palette))
    return out


def snap_to_main_colours(rgb: np.ndarray, count: int) -> np.ndarray:
    """Every colour of ``rgb`` (N, 3) replaced by the nearest of its ``count`` most frequent colours.

    Flat art is a few exact colours over many pixels plus blends along the edges, each on a
    few pixels; keeping the most frequent colours keeps a small eye its own colour (a median
    cut would merge it into its neighbour) and sends the blends to a side.
    """
    packed = (rgb[:, 0].astype(np.int32) << 16) | (rgb[:, 1].astype(np.int32) << 8) | rgb[:, 2].astype(np.int32)
    values, inverse, counts = np.unique(packed, return_inverse=True, return_counts=True)
    colours = np.stack([(values >> 16) & 255, (values >> 8) & 255, values & 255], axis=1).astype(np.float32)
    main = colours[np.argsort(-counts, kind="stable")[:count]]
    nearest = np.argmin(((colours[:, None, :] - main[None, :, :]) ** 2).sum(axis=2), axis=1)
    return main[nearest][inverse.reshape(-1)].astype(np.uint8)


def rasterize(paths: list[TracedPath], width: int, height: int, supersample: int = 3) -> np.ndarray:
    """A quick RGBA render of ``paths`` (beziers flattened, even-odd per path, box-filtered).

    Used to compare tracing candidates with the drawing without a Lottie player.
    """
    from PIL import ImageDraw

    k = supersample
    canvas = Image.new("RGBA", (width * k, height * k), (0, 0, 0, 0))
    u = np.linspace(0.0, 1.0, 9)[1:, None]
    for path in paths:
        polys = []
        for sub in path.subpaths:
            v = np.asarray(sub.vertices, np.float64) * k
            p1 = v + np.asarray(sub.out_tangents, np.float64) * k
            p3 = np.roll(v, -1, axis=0)
            p2 = p3 + np.roll(np.asarray(sub.in_tangents, np.float64) * k, -1, axis=0)
            # (segments, steps, 2): every segment's start and 8 points along its cubic
            curve = (((1 - u) ** 3)[None] * v[:, None] + (3 * (1 - u) ** 2 * u)[None] * p1[:, None]
                     + (3 * (1 - u) * u * u)[None] * p2[:, None] + (u ** 3)[None] * p3[:, None])
            poly = np.concatenate([v[:, None], curve], axis=1).reshape(-1, 2)
            if len(poly) >= 3:
                polys.append(poly)
        if not polys:
            continue
        allp = np.concatenate(polys)
        x0, y0 = np.floor(allp.min(axis=0)).astype(int) - 1
        x1, y1 = np.ceil(allp.max(axis=0)).astype(int) + 1
        x0, y0 = max(0, x0), max(0, y0)
        x1, y1 = min(canvas.width, x1), min(canvas.height, y1)
        if x1 <= x0 or y1 <= y0:
            continue
        mask = np.zeros((y1 - y0, x1 - x0), bool)
        for poly in polys:
            layer = Image.new("1", (x1 - x0, y1 - y0), 0)
            ImageDraw.Draw(layer).polygon([(float(x) - x0, float(y) - y0) for x, y in poly], fill=1)
            mask ^= np.asarray(layer)
        canvas.paste((*path.color, 255), (int(x0), int(y0), int(x1), int(y1)), Image.fromarray(mask))
    small = canvas.convert("RGBa").resize((width, height), Image.Resampling.BOX)
    return np.asarray(small.convert("RGBA"))


def trace_rgba(rgba: np.ndarray, settings: TraceSettings = TraceSettings()) -> list[TracedPath]:
    """Filled paths of the subject, in paint order (later paths on top), pixel coordinates."""
    import vtracer  # type: ignore[import-untyped]

    hard = subject_pixels(rgba, settings.palette)
    if not hard[..., 3].any():
        raise InvalidInputError("the drawing has no opaque subject to trace (it is transparent)")
    buf = io.BytesIO()
    Image.fromarray(hard, "RGBA").save(buf, format="PNG", compress_level=1)
    svg = vtracer.convert_raw_image_to_svg(
        buf.getvalue(), img_format="png", colormode="color", hierarchical="stacked", mode=settings.mode,
        filter_speckle=settings.filter_speckle, color_precision=settings.color_precision,
        layer_difference=settings.layer_difference, corner_threshold=settings.corner_threshold,
        length_threshold=settings.length_threshold, splice_threshold=settings.splice_threshold,
        path_precision=3,
    )
    return parse_svg_paths(svg)


_PATH_RE = re.compile(r"<path\b([^>]*)/?>")
_ATTR_RE = re.compile(r'(\w[\w-]*)="([^"]*)"')
_TOKEN_RE = re.compile(r"[MLCQZmlcqz]|-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_TRANSLATE_RE = re.compile(r"translate\(\s*(-?[\d.eE+-]+)[\s,]+(-?[\d.eE+-]+)\s*\)")


def parse_svg_paths(svg: str) -> list[TracedPath]:
    """vtracer's ``<path d fill transform=translate>`` elements as :class:`TracedPath` values."""
    out: list[TracedPath] = []
    for match in _PATH_RE.finditer(svg):
        attrs = dict(_ATTR_RE.findall(match.group(1)))
        fill = attrs.get("fill", "")
        if not re.fullmatch(r"#[0-9A-Fa-f]{6}", fill):
            continue
        color = (int(fill[1:3], 16), int(fill[3:5], 16), int(fill[5:7], 16))
        dx = dy = 0.0
        tm = _TRANSLATE_RE.search(attrs.get("transform", ""))
        if tm:
            dx, dy = float(tm.group(1)), float(tm.group(2))
        subpaths = parse_path_data(attrs.get("d", ""), dx, dy)
        if subpaths:
            out.append(TracedPath(color, tuple(subpaths)))
    return out


def parse_path_data(d: str, dx: float = 0.0, dy: float = 0.0) -> list[SubPath]:
    """Absolute/relative M, L, C, Q, Z path data -> closed bezier contours (offset by dx, dy)."""
    tokens = _TOKEN_RE.findall(d)
    contours: list[SubPath] = []
    verts: list[list[float]] = []
    ins: list[list[float]] = []
    outs: list[list[float]] = []
    cur = [0.0, 0.0]
    start = [0.0, 0.0]
    cmd = ""
    k = 0

    def num() -> float:
        nonlocal k
        value = float(tokens[k])
        k += 1
        return value

    def finish() -> None:
        if len(verts) >= 2:
            if np.hypot(verts[-1][0] - verts[0][0], verts[-1][1] - verts[0][1]) < 1e-6:
                ins[0] = ins[-1]  # the closing vertex repeats the first: merge them
                verts.pop()
                ins.pop()
                outs.pop()
            if len(verts) >= 2:
                contours.append(SubPath(
                    tuple((v[0] + dx, v[1] + dy) for v in verts),
                    tuple((t[0], t[1]) for t in ins), tuple((t[0], t[1]) for t in outs)))
        verts.clear()
        ins.clear()
        outs.clear()

    while k < len(tokens):
        tok = tokens[k]
        if tok.isalpha():
            cmd = tok
            k += 1
            if cmd in "Zz":
                finish()
                cur = list(start)
                continue
        elif not cmd:
            raise InvalidInputError("the traced SVG path data is malformed")
        rel = cmd.islower()
        base = cur if rel else [0.0, 0.0]
        c = cmd.upper()
        try:
            if c == "M":
                finish()
                cur = [base[0] + num(), base[1] + num()]
                start = list(cur)
                verts.append(list(cur))
                ins.append([0.0, 0.0])
                outs.append([0.0, 0.0])
                cmd = "l" if rel else "L"  # further pairs are line-tos
            elif c == "L":
                cur = [base[0] + num(), base[1] + num()]
                verts.append(list(cur))
                ins.append([0.0, 0.0])
                outs.append([0.0, 0.0])
            elif c == "C":
                c1 = [base[0] + num(), base[1] + num()]
                c2 = [base[0] + num(), base[1] + num()]
                end = [base[0] + num(), base[1] + num()]
                outs[-1] = [c1[0] - verts[-1][0], c1[1] - verts[-1][1]]
                verts.append(end)
                ins.append([c2[0] - end[0], c2[1] - end[1]])
                outs.append([0.0, 0.0])
                cur = end
            elif c == "Q":  # quadratic -> cubic
                q = [base[0] + num(), base[1] + num()]
                end = [base[0] + num(), base[1] + num()]
                p0 = verts[-1]
                outs[-1] = [2.0 / 3.0 * (q[0] - p0[0]), 2.0 / 3.0 * (q[1] - p0[1])]
                verts.append(end)
                ins.append([2.0 / 3.0 * (q[0] - end[0]), 2.0 / 3.0 * (q[1] - end[1])])
                outs.append([0.0, 0.0])
                cur = end
            else:
                raise InvalidInputError(f"the traced SVG uses an unsupported path command {cmd!r}")
        except (IndexError, ValueError):
            raise InvalidInputError("the traced SVG path data is truncated") from None
    finish()
    return contours
