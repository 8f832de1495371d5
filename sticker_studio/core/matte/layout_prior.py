"""The layout prior of the matting head: what the border colour already says about a frame.

A drawing on a flat background (white paper, a pale chat colour) tells us a lot before
any network runs: the background colour (the median of the frame border), which pixels
look like it, and which of those are *connected to the border* (certainly background)
versus *enclosed* by the subject. What it cannot tell is whether an enclosed
background-coloured region is a hole (a donut's, a mug handle's) or a white interior (a
belly, an eye) — that is left "unknown" (0.5) for the network to decide.

Channels (all in [0, 1], ``PRIOR_CHANNELS`` of them, in this order):

* ``distance`` — RGB distance to the background colour / 441 (×4, clipped: the range
  that matters is near the background);
* ``tight`` — border-connected flood through pixels within the tight tolerance;
* ``loose`` — the same at the loose tolerance;
* ``enclosed`` — background-coloured (loose tolerance) regions *not* reached from the border;
* ``key`` — a colour-key alpha: 0 on the border-connected background, a smooth ramp over
  the anti-aliased band, 1 on the subject, 0.5 on enclosed candidates.

The background colour itself travels beside these as three more constant channels
(:func:`prior_array`). numpy + scipy only (``core`` never imports torch).

:func:`vote_enclosed_regions` decides each enclosed region once per clip: regions are
linked across frames by overlap, the network's alpha is averaged over the track's
paper-coloured core (:func:`region_cores`: the pixels within the tight tolerance of the
background, what a hole is made of) in every frame, and every frame gets the same keep/remove
decision, so a hole does not flicker shut. A region's rim — anti-aliasing, and on a background
close to a subject colour the parts of the subject inside the loose tolerance — is the
network's to decide unless the decision goes against the network's own (a flip).
Background-coloured areas the network keeps although the border flood reaches them
(:func:`kept_paper_labels`) become tracks too, so the user can remove them with a click.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
from scipy import ndimage

if TYPE_CHECKING:
    from sticker_studio.core.matte.hole_shape import RegionShape

#: channels of :attr:`LayoutPrior.channels` (the background colour's three come on top)
PRIOR_NAMES: tuple[str, ...] = ("distance", "tight", "loose", "enclosed", "key")
PRIOR_CHANNELS = len(PRIOR_NAMES)
#: channels a head gets from :func:`prior_array`: the prior plus the background colour
PRIOR_INPUT_CHANNELS = PRIOR_CHANNELS + 3
#: a region is kept when its mean alpha over the clip (:func:`track_means`) is at least this
VOTE_THRESHOLD = 0.5
#: enclosed candidate regions smaller than this (pixels at 512²-equivalent) are ignored
MIN_REGION_PIXELS_512 = 24
#: an anti-aliased edge is this wide (pixels at 512²): the loose flood further than this past the tight
#: one is no edge but a pale area (a grey mug, a panda's face on white, or a glow or shadow)
LOOSE_BAND_512 = 1
#: a pale body is made of flat fills: on this share of its pixels the local grain
#: (:func:`sticker_studio.core.matte.background.local_grain`) is at most PALE_FLAT_GRAIN grey levels
#: (a glow's or a soft shadow's gradient is not flat)
PALE_FLAT_SHARE = 0.8
PALE_FLAT_GRAIN = 0.6
#: whether a flat-coloured pale part that meets the paper with a drawn edge is a pale body without
#: islands (:mod:`sticker_studio.core.matte.pale_body`)
PALE_DRAWN_EDGES = True
#: ...and whether (on flat paper) a part flat by the grain away from its edges counts as flat
PALE_FLAT_INSIDE = True
#: whether on textured paper the pale fills the paper test tells from the paper are pale bodies
#: (:func:`sticker_studio.core.matte.pale_body.textured_paper_fills`)
TEXTURE_FILLS = True
#: whether on JPEG frames a pale body's rim takes the opacity its colour says
#: (:func:`sticker_studio.core.matte.pale_body.rim_alpha`) rather than the head's
PALE_RIM_RAMP = True
#: whether a pale fill on textured paper leaves its rim toward the paper to the head and the edge steps
TEXTURE_FILL_RIMS = True
_MAX_DIST = float(np.sqrt(3.0) * 255.0)


#: the tight tolerance of a background with (next to) no noise: a flat plate
TIGHT_MIN = 8.0


@dataclass(frozen=True)
class Tolerances:
    """RGB distances (0-441): below ``tight`` is background; ``loose`` bounds the edge band."""

    tight: float
    loose: float

    @property
    def flat(self) -> bool:
        """Whether the border is one flat colour (its noise is within :data:`TIGHT_MIN`)."""
        return self.tight <= TIGHT_MIN


@dataclass
class LayoutPrior:
    """The prior of one frame: ``channels`` (H, W, PRIOR_CHANNELS) float32 in [0, 1];
    ``background`` (3,) float32 in [0, 1]; ``enclosed_labels`` (H, W) int32 (0 = none)."""

    channels: np.ndarray
    background: np.ndarray
    enclosed_labels: np.ndarray
    tolerances: Tolerances
    #: on textured paper the (H, W) bool of pixels that may be paper (all but flat fills:
    #: :func:`sticker_studio.core.matte.background.paper_like`); None on smooth paper
    paper: np.ndarray | None = None
    #: on textured paper the (H, W) bool of pixels whose own grain is the paper's
    #: (:func:`sticker_studio.core.matte.background.grainy`); None on smooth paper
    grainy: np.ndarray | None = None
    #: (H, W) int32 labels of pale bodies the loose flood swallowed (:func:`_pale_bodies`; 0 = none)
    pale_labels: np.ndarray | None = None
    #: labels of :attr:`enclosed_labels` from this one on are paper pockets (:func:`_add_pockets`): not
    #: in the ``enclosed`` channel the head saw; their shape is judged against the tight flood
    pockets_from: int | None = None

    @property
    def key_alpha(self) -> np.ndarray:
        return self.channels[..., PRIOR_NAMES.index("key")]

    @cached_property
    def distance(self) -> np.ndarray:
        """(H, W) RGB distance to the background colour (0-441; saturates at 110, beyond the loose band).
        Computed once (the vote, the cues and the floors read it ~5 times a frame); read-only."""
        out = self.channels[..., 0] * (_MAX_DIST / 4.0)
        out.flags.writeable = False
        return out

    @property
    def ramp_alpha(self) -> np.ndarray:
        """The colour-key alpha as if every candidate were background (what a removed region gets)."""
        return _ramp(self.distance, self.tolerances)


def border_pixels(frames: np.ndarray) -> np.ndarray:
    """(M, 3) float32: the outer one-pixel ring of every frame of (N, H, W, 3) or (H, W, 3)."""
    f = frames[None] if frames.ndim == 3 else frames
    f = f[..., :3].astype(np.float32)
    return np.concatenate([f[:, 0], f[:, -1], f[:, 1:-1, 0], f[:, 1:-1, -1]], axis=1).reshape(-1, 3)


def estimate_background(frames: np.ndarray) -> tuple[np.ndarray, Tolerances]:
    """The border-median colour (3,) in 0-255 and tolerances adapted to the border's noise."""
    ring = border_pixels(frames)
    bg = np.median(ring, axis=0).astype(np.float32)
    noise = float(np.percentile(np.linalg.norm(ring - bg, axis=1), 75))
    tight = min(24.0, max(TIGHT_MIN, 2.5 * noise))
    loose = max(tight + 40.0, 56.0)
    return bg, Tolerances(tight, loose)


