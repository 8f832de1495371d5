"""A geometric reader for stick figures: a head, a spine and limbs drawn as single ink lines.

A person drawn in a few strokes (a circle or a filled dot for the head, one line for the spine, one or two
for each arm and leg) has no thick body for the silhouette rig (:mod:`.autorig`) to find, and the rig network
was trained on filled characters, so such a drawing used to come out as an *object* that moves as one piece.
This module reads it as a stick figure instead (numpy + scipy):

1. **Thin strokes.** The subject (alpha > 127) is ink lines: the pixels away from a filled head are thinner
   than :data:`MAX_STROKE` of the figure's size and of one dark ink (:data:`INK_SPREAD`, :data:`MAX_INK_LUMA`),
   and its skeleton
   (Zhang-Suen thinning) is a tree of lines.
2. **Head.** A filled dot (pixels much thicker than the strokes) or a closed round loop (a hole in the ink,
   a circle's inside: eyes and mouth drawn in it belong to it) touched by at most one line; with both, the
   dot. A circle the paper cut filled (a sketch on paper) is a dot.
3. **Limbs.** The skeleton outside the head, as a shortest-path tree from where it meets the head (the neck):
   its tips, after pruning short spurs and merging forks (fingers, a foot), are hands and feet. The two tips
   whose paths part deepest are the legs and where they part is the pelvis; the others are arms, whose
   shoulder is where their path leaves the spine. Elbow and knee: the path's sharpest bend (the point farthest
   from the chord) when it bends, else its middle; hand and foot the tips. ``_l`` is the viewer's left.
4. **Parts.** Every visible pixel goes to the nearest labelled skeleton line (spine = body, each limb its
   own), the head's pixels and everything inside its circle to the head: a wave moves the arm line alone.

:func:`stick_figure_rig` returns ``None`` for anything else (a filled character, an outline drawing with
closed shapes, a figure without head, spine or at least three limbs), so :func:`.autorig.propose_rig` rigs
those exactly as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import dijkstra

from sticker_studio.core.puppet.rig import PART_NAMES, BodyPlan, Ellipse, Joint, Rig

#: a drawing bigger than this (the subject's longer side, px) is read scaled down to it
READ_SIDE = 256
#: a stroke is at most this share of the figure's longer side wide (drawings: 1-4 %)
MAX_STROKE = 0.065
#: the head is at most this share of the figure's longer side across (and at least MIN_HEAD)
MAX_HEAD = 0.45
MIN_HEAD = 0.05
#: a dot head is this many times thicker than the strokes (its inscribed radius over the stroke's half-width)
DOT_THICKNESS = 2.2
#: outside the head at most this share of the ink is thicker than a stroke (a filled character has most)
MAX_THICK_SHARE = 0.12
#: the lines are one ink: 85 % of their opaque pixels within this RGB distance of their median colour
INK_SPREAD = 60.0
#: ... and dark: their median colour's luma at most this (black, blue or grey pen, pencil)
MAX_INK_LUMA = 130.0
#: a limb tip's branch shorter than this (share of the figure's size, or 2.5 stroke widths) is a spur
MIN_BRANCH = 0.08
#: two tips parting this close to their ends (share of the figure's size) are one limb's fork (fingers, a foot)
FORK = 0.1
#: a limb bends at its elbow/knee when the farthest point from its chord is this share of the chord away
MIN_BEND = 0.1
#: the loops lines close besides the head (a hand on the hip, crossed legs) hold at most this share of the
#: figure's size squared; more is an outline drawing of closed shapes
MAX_LOOP_AREA = 0.08
#: loops in the skeleton (touching or crossing lines) opened one by one, at most this many, trying at most
#: MAX_CUTS places each
MAX_LOOPS = 3
MAX_CUTS = 24
#: the rig's joint confidence
CONFIDENCE = 0.9
SOURCE = "stick-figure"

_HEAD, _BODY = PART_NAMES.index("head") + 1, PART_NAMES.index("body") + 1


@dataclass
class StickReading:
    """What the reader found (pixel coordinates of the drawing)."""

    joints: dict[str, tuple[float, float]]
    face: dict[str, Ellipse]
    parts: np.ndarray
    stroke: float
    head_kind: str


# ----------------------------------------------------------------------------- thinning
def _neighbour_code(img: np.ndarray) -> np.ndarray:
    """The 8 neighbours of every pixel as bits (P2..P9 clockwise from north = bits 0..7)."""
    p = np.pad(img, 1).astype(np.uint8)
    h, w = img.shape
    offs = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))
    code = np.zeros((h, w), np.uint8)
    for bit, (dy, dx) in enumerate(offs):
        code |= p[1 + dy:1 + dy + h, 1 + dx:1 + dx + w] << bit
    return code


def _zs_tables() -> tuple[np.ndarray, np.ndarray]:
    first, second = np.zeros(256, bool), np.zeros(256, bool)
    for c in range(256):
        n = [(c >> i) & 1 for i in range(8)]  # P2..P9
        b = sum(n)
        a = sum(1 for i in range(8) if n[i] == 0 and n[(i + 1) % 8] == 1)
        if not (2 <= b <= 6 and a == 1):
            continue
        p2, p4, p6, p8 = n[0], n[2], n[4], n[6]
        first[c] = p2 * p4 * p6 == 0 and p4 * p6 * p8 == 0
        second[c] = p2 * p4 * p8 == 0 and p2 * p6 * p8 == 0
    return first, second


_ZS_FIRST, _ZS_SECOND = _zs_tables()


def thin(mask: np.ndarray, max_iter: int = 200) -> np.ndarray:
    """Zhang-Suen thinning of a boolean mask to 8-connected one-pixel lines."""
    img = mask.astype(bool).copy()
    for _ in range(max_iter):
        changed = False
        for table in (_ZS_FIRST, _ZS_SECOND):
            kill = img & table[_neighbour_code(img)]
            if kill.any():
                img &= ~kill
                changed = True
        if not changed:
            break
    return img


# ----------------------------------------------------------------------------- graph
def _graph(skel: np.ndarray) -> tuple[np.ndarray, np.ndarray, coo_matrix]:
    """Pixel coordinates (N x 2, y x) of a skeleton, its index image and an 8-neighbour sparse graph."""
    ys, xs = np.nonzero(skel)
    index = -np.ones(skel.shape, np.int64)
    index[ys, xs] = np.arange(len(ys))
    rows, cols, vals = [], [], []
    h, w = skel.shape
    for dy, dx in ((0, 1), (1, -1), (1, 0), (1, 1)):
        ny, nx = ys + dy, xs + dx
        ok = (ny >= 0) & (ny < h) & (nx >= 0) & (nx < w)
        j = np.full(len(ys), -1)
        j[ok] = index[ny[ok], nx[ok]]
        keep = j >= 0
        rows.append(np.nonzero(keep)[0])
        cols.append(j[keep])
        vals.append(np.full(int(keep.sum()), float(np.hypot(dy, dx))))
    r, c, v = np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)
    n = len(ys)
    g = coo_matrix((np.concatenate([v, v]), (np.concatenate([r, c]), np.concatenate([c, r]))), shape=(n, n))
    return np.stack([ys, xs], 1), index, g


def _path(pred: np.ndarray, node: int) -> list[int]:
    out = [node]
    while pred[out[-1]] >= 0:
        out.append(int(pred[out[-1]]))
    return out[::-1]  # from the source


def _bend(points: np.ndarray) -> np.ndarray:
    """The elbow/knee of a path (x, y rows): its farthest point from the chord when it bends, else its middle."""
    a, b = points[0], points[-1]
    chord = b - a
    length = float(np.hypot(*chord))
    seg = np.hypot(*np.diff(points, axis=0).T)
    arc = np.concatenate([[0.0], np.cumsum(seg)])
    if length > 1e-6 and len(points) > 2:
        d = np.abs(chord[0] * (points[:, 1] - a[1]) - chord[1] * (points[:, 0] - a[0])) / length
        k = int(np.argmax(d))
        if d[k] >= MIN_BEND * length and 0.15 * arc[-1] <= arc[k] <= 0.85 * arc[-1]:
            return points[max(0, k - 1):k + 2].mean(0)
    k = int(np.searchsorted(arc, arc[-1] / 2))
    return points[min(k, len(points) - 1)].astype(np.float64)


# ----------------------------------------------------------------------------- the reader
def _head_candidates(mask: np.ndarray, dist: np.ndarray, stroke_half: float, size: float
                     ) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(kind, head pixels, inside) for a filled dot or round closed loops, best first."""
    out: list[tuple[str, np.ndarray, np.ndarray]] = []
    level = max(DOT_THICKNESS * stroke_half, 0.5 * MIN_HEAD * size)
    thick = dist >= level
    if thick.any():
        lab, n = ndimage.label(thick)
        sizes = ndimage.sum(thick, lab, np.arange(1, n + 1))
        core = lab == int(np.argmax(sizes)) + 1
        dot = (ndimage.distance_transform_edt(~core) <= level + 1.5) & mask
        ys, xs = np.nonzero(dot)
        across = max(xs.max() - xs.min(), ys.max() - ys.min()) + 1
        if MIN_HEAD * size <= across <= MAX_HEAD * size:
            out.append(("dot", dot, np.zeros_like(mask)))
    holes = ndimage.binary_fill_holes(mask) & ~mask
    lab, n = ndimage.label(holes)
    rings = []
    for i in range(1, n + 1):
        inside = ndimage.binary_fill_holes(lab == i)
        ys, xs = np.nonzero(inside)
        bw, bh = xs.max() - xs.min() + 1, ys.max() - ys.min() + 1
        across = max(bw, bh) + 2 * stroke_half
        if not MIN_HEAD * size <= across <= MAX_HEAD * size or max(bw, bh) > 1.7 * min(bw, bh):
            continue
        if inside.sum() < 0.75 * np.pi * bw * bh / 4:  # round, not a triangle between crossing lines
            continue
        ring = ndimage.binary_dilation(inside, iterations=int(np.ceil(2 * stroke_half)) + 1) & mask
        rings.append((float(inside.sum()), ("ring", ring | inside, inside)))
    out.extend(c for _, c in sorted(rings, key=lambda t: -t[0]))
    return out


