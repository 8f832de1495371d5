"""Read any supported file into a :class:`Sticker`.

Images (GIF, APNG, PNG, JPEG, WebP, BMP, TIFF) go through Pillow, which composites
each frame with the container's disposal and blend rules; every frame is taken as
Pillow gives it after ``seek`` and converted to RGBA, so the frames are exactly what
a viewer shows. Video (WebM, MP4, MOV) goes through the ffmpeg of imageio-ffmpeg,
decoding VP8/VP9 with libvpx so alpha survives.

The container is recognised from the bytes, not the name, and sizes and frame counts
are checked against :class:`DecodeLimits` before the frames are decoded.
"""

from __future__ import annotations

import io
import logging
import os
import tempfile
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from sticker_studio.core.errors import (
    InvalidInputError,
    LimitExceededError,
    StickerStudioError,
)
from sticker_studio.core.sticker import (
    DEFAULT_FRAME_MS,
    Sticker,
    durations_for_fps,
    normalize_duration_ms,
)
from sticker_studio.formats.files import read_regular_file, regular_file_size
from sticker_studio.formats.limits import DEFAULT_LIMITS, DecodeLimits, frame_bytes
from sticker_studio.formats.resample import (
    count_form_plan,
    count_form_timing,
    fps_form_count,
    fps_form_plan,
)
from sticker_studio.formats.sniff import VIDEO_KINDS, sniff_kind

if TYPE_CHECKING:
    from sticker_studio.formats.ffmpeg import DecodedVideo, VideoProbe

log = logging.getLogger(__name__)

#: Browsers show GIF delays of 0-10 ms as 100 ms; we do the same so files play as seen.
GIF_MIN_HONOURED_MS = 20


def read_sticker(path: str | os.PathLike[str], *, limits: DecodeLimits = DEFAULT_LIMITS,
                 fps: float | None = None) -> Sticker:
    """Decode ``path`` into a Sticker (all frames RGBA, durations in ms, loop count).

    ``fps`` resamples to that rate by the timing rule while decoding (only the frames
    the output shows are kept). An input whose frames would not fit in
    ``limits.max_decoded_bytes`` is resampled (count form, loop length kept) to as
    many frames as fit, with a warning; one that cannot be read is an
    :class:`InvalidInputError` with one line, whatever the damage.
    """
    path = Path(path)
    size = regular_file_size(path)
    if size == 0:
        raise InvalidInputError(f"{path.name} is empty (0 bytes)")
    limits.check_file_bytes(size, path.name)
    kind = sniff_kind(read_regular_file(path, limits.max_file_bytes, head_only=64))
    if kind in VIDEO_KINDS:
        return _read_video(path, kind, limits, fps=fps)
    data = read_regular_file(path, limits.max_file_bytes)
    return _read_image(data, path.name, kind, limits, fps=fps)


def read_sticker_bytes(data: bytes, name_hint: str = "input", *, limits: DecodeLimits = DEFAULT_LIMITS,
                       fps: float | None = None) -> Sticker:
    """Decode in-memory file bytes (``name_hint`` is used in messages and as a fallback)."""
    if not data:
        raise InvalidInputError(f"{name_hint} is empty (0 bytes)")
    limits.check_file_bytes(len(data), name_hint)
    kind = sniff_kind(data[:64])
    if kind in VIDEO_KINDS:
        suffix = Path(name_hint).suffix or f".{kind}"
        with tempfile.TemporaryDirectory(prefix="sticker-studio-") as tmp:
            tmp_path = Path(tmp) / f"input{suffix}"
            tmp_path.write_bytes(data)
            return _read_video(tmp_path, kind, limits, display_name=name_hint, fps=fps)
    return _read_image(data, name_hint, kind, limits, fps=fps)


def _damaged(name: str, error: BaseException, where: str = "") -> InvalidInputError:
    detail = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return InvalidInputError(f"{name} could not be decoded: it is truncated or damaged ({where}{detail})")


def plan_frames(durations_ms: list[int], keep: int, fps: float | None, *, name: str = "the input",
                frame_size: tuple[int, int] = (1, 1), limits: DecodeLimits = DEFAULT_LIMITS,
                ) -> tuple[list[int], list[int]] | None:
    """Which source frames to keep, and the output durations; ``None`` keeps every frame as it is.

    ``fps`` asks for the fps form of the timing rule (an output of more than
    ``keep`` frames is refused: writers hold every output frame); otherwise an
    input of more than ``keep`` frames gets the count form with ``keep`` frames.
    """
    if fps is not None:
        indices, durations = fps_form_plan(durations_ms, fps)
        limits.check_held(len(indices), *frame_size, f"{name} at {fps:g} fps")
        return indices, durations
    if len(durations_ms) <= keep:
        return None
    return count_form_plan(durations_ms, keep)


