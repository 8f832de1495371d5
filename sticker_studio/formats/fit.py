"""Make a sticker meet an :class:`ExportTarget`: canvas, timing, frames, plays, bytes.

Order of work (each step only when needed):
1. duration - a loop longer than the target allows is *sped up* (the whole loop is
   kept, so it still loops seamlessly) rather than cut; LINE's plays x duration rule
   picks the largest play count that fits;
2. frame rate / frame count - by the timing rule of :mod:`resample` (never above
   the target's cap, nor above 30 fps, which no messenger plays faster);
3. canvas - scaled to fit keeping aspect, on transparent padding where the target
   wants an exact canvas (premultiplied-alpha resize);
4. bytes - a quality ladder ordered best -> smallest (WebP quality, WebM crf,
   APNG/GIF colour counts, then lower frame rates, then smaller canvases where the
   target allows) searched by *binary search* for the best rung under the budget.
If even the last rung is too big, :class:`BudgetError` names the target, the smallest
size reached and the budget.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sticker_studio.core.errors import BudgetError
from sticker_studio.core.imageops import fit_into_canvas, resize_rgba
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.resample import cap_frame_rate
from sticker_studio.formats.targets import ExportTarget
from sticker_studio.formats.writers import encode_sticker

#: Fit never writes more than this frame rate even where a target has no fps rule:
#: messengers play stickers at <= 30 fps and every extra frame costs bytes and time.
FIT_MAX_FPS = 30.0
#: How long a still lasts when a target needs it as an animation (WhatsApp, LINE).
STILL_AS_ANIMATION_MS = 1000
#: Colour change (levels, one pixel per frame) that keeps a still's repeated frames
#: distinct: far below what anyone sees on one pixel, above the threshold under which
#: libwebp's animation encoder merges "unchanged" frames (it did: 1-frame WhatsApp files).
DISTINCT_NUDGE = 24
#: Frame-rate fall-backs used after the quality rungs (only those below the current rate).
FALLBACK_FPS = (20.0, 15.0, 12.0, 10.0, 8.0)


@dataclass(frozen=True)
class Rung:
    """One step of the quality ladder: encoder options + optional fps cap + canvas choice."""

    label: str
    options: dict[str, Any]
    fps_cap: float | None = None
    size_index: int = 0


@dataclass
class FitResult:
    """The encoded file for a target and how it was reached."""

    data: bytes
    sticker: Sticker
    quality: str
    byte_size: int
    target: str = ""
    rung_index: int = 0
    rung_count: int = 0
    encodes: int = 0
    speed_factor: float = 1.0
    notes: list[str] = field(default_factory=list)


def quality_ladder(target: ExportTarget, size_count: int, base_fps: float) -> list[Rung]:
    """Rungs from best quality to smallest file for ``target``'s container."""
    c = target.container
    if c == "webp":
        rungs = [Rung(f"webp q={q}", {"quality": q}) for q in (95, 90, 85, 80, 75, 70, 65, 60, 50, 40, 30, 20, 10, 5)]
        worst: dict[str, Any] = {"quality": 5}
    elif c == "webm":
        rungs = [Rung(f"vp9 crf={q}", {"crf": q}) for q in (18, 22, 26, 30, 34, 38, 42, 46, 50, 55, 60, 63)]
        worst = {"crf": 63}
    elif c == "apng":
        rungs = [Rung("apng lossless rgba", {"colors": None})]
        rungs += [Rung(f"apng rgba {n} colours", {"colors": n}) for n in (256, 192, 128, 96, 64, 48, 32, 24, 16, 8)]
        worst = {"colors": 8}
    else:
        rungs = [Rung(f"gif {n} colours", {"colors": n}) for n in (256, 192, 128, 96, 64, 48, 32, 24, 16, 8, 4)]
        worst = {"colors": 4}
    worst_label = rungs[-1].label
    for fps in FALLBACK_FPS:
        if fps < base_fps - 1e-6:
            rungs.append(Rung(f"{worst_label} @ {fps:g} fps", dict(worst), fps_cap=fps))
    last_fps = rungs[-1].fps_cap
    for index in range(1, size_count):
        rungs.append(Rung(f"{worst_label} @ {last_fps or base_fps:g} fps, canvas #{index + 1}", dict(worst),
                          fps_cap=last_fps, size_index=index))
    return rungs


