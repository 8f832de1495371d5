"""The one cut-out: remove a Sticker's background by a :class:`Background` method.

``sticker-studio animate``, ``sticker-studio matte`` and the app's reference all call
:func:`cut_out` with a :class:`Background`: the bundled matting head (``model``), the
colour key (``colour-key``), line art (``line-art``: pencil or ink on paper, alpha from
darkness) or ``none``. What comes back (:class:`CutOut`) carries the region vote's
decisions as data — the clickable regions of frame 0, which are kept and which removed,
the close calls, the head's alpha before the vote (so a flip does not run the head again)
— read from the vote itself, never back from the pixels.
"""

from __future__ import annotations

import enum
import logging
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sticker_studio.core.errors import InvalidInputError, ModelNotFoundError, StickerStudioError
from sticker_studio.core.imageops import composite_on_color
from sticker_studio.core.matte.background import has_useful_alpha, remove_background_colorkey
from sticker_studio.core.matte.layout_prior import VOTE_THRESHOLD, track_means
from sticker_studio.core.progress import ProgressCallback
from sticker_studio.core.sticker import Sticker

log = logging.getLogger(__name__)


class Background(enum.Enum):
    """How a background is removed (the value is the CLI's and the saved settings' spelling)."""

    MODEL = "model"
    COLOUR_KEY = "colour-key"
    LINE_ART = "line-art"
    NONE = "none"

    @property
    def label(self) -> str:
        """What a person reads (the reference panel's list, the CLI's notes)."""
        return _LABELS[self]

    @classmethod
    def parse(cls, text: str | Background) -> Background:
        """``text`` in the current spelling or an older one (``colorkey``, ``lineart``, ``matting``,
        ``keep``, ``auto``, as saved settings and old command lines have them)."""
        if isinstance(text, Background):
            return text
        key = str(text).strip().lower().replace("_", "-")
        found = _ALIASES.get(key)
        if found is None:
            try:
                return cls(key)
            except ValueError:
                choices = ", ".join(b.value for b in cls)
                raise InvalidInputError(f"unknown background method {text!r}: use one of {choices}") from None
        return found


_LABELS = {Background.MODEL: "Model", Background.COLOUR_KEY: "Colour key", Background.LINE_ART: "Line art",
           Background.NONE: "None"}
#: older spellings (the app's old method ids, animate's and matte's old options)
_ALIASES = {"colorkey": Background.COLOUR_KEY, "colourkey": Background.COLOUR_KEY, "color-key": Background.COLOUR_KEY,
            "lineart": Background.LINE_ART, "matting": Background.MODEL, "auto": Background.MODEL,
            "keep": Background.NONE}

#: a cut-out keeping less than this share of opaque pixels is not used (``keep_if_empty``)
MIN_KEPT_SHARE = 0.005
#: an enclosed region whose mean network alpha is within this of the vote's 0.5 is a close call:
#: the panel marks it so the user knows which keep/remove decisions to check
CLOSE_CALL_MARGIN = 0.2


class MattingHeadCache:
    """The bundled matting head, loaded at most once (thread-safe: a worker may load it);
    :meth:`head` is ``None`` when it is not installed. :meth:`of` wraps a head already loaded."""

    def __init__(self, loader: Any | None = None) -> None:
        self._head: Any | None = None
        self._tried = False
        self._error: StickerStudioError | None = None
        self._loader = loader
        self._lock = threading.Lock()

    @classmethod
    def of(cls, head: Any) -> MattingHeadCache:
        cache = cls()
        cache._head, cache._tried = head, True
        return cache

    def head(self) -> Any | None:
        with self._lock:
            if not self._tried:
                self._tried = True
                try:
                    if self._loader is not None:
                        self._head = self._loader()
                    else:
                        from sticker_studio.engine.matting.matte import load_matting_head

                        self._head = load_matting_head()
                except StickerStudioError as error:
                    log.info("no matting head, using the colour key: %s", error)
                    self._head, self._error = None, error
                except (ImportError, OSError) as error:
                    log.info("no matting head, using the colour key: %s", error)
                    self._head, self._error = None, ModelNotFoundError(f"the matting model is not available ({error})")
            return self._head

    def error(self) -> StickerStudioError | None:
        """Why :meth:`head` is ``None`` (after it was asked)."""
        return self._error

    def uses_prior(self) -> bool:
        """Whether the head is installed and takes the layout prior (the app's default then)."""
        head = self.head()
        if head is None:
            return False
        from sticker_studio.engine.matting.matte import head_uses_prior

        return head_uses_prior(head)