def _ramp(dist: np.ndarray, tol: Tolerances) -> np.ndarray:
    x = np.clip((dist - tol.tight) / max(1e-6, tol.loose - tol.tight), 0.0, 1.0)
    return (x * x * (3.0 - 2.0 * x)).astype(np.float32)


def _border_connected(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """(reached-from-border mask, component labels, count) of a boolean mask (4-connected)."""
    labels, count = ndimage.label(mask)
    edge = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    edge = edge[edge > 0]
    keep = np.zeros(count + 1, bool)
    keep[edge] = True
    return keep[labels], labels, count


def layout_prior(rgb: np.ndarray, background: np.ndarray | None = None,
                 tolerances: Tolerances | None = None, grain: float | None = None) -> LayoutPrior:
    """The prior of one RGB uint8 frame (H, W, 3); background/tolerances default to its border's.

    ``grain``: the paper's texture (:func:`sticker_studio.core.matte.background.paper_grain`; default
    its border's). On textured paper (tolerances not flat) only pixels that show the paper's texture
    count as paper (:attr:`LayoutPrior.paper`): a pale flat fill within the tolerance is subject.
    On smooth paper, flat pale bodies the loose flood swallowed are found (:attr:`LayoutPrior.pale_labels`).
    """
    from sticker_studio.core.matte.background import grainy, paper_grain, paper_like

    if background is None or tolerances is None:
        bg_est, tol_est = estimate_background(rgb)
        background = bg_est if background is None else background
        tolerances = tol_est if tolerances is None else tolerances
    bg = np.asarray(background, np.float32)
    h, w = rgb.shape[:2]
    dist = np.sqrt(np.sum((rgb[..., :3].astype(np.float32) - bg) ** 2, axis=-1))
    paper = grains = None
    if not tolerances.flat:
        g = paper_grain(rgb) if grain is None else grain
        paper = paper_like(rgb, g)
        grains = grainy(rgb, g) if paper is not None else None
    tight_mask = dist < tolerances.tight
    loose_mask = dist < tolerances.loose
    if paper is not None:  # a flat fill drawn on textured paper is never paper, however pale
        tight_mask &= paper
        loose_mask &= paper
    tight, _, _ = _border_connected(tight_mask)
    loose, labels, count = _border_connected(loose_mask)
    # enclosed candidates: loose-tolerance regions the border flood does not reach, that
    # have a core at the tight tolerance (a band of anti-aliasing alone is no region)
    min_px = max(4, int(MIN_REGION_PIXELS_512 * (h * w) / (512 * 512)))
    enclosed_labels = np.zeros((h, w), np.int32)
    if count:
        inner = loose_mask & ~loose
        core_counts = np.bincount(labels[inner & tight_mask], minlength=count + 1)
        good = core_counts >= min_px
        good[0] = False
        cand = good[labels] & inner
        enclosed_labels, _ = ndimage.label(cand)
        enclosed_labels = enclosed_labels.astype(np.int32)
    # on a coloured paper, its exact colour inside the subject is the paper seen through a hole; on white
    # or cream paper it is as often a white fill (milk in a glass, a panda's face): a pale body keeps it
    coloured = not whiteish(bg)
    seen_paper = tight_mask if coloured else tight
    # the drawn-edge test needs paper of one flat colour (a mottled paper's patches are flat-coloured too)
    if paper is None:
        pale = _pale_bodies(rgb, seen_paper, loose, min_px, dist if tolerances.flat else None)
    elif TEXTURE_FILLS:  # on textured paper the paper test already tells a flat pale fill from the paper
        from sticker_studio.core.matte.pale_body import textured_paper_fills

        pale = textured_paper_fills(rgb, paper, dist, tolerances.tight, tolerances.loose)
    else:
        pale = np.zeros((h, w), np.int32)
    enclosed = enclosed_labels > 0
    ramp = _ramp(dist, tolerances)
    key = np.ones((h, w), np.float32)
    key[loose] = ramp[loose]
    key[enclosed] = 0.5 + 0.5 * ramp[enclosed]
    channels = np.stack([
        np.clip(dist * (4.0 / _MAX_DIST), 0.0, 1.0).astype(np.float32),
        tight.astype(np.float32), loose.astype(np.float32), enclosed.astype(np.float32), key,
    ], axis=-1)
    # after the channels (the head's input stays as trained): paper the loose flood reaches only through
    # the subject is a region for the vote too
    pockets = tight_mask & loose & ~tight if coloured else np.zeros((h, w), bool)
    if not coloured and paper is None and tolerances.flat and not pale.any():
        # on flat white or cream paper with no pale body found: one whose paper-white patches are left out
        # (a ring buoy's pale rope and stripes around white gaps: the gaps' edges broke its flatness), the
        # patches it walls in becoming pockets for the vote (the head and the hole cues decide them)
        alt = _pale_bodies(rgb, tight_mask, loose, min_px, dist)
        if alt.any():
            pale = alt
            inside = tight_mask & loose & ~tight
            comp, _ = ndimage.label(inside)
            touch = np.unique(comp[ndimage.binary_dilation(alt > 0, iterations=3) & inside])
            pockets = np.isin(comp, touch[touch > 0])
    enclosed_labels, pockets_from = _add_pockets(enclosed_labels, pockets, min_px)
    return LayoutPrior(channels, bg / 255.0, enclosed_labels, tolerances, paper, grains, pale, pockets_from)


#: a paper is white or cream (white is a fill colour there) when its darkest channel is at least this...
WHITEISH_MIN = 200.0
#: ...and its channels differ by at most this (RGB units)
WHITEISH_SPREAD = 45.0


def whiteish(background: np.ndarray) -> bool:
    """Whether a paper colour (3,) in 0-255 is white or cream rather than a colour."""
    bg = np.asarray(background, np.float32)
    return bool(bg.min() >= WHITEISH_MIN and bg.max() - bg.min() <= WHITEISH_SPREAD)


def _add_pockets(enclosed_labels: np.ndarray, pocket_mask: np.ndarray, min_px: int) -> tuple[np.ndarray, int]:
    """``enclosed_labels`` with the *paper pockets* appended, and the first pocket label: patches of the
    paper's own colour (tight tolerance) that the loose border flood reaches but the tight one does not —
    on a colour near the subject's, the loose flood runs through the subject (a grey pin on blue-grey)
    into its holes, which the enclosed candidates then miss. At least ``min_px`` pixels each. Only on
    coloured paper (not :func:`whiteish`)."""
    first = int(enclosed_labels.max()) + 1
    if not pocket_mask.any():
        return enclosed_labels, first
    labels, count = ndimage.label(pocket_mask)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    good = sizes >= min_px
    good[0] = False
    if not good.any():
        return enclosed_labels, first
    ids = np.zeros(count + 1, np.int32)
    ids[good] = np.arange(first, first + int(good.sum()), dtype=np.int32)
    out = enclosed_labels.copy()
    sel = ids[labels] > 0
    out[sel] = ids[labels][sel]
    return out, first


def _pale_bodies(rgb: np.ndarray, tight: np.ndarray, loose: np.ndarray, min_px: int,
                 dist: np.ndarray | None = None) -> np.ndarray:
    """(H, W) int32 labels (0 = none) of pale *bodies* the loose flood swallowed on smooth paper: the
    parts of the loose flood more than an edge's width (:data:`LOOSE_BAND_512`) past any pixel of the
    paper's own colour (``tight``: within the tight tolerance, reached from the border or not — on a
    colour near the subject's the paper inside a ring's or a pin's hole is reached through the loose
    flood but is no body) that are made of flat fills (not a glow's or a shadow's gradient) and surround a piece of the
    subject (a panda's face around its eyes and nose, a ghost around its mouth) — a strong sign of
    subject (issue 24); the vote keeps them (:func:`vote_regions`). With ``dist`` (each pixel's RGB
    distance to the paper; given on flat paper only) and :data:`PALE_DRAWN_EDGES`, a part of one flat
    colour (JPEG noise and all) that meets the paper with a drawn edge is a pale body too, islands or not
    (:mod:`sticker_studio.core.matte.pale_body`: a zebra's white stripes)."""
    h, w = tight.shape
    band = max(1, int(round(LOOSE_BAND_512 * max(h, w) / 512)))
    beyond = loose & ~ndimage.binary_dilation(tight, iterations=band + 1)
    labels, count = ndimage.label(beyond)
    if count == 0:
        return np.zeros((h, w), np.int32)
    ids = np.arange(1, count + 1)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)[1:]
    big = sizes >= 8 * min_px
    if not big.any():
        return np.zeros((h, w), np.int32)
    from sticker_studio.core.matte.background import local_grain

    ys, xs = np.nonzero(big[labels - 1] & (labels > 0))  # the grain only where the big parts are
    y0, y1 = max(0, int(ys.min()) - 3), min(h, int(ys.max()) + 4)
    x0, x1 = max(0, int(xs.min()) - 3), min(w, int(xs.max()) + 4)
    smooth = np.zeros((h, w), np.float64)
    smooth[y0:y1, x0:x1] = local_grain(rgb[y0:y1, x0:x1], max(h, w)) <= PALE_FLAT_GRAIN
    flat = np.asarray(ndimage.mean(smooth, labels, ids), np.float64) >= PALE_FLAT_SHARE
    drawn = PALE_DRAWN_EDGES and dist is not None
    # flat by the grain all over (as drawn on clean paper), or -- on flat paper -- by its colour (a fill
    # with JPEG noise on it) or by the grain away from its edges (where a JPEG rings)
    extra = np.zeros(count, bool)
    if drawn:
        from sticker_studio.core.matte.pale_body import flat_colour, flat_inside

        todo = [int(i) for i in ids[big & ~flat]]
        by_colour = flat_colour(rgb, labels, todo)
        inside = flat_inside(smooth, labels, todo, PALE_FLAT_SHARE) if PALE_FLAT_INSIDE else {}
        extra = np.array([by_colour.get(int(i), False) or inside.get(int(i), False) for i in ids]) & ~flat
    keep = big & (flat | extra)
    if not keep.any():
        return np.zeros((h, w), np.int32)
    from sticker_studio.core.matte.hole_shape import regions_with_islands

    chosen = np.zeros(count + 1, np.int32)
    chosen[1:][keep] = np.arange(1, int(keep.sum()) + 1, dtype=np.int32)
    cand = chosen[labels]
    # islands are judged among the parts flat by the grain all over; a part flat only by the other tests
    # is judged on its own (it would take islands from the others: a beer's foam beside its glass) and
    # must be a fill with an inside (a band along a soft shadow's contour is one colour and rings its core)
    late = np.zeros(int(keep.sum()) + 1, bool)
    late[chosen[1:][keep & extra]] = True
    ok = regions_with_islands(np.where(late[cand], 0, cand), int(keep.sum()), min_px)
    if late.any():
        from sticker_studio.core.matte.pale_body import has_inside

        alone = regions_with_islands(np.where(late[cand], cand, 0), int(keep.sum()), min_px)
        filled = has_inside(cand, [int(i) for i in np.flatnonzero(late)])
        for lab in np.flatnonzero(late).tolist():
            ok[lab] = bool(alone[lab]) and filled.get(lab, False)
    ok[0] = False
    if drawn and dist is not None and not ok[1:].all():
        from sticker_studio.core.matte.pale_body import drawn_edge

        edged = drawn_edge(dist, tight, cand, [int(i) for i in np.flatnonzero(~ok[1:]) + 1], gap=band + 1)
        for lab, yes in edged.items():
            ok[lab] = ok[lab] or yes
    renumber = np.zeros(len(ok), np.int32)
    renumber[ok] = np.arange(1, int(ok.sum()) + 1, dtype=np.int32)
    return renumber[cand]


