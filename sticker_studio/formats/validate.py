"""Check a written file against a target by reading it back with real decoders.

Nothing that was *asked for* is trusted: the pixels, timings and play count come
from decoding the file (Pillow; for WebM, ffmpeg with libvpx-vp9, which keeps the
alpha plane), the APNG colour type from the IHDR bytes, the WebM alpha flag and any
audio stream from ffmpeg's stream description.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sticker_studio.core.errors import InvalidInputError, StickerStudioError
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.sniff import is_apng, png_color_type, sniff_kind
from sticker_studio.formats.targets import ExportTarget

#: Read-back timings may differ by rounding in the container's time base.
TIMING_TOLERANCE_MS = 1

_CONTAINER_KINDS = {"webm": "webm", "webp": "webp", "apng": "png", "gif": "gif"}


@dataclass(frozen=True)
class RuleViolation:
    """One broken rule: its stable name (see ``targets.RULES``) and what is wrong."""

    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.rule}: {self.message}"


class ExportValidationError(StickerStudioError):
    """A fitted file failed its target's validation; it was not written."""

    def __init__(self, target: ExportTarget, violations: list[RuleViolation]):
        self.target = target
        self.violations = violations
        super().__init__(
            f"the {target.name} export breaks " + "; ".join(str(v) for v in violations)
        )


def validate_file(path: str | os.PathLike[str], target: ExportTarget) -> list[RuleViolation]:
    """Every rule of ``target`` that the file at ``path`` breaks (empty = valid).

    Raises :class:`InvalidInputError` / :class:`LimitExceededError` when the file
    cannot be decoded at all (missing, empty, truncated, not an image).
    """
    from sticker_studio.formats.files import read_regular_file
    from sticker_studio.formats.limits import DEFAULT_LIMITS
    from sticker_studio.formats.readers import read_sticker

    path = Path(path)
    data = read_regular_file(path, DEFAULT_LIMITS.max_file_bytes)  # refuses folders, devices, FIFOs
    if not data:
        raise InvalidInputError(f"{path.name} is empty (0 bytes)")
    if target.container == "tgs":  # vector: checked on the Lottie JSON, not decoded to frames
        from sticker_studio.formats.tgs.rules import tgs_problems

        return [RuleViolation(rule, message) for rule, message in tgs_problems(data, target.max_bytes)]
    violations: list[RuleViolation] = []
    kind = sniff_kind(data[:64])
    want = _CONTAINER_KINDS[target.container]
    if kind != want:
        violations.append(RuleViolation(
            "container.format", f"{target.title} needs {target.container.upper()}, the file is {kind or 'unknown'}"))
    # A file that does not decode at all is a user error (exit 2), not a rule list.
    sticker = read_sticker(path)
    if len(data) > target.max_bytes:
        violations.append(RuleViolation("bytes.max", f"{len(data):,} B is over the {target.max_bytes:,} B limit"))
    problem = target.canvas.check(sticker.width, sticker.height)
    if problem:
        violations.append(RuleViolation("size.canvas", problem))
    violations += _timing_violations(sticker, target)
    if target.container == "apng" and kind == "png":
        ctype = png_color_type(data)
        if ctype != 6:
            violations.append(RuleViolation(
                "apng.rgba", f"PNG colour type is {ctype} ({_COLOR_TYPES.get(ctype, '?')}), must be 6 (RGBA)"))
        if sticker.frame_count > 1 and not is_apng(data):
            violations.append(RuleViolation("container.format", "PNG has no acTL chunk: not an APNG"))
    if target.container == "webm" and kind == "webm":
        violations += _webm_violations(path, target)
    return violations


_COLOR_TYPES: dict[int | None, str] = {0: "grey", 2: "RGB", 3: "palette", 4: "grey+alpha", 6: "RGBA"}


def _timing_violations(sticker: Sticker, target: ExportTarget) -> list[RuleViolation]:
    out: list[RuleViolation] = []
    total = sticker.total_duration_ms
    n = sticker.frame_count
    if target.max_duration_ms is not None and total > target.max_duration_ms + TIMING_TOLERANCE_MS:
        out.append(RuleViolation("duration.max", f"loop is {total} ms, over {target.max_duration_ms} ms"))
    if target.max_fps is not None and n > 1:
        fps = n * 1000.0 / max(1, total)
        shortest = min(sticker.durations_ms)
        if fps > target.max_fps * 1.01 or shortest < int(1000.0 / target.max_fps) - TIMING_TOLERANCE_MS:
            out.append(RuleViolation(
                "fps.max", f"{fps:.1f} fps (shortest frame {shortest} ms) is over {target.max_fps:g} fps"))
    if target.min_frames is not None and n < target.min_frames:
        out.append(RuleViolation("frames.min", f"{n} frames, needs at least {target.min_frames}"))
    if target.max_frames is not None and n > target.max_frames:
        out.append(RuleViolation("frames.max", f"{n} frames, at most {target.max_frames} allowed"))
    if target.distinct_frames and n > 1:
        first = sticker.frames[0]
        if all(np.array_equal(first, f) for f in sticker.frames[1:]):
            out.append(RuleViolation("frames.distinct", "all frames are identical"))
    if target.min_frame_ms is not None and n > 1 and min(sticker.durations_ms) < target.min_frame_ms:
        out.append(RuleViolation(
            "frame.min_ms", f"a frame lasts {min(sticker.durations_ms)} ms, under {target.min_frame_ms} ms"))
    plays = sticker.loop_count
    if target.allowed_plays is not None and n > 1 and plays not in target.allowed_plays:
        shown = "forever" if plays == 0 else str(plays)
        allowed = ", ".join("forever" if p == 0 else str(p) for p in target.allowed_plays)
        out.append(RuleViolation("loop.count", f"plays {shown}; allowed: {allowed}"))
    if target.max_play_time_ms is not None and n > 1:
        if plays == 0:
            out.append(RuleViolation("loop.play_time", "loops forever; plays x duration must be finite"))
        elif plays * total > target.max_play_time_ms + TIMING_TOLERANCE_MS:
            out.append(
                RuleViolation(
                    "loop.play_time",
                    f"{plays} plays x {total} ms = {plays * total} ms, over {target.max_play_time_ms} ms",
                )
            )
    return out


def _webm_violations(path: Path, target: ExportTarget) -> list[RuleViolation]:
    from sticker_studio.formats.ffmpeg import probe_video

    out: list[RuleViolation] = []
    probe = probe_video(path)
    if probe.codec != "vp9":
        out.append(RuleViolation("webm.codec", f"video codec is {probe.codec}, must be vp9"))
    if not probe.alpha_mode:
        out.append(RuleViolation("webm.alpha", "the stream has no alpha channel (alpha_mode=1 missing)"))
    if probe.has_audio:
        out.append(RuleViolation("audio.none", "the file has an audio track"))
    if target.max_fps is not None and probe.fps is not None and probe.fps > target.max_fps + 0.01:
        out.append(RuleViolation("fps.max", f"stream rate {probe.fps:g} fps is over {target.max_fps:g} fps"))
    return out