def background_type(text: str) -> Background:
    """An argparse ``type=``: a :class:`Background` from the command line, older spellings included."""
    import argparse

    try:
        return Background.parse(text)
    except StickerStudioError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def needs_cut_out(sticker: Sticker) -> bool:
    """Whether ``sticker``'s first frame lacks an alpha that cuts anything out."""
    return not has_useful_alpha(sticker.frames[0])


def automatic_background(sticker: Sticker, heads: MattingHeadCache | None = None) -> Background:
    """The method a drawing is cut out by when the user has not chosen: line art for a sketch on
    paper (:func:`sticker_studio.core.matte.sketch.looks_like_line_art` on its first frame), else the
    model when the bundled head takes the layout prior (``heads``; default: the bundled one), else
    the colour key. A sticker that already has alpha is not looked at (nothing is cut)."""
    from sticker_studio.core.matte.sketch import looks_like_line_art

    if needs_cut_out(sticker) and looks_like_line_art(composite_on_color(sticker.frames[0])):
        return Background.LINE_ART
    heads = heads if heads is not None else MattingHeadCache()
    return Background.MODEL if heads.uses_prior() else Background.COLOUR_KEY


@dataclass
class CutOut:
    """A cut-out and the region vote's decisions.

    ``background``: the method that made it (``model`` without a head falls back to the colour
    key), ``None`` when nothing was cut (it had alpha, ``none``, or the cut left nothing).
    ``regions`` is frame 0's image (H, W) of clickable region track ids (0 = none) for the model
    and colour-key methods — enclosed regions, then paper-coloured areas the cut-out kept
    (:func:`sticker_studio.core.matte.layout_prior.kept_paper_labels`) — and for line art the
    closed shapes (:func:`sticker_studio.core.matte.sketch.line_art_cut`), ``None`` for the others;
    ``kept`` says, for every track, whether the vote (with the flips) keeps it or removes it (a
    hole); ``votes`` every track's number (its mean alpha over its core). A flip given to
    :func:`cut_out` applies to the track in every frame.
    """

    sticker: Sticker
    regions: np.ndarray | None = None
    kept: dict[int, bool] = field(default_factory=dict)
    #: the head's alpha (N, H, W) before the region vote (model method): a flip reuses it
    network_alpha: np.ndarray | None = None
    #: tracks the head decided by a small margin (:func:`close_calls`) that the user has not flipped
    close_calls: frozenset[int] = frozenset()
    background: Background | None = None
    votes: dict[int, float] = field(default_factory=dict)
    #: the flips this cut-out was made with
    flips: dict[int, bool] = field(default_factory=dict)

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

    def removed(self) -> list[int]:
        """The tracks the cut-out removes (holes), in order."""
        return sorted(t for t, k in self.kept.items() if not k)


def close_calls(network_alpha: np.ndarray, regions: list[np.ndarray], flips: dict[int, bool] | None = None,
                margin: float = CLOSE_CALL_MARGIN) -> frozenset[int]:
    """Tracks whose mean network alpha (the vote's number) is within ``margin`` of the vote's threshold,
    minus the flipped ones. ``regions``: per frame the track ids of the pixels the vote counts
    (:attr:`~sticker_studio.engine.matting.matte.PriorMatte.cores`)."""
    means = track_means(network_alpha, regions)
    return frozenset(t for t, m in means.items() if abs(m - VOTE_THRESHOLD) < margin and t not in (flips or {}))


def vote_decisions(votes: dict[int, float], flips: dict[int, bool] | None) -> dict[int, bool]:
    """Every track's keep decision as the region vote makes it: its number ≥ the threshold,
    unless the user flipped it (:func:`sticker_studio.core.matte.layout_prior.vote_regions`)."""
    flips = flips or {}
    return {t: bool(flips[t]) if t in flips else m >= VOTE_THRESHOLD for t, m in sorted(votes.items())}


