"""Textured triangles on premultiplied alpha, vectorised numpy.

:func:`draw_mesh` composites a deformed textured mesh: triangle ids of the covered pixel
centres (Pillow's polygon fill, C), one affine per triangle back to the rest texture
(snapped, so rest and whole-pixel moves reproduce the texels exactly), and :func:`bilinear`
(or nearest, for pixel art) on a padded premultiplied texture, each texel gathered as one
16-byte word. :func:`warp_affine` resamples a whole texture under one affine map (two
separable passes when it does not turn). :func:`cover` (every pixel centre inside a
triangle, exact on edges) is what the mesh builder checks its coverage with.
Pixel centres are whole numbers.
"""

from __future__ import annotations

import threading
import weakref

import numpy as np

#: Pixel centres on an edge count as inside (frame 0 exact on the mesh boundary).
INSIDE_EPS = 1e-7


def _pixel_boxes(p: np.ndarray, h: int, w: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per triangle (``p``: T,3,2) the first and last pixel column and row whose centre its box holds."""
    xmin = np.clip(np.ceil(p[:, :, 0].min(1) - 1e-9), 0, w).astype(np.int64)
    xmax = np.clip(np.floor(p[:, :, 0].max(1) + 1e-9), -1, w - 1).astype(np.int64)
    ymin = np.clip(np.ceil(p[:, :, 1].min(1) - 1e-9), 0, h).astype(np.int64)
    ymax = np.clip(np.floor(p[:, :, 1].max(1) + 1e-9), -1, h - 1).astype(np.int64)
    return xmin, xmax, ymin, ymax


def cover(vertices: np.ndarray, triangles: np.ndarray, shape: tuple[int, int]
          ) -> tuple[np.ndarray, np.ndarray]:
    """(flat pixel index, triangle index), one row per covered pixel centre."""
    h, w = shape
    p = vertices[triangles]  # T,3,2
    xmin, xmax, ymin, ymax = _pixel_boxes(p, h, w)
    bw = np.maximum(xmax - xmin + 1, 0)
    bh = np.maximum(ymax - ymin + 1, 0)
    a, b, c = p[:, 0], p[:, 1], p[:, 2]
    v0, v1 = b - a, c - a
    d = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
    ok = np.abs(d) > 1e-12
    sizes = np.where(ok, bw * bh, 0)
    total = int(sizes.sum())
    if total == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    tid = np.repeat(np.arange(len(triangles)), sizes)
    starts = np.cumsum(sizes) - sizes
    off = np.arange(total) - starts[tid]
    bwt = bw[tid]
    px = xmin[tid] + off % bwt
    py = ymin[tid] + off // bwt
    dd = np.where(ok, d, 1.0)
    inv = 1.0 / dd
    # l1 = A1*(x-ax) + B1*(y-ay);  l2 = A2*(x-ax) + B2*(y-ay)
    a1, b1 = (v1[:, 1] * inv)[tid], (-v1[:, 0] * inv)[tid]
    a2, b2 = (-v0[:, 1] * inv)[tid], (v0[:, 0] * inv)[tid]
    rx = px - a[tid, 0]
    ry = py - a[tid, 1]
    l1 = a1 * rx + b1 * ry
    l2 = a2 * rx + b2 * ry
    l0 = 1.0 - l1 - l2
    inside = (l0 >= -INSIDE_EPS) & (l1 >= -INSIDE_EPS) & (l2 >= -INSIDE_EPS)
    return (py * w + px)[inside], tid[inside]


def covered_mask(vertices: np.ndarray, triangles: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """HxW bool: the pixel centres inside some triangle (the pixels :func:`cover` lists, by the same test).

    The same barycentric test on the same (pixel, triangle) pairs, about twice as fast: the pairs are
    laid out row by row (no integer division), a row's ``y`` terms are computed once, and which triangle
    covers a pixel is not kept.
    """
    h, w = shape
    out = np.zeros(h * w, bool)
    if len(triangles) == 0:
        return out.reshape(h, w)
    p = vertices[triangles]  # T,3,2
    xmin, xmax, ymin, ymax = _pixel_boxes(p, h, w)
    bw = np.maximum(xmax - xmin + 1, 0)
    a, b, c = p[:, 0], p[:, 1], p[:, 2]
    v0, v1 = b - a, c - a
    d = v0[:, 0] * v1[:, 1] - v1[:, 0] * v0[:, 1]
    ok = np.abs(d) > 1e-12
    bh = np.where(ok & (bw > 0), np.maximum(ymax - ymin + 1, 0), 0)
    rows = int(bh.sum())
    if rows == 0:
        return out.reshape(h, w)
    inv = 1.0 / np.where(ok, d, 1.0)
    a1, b1 = v1[:, 1] * inv, -v1[:, 0] * inv
    a2, b2 = -v0[:, 1] * inv, v0[:, 0] * inv
    # one entry per (triangle, row): its y, the y terms of l1 and l2
    tr = np.repeat(np.arange(len(triangles)), bh)
    y = ymin[tr] + (np.arange(rows) - (np.cumsum(bh) - bh)[tr])
    ry = y - a[tr, 1]
    c1, c2 = b1[tr] * ry, b2[tr] * ry
    # one entry per (triangle, pixel centre)
    width = bw[tr]
    row = np.repeat(np.arange(rows), width)
    tid = tr[row]
    px = xmin[tid] + (np.arange(len(row)) - (np.cumsum(width) - width)[row])
    rx = px - a[tid, 0]
    l1 = a1[tid] * rx
    l1 += c1[row]
    l2 = a2[tid] * rx
    l2 += c2[row]
    l0 = 1.0 - l1
    l0 -= l2
    inside = (l0 >= -INSIDE_EPS) & (l1 >= -INSIDE_EPS) & (l2 >= -INSIDE_EPS)
    out[(y[row] * w + px)[inside]] = True
    return out.reshape(h, w)


def premultiplied(rgba: np.ndarray) -> np.ndarray:
    """HxWx4 float32, colour premultiplied by alpha, 0..255."""
    f = rgba.astype(np.float32)
    f[..., :3] *= f[..., 3:4] / 255.0
    return f


def to_straight_uint8(premul: np.ndarray) -> np.ndarray:
    """Straight RGBA uint8 from premultiplied float: only soft pixels need the division; transparent ones are 0."""
    o = np.rint(premul)
    np.clip(o, 0, 255, out=o)
    out = o.astype(np.uint8)
    # the soft pixels are the few whose alpha rounds to 1..254 (one pass over the uint8 alpha; a wraps
    # to 255 under the subtraction): only they need the division. A pixel whose alpha rounds to 0 is
    # left transparent by the rounding itself (premultiplied colour <= alpha < 0.5), or is zeroed below.
    alpha = out[..., 3]
    soft = np.flatnonzero((alpha - np.uint8(1)) < np.uint8(254))
    if len(soft):
        q = premul.reshape(-1, 4)[soft]
        a = q[:, 3]
        exact = a < np.float32(254.5)  # alpha 254.5 rounds to 254 (half to even) but counts as opaque
        if not exact.all():
            soft, q = soft[exact], q[exact]
        rgb = q[:, :3] * (np.float32(255.0) / q[:, 3:4])
        np.rint(rgb, out=rgb)
        np.clip(rgb, 0, 255, out=rgb)
        out.reshape(-1, 4)[soft, :3] = rgb
    # rounds to transparent: no stray colour (where the colour did not round to 0 by itself)
    words = out.reshape(-1, 4).view(np.uint32)[:, 0]
    stray = np.flatnonzero((alpha.reshape(-1) == 0) & (words != 0))
    if len(stray):
        out.reshape(-1, 4)[stray] = 0
    return out


def _affines(src: np.ndarray, dst: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """T x 6 affine maps (a, b, c, d, e, f): dst = (a x + b y + c, d x + e y + f) for src triangle points."""
    p, q = src[triangles], dst[triangles]
    m = np.stack([p[:, 1] - p[:, 0], p[:, 2] - p[:, 0]], 2)  # T,2,2 (columns: edges)
    n = np.stack([q[:, 1] - q[:, 0], q[:, 2] - q[:, 0]], 2)
    det = m[:, 0, 0] * m[:, 1, 1] - m[:, 0, 1] * m[:, 1, 0]
    det = np.where(np.abs(det) < 1e-12, 1e-12, det)
    adj = np.stack([np.stack([m[:, 1, 1], -m[:, 0, 1]], 1), np.stack([-m[:, 1, 0], m[:, 0, 0]], 1)], 1)
    inv = adj / det[:, None, None]
    lin = n @ inv  # T,2,2
    off = q[:, 0] - (lin @ p[:, 0][..., None])[..., 0]
    return np.concatenate([lin[:, 0, :], off[:, :1], lin[:, 1, :], off[:, 1:]], 1)


def padded_premultiplied(rgba: np.ndarray) -> np.ndarray:
    """(H+2) x (W+2) x 4 float32 premultiplied texture with a one-pixel transparent border (for :func:`bilinear`)."""
    out = np.zeros((rgba.shape[0] + 2, rgba.shape[1] + 2, 4), np.float32)
    out[1:-1, 1:-1] = premultiplied(rgba)
    return out


def _texel_words(padded: np.ndarray) -> np.ndarray:
    """The padded texture's texels as one 16-byte word each (a gather moves a whole texel)."""
    return padded.reshape(-1, 4).view(np.complex128)[:, 0]


def bilinear(padded: np.ndarray, sx: np.ndarray, sy: np.ndarray, nearest: bool = False,
             snap: bool = True) -> np.ndarray:
    """Premultiplied N x 4 samples of a :func:`padded_premultiplied` texture at (sx, sy), unpadded float32 coordinates.

    Outside the texture is transparent. Bilinear on premultiplied colour (whole texels
    gathered as 16-byte words), or nearest. With ``snap``, coordinates within 1e-3 px of a
    pixel centre snap to it, so frame 0 and whole-pixel moves reproduce the texels exactly
    (callers that snap their affine maps instead pass False). ``sx`` and ``sy`` may be reused.
    """
    hp, wp = padded.shape[:2]
    words = _texel_words(padded)
    if nearest:
        ix = np.floor(sx + np.float32(1.5)).astype(np.int64)
        iy = np.floor(sy + np.float32(1.5)).astype(np.int64)
        outside = (ix < 1) | (ix > wp - 2) | (iy < 1) | (iy > hp - 2)
        idx = np.clip(iy, 0, hp - 1) * wp + np.clip(ix, 0, wp - 1)
        idx[outside] = 0  # the transparent corner
        return words.take(idx).view(np.float32).reshape(-1, 4)
    if snap:
        r = np.rint(sx)
        sx = np.where(np.abs(sx - r) < 1e-3, r, sx)
        r = np.rint(sy)
        sy = np.where(np.abs(sy - r) < 1e-3, r, sy)
    # the work arrays are this thread's, reused from call to call: fresh ones of this size cost the kernel a
    # mapping and zeroing each (about as much as the arithmetic); only the result ``a`` is a new array
    n = len(sx)
    sx = np.add(sx, np.float32(1.0), out=sx if sx.flags.writeable else None)
    np.clip(sx, 0.0, np.float32(wp - 1), out=sx)
    sy = np.add(sy, np.float32(1.0), out=sy if sy.flags.writeable else None)
    np.clip(sy, 0.0, np.float32(hp - 1), out=sy)
    fx = np.floor(sx, out=_scratch("fx", n, sx.dtype))
    np.minimum(fx, np.float32(wp - 2), out=fx)
    fy = np.floor(sy, out=_scratch("fy", n, sy.dtype))
    np.minimum(fy, np.float32(hp - 2), out=fy)
    i = _scratch("i", n, np.int64)
    j = _scratch("j", n, np.int64)
    np.copyto(i, fy, casting="unsafe")
    i *= wp
    np.copyto(j, fx, casting="unsafe")
    i += j
    fx = np.subtract(sx, fx, out=fx)[:, None]  # fractions
    fy = np.subtract(sy, fy, out=fy)[:, None]
    a = words.take(i).view(np.float32).reshape(-1, 4)
    flat = flat_texels(padded)
    if flat is not None:
        # where the four texels are one (a flat fill: most of a vector drawing) every step below adds an exact
        # zero, so the sample is that texel: only the other samples are worked out, the same way
        mixed = np.flatnonzero(~flat.take(i))
        if len(mixed) < n // 2:  # (a textured drawing: all four gathers for every sample, below)
            if len(mixed):
                a[mixed] = _blend(words, wp, i.take(mixed), a[mixed], fx.take(mixed, axis=0),
                                  fy.take(mixed, axis=0))
            return a
    return _blend(words, wp, i, a, fx, fy)


def _blend(words: np.ndarray, wp: int, i: np.ndarray, a: np.ndarray, fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """:func:`bilinear`'s blend of the texels at ``i``, ``i + 1``, ``i + wp``, ``i + wp + 1`` (``a``: those at
    ``i``, overwritten and returned), with the fractions ``fx``, ``fy`` (N x 1), for every sample or only the
    mixed ones; the gathers land in this thread's work arrays."""
    n = len(i)
    j = np.add(i, 1, out=_scratch("j", n, np.int64))
    b = words.take(j, out=_scratch("b", n, np.complex128)).view(np.float32).reshape(-1, 4)
    b -= a
    b *= fx
    a += b  # top row
    c = words.take(np.add(i, wp, out=j), out=_scratch("c", n, np.complex128)).view(np.float32).reshape(-1, 4)
    j += 1
    d = words.take(j, out=_scratch("d", n, np.complex128)).view(np.float32).reshape(-1, 4)
    d -= c
    d *= fx
    c += d  # bottom row
    c -= a
    c *= fy
    a += c
    return a


#: per texture (by identity, while it lives): its :func:`flat_texels`; textures are not changed once sampled
_FLAT: dict[int, tuple[weakref.ReferenceType[np.ndarray], np.ndarray | None]] = {}
_FLAT_LOCK = threading.Lock()
_FLAT_KEEP = 32


def flat_texels(padded: np.ndarray) -> np.ndarray | None:
    """Per texel of a padded premultiplied texture (flat, hp * wp): whether it and its right, lower and
    lower-right neighbours hold the very same bits, so a bilinear sample between them is that texel exactly
    (none on the last row and column). None when a value of the texture has its sign bit set (a negative zero,
    where adding an exact zero would change the bits), or it is not a contiguous h x w x 4 float32 array.
    Made once per texture and kept while the texture lives."""
    key = id(padded)
    with _FLAT_LOCK:
        got = _FLAT.get(key)
        if got is not None and got[0]() is padded:
            return got[1]
    flat: np.ndarray | None = None
    if padded.dtype == np.float32 and padded.ndim == 3 and padded.shape[2] == 4 and padded.flags.c_contiguous \
            and padded.size and int(padded.view(np.int32).min()) >= 0:
        # no sign bit set anywhere (no negative zero, no negative value or NaN): equal texels as complex words
        # are then equal bit for bit (a NaN texel equals nothing, so it is never flat)
        hp, wp = padded.shape[:2]
        words = padded.view(np.complex128)[..., 0]  # hp x wp, a texel a word
        right = words[:, :-1] == words[:, 1:]            # texel == its right neighbour
        same = np.zeros((hp, wp), bool)
        np.logical_and(right[:-1], right[1:], out=same[:-1, :-1])  # ... on this row and the next
        same[:-1, :-1] &= words[:-1, :-1] == words[1:, :-1]        # and == the one below
        flat = same.reshape(-1)
    try:
        ref = weakref.ref(padded)
    except TypeError:
        return flat
    with _FLAT_LOCK:
        for dead in [k for k, (r, _) in _FLAT.items() if r() is None]:
            del _FLAT[dead]
        while len(_FLAT) >= _FLAT_KEEP:
            _FLAT.pop(next(iter(_FLAT)))
        _FLAT[key] = (ref, flat)
    return flat


_SCRATCH = threading.local()


def _scratch(slot: str, n: int, dtype: np.typing.DTypeLike) -> np.ndarray:
    """A work array of ``n`` items for this thread, kept between calls (grown when a call needs more)."""
    store: dict[str, np.ndarray] | None = getattr(_SCRATCH, "arrays", None)
    if store is None:
        store = _SCRATCH.arrays = {}
    buf = store.get(slot)
    if buf is None or buf.size < n or buf.dtype != np.dtype(dtype):
        buf = np.empty(max(n, 4096), dtype)
        store[slot] = buf
    return buf[:n]


def over(dst: np.ndarray, src: np.ndarray) -> None:
    """``dst`` = ``src`` over ``dst`` in place (premultiplied float32, same shape)."""
    alpha = src[..., 3:4] * np.float32(-1.0 / 255.0)
    alpha += np.float32(1.0)
    dst *= alpha
    dst += src


def draw_mesh(canvas: np.ndarray, padded: np.ndarray, rest: np.ndarray, deformed: np.ndarray,
              triangles: np.ndarray, offset: tuple[float, float] = (0.0, 0.0), nearest: bool = False) -> None:
    """Composite one textured mesh over ``canvas`` (HxWx4 float32 premultiplied), in place.

    ``padded`` is the layer's :func:`padded_premultiplied` texture, ``rest`` the vertices in its
    (unpadded) coordinates, ``deformed`` in canvas coordinates minus ``offset``. Works on the
    mesh's bounding box only: a triangle-id image (Pillow's polygon fill, C), one affine per
    triangle back to the rest texture, one gather per texel corner.
    """
    h, w = canvas.shape[:2]
    verts = deformed + np.asarray(offset, np.float64)[None, :]
    p = verts[triangles]
    x0 = int(max(0, np.floor(p[:, :, 0].min()) - 1))
    y0 = int(max(0, np.floor(p[:, :, 1].min()) - 1))
    x1 = int(min(w, np.ceil(p[:, :, 0].max()) + 2))
    y1 = int(min(h, np.ceil(p[:, :, 1].max()) + 2))
    if x1 <= x0 or y1 <= y0 or len(triangles) == 0:
        return
    ids = _triangle_ids(p - np.array([x0, y0], np.float64), (x1 - x0, y1 - y0))
    bw = x1 - x0
    nz = np.flatnonzero(ids)  # covered pixels only (a layer's box is about half empty)
    if len(nz) == 0:
        return
    tid = ids.reshape(-1).take(nz)
    row, colm = np.divmod(nz, bw)
    # affine back to the rest texture per triangle, in the box's own pixel coordinates (small
    # numbers: float32 stays within 1e-4 px); snapped so rest and whole-pixel moves stay exact
    aff = np.empty((len(triangles) + 1, 6), np.float64)
    aff[0] = 0.0
    aff[1:] = _affines(verts - np.array([x0, y0], np.float64), rest, triangles)
    coef = np.ascontiguousarray(snap_affine(aff).T.astype(np.float32))  # 6 x (T + 1): one gather each
    xs = colm.astype(np.float32)
    ys = row.astype(np.float32)
    sx = coef[0].take(tid)
    sx *= xs
    sx += coef[1].take(tid) * ys
    sx += coef[2].take(tid)
    sy = coef[3].take(tid)
    sy *= xs
    sy += coef[4].take(tid) * ys
    sy += coef[5].take(tid)
    col = bilinear(padded, sx, sy, nearest, snap=False)
    # composite over what is there: gather, blend, scatter whole 16-byte pixels
    words = canvas.reshape(-1, 4).view(np.complex128)[:, 0]
    at = (row + y0) * w + (colm + x0)
    under = words.take(at).view(np.float32).reshape(-1, 4)
    over(under, col)
    words[at] = under.view(np.complex128)[:, 0]


def snap_affine(aff: np.ndarray) -> np.ndarray:
    """N x 6 affines (a, b, c, d, e, f) with near-whole coefficients made whole (1e-6 linear, 1e-3 offsets)."""
    out = aff.copy()
    r = np.rint(out)
    tol = np.array([1e-6, 1e-6, 1e-3, 1e-6, 1e-6, 1e-3])
    near = np.abs(out - r) < tol
    out[near] = r[near]
    return out


def _triangle_ids(p: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Triangle id + 1 of every pixel centre of a ``size`` (w, h) box (0: none); Pillow's polygon fill."""
    from PIL import Image, ImageDraw

    img = Image.new("I", size, 0)
    # the C drawing object directly (ImageDraw.polygon's argument handling costs more than the fill);
    # in mode "I" an id is its own ink
    fill = ImageDraw.Draw(img).draw.draw_polygon
    for i, tri in enumerate(p.reshape(len(p), 6).tolist(), 1):
        fill(tri, i, 1)
    return np.asarray(img, dtype=np.int32)


def warp_affine(canvas: np.ndarray, padded: np.ndarray, inverse: np.ndarray, box: tuple[int, int, int, int],
                nearest: bool = False, cover: np.ndarray | None = None) -> None:
    """Write into ``canvas`` (float32 premultiplied, cleared) the texture under an affine map, within ``box``.

    ``inverse`` (2 x 3) maps canvas pixel centres (x, y) to unpadded texture coordinates;
    ``box`` (x0, y0, x1, y1) is clipped to the canvas. ``cover`` (:func:`footprint` of the
    texture) limits the sampling to pixels that can land on something visible.
    """
    _affine_resample(canvas, padded, inverse, box, nearest, cover, composite=False)


def draw_affine(canvas: np.ndarray, padded: np.ndarray, inverse: np.ndarray, box: tuple[int, int, int, int],
                nearest: bool = False, cover: np.ndarray | None = None) -> None:
    """Composite over ``canvas`` (float32 premultiplied) the texture under an affine map, within ``box``.

    What :func:`draw_mesh` draws for a mesh every vertex of which that map moved (a layer turned,
    scaled or squashed as a whole: :func:`affine_fit`), without its per-triangle work: one map for
    every pixel, two separable passes when it does not turn. Arguments as :func:`warp_affine`'s.
    """
    _affine_resample(canvas, padded, inverse, box, nearest, cover, composite=True)


def warp_affine_straight(frame: np.ndarray, box: tuple[int, int, int, int], padded: np.ndarray,
                         inverse: np.ndarray, nearest: bool = False, cover: np.ndarray | None = None) -> None:
    """:func:`warp_affine` into a cleared straight RGBA uint8 ``frame``'s ``box`` (x0, y0, x1, y1, inside the frame),
    ``inverse`` mapping the box's own pixel centres: the same pixels as ``to_straight_uint8`` of a float box
    :func:`warp_affine` filled, without the box-sized float buffer (only the sampled pixels are converted)."""
    x0, y0, x1, y1 = box
    if x1 <= x0 or y1 <= y0:
        return
    m = snap_affine(np.asarray(inverse, np.float64).reshape(1, 6)).reshape(2, 3)
    keep, col = _affine_samples(padded, m, m[:, 2], (x1 - x0, y1 - y0), nearest, cover)
    if keep is None:
        frame[y0:y1, x0:x1] = to_straight_uint8(col)
        return
    if len(keep) == 0:
        return
    row, colm = np.divmod(keep, x1 - x0)
    straight = to_straight_uint8(col)
    if frame.flags.c_contiguous:
        frame.reshape(-1, 4).view(np.uint32)[:, 0][(row + y0) * frame.shape[1] + (colm + x0)] = \
            straight.view(np.uint32)[:, 0]
    else:
        frame[row + y0, colm + x0] = straight


def _affine_samples(padded: np.ndarray, m: np.ndarray, c: np.ndarray, size: tuple[int, int], nearest: bool,
                    cover: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray]:
    """The texture on a (w, h) box under ``x -> m[:, :2] @ x + c`` (box pixel centres to unpadded texture
    coordinates; ``m`` snapped): (None, h x w x 4) for the whole box, or (flat indices into the box, N x 4)
    of the pixels that can land on something visible (``cover``); premultiplied float32."""
    w, h = size
    if m[0, 1] == 0.0 and m[1, 0] == 0.0:  # no turn: bilinear is separable, two passes of whole rows/columns
        return None, _warp_separable(padded, (m[0, 0], c[0]), (m[1, 1], c[1]), (w, h), nearest)
    xs = np.arange(w, dtype=np.float32)[None, :]
    ys = np.arange(h, dtype=np.float32)[:, None]
    f = m.astype(np.float32)
    if cover is None:
        sx = (f[0, 0] * xs + (f[0, 1] * ys + np.float32(c[0]))).reshape(-1)
        sy = (f[1, 0] * xs + (f[1, 1] * ys + np.float32(c[1]))).reshape(-1)
        return None, bilinear(padded, sx, sy, nearest, snap=False).reshape(h, w, 4)
    # every pixel of the box is looked up in the footprint: this thread's work arrays, not fresh ones
    n = w * h
    sx = np.add(f[0, 0] * xs, f[0, 1] * ys + np.float32(c[0]), out=_scratch("sx", n, np.float32).reshape(h, w))
    sy = np.add(f[1, 0] * xs, f[1, 1] * ys + np.float32(c[1]), out=_scratch("sy", n, np.float32).reshape(h, w))
    hp, wp = cover.shape
    t = _scratch("t", n, np.float32).reshape(h, w)
    ix = _scratch("ix", n, np.int64).reshape(h, w)
    iy = _scratch("iy", n, np.int64).reshape(h, w)
    np.add(sx, np.float32(1.0), out=t)
    np.floor(t, out=t)
    np.clip(t, 0, wp - 1, out=t)
    np.copyto(ix, t, casting="unsafe")
    np.add(sy, np.float32(1.0), out=t)
    np.floor(t, out=t)
    np.clip(t, 0, hp - 1, out=t)
    np.copyto(iy, t, casting="unsafe")
    iy *= wp
    iy += ix
    keep = np.flatnonzero(cover.reshape(-1).take(iy.reshape(-1), out=_scratch("cv", n, np.bool_)))
    if len(keep) == 0:
        return keep, np.zeros((0, 4), np.float32)
    return keep, bilinear(padded, sx.reshape(-1).take(keep), sy.reshape(-1).take(keep), nearest, snap=False)


def _affine_resample(canvas: np.ndarray, padded: np.ndarray, inverse: np.ndarray, box: tuple[int, int, int, int],
                     nearest: bool, cover: np.ndarray | None, composite: bool) -> None:
    h, w = canvas.shape[:2]
    x0, y0 = max(0, box[0]), max(0, box[1])
    x1, y1 = min(w, box[2]), min(h, box[3])
    if x1 <= x0 or y1 <= y0:
        return
    m = snap_affine(np.asarray(inverse, np.float64).reshape(1, 6)).reshape(2, 3)
    # the box's own coordinates (small numbers for float32)
    c = m[:, 2] + m[:, 0] * x0 + m[:, 1] * y0
    region = canvas[y0:y1, x0:x1]
    keep, col = _affine_samples(padded, m, c, (x1 - x0, y1 - y0), nearest, cover)
    if keep is None:
        if composite:
            over(region, col)  # (transparent texels leave the canvas as it was, exactly)
        else:
            region[...] = col
        return
    if len(keep) == 0:
        return
    if not composite and region.flags.c_contiguous:
        region.reshape(-1, 4).view(np.complex128)[:, 0][keep] = col.view(np.complex128)[:, 0]
        return
    row, colm = np.divmod(keep, x1 - x0)
    if not canvas.flags.c_contiguous:
        if composite:
            under = region[row, colm]
            over(under, col)
            col = under
        region[row, colm] = col
        return
    # whole 16-byte pixels of the canvas: gather, blend, scatter
    at = (row + y0) * w + (colm + x0)
    words = canvas.reshape(-1, 4).view(np.complex128)[:, 0]
    if composite:
        under = words.take(at).view(np.float32).reshape(-1, 4)
        over(under, col)
        col = under
    words[at] = col.view(np.complex128)[:, 0]


def fit_basis(rest: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Three spread-out points of ``rest`` (N x 2: the leftmost, the rightmost and the one farthest from the
    line through them) and the inverse of their two edges, for :func:`affine_fit`; None when they lie on a line."""
    if len(rest) < 3:
        return None
    i0, i1 = int(np.argmin(rest[:, 0])), int(np.argmax(rest[:, 0]))
    d = rest - rest[i0]
    e = rest[i1] - rest[i0]
    i2 = int(np.argmax(np.abs(d[:, 0] * e[1] - d[:, 1] * e[0])))
    basis = np.stack([rest[i1] - rest[i0], rest[i2] - rest[i0]], 1)  # columns: two edges
    if abs(float(np.linalg.det(basis))) < 1e-6:
        return None
    return np.array([i0, i1, i2]), np.linalg.inv(basis)


def affine_fit(rest: np.ndarray, moved: np.ndarray, tol: float = 1e-6,
               basis: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray | None:
    """The 2 x 3 map ``[A | t]`` with ``moved = A @ rest + t`` for every point (N x 2, within ``tol`` px),
    or None when the points did not move by one invertible affine map (a bent mesh).

    The map is solved from three spread-out points of ``rest`` (``basis``: :func:`fit_basis` of it, made
    here when not given) and checked on all of them."""
    if rest.shape != moved.shape:
        return None
    basis = basis if basis is not None else fit_basis(rest)
    if basis is None:
        return None
    (i0, i1, i2), inv = basis
    a = np.stack([moved[i1] - moved[i0], moved[i2] - moved[i0]], 1) @ inv
    if not np.isfinite(a).all() or abs(a[0, 0] * a[1, 1] - a[0, 1] * a[1, 0]) < 1e-6:
        return None
    t = moved[i0] - a @ rest[i0]
    residual = rest @ a.T
    residual += t
    residual -= moved
    if np.abs(residual).max() > tol:
        return None
    return np.concatenate([a, t[:, None]], 1)


def invert_affine(m: np.ndarray) -> np.ndarray:
    """The inverse of a 2 x 3 affine map."""
    inv = np.linalg.inv(m[:, :2])
    return np.concatenate([inv, (-inv @ m[:, 2])[:, None]], 1)


def _axis_taps(scale: float, offset: float, n: int, size: int, nearest: bool
               ) -> tuple[np.ndarray, np.ndarray | None]:
    """Padded texel index and (bilinear) weight of the next texel for ``n`` output pixels along one axis."""
    s = np.arange(n, dtype=np.float64) * scale + offset + 1.0  # padded coordinates
    if nearest:
        i = np.floor(s + 0.5).astype(np.int64)
        return np.where((i >= 1) & (i <= size - 2), i, 0), None
    s = np.clip(s, 0.0, size - 1.0)
    i = np.minimum(np.floor(s), size - 2.0)
    return i.astype(np.int64), (s - i).astype(np.float32)


def _warp_separable(padded: np.ndarray, sx: tuple[float, float], sy: tuple[float, float],
                    size: tuple[int, int], nearest: bool) -> np.ndarray:
    """The texture at x' = a x + c, y' = b y + d for a ``size`` (w, h) box: columns, then rows.

    The same bilinear (or nearest) samples as :func:`bilinear`, in two passes over whole
    rows and columns instead of four gathers a pixel; a whole-pixel move copies texels exactly.
    """
    hp, wp = padded.shape[:2]
    w, h = size
    ix, fx = _axis_taps(sx[0], sx[1], w, wp, nearest)
    iy, fy = _axis_taps(sy[0], sy[1], h, hp, nearest)
    if nearest or fx is None or fy is None:
        return padded.take(iy, axis=0).take(ix, axis=1)
    lo, hi = int(iy.min()), int(iy.max()) + 2  # only the texture rows the output reaches
    rows = padded[lo:hi]
    left = rows.take(ix, axis=1)
    right = rows.take(ix + 1, axis=1)
    right -= left
    right *= np.repeat(fx, 4).reshape(1, w, 4)
    left += right  # h_rows x w x 4
    top = left.take(iy - lo, axis=0)
    bottom = left.take(iy + 1 - lo, axis=0)
    bottom -= top
    bottom *= fy[:, None, None]
    top += bottom
    return top


def footprint(padded: np.ndarray) -> np.ndarray:
    """Texels of a padded texture whose bilinear neighbourhood holds a visible texel (alpha > 0, grown by 1)."""
    from scipy import ndimage

    return ndimage.binary_dilation(padded[..., 3] > 0.0, structure=np.ones((3, 3), bool))


def paste_layer(canvas: np.ndarray, texture: np.ndarray, at: tuple[int, int]) -> None:
    """Composite an unmoved layer (its premultiplied texture) over ``canvas`` at whole-pixel ``at`` (x, y)."""
    h, w = canvas.shape[:2]
    th, tw = texture.shape[:2]
    x, y = at
    cx0, cy0 = max(0, x), max(0, y)
    cx1, cy1 = min(w, x + tw), min(h, y + th)
    if cx1 <= cx0 or cy1 <= cy0:
        return
    over(canvas[cy0:cy1, cx0:cx1], texture[cy0 - y:cy1 - y, cx0 - x:cx1 - x])