def read_stick_figure(rgba: np.ndarray) -> StickReading | None:
    """The stick figure in ``rgba`` (HxWx4 uint8), or None when the drawing is not one."""
    rgba = np.asarray(rgba)
    if rgba.ndim != 3 or rgba.shape[2] != 4 or rgba.dtype != np.uint8:
        return None
    alpha = rgba[..., 3]
    full = alpha > 127
    if full.sum() < 64 or full.mean() > 0.6:  # nothing, or not cut out (an opaque scan)
        return None
    ys_all, xs_all = np.nonzero(full)
    pad = 2
    y0, y1 = max(0, ys_all.min() - pad), min(full.shape[0], ys_all.max() + pad + 1)
    x0, x1 = max(0, xs_all.min() - pad), min(full.shape[1], xs_all.max() + pad + 1)
    crop = rgba[y0:y1, x0:x1]
    ch, cw = crop.shape[:2]
    scale = min(1.0, READ_SIDE / max(ch, cw))
    if scale < 0.8:  # a big drawing is read at READ_SIDE (the lines' shape does not need more)
        crop = np.asarray(Image.fromarray(crop).resize((max(1, round(cw * scale)), max(1, round(ch * scale))),
                                                       Image.Resampling.BOX))
    else:
        scale = 1.0
    reading = _read_crop(crop)
    if reading is None:
        return None
    sx_, sy_ = crop.shape[1] / cw, crop.shape[0] / ch

    def back(x: float, y: float) -> tuple[float, float]:
        return (x + 0.5) / sx_ - 0.5 + x0, (y + 0.5) / sy_ - 0.5 + y0

    reading.joints = {k: back(x, y) for k, (x, y) in reading.joints.items()}
    reading.face = {k: Ellipse(*back(e.cx, e.cy), e.rx / sx_, e.ry / sy_) for k, e in reading.face.items()}
    reading.stroke /= scale
    small = reading.parts
    if scale != 1.0:
        small = np.asarray(Image.fromarray(small).resize((cw, ch), Image.Resampling.NEAREST))
    parts = np.zeros(full.shape, np.uint8)
    parts[y0:y1, x0:x1] = small
    visible = alpha > 0
    if (visible & (parts == 0)).any():  # soft rims and specks: the nearest part
        _, (iy, ix) = ndimage.distance_transform_edt(parts == 0, return_indices=True)
        fill = visible & (parts == 0)
        parts[fill] = parts[iy[fill], ix[fill]]
    parts[~visible] = 0
    reading.parts = parts
    return reading