def fit_timing(sticker: Sticker, target: ExportTarget) -> tuple[Sticker, float, list[str]]:
    """Duration, plays and frame-count rules; returns (sticker, speed factor, notes)."""
    notes: list[str] = []
    out = sticker.copy()
    if out.frame_count == 1 and (target.min_frames or 1) > 1:
        # A still where the target needs an animation: hold it for a second (split into
        # the frames the target needs below; make_frames_distinct keeps them apart).
        out.durations_ms = [max(out.durations_ms[0], STILL_AS_ANIMATION_MS)]
        notes.append(f"still shown as a {target.min_frames}-frame animation that looks still")
    total = out.total_duration_ms
    limit = target.max_duration_ms
    if target.max_play_time_ms is not None:
        limit = min(limit or target.max_play_time_ms, target.max_play_time_ms)
    factor = 1.0
    if limit is not None and total > limit:
        factor = total / limit
        starts = out.start_times_ms() + [total]
        edges = [min(limit, int(round(t / factor))) for t in starts]
        out.durations_ms = [max(1, b - a) for a, b in zip(edges, edges[1:])]
        notes.append(f"sped up x{factor:.2f} to fit {limit} ms (whole loop kept)")
    plays = target.default_plays()
    if target.max_play_time_ms is not None and plays > 0:
        fit = max(1, math.floor(target.max_play_time_ms / max(1, out.total_duration_ms)))
        allowed = [p for p in (target.allowed_plays or (plays,)) if p <= fit] or [min(target.allowed_plays or (1,))]
        plays = max(allowed)
    if out.loop_count != plays:
        out.loop_count = plays
    max_fps = min(target.max_fps or FIT_MAX_FPS, FIT_MAX_FPS)
    if target.min_frame_ms is not None:
        cap = 1000.0 / target.min_frame_ms
        max_fps = cap if max_fps is None else min(max_fps, cap)
    before = out.frame_count
    out = cap_frame_rate(out, max_fps=max_fps, max_frames=target.max_frames, min_frames=target.min_frames)
    if out.frame_count != before:
        notes.append(f"resampled {before} -> {out.frame_count} frames by the timing rule")
    return out, factor, notes


def make_frames_distinct(sticker: Sticker) -> Sticker:
    """Frames that repeat frame 0 get one pixel changed by :data:`DISTINCT_NUDGE` levels.

    For a still exported where a target needs >= 2 (distinct) frames. Frame 0, the one
    messengers show as the preview, is never touched; frame k changes the k-th of the
    most opaque pixels, so the frames also differ from each other.
    """
    first = sticker.frames[0]
    repeats = [k for k in range(1, sticker.frame_count) if np.array_equal(sticker.frames[k], first)]
    if not repeats:
        return sticker
    alpha = first[..., 3].reshape(-1)
    order = np.argsort(-alpha.astype(np.int32), kind="stable")
    stride = max(1, len(order) // (4 * (len(repeats) + 1)))
    frames = list(sticker.frames)
    w = first.shape[1]
    for n, k in enumerate(repeats):
        flat = int(order[min(len(order) - 1, (n + 1) * stride)])
        y, x = divmod(flat, w)
        frame = first.copy()
        if frame[y, x, 3] == 0:
            frame[y, x] = (0, 0, 0, DISTINCT_NUDGE)
        else:
            rgb = frame[y, x, :3].astype(np.int32)
            rgb = np.where(rgb > 255 - DISTINCT_NUDGE, rgb - DISTINCT_NUDGE, rgb + DISTINCT_NUDGE)
            frame[y, x, :3] = rgb.astype(np.uint8)
        frames[k] = frame
    return Sticker(frames, list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata))


