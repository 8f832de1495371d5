"""The geometric automatic rig: joints, parts and a face from the silhouette and colours.

1. **Mask**: alpha > 127, the largest piece, holes filled.
2. **Thick core vs protrusions**: a morphological opening with a disk of about half
   the largest inscribed radius keeps the thick body (and head); what it removes, in
   pieces big enough, are the protrusions: arms, legs, tail, ears.
3. **Head**: the peaks of the distance transform inside the core; the head is the
   highest round peak apart from the body's (the roundest top blob). With one peak the
   drawing is a blob whose head is the whole core.
4. **Limbs** by where they attach and point: on the head and pointing up = ears; at the
   bottom pointing down = legs; on the sides = arms (humanoid) or a tail (opposite the
   head, quadruped).
5. **Face**: eyes are small dark blobs (or light blobs holding a dark pupil) paired
   side by side in the head's upper part; the mouth is a dark or strongly coloured
   blob under them, near the middle.

:func:`propose_rig` takes a learned proposal's confident joints first and falls back
to this geometry for the rest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import ndimage

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.puppet.drawn_eyes import fit_drawn_eyes
from sticker_studio.core.puppet.on_subject import on_subject
from sticker_studio.core.puppet.part_joints import limb_joints_from_parts
from sticker_studio.core.puppet.rig import PART_JOINTS, PART_NAMES, BodyPlan, Ellipse, Joint, Rig
from sticker_studio.core.puppet.stick_figure import stick_figure_rig

#: A learned joint is used when its confidence reaches this (the network's joints in the low band are
#: still nearer the truth than the geometry's: the automatic rig scored PCK 52 % at 0.3 against 46 % at 0.5
#: on the OpenMoji set; 0.2 was chosen on the Fluent/Noto labels (+0.2 points) and procedural characters
#: (unchanged, no more false joints) and scored 54.5 against 53.9 % at 0.3 on OpenMoji).
LEARNED_MIN_CONFIDENCE = 0.2
#: A limb the geometry did not find is added from the network's joints at these confidences (a tail
#: or an ear at 0.3 appeared on people: a skirt, a ponytail)
LEARNED_ADD_CONFIDENCE: dict[str, float] = {"tail": 0.5, "ear_l": 0.5, "ear_r": 0.5}
#: A limb added from the network's joints is at least this long (a share of the subject's diagonal; 0.04 for
#: the rest): ears are short (a pony's, on the held-out procedural family, 0.035-0.08).
LEARNED_MIN_LENGTH: dict[str, float] = {"ear_l": 0.02, "ear_r": 0.02}
#: A learned eye or mouth is used when its confidence reaches this.
LEARNED_FACE_MIN_CONFIDENCE = 0.5
#: Limbs the network's part map shows that neither the geometry nor the network's joints added are added
#: from it (:mod:`.part_joints`); their joints the network places inside the part from PART_KEEPS_NET keep
#: the network's position. Only on a character the network reads as humanoid or quadruped (plan confidence
#: 0.6): on faces, blobs and objects the part map's "limbs" were mostly bits of them (a cat face's or a
#: sleeping face's cheeks as arms). OpenMoji: PCK 51.9 -> 53.4 %, joints a character does not have 137 -> 176
#: (busts still get legs; without the plan condition 54.5 %, 196). Off: a false limb moves pixels that are not
#: a limb, which PCK does not count.
ADD_FROM_PARTS = False
PART_KEEPS_NET = 0.5
PARTS_NEED_LIMBED_PLAN = True
#: the body's own joints, which the network may place on any drawing
CORE_JOINTS = frozenset(("root", "pelvis", "chest", "neck", "head", "head_top"))
#: the network's plan is taken (and its arms and legs the geometry did not see are added to a blob or an object)
#: from this confidence: a lamp the geometry and the network (0.87) read as an object got a whole humanoid
#: skeleton from the network's limb joints (0.3-0.8), and its shade's corners waved as arms
LIMBED_PLAN_CONFIDENCE = 0.6
#: a learned limb whose attachment joint lies farther than this share of the subject's size from the part
#: the geometry labelled for it keeps the geometry's joints (:func:`_limbs_off_their_parts`)
ATTACH_OFF_PART = 0.1
#: an arm found by colour along the body's side is at least this half-width (median, share of the body's
#: size): thinner, it is the outline (:func:`_arms_by_colour`)
ARM_STRIP_HALF_WIDTH = 0.015
#: parts that are limbs (the plan follows the network only when it gives the drawing one)
LIMB_PARTS = ("arm_l", "arm_r", "leg_l", "leg_r")


@dataclass(eq=False)
class _Limb:
    pixels: np.ndarray     # bool mask
    base: np.ndarray       # (x, y) attachment centre
    tip: np.ndarray        # (x, y)
    mid: np.ndarray        # (x, y)
    area: int
    kind: str = ""


def _largest(mask: np.ndarray) -> np.ndarray:
    lab, n = ndimage.label(mask)
    if n <= 1:
        return mask
    sizes = ndimage.sum(mask, lab, index=np.arange(1, n + 1))
    return lab == (int(np.argmax(sizes)) + 1)


def _luma(rgb: np.ndarray) -> np.ndarray:
    f = rgb.astype(np.float32)
    return 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]


def subject_mask(rgba: np.ndarray) -> np.ndarray:
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        raise InvalidInputError(f"expected an HxWx4 RGBA uint8 drawing, got {rgba.dtype} {rgba.shape}")
    mask = rgba[..., 3] > 127
    if mask.sum() < 64:
        raise InvalidInputError("the drawing has almost no opaque pixels; cut the subject out on a transparent "
                                "background first (sticker-studio matte)")
    return ndimage.binary_fill_holes(_largest(mask))


def _peaks(dist: np.ndarray, core: np.ndarray, min_value: float) -> list[tuple[float, float, float]]:
    """(x, y, radius) of the distance transform's local maxima, biggest first, separated."""
    size = max(3, int(min_value) | 1)
    mx = ndimage.maximum_filter(dist, size=size)
    cand = np.nonzero((dist == mx) & core & (dist >= min_value))
    vals = dist[cand]
    order = np.argsort(-vals)
    out: list[tuple[float, float, float]] = []
    for k in order[:400]:
        x, y, r = float(cand[1][k]), float(cand[0][k]), float(vals[k])
        if all(_separate(dist, (x, y, r), q) for q in out):
            out.append((x, y, r))
        if len(out) >= 6:
            break
    return out


