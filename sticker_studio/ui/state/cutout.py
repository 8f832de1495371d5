"""Removing a reference drawing's background before it is animated.

A JPEG (or an all-opaque PNG) has no alpha: animating it as-is gives a moving white
card. :func:`cut_out` makes the cut-out with the method the user picked in the
reference panel: the bundled matting head, the colour key, line art ("colour to
alpha"), or none. :class:`MattingHeadCache` loads the head once per session and
remembers when none is installed, so the default falls back to the colour key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sticker_studio.core.errors import StickerStudioError
from sticker_studio.core.matte.background import has_useful_alpha, remove_background_colorkey
from sticker_studio.core.matte.layout_prior import VOTE_THRESHOLD, track_means
from sticker_studio.core.sticker import Sticker

log = logging.getLogger(__name__)

MODEL = "model"
COLOURKEY = "colorkey"
LINEART = "lineart"
NONE = "none"
#: (method id, what the user reads), in the order the panel lists them
BACKGROUND_METHODS: list[tuple[str, str]] = [
    (MODEL, "Model"), (COLOURKEY, "Colour key"), (LINEART, "Line art"), (NONE, "None"),
]

#: a cut-out keeping less than this share of opaque pixels is not used
MIN_KEPT_SHARE = 0.005
#: an enclosed region whose mean network alpha is within this of the vote's 0.5 is a close call:
#: the panel marks it so the user knows which keep/remove decisions to check
CLOSE_CALL_MARGIN = 0.2


class MattingHeadCache:
    """The bundled matting head, loaded at most once; ``None`` when it is not installed."""

    def __init__(self) -> None:
        self._head: Any | None = None
        self._tried = False

    def head(self) -> Any | None:
        if not self._tried:
            self._tried = True
            try:
                from sticker_studio.engine.matting.matte import load_matting_head

                self._head = load_matting_head()
            except (StickerStudioError, ImportError, OSError) as error:
                log.info("no matting head, using the colour key: %s", error)
                self._head = None
        return self._head


def needs_cut_out(sticker: Sticker) -> bool:
    """Whether ``sticker``'s first frame lacks an alpha that cuts anything out."""
    return not has_useful_alpha(sticker.frames[0])


@dataclass
class CutOut:
    """A cut-out and what the user may click in it.

    ``regions`` is frame 0's image (H, W) of clickable region track ids (0 = none) for
    the model and colour-key methods — enclosed regions, then paper-coloured areas the
    cut-out kept (:func:`sticker_studio.core.matte.layout_prior.kept_paper_labels`) — ``None``
    for the others; ``kept`` says, for every track, whether it is kept (True) or removed
    (a hole) right now. A flip given to
    :func:`cut_out_regions` applies to the track in every frame.
    """

    sticker: Sticker
    regions: np.ndarray | None = None
    kept: dict[int, bool] = field(default_factory=dict)
    #: the head's alpha (N, H, W) before the region vote (model method): a flip reuses it
    network_alpha: np.ndarray | None = None
    #: tracks the head decided by a small margin (:func:`close_calls`) that the user has not flipped
    close_calls: frozenset[int] = frozenset()

    def close_call_mask(self) -> np.ndarray | None:
        """(H, W) bool of frame 0: the close-call regions (None when there are none)."""
        if self.regions is None or not self.close_calls:
            return None
        return np.isin(self.regions, sorted(self.close_calls))

    def region_at(self, x: int, y: int) -> int:
        """The track id of the clickable region under pixel (``x``, ``y``) of frame 0; 0 when none."""
        if self.regions is None or not (0 <= y < self.regions.shape[0] and 0 <= x < self.regions.shape[1]):
            return 0
        return int(self.regions[y, x])


def close_calls(network_alpha: np.ndarray, regions: list[np.ndarray], flips: dict[int, bool] | None = None,
                margin: float = CLOSE_CALL_MARGIN) -> frozenset[int]:
    """Tracks whose mean network alpha (the vote's number) is within ``margin`` of the vote's threshold,
    minus the flipped ones. ``regions``: per frame the track ids of the pixels the vote counts
    (:attr:`~sticker_studio.engine.matting.matte.PriorMatte.cores`)."""
    means = track_means(network_alpha, regions)
    return frozenset(t for t, m in means.items() if abs(m - VOTE_THRESHOLD) < margin and t not in (flips or {}))


def _kept_tracks(rgba: np.ndarray, regions: list[np.ndarray]) -> dict[int, bool]:
    """Which tracks a prior matte kept: a kept region is opaque over its background-coloured core
    (the vote sets it, nothing later lowers it), a removed one is clear there, so the lowest
    alpha tells them apart. ``regions``: the matte's cores (:attr:`PriorMatte.cores`) — a kept
    region's rim may be edge-refined below opaque."""
    total = max((int(r.max()) for r in regions), default=0)
    lowest = np.full(total + 1, 255)
    present = np.zeros(total + 1, bool)
    for frame, r in zip(rgba, regions, strict=False):
        inside = r > 0
        np.minimum.at(lowest, r[inside], frame[..., 3][inside])
        present[r[inside]] = True
    return {t: bool(lowest[t] > 127) for t in np.flatnonzero(present).tolist()}