def _read_crop(rgba: np.ndarray) -> StickReading | None:
    """:func:`read_stick_figure` on the drawing cropped to the subject (coordinates of the crop)."""
    mask = rgba[..., 3] > 127
    pad = 2
    lab, n = ndimage.label(mask, structure=np.ones((3, 3)))
    if n > 1:  # specks go; a head apart from the body and a face inside it stay
        sizes = ndimage.sum(mask, lab, np.arange(1, n + 1))
        mask = np.isin(lab, 1 + np.nonzero(sizes >= 0.002 * mask.sum())[0])
    size = float(max(mask.shape) - 2 * pad)
    if mask.sum() < 32 or size < 24:
        return None
    dist = ndimage.distance_transform_edt(mask)
    # the strokes' half-width: the typical ridge height of the thin ink
    ridge = mask & (dist >= ndimage.maximum_filter(dist, size=3))
    thin_ridge = ridge & (dist <= MAX_STROKE * size / 2)
    if thin_ridge.sum() < 0.5 * size:
        return None
    stroke_half = float(np.median(dist[thin_ridge]))
    if 2 * stroke_half > MAX_STROKE * size:
        return None
    for kind, head, inside in _head_candidates(mask, dist, stroke_half, size):
        reading = _read_with_head(rgba, mask, dist, stroke_half, size, kind, head, inside)
        if reading is not None:
            return reading
    return None