def _separate(dist: np.ndarray, a: tuple[float, float, float], b: tuple[float, float, float]) -> bool:
    """Two peaks are two blobs when the ridge between them narrows (a neck) or they are far apart."""
    d = float(np.hypot(a[0] - b[0], a[1] - b[1]))
    if d > 0.95 * (a[2] + b[2]):
        return True
    if d < 0.5 * max(a[2], b[2]):
        return False
    t = np.linspace(0.0, 1.0, 32)
    xs = np.round(a[0] + (b[0] - a[0]) * t).astype(int)
    ys = np.round(a[1] + (b[1] - a[1]) * t).astype(int)
    return float(dist[ys, xs].min()) < 0.88 * min(a[2], b[2])


def _limbs(mask: np.ndarray, core: np.ndarray, dist: np.ndarray, big_r: float) -> list[_Limb]:
    grown = ndimage.binary_dilation(core, iterations=2)
    rest = mask & ~grown
    lab, n = ndimage.label(rest)
    total = float(mask.sum())
    out = []
    for i in range(1, n + 1):
        comp = lab == i
        area = int(comp.sum())
        if area < 0.004 * total:
            continue
        touch = ndimage.binary_dilation(comp, iterations=3) & grown & mask
        if not touch.any():
            continue
        ty, tx = np.nonzero(touch)
        base = np.array([tx.mean(), ty.mean()])
        ys, xs = np.nonzero(comp)
        pts = np.stack([xs, ys], 1).astype(np.float64)
        d = np.linalg.norm(pts - base, axis=1)
        length = float(d.max())
        if length < 0.35 * big_r:
            continue
        far = pts[int(np.argmax(d))]
        # the tip joint sits inside the end of the limb, one local half-width in
        radius = float(np.median(dist[ys, xs])) + 1.0
        direction = (far - base) / max(length, 1e-6)
        tip = far - direction * min(radius, 0.3 * length)
        mid_target = (base + tip) / 2
        dm = np.linalg.norm(pts - mid_target, axis=1)
        score = dist[ys, xs] - 0.5 * dm
        near = dm < 0.3 * length
        mid = pts[int(np.argmax(np.where(near, score, -np.inf)))] if near.any() else mid_target
        out.append(_Limb(comp, base, tip, mid, area))
    return out


def _grow_limb(limb: _Limb, rgba: np.ndarray, mask: np.ndarray, dist: np.ndarray, origin: np.ndarray,
               full: bool = False) -> None:
    """Follow a limb into the thick core while the colour stays the limb's (an arm drawn over the body).

    The limb's axis runs from ``origin`` (the body's centre) to its tip; grown pixels must
    lie in a capsule along it, reaching back at most the limb's visible length (and never
    past the centre); the attachment (shoulder, hip) moves to the inner end.
    """
    ys, xs = np.nonzero(limb.pixels)
    pts = np.stack([xs, ys], 1).astype(np.float64)
    d = np.linalg.norm(pts - origin, axis=1)
    far = pts[int(np.argmax(d))]
    rgb = rgba[..., :3].astype(np.float32)
    colour = np.median(rgb[ys, xs], axis=0)
    axis = far - origin
    if float(np.linalg.norm(axis)) < 1e-6:
        return
    u = axis / float(np.linalg.norm(axis))
    radius = float(np.median(dist[ys, xs])) + 1.0
    length = float(np.linalg.norm(far - limb.base))
    limb.tip = far - u * min(radius, 0.3 * max(length, 1.0))
    half = float(np.percentile(dist[ys, xs], 90)) + 2.0
    h, w = mask.shape
    inward = float(np.dot(limb.base - origin, u))
    reach = 0.95 * inward if full else min(1.0 * max(length, 1.0), 0.85 * inward)
    if reach <= 1.0:
        return
    # candidate box around the inward extension
    p_in = limb.base - u * reach
    bx0 = int(max(0, min(p_in[0], limb.base[0]) - half - 2))
    bx1 = int(min(w, max(p_in[0], limb.base[0]) + half + 3))
    by0 = int(max(0, min(p_in[1], limb.base[1]) - half - 2))
    by1 = int(min(h, max(p_in[1], limb.base[1]) + half + 3))
    yy, xx = np.mgrid[by0:by1, bx0:bx1]
    rel_x, rel_y = xx - limb.base[0], yy - limb.base[1]
    along = rel_x * u[0] + rel_y * u[1]
    across = np.abs(rel_x * -u[1] + rel_y * u[0])
    capsule = (along <= 2.0) & (along >= -reach) & (across <= half)
    similar = np.linalg.norm(rgb[by0:by1, bx0:bx1] - colour, axis=-1) < 38.0
    cand = np.zeros_like(mask)
    cand[by0:by1, bx0:bx1] = capsule & similar & mask[by0:by1, bx0:bx1]
    grown = cand | limb.pixels
    lab, _ = ndimage.label(grown)
    keep = np.unique(lab[limb.pixels])
    keep = keep[keep > 0]
    region = np.isin(lab, keep)
    added = region & ~limb.pixels
    if added.sum() < 0.15 * limb.area:
        return
    ay, ax = np.nonzero(added)
    proj = (ax - limb.base[0]) * u[0] + (ay - limb.base[1]) * u[1]
    depth = float(np.percentile(proj, 8))  # most negative = deepest inside
    new_base = limb.base + u * depth
    # centre the new base across the arm
    sel = proj < depth + 0.1 * length
    if sel.any():
        new_base = np.array([ax[sel].mean(), ay[sel].mean()])
    limb.pixels = region
    limb.area = int(region.sum())
    limb.base = new_base
    limb.mid = (new_base + limb.tip) / 2


