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
        out.durations_ms = [max(1, b - a) for a, b in zip(edges, edges[1:], strict=False)]
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
    return _bisect_first_fit(0, count - 1, fits)  # the last rung, then bisection between them


# ----------------------------------------------------------------- quality-optimal fit
#: Frame-rate caps the joint search may try below the sticker's own rate.
SEARCH_FPS = (24.0, 20.0, 15.0, 12.0, 10.0, 8.0)
#: Largest palette that gets a dithered candidate beside the plain one.
DITHER_MAX_COLORS = 64
#: Geometry moves (smaller canvas / lower frame rate) the search makes at most.
MAX_GEOMETRY_STEPS = 5


@dataclass(frozen=True)
class Setting:
    """One encoder setting on a container's quality axis (best -> smallest)."""

    label: str
    options: dict[str, Any]


def quality_axis(target: ExportTarget, lossless_first: bool = False) -> list[Setting]:
    """The lossy knob of ``target``'s container, best quality first (sizes fall along it).

    ``lossless_first`` (flat colours on hard alpha, pixel art) puts lossless WebP first:
    such art is smaller lossless than at high lossy quality, and keeps its palette.
    """
    c = target.container
    if c == "webp":
        axis = [Setting("webp lossless", {"lossless": True, "quality": 100})] if lossless_first else []
        return axis + [Setting(f"webp q={q}", {"quality": q})
                       for q in (95, 90, 85, 80, 75, 70, 65, 60, 50, 40, 30, 20, 10, 5)]
    if c == "webm":
        return [Setting(f"vp9 crf={q}", {"crf": q}) for q in (14, 18, 22, 26, 30, 34, 38, 42, 46, 50, 55, 60, 63)]
    if c == "apng":
        return [Setting("apng lossless rgba", {"colors": None})] + [
            Setting(f"apng rgba {n} colours", {"colors": n}) for n in (256, 192, 128, 96, 64, 48, 32, 24, 16, 8)]
    return [Setting(f"gif {n} colours", {"colors": n}) for n in (256, 192, 128, 96, 64, 48, 32, 24, 16, 8, 4)]


def dithered(setting: Setting, container: str) -> Setting | None:
    """The same palette size with the other dithering choice (only for small palettes)."""
    n = setting.options.get("colors")
    if container not in ("apng", "gif") or not isinstance(n, int) or n > DITHER_MAX_COLORS:
        return None
    if container == "apng":
        return Setting(setting.label + " dithered", {**setting.options, "dither": True})
    return Setting(setting.label + " undithered", {**setting.options, "dither": False})


@dataclass(frozen=True)
class Candidate:
    """One encoded file the search measured."""

    data: bytes
    sticker: Sticker
    label: str
    psnr: float
    index: int = 0  # position of its setting on the quality axis


def prepare_canvas(sticker: Sticker, width: int, height: int, pad: bool, pixel_art: bool) -> Sticker:
    """The timed sticker on one allowed canvas (pixel art: whole multiples, nearest)."""
    if not pixel_art:
        return fit_canvas(sticker, width, height, pad)
    from sticker_studio.core.pixelart import fit_pixel_art, native

    small, _ = native(sticker.frames)
    frames = [fit_pixel_art(f, width, height) for f in small]
    return Sticker(frames, list(sticker.durations_ms), sticker.loop_count, dict(sticker.metadata))