def clip_layout_priors(frames: np.ndarray) -> list[LayoutPrior]:
    """Priors of every frame of (N, H, W, 3) uint8, sharing one background, tolerances and paper grain."""
    from sticker_studio.core.matte.background import paper_grain

    bg, tol = estimate_background(frames)
    grain = 0.0 if tol.flat else paper_grain(frames)
    return [layout_prior(f, bg, tol, grain) for f in frames]


def prior_array(priors: list[LayoutPrior]) -> np.ndarray:
    """(N, H, W, PRIOR_INPUT_CHANNELS) float32: the prior channels plus the background colour."""
    out = []
    for p in priors:
        bgc = np.broadcast_to(p.background.astype(np.float32), p.channels.shape[:2] + (3,))
        out.append(np.concatenate([p.channels, bgc], axis=-1))
    return np.stack(out)


def region_tracks(labels: list[np.ndarray], min_overlap: float = 0.3) -> list[np.ndarray]:
    """Per frame, an array mapping each enclosed label (index) to a clip-wide track id (0 = none).

    Regions of consecutive frames that overlap by ≥ ``min_overlap`` of the smaller one
    are the same region moving (union-find over the overlap pairs).
    """
    offsets, total = [], 0
    for lab in labels:
        offsets.append(total)
        total += int(lab.max())
    parent = list(range(total + 1))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for t in range(1, len(labels)):
        a, b = labels[t - 1], labels[t]
        both = (a > 0) & (b > 0)
        if not both.any():
            continue
        na, nb = int(a.max()), int(b.max())
        size_a = np.bincount(a.ravel(), minlength=na + 1)
        size_b = np.bincount(b.ravel(), minlength=nb + 1)
        pair = a[both].astype(np.int64) * (nb + 1) + b[both]
        ids, counts = np.unique(pair, return_counts=True)
        for pid, c in zip(ids.tolist(), counts.tolist(), strict=False):
            ra, rb = divmod(pid, nb + 1)
            if c >= min_overlap * min(size_a[ra], size_b[rb]):
                x, y = find(offsets[t - 1] + ra), find(offsets[t] + rb)
                if x != y:
                    parent[max(x, y)] = min(x, y)
    maps = []
    for t, lab in enumerate(labels):
        n = int(lab.max())
        m = np.zeros(n + 1, np.int64)
        for r in range(1, n + 1):
            m[r] = find(offsets[t] + r)
        maps.append(m)
    return maps