def _split_pair(limb: _Limb, mask: np.ndarray, dist: np.ndarray) -> list[_Limb] | None:
    """Two limbs side by side (a pair of legs) sharing one attachment, or None."""
    ys, xs = np.nonzero(limb.pixels)
    cx = float(limb.base[0])
    left, right = xs < cx, xs >= cx
    if left.sum() < 0.3 * len(xs) or right.sum() < 0.3 * len(xs):
        return None
    out = []
    for side in (left, right):
        comp = np.zeros_like(limb.pixels)
        comp[ys[side], xs[side]] = True
        pts = np.stack([xs[side], ys[side]], 1).astype(np.float64)
        top = pts[:, 1] <= pts[:, 1].min() + 2
        base = pts[top].mean(0)
        d = np.linalg.norm(pts - base, axis=1)
        far = pts[int(np.argmax(d))]
        length = float(d.max())
        radius = float(np.median(dist[ys[side], xs[side]])) + 1.0
        tip = far - (far - base) / max(length, 1e-6) * min(radius, 0.3 * length)
        out.append(_Limb(comp, base, tip, (base + tip) / 2, int(side.sum()), "leg"))
    tip_gap = abs(out[0].tip[0] - out[1].tip[0])
    width = 2 * float(np.median(dist[ys, xs])) + 2
    return out if tip_gap > 1.5 * width else None


def _arms_by_colour(rgba: np.ndarray, mask: np.ndarray, body: np.ndarray, dist: np.ndarray) -> list[_Limb]:
    """Arms held against the sides: tall strips along the body's left and right outline in a colour
    other than the torso's (skin beside a shirt)."""
    ys, xs = np.nonzero(body)
    y0, y1 = ys.min(), ys.max()
    bh = y1 - y0 + 1
    bw = xs.max() - xs.min() + 1
    rgb = rgba[..., :3].astype(np.float32)
    cx = xs.mean()
    centre = body & (np.abs(np.arange(body.shape[1])[None, :] - cx) < 0.15 * bw)
    torso = np.median(rgb[centre], axis=0)
    found = []
    rows = np.arange(int(y0 + 0.1 * bh), int(y0 + 0.5 * bh))
    for side in ("l", "r"):
        samples = []
        for y in rows:
            row = np.nonzero(body[y])[0]
            if len(row) < 6:
                continue
            x = row.min() + 3 if side == "l" else row.max() - 3
            samples.append((x, y))
        if len(samples) < 4:
            continue
        pts = np.array(samples)
        colour = np.median(rgb[pts[:, 1], pts[:, 0]], axis=0)
        if np.linalg.norm(colour - torso) < 60:
            continue
        similar = body & (np.linalg.norm(rgb - colour, axis=-1) < 40)
        lab, _ = ndimage.label(similar)
        ids = lab[pts[:, 1], pts[:, 0]]
        ids = ids[ids > 0]
        if len(ids) == 0:
            continue
        comp = lab == np.bincount(ids).argmax()
        cy_, cx_ = np.nonzero(comp)
        hgt, wid = cy_.max() - cy_.min() + 1, cx_.max() - cx_.min() + 1
        if hgt < 0.3 * bh or hgt < 1.8 * wid or abs(cx_.mean() - cx) < 0.2 * bw:
            continue
        # an arm is a fill, not the outline: a strip of ink along a thick letter's stem (its samples 3 px in
        # fell on the outline) turned as an arm and flew off as a line in hop
        if float(np.median(ndimage.distance_transform_edt(comp)[comp])) < ARM_STRIP_HALF_WIDTH * max(bh, bw):
            continue
        top = cy_ <= cy_.min() + 2
        bot = cy_ >= cy_.max() - 2
        base = np.array([cx_[top].mean(), cy_.min() + 0.06 * hgt])
        far = np.array([cx_[bot].mean(), float(cy_.max())])
        tip = far - np.array([0.0, min(0.3 * hgt, float(np.median(dist[cy_, cx_])) + 1.0)])
        found.append(_Limb(comp, base, tip, (base + tip) / 2, int(comp.sum()), "side"))
    return found


def _blob_ellipse(comp: np.ndarray) -> Ellipse:
    ys, xs = np.nonzero(comp)
    return Ellipse(float(xs.mean()), float(ys.mean()), max(1.0, (xs.max() - xs.min() + 1) / 2.0),
                   max(1.0, (ys.max() - ys.min() + 1) / 2.0))