def fit_sticker(sticker: Sticker, target: ExportTarget, *, pixel_art: bool | None = None) -> FitResult:
    """Encode ``sticker`` for ``target``: the best *measured* quality under the byte budget.

    Steps 1-3 of the module docstring are the same as the old fixed ladder's (``bench formats``); the
    byte step is a joint search instead of one fixed order:

    * the quality axis of the container (WebP quality / lossless, VP9 crf, APNG/GIF
      colours) is bisected for the best setting that fits, for each *geometry*
      (canvas size x frame-rate cap), with a dithered twin where the palette is small;
    * each geometry's winner is decoded and scored by timeline PSNR against the timed
      sticker on the preferred canvas (smaller canvases are scaled back up to be
      compared, so their blur counts);
    * geometries are explored by coordinate descent from the full one (next smaller
      canvas, next lower frame rate), moving while PSNR rises.

    A file that fits at the container's best setting on the full geometry is taken at
    once (one encode). ``pixel_art`` (None: from the sticker's metadata, else detected)
    scales by whole multiples with nearest-neighbour and tries lossless WebP first.
    """
    from sticker_studio.core.pixelart import has_hard_alpha, is_pixel_art, visible_colors

    art = is_pixel_art(sticker.frames, sticker.metadata) if pixel_art is None else pixel_art
    timed, factor, notes = fit_timing(sticker, target)
    if art:
        notes.append("pixel art: whole-multiple nearest-neighbour scaling")
    sizes = target.canvas.sizes(timed.width, timed.height)
    sizes = sizes[:1] + sizes[2::2] if len(sizes) > 3 else sizes  # 512, 384, 256, 128: coarse steps
    flat = art or (has_hard_alpha(timed.frames) and visible_colors(timed.frames, 256) <= 256)
    axis = quality_axis(target, flat)  # flat colours + hard alpha: lossless WebP first
    base_fps = timed.frame_count * 1000.0 / max(1, timed.total_duration_ms)
    fps_steps: list[float | None] = [None] + [f for f in SEARCH_FPS if f < base_fps - 1e-6]
    needs_distinct = (target.min_frames or 1) > 1 or target.distinct_frames
    canvases: dict[int, Sticker] = {}
    prepared: dict[tuple[int, float | None], Sticker] = {}
    encodes = 0

    def sticker_for(size_index: int, fps_cap: float | None) -> Sticker:
        key = (size_index, fps_cap)
        if key not in prepared:
            if size_index not in canvases:
                w, h, pad = sizes[size_index]
                canvas = prepare_canvas(timed, w, h, pad, art)
                canvases[size_index] = make_frames_distinct(canvas) if needs_distinct else canvas
            base = canvases[size_index]
            if fps_cap is not None:
                base = cap_frame_rate(base, max_fps=fps_cap, min_frames=target.min_frames)
                if needs_distinct:
                    base = make_frames_distinct(base)
            prepared[key] = base
        return prepared[key]

    def encode(s: Sticker, setting: Setting) -> bytes:
        nonlocal encodes
        encodes += 1
        opts = dict(setting.options)
        if target.container == "webm":
            opts.update(deadline="realtime", cpu_used=6)
            if target.max_fps is not None:
                opts["max_fps"] = target.max_fps
        return encode_sticker(s, target.container, **opts)

    def result(data: bytes, s: Sticker, label: str) -> FitResult:
        return FitResult(data=data, sticker=s, quality=label, byte_size=len(data), target=target.name,
                         rung_index=0, rung_count=len(axis), encodes=encodes, speed_factor=factor, notes=notes)

    # Fast path: the full geometry at the best setting.
    full = sticker_for(0, None)
    first = encode(full, axis[0])
    if len(first) <= target.max_bytes:
        return result(first, full, axis[0].label)

    reference = canvases[0]
    smallest = [len(first)]

    def best_for(size_index: int, fps_cap: float | None, start: int) -> Candidate | None:
        """Bisect the quality axis on one geometry; score the winner (and its dither twin).

        ``start`` is the setting that fitted the geometry this one came from: this one
        is smaller, so it nearly always fits there too and only better settings are bisected.
        """
        s = sticker_for(size_index, fps_cap)
        cache: dict[int, bytes] = {}

        def fits(i: int) -> bool:
            if i not in cache:
                cache[i] = encode(s, axis[i])
                smallest[0] = min(smallest[0], len(cache[i]))
            return len(cache[i]) <= target.max_bytes

        if size_index == 0 and fps_cap is None:  # index 0 already failed on the full geometry
            index = _bisect_first_fit(0, len(axis) - 1, fits)
        elif fits(start):
            index = 0 if start == 0 or fits(0) else _bisect_first_fit(0, start, fits)
        else:
            index = _bisect_first_fit(start, len(axis) - 1, fits)
        if index is None:
            return None
        options = [(cache[index], axis[index].label)]
        twin = dithered(axis[index], target.container)
        if twin is not None:
            data = encode(s, twin)
            if len(data) > target.max_bytes and index + 1 < len(axis):
                twin2 = dithered(axis[index + 1], target.container)
                data = encode(s, twin2) if twin2 is not None else data
                twin = twin2 or twin
            if len(data) <= target.max_bytes:
                options.append((data, twin.label))
        scored = [Candidate(d, s, label, _score(d, reference), index) for d, label in options]
        return max(scored, key=lambda c: c.psnr)

    best = best_for(0, None, 0)
    current = (0, 0)  # (size index, fps step index)
    tried = {current}
    for _ in range(MAX_GEOMETRY_STEPS):
        moves = [(current[0] + 1, current[1]), (current[0], current[1] + 1)]
        improved = False
        for size_index, fps_index in moves:
            if size_index >= len(sizes) or fps_index >= len(fps_steps) or (size_index, fps_index) in tried:
                continue
            tried.add((size_index, fps_index))
            if best is not None:
                # Upper bound: this geometry with no encoding loss at all. Not above the best
                # measured file -> no setting on it can win; skip its encodes.
                bound = _score_sticker(sticker_for(size_index, fps_steps[fps_index]), reference)
                if bound <= best.psnr:
                    continue
            cand = best_for(size_index, fps_steps[fps_index], best.index if best is not None else len(axis) - 1)
            if cand is not None and (best is None or cand.psnr > best.psnr + 1e-6):
                best, current, improved = cand, (size_index, fps_index), True
        if not improved and best is not None:
            break
        if best is None and not improved:
            # nothing fits yet: keep shrinking along both axes
            current = (min(current[0] + 1, len(sizes) - 1), min(current[1] + 1, len(fps_steps) - 1))
            if current in tried:
                break
            tried.add(current)
            best = best_for(current[0], fps_steps[current[1]], len(axis) - 1)
    if best is None:
        raise BudgetError(
            f"cannot fit {target.title} ({target.name}): the smallest file reached is {smallest[0]:,} B,"
            f" over the {target.max_bytes:,} B budget; use fewer frames, a shorter loop or simpler artwork"
        )
    size_index, fps_index = current
    label = best.label
    if size_index:
        label += f", canvas {best.sticker.width}x{best.sticker.height}"
    if fps_steps[fps_index] is not None:
        label += f" @ {fps_steps[fps_index]:g} fps"
    fit = result(best.data, best.sticker, label)
    fit.notes = notes + [f"timeline PSNR {best.psnr:.2f} dB (measured)"]
    return fit


def _bisect_first_fit(lo_fail: int, hi: int, fits: Callable[[int], bool]) -> int | None:
    """Smallest index in (lo_fail, hi] that fits, given lo_fail does not; None if hi does not."""
    if hi <= lo_fail or not fits(hi):
        return None
    lo = lo_fail
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fits(mid):
            hi = mid
        else:
            lo = mid
    return hi


def _score(data: bytes, reference: Sticker) -> float:
    """Timeline PSNR of encoded ``data`` against ``reference``, decoded and brought to its canvas."""
    from sticker_studio.formats.readers import read_sticker_bytes

    return _score_sticker(read_sticker_bytes(data, "candidate"), reference)


def _score_sticker(out: Sticker, reference: Sticker) -> float:
    """Timeline PSNR of ``out`` against ``reference`` on the reference's canvas."""
    from sticker_studio.formats.quality import timeline_psnr

    if out.size != reference.size:
        frames = [resize_rgba(f, reference.width, reference.height) for f in out.frames]
        out = Sticker(frames, list(out.durations_ms), out.loop_count)
    return timeline_psnr(reference, out)
