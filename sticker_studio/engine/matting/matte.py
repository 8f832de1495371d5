"""Give frames on a flat background their alpha channel back, without flicker or fringes.

The ILDiff matting head sees a window of frames at once (its 3D-conv temporal layers
keep alpha steady over time). Long stickers are cut into overlapping temporal windows
whose alphas are cross-faded. The bundled head (config ``internal_size``) downsizes
internally and refines alpha at full resolution itself; a head without that runs at
its ``sample_size`` (or ≤ 256 px) and the alpha is brought back to full size with a
guided upsampling (He et al.'s fast guided filter, the full-resolution image as the
guide), so edges follow the real drawing instead of a blurred mask.

Colour comes from the original pixels: where alpha is partial, the background colour
(the median of the frame border) is un-mixed out (``F = (I - (1 - α) B) / α``), which
removes the white or coloured fringe a plain alpha cut would leave.

Without a head (none bundled, or none asked for), :func:`colorkey_matte` floods the
background from the border (``sticker_studio.core.matte.background``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from sticker_studio.core.progress import ProgressCallback
from sticker_studio.core.sticker import Sticker
from sticker_studio.engine.models.protocols import MattingModel

#: frames per temporal window, and frames shared by neighbouring windows
DEFAULT_WINDOW = 16
DEFAULT_OVERLAP = 4
#: working side when the head's config names none (fully convolutional heads)
DEFAULT_HEAD_SIDE = 256
MATTING_CLASS = ["sticker_studio.engine.models.matting_head", "MattingHead"]


def load_matting_head(model: str | Path | None = None, *, device: torch.device | None = None,
                      dtype: torch.dtype | None = None, trainable: bool = False) -> Any:
    """The matting head from a folder, a manifest id, or (``None``) the default id: for inference the plain
    torch network (:func:`~sticker_studio.engine.models.matting_net.load_matting_net`: the same weights and
    outputs, without importing diffusers, ~3 s of a CLI run); with ``trainable`` (or for a pipeline that saves
    it) the diffusers :class:`MattingHead` with ``save_pretrained``.

    Raises :class:`ModelNotFoundError` when it is not available; never builds random weights.
    """
    from sticker_studio.engine.store import folder as model_folder
    from sticker_studio.engine.store.hub import resolve_model
    from sticker_studio.engine.store.manifest import ModelManifest

    if model is not None and Path(model).is_dir():
        folder = Path(model)
        model_folder.check_unverified_folder(folder)
        notice = model_folder.unverified_notice(folder)
        if notice is not None:
            import logging

            logging.getLogger(__name__).warning(notice)
    else:
        manifest = ModelManifest.load()
        model_id = manifest.choose_id(
            None if model is None else str(model), "matting", what="matting head",
            hint="use --colorkey, or add one with `sticker-studio models add PATH`",
        )
        folder = resolve_model(model_id, manifest=manifest)
    if trainable:
        head = model_folder.load_model(folder, MATTING_CLASS, "matting head")
    else:
        from sticker_studio.engine.models.matting_net import load_matting_net

        head = load_matting_net(folder, max_parameters=model_folder.MAX_PARAMETERS)
    head.eval()
    if device is not None:
        head.to(device=device)
    if dtype is not None and dtype != head.dtype:
        head.to(dtype=dtype)
    return head


def head_working_size(head: MattingModel, height: int, width: int) -> tuple[int, int] | None:
    """(h, w) to resize frames to before the head, or ``None`` when the head takes full frames.

    A head with an ``internal_size`` config downsizes internally and refines alpha at
    full resolution itself; a head with a fixed ``sample_size`` gets frames at that size
    (alpha then comes back by guided upsampling); otherwise frames over 256 px are
    brought to ≤ 256 px (multiples of 16).
    """
    config = getattr(head, "config", None)
    if config is not None and getattr(config, "internal_size", None):
        return None
    size = getattr(config, "sample_size", None) if config is not None else None
    if isinstance(size, (list, tuple)):
        return int(size[0]), int(size[1])
    if size:
        return int(size), int(size)
    if max(height, width) <= DEFAULT_HEAD_SIDE:
        return None
    scale = DEFAULT_HEAD_SIDE / max(height, width)
    return max(16, int(round(height * scale / 16)) * 16), max(16, int(round(width * scale / 16)) * 16)


def _module_device_dtype(module: Any) -> tuple[torch.device, torch.dtype]:
    try:
        p = next(module.parameters())
        return p.device, p.dtype
    except (StopIteration, AttributeError):
        return torch.device("cpu"), torch.float32


def _window_starts(n: int, window: int, overlap: int) -> list[int]:
    if n <= window:
        return [0]
    step = max(1, window - overlap)
    starts = list(range(0, n - window + 1, step))
    if starts[-1] != n - window:
        starts.append(n - window)
    return starts


@torch.no_grad()
def run_head(head: MattingModel, frames: torch.Tensor, *, window: int = DEFAULT_WINDOW,
             overlap: int = DEFAULT_OVERLAP, progress: ProgressCallback | None = None,
             prior: Callable[[int, int], torch.Tensor] | None = None) -> torch.Tensor:
    """Alpha [N,1,h,w] for frames [N,3,h,w] in [0,1] (already at the head's size), window by window.

    ``frames`` may be uint8 (0-255): each window is converted to float only when it runs.
    """
    device, dtype = _module_device_dtype(head)
    n = frames.shape[0]
    starts = _window_starts(n, window, overlap)
    acc = torch.zeros(n, 1, *frames.shape[-2:], dtype=torch.float16)  # alpha in [0, 1]: half is plenty
    weight = torch.zeros(n, 1, 1, 1)
    for i, s in enumerate(starts):
        e = min(n, s + window)
        part = frames[s:e]
        if part.dtype == torch.uint8:  # frames may stay uint8 until their window runs
            part = part.float() / 255.0
        clip = part.permute(1, 0, 2, 3)[None].to(device=device, dtype=dtype)  # [1,3,F,h,w]
        if prior is not None:  # the layout prior of these frames, [F, C, h, w] -> [1, C, F, h, w]
            out = head(clip, prior=prior(s, e).permute(1, 0, 2, 3)[None].to(device=device, dtype=dtype))
        else:
            out = head(clip)
        alpha = (out.alpha if hasattr(out, "alpha") else out[0])[0].permute(1, 0, 2, 3).float().cpu()
        # cross-fade overlaps: weights ramp up over the first `overlap` frames of a window
        w = torch.ones(e - s)
        if s > 0 and overlap > 0:
            ramp = torch.linspace(0, 1, min(overlap, e - s) + 2)[1:-1]
            w[: len(ramp)] = ramp
        if e < n and overlap > 0:
            ramp = torch.linspace(1, 0, min(overlap, e - s) + 2)[1:-1]
            w[len(w) - len(ramp):] = torch.minimum(w[len(w) - len(ramp):], ramp)
        acc[s:e] += (alpha * w.view(-1, 1, 1, 1)).half()
        weight[s:e] += w.view(-1, 1, 1, 1)
        if progress is not None:
            progress(i + 1, len(starts))
    out = acc.float()
    del acc
    return (out / weight.clamp_min(1e-6)).clamp_(0.0, 1.0)


def _box(x: torch.Tensor, r: int) -> torch.Tensor:
    k = 2 * r + 1
    return F.avg_pool2d(F.pad(x, (r, r, r, r), mode="replicate"), k, stride=1)


def guided_upsample(alpha_low: torch.Tensor, guide_low: torch.Tensor, guide_high: torch.Tensor,
                    *, radius: int = 2, eps: float = 1e-3) -> torch.Tensor:
    """Fast guided filter: fit ``alpha ≈ a·I + b`` locally at low res, apply a, b at full res.

    All tensors [N,1,H,W]; returns alpha [N,1,H_high,W_high] in [0,1].
    """
    mean_i = _box(guide_low, radius)
    mean_p = _box(alpha_low, radius)
    cov_ip = _box(guide_low * alpha_low, radius) - mean_i * mean_p
    var_i = _box(guide_low * guide_low, radius) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    mean_a = _box(a, radius)
    mean_b = _box(b, radius)
    size = guide_high.shape[-2:]
    a_up = F.interpolate(mean_a, size=size, mode="bilinear", align_corners=False)
    b_up = F.interpolate(mean_b, size=size, mode="bilinear", align_corners=False)
    return (a_up * guide_high + b_up).clamp(0.0, 1.0)


def border_colour(rgb: np.ndarray) -> np.ndarray:
    """The median colour of the outer one-pixel ring of all frames (N,H,W,3) → (3,) float in [0,1]."""
    ring = np.concatenate([rgb[:, 0], rgb[:, -1], rgb[:, :, 0], rgb[:, :, -1]], axis=1).reshape(-1, 3)
    return np.median(ring, axis=0).astype(np.float32) / 255.0


def unmix_foreground(rgb: np.ndarray, alpha: np.ndarray, background: np.ndarray) -> np.ndarray:
    """Straight RGBA uint8 frames: colour with the background un-mixed at partial alpha.

    Opaque pixels keep their colour exactly, fully transparent ones become (0, 0, 0, 0);
    only the partial pixels (the edges, a shadow) are computed in float.
    """
    a = np.clip(alpha.astype(np.float32), 0.0, 1.0)
    out = np.empty(rgb.shape[:-1] + (4,), np.uint8)
    out[..., :3] = rgb[..., :3]
    out[..., 3] = (a * 255.0 + 0.5).astype(np.uint8)
    out[a <= 0.0, :3] = 0
    partial = (a > 0.0) & (a <= 0.995)
    if partial.any():
        ap = a[partial][:, None]
        img = rgb[..., :3][partial].astype(np.float32) / 255.0
        fg = np.clip((img - (1.0 - ap) * background.astype(np.float32)) / np.maximum(ap, 1e-3), 0.0, 1.0)
        out[..., :3][partial] = (fg * 255.0 + 0.5).astype(np.uint8)
    return out


def clean_alpha(alpha: np.ndarray, low: float = 0.02, high: float = 0.98) -> np.ndarray:
    """Snap near-0 and near-1 alpha (noise that would make 'transparent' pixels faintly visible)."""
    out = alpha.copy()
    out[out < low] = 0.0
    out[out > high] = 1.0
    return out


#: whether :func:`matte_with_prior` averages the head's alpha with that of the mirrored frames by
#: default: +0.3 dB alpha PSNR on held-out drawings, but twice the head's time (~150 instead of
#: ~100 ms per 512² frame on 2 cores), so it is asked for (``matte --mirror``), not the default
MIRROR_AVERAGE = False
#: whether :func:`matte_with_prior` re-fits the edge band to the frame with a colour guided filter
#: (:mod:`sticker_studio.core.matte.edge_refine`): +1.2 to +2.0 dB alpha PSNR on the 512² validation
#: drawings, ~30 ms more per 512² frame on 2 cores (the fast 2x-subsampled filter, on the band's window)
REFINE_EDGES = True
#: whether :func:`matte_with_prior` makes the inside of flat fills far from the paper opaque
#: (:mod:`sticker_studio.core.matte.opaque_fill`)
RAISE_FLAT_FILLS = True
#: whether it solves the alpha of narrow subject-to-paper edges from their colour
#: (:mod:`sticker_studio.core.matte.edge_colour`): +1 to +2 dB on real art at 512², +0.1 to +0.2 on drawings
EDGE_ALPHA_FROM_COLOUR = True
#: whether textured paper the border flood reaches is capped at its colour's least opacity
#: (:mod:`sticker_studio.core.matte.paper_ceiling`: a head's blob on a light patch of the paper)
CAP_TEXTURED_PAPER = True
#: whether frames found to be JPEG get their edges from the luminance and sharpened back
#: (:mod:`sticker_studio.core.matte.jpeg_edges`): +2.5 dB on the real set's cream JPEG; other frames untouched
JPEG_EDGES = True
#: whether on flat coloured paper the pixels of the paper's own colour are cleared
#: (:func:`sticker_studio.core.matte.hole_cues.clear_paper_pixels`)
CLEAR_PAPER_PIXELS = True
#: whether a photo's curved lighting (a vignette) is divided out of the frames before the prior
#: (:func:`sticker_studio.core.matte.lighting.flatten_lighting`; even and straight light are left as they are)
FLATTEN_LIGHTING = True
#: frames x pixels a full-resolution window may hold (16 frames of 320 x 320): the head's activations
#: cost about 230 bytes a pixel, so this bounds them near 400 MB
WINDOW_PIXELS = 16 * 320 * 320
#: the fewest frames a window may have (the head's temporal layers still see neighbours)
MIN_WINDOW = 2
#: pixels (frames x height x width) converted to float at once outside the head's windows; the
#: un-mixing needs about 60 bytes a pixel of temporaries, so this keeps them near 60 MB
CHUNK_PIXELS = 1 << 20


def matte_frames(rgb: np.ndarray, head: MattingModel | None, *, window: int = DEFAULT_WINDOW,
                 overlap: int = DEFAULT_OVERLAP, progress: ProgressCallback | None = None,
                 strict: bool = True, mirror: bool | None = None) -> np.ndarray:
    """RGBA frames (N,H,W,4) uint8 for flat-background RGB frames (N,H,W,3) uint8.

    ``head=None`` uses the colour key (``strict``: see :func:`colorkey_matte`); ``mirror``:
    see :func:`matte_with_prior` (heads with the layout prior only). Float
    copies are made a window or :data:`CHUNK_PIXELS` pixels at a time, never of the
    whole animation: memory is the uint8 input and output plus one float alpha plane.
    """
    rgb = np.ascontiguousarray(rgb[..., :3])
    if head is None:
        return colorkey_matte(rgb, strict=strict)
    if head_uses_prior(head):
        if rgb.shape[0] * rgb.shape[1] * rgb.shape[2] > SEGMENT_PIXELS:
            return matte_long_clip(rgb, head, window=window, overlap=overlap, progress=progress, mirror=mirror)
        return matte_with_prior(rgb, head, window=window, overlap=overlap, progress=progress, mirror=mirror).rgba
    n, h, w, _ = rgb.shape
    working = head_working_size(head, h, w)
    full_u8 = torch.from_numpy(rgb).permute(0, 3, 1, 2)  # a view: no copy
    if working is None:  # the head refines at full size: fewer frames a window for big frames
        window = min(window, max(MIN_WINDOW, WINDOW_PIXELS // max(1, h * w)))
        overlap = min(overlap, window // 2)
    step = max(1, CHUNK_PIXELS // max(1, h * w))
    chunks = [(s, min(n, s + step)) for s in range(0, n, step)]
    if working is None or working == (h, w):
        alpha = run_head(head, full_u8, window=window, overlap=overlap, progress=progress)
    else:
        low = torch.cat([
            F.interpolate(full_u8[s:e].float() / 255.0, size=working, mode="bilinear", align_corners=False,
                          antialias=True)
            for s, e in chunks
        ])
        alpha_low = run_head(head, low, window=window, overlap=overlap, progress=progress)
        radius = max(1, min(working) // 64)
        alpha = torch.cat([
            guided_upsample(alpha_low[s:e], _grey(low[s:e]), _grey(full_u8[s:e].float() / 255.0), radius=radius)
            for s, e in chunks
        ])
        del low, alpha_low
    background = border_colour(rgb)
    out = np.empty((n, h, w, 4), np.uint8)
    for s, e in chunks:
        out[s:e] = unmix_foreground(rgb[s:e], clean_alpha(alpha[s:e, 0].numpy()), background)
    return out


#: frames x pixels :func:`matte_with_prior` takes at once: its per-pixel state (the layout prior's
#: channels and labels, the head's alpha, the vote's track images, the edge refinement and the
#: un-mixing) is ~110 bytes a pixel, so a segment stays near 250 MB whatever the clip's length
SEGMENT_PIXELS = 2 * 1024 * 1024
#: frames of context on each side of a segment (seen by the head and the vote, not written)
SEGMENT_CONTEXT = DEFAULT_OVERLAP


def matte_long_clip(rgb: np.ndarray, head: MattingModel, *, window: int = DEFAULT_WINDOW,
                    overlap: int = DEFAULT_OVERLAP, progress: ProgressCallback | None = None,
                    mirror: bool | None = None) -> np.ndarray:
    """RGBA (N,H,W,4) uint8 for a clip longer than :data:`SEGMENT_PIXELS`, a segment of frames at a time.

    Each segment (with :data:`SEGMENT_CONTEXT` frames of context either side, so the head's
    temporal windows and the region vote see the neighbours) goes through
    :func:`matte_with_prior`; only the output (uint8) is kept for the whole clip. Memory is
    the uint8 input and output plus one segment's working state (a 1,999-frame GIF on a 447²
    canvas: 4.6 GB peak RSS before, see tests/test_matte_memory.py). Enclosed regions are
    decided per segment rather than once per clip.
    """
    n, h, w, _ = rgb.shape
    seg = max(MIN_WINDOW * 2, SEGMENT_PIXELS // max(1, h * w))
    out = np.empty((n, h, w, 4), np.uint8)
    starts = list(range(0, n, seg))
    for k, s in enumerate(starts):
        e = min(n, s + seg)
        lo, hi = max(0, s - SEGMENT_CONTEXT), min(n, e + SEGMENT_CONTEXT)

        def part(done: int, total: int, k: int = k) -> None:
            if progress is not None:
                progress(k * total + done, len(starts) * total)

        matte = matte_with_prior(rgb[lo:hi], head, window=window, overlap=overlap, mirror=mirror,
                                 progress=part if progress is not None else None)
        out[s:e] = matte.rgba[s - lo:e - lo]
        del matte
    return out


def head_uses_prior(head: MattingModel | None) -> bool:
    """Whether ``head`` takes the layout prior of :mod:`sticker_studio.core.matte.layout_prior`."""
    config = getattr(head, "config", None)
    return bool(getattr(config, "prior_channels", 0)) if config is not None else False


@dataclass
class PriorMatte:
    """A matte made with the layout prior: RGBA frames, per frame the image of enclosed-region
    track ids (0 = none) that :func:`matte_with_prior`'s ``flips`` refer to, and the alpha
    (N, H, W) float32 before the per-region vote (the head's), which ``base_alpha`` takes back
    to apply other flips without running the head again."""

    rgba: np.ndarray
    regions: list[np.ndarray]
    #: per frame the track ids on the regions' paper-coloured cores only: the pixels the vote counts
    #: (:func:`sticker_studio.core.matte.layout_prior.region_cores`)
    cores: list[np.ndarray]
    #: every track's vote: its mean alpha over its core
    #: (:attr:`~sticker_studio.core.matte.layout_prior.RegionVote.means`)
    votes: dict[int, float]
    network_alpha: np.ndarray | None = None


def matte_with_prior(rgb: np.ndarray, head: MattingModel | None, *, flips: dict[int, bool] | None = None,
                     window: int = DEFAULT_WINDOW, overlap: int = DEFAULT_OVERLAP,
                     progress: ProgressCallback | None = None,
                     base_alpha: np.ndarray | None = None, mirror: bool | None = None) -> PriorMatte:
    """Matte (N,H,W,3) uint8 frames with the layout prior; every enclosed region decided once per clip.

    ``head=None`` with ``base_alpha`` (N,H,W) in [0, 1] (the colour key's, or an earlier
    matte's :attr:`PriorMatte.network_alpha`) only applies the per-region decisions and
    ``flips`` (track id -> keep) to that alpha. ``mirror`` (default :data:`MIRROR_AVERAGE`)
    also runs the head on the left-right mirrored frames and averages the two alphas (the
    prior is mirror-symmetric, so this only evens out the network's own asymmetries).
    The decided alpha's edge band is then snapped to the frame's colour edges
    (:func:`sticker_studio.core.matte.edge_refine.refine_edges`, when :data:`REFINE_EDGES`), and on a
    flat background no pixel's alpha is left below what its colour demands
    (:func:`sticker_studio.core.matte.alpha_floor.raise_to_colour_floor`).
    """
    from sticker_studio.core.matte.alpha_floor import raise_to_colour_floor
    from sticker_studio.core.matte.edge_colour import alpha_from_edge_colour
    from sticker_studio.core.matte.edge_refine import refine_edges
    from sticker_studio.core.matte.flip_rim import take_flipped_rims
    from sticker_studio.core.matte.jpeg_edges import jpeg_trace
    from sticker_studio.core.matte.layout_prior import clip_layout_priors, vote_regions
    from sticker_studio.core.matte.lineart import least_opacity, paper_margin
    from sticker_studio.core.matte.opaque_fill import raise_flat_fills

    if FLATTEN_LIGHTING:  # a photo's vignette divided out: the paper one colour before the prior reads it
        from sticker_studio.core.matte.lighting import flatten_lighting

        rgb = flatten_lighting(rgb)
    priors = clip_layout_priors(rgb)
    blank = all(bool(p.channels[..., 1].all()) for p in priors)  # every pixel is paper (within its noise)
    if head is not None and blank:  # nothing for the head to find: it could only invent something
        alpha = np.zeros(rgb.shape[:3], np.float32)
    elif head is not None:
        full_u8 = torch.from_numpy(rgb).permute(0, 3, 1, 2)
        n, h, w, _ = rgb.shape
        window = max(min(window, 2 * overlap), min(window, WINDOW_PIXELS // max(1, h * w)))

        bg_colour = torch.from_numpy(priors[0].background.astype(np.float32))

        def prior_of(s: int, e: int) -> torch.Tensor:  # [F, C, h, w]: the prior channels + the background colour
            chans = torch.stack([torch.from_numpy(p.channels) for p in priors[s:e]]).permute(0, 3, 1, 2)
            return torch.cat([chans, bg_colour.view(1, 3, 1, 1).expand(e - s, 3, h, w)], dim=1)

        mirror = MIRROR_AVERAGE if mirror is None else mirror
        passes = 2 if mirror else 1

        def part(k: int) -> ProgressCallback | None:  # one progress bar over both passes
            if progress is None:
                return None
            report = progress
            return lambda done, total: report(k * total + done, passes * total)

        alpha = run_head(head, full_u8, window=window, overlap=overlap, progress=part(0), prior=prior_of)[:, 0].numpy()
        if mirror:
            mirrored = run_head(head, full_u8.flip(-1), window=window, overlap=overlap, progress=part(1),
                                prior=lambda s, e: prior_of(s, e).flip(-1))[:, 0].numpy()
            alpha = (alpha + mirrored[..., ::-1]) * 0.5
    elif base_alpha is not None:
        alpha = base_alpha.astype(np.float32)
    else:
        alpha = np.stack([p.key_alpha for p in priors])
    background = priors[0].background.astype(np.float32)
    margin = paper_margin(rgb, background)
    if CAP_TEXTURED_PAPER:  # textured paper the border flood reaches is paper, whatever the head took it for
        from sticker_studio.core.matte.paper_ceiling import cap_paper

        alpha = cap_paper(alpha, priors, rgb, background, margin)
    # a JPEG keeps the luminance sharp and blurs the colour: its edges are read from what it keeps
    jpeg = JPEG_EDGES and jpeg_trace(rgb).compressed
    vote = vote_regions(priors, alpha, flips, paper_alpha=lambda t, box: least_opacity(rgb[t][box], background, margin),
                        frames=rgb, pale_rims=jpeg)
    take_flipped_rims(vote.alpha, vote.tracks, vote.decided, priors, vote.means, flips, rgb, margin)
    voted = vote.alpha
    guide, guide_bg, contrast = _edge_guide(rgb, background, jpeg)
    if REFINE_EDGES:  # what the vote set stays exactly as decided; a hole's rim left to the head may follow the frame
        voted = refine_edges(guide, voted, frozen=vote.decided)
    voted = raise_to_colour_floor(rgb, voted, priors, margin)
    if RAISE_FLAT_FILLS:
        voted = raise_flat_fills(rgb, voted, priors)
    if EDGE_ALPHA_FROM_COLOUR:
        voted = alpha_from_edge_colour(guide, voted, guide_bg, vote.decided, min_contrast=contrast)
    if CLEAR_PAPER_PIXELS:
        from sticker_studio.core.matte.hole_cues import clear_paper_pixels
        from sticker_studio.core.matte.layout_prior import whiteish

        if priors[0].paper is None and priors[0].tolerances.flat and not whiteish(background * 255.0):
            voted = np.stack([clear_paper_pixels(a, p.distance) for a, p in zip(voted, priors, strict=False)])
    if jpeg:
        from sticker_studio.core.matte.jpeg_edges import sharpen_edges

        voted = sharpen_edges(voted)
    rgba = unmix_foreground(rgb, clean_alpha(voted), background)
    return PriorMatte(rgba, vote.tracks, vote.cores, vote.means, alpha)


def _edge_guide(rgb: np.ndarray, background: np.ndarray, jpeg: bool) -> tuple[np.ndarray, np.ndarray, float]:
    """(frames, paper colour in [0, 1], least subject-to-paper contrast) the edge steps read: the
    frames themselves, or on JPEG frames their luminance-weighted guide
    (:func:`sticker_studio.core.matte.jpeg_edges.luma_weighted`)."""
    from sticker_studio.core.matte import edge_colour, jpeg_edges

    if not jpeg:
        return rgb, background, edge_colour.MIN_CONTRAST
    return (jpeg_edges.luma_weighted(rgb), jpeg_edges.luma_weighted_colour(background).astype(np.float32),
            jpeg_edges.MIN_CONTRAST)


def _grey(t: torch.Tensor) -> torch.Tensor:
    return 0.299 * t[:, 0:1] + 0.587 * t[:, 1:2] + 0.114 * t[:, 2:3]


def colorkey_matte(rgb: np.ndarray, *, strict: bool = True) -> np.ndarray:
    """The no-model fallback: flood the flat background from the border, per frame.

    ``strict=False`` (generation) keeps a frame whose background is not flat opaque
    instead of failing the whole sticker.
    """
    from sticker_studio.core.errors import InvalidInputError
    from sticker_studio.core.matte.background import remove_background_colorkey

    out = np.empty(rgb.shape[:3] + (4,), np.uint8)  # filled frame by frame: no list + stack copy
    for k, frame in enumerate(rgb):
        try:
            out[k] = remove_background_colorkey(frame)
        except InvalidInputError:
            if strict:
                raise
            out[k, ..., :3] = frame
            out[k, ..., 3] = 255
    return out


def flatten_on_white(frames: list[np.ndarray]) -> np.ndarray:
    """(N,H,W,3) uint8: RGBA frames composited on white (what the head was trained on).

    One frame at a time (a float copy of all frames would be 16 bytes a pixel).
    """
    h, w = frames[0].shape[:2]
    out = np.empty((len(frames), h, w, 3), np.uint8)
    for k, frame in enumerate(frames):
        f = frame.astype(np.float32)
        a = f[..., 3:4] / 255.0
        out[k] = (f[..., :3] * a + 255.0 * (1.0 - a) + 0.5).astype(np.uint8)
    return out


def matte_sticker(sticker: Sticker, head: MattingModel | None = None, *, use_colorkey: bool = False,
                  window: int = DEFAULT_WINDOW, progress: ProgressCallback | None = None,
                  mirror: bool | None = None) -> Sticker:
    """``sticker`` with alpha estimated from its (flat) background; timing and loop kept.

    ``head=None`` loads the default matting head (ModelNotFoundError if it is not
    installed); ``use_colorkey=True`` skips the model and uses the colour key.
    Frames that already have alpha are flattened on white first, so re-matting works.
    """
    if head is None and not use_colorkey:
        head = load_matting_head()
    rgb = flatten_on_white(sticker.frames)
    rgba = matte_frames(rgb, None if use_colorkey else head, window=window, progress=progress, mirror=mirror)
    out = Sticker(list(rgba), list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata))
    out.metadata["matting"] = "colour key" if use_colorkey else type(head).__name__
    return out
