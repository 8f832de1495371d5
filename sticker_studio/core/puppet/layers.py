"""The puppet: a drawing cut into overlapping part layers, each a mesh with ARAP pins.

Parts (from the rig's label map, or every pixel given to its nearest bone) become
layers drawn back to front: tail, ears, legs, body, head, arms. A layer's texture is
its own pixels plus a band of the neighbouring part's *opaque* pixels around the
attachment line (so a bent joint shows no gap), and the body (or head) layer carries a
fill under the opaque pixels of the parts drawn over it (nearest body colour, within a
short reach), which is what a lifted arm uncovers. With every layer at rest the
composite is the drawing exactly: over an opaque pixel nothing underneath shows, and
a part's soft (anti-aliased) pixels are in that part's layer only.

Each layer's pins are points sampled along its bones; a point follows the transform of
the bone's parent joint (forward kinematics), so a rigid pose moves a layer rigidly
and ARAP bends it smoothly at the joints.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import ndimage

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.puppet.arap import ArapSolver
from sticker_studio.core.puppet.mesh import Mesh, build_mesh, default_spacing, edt_at, locate
from sticker_studio.core.puppet.pose import CharacterPose, JointTransform, forward_kinematics, root_affine
from sticker_studio.core.puppet.raster import (
    affine_fit,
    draw_affine,
    draw_mesh,
    fit_basis,
    footprint,
    invert_affine,
    over,
    padded_premultiplied,
    paste_layer,
    premultiplied,
    to_straight_uint8,
    warp_affine_straight,
)
from sticker_studio.core.puppet.rig import JOINT_NAMES, PART_JOINTS, PART_NAMES, Rig

#: Back-to-front drawing order of the parts.
DRAW_ORDER: tuple[str, ...] = ("tail", "ear_l", "ear_r", "leg_l", "leg_r", "body", "head", "arm_l", "arm_r")
#: Parts drawn over the body whose uncovered area is filled, and the part they attach to.
PARENT_PART: dict[str, str] = {"head": "body", "arm_l": "body", "arm_r": "body", "leg_l": "body",
                               "leg_r": "body", "tail": "body", "ear_l": "head", "ear_r": "head"}
#: How many composited run textures (:meth:`Puppet.run_texture`) a puppet keeps.
RUN_TEXTURES = 4
#: Limbs that turn about a joint of their parent's (:attr:`Layer.attach`, :func:`_stray_limb_pieces_to_body`).
ATTACHED_LIMBS: tuple[str, ...] = ("arm_l", "arm_r", "leg_l", "leg_r", "tail")
#: a piece of a limb's pixels farther than this share of the subject's size from all the limb's bones is not
#: that limb (:func:`_stray_limb_pieces_to_body`)
STRAY_PIECE = 0.1
#: a limb lying along the body's bones counts at most this share of the body's half-width as its own
#: (:func:`_limbs_along_body`)
ALONG_BODY_RADIUS = 0.6
#: a limb and its parent closer in colour than this (RGB, 0..255) where they meet are one piece of the drawing
#: cut in two: the parent's fill goes under the limb there (:func:`_under_cut`)
CUT_COLOUR = 40.0
#: Rigidity weight per part (stiffer head and torso).
RIGIDITY: dict[str, float] = {"head": 4.0, "body": 3.0}


@dataclass
class Layer:
    part: str
    mesh: Mesh
    padded: np.ndarray   # (H+2)x(W+2)x4 float32 premultiplied, a transparent border (raster.padded_premultiplied)
    still: np.ndarray    # HxWx4 view of it without the border (pasted when the layer does not move)
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 of its visible pixels (what a paste touches)
    solver: ArapSolver
    pin_joints: list[str]   # the joint whose transform each pin follows
    pin_rest: np.ndarray    # P x 2
    #: texels of ``padded`` that can show under bilinear sampling (:func:`layer_cover`; made on first use)
    cover: np.ndarray | None = field(default=None, repr=False)
    #: the mesh's :func:`~sticker_studio.core.puppet.raster.fit_basis` (:func:`affine_runs`; made on first use)
    basis: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    #: (joint, which pins follow it, those pins' rest points) for each joint of ``pin_joints`` (made on first use)
    pin_groups: list[tuple[str, np.ndarray, np.ndarray]] | None = field(default=None, repr=False)
    #: a limb whose joint lies inside its parent, off its own pixels (a stick arm drawn from the body's rim, its
    #: shoulder inside the body): (the mesh vertex where it meets the parent, the parent's joint); the layer is
    #: shifted so that vertex stays where the parent carries it, so the limb turns about its root, not away
    attach: tuple[int, str] | None = field(default=None, repr=False)


def layer_cover(layer: Layer) -> np.ndarray:
    """The :func:`~sticker_studio.core.puppet.raster.footprint` of a layer's padded texture, worked out on
    its visible box only (the texture is transparent outside it) and kept on the layer."""
    if layer.cover is None:
        x0, y0, x1, y1 = layer.box
        cover = np.zeros(layer.padded.shape[:2], bool)
        # padded texels y0 .. y1 + 1 hold the box and the one-texel ring the dilation reaches
        cover[y0:y1 + 2, x0:x1 + 2] = footprint(layer.padded[y0:y1 + 2, x0:x1 + 2])
        layer.cover = cover
    return layer.cover


def affine_runs(layers: list[Layer], moved: list[np.ndarray | None], size: tuple[int, int] | None = None
                ) -> list[tuple[np.ndarray | None, list[int]]]:
    """The layers in draw order cut into runs: consecutive layers whose vertices ``moved`` (canvas pixel
    coordinates; None: not drawn here) by one and the same affine map, as (that map, layer indices); a
    bent layer, or one not drawn, is a run of its own with map None. Given the canvas ``size`` (w, h), so
    is a layer mostly off it (a still body around a waving arm's box): the triangles of it on the canvas
    cost less than composing a run's textures (:meth:`Puppet.run_texture`) for a corner of them."""
    runs: list[tuple[np.ndarray | None, list[int]]] = []
    joinable = False  # whether the last run may take the next layer
    for i, (layer, v) in enumerate(zip(layers, moved, strict=True)):
        if v is not None and layer.basis is None:
            layer.basis = fit_basis(layer.mesh.vertices)
        on = v is not None and layer.basis is not None and (size is None or mostly_on(v, size))
        fit = affine_fit(layer.mesh.vertices, v, basis=layer.basis) if on and v is not None else None
        on = on and fit is not None
        if on and joinable:
            last = runs[-1][0]
            assert last is not None
            if np.abs(layer.mesh.vertices @ last[:, :2].T + last[:, 2] - v).max() < 1e-6:
                runs[-1][1].append(i)
                continue
        runs.append((fit, [i]))
        joinable = on
    return runs


def mostly_on(points: np.ndarray, size: tuple[int, int]) -> bool:
    """Whether at least half the bounding box of ``points`` lies on a (w, h) canvas."""
    lo, hi = points.min(0), points.max(0)
    area = float(np.prod(np.maximum(hi - lo, 1.0)))
    inside = np.maximum(np.minimum(hi, size) - np.maximum(lo, 0.0), 0.0)
    return float(np.prod(inside)) >= 0.5 * area


def draw_run(canvas: np.ndarray, puppet: Puppet, fit: np.ndarray, run: list[int], moved: list[np.ndarray | None],
             nearest: bool = False) -> None:
    """Composite a run of :func:`affine_runs` (layers moved by one affine map ``fit``) over ``canvas``
    (float32 premultiplied): one affine resample of the run's texture
    (:func:`~sticker_studio.core.puppet.raster.draw_affine`), the layers composited at rest when there are
    several (:meth:`Puppet.run_texture`: what the drawing shows there, so no seam opens between them)."""
    pts = np.concatenate([v for i, v in enumerate(moved) if i in run and v is not None])
    lo = np.floor(pts.min(0)) - 1.0
    hi = np.ceil(pts.max(0)) + 2.0
    texture, cover = puppet.run_texture(tuple(run))
    draw_affine(canvas, texture, invert_affine(fit), (int(lo[0]), int(lo[1]), int(hi[0]), int(hi[1])),
                nearest, cover)


def bones_of(rig: Rig, part: str) -> list[tuple[str, str]]:
    """(parent joint, joint) segments of a part's chain, attachment included."""
    chain = [j for j in PART_JOINTS[part] if j in rig.joints]
    out = []
    if part == "body":
        chain = [j for j in ("root", "pelvis", "chest", "neck") if j in rig.joints]
        extra = [j for j in ("shoulder_l", "shoulder_r", "hip_l", "hip_r", "tail_base") if j in rig.joints]
        for a, b in zip(chain, chain[1:], strict=False):
            out.append((a, b))
        for e in extra:
            p = rig.parent(e)
            if p is not None:
                out.append((p, e))
        if "head" in rig.joints and "neck" not in rig.joints:
            p = rig.parent("head")
            if p is not None:
                out.append((p, "head"))
        return out
    # a limb's own chain only: the attachment joint turns with the limb (the parent bone
    # would hold the limb's base still while it rotates, and tear it)
    for a, b in zip(chain, chain[1:], strict=False):
        out.append((a, b))
    if len(chain) == 1:
        out.append((chain[0], chain[0]))
    return out


def assign_parts(rig: Rig, mask: np.ndarray) -> np.ndarray:
    """A label map: each subject pixel to the part of its nearest bone (used when the rig has none).

    Distances are measured from each bone's *surface* (minus the drawing's half-width
    along it), so a thick body is not eaten by a thin arm's bone beside it.
    """
    h, w = mask.shape
    labels = np.zeros((h, w), np.uint8)
    ys, xs = np.nonzero(mask)
    if len(xs) == 0:
        return labels
    pts = np.stack([xs, ys], 1).astype(np.float64)
    px, py = xs.astype(np.float64), ys.astype(np.float64)
    best = np.full(len(pts), np.inf)
    lab = np.full(len(pts), PART_NAMES.index("body") + 1, np.uint8)
    candidates: list[tuple[str, str, str]] = []
    for part in PART_NAMES:
        if part != "body" and not rig.has_part(part):
            continue
        segs = bones_of(rig, part) if part != "head" else [("head", "head_top") if "head_top" in rig.joints
                                                           else ("head", "head")]
        if part == "body" and not segs and "root" in rig.joints:
            segs = [("root", "root")]
        candidates += [(part, a, b) for a, b in segs]
    radii = []
    for _part, a, b in candidates:
        pa, pb = rig.xy(a), rig.xy(b)
        samples = pa + (pb - pa) * np.linspace(0, 1, 7)[:, None]
        ix = np.clip(np.round(samples[:, 0]).astype(int), 0, w - 1)
        iy = np.clip(np.round(samples[:, 1]).astype(int), 0, h - 1)
        radii.append(float(np.median(edt_at(mask, iy, ix))))  # (the distance transform of the mask, at the samples)
    radii = _limbs_along_body(rig, candidates, radii)
    for (part, a, b), radius in zip(candidates, radii, strict=True):
        pa, pb = rig.xy(a), rig.xy(b)
        d = _seg_dist(pts, pa, pb, px, py)
        d -= radius
        take = d < best
        best[take] = d[take]
        lab[take] = PART_NAMES.index(part) + 1
    labels[ys, xs] = lab
    return labels


def _limbs_along_body(rig: Rig, candidates: list[tuple[str, str, str]], radii: list[float]) -> list[float]:
    """The radii of :func:`assign_parts`, a limb lying along the body's bones made thin.

    An arm drawn over the torso (the walking person's, its bone along the spine) measures the torso's
    half-width as its own and, equally near, took half the torso: a wave lifted it (51 % of the subject) and
    folded 26 triangles. A limb whose bones lie mostly within the body's half-width of a body bone (and whose
    pair is missing or lies along it too) gets at most :data:`ALONG_BODY_RADIUS` of that half-width, so the
    torso's pixels stay the body's and the limb keeps the pixels clearly nearer its own bone."""
    body = [(rig.xy(a), rig.xy(b), r) for (part, a, b), r in zip(candidates, radii, strict=True) if part == "body"]
    if not body:
        return radii
    along = {}
    for part in {p for p, _, _ in candidates if p in ATTACHED_LIMBS}:
        idx = [i for i, (p, _, _) in enumerate(candidates) if p == part]
        samples = np.concatenate([rig.xy(candidates[i][1]) + (rig.xy(candidates[i][2]) - rig.xy(candidates[i][1]))
                                  * np.linspace(0, 1, 9)[:, None] for i in idx])
        sx, sy = samples[:, 0].copy(), samples[:, 1].copy()
        dist = np.stack([_seg_dist(samples, pa, pb, sx, sy) for pa, pb, _ in body])  # body bones x samples
        along[part] = bool((dist <= np.array([r for _, _, r in body])[:, None]).any(0).mean() > 0.5)
    out = list(radii)
    cap = ALONG_BODY_RADIUS * max(r for _, _, r in body)
    for part, lies_along in along.items():
        # with its pair out in the open (a front view's far arm drawn over the chest) the limb stays as it is:
        # that one is the pair's to wave (animate.open_arm); a profile's one arm along the spine is the limb
        pair = part[:-1] + ("r" if part.endswith("l") else "l")
        if lies_along and along.get(pair, True):
            for i, (p, _, _) in enumerate(candidates):
                if p == part:
                    out[i] = min(out[i], cap)
    return out


def _seg_dist(pts: np.ndarray, a: np.ndarray, b: np.ndarray, px: np.ndarray, py: np.ndarray) -> np.ndarray:
    """Distance of each point (``pts`` N x 2; ``px``, ``py`` its columns) to the segment a-b: the
    projection on the segment, then ``hypot`` as ``np.linalg.norm(pts - proj, axis=1)`` computes it,
    column by column."""
    ab = b - a
    ll = float(ab @ ab)
    t = np.zeros(len(pts)) if ll < 1e-9 else np.clip(((pts - a) @ ab) / ll, 0.0, 1.0)
    dx = t * ab[0]
    dx += a[0]
    np.subtract(px, dx, out=dx)
    dy = t * ab[1]
    dy += a[1]
    np.subtract(py, dy, out=dy)
    dx *= dx
    dy *= dy
    dx += dy
    return np.sqrt(dx, out=dx)


def near_mask(mask: np.ndarray, iy: np.ndarray, ix: np.ndarray, steps: int) -> np.ndarray:
    """``ndimage.binary_dilation(mask, iterations=steps)[iy, ix]`` (4-connected steps), read at those
    pixels only: whether a True pixel lies within ``steps`` of each (Manhattan distance, inside the image)."""
    h, w = mask.shape
    iy, ix = np.asarray(iy, np.int64), np.asarray(ix, np.int64)
    out = np.zeros(iy.shape, bool)
    for dy in range(-steps, steps + 1):
        for dx in range(-(steps - abs(dy)), steps - abs(dy) + 1):
            y, x = iy + dy, ix + dx
            inside = (y >= 0) & (y < h) & (x >= 0) & (x < w)
            out |= inside & mask[np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)]
    return out