# --------------------------------------------------------------------- images
def _read_image(data: bytes, name: str, kind: str | None, limits: DecodeLimits, *,
                fps: float | None = None) -> Sticker:
    try:
        return _decode_image(data, name, kind, limits, fps)
    except StickerStudioError:
        raise
    except MemoryError:
        raise
    except Image.DecompressionBombError as error:
        raise LimitExceededError(
            f"{name} is too large to decode safely (possible decompression bomb): {error}"
        ) from None
    except UnidentifiedImageError:
        raise InvalidInputError(
            f"{name} is not an image or video this app can read (GIF, PNG/APNG, WebP, JPEG, WebM, MP4, MOV)"
        ) from None
    except Exception as error:
        raise _damaged(name, error) from None


def _decode_image(data: bytes, name: str, kind: str | None, limits: DecodeLimits, fps: float | None) -> Sticker:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        im = Image.open(io.BytesIO(data))
    with im:
        width, height = im.size
        limits.check_frame_size(width, height, name)
        n_frames = int(getattr(im, "n_frames", 1))
        limits.check_frame_count(n_frames, name)
        fmt = (im.format or kind or "").upper()
        keep = limits.frames_in_memory(width, height)
        plan = None
        if fps is not None or n_frames > keep:
            durations = [normalize_duration_ms(d) for d in _scan_durations(im, fmt, n_frames, name)]
            plan = plan_frames(durations, keep, fps, name=name, frame_size=(width, height), limits=limits)
        wanted = None if plan is None else set(plan[0])
        kept: dict[int, np.ndarray] = {}
        durations_out: list[int] = []
        held = 0
        for index in range(n_frames):
            try:
                if index:
                    im.seek(index)
                if wanted is None or index in wanted:
                    frame = _frame_to_rgba(im, apply_exif=(n_frames == 1))
                    held += frame.nbytes
                    if held > limits.max_decoded_bytes:  # a header that lied about the size
                        limits.check_held(len(kept) + 1, width, height, name)
                    kept[index] = frame
                else:
                    im.load()  # later frames are composited onto this one
                if plan is None:
                    durations_out.append(_frame_duration(im, fmt, n_frames))
            except StickerStudioError:
                raise
            except MemoryError:
                raise
            except Exception as error:
                raise _damaged(name, error, f"frame {index + 1} of {n_frames}: ") from None
        loop_count = _loop_count(im, fmt, n_frames)
    if not kept:
        raise InvalidInputError(f"{name} has no frames")
    if plan is None:
        sticker = Sticker([kept[i] for i in range(len(kept))], durations_out, loop_count)
    else:
        indices, durations_out = plan
        sticker = Sticker([kept[i] for i in indices], durations_out, loop_count)
        if fps is None:
            _note_resampled(sticker, name, n_frames, width, height, limits)
    sticker.metadata["source_format"] = "apng" if (fmt == "PNG" and n_frames > 1) else fmt.lower()
    sticker.metadata["source_name"] = name
    return sticker


def _scan_durations(im: Image.Image, fmt: str, n_frames: int, name: str) -> list[int]:
    """Every frame's duration, decoding frames one at a time and keeping none of them."""
    out = []
    for index in range(n_frames):
        try:
            im.seek(index)
            im.load()
        except Exception as error:
            if isinstance(error, (StickerStudioError, MemoryError)):
                raise
            raise _damaged(name, error, f"frame {index + 1} of {n_frames}: ") from None
        out.append(_frame_duration(im, fmt, n_frames))
    im.seek(0)
    return out


def _note_resampled(sticker: Sticker, name: str, n_frames: int, width: int, height: int,
                    limits: DecodeLimits) -> None:
    message = (
        f"{name} has {n_frames} frames of {width}x{height} ({n_frames * frame_bytes(width, height) / 1e6:.0f} MB"
        f" decoded), over the {limits.max_decoded_bytes / 1e6:.0f} MB decode limit; kept {sticker.frame_count}"
        f" frames evenly over the same {sticker.total_duration_ms} ms loop"
    )
    sticker.metadata["decode_note"] = message
    log.warning(message)


def _frame_duration(im: Image.Image, fmt: str, n_frames: int) -> int:
    if n_frames == 1:
        return DEFAULT_FRAME_MS
    raw = im.info.get("duration", 0) or 0
    try:
        ms = float(raw)
    except (TypeError, ValueError):
        ms = 0.0
    if fmt == "GIF" and ms < GIF_MIN_HONOURED_MS:
        return DEFAULT_FRAME_MS
    if ms <= 0:
        return DEFAULT_FRAME_MS
    return int(round(ms))