#: frames, frame 0's region image (or None), every track's keep decision, the head's alpha before
#: the vote (None unless a prior head made it) and the close calls among the tracks
_Matte = tuple[list[np.ndarray], np.ndarray | None, dict[int, bool], np.ndarray | None, frozenset[int]]


def _flip_regions(rgb: np.ndarray, base: np.ndarray, flips: dict[int, bool] | None) -> _Matte:
    """``base`` RGBA frames (N, H, W, 4) with the enclosed regions of ``rgb`` found and ``flips`` applied.

    Only the pixels of regions whose decision differs from ``base``'s own come from the
    prior matte, so without flips the frames are ``base``'s exactly (the colour key's
    edges are better than a plain un-mix).
    """
    from sticker_studio.engine.matting.matte import matte_with_prior

    base_alpha = base[..., 3].astype(np.float32) / 255.0
    prior = matte_with_prior(rgb, None, flips=flips, base_alpha=base_alpha)
    kept = _kept_tracks(prior.rgba, prior.cores)
    base_kept = {t: m >= VOTE_THRESHOLD for t, m in prior.votes.items()}  # what the vote made of base's alpha
    changed = [t for t, k in kept.items() if k != base_kept.get(t, k)]
    out = base.copy()
    if changed:
        for t, regions in enumerate(prior.regions):
            mask = np.isin(regions, changed)
            out[t][mask] = prior.rgba[t][mask]
    return list(out), prior.regions[0], kept, None, frozenset()


def _matte_with_head(sticker: Sticker, head: Any, flips: dict[int, bool] | None,
                     network_alpha: np.ndarray | None = None) -> _Matte:
    """The model's cut-out; ``network_alpha`` (from an earlier cut-out of the same frames) skips the head."""
    from sticker_studio.engine.matting.matte import flatten_on_white, head_uses_prior, matte_sticker, matte_with_prior

    rgb = flatten_on_white(sticker.frames)
    if head_uses_prior(head):
        if network_alpha is not None and network_alpha.shape == rgb.shape[:3]:
            prior = matte_with_prior(rgb, None, flips=flips, base_alpha=network_alpha)
        else:
            prior = matte_with_prior(rgb, head, flips=flips)
        alpha = prior.network_alpha
        close = close_calls(alpha, prior.cores, flips) if alpha is not None else frozenset()
        return list(prior.rgba), prior.regions[0], _kept_tracks(prior.rgba, prior.cores), alpha, close
    return _flip_regions(rgb, np.stack(matte_sticker(sticker, head).frames), flips)


def _colour_key(sticker: Sticker, flips: dict[int, bool] | None) -> _Matte:
    from sticker_studio.engine.matting.matte import flatten_on_white

    base = np.stack([remove_background_colorkey(f) for f in sticker.frames])
    return _flip_regions(flatten_on_white(sticker.frames), base, flips)


def cut_out_regions(sticker: Sticker, method: str, heads: MattingHeadCache,
                    flips: dict[int, bool] | None = None, previous: CutOut | None = None) -> CutOut:
    """``sticker`` with its background removed by ``method``, and its regions to click.

    Unchanged (no regions) when it has alpha or ``method`` is none. ``model`` without an
    installed head uses the colour key. ``flips`` (track id -> keep) overrides the
    model's or colour key's decision for a region (a hole vs. a white belly; paper it kept), in
    every frame. A cut-out that would leave (almost) nothing keeps the image as it is. A
    background the colour key cannot find (not flat) raises :class:`InvalidInputError`.
    ``previous`` — an earlier cut-out of the *same* ``sticker`` with the same method — lets a
    flip reuse the head's alpha instead of running the head again.
    """
    if method == NONE or not needs_cut_out(sticker):
        return CutOut(sticker)
    head = heads.head() if method == MODEL else None
    if head is not None:
        reuse = previous.network_alpha if previous is not None else None
        (frames, regions, kept, network_alpha, close), used = _matte_with_head(sticker, head, flips, reuse), MODEL
    elif method == LINEART:
        from sticker_studio.core.matte.lineart import lineart_alpha

        frames, regions, kept, network_alpha = [lineart_alpha(f[..., :3]) for f in sticker.frames], None, {}, None
        close, used = frozenset(), LINEART
    else:
        (frames, regions, kept, network_alpha, close), used = _colour_key(sticker, flips), COLOURKEY
    if float(np.mean(frames[0][..., 3] > 127)) < MIN_KEPT_SHARE:
        log.info("removing the background with %s left nothing: the image is kept as it is", used)
        return CutOut(sticker)  # e.g. a flat colour fill: it is all "background", and an empty sticker helps no one
    out = Sticker(list(frames), list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata))
    out.metadata["background"] = used
    return CutOut(out, regions, kept, network_alpha, close)


def cut_out(sticker: Sticker, method: str, heads: MattingHeadCache) -> Sticker:
    """``sticker`` with its background removed by ``method`` (see :func:`cut_out_regions`), no flips."""
    return cut_out_regions(sticker, method, heads).sticker