def _window(mask: np.ndarray, margin: float) -> tuple[slice, slice]:
    """Row and column slices of ``mask``'s bounding box grown by ``margin`` pixels (clipped)."""
    rows, cols = np.flatnonzero(mask.any(1)), np.flatnonzero(mask.any(0))
    m = int(np.ceil(margin))
    h, w = mask.shape
    return (slice(max(0, int(rows[0]) - m), min(h, int(rows[-1]) + 1 + m)),
            slice(max(0, int(cols[0]) - m), min(w, int(cols[-1]) + 1 + m)))


def _nearest_fill(src_mask: np.ndarray, rgba: np.ndarray, where: np.ndarray, reach: float) -> np.ndarray:
    """RGBA with ``where`` pixels (within ``reach`` of ``src_mask``) painted with the nearest source colour."""
    out = np.zeros_like(rgba)
    if not src_mask.any() or not where.any():
        return out
    dist, (iy, ix) = ndimage.distance_transform_edt(~src_mask, return_indices=True)
    sel = where & (dist <= reach)
    out[sel] = rgba[iy[sel], ix[sel]]
    out[sel, 3] = 255
    return out


class Puppet:
    """A drawing + rig, ready to render poses. Building it meshes and factorises once."""

    def __init__(self, rgba: np.ndarray, rig: Rig, *, pixel_art: bool = False, spacing: float | None = None,
                 workers: int = 1) -> None:
        rgba = np.asarray(rgba)
        if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
            raise InvalidInputError(f"expected an HxWx4 RGBA uint8 drawing, got {rgba.dtype} {rgba.shape}")
        h, w = rgba.shape[:2]
        if (rig.width, rig.height) != (w, h):
            raise InvalidInputError(f"the rig is for a {rig.width}x{rig.height} drawing but this one is {w}x{h}; "
                                    "make a new rig with `sticker-studio rig`")
        rig.validate()
        self.rgba = rgba
        self.rig = rig
        self.pixel_art = pixel_art
        full_mask = rgba[..., 3] > 0
        if not full_mask.any():
            raise InvalidInputError("the drawing is fully transparent: there is nothing to animate")
        ys, xs = np.nonzero(full_mask)
        self.size = float(max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1))
        self.pivot = np.array([(xs.min() + xs.max()) / 2.0, float(ys.max())])
        # work on the subject's box (plus room for bands and fills); ``origin`` maps back
        pad = int(0.12 * self.size) + 6
        x0, y0 = max(0, xs.min() - pad), max(0, ys.min() - pad)
        x1, y1 = min(w, xs.max() + pad + 1), min(h, ys.max() + pad + 1)
        self.origin = np.array([x0, y0], np.float64)
        rgba = rgba[y0:y1, x0:x1]
        rig = _shifted(rig, -self.origin, (x0, y0, x1, y1))
        self.local_rig = rig
        mask = rgba[..., 3] > 0
        self.mask = mask
        labels = rig.parts if rig.parts is not None else assign_parts(rig, mask)
        labels = np.where(mask, labels, 0).astype(np.uint8)
        body_label = PART_NAMES.index("body") + 1
        if rig.parts is None:
            labels = _stray_limb_pieces_to_body(labels, rig, body_label, self.size)
        # pixels of a part the rig cannot move (joints missing) go to the body (ears to the head)
        head_label = PART_NAMES.index("head") + 1
        for i, name in enumerate(PART_NAMES):
            if name != "body" and not rig.has_part(name) and (labels == i + 1).any():
                to_head = name in ("ear_l", "ear_r") and rig.has_part("head")
                labels[labels == i + 1] = head_label if to_head else body_label
        labels = _adopt_body_islands(labels, body_label)
        self.labels = labels
        self.spacing = default_spacing(mask) if spacing is None else spacing
        self.layers: list[Layer] = []
        self._whole: np.ndarray | None = None
        #: run textures (:meth:`run_texture`) by the run's layer indices, the last few used
        self._runs: OrderedDict[tuple[int, ...], tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._runs_lock = threading.Lock()
        self._whole_cover: np.ndarray | None = None
        opaque = rgba[..., 3] == 255
        band = max(2.0, 0.04 * self.size)
        reach = max(3.0, 0.08 * self.size)
        counts = np.bincount(labels.ravel(), minlength=len(PART_NAMES) + 1)
        present = [p for p in DRAW_ORDER if counts[PART_NAMES.index(p) + 1]]
        fills: dict[str, np.ndarray] = {}
        for part in present:
            own = labels == PART_NAMES.index(part) + 1
            # the drawing's pixels of the part (zero elsewhere), copied in the part's box only
            tex = np.zeros_like(rgba)
            box = _window(own, 0.0)
            np.multiply(rgba[box], own[box][..., None], out=tex[box])
            parent = PARENT_PART.get(part)
            if parent is not None:
                # the parent's opaque pixels next to the part, only around the attachment joint (not
                # along an arm's whole length where it lies against the body); distances are measured
                # in the part's box grown by the band (exact there; nothing farther is near)
                win = _window(own, band + 2.0)
                sub = own[win]
                thick = float(np.median(ndimage.distance_transform_edt(sub)[sub])) + 1.0
                near = ndimage.distance_transform_edt(~sub) <= min(band, max(2.0, thick))
                # an ear's base can sit against the body's pixels as well as the head's (a geometry part map
                # that split a round face): its band takes both, or a swinging ear opened a see-through seam
                # along the face (the bear)
                under_ids = [PART_NAMES.index(parent) + 1] + ([body_label] if part in ("ear_l", "ear_r") else [])
                overlap = near & np.isin(labels[win], under_ids) & opaque[win]
                anchor = self._anchor_joint(part)
                if anchor in rig.joints and part != "head":
                    ax, ay = rig.xy(anchor)
                    yy, xx = np.indices(sub.shape)
                    overlap &= np.hypot(xx + win[1].start - ax, yy + win[0].start - ay) <= 3.0 * thick + band
                tex[win][overlap] = rgba[win][overlap]
            fills[part] = tex
        # fills under front parts: body under head/arms (and legs), head under ears is not needed (ears behind)
        for part in present:
            parent = PARENT_PART.get(part)
            if parent is None or parent not in fills:
                continue
            if DRAW_ORDER.index(part) < DRAW_ORDER.index(parent):
                continue  # drawn behind its parent: nothing to uncover
            own = labels == PART_NAMES.index(part) + 1
            # only where the parent's own shape continues under the part (its closing by a disk of
            # ``reach``), worked out in the part's box grown by twice that: exact on the part's pixels
            win = _window(own, 2.0 * reach + 3.0)
            pown = labels[win] == PART_NAMES.index(parent) + 1
            if not pown.any():
                continue
            grown = ndimage.distance_transform_edt(~pown) <= reach
            closed = ndimage.distance_transform_edt(grown) > reach if not grown.all() else grown
            under = fills[parent][win]
            fill = _nearest_fill(pown & opaque[win], rgba[win], own[win] & opaque[win] & closed & ~(under[..., 3] > 0),
                                 reach)
            sel = fill[..., 3] > 0
            under[sel] = fill[sel]
            if part in ATTACHED_LIMBS and rig.parts is not None:
                # and under a limb where the rig's part map cut it out of its parent's run of colour (a letter's
                # diagonal, a lampshade's corner): turned, it opened a wedge of background there. Filled from the
                # parent's fill colours only, not its outline. Not for the head (a bust's head cut from its torso
                # filled the torso's layer up into the face, and the torso swung off in dance: OpenMoji
                # superhero), nor for nearest-bone parts (no part map: a pixel monster's clap grew shoulder bulges
                # and read as tail-wag)
                cut = _under_cut(own[win], pown, rgba[win], opaque[win], reach) & ~closed
                if cut.any():
                    fill = _nearest_fill(pown & opaque[win] & ~_ink_like(rgba[win], pown & opaque[win]), rgba[win],
                                         cut & opaque[win] & ~(under[..., 3] > 0), reach)
                    sel = fill[..., 3] > 0
                    under[sel] = fill[sel]
        jobs = [(part, fills[part], fills[part][..., 3] > 0) for part in present]
        jobs = [job for job in jobs if job[2].any()]
        # each layer's mesh, pins and factorisation are its own: ``workers`` threads make them (scipy and
        # numpy let go of the GIL for most of it), in the drawing order, the same layers as one thread
        if workers > 1 and len(jobs) > 1:
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="puppet") as pool:
                self.layers = list(pool.map(lambda job: self._make_layer(*job), jobs))
        else:
            self.layers = [self._make_layer(*job) for job in jobs]
        for layer in self.layers:
            layer.attach = self._attachment(layer)

    # ----------------------------------------------------------------- building
    def _make_layer(self, part: str, tex: np.ndarray, alpha: np.ndarray) -> Layer:
        rig = self.local_rig
        bones = bones_of(rig, part)
        if not bones:
            anchor = self._anchor_joint(part)
            bones = [(anchor, anchor)]
        mesh = build_mesh(alpha, self.spacing)
        pin_pts, pin_joint = [], []
        step = max(2.0, self.spacing * 0.75)
        # joints inside a chain (elbow, knee, tail_mid) bend: no pins right at them, so ARAP spreads the
        # bend over the joint's width instead of folding triangles between two differently turning pins
        starts = {a for a, _ in bones}
        ends = {b for _, b in bones}
        interior = starts & ends
        for a, b in bones:
            pa, pb = rig.xy(a), rig.xy(b)
            length = float(np.linalg.norm(pb - pa))
            gap = max(1.5 * self.spacing, 0.3 * length)
            n = max(1, int(np.ceil(length / step)))
            for k in range(n + 1):
                q = pa + (pb - pa) * (k / n)
                if (a in interior and np.linalg.norm(q - pa) < gap) or (b in interior and np.linalg.norm(q - pb) < gap):
                    continue
                pin_pts.append(q)
                pin_joint.append(a)
        pts = np.array(pin_pts, np.float64).reshape(-1, 2)
        # keep pins on this layer's pixels (a bone may run outside a thin or curved part)
        h, w = alpha.shape
        ix = np.clip(np.round(pts[:, 0]).astype(int), 0, w - 1)
        iy = np.clip(np.round(pts[:, 1]).astype(int), 0, h - 1)
        on = near_mask(alpha, iy, ix, 2)  # the alpha dilated twice (4-connected), read at the pins only
        pts = pts[on]
        pin_joint = [j for j, o in zip(pin_joint, on, strict=True) if o]
        # every connected piece of the mesh needs two pins, or its position is free
        comp = _components(mesh)
        extra_pts, extra_j = [], []
        if len(pts):
            tri_of_pin, _ = locate(mesh.vertices, mesh.triangles, pts)
            pinned = comp[mesh.triangles[tri_of_pin, 0]]
        else:
            pinned = np.zeros(0, np.int64)
        for c in range(int(comp.max()) + 1 if len(comp) else 0):
            if np.count_nonzero(pinned == c) >= 2:
                continue
            vid = np.nonzero(comp == c)[0]
            v = mesh.vertices[vid]
            cen = v.mean(0)
            j = self._nearest_joint(cen, [b for bb in bones for b in bb])
            far1 = v[np.argmax(np.linalg.norm(v - cen, axis=1))]
            far2 = v[np.argmax(np.linalg.norm(v - far1, axis=1))]
            # the vertex nearest the centre, not the centre: a crescent's centre lies off its own triangles,
            # and a pin located in a far triangle (extrapolated barycentrics) folds the piece when it moves
            mid = v[np.argmin(np.linalg.norm(v - cen, axis=1))]
            for q in (far1, far2, mid):
                extra_pts.append(q)
                extra_j.append(j)
        if extra_pts:
            pts = np.concatenate([pts.reshape(-1, 2), np.array(extra_pts)])
            pin_joint = pin_joint + extra_j
        tri, bary = locate(mesh.vertices, mesh.triangles, pts)
        rigid = np.full(len(mesh.triangles), RIGIDITY.get(part, 1.0))
        solver = ArapSolver(mesh.vertices, mesh.triangles, tri, bary, rigid)
        rows, cols = np.flatnonzero(alpha.any(1)), np.flatnonzero(alpha.any(0))
        box = (int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1)
        # outside its visible box a layer's texture is all zeros (premultiplied: zeros): convert the box only
        padded = np.zeros((tex.shape[0] + 2, tex.shape[1] + 2, 4), np.float32)
        padded[box[1] + 1:box[3] + 1, box[0] + 1:box[2] + 1] = premultiplied(tex[box[1]:box[3], box[0]:box[2]])
        return Layer(part, mesh, padded, padded[1:-1, 1:-1], box, solver, pin_joint, solver.rest_pins())

    def _attachment(self, layer: Layer) -> tuple[int, str] | None:
        """:attr:`Layer.attach` of a limb whose anchor joint lies off its own pixels (None otherwise)."""
        if layer.part not in ATTACHED_LIMBS:
            return None
        rig = self.local_rig
        anchor = self._anchor_joint(layer.part)
        parent = rig.parent(anchor) if anchor in rig.joints else None
        if parent is None or anchor == "root":
            return None
        own = self.labels == PART_NAMES.index(layer.part) + 1
        ys, xs = np.nonzero(own)
        if len(xs) == 0:
            return None
        a = rig.xy(anchor)
        d = np.hypot(xs - a[0], ys - a[1])
        k = int(np.argmin(d))
        if d[k] <= 2.0:  # the joint is on the limb: turning about it keeps the limb on its parent
            return None
        root = np.array([xs[k], ys[k]], np.float64)
        return int(np.argmin(np.linalg.norm(layer.mesh.vertices - root, axis=1))), parent

    def _anchor_joint(self, part: str) -> str:
        for j in PART_JOINTS[part]:
            if j in self.local_rig.joints:
                return j
        return "root"

    def _nearest_joint(self, p: np.ndarray, names: list[str]) -> str:
        names = [n for n in names if n in self.local_rig.joints] or ["root"]
        d = [float(np.linalg.norm(self.local_rig.xy(n) - p)) for n in names]
        return names[int(np.argmin(d))]

    # ----------------------------------------------------------------- posing
    def deform(self, pose: CharacterPose) -> list[np.ndarray]:
        """Deformed vertices of every layer (drawing coordinates, root transform applied)."""
        rig = self.local_rig
        squash = pose.head_scale != (1.0, 1.0) or pose.head_offset != (0.0, 0.0)
        # ARAP bends; a head squash is not a bend: solve without it, then apply it to the head's layers
        fk = forward_kinematics(rig, replace(pose, head_scale=(1.0, 1.0), head_offset=(0.0, 0.0)) if squash
                                else pose)
        head_affine = None
        if squash:
            at = "neck" if "neck" in rig.joints else "head"
            parent = rig.parent(at)
            if at in fk:
                pm = fk[parent].matrix if parent is not None else np.eye(2)
                hm = pm @ np.diag(pose.head_scale) @ np.linalg.inv(pm)
                head_affine = (fk[at].position, hm, np.asarray(pose.head_offset, np.float64))
        m, t = root_affine(pose, self.pivot)
        out = []
        for layer in self.layers:
            targets = np.empty_like(layer.pin_rest)
            if layer.pin_groups is None:
                layer.pin_groups = [(j, sel, layer.pin_rest[sel]) for j in dict.fromkeys(layer.pin_joints)
                                    if (sel := np.array([pj == j for pj in layer.pin_joints])).any()]
            for j, sel, rest in layer.pin_groups:
                targets[sel] = fk[j].apply(rest)
            if np.array_equal(targets, layer.pin_rest):  # this layer's joints did not move
                v = layer.mesh.vertices.copy()
            else:
                v = layer.solver.solve(targets)
            if layer.attach is not None:  # the limb's root stays where its parent carries it
                idx, parent_joint = layer.attach
                if parent_joint in fk:
                    root = fk[parent_joint].apply(layer.mesh.vertices[idx][None])[0]
                    v = v + (root - v[idx])
            if head_affine is not None and layer.part in ("head", "ear_l", "ear_r"):
                anchor, hm, off = head_affine
                v = anchor + (v - anchor) @ hm.T + off
            v = v + self.origin
            if not (np.array_equal(m, np.eye(2)) and not t.any()):
                v = (v - self.pivot) @ m.T + self.pivot + t
            out.append(v)
        return out

    def run_texture(self, run: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(padded premultiplied texture, its footprint) of consecutive layers composited at rest, back to
        front (one layer: its own); made on first use and kept for the last :data:`RUN_TEXTURES` runs."""
        if len(run) == 1:
            layer = self.layers[run[0]]
            return layer.padded, layer_cover(layer)
        with self._runs_lock:
            got = self._runs.get(run)
            if got is not None:
                self._runs.move_to_end(run)
                return got
        texture = np.zeros_like(self.layers[run[0]].padded)
        cover = np.zeros(texture.shape[:2], bool)
        for i in run:
            layer = self.layers[i]
            # a layer's padded texels y0 .. y1 + 1 hold its box and the ring its footprint's dilation reaches;
            # outside them it is transparent (over leaves the composite as it is) and covers nothing
            x0, y0, x1, y1 = layer.box
            win = (slice(y0, y1 + 2), slice(x0, x1 + 2))
            over(texture[win], layer.padded[win])
            cover[win] |= layer_cover(layer)[win]
        with self._runs_lock:
            self._runs[run] = (texture, cover)
            while len(self._runs) > RUN_TEXTURES:
                self._runs.popitem(last=False)
        return texture, cover

    def _whole_texture(self) -> np.ndarray:
        """The drawing's crop as a padded premultiplied texture (made on first use)."""
        if self._whole is None:
            x0, y0 = int(self.origin[0]), int(self.origin[1])
            hh, ww = self.mask.shape
            self._whole = padded_premultiplied(self.rgba[y0:y0 + hh, x0:x0 + ww])
        return self._whole

    def _visible_box(self) -> tuple[int, int, int, int]:
        """(x0, y0, x1, y1) of the drawing's visible pixels in the crop."""
        rows, cols = np.flatnonzero(self.mask.any(1)), np.flatnonzero(self.mask.any(0))
        return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1

    def _moves_as_a_whole(self, pose: CharacterPose, deformed: list[np.ndarray]) -> bool:
        """The pose only has a root transform, and the vertices are exactly that transform of the rest."""
        if any(a != 0.0 for a in pose.angles.values()) or pose.head_offset != (0.0, 0.0) \
                or pose.head_scale != (1.0, 1.0):
            return False
        m, t = root_affine(pose, self.pivot)
        layer = max(self.layers, key=lambda lay: lay.mesh.n)
        verts = deformed[self.layers.index(layer)]
        expect = (layer.mesh.vertices + self.origin - self.pivot) @ m.T + self.pivot + t
        return bool(np.abs(verts - expect).max(initial=0.0) < 1e-6)

    def is_static(self, layer: Layer, verts: np.ndarray) -> bool:
        """Whether a layer's deformed vertices are its rest vertices (to 1e-9 px)."""
        return bool(np.abs(verts - (layer.mesh.vertices + self.origin)).max(initial=0.0) < 1e-9)

    def joint_transforms(self, pose: CharacterPose) -> dict[str, JointTransform]:
        """Joint transforms with the root transform folded in."""
        fk = forward_kinematics(self.rig, pose)
        m, t = root_affine(pose, self.pivot)
        out = {}
        for name, jt in fk.items():
            pos = (jt.position - self.pivot) @ m.T + self.pivot + t
            out[name] = JointTransform(jt.rest, pos, m @ jt.matrix)
        return out

    def render(self, pose: CharacterPose, canvas: tuple[int, int] | None = None,
               offset: tuple[float, float] = (0.0, 0.0), deformed: list[np.ndarray] | None = None,
               force_raster: bool = False) -> np.ndarray:
        """Straight RGBA uint8 frame of ``canvas`` (w, h) size; the drawing sits at ``offset``.

        Layers that did not move are pasted rather than resampled (``force_raster`` resamples all).
        """
        h, w = self.rgba.shape[:2]
        cw, ch = canvas if canvas is not None else (w, h)
        if deformed is None:
            deformed = self.deform(pose)
        static = [not force_raster and self.is_static(layer, verts)
                  for layer, verts in zip(self.layers, deformed, strict=True)]
        ox, oy = offset
        whole = float(ox).is_integer() and float(oy).is_integer()
        if all(static) and whole:  # nothing moved: the drawing itself
            frame = np.zeros((ch, cw, 4), np.uint8)
            _paste_uint8(frame, self.rgba, (int(ox), int(oy)))
            return frame
        off = np.array([ox, oy], np.float64)
        frame = np.zeros((ch, cw, 4), np.uint8)
        if not force_raster and self._moves_as_a_whole(pose, deformed):
            # only the root transform moved it: one affine resample of the whole drawing, in its moved box
            m, t = root_affine(pose, self.pivot)
            vx0, vy0, vx1, vy1 = self._visible_box()
            quad = np.array([[vx0 - 1.0, vy0 - 1.0], [vx1, vy0 - 1.0], [vx1, vy1], [vx0 - 1.0, vy1]])
            moved = (quad + self.origin - self.pivot) @ m.T + self.pivot + t + off
            box = _box(moved, (cw, ch))
            # canvas (x, y) -> crop (x, y): q = M^-1 (p - pivot - t - offset) + pivot - origin
            minv = np.linalg.inv(m)
            inverse = np.concatenate([minv, (self.pivot - self.origin - minv @ (self.pivot + t + off))[:, None]], 1)
            inverse[:, 2] += inverse[:, :2] @ np.array([box[0], box[1]], np.float64)  # the box's own pixels
            texture = self._whole_texture()
            if self._whole_cover is None:
                self._whole_cover = footprint(texture)
            warp_affine_straight(frame, box, texture, inverse, self.pixel_art, self._whole_cover)
            return frame
        if whole and not force_raster:
            # outside the moving layers' rest and moved boxes the frame is the drawing: only redo that box
            _paste_uint8(frame, self.rgba, (int(ox), int(oy)))
            pts = [np.concatenate([layer.mesh.vertices + self.origin, verts]) + off
                   for layer, verts, still in zip(self.layers, deformed, static, strict=True) if not still]
            box = _box(np.concatenate(pts), (cw, ch))
        else:
            box = (0, 0, cw, ch)
        if box[2] <= box[0] or box[3] <= box[1]:
            return frame
        buf = np.zeros((box[3] - box[1], box[2] - box[0], 4), np.float32)
        shift = (ox - box[0], oy - box[1])
        # unmoved layers are pasted; the others drawn in runs moved by one affine map, or as bent meshes
        moved = [None if still and whole else verts + np.array(shift, np.float64)
                 for verts, still in zip(deformed, static, strict=True)]
        for fit, run in affine_runs(self.layers, moved, (buf.shape[1], buf.shape[0])):
            layer = self.layers[run[0]]
            if moved[run[0]] is None:
                bx0, by0, bx1, by1 = layer.box
                at = (int(self.origin[0]) + bx0 + int(shift[0]), int(self.origin[1]) + by0 + int(shift[1]))
                paste_layer(buf, layer.still[by0:by1, bx0:bx1], at)
            elif fit is None:
                draw_mesh(buf, layer.padded, layer.mesh.vertices, deformed[run[0]], layer.mesh.triangles, shift,
                          nearest=self.pixel_art)  # rest vertices: cropped texture
            else:
                draw_run(buf, self, fit, run, moved, self.pixel_art)
        frame[box[1]:box[3], box[0]:box[2]] = to_straight_uint8(buf)
        return frame


def _under_cut(own: np.ndarray, parent: np.ndarray, rgba: np.ndarray, opaque: np.ndarray, reach: float) -> np.ndarray:
    """A limb's pixels (``own``) within ``reach`` of where it meets its ``parent`` in the same colour (no outline,
    no change of colour across: the part map cut one piece of the drawing in two), and within ``reach`` of the
    parent: where the parent's fill goes under the limb."""
    rgb = rgba[..., :3].astype(np.float32)
    pdist, (iy, ix) = ndimage.distance_transform_edt(~(parent & opaque), return_indices=True)
    touching = own & opaque & (pdist <= 1.5)
    cut = touching & (np.linalg.norm(rgb - rgb[iy, ix], axis=-1) < CUT_COLOUR)
    if not cut.any():
        return np.zeros_like(own)
    return own & (pdist <= reach) & (ndimage.distance_transform_edt(~cut) <= reach)


def _ink_like(rgba: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Pixels of ``where`` far darker than its median colour (an outline's ink, not the fill)."""
    luma = rgba[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    if not where.any():
        return np.zeros_like(where)
    return where & (luma < 0.5 * float(np.median(luma[where])))


def _box(points: np.ndarray, size: tuple[int, int]) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) holding every pixel centre near ``points``, clipped to a (w, h) canvas."""
    lo = np.floor(points.min(0)) - 2
    hi = np.ceil(points.max(0)) + 3
    w, h = size
    return (int(min(max(lo[0], 0), w)), int(min(max(lo[1], 0), h)), int(min(max(hi[0], 0), w)),
            int(min(max(hi[1], 0), h)))


def _paste_uint8(frame: np.ndarray, img: np.ndarray, at: tuple[int, int]) -> None:
    x, y = at
    h, w = img.shape[:2]
    fh, fw = frame.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(fw, x + w), min(fh, y + h)
    if x1 > x0 and y1 > y0:
        frame[y0:y1, x0:x1] = img[y0 - y:y1 - y, x0 - x:x1 - x]


def _shifted(rig: Rig, delta: np.ndarray, box: tuple[int, int, int, int]) -> Rig:
    """The rig moved by ``delta`` and cropped to ``box`` (x0, y0, x1, y1)."""
    from sticker_studio.core.puppet.rig import Ellipse, Joint

    dx, dy = float(delta[0]), float(delta[1])
    x0, y0, x1, y1 = box
    joints = {n: Joint(j.x + dx, j.y + dy, j.confidence) for n, j in rig.joints.items()}
    face = {n: Ellipse(e.cx + dx, e.cy + dy, e.rx, e.ry) for n, e in rig.face.items()}
    parts = None if rig.parts is None else np.ascontiguousarray(rig.parts[y0:y1, x0:x1])
    out = Rig(x1 - x0, y1 - y0, joints, face, rig.plan, parts, rig.source)
    return out


def _stray_limb_pieces_to_body(labels: np.ndarray, rig: Rig, body_label: int, size: float) -> np.ndarray:
    """Pieces of a limb's pixels far from all of that limb's bones go to the body.

    Every pixel goes to its nearest bone, so a part the rig has no joints for (a cat's tail beside a rig with
    arms) lands in the nearest limb, here an arm: it turned with the arm about the shoulder and flew off the
    body in a hop. It is not that limb; it moves with the body."""
    out = labels
    reach = max(6.0, STRAY_PIECE * size)
    for part in ATTACHED_LIMBS:
        lab = PART_NAMES.index(part) + 1
        own = labels == lab
        if not own.any():
            continue
        bones = bones_of(rig, part)
        if not bones:
            continue
        pieces, n = ndimage.label(own, structure=np.ones((3, 3), bool))
        if n < 2:
            continue
        for k, sl in enumerate(ndimage.find_objects(pieces), start=1):
            if sl is None:
                continue
            ys, xs = np.nonzero(pieces[sl] == k)
            xs, ys = xs + sl[1].start, ys + sl[0].start
            pts = np.stack([xs, ys], 1).astype(np.float64)
            px, py = pts[:, 0].copy(), pts[:, 1].copy()
            near = min(float(_seg_dist(pts, rig.xy(a), rig.xy(b), px, py).min()) for a, b in bones)
            if near > reach:
                if out is labels:
                    out = labels.copy()
                out[ys, xs] = body_label
    return out


def _adopt_body_islands(labels: np.ndarray, body_label: int) -> np.ndarray:
    """Body pixels cut off from the body's main piece go to the part they border most.

    A geometry rig's part map can leave wisps of hair around the head (or a sliver between an arm and the
    body) labelled body, apart from the torso. As body pieces they followed the neck without the head's
    shift and, pinned only at three points, folded when the head shook (the library person: 35 flipped
    triangles in an 8-frame head-shake); they belong to the part they touch, and move with it."""
    body = labels == body_label
    if not body.any():
        return labels
    pieces, n = ndimage.label(body, structure=np.ones((3, 3), bool))
    if n < 2:
        return labels
    sizes = np.bincount(pieces.ravel())
    sizes[0] = 0
    main = int(np.argmax(sizes))
    out = labels.copy()
    for k, sl in enumerate(ndimage.find_objects(pieces), start=1):
        if k == main or sl is None:
            continue
        win = tuple(slice(max(0, s.start - 1), s.stop + 1) for s in sl)
        piece = pieces[win] == k
        ring = ndimage.binary_dilation(piece, structure=np.ones((3, 3), bool)) & ~piece
        around = labels[win][ring]
        around = around[(around != 0) & (around != body_label)]
        if around.size:
            out[win][piece] = np.bincount(around).argmax()
    return out


def _components(mesh: Mesh) -> np.ndarray:
    """Connected component id of every vertex."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    t = mesh.triangles
    n = mesh.n
    if len(t) == 0:
        return np.zeros(n, np.int64)
    i = np.concatenate([t[:, 0], t[:, 1], t[:, 2]])
    j = np.concatenate([t[:, 1], t[:, 2], t[:, 0]])
    g = coo_matrix((np.ones(len(i)), (i, j)), shape=(n, n))
    _, lab = connected_components(g, directed=False)
    return lab.astype(np.int64)


__all__ = ["DRAW_ORDER", "JOINT_NAMES", "Layer", "Puppet", "affine_runs", "assign_parts", "bones_of", "draw_run",
           "layer_cover", "mostly_on"]