def _read_with_head(rgba: np.ndarray, mask: np.ndarray, dist: np.ndarray, stroke_half: float, size: float,
                    kind: str, head: np.ndarray, inside: np.ndarray) -> StickReading | None:
    head_zone = head | inside
    # outside the head, the ink is strokes: little of it thicker than one
    rest = mask & ~ndimage.binary_dilation(head_zone, iterations=2)
    if rest.sum() < 0.2 * mask.sum():
        return None
    # the lines are one ink (a cartoon's thin limbs are skin, sleeves, trousers, shoes)
    # and dark, as a pen's or a pencil's (a trombone's golden tubes are not a stick figure)
    solid = rest & (rgba[..., 3] > 200)
    if solid.sum() >= 16:
        rgb = rgba[..., :3][solid].astype(np.float32)
        ink = np.median(rgb, axis=0)
        if np.mean(np.linalg.norm(rgb - ink, axis=1) <= INK_SPREAD) < 0.85:
            return None
        if float(ink @ np.array([0.299, 0.587, 0.114], np.float32)) > MAX_INK_LUMA:
            return None
    thick = rest & (dist > max(2.0 * stroke_half + 1.5, 0.25 * MIN_HEAD * size))
    if thick.sum() > MAX_THICK_SHARE * rest.sum():
        return None
    # big closed shapes besides the head (an outline drawing): not a stick figure
    holes = ndimage.binary_fill_holes(rest) & ~rest
    if holes.sum() > MAX_LOOP_AREA * size * size:
        return None
    # pinholes in a thick or wobbly line (anti-aliasing) would thin to loops
    pin = ndimage.binary_fill_holes(rest) & ~rest
    lab_p, n_p = ndimage.label(pin)
    if n_p:
        areas = ndimage.sum(pin, lab_p, np.arange(1, n_p + 1))
        rest = rest | np.isin(lab_p, 1 + np.nonzero(areas <= max(4.0, 4.0 * stroke_half ** 2))[0])
    skel = thin(rest)
    if skel.sum() < 0.3 * size:
        return None
    read = _read_skeleton(rgba, mask, skel, head, inside, stroke_half, size, kind)
    # lines that touch or cross (a hand on the hip, a kneeling figure's arm on its thigh, crossed legs) close
    # loops in the skeleton, and a shortest-path tree cuts them anywhere: try cutting each loop at each branch
    # of its junctions and keep the reading whose limbs look most like limbs
    for _ in range(MAX_LOOPS):
        loops = ndimage.binary_fill_holes(skel) & ~skel
        if not loops.any():
            break
        cuts = _loop_cuts(skel, loops)
        best: tuple[float, StickReading, np.ndarray] | None = None
        for cut in cuts:
            trial = skel.copy()
            trial[cut] = False
            r = _read_skeleton(rgba, mask, trial, head, inside, stroke_half, size, kind)
            if r is not None and (best is None or r[1] < best[0]):
                best = (r[1], r[0], trial)
        if best is None:
            break
        read, skel = (best[1], best[0]), best[2]
    return None if read is None else read[0]