def find_face(rgba: np.ndarray, head: np.ndarray, mask: np.ndarray) -> dict[str, Ellipse]:
    """Eyes and mouth inside the ``head`` region (may be empty)."""
    ys, xs = np.nonzero(head)
    if len(xs) < 50:
        return {}
    hx0, hx1, hy0, hy1 = xs.min(), xs.max(), ys.min(), ys.max()
    hw, hh = hx1 - hx0 + 1, hy1 - hy0 + 1
    harea = float(head.sum())
    rgb = rgba[..., :3].astype(np.float32)
    lum = _luma(rgba[..., :3])
    inner = head & ndimage.binary_erosion(mask, iterations=max(2, int(0.02 * max(hw, hh))))
    inner &= rgba[..., 3] > 127  # a hole through the subject (a mug's handle) is not dark: no eye there
    skin_l = float(np.median(lum[inner])) if inner.any() else 128.0
    skin = np.median(rgb[inner], axis=0) if inner.any() else np.array([128.0, 128.0, 128.0])
    dark = inner & (lum < min(100.0, 0.6 * skin_l))
    light = inner & (lum > max(200.0, skin_l + 25)) & ((rgb.max(-1) - rgb.min(-1)) < 60)
    def comps(m: np.ndarray) -> list[np.ndarray]:
        lab, n = ndimage.label(m)
        found = []
        for i in range(1, n + 1):
            c = lab == i
            a = c.sum()
            if 0.0008 * harea <= a <= 0.08 * harea:
                found.append(c)
        return found
    candidates: list[tuple[Ellipse, float]] = []
    for c in comps(dark):
        e = _blob_ellipse(c)
        candidates.append((e, float(c.sum())))
    for c in comps(light):  # a white eye holding a dark pupil
        filled = ndimage.binary_fill_holes(c)
        if (filled & dark).sum() >= 0.05 * filled.sum() or (ndimage.binary_dilation(c, iterations=2) & dark).any():
            e = _blob_ellipse(filled | (ndimage.binary_dilation(filled, iterations=1) & dark))
            candidates.append((e, float(filled.sum()) * 1.5))
    cy_limit = hy0 + 0.75 * hh
    best: tuple[float, Ellipse, Ellipse] | None = None
    for i, (a, sa) in enumerate(candidates):
        for b, sb in candidates[i + 1:]:
            left, right = (a, b) if a.cx < b.cx else (b, a)
            if max(a.cy, b.cy) > cy_limit:
                continue
            dx = right.cx - left.cx
            dy = abs(a.cy - b.cy)
            size_ratio = max(sa, sb) / max(min(sa, sb), 1.0)
            if dx < 1.2 * (left.rx + right.rx) or dy > 0.6 * max(a.ry, b.ry) + 2 or size_ratio > 3.0:
                continue
            if dx > 0.8 * hw:
                continue
            mid_x = (left.cx + right.cx) / 2
            centred = abs(mid_x - (hx0 + hx1) / 2) / hw
            score = (sa + sb) / harea - 0.5 * centred - 0.02 * size_ratio
            if best is None or score > best[0]:
                best = (score, left, right)
    face: dict[str, Ellipse] = {}
    if best is None:
        # a profile: one eye, round, in the upper head, off the head's centre towards the snout
        singles = [(e, sa) for e, sa in candidates if e.cy < hy0 + 0.6 * hh and 0.5 < e.rx / e.ry < 2.0
                   and sa >= 0.002 * harea]
        if not singles:
            return face
        eye, _ = max(singles, key=lambda c: c[1])
        face["eye_l" if eye.cx < (hx0 + hx1) / 2 else "eye_r"] = eye
        return face
    _, left, right = best
    face["eye_l"], face["eye_r"] = left, right
    eye_y = max(left.cy + left.ry, right.cy + right.ry)
    mid_x = (left.cx + right.cx) / 2
    span = right.cx - left.cx
    diff = np.linalg.norm(rgb - skin, axis=-1)
    # a mouth is dark or red (a light muzzle is not a mouth); of several, the lowest (a nose sits higher)
    red = (rgb[..., 0] > rgb[..., 1] + 50) & (rgb[..., 0] > rgb[..., 2] + 20) & (diff > 50)
    strong = inner & (red | (lum < 0.6 * skin_l))
    lab, n = ndimage.label(strong)
    mouth_best: tuple[float, Ellipse] | None = None
    for i in range(1, n + 1):
        c = lab == i
        area = float(c.sum())
        if area < 0.0015 * harea or area > 0.2 * harea:
            continue
        e = _blob_ellipse(c)
        if e.cy <= eye_y or abs(e.cx - mid_x) > 0.45 * span or e.cy > hy1:
            continue
        if e.rx < 0.6 * e.ry:  # a mouth is wider than tall (or round when open)
            continue
        score = e.cy + 0.25 * e.ry
        if mouth_best is None or score > mouth_best[0]:
            mouth_best = (score, e)
    if mouth_best is not None:
        face["mouth"] = mouth_best[1]
    return face


