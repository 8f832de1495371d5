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
import os
import tempfile
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from sticker_studio.core.errors import InvalidInputError, LimitExceededError, StickerStudioError
from sticker_studio.core.sticker import DEFAULT_FRAME_MS, Sticker
from sticker_studio.formats.limits import DEFAULT_LIMITS, DecodeLimits
from sticker_studio.formats.sniff import VIDEO_KINDS, sniff_kind

#: Browsers show GIF delays of 0-10 ms as 100 ms; we do the same so files play as seen.
GIF_MIN_HONOURED_MS = 20


def read_sticker(path: str | os.PathLike[str], *, limits: DecodeLimits = DEFAULT_LIMITS) -> Sticker:
    """Decode ``path`` into a Sticker (all frames RGBA, durations in ms, loop count)."""
    path = Path(path)
    if not path.exists():
        raise InvalidInputError(f"{path} does not exist")
    if path.is_dir():
        raise InvalidInputError(f"{path} is a folder, not an image or video file")
    try:
        size = path.stat().st_size
    except OSError as error:
        raise InvalidInputError(f"cannot read {path}: {error.strerror or error}") from error
    if size == 0:
        raise InvalidInputError(f"{path.name} is empty (0 bytes)")
    limits.check_file_bytes(size, path.name)
    try:
        with open(path, "rb") as fh:
            head = fh.read(64)
    except OSError as error:
        raise InvalidInputError(f"cannot read {path}: {error.strerror or error}") from error
    kind = sniff_kind(head)
    if kind in VIDEO_KINDS:
        return _read_video(path, kind, limits)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise InvalidInputError(f"cannot read {path}: {error.strerror or error}") from error
    return _read_image(data, path.name, kind, limits)


def read_sticker_bytes(data: bytes, name_hint: str = "input", *, limits: DecodeLimits = DEFAULT_LIMITS) -> Sticker:
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
            return _read_video(tmp_path, kind, limits, display_name=name_hint)
    return _read_image(data, name_hint, kind, limits)


# --------------------------------------------------------------------- images
def _read_image(data: bytes, name: str, kind: str | None, limits: DecodeLimits) -> Sticker:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            im = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as error:
        raise LimitExceededError(f"{name} is too large to decode safely (possible decompression bomb): {error}") from error
    except UnidentifiedImageError as error:
        raise InvalidInputError(
            f"{name} is not an image or video this app can read (GIF, PNG/APNG, WebP, JPEG, WebM, MP4, MOV)"
        ) from error
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise InvalidInputError(f"{name} could not be read: it is truncated or damaged ({error})") from error
    with im:
        width, height = im.size
        limits.check_frame_size(width, height, name)
        try:
            n_frames = int(getattr(im, "n_frames", 1))
        except (OSError, SyntaxError, ValueError, EOFError) as error:
            raise InvalidInputError(f"{name} could not be read: it is truncated or damaged ({error})") from error
        limits.check_frames(n_frames, width, height, name)
        fmt = (im.format or kind or "").upper()
        frames: list[np.ndarray] = []
        durations: list[int] = []
        try:
            for index in range(n_frames):
                if index:
                    im.seek(index)
                frames.append(_frame_to_rgba(im, apply_exif=(n_frames == 1)))
                durations.append(_frame_duration(im, fmt, n_frames))
        except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError) as error:
            if isinstance(error, Image.DecompressionBombError):
                raise LimitExceededError(f"{name} is too large to decode safely: {error}") from error
            raise InvalidInputError(
                f"{name} could not be decoded: it is truncated or damaged (frame {len(frames) + 1} of {n_frames}: {error})"
            ) from error
        loop_count = _loop_count(im, fmt, n_frames)
    if not frames:
        raise InvalidInputError(f"{name} has no frames")
    sticker = Sticker(frames, durations, loop_count)
    sticker.metadata["source_format"] = "apng" if (fmt == "PNG" and n_frames > 1) else fmt.lower()
    sticker.metadata["source_name"] = name
    return sticker


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
def _read_video(path: Path, kind: str | None, limits: DecodeLimits, display_name: str | None = None) -> Sticker:
    from sticker_studio.formats.ffmpeg import decode_video, probe_video

    name = display_name or path.name
    probe = probe_video(path)
    limits.check_frame_size(probe.width, probe.height, name)
    estimate = probe.estimated_frames
    if estimate is not None:
        limits.check_frames(estimate, probe.width, probe.height, name)
    max_frames = min(limits.max_frames, max(1, limits.max_pixels // max(1, probe.width * probe.height)))
    try:
        decoded = decode_video(path, probe, max_frames)
    except StickerStudioError:
        raise
    except OSError as error:
        raise InvalidInputError(f"{name} could not be decoded: {error}") from error
    n = len(decoded.frames)
    default_ms = 1000.0 / probe.fps if probe.fps else float(DEFAULT_FRAME_MS)
    pts = decoded.pts_ms
    if len(pts) == n and n > 1:
        starts = [p - pts[0] for p in pts]
        last = decoded.last_duration_ms or default_ms
        if probe.duration_s:
            last = max(1.0, min(last, probe.duration_s * 1000.0 - starts[-1])) if probe.duration_s * 1000.0 > starts[-1] else last
        edges = [int(round(s)) for s in starts] + [int(round(starts[-1] + last))]
        durations = [max(1, b - a) for a, b in zip(edges, edges[1:])]
    else:
        durations = [int(round(default_ms))] * n
    sticker = Sticker(decoded.frames, durations, 0)
    sticker.metadata["source_format"] = kind or probe.codec
    sticker.metadata["source_name"] = name
    sticker.metadata["video_alpha"] = probe.alpha_mode
    return sticker