def fit_canvas(sticker: Sticker, width: int, height: int, pad: bool) -> Sticker:
    """Frames scaled (and padded when ``pad``) to ``width`` x ``height``."""
    if sticker.size == (width, height):
        return sticker
    if pad:
        frames = [fit_into_canvas(f, width, height) for f in sticker.frames]
    else:
        frames = [resize_rgba(f, width, height) for f in sticker.frames]
    return Sticker(frames, list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata))


def fit_sticker(sticker: Sticker, target: ExportTarget) -> FitResult:
    """Encode ``sticker`` for ``target`` at the best quality that fits its byte budget."""
    timed, factor, notes = fit_timing(sticker, target)
    sizes = target.canvas.sizes(timed.width, timed.height)
    base_fps = timed.frame_count * 1000.0 / max(1, timed.total_duration_ms)
    rungs = quality_ladder(target, len(sizes), base_fps)
    canvases: dict[int, Sticker] = {}
    prepared: dict[tuple[int, float | None], Sticker] = {}
    encoded: dict[int, bytes] = {}

    def sticker_for(rung: Rung) -> Sticker:
        key = (rung.size_index, rung.fps_cap)
        if key not in prepared:
            if rung.size_index not in canvases:
                w, h, pad = sizes[rung.size_index]
                canvases[rung.size_index] = fit_canvas(timed, w, h, pad)
                if (target.min_frames or 1) > 1 or target.distinct_frames:
                    canvases[rung.size_index] = make_frames_distinct(canvases[rung.size_index])
            base = canvases[rung.size_index]
            if rung.fps_cap is not None:
                base = cap_frame_rate(base, max_fps=rung.fps_cap, min_frames=target.min_frames)
            prepared[key] = base
        return prepared[key]

    def encode(index: int) -> bytes:
        if index not in encoded:
            rung = rungs[index]
            opts = dict(rung.options)
            if target.container == "webm":
                # libvpx realtime/cpu-used 6: ~2x faster than good/5 on the sample at
                # -0.05 dB PSNR and ~20% more bytes; the ladder absorbs the bytes.
                opts.update(deadline="realtime", cpu_used=6)
                if target.max_fps is not None:
                    opts["max_fps"] = target.max_fps
            encoded[index] = encode_sticker(sticker_for(rung), target.container, **opts)
        return encoded[index]

    index = search_ladder(len(rungs), lambda i: len(encode(i)) <= target.max_bytes)
    if index is None:
        smallest = min(len(b) for b in encoded.values())
        raise BudgetError(
            f"cannot fit {target.title} ({target.name}): the smallest file reached is {smallest:,} B"
            f" ('{rungs[-1].label}'), over the {target.max_bytes:,} B budget; use fewer frames,"
            " a shorter loop or simpler artwork"
        )
    data = encoded[index]
    rung = rungs[index]
    return FitResult(
        data=data, sticker=sticker_for(rung), quality=rung.label, byte_size=len(data), target=target.name,
        rung_index=index, rung_count=len(rungs), encodes=len(encoded), speed_factor=factor, notes=notes,
    )


def search_ladder(count: int, fits: Callable[[int], bool]) -> int | None:
    """Index of the best (lowest) rung that fits, by binary search; None if none fits.

    Rung 0 is tried first (most stickers fit at full quality: one encode), then the
    last (to detect an impossible budget), then bisection between them. Sizes are
    nearly monotone along the ladder; the answer always fits even where they are not.
    """
    if count <= 0:
        return None
    if fits(0):
        return 0
    if count == 1 or not fits(count - 1):
        return None
    lo, hi = 0, count - 1  # lo fails, hi fits
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return hi