def geometric_rig(rgba: np.ndarray) -> Rig:
    """The rig the silhouette and colours support (no model)."""
    h, w = rgba.shape[:2]
    mask = subject_mask(rgba)
    dist = ndimage.distance_transform_edt(mask)
    big_r = float(dist.max())
    r_open = 0.5 * big_r
    core = ndimage.distance_transform_edt(~(dist > r_open)) <= r_open
    core = _largest(core & mask)
    ys, xs = np.nonzero(mask)
    x0, x1, y0, y1 = xs.min(), xs.max(), ys.min(), ys.max()
    sw, sh = x1 - x0 + 1, y1 - y0 + 1
    cx_all = (x0 + x1) / 2
    limbs = _limbs(mask, core, dist, big_r)
    cdist = ndimage.distance_transform_edt(core)
    peaks = _peaks(cdist, core, 0.35 * big_r)
    # ---- head: the highest sizeable peak that is not the only one
    head_peak = body_peak = None
    if len(peaks) >= 2:
        big = [p for p in peaks if p[2] >= 0.55 * peaks[0][2]]
        if len(big) >= 2:
            head_peak = min(big, key=lambda p: p[1] - 0.3 * p[2])
            body_peak = max((p for p in big if p is not head_peak), key=lambda p: p[2])
            # a head sits above (or beside and above) the body, not below it
            if head_peak[1] > body_peak[1] - 0.2 * body_peak[2]:
                head_peak = None
    core_y, core_x = np.nonzero(core)
    if head_peak is not None and body_peak is not None:
        hx, hy, hr = head_peak
        bx, by, br = body_peak
        # power diagram between the two peaks splits the core into head and body
        d_head = np.hypot(core_x - hx, core_y - hy) - hr
        d_body = np.hypot(core_x - bx, core_y - by) - br
        head = np.zeros_like(mask)
        head[core_y[d_head < d_body], core_x[d_head < d_body]] = True
        head = _largest(head)
        body = core & ~head
    else:
        head = core.copy()
        body = np.zeros_like(mask)
    hys, hxs = np.nonzero(head)
    head_c = np.array([hxs.mean(), hys.mean()])
    head_top_y = float(hys.min())
    face = find_face(rgba, head, mask)
    # ---- classify limbs
    head_box = (hxs.min(), hxs.max(), hys.min(), hys.max())
    body_c = np.array([np.nonzero(body)[1].mean(), np.nonzero(body)[0].mean()]) if body.any() else head_c
    head_grown = ndimage.binary_dilation(head, iterations=4)
    for limb in limbs:
        if body.any() and not (ndimage.binary_dilation(limb.pixels, iterations=4) & head_grown).any():
            bys_, bxs_ = np.nonzero(body)
            bw_ = bxs_.max() - bxs_.min() + 1
            if abs(limb.base[0] - body_c[0]) > 0.3 * bw_ and limb.base[1] > body_c[1]:
                # a hand below a sleeve: the arm runs straight up along the side
                _grow_limb(limb, rgba, mask, dist, np.array([limb.base[0], float(bys_.min())]), full=True)
            else:
                _grow_limb(limb, rgba, mask, dist, body_c)
    for limb in limbs:
        on_head = (ndimage.binary_dilation(limb.pixels, iterations=4) & head_grown).sum() > 0
        on_body = body.any() and (ndimage.binary_dilation(limb.pixels, iterations=4) & body).sum() > 0
        v = limb.tip - limb.base
        up = v[1] < -0.3 * np.linalg.norm(v)
        if on_head and up and limb.base[1] < head_c[1] + 0.1 * (head_box[3] - head_box[2]) and not on_body:
            limb.kind = "ear"
        elif limb.base[1] > body_c[1] and v[1] > 0.3 * np.linalg.norm(v):
            limb.kind = "leg"
        else:
            limb.kind = "side"
    # two legs joined under the body come out as one piece with two feet: split it down the middle
    split: list[_Limb] = []
    for limb in limbs:
        if limb.kind == "leg":
            halves = _split_pair(limb, mask, dist)
            if halves:
                split.extend(halves)
                continue
        split.append(limb)
    limbs = split
    ears = sorted([lb for lb in limbs if lb.kind == "ear"], key=lambda lb: -lb.area)[:2]
    legs = sorted([lb for lb in limbs if lb.kind == "leg"], key=lambda lb: -lb.area)
    sides = sorted([lb for lb in limbs if lb.kind == "side"], key=lambda lb: -lb.area)
    has_head_split = head_peak is not None
    quadruped = has_head_split and body.any() and sw > sh and (
        len(legs) >= 3 or abs(head_c[0] - body_c[0]) > 0.25 * sw)
    joints: dict[str, Joint] = {}
    parts = np.zeros((h, w), np.uint8)

    def put(name: str, p: np.ndarray, conf: float = 0.6) -> None:
        joints[name] = Joint(float(p[0]), float(p[1]), conf)

    body_label = PART_NAMES.index("body") + 1

    def label(part: str, m: np.ndarray) -> None:
        # limbs grown into the body (an arm drawn over the torso) take those pixels from it
        free = (parts == 0) | ((parts == body_label) if part not in ("head", "body") else False)
        parts[m & free] = PART_NAMES.index(part) + 1

    if body.any():
        bys, bxs = np.nonzero(body)
        put("root", np.array([bxs.mean(), bys.mean()]))
        put("pelvis", np.array([bxs.mean(), bys.min() + 0.75 * (bys.max() - bys.min())]))
        put("chest", np.array([bxs.mean(), bys.min() + 0.25 * (bys.max() - bys.min())]))
        # the neck: where the head meets the body
        touch = ndimage.binary_dilation(head, iterations=3) & body
        neck = np.array([np.nonzero(touch)[1].mean(), np.nonzero(touch)[0].mean()]) if touch.any() else (
            head_c + body_c) / 2
        put("neck", neck)
        put("head", head_c)
        put("head_top", np.array([head_c[0], head_top_y + 0.15 * (head_c[1] - head_top_y)]))
        plan = BodyPlan.QUADRUPED if quadruped else BodyPlan.HUMANOID
    else:
        put("root", np.array([head_c[0], head_c[1] + 0.3 * (hys.max() - head_c[1])]))
        put("head", head_c)
        put("head_top", np.array([head_c[0], head_top_y + 0.15 * (head_c[1] - head_top_y)]))
        plan = BodyPlan.BLOB if face else BodyPlan.OBJECT
    label("head", head)
    label("body", body)
    # ears: the two biggest on the head, left/right by position
    for limb, side in zip(sorted(ears, key=lambda lb: lb.base[0]), ("l", "r") if len(ears) == 2 else
                          (("l",) if ears and ears[0].base[0] < head_c[0] else ("r",)), strict=False):
        put(f"ear_{side}_base", limb.base)
        put(f"ear_{side}_tip", limb.tip)
        label(f"ear_{side}", limb.pixels)
    if plan is BodyPlan.QUADRUPED:
        head_side = np.sign(head_c[0] - body_c[0]) or 1.0
        tails = [lb for lb in sides + legs if np.sign(lb.base[0] - body_c[0]) == -head_side
                 and lb.tip[1] < lb.base[1] + 0.3 * abs(lb.tip[0] - lb.base[0]) + 1]
        if tails:
            t = max(tails, key=lambda lb: lb.area)
            put("tail_base", t.base)
            put("tail_mid", t.mid)
            put("tail_tip", t.tip)
            label("tail", t.pixels)
            legs = [lb for lb in legs if lb is not t]
            sides = [lb for lb in sides if lb is not t]
        legs = sorted(legs, key=lambda lb: -lb.area)[:2]
    else:
        legs = sorted(legs, key=lambda lb: -lb.area)[:2]
        if body.any():
            arms = [lb for lb in sides if lb.base[1] < body_c[1]]
        else:  # a blob's arms stick out sideways from its middle band (not the lobes of a hem)
            band = (head_box[2] + 0.2 * (head_box[3] - head_box[2]), head_box[2] + 0.75 * (head_box[3] - head_box[2]))
            arms = [lb for lb in sides if band[0] <= lb.base[1] <= band[1]
                    and abs(lb.tip[0] - lb.base[0]) > abs(lb.tip[1] - lb.base[1])]
        arms = sorted(arms, key=lambda lb: -lb.area)[:2]
        if len(arms) == 2 and abs(arms[0].base[0] - arms[1].base[0]) < 0.1 * sw:
            arms = arms[:1]
        if not arms and body.any():
            arms = _arms_by_colour(rgba, mask, body, dist)
            for limb in arms:
                body &= ~limb.pixels
        for limb in arms:
            side = "l" if limb.base[0] < (joints["root"].x if "root" in joints else cx_all) else "r"
            if f"shoulder_{side}" in joints:
                continue
            put(f"shoulder_{side}", limb.base)
            put(f"elbow_{side}", limb.mid)
            put(f"hand_{side}", limb.tip)
            label(f"arm_{side}", limb.pixels)
        # a tail on a humanoid: a side protrusion low on the body pointing away
        others = [lb for lb in sides if lb not in arms and lb.base[1] >= body_c[1]]
        if others and body.any():
            t = max(others, key=lambda lb: lb.area)
            put("tail_base", t.base)
            put("tail_mid", t.mid)
            put("tail_tip", t.tip)
            label("tail", t.pixels)
    for limb in sorted(legs, key=lambda lb: lb.base[0]):
        side = "l" if limb.base[0] < (joints["root"].x if "root" in joints else cx_all) else "r"
        if f"hip_{side}" in joints:
            side = "r" if side == "l" else "l"
            if f"hip_{side}" in joints:
                continue
        put(f"hip_{side}", limb.base)
        put(f"knee_{side}", limb.mid)
        put(f"foot_{side}", limb.tip)
        label(f"leg_{side}", limb.pixels)
    # convention shared with the learned rig and the labelled set: on a legged character the root is
    # the pelvis (between the hips); on blobs and objects the body's centre
    hips = [joints[n] for n in ("hip_l", "hip_r") if n in joints]
    if hips and "pelvis" in joints:
        pel = np.array([np.mean([j.x for j in hips]), np.mean([j.y for j in hips])])
        if plan is BodyPlan.HUMANOID and len(hips) == 2:
            put("pelvis", pel)
        put("root", np.array([joints["pelvis"].x, joints["pelvis"].y]))
    # whatever is left (small bits, other limbs) goes with the body (or the head on a blob)
    label("body" if body.any() else "head", mask)
    # anti-aliased rim and cut-off specks: nearest label
    visible = rgba[..., 3] > 0
    if (visible & (parts == 0)).any():
        _, (iy, ix) = ndimage.distance_transform_edt(parts == 0, return_indices=True)
        fill = visible & (parts == 0)
        parts[fill] = parts[iy[fill], ix[fill]]
    rig = Rig(w, h, joints, face, plan, parts, "geometry")
    rig.validate()
    return rig