def track_means(alpha: np.ndarray, track_imgs: list[np.ndarray]) -> dict[int, float]:
    """Mean alpha of every track (id -> mean in [0, 1]) over all its pixels in all frames: the vote's number.

    ``alpha`` (N, H, W); ``track_imgs`` per frame the (H, W) image of track ids (0 = none).
    """
    total = max((int(t.max()) for t in track_imgs), default=0)
    sums = np.zeros(total + 1)
    counts = np.zeros(total + 1)
    for a, img in zip(alpha, track_imgs, strict=False):
        sums += np.bincount(img.ravel(), weights=a.ravel(), minlength=total + 1)[: total + 1]
        counts += np.bincount(img.ravel(), minlength=total + 1)[: total + 1]
    return {t: float(sums[t] / counts[t]) for t in range(1, total + 1) if counts[t] > 0}


def region_cores(priors: list[LayoutPrior], track_imgs: list[np.ndarray]) -> list[np.ndarray]:
    """Per frame, the (H, W) track-id image kept only on the regions' paper-coloured cores (pixels
    within the tight tolerance of the background, 0 elsewhere): the pixels the vote counts.

    An enclosed candidate is a loose-tolerance region, so on a background close to one of the
    subject's colours it also holds that part of the subject (a ring's rim around its hole);
    averaging the network's alpha over all of it would let the rim outvote the hole.
    """
    return [np.where(_paper_core(p), img, 0) for p, img in zip(priors, track_imgs, strict=False)]