def _loop_cuts(skel: np.ndarray, loops: np.ndarray) -> list[tuple[int, int]]:
    """Pixels whose removal opens a loop: the first pixel of each branch at the loops' junctions."""
    code = _neighbour_code(skel)
    count = np.array([bin(c).count("1") for c in range(256)], np.uint8)[code]
    junction = skel & (count >= 3)
    near = ndimage.binary_dilation(loops, iterations=3)
    lab, n = ndimage.label(junction, structure=np.ones((3, 3)))
    out: list[tuple[int, int]] = []
    for k in range(1, n + 1):
        blob = lab == k
        if not (blob & near).any():
            continue
        ring = ndimage.binary_dilation(blob, structure=np.ones((3, 3))) & skel & ~blob
        ys, xs = np.nonzero(ring)
        out.extend(zip(ys.tolist(), xs.tolist(), strict=True))
    return out[:MAX_CUTS]


def _read_skeleton(rgba: np.ndarray, mask: np.ndarray, skel: np.ndarray, head: np.ndarray, inside: np.ndarray,
                   stroke_half: float, size: float, kind: str) -> tuple[StickReading, float] | None:
    """The figure a skeleton tree shows, and how unlike limbs its limbs are (0 = two even arms and legs)."""
    head_zone = head | inside
    coords, index, graph = _graph(skel)
    # where the skeleton meets the head (the neck, and arms drawn from the head): a virtual source node joined
    # to every skeleton pixel by the head, or to the nearest one when a gap parts the head from the body
    hd = ndimage.distance_transform_edt(~head_zone)
    sy, sx = coords[:, 0], coords[:, 1]
    gap = hd[sy, sx]
    near = np.nonzero(gap <= 3.0 + 2.0 * stroke_half)[0]
    # one entry per place the skeleton meets the head: its pixel nearest the head
    near_lab, n_near = ndimage.label(np.isin(index, near) & skel, structure=np.ones((3, 3)))
    near_k = near_lab[sy[near], sx[near]]
    entries = np.array([near[near_k == k][int(np.argmin(gap[near][near_k == k]))] for k in range(1, n_near + 1)],
                       np.int64)
    if len(entries) == 0:
        nearest = int(np.argmin(gap))
        if gap[nearest] > 0.2 * size:
            return None
        entries = np.array([nearest])
    src = len(coords)
    # a line passing the head (an arm raised beside it) loses the pixels it shares with the head: its pieces
    # are bridged across that contact, end to the nearest other line by the head
    band = np.nonzero(gap <= 5.0 + 2.0 * stroke_half)[0]
    if len(band) > 1:
        code = _neighbour_code(skel)
        ends = band[np.array([bin(int(c)).count("1") for c in code[sy[band], sx[band]]]) == 1]
        band_lab, _ = ndimage.label(np.isin(index, band) & skel, structure=np.ones((3, 3)))
        piece = band_lab[sy, sx]
        rows, cols, vals = [graph.row], [graph.col], [graph.data]
        for a in ends:
            other = band[piece[band] != piece[a]]
            if len(other) == 0:
                continue
            dd = np.hypot(sy[other] - sy[a], sx[other] - sx[a])
            k = int(np.argmin(dd))
            if dd[k] <= 4.0 * stroke_half + 8.0:
                rows.append(np.array([a, other[k]]))
                cols.append(np.array([other[k], a]))
                vals.append(np.full(2, float(dd[k])))
        graph = coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=graph.shape)
    # the neck is the entry that faces the body (a raised hand touching the head is another entry): the
    # skeleton is walked from it first, and only pieces it cannot reach (an arm drawn from the head) from the rest
    hys, hxs = np.nonzero(head_zone)
    head_c = np.array([hxs.mean(), hys.mean()])
    body_dir = np.array([sx.mean(), sy.mean()]) - head_c
    body_dir /= max(float(np.hypot(*body_dir)), 1e-6)
    to_entry = np.stack([sx[entries], sy[entries]], 1) - head_c
    facing = (to_entry @ body_dir) / np.maximum(np.hypot(to_entry[:, 0], to_entry[:, 1]), 1e-6)
    neck_entries = entries[[int(np.argmax(facing))]]

    def walk(starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        g = coo_matrix((np.concatenate([graph.data, np.full(2 * len(starts), 1e-3)]),
                        (np.concatenate([graph.row, np.full(len(starts), src), starts]),
                         np.concatenate([graph.col, starts, np.full(len(starts), src)]))),
                       shape=(src + 1, src + 1)).tocsr()
        d, p = dijkstra(g, indices=src, return_predecessors=True)
        return d, np.where(p < 0, -1, p)

    dists, pred = walk(neck_entries)
    if len(neck_entries) < len(entries) and not np.isfinite(dists[:src]).all():
        d2, p2 = walk(entries)
        other = ~np.isfinite(dists)
        dists[other], pred[other] = d2[other], p2[other]
    reach = np.isfinite(dists)
    if reach[:src].sum() < 0.6 * len(coords):  # the figure falls apart into pieces
        return None
    neck_i = src
    # tips of the shortest-path tree, spurs pruned
    children = np.zeros(src + 1, np.int64)
    ok = reach & (pred >= 0)
    np.add.at(children, pred[ok], 1)
    tips = [int(i) for i in np.nonzero(reach & (children == 0))[0] if i != neck_i]
    min_branch = max(MIN_BRANCH * size, 5.0 * stroke_half)

    def branch_start(i: int) -> int:
        """The first node up the tree from ``i`` with another child (or the neck)."""
        j = i
        while pred[j] >= 0 and children[pred[j]] <= 1:
            j = int(pred[j])
        return int(pred[j]) if pred[j] >= 0 else j

    # the shortest spur first, so a one-pixel leaf on a staircase of the line never hides the limb's real end
    while len(tips) > 1:
        reach_t = [dists[t] - dists[branch_start(t)] for t in tips]
        k = int(np.argmin(reach_t))
        if reach_t[k] >= min_branch:
            break
        t = tips.pop(k)
        b = branch_start(t)
        j = t
        while j != b:  # take the spur out of the tree
            children[pred[j]] -= 1
            j = int(pred[j])
    paths = {t: _path(pred, t)[1:] for t in tips}  # from the entry by the head (the source left out)

    def lca(a: int, b: int) -> int:
        pa, pb = paths[a], paths[b]
        k = 0
        while k < min(len(pa), len(pb)) and pa[k] == pb[k]:
            k += 1
        return pa[k - 1] if k else neck_i

    # forks: two tips that part close to their ends are one limb (fingers, a foot drawn as a T)
    merged = True
    while merged and len(tips) > 1:
        merged = False
        best = None
        for i, a in enumerate(tips):
            for b in tips[i + 1:]:
                m = lca(a, b)
                reach_ab = max(dists[a], dists[b]) - dists[m]
                if best is None or reach_ab < best[0]:
                    best = (reach_ab, a, b, m)
        if best is not None and best[0] < FORK * size and dists[best[3]] > 0.3 * max(dists[best[1]], dists[best[2]]):
            _, a, b, _ = best
            tips.remove(a if dists[a] < dists[b] else b)
            merged = True
    if not 3 <= len(tips) <= 5:
        return None
    # legs: the two tips whose paths part deepest
    pairs = [(dists[lca(a, b)], a, b) for i, a in enumerate(tips) for b in tips[i + 1:]]
    depth, la, lb = max(pairs)
    pelvis_i = lca(la, lb)
    if pelvis_i == src or depth < 0.1 * size:
        return None  # no spine
    spine = paths[la][:paths[la].index(pelvis_i) + 1]
    neck_i = spine[0]
    spine_set = set(spine)
    arms = [t for t in tips if t not in (la, lb)]
    if len(arms) > 2:  # keep the two longest
        arms = sorted(arms, key=lambda t: -(dists[t]))[:2]
    xy = coords[:, ::-1].astype(np.float64)  # (x, y)

    def limb(tip: int, root_pred: set[int]) -> tuple[int, list[int]]:
        p = paths[tip]
        k = max((i for i, node in enumerate(p) if node in root_pred), default=0)  # an arm drawn from the head
        return p[k], p[k:]

    joints: dict[str, tuple[float, float]] = {}
    labels = np.zeros(mask.shape, np.uint8)
    labels[sy[spine], sx[spine]] = _BODY
    neck = xy[neck_i]
    pelvis = xy[pelvis_i]
    # limbs: legs part at the pelvis, arms leave the spine at their shoulder
    found: list[tuple[str, np.ndarray, np.ndarray, np.ndarray, list[int]]] = []
    spine_xy = xy[spine]

    def attach(path: list[int]) -> np.ndarray:
        """Where a limb leaves the spine. The skeleton parts only where the strokes part, which for a limb
        drawn at a sharp angle to the spine (arms hanging, legs together) is below where it was drawn from:
        there the limb's line is followed back to the spine's (as far as the strokes' width explains)."""
        pts = xy[path]
        arc = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(pts, axis=0).T))])
        if len(pts) < 3 or arc[-1] < 1e-6 or len(spine) < 3:
            return pts[0]
        i0, i1 = int(np.searchsorted(arc, 0.1 * arc[-1])), int(np.searchsorted(arc, 0.4 * arc[-1]))
        p0 = pts[i0]
        d = pts[i1] - p0
        d /= max(float(np.hypot(*d)), 1e-6)
        k = int(np.argmin(np.hypot(*(spine_xy - pts[0]).T)))
        span = max(2, int(0.15 * len(spine)))
        e = spine_xy[min(len(spine) - 1, k + span)] - spine_xy[max(0, k - span)]
        e /= max(float(np.hypot(*e)), 1e-6)
        sin = float(d[0] * e[1] - d[1] * e[0])
        rel0 = pts[0] - p0
        if abs(sin) < 0.17 or abs(float(rel0[0] * d[1] - rel0[1] * d[0])) > stroke_half + 1.5:
            return pts[0]  # parallel to the spine, or the limb turns at its root (a hip bar): it starts there
        q = spine_xy[k]
        # p0 + s d = q + u e
        s_, u_ = np.linalg.solve(np.array([[d[0], -e[0]], [d[1], -e[1]]]), q - p0)
        t = -float(s_) - arc[i0]  # back past the root
        if 0.0 < t <= 3.0 * stroke_half / abs(sin) + 2.0 and float(u_) <= stroke_half:
            return q + float(u_) * e
        return pts[0]

    legs_found = []
    for tip in (la, lb):
        _, p = limb(tip, {pelvis_i})
        legs_found.append((p, attach(p)))
    pelvis = np.mean([a for _, a in legs_found], axis=0)
    for p, _ in legs_found:
        found.append(("leg", pelvis, _bend(xy[p]), xy[p[-1]], p))
    for tip in arms:
        root, p = limb(tip, spine_set)
        if root == pelvis_i:  # leaves at the pelvis: a third leg, a tail... not an arm
            continue
        found.append(("arm", attach(p) if root in spine_set else xy[root], _bend(xy[p]), xy[tip], p))
    for kind_ in ("leg", "arm"):
        mine = [f for f in found if f[0] == kind_]
        # _l = the viewer's left: the limb whose path lies further left
        mine.sort(key=lambda f: float(xy[f[4]][:, 0].mean()))
        sides = ("l", "r") if len(mine) == 2 else (("l",) if mine and mine[0][3][0] < pelvis[0] else ("r",))
        for (_, base, mid, tip_xy, p), side in zip(mine, sides, strict=False):
            top, bend, end = ("hip", "knee", "foot") if kind_ == "leg" else ("shoulder", "elbow", "hand")
            joints[f"{top}_{side}"] = (float(base[0]), float(base[1]))
            joints[f"{bend}_{side}"] = (float(mid[0]), float(mid[1]))
            joints[f"{end}_{side}"] = (float(tip_xy[0]), float(tip_xy[1]))
            part = f"{'leg' if kind_ == 'leg' else 'arm'}_{side}"
            labels[sy[p[1:]], sx[p[1:]]] = PART_NAMES.index(part) + 1
    if not any(k.startswith("shoulder") for k in joints):
        return None  # legs and no arm: not sure enough to call it a person
    hys, hxs = np.nonzero(inside if inside.any() else head)
    head_c = np.array([hxs.mean(), hys.mean()])
    r = 0.5 * max(hxs.max() - hxs.min() + 1, hys.max() - hys.min() + 1) + (stroke_half if inside.any() else 0.0)
    to_neck = neck - head_c
    dn = float(np.hypot(*to_neck))
    if 1e-6 < dn <= r + 3.0 + 2.0 * stroke_half:  # the spine touches the head: the neck is on its rim
        neck = head_c + to_neck / dn * min(dn, r)
    up = head_c - neck
    up = up / max(float(np.hypot(*up)), 1e-6)
    # the neck sits where the spine meets the head (on the head's rim when they touch)
    joints.update(neck=(float(neck[0]), float(neck[1])), pelvis=(float(pelvis[0]), float(pelvis[1])),
                  root=(float(pelvis[0]), float(pelvis[1])),
                  chest=(float(neck[0] + (pelvis[0] - neck[0]) / 3), float(neck[1] + (pelvis[1] - neck[1]) / 3)),
                  head=(float(head_c[0]), float(head_c[1])),
                  head_top=(float(head_c[0] + 0.85 * r * up[0]), float(head_c[1] + 0.85 * r * up[1])))
    # the rest of the skeleton (pruned spurs) goes with the nearest line it sprouts from
    labels[head_zone] = _HEAD
    _, (iy, ix) = ndimage.distance_transform_edt(labels == 0, return_indices=True)
    parts = labels[iy, ix]
    parts[~mask] = 0
    parts[head_zone] = _HEAD
    face = _face(rgba, mask, inside, up, stroke_half) if inside.any() else {}
    # how unlike a person's limbs: uneven pairs, legs shorter than arms, a limb that turns back on itself
    lengths: dict[str, list[float]] = {"arm": [], "leg": []}
    penalty = 0.0
    for kind_, base, mid, tip_xy, p in found:
        pts = xy[p]
        arc = float(np.hypot(*np.diff(pts, axis=0).T).sum()) if len(pts) > 1 else 0.0
        lengths[kind_].append(max(arc, 1.0))
        penalty += 2.0 * (arc / max(float(np.hypot(*(mid - base)) + np.hypot(*(tip_xy - mid))), 1.0) - 1.0)
    for ls in lengths.values():
        penalty += abs(float(np.log(ls[0] / ls[1]))) if len(ls) == 2 else 1.0
    if lengths["arm"]:
        penalty += max(0.0, float(np.log(np.mean(lengths["arm"]) / np.mean(lengths["leg"]))))
    return StickReading(joints, face, parts.astype(np.uint8), 2 * stroke_half, kind), penalty