def _learned_joints(learned: Any) -> dict[str, tuple[float, float, float]]:
    """Accept {name: (x, y, conf)}, {name: Joint}, or an object with ``.joints`` of either."""
    src = getattr(learned, "joints", learned)
    out: dict[str, tuple[float, float, float]] = {}
    if not isinstance(src, Mapping):
        return out
    for name, j in src.items():
        if isinstance(j, Joint):
            out[str(name)] = (j.x, j.y, j.confidence)
        else:
            try:
                x, y, c = (float(v) for v in j)
            except (TypeError, ValueError):
                continue
            out[str(name)] = (x, y, c)
    return out


def _learned_face(learned: Any) -> dict[str, tuple[Ellipse, float]]:
    """Accept an object whose ``.face`` maps eye_l / eye_r / mouth to ``(ellipse, confidence)``
    pairs or to objects with ``.ellipse`` (cx, cy, rx, ry) and ``.confidence``."""
    src = getattr(learned, "face", None)
    out: dict[str, tuple[Ellipse, float]] = {}
    if not isinstance(src, Mapping):
        return out
    for name, f in src.items():
        ellipse, conf = (f.ellipse, f.confidence) if hasattr(f, "ellipse") else f
        try:
            cx, cy, rx, ry = (float(v) for v in ellipse)
        except (TypeError, ValueError):
            continue
        if rx > 0 and ry > 0:
            out[str(name)] = (Ellipse(cx, cy, rx, ry), float(conf))
    return out