def _loop_count(im: Image.Image, fmt: str, n_frames: int) -> int:
    """Plays of the loop (0 = forever), normalised across containers.

    GIF stores *extra* repetitions in its NETSCAPE block (absent = play once); APNG
    (num_plays) and WebP store the total number of plays.
    """
    loop = im.info.get("loop")
    if fmt == "GIF":
        if loop is None:
            return 1 if n_frames > 1 else 0
        return 0 if int(loop) == 0 else int(loop) + 1
    return int(loop or 0)


def _frame_to_rgba(im: Image.Image, *, apply_exif: bool) -> np.ndarray:
    """One frame as RGBA uint8, handling 16-bit, grey, CMYK, palette and EXIF rotation."""
    frame = im
    if apply_exif:
        try:
            frame = ImageOps.exif_transpose(im) or im
        except (OSError, ValueError, SyntaxError):
            frame = im
    mode = frame.mode
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(frame, dtype=np.float64)
        top = 65535.0 if (mode.startswith("I;16") or arr.max(initial=0) > 255) else 255.0
        grey = np.clip(arr / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
        return np.dstack([grey, grey, grey, np.full_like(grey, 255)])
    if mode == "CMYK":
        frame = frame.convert("RGB")
    if mode != "RGBA":
        frame = frame.convert("RGBA")
    return np.array(frame, dtype=np.uint8)


# ---------------------------------------------------------------------- video
def _read_video(path: Path, kind: str | None, limits: DecodeLimits, display_name: str | None = None,
                *, fps: float | None = None) -> Sticker:
    """Decode a video; one longer than the memory bound is resampled by ffmpeg while it streams.

    ffmpeg's ``fps`` filter (``round=down``: each output time shows the input frame on
    screen then) is the timing rule's count form over the container's duration.
    A file that decodes to clearly fewer frames than its container declares (a
    truncated download) is read, with a warning.
    """
    from sticker_studio.formats.ffmpeg import decode_video, probe_video

    name = display_name or path.name
    probe = probe_video(path)
    limits.check_frame_size(probe.width, probe.height, name)
    estimate = probe.estimated_frames
    if estimate is not None:
        limits.check_frame_count(estimate, name)
    keep = min(limits.max_frames, limits.frames_in_memory(probe.width, probe.height))
    rate = None
    if fps is not None:
        rate = fps
        if probe.duration_s:
            limits.check_held(fps_form_count(int(probe.duration_s * 1000), fps), probe.width, probe.height,
                              f"{name} at {fps:g} fps")
    elif estimate is not None and estimate > keep and probe.duration_s:
        rate = keep / probe.duration_s
    try:
        decoded = decode_video(path, probe, keep, rate=rate)
    except StickerStudioError:
        raise
    except OSError as error:
        raise InvalidInputError(f"{name} could not be decoded: {error}") from error
    n = len(decoded.frames)
    if rate is not None:
        total = int(round(probe.duration_s * 1000)) if probe.duration_s else int(round(n * 1000 / rate))
        durations = count_form_timing(max(total, n), n) if fps is None else durations_for_fps(n, rate)
        sticker = Sticker(decoded.frames, durations, 0)
        if fps is None:
            _note_resampled(sticker, name, estimate or n, probe.width, probe.height, limits)
    else:
        sticker = Sticker(decoded.frames, _video_durations(decoded, probe), 0)
        if estimate is not None and n < estimate - max(2, estimate // 20):
            message = (f"{name} decoded to {n} frames but its container declares about {estimate};"
                       " the file may be truncated (reading what is there)")
            sticker.metadata["decode_note"] = message
            log.warning(message)
    sticker.metadata["source_format"] = kind or probe.codec
    sticker.metadata["source_name"] = name
    sticker.metadata["video_alpha"] = probe.alpha_mode
    return sticker


def _video_durations(decoded: DecodedVideo, probe: VideoProbe) -> list[int]:
    n = len(decoded.frames)
    default_ms = 1000.0 / probe.fps if probe.fps else float(DEFAULT_FRAME_MS)
    pts = decoded.pts_ms
    if len(pts) == n and n > 1:
        starts = [p - pts[0] for p in pts]
        last = decoded.last_duration_ms or default_ms
        if probe.duration_s and probe.duration_s * 1000.0 > starts[-1]:
            last = max(1.0, min(last, probe.duration_s * 1000.0 - starts[-1]))
        edges = [int(round(s)) for s in starts] + [int(round(starts[-1] + last))]
        return [max(1, b - a) for a, b in zip(edges, edges[1:], strict=False)]
    return [int(round(default_ms))] * n