@dataclass
class _Matte:
    frames: np.ndarray
    regions: np.ndarray | None = None
    kept: dict[int, bool] = field(default_factory=dict)
    network_alpha: np.ndarray | None = None
    close: frozenset[int] = frozenset()
    votes: dict[int, float] = field(default_factory=dict)


def _flip_regions(rgb: np.ndarray, base: np.ndarray, flips: dict[int, bool] | None) -> _Matte:
    """``base`` RGBA frames (N, H, W, 4) with the enclosed regions of ``rgb`` found and ``flips`` applied.

    Only the pixels of regions whose decision differs from ``base``'s own come from the
    prior matte, so without flips the frames are ``base``'s exactly (the colour key's
    edges are better than a plain un-mix).
    """
    from sticker_studio.core.matte.layout_prior import track_means
    from sticker_studio.engine.matting.matte import matte_with_prior

    base_alpha = base[..., 3].astype(np.float32) / 255.0
    prior = matte_with_prior(rgb, None, flips=flips, base_alpha=base_alpha)
    # base's own number per track (over its core; the whole track without one), not the vote's with its
    # shape cues: without flips the frames are base's, so the decisions shown must be base's too
    own, whole = track_means(base_alpha, prior.cores), track_means(base_alpha, prior.regions)
    votes = {t: own.get(t, whole.get(t, m)) for t, m in prior.votes.items()}
    kept = vote_decisions(votes, flips)
    base_kept = vote_decisions(votes, None)  # what base's alpha shows
    changed = [t for t, k in kept.items() if k != base_kept[t]]
    out = base.copy()
    if changed:
        from sticker_studio.core.matte.flip_rim import flipped_area

        for t, regions in enumerate(prior.regions):
            mask = flipped_area(regions, changed)  # a flipped region takes its rim with it
            out[t][mask] = prior.rgba[t][mask]
    return _Matte(out, prior.regions[0], kept, None, frozenset(), votes)


def _model(rgb: np.ndarray, head: Any, flips: dict[int, bool] | None, network_alpha: np.ndarray | None,
           regions: bool, mirror: bool | None, progress: ProgressCallback | None) -> _Matte:
    """The head's cut-out; ``network_alpha`` (from an earlier cut-out of the same frames) skips the head."""
    from sticker_studio.engine.matting.matte import head_uses_prior, matte_frames, matte_with_prior

    if head_uses_prior(head):
        if network_alpha is not None and network_alpha.shape == rgb.shape[:3]:
            prior = matte_with_prior(rgb, None, flips=flips, base_alpha=network_alpha)
        else:
            prior = matte_with_prior(rgb, head, flips=flips, mirror=mirror, progress=progress)
        alpha = prior.network_alpha
        close = close_calls(alpha, prior.cores, flips) if alpha is not None else frozenset()
        return _Matte(prior.rgba, prior.regions[0], vote_decisions(prior.votes, flips), alpha, close,
                      dict(prior.votes))
    base = matte_frames(rgb, head, progress=progress, mirror=mirror)
    return _flip_regions(rgb, base, flips) if regions else _Matte(base)