def _limbs_on_silhouette(rgba: np.ndarray, joints: Mapping[str, tuple[float, float, float]],
                         seen: set[str]) -> set[str]:
    """Joint names of the learned limbs the geometry did not find but the drawing shows: the
    joint the limb attaches by and at least one more confident, all on the subject, and the bones between them inside it
    (a tail or an arm predicted off the silhouette is never added). On the hand-labelled
    OpenMoji set the geometry misses most arms held against the body and most profile legs."""
    alpha = rgba[..., 3] > 127
    h, w = alpha.shape
    ys, xs = np.nonzero(alpha)
    if len(xs) == 0:
        return set()
    diag = float(np.hypot(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1))
    grown = ndimage.binary_dilation(alpha, iterations=max(1, int(round(0.015 * diag))))
    out: set[str] = set()
    for part, chain in PART_JOINTS.items():
        if part in ("head", "body") or any(n in seen for n in chain):
            continue
        need = LEARNED_ADD_CONFIDENCE.get(part, LEARNED_MIN_CONFIDENCE)
        sure = [n for n in chain if n in joints and joints[n][2] >= need]
        if len(sure) < 2 or sure[0] != chain[0]:  # the joint it attaches by and one more
            continue
        pts = np.array([joints[n][:2] for n in sure], np.float64)
        if float(np.sum(np.hypot(*np.diff(pts, axis=0).T))) < LEARNED_MIN_LENGTH.get(part, 0.04) * diag:
            continue
        samples = np.concatenate([a + (b - a) * t[:, None] for a, b in zip(pts[:-1], pts[1:], strict=True)
                                  for t in (np.linspace(0.0, 1.0, 9),)])
        ix = np.clip(np.round(samples[:, 0]).astype(int), 0, w - 1)
        iy = np.clip(np.round(samples[:, 1]).astype(int), 0, h - 1)
        inside = grown[iy, ix] & (samples[:, 0] >= 0) & (samples[:, 0] < w) & (samples[:, 1] >= 0) & (samples[:, 1] < h)
        ends = [0] + [9 * k + 8 for k in range(len(sure) - 1)]
        if bool(inside[ends].all()) and float(inside.mean()) >= 0.85:
            out.update(sure)
    return out


def _limbs_off_their_parts(rig: Rig, taken: Mapping[str, tuple[float, float, float]]) -> set[str]:
    """Learned joints of the limbs whose part the geometry labelled but whose learned attachment joint lies
    off that part (farther than :data:`ATTACH_OFF_PART` of the subject's size): the limb keeps the geometry's
    joints. The part map is kept, so the part's pixels turn about that joint: a letter K's upper diagonal,
    its tip labelled an arm and the network's shoulder at the letter's middle, tore across when it turned.
    A profile animal is left as it is (its learned legs are joints to see and drag; see :func:`propose_rig`)."""
    if rig.parts is None or rig.plan is BodyPlan.QUADRUPED:
        return set()
    ys, xs = np.nonzero(rig.parts)
    if len(xs) == 0:
        return set()
    size = float(max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1))
    out: set[str] = set()
    for part, chain in PART_JOINTS.items():
        if part in ("head", "body") or chain[0] not in taken or not rig.has_part(part):
            continue
        py, px = np.nonzero(rig.parts == PART_NAMES.index(part) + 1)
        if len(px) == 0:
            continue
        x, y, _ = taken[chain[0]]
        if float(np.min(np.hypot(px - x, py - y))) > ATTACH_OFF_PART * size:
            out.update(chain)
    return out


def _limbed_network(learned: Any) -> bool:
    """Whether the network reads the drawing as a character with limbs (humanoid or quadruped, confidence
    :data:`LIMBED_PLAN_CONFIDENCE`)."""
    plan = getattr(learned, "body_plan", None)
    return (plan is not None and float(getattr(learned, "body_plan_confidence", 0.0)) >= LIMBED_PLAN_CONFIDENCE
            and getattr(plan, "value", plan) in (BodyPlan.HUMANOID.value, BodyPlan.QUADRUPED.value))