def _paper_core(p: LayoutPrior) -> np.ndarray:
    """(H, W) bool: within the tight tolerance, and on textured paper showing its texture."""
    core = p.distance < p.tolerances.tight
    return core & p.paper if p.paper is not None else core


def kept_paper_labels(prior: LayoutPrior, alpha: np.ndarray) -> np.ndarray:
    """(H, W) int32 labels (0 = none) of background-coloured areas that ``alpha`` keeps although the
    border flood reaches them: an outline-free white body on white paper — or a white blob a head
    made around a glow, or soft paper shading it kept. Only meaning tells those apart, so they are
    offered to the user's click like enclosed regions. Pixels of the loose flood with alpha ≥
    :data:`VOTE_THRESHOLD`, in patches holding at least four times the enclosed candidates' minimum
    size both of paper-coloured (tight tolerance) pixels and of pixels more than ~2 px (at 512²)
    inside the patch (a subject's soft rim is too thin; a pale part of it is no paper).
    """
    h, w = alpha.shape
    cand = (prior.channels[..., 2] > 0.5) & (alpha >= VOTE_THRESHOLD) & (prior.enclosed_labels == 0)
    labels, count = ndimage.label(cand)
    if count == 0:
        return np.zeros((h, w), np.int32)
    min_px = 4 * max(4, int(MIN_REGION_PIXELS_512 * (h * w) / (512 * 512)))
    # the core must be more than a thin band: a head's soft edge reaching a pixel or two into the
    # paper around every subject is no area to offer
    depth = max(1, int(round(2 * max(h, w) / 512)))
    inner = np.bincount(labels[ndimage.binary_erosion(cand, iterations=depth)], minlength=count + 1)
    cores = np.bincount(labels[cand & _paper_core(prior)], minlength=count + 1)
    good = (cores >= min_px) & (inner >= min_px)
    good[0] = False
    if not good.any():
        return np.zeros((h, w), np.int32)
    ids = np.zeros(count + 1, np.int32)
    ids[good] = np.arange(1, int(good.sum()) + 1, dtype=np.int32)
    return ids[labels]


#: where the paper texture a region shows says "hole", its number moves this far towards
#: :data:`HOLE_VOTE`; where its shape says "body", towards :data:`BODY_VOTE` (1 = the cue decides alone)
CUE_WEIGHT = 0.75
#: where its shape says "hole", this far — off again (0). At 0.75 it overturned confident heads on white
#: bellies of the paper's exact colour (drawn `loops`, a glass of milk); at 0.4, with the fine-tuned head of
#: main fd5d8e4 (less sure of such regions), it cost the drawn test pack's bag family 4.6 dB on a near colour.
#: The compactness test and one-shift-per-track guard stay (they are what a weight needs) — see
#: docs/experiments/matting_real_eval.md
SHAPE_HOLE_WEIGHT = 0.0
#: ...and only where the region's core is the paper's own colour: its mean RGB distance to it at most this
EXACT_PAPER = 1.75
HOLE_VOTE = 0.0
BODY_VOTE = 1.0
#: a region a cue removes against the estimate's vote is ramped whole (its loose band too, as a flip is)
#: only where its paper-coloured core is at least this share of it; elsewhere only its core is cleared
CUE_RAMP_CORE_SHARE = 0.5
#: a hole cue from the paper's own colour (:mod:`sticker_studio.core.matte.hole_cues`): beats the body cues
PAPER_VOTE = -1.0


def frame_shapes(prior: LayoutPrior, enclosed: np.ndarray) -> dict[int, RegionShape]:
    """Every enclosed region's shape (:func:`~sticker_studio.core.matte.hole_shape.region_shapes`): the
    enclosed candidates' walls against the loose flood; a paper pocket's (:func:`_add_pockets`) against
    the tight flood (the loose one runs through the subject there), and a pocket is never called body
    (its outline, if any, is the near-coloured subject the loose flood took: a drawn star's inside)."""
    from sticker_studio.core.matte.hole_shape import ShapeCue, region_shapes

    pockets = prior.pockets_from
    # on textured paper an island must be of a colour the paper never has: its fibres are no pupils
    solid = prior.distance >= prior.tolerances.loose if prior.paper is not None else None
    if pockets is None or pockets > int(enclosed.max()):
        return region_shapes(enclosed, prior.channels[..., 2] > 0.5, solid)
    shapes = region_shapes(np.where(enclosed < pockets, enclosed, 0), prior.channels[..., 2] > 0.5, solid)
    for lab, sh in region_shapes(enclosed, prior.channels[..., 1] > 0.5).items():
        if lab >= pockets:
            shapes[lab] = sh if sh.cue is not ShapeCue.BODY else replace(sh, cue=ShapeCue.NONE)
    return shapes