def cut_out(sticker: Sticker, background: Background | str, heads: MattingHeadCache | None = None, *,
            flips: dict[int, bool] | None = None, previous: CutOut | None = None, regions: bool = True,
            only_without_alpha: bool = True, fallback: bool = True, keep_if_empty: bool = True,
            mirror: bool | None = None, progress: ProgressCallback | None = None, consume: bool = False) -> CutOut:
    """``sticker`` with its background removed by ``background``, and the vote's decisions.

    * ``only_without_alpha`` (the app, ``animate``): a sticker whose first frame has useful
      alpha is returned as it is; otherwise (``matte``) it is flattened on white and cut again.
    * ``model`` uses ``heads`` (default: the bundled head, loaded once); without one installed it
      uses the colour key when ``fallback``, else raises :class:`ModelNotFoundError`.
    * ``flips`` (track id -> keep) overrides the model's or colour key's decision for a region (a
      hole vs. a white belly; paper it kept), in every frame. ``previous`` — an earlier cut-out
      of the *same* ``sticker`` by the model — lets a flip reuse the head's alpha.
    * ``regions=False`` (the CLI) skips finding clickable regions where they cost extra work
      (colour key, a head without the layout prior); the frames are the same.
    * ``keep_if_empty``: a cut-out that would leave (almost) nothing returns the image as it is
      (a flat colour fill is all "background", and an empty sticker helps no one).
    * ``consume`` (``matte``): the caller hands ``sticker`` over; with the model and ``regions=False``
      its frames are freed once flattened, before the head runs (the memory bound of long animations).

    A background the colour key cannot find (not flat) raises :class:`InvalidInputError`.
    """
    background = Background.parse(background)
    if background is Background.NONE or (only_without_alpha and not needs_cut_out(sticker)):
        return CutOut(sticker)
    heads = heads if heads is not None else MattingHeadCache()
    head = heads.head() if background is Background.MODEL else None
    if background is Background.MODEL and head is None and not fallback:
        raise heads.error() or ModelNotFoundError("the matting model is not available; use --background colour-key")
    if head is not None and not regions and flips is None:
        # the CLI: the head's whole-animation matte (streamed window by window), no clickable regions
        from sticker_studio.engine.matting.matte import flatten_on_white, matte_frames, matte_sticker

        if not consume:
            plain = matte_sticker(sticker, head, mirror=mirror, progress=progress)
            return _finish(sticker, plain, Background.MODEL, head, _Matte(np.empty(0)), keep_if_empty, flips)
        rgb = flatten_on_white(sticker.frames)
        sticker.frames.clear()  # the decoded input is freed before the head runs
        rgba = matte_frames(rgb, head, mirror=mirror, progress=progress)
        del rgb
        plain = Sticker(list(rgba), list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata))
        del rgba
        return _finish(plain, plain, Background.MODEL, head, _Matte(np.empty(0)), False, flips)
    if head is not None:
        from sticker_studio.engine.matting.matte import flatten_on_white

        reuse = previous.network_alpha if previous is not None else None
        matte = _model(flatten_on_white(sticker.frames), head, flips, reuse, regions, mirror, progress)
        used = Background.MODEL
    elif background is Background.LINE_ART:  # no torch needed
        from sticker_studio.core.matte.sketch import line_art_cut

        rgb = np.stack([composite_on_color(f) for f in sticker.frames])
        if consume:
            sticker.frames.clear()  # the decoded input is freed before the cut (memory bound)
            keep_if_empty = False  # nothing is left to give back
        art = line_art_cut(rgb, flips)
        del rgb
        matte, used = _Matte(art.frames, art.tracks[0], dict(art.kept)), Background.LINE_ART
    elif regions:
        from sticker_studio.engine.matting.matte import flatten_on_white

        base = np.stack([remove_background_colorkey(f) for f in sticker.frames])  # per frame
        matte, used = _flip_regions(flatten_on_white(sticker.frames), base, flips), Background.COLOUR_KEY
    else:  # no torch needed
        frames = [remove_background_colorkey(composite_on_color(f)) for f in sticker.frames]
        out = Sticker(frames, list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata))
        return _finish(sticker, out, Background.COLOUR_KEY, None, _Matte(np.empty(0)), keep_if_empty, flips)
    out = Sticker(list(matte.frames), list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata))
    return _finish(sticker, out, used, head, matte, keep_if_empty, flips)


def _finish(sticker: Sticker, out: Sticker, used: Background, head: Any | None, matte: _Matte,
            keep_if_empty: bool, flips: dict[int, bool] | None) -> CutOut:
    if keep_if_empty and float(np.mean(out.frames[0][..., 3] > 127)) < MIN_KEPT_SHARE:
        log.info("removing the background with %s left nothing: the image is kept as it is", used.label)
        return CutOut(sticker)
    out.metadata["background"] = used.value
    out.metadata["matting"] = type(head).__name__ if head is not None else used.label.lower()
    return CutOut(out, matte.regions, matte.kept, matte.network_alpha, matte.close, used, matte.votes,
                  dict(flips or {}))