def _face(rgba: np.ndarray, mask: np.ndarray, inside: np.ndarray, up: np.ndarray,
          stroke_half: float) -> dict[str, Ellipse]:
    """Eyes and a mouth drawn inside a ring head: ink not touching the ring, two side by side above, one below."""
    inner = ndimage.binary_erosion(inside, iterations=max(1, int(round(stroke_half))))
    lum = rgba[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    ink = inner & mask
    opaque_inside = (rgba[..., 3] > 127) & inner
    if opaque_inside.sum() > 0.5 * inner.sum():  # a head the paper cut filled: the ink is what is dark in it
        ink = inner & (lum < min(110.0, 0.6 * float(np.median(lum[opaque_inside]))))
    lab, n = ndimage.label(ink, structure=np.ones((3, 3)))
    if n == 0:
        return {}
    ys, xs = np.nonzero(inside)
    c = np.array([xs.mean(), ys.mean()])
    r = 0.5 * max(xs.max() - xs.min() + 1, ys.max() - ys.min() + 1)
    side = np.array([-up[1], up[0]])
    blobs = []
    for i in range(1, n + 1):
        by, bx = np.nonzero(lab == i)
        if len(bx) < 2:
            continue
        e = Ellipse(float(bx.mean()), float(by.mean()), max(1.0, (bx.max() - bx.min() + 1) / 2),
                    max(1.0, (by.max() - by.min() + 1) / 2))
        rel = np.array([e.cx, e.cy]) - c
        blobs.append((e, float(rel @ up) / r, float(rel @ side) / r, len(bx)))
    face: dict[str, Ellipse] = {}
    upper = [b for b in blobs if b[1] > 0.0 and max(b[0].rx, b[0].ry) < 0.35 * r]
    best = None
    for i, a in enumerate(upper):
        for b in upper[i + 1:]:
            if abs(a[2] - b[2]) > 0.3 and abs(a[1] - b[1]) < 0.3 and max(a[3], b[3]) < 3 * min(a[3], b[3]):
                score = a[3] + b[3]
                if best is None or score > best[0]:
                    best = (score, a, b)
    if best is not None:
        left, right = sorted((best[1][0], best[2][0]), key=lambda e: e.cx)
        face["eye_l"], face["eye_r"] = left, right
        lower = [b for b in blobs if b[1] < -0.05 and b is not best[1] and b is not best[2]]
        if lower:
            face["mouth"] = max(lower, key=lambda b: b[3])[0]
    return face


def stick_figure_rig(rgba: np.ndarray) -> Rig | None:
    """A humanoid rig for an ink stick figure, or None when ``rgba`` is not one (see the module docs)."""
    reading = read_stick_figure(rgba)
    if reading is None:
        return None
    h, w = rgba.shape[:2]
    joints = {k: Joint(x, y, CONFIDENCE) for k, (x, y) in reading.joints.items()}
    rig = Rig(w, h, joints, dict(reading.face), BodyPlan.HUMANOID, reading.parts, SOURCE)
    rig.validate()
    return rig