def shape_and_paper_cues(prior: LayoutPrior, track_of: np.ndarray, enclosed: np.ndarray,
                         means: dict[int, float], frame: np.ndarray | None = None,
                         skip: set[int] | None = None) -> dict[int, float]:
    """The vote's numbers moved by what frame 0 says beyond the head's alpha (issue 24): a region
    walled in thinly that is a small part of the subject is a hole, one that is most of the subject
    is its body inside an outline (:mod:`sticker_studio.core.matte.hole_shape`); on textured paper a
    region whose core shows the paper's texture is paper — a hole — unless its shape says body.
    :mod:`sticker_studio.core.matte.hole_cues` adds a ring's even band (hole), the paper's own colour
    on coloured paper (hole, before any body cue) and, with ``frame`` (this frame's RGB), a region
    inside a region (teeth in a mouth: body). Tracks in ``skip`` (moved on an earlier frame) are left."""
    from sticker_studio.core.matte.hole_cues import (
        BAND_HOLE_WEIGHT,
        INNER_WEIGHT,
        PAPER_COLOUR_WEIGHT,
        band_hole,
        inner_regions,
        paper_coloured,
    )
    from sticker_studio.core.matte.hole_shape import ShapeCue

    if not enclosed.any():
        return means
    shapes = frame_shapes(prior, enclosed)
    paper_holes = _paper_textured_regions(prior, enclosed)
    # a hole shows the paper itself; a drawn white interior is often a shade off it
    core = _paper_core(prior)
    n = int(enclosed.max())
    core_px = np.bincount(enclosed[core], minlength=n + 1)
    core_dist = np.bincount(enclosed[core], weights=prior.distance[core].astype(np.float64), minlength=n + 1)
    exact = core_dist <= EXACT_PAPER * np.maximum(core_px, 1)
    h, w = enclosed.shape
    min_px = max(4, int(MIN_REGION_PIXELS_512 * (h * w) / (512 * 512)))
    flat_colour = prior.paper is None and not whiteish(prior.background * 255.0)
    own_colour = paper_coloured(core_px, core_dist, prior.tolerances.tight, min_px) if flat_colour else set()
    pockets = prior.pockets_from if prior.pockets_from is not None else n + 1
    inner = set() if frame is None else inner_regions(
        frame, np.where(enclosed < pockets, enclosed, 0), prior.channels[..., 2] > 0.5,
        {lab: sh for lab, sh in shapes.items() if lab < pockets and core_px[lab] > 0 and exact[lab]})
    # one shift per track: a track may join several regions of frame 0 (a moving arm's loop that overlaps
    # the body in the next frame); the hole cues move it only when all of them say hole
    cues: dict[int, list[tuple[float, float]]] = {}
    for lab, shape in shapes.items():
        tid = int(track_of[lab]) if lab < len(track_of) else 0
        if tid not in means or (skip is not None and tid in skip):
            continue
        if lab in own_colour:  # the paper itself, whatever the region's loose band holds
            cue = (PAPER_VOTE, PAPER_COLOUR_WEIGHT)
        elif shape.cue is ShapeCue.BODY:
            cue = (BODY_VOTE, CUE_WEIGHT)
        elif lab in inner:
            cue = (BODY_VOTE, INNER_WEIGHT)
        elif lab in paper_holes:
            cue = (HOLE_VOTE, CUE_WEIGHT)
        elif shape.cue is ShapeCue.HOLE and core_px[lab] > 0 and exact[lab]:
            cue = (HOLE_VOTE, BAND_HOLE_WEIGHT if band_hole(shape) else SHAPE_HOLE_WEIGHT)
        else:
            cue = (HOLE_VOTE, 0.0)  # no cue: the head decides
        cues.setdefault(tid, []).append(cue)
    out = dict(means)
    for tid, said in cues.items():
        paper = [w for t, w in said if t == PAPER_VOTE]
        body = [w for t, w in said if t == BODY_VOTE]
        if paper and len(paper) == len(said):
            target, weight = HOLE_VOTE, min(paper)
        elif body:
            target, weight = BODY_VOTE, max(body)
        else:
            target, weight = HOLE_VOTE, min(w for _, w in said)
        out[tid] = (1.0 - weight) * out[tid] + weight * target
    return out


#: on textured paper a region whose core's inside (away from its edges) shows the paper's grain on at
#: least this share of its pixels is paper: a hole
PAPER_HOLE_SHARE = 0.6


def _paper_textured_regions(prior: LayoutPrior, enclosed: np.ndarray) -> set[int]:
    """Enclosed labels whose paper-coloured core shows the paper's grain away from its edges (a step
    edge is grainy too, so a narrow pale stripe says nothing); empty on smooth paper."""
    if prior.grainy is None:
        return set()
    h, w = enclosed.shape
    depth = max(2, int(round(4 * max(h, w) / 512)))
    core = np.where(_paper_core(prior), enclosed, 0)
    inner = ndimage.grey_erosion(core, size=(2 * depth + 1, 2 * depth + 1))
    inner = np.where(inner == core, inner, 0)  # the pixels with only their own label around them
    n = int(enclosed.max())
    count = np.bincount(inner.ravel(), minlength=n + 1)
    grainy = np.bincount(inner.ravel(), weights=prior.grainy.ravel().astype(np.float64), minlength=n + 1)
    min_px = max(4, int(MIN_REGION_PIXELS_512 * (h * w) / (512 * 512)))
    return {lab for lab in range(1, n + 1) if count[lab] >= min_px and grainy[lab] / count[lab] >= PAPER_HOLE_SHARE}