def _limbs_from_parts(rgba: np.ndarray, learned: Any, learned_joints: Mapping[str, tuple[float, float, float]],
                      limbs_seen: set[str]) -> dict[str, tuple[float, float, float]]:
    """Joints of the limbs the network's part map shows that neither the geometry nor the network's
    joints gave the rig: placed on the part (:mod:`.part_joints`); a joint the network places
    confidently inside the limb's part keeps the network's position."""
    parts = getattr(learned, "parts", None)
    if not ADD_FROM_PARTS or not isinstance(parts, np.ndarray) or parts.shape != rgba.shape[:2]:
        return {}
    plan = getattr(getattr(learned, "body_plan", None), "value", getattr(learned, "body_plan", None))
    if PARTS_NEED_LIMBED_PLAN and not (plan in (BodyPlan.HUMANOID.value, BodyPlan.QUADRUPED.value)
                                       and float(getattr(learned, "body_plan_confidence", 0.0)) >= 0.6):
        return {}  # a face, a blob or an object: the part map's "limbs" there are its own bits
    placed = limb_joints_from_parts(parts, rgba[..., 3])
    out: dict[str, tuple[float, float, float]] = {}
    h, w = parts.shape
    for part, chain in PART_JOINTS.items():
        if part in ("head", "body") or chain[0] not in placed or any(n in limbs_seen for n in chain):
            continue
        grown = ndimage.binary_dilation(parts == PART_NAMES.index(part) + 1, iterations=2)
        for name in chain:
            if name not in placed:
                continue
            x, y, conf = learned_joints.get(name, (0.0, 0.0, 0.0))
            ix, iy = int(round(x)), int(round(y))
            if conf >= PART_KEEPS_NET and 0 <= ix < w and 0 <= iy < h and grown[iy, ix]:
                out[name] = (x, y, conf)
            else:
                out[name] = (*placed[name], max(conf, LEARNED_MIN_CONFIDENCE))
    return out


def propose_rig(rgba: np.ndarray, learned: Any = None) -> Rig:
    """A rig for ``rgba``: a learned proposal's confident joints, the geometry for the rest.

    ``learned`` is what ``sticker_studio.engine.rig.predict_rig(rgba)`` returns (joints
    with confidences in the rig's names), or None for geometry only. When learned
    joints replace or add limbs, parts are re-assigned to the nearest bone.
    """

    # an ink stick figure (a head, a spine and limbs as single lines) is read from its strokes: the silhouette
    # and the network, made for filled characters, see an object in it (:mod:`.stick_figure`)
    stick = stick_figure_rig(rgba)
    if stick is not None:
        return stick
    rig = geometric_rig(rgba)
    face = {n: e for n, (e, c) in _learned_face(learned).items()
            if n in ("eye_l", "eye_r", "mouth") and c >= LEARNED_FACE_MIN_CONFIDENCE and on_subject(rgba, e)}
    # the geometry's eyes and mouth (precise where it finds a real eye), the network's where the geometry
    # found none or took something far bigger than the eye the network sees for one (ears, a dark muzzle):
    # eyes found on the hand-labelled OpenMoji set 91.5 % (geometry first 76.6 %, the network alone 85.1 %)
    for n, e in face.items():
        g = rig.face.get(n)
        if g is None or g.rx > 2 * e.rx + 2 or g.ry > 2 * e.ry + 2:
            rig.face[n] = e  # none found, or the geometry's is far bigger than an eye the network sees (an ear)
    # a lid must cover the eye as drawn, not the pupil or glint the network or the geometry took for it
    rig.face = fit_drawn_eyes(rgba, rig.face)
    # the network places the body's own joints and the joints of limbs the silhouette shows; it never
    # adds a limb on its own (on held-out drawings it saw ears and tails in antennas and arms)
    limbs_seen = {n for part, chain in PART_JOINTS.items() if part not in ("head", "body") and rig.has_part(part)
                  for n in chain}
    learned_joints = _learned_joints(learned)
    on_silhouette = _limbs_on_silhouette(rgba, learned_joints, limbs_seen)
    if not (rig.plan in (BodyPlan.HUMANOID, BodyPlan.QUADRUPED) or _limbed_network(learned)):
        # a blob or an object the network does not read as a limbed character: no arms or legs it cannot see
        on_silhouette -= {n for part in LIMB_PARTS for n in PART_JOINTS[part]}
    limbs_seen |= on_silhouette
    taken = {n: v for n, v in learned_joints.items()
             if (n in CORE_JOINTS or n in limbs_seen) and v[2] >= LEARNED_MIN_CONFIDENCE}
    taken.update(_limbs_from_parts(rgba, learned, learned_joints, limbs_seen))
    if not [n for n in taken if n not in rig.joints]:  # the geometry's part map stays (nothing is added)
        for name in _limbs_off_their_parts(rig, taken):
            taken.pop(name, None)
    if not taken:
        if face:
            rig.source = "learned+geometry"
            rig.validate()
        return rig
    added = [n for n in taken if n not in rig.joints]
    for name, (x, y, c) in taken.items():
        rig.joints[name] = Joint(x, y, min(1.0, max(0.0, c)))
    # a limb the network saw only in part (a hand and an elbow, no shoulder) cannot turn: drop it
    for part, chain in PART_JOINTS.items():
        if part not in ("head", "body") and chain[0] not in rig.joints:
            for name in chain[1:]:
                rig.joints.pop(name, None)
    rig.source = "learned+geometry"
    # a drawing the geometry read as one mass (blob/object) that the network reads as a confident
    # character with limbs on the silhouette takes the network's plan (a person with arms held to the body)
    plan = getattr(learned, "body_plan", None)
    limbs = any(chain[0] in rig.joints for part, chain in PART_JOINTS.items() if part in LIMB_PARTS)
    if limbs and _limbed_network(learned):
        rig.plan = BodyPlan(getattr(plan, "value", plan))
    if added and not (rig.plan is BodyPlan.QUADRUPED and rig.parts is not None):
        rig.parts = None  # the puppet assigns pixels to the nearest bone
    # a profile animal keeps the geometry's part map: its learned legs are joints to see and drag, not parts
    # that move (legs given the body's pixels by nearest bone and raised through it tore an OpenMoji cat)
    rig.validate()
    return rig