def _kept_paper_cues(prior: LayoutPrior, track_of: np.ndarray, labels: np.ndarray, first_kept: int,
                     means: dict[int, float], skip: set[int] | None = None) -> dict[int, float]:
    """``means`` with the kept paper areas (frame 0's ``labels`` above ``first_kept``) whose core is the
    paper's own colour on flat coloured paper moved towards "hole" (:mod:`sticker_studio.core.matte.hole_cues`):
    the paper seen between a headphone's band and its cups, which the head keeps with the near-coloured
    subject around it."""
    from sticker_studio.core.matte.hole_cues import PAPER_COLOUR_WEIGHT, paper_coloured

    if prior.paper is not None or whiteish(prior.background * 255.0) or int(labels.max()) <= first_kept:
        return means
    kept = np.where(labels > first_kept, labels - first_kept, 0)
    n = int(kept.max())
    core = _paper_core(prior)
    core_px = np.bincount(kept[core], minlength=n + 1)
    core_dist = np.bincount(kept[core], weights=prior.distance[core].astype(np.float64), minlength=n + 1)
    h, w = labels.shape
    min_px = max(4, int(MIN_REGION_PIXELS_512 * (h * w) / (512 * 512)))
    out = dict(means)
    for lab in paper_coloured(core_px, core_dist, prior.tolerances.tight, min_px):
        tid = int(track_of[lab + first_kept]) if lab + first_kept < len(track_of) else 0
        if tid in out and (skip is None or tid not in skip):
            out[tid] = (1.0 - PAPER_COLOUR_WEIGHT) * out[tid] + PAPER_COLOUR_WEIGHT * HOLE_VOTE
    return out


@dataclass
class RegionVote:
    """What :func:`vote_regions` decided: the new ``alpha`` (N, H, W) float32; per frame the (H, W)
    images of track ids (``tracks``, 0 = none; the UI hit-tests them), of the track ids on the
    paper-coloured cores only (``cores``, :func:`region_cores`) and of the pixels the vote set
    (``decided``, bool: a kept enclosed region whole, a kept paper area and a removed region on
    their cores), which the edge refinement leaves as they are; ``means``: every track's number,
    the estimate's mean alpha over its core (over the whole track if it has no core pixel), kept
    at ≥ :data:`VOTE_THRESHOLD` unless flipped."""

    alpha: np.ndarray
    tracks: list[np.ndarray]
    cores: list[np.ndarray]
    decided: list[np.ndarray]
    means: dict[int, float]


def vote_enclosed_regions(priors: list[LayoutPrior], alpha: np.ndarray, flips: dict[int, bool] | None = None,
                          paper_alpha: Callable[[int, tuple[slice, slice]], np.ndarray] | None = None,
                          ) -> tuple[np.ndarray, list[np.ndarray]]:
    """:func:`vote_regions`'s new alpha and per-frame track-id images."""
    vote = vote_regions(priors, alpha, flips, paper_alpha)
    return vote.alpha, vote.tracks


def vote_regions(priors: list[LayoutPrior], alpha: np.ndarray, flips: dict[int, bool] | None = None,
                 paper_alpha: Callable[[int, tuple[slice, slice]], np.ndarray] | None = None,
                 frames: np.ndarray | None = None, pale_rims: bool = False) -> RegionVote:
    """Snap every enclosed region to one keep/remove decision per clip; offer kept paper areas too.

    ``alpha`` (N, H, W) float in [0, 1] is the network's (or any) estimate; a track is
    kept (alpha 1 over the whole region) when its mean alpha over its paper-coloured core
    (:func:`region_cores`) in all frames is ≥ 0.5. A removed one keeps the estimate's alpha
    where that is below 0.5 (partial: a shadow seen through the hole) and gets the colour-key
    ramp elsewhere on its core; the rest of it (its anti-aliased edge; on a background close to
    a subject colour, the subject inside the loose tolerance) stays as the estimate has it, for
    the edge refinement to follow, unless the removal goes against the estimate's own vote (a
    flip), which ramps the whole region. (Also clearing the pixels within 1–3 px of the core,
    the anti-aliased edge, was worse on the validation packs.) Background-coloured areas the estimate
    keeps outside the enclosed regions (:func:`kept_paper_labels`) are tracks too, after the
    enclosed ones: kept as the estimate has them unless flipped; when flipped, their pixels get
    ``paper_alpha(t, box)`` (the box's shape) of frame t — the least opacity their colour needs over the paper,
    so a glow stays a faint glow — or, without it, the colour-key ramp like a hole. ``flips``
    maps a track id to a forced decision (True = keep), for the user's click-to-flip. ``frames`` (N, H, W, 3)
    uint8 let the cues see colours (:func:`shape_and_paper_cues`); the cues judge each track on the first
    frame it appears in (a bouncing face's teeth that overlap no earlier frame's). A region a cue (not the
    user) removes against the estimate is ramped whole only where its core is most of it
    (:data:`CUE_RAMP_CORE_SHARE`): on a colour near the subject's its loose band is subject. ``pale_rims``
    (JPEG frames): a pale body's rim toward the paper stays the estimate's, for the edge steps
    (:func:`sticker_studio.core.matte.pale_body.body_core`).
    """
    # pale bodies the loose flood swallowed (a panda's face on white) are subject, whatever the estimate
    from sticker_studio.core.matte.pale_body import body_core

    # ...with ``pale_rims`` (JPEG frames) but their rim toward the paper, which lies a pixel or two out
    # (and on textured paper, where the rim of a fill the paper test found is as jagged as the paper's grain)
    def rimmed(p: LayoutPrior) -> bool:
        return pale_rims or (TEXTURE_FILL_RIMS and p.paper is not None)

    pale = [(body_core(p.pale_labels > 0, p.channels[..., 2] > 0.5) if rimmed(p) else p.pale_labels > 0)
            if p.pale_labels is not None else np.zeros(a.shape, bool) for p, a in zip(priors, alpha, strict=False)]
    rims = [np.zeros(a.shape, bool) for a in alpha]
    if any(m.any() for m in pale):
        alpha = alpha.astype(np.float32).copy()
        for t, m in enumerate(pale):
            alpha[t][m] = 1.0
            prior = priors[t]
            if pale_rims and PALE_RIM_RAMP and frames is not None and prior.pale_labels is not None and m.any():
                from sticker_studio.core.matte.pale_body import rim_alpha

                ramp, rims[t] = rim_alpha(frames[t], prior.background * 255.0, prior.pale_labels, m,
                                          prior.channels[..., 2] > 0.5)
                alpha[t][rims[t]] = np.maximum(alpha[t][rims[t]], ramp[rims[t]])
    enclosed = [p.enclosed_labels for p in priors]
    paper = [kept_paper_labels(p, a) for p, a in zip(priors, alpha, strict=False)]
    labels = [np.where(pl > 0, pl + int(e.max()), e).astype(np.int32) for e, pl in zip(enclosed, paper, strict=False)]
    maps = region_tracks(labels)
    track_imgs = [m[lab] for m, lab in zip(maps, labels, strict=False)]
    out = alpha.astype(np.float32).copy()
    total = max((int(t.max()) for t in track_imgs), default=0)
    cores = region_cores(priors, track_imgs)
    decided = [m | r for m, r in zip(pale, rims, strict=False)]
    if total == 0:
        return RegionVote(out, track_imgs, cores, decided, {})
    core_means = track_means(alpha, cores)
    # a track with no core pixel counts all of its own
    means = {tid: core_means.get(tid, mean) for tid, mean in track_means(alpha, track_imgs).items()}
    estimate = np.zeros(total + 1, bool)  # the estimate's own vote
    for tid, mean in means.items():
        estimate[tid] = mean >= VOTE_THRESHOLD
    # the decision also weighs the region's shape and the paper's texture; where that goes against
    # the estimate, the region is treated like a flip (its rim follows the decision too)
    cued: set[int] = set()
    for t, (prior, m, lab) in enumerate(zip(priors, maps, labels, strict=False)):
        here = {int(x) for x in m[1:]} - {0}
        if t > 0 and here <= cued:
            continue
        frame = frames[t] if frames is not None else None
        means = shape_and_paper_cues(prior, m, enclosed[t], means, frame, skip=cued)
        means = _kept_paper_cues(prior, m, lab, int(enclosed[t].max()), means, skip=cued)
        cued |= here
    # a region the cues remove against the estimate is cleared whole (ramped, as a flip is) only where its
    # core is most of it; elsewhere (a loose band or a kept area that is mostly subject) on its core only
    track_px = np.zeros(total + 1)
    core_px = np.zeros(total + 1)
    for img, core in zip(track_imgs, cores, strict=False):
        track_px += np.bincount(img.ravel(), minlength=total + 1)[: total + 1]
        core_px += np.bincount(core.ravel(), minlength=total + 1)[: total + 1]
    mostly_core = core_px >= CUE_RAMP_CORE_SHARE * np.maximum(track_px, 1)
    core_only = np.zeros(total + 1, bool)
    # a region the cues remove against the estimate's vote: the estimate's partial alpha on it is no shadow
    # seen through a hole but the head's doubt (a ring's hole half filled)
    overruled = np.zeros(total + 1, bool)
    for tid in range(1, total + 1):
        if tid not in (flips or {}) and means.get(tid, 1.0) < VOTE_THRESHOLD:
            core_only[tid] = not mostly_core[tid]
            overruled[tid] = bool(estimate[tid])
    keep = np.zeros(total + 1, bool)
    for tid, mean in means.items():
        keep[tid] = mean >= VOTE_THRESHOLD
    by_user = np.zeros(total + 1, bool)
    for tid, decision in (flips or {}).items():
        if 0 < tid <= total:
            keep[tid] = bool(decision)
            by_user[tid] = True
    for t, (img, prior) in enumerate(zip(track_imgs, priors, strict=False)):
        inside = img > 0
        if not inside.any():
            continue
        kept = keep[img] & inside & (enclosed[t] > 0)  # a kept paper area stays as the estimate has it
        # a hole the estimate itself opened is cleared on its core only: its rim is the estimate's
        whole = ~core_only[img]
        removed = ~keep[img] & inside & ((cores[t] > 0) | (estimate[img] & whole) | ((enclosed[t] == 0) & whole))
        # a pale body stays, whatever region it borders (a stripe's seam on paper texture), unless the user removed it
        removed &= ~(pale[t] & ~by_user[img])
        decided[t] |= kept | (keep[img] & (cores[t] > 0)) | removed  # a kept paper area: on its core
        # a removed region keeps the estimate's partial alpha (a shadow seen through a hole)
        # and gets the colour-key ramp (or, for paper, its colour's least opacity) where the
        # estimate called it opaque
        frame = out[t]
        frame[kept] = 1.0
        fill = prior.ramp_alpha
        removed_paper = removed & (enclosed[t] == 0)
        if paper_alpha is not None and removed_paper.any():
            ys, xs = np.nonzero(removed_paper)  # only the removed areas' box: a whole frame costs ~60 ms at 512²
            box = (slice(int(ys.min()), int(ys.max()) + 1), slice(int(xs.min()), int(xs.max()) + 1))
            fill = fill.copy()
            fill[box] = np.where(removed_paper[box], paper_alpha(t, box), fill[box])
        partial = (frame < 0.5) & ~overruled[img]
        frame[removed] = np.where(partial[removed], frame[removed], fill[removed])
    return RegionVote(out, track_imgs, cores, decided, means)
