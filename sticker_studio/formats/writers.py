"""Write a :class:`Sticker` as GIF, APNG, animated WebP or WebM VP9 with alpha.

One entry point per use: :func:`encode_sticker` returns bytes (the fit search calls it
many times), :func:`write_sticker` writes a file atomically. Every encoder is a
registry library (Pillow, the ffmpeg of imageio-ffmpeg); nothing here is a codec.

``quality`` (0-100, higher is better) is the one knob shared by all formats and is
mapped per format: WebP quality; WebM crf ``63 - 0.58*q``; GIF/APNG colour count
(APNG at quality None or 100 is lossless full RGBA).
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from sticker_studio.core.atomic import atomic_path
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.pixelprep import bleed_into_transparent, clear_transparent_rgb
from sticker_studio.formats.resample import cap_frame_rate, is_uniform, resample_to_count

#: Output formats by file extension.
EXTENSION_FORMATS: dict[str, str] = {
    ".gif": "gif",
    ".png": "apng",
    ".apng": "apng",
    ".webp": "webp",
    ".webm": "webm",
}
FORMATS = ("gif", "apng", "webp", "webm")

#: GIF delays are centiseconds and viewers stretch 0-1 cs to 10 cs, so 50 fps is the cap.
GIF_MAX_FPS = 50.0
#: WebM is written at a constant rate; variable timings are resampled at most this fast.
WEBM_MAX_FPS = 60.0


def format_for_path(path: str | os.PathLike[str]) -> str:
    ext = Path(path).suffix.lower()
    fmt = EXTENSION_FORMATS.get(ext)
    if fmt is None:
        known = ", ".join(sorted(EXTENSION_FORMATS))
        raise InvalidInputError(f"cannot write '{ext or Path(path).name}': use one of {known}")
    return fmt


def write_sticker(sticker: Sticker, path: str | os.PathLike[str], *, quality: int | None = None, **opts: Any) -> Path:
    """Encode ``sticker`` in the format of ``path``'s extension and write it atomically."""
    path = Path(path)
    fmt = format_for_path(path)
    with atomic_path(path) as tmp:
        if fmt == "webm":
            _write_webm(sticker, tmp, quality=quality, **opts)
        else:
            tmp.write_bytes(encode_sticker(sticker, fmt, quality=quality, **opts))
    return path


def encode_sticker(sticker: Sticker, fmt: str, *, quality: int | None = None, **opts: Any) -> bytes:
    """Encode to bytes: ``fmt`` is 'gif', 'apng', 'webp' or 'webm'."""
    fmt = fmt.lower().lstrip(".")
    if fmt == "png":
        fmt = "apng"
    if fmt == "gif":
        return encode_gif(sticker, colors=opts.pop("colors", _colors_for_quality(quality, 256)), **opts)
    if fmt == "apng":
        colors = opts.pop("colors", None if quality is None or quality >= 100 else _colors_for_quality(quality, 256))
        return encode_apng(sticker, colors=colors, **opts)
    if fmt == "webp":
        return encode_webp(sticker, quality=80 if quality is None else quality, **opts)
    if fmt == "webm":
        with tempfile.TemporaryDirectory(prefix="sticker-studio-") as tmp:
            out = Path(tmp) / "out.webm"
            _write_webm(sticker, out, quality=quality, **opts)
            return out.read_bytes()
    raise InvalidInputError(f"unknown output format '{fmt}': use one of {', '.join(FORMATS)}")


def _colors_for_quality(quality: int | None, default: int) -> int:
    if quality is None:
        return default
    q = max(0, min(100, int(quality)))
    return int(max(2, min(256, round(2 ** (1 + 7 * q / 100)))))


def crf_for_quality(quality: int | None) -> int:
    if quality is None:
        return 30
    return int(round(63 - 0.58 * max(0, min(100, int(quality)))))


# ------------------------------------------------------------------------ GIF
def gif_timing(sticker: Sticker) -> tuple[Sticker, list[int]]:
    """Durations in whole centiseconds with cumulative times preserved.

    Frame k starts at ``round(start_k / 10)`` cs so rounding never drifts; if that
    would make a frame shorter than 2 cs (which viewers stretch to 10 cs) the sticker
    is first resampled to at most 50 fps by the timing rule.
    """
    sticker = cap_frame_rate(sticker, max_fps=GIF_MAX_FPS)
    while True:
        starts = sticker.start_times_ms() + [sticker.total_duration_ms]
        edges = [int(round(t / 10.0)) for t in starts]
        cs = [b - a for a, b in zip(edges, edges[1:], strict=False)]
        if min(cs) >= 2 or sticker.frame_count == 1:
            return sticker, [max(2, c) for c in cs]
        n = max(1, math.floor(sticker.total_duration_ms / 20.0))
        sticker = resample_to_count(sticker, n)


def encode_gif(sticker: Sticker, *, colors: int = 256, dither: bool = True, alpha_threshold: int = 128) -> bytes:
    """GIF with one shared palette for all frames (no palette flicker), 1-bit alpha.

    The palette is built from the visible pixels of all frames (transparent ones do
    not steal entries); one index is reserved for transparency; frames use disposal 2
    (restore to background) so moving transparent areas clear correctly. Frames are
    quantized one at a time (never a stack of all of them): memory beyond the
    sticker itself is one palette image per frame.
    """
    sticker, cs = gif_timing(sticker)
    frames = sticker.frames
    visible_counts = [int(np.count_nonzero(f[..., 3] >= alpha_threshold)) for f in frames]
    has_alpha = sum(visible_counts) < sum(f.shape[0] * f.shape[1] for f in frames)
    ncol = max(2, min(256, int(colors))) - (1 if has_alpha else 0)
    sample = _palette_sample(frames, visible_counts, alpha_threshold)
    sample_img = Image.fromarray(sample.reshape(-1, 1, 3), "RGB")
    pal_img = sample_img.quantize(colors=ncol, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    pal = (pal_img.getpalette() or [0, 0, 0])[: ncol * 3]
    real = len(pal) // 3
    pal = pal + pal[:3] * (256 - real)
    palette_image = Image.new("P", (1, 1))
    palette_image.putpalette(pal)
    dmode = Image.Dither.FLOYDSTEINBERG if dither else Image.Dither.NONE
    tidx = real if has_alpha else None
    out_pal = pal[: real * 3] + ([0, 0, 0] if has_alpha else [])
    images = []
    for frame in frames:
        rgb = Image.fromarray(np.ascontiguousarray(frame[..., :3]), "RGB")
        idx = np.array(rgb.quantize(palette=palette_image, dither=dmode), dtype=np.uint8)
        del rgb
        idx[idx >= real] = 0
        if tidx is not None:
            idx[frame[..., 3] < alpha_threshold] = tidx
        im = Image.fromarray(idx, "P")
        im.putpalette(out_pal)
        if tidx is not None:
            im.info["transparency"] = tidx
        images.append(im)
    params: dict[str, Any] = {
        "format": "GIF", "save_all": True, "append_images": images[1:],
        "duration": [c * 10 for c in cs], "disposal": 2 if has_alpha else 1, "optimize": False,
    }
    if has_alpha:
        params["transparency"] = tidx
    if sticker.loop_count != 1:
        params["loop"] = 0 if sticker.loop_count == 0 else sticker.loop_count - 1
    buf = io.BytesIO()
    images[0].save(buf, **params)
    return buf.getvalue()


def _palette_sample(frames: list[np.ndarray], visible_counts: list[int], alpha_threshold: int,
                    target: int = 250_000) -> np.ndarray:
    """Every ``step``-th visible RGB pixel over all frames in order (as if they were one array)."""
    total = sum(visible_counts)
    if total == 0:
        return np.zeros((1, 3), np.uint8)
    step = max(1, total // target)
    parts, offset = [], 0
    for frame, count in zip(frames, visible_counts, strict=True):
        if count:
            first = (-offset) % step
            visible = frame[..., :3][frame[..., 3] >= alpha_threshold]
            parts.append(visible[first::step])
        offset += count
    return np.ascontiguousarray(np.concatenate(parts))


# ----------------------------------------------------------------------- APNG
#: 4x4 Bayer matrix, thresholds in (0, 1): ordered dithering is the same on every frame,
#: so still areas of an animation do not shimmer the way error diffusion makes them.
BAYER4 = (np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]], np.float32) + 0.5) / 16.0


def ordered_dither(frame: np.ndarray, colors: int, strength: float = 0.5) -> np.ndarray:
    """RGB of visible pixels offset by a Bayer pattern scaled to the palette's colour step."""
    h, w = frame.shape[:2]
    step = strength * 256.0 / max(2.0, colors ** (1.0 / 3.0))
    noise = (np.tile(BAYER4, (h // 4 + 1, w // 4 + 1))[:h, :w] - 0.5) * step
    out = frame.copy()
    rgb = frame[..., :3].astype(np.float32) + noise[..., None]
    visible = frame[..., 3] > 0
    out[..., :3] = np.where(visible[..., None], np.clip(rgb + 0.5, 0, 255), frame[..., :3]).astype(np.uint8)
    return out


def reduce_colors_rgba(frames: list[np.ndarray], colors: int, dither: bool = False) -> list[np.ndarray]:
    """Lossy step for APNG that keeps full RGBA (colour type 6, never palette).

    One octree palette over all frames tiled together (shared, so no flicker);
    the result is expanded back to RGBA so the file stays RGBA for Signal/iOS.
    ``dither`` adds ordered dithering (for small palettes: gradients do not band).
    """
    h = frames[0].shape[0]
    if dither:
        frames = [ordered_dither(f, colors) for f in frames]
    mosaic = Image.fromarray(np.ascontiguousarray(np.concatenate(frames, axis=0)), "RGBA")
    q = mosaic.quantize(colors=max(2, min(256, colors)), method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
    back = np.asarray(q.convert("RGBA"))
    return [clear_transparent_rgb(back[k * h:(k + 1) * h]) for k in range(len(frames))]


def encode_apng(sticker: Sticker, *, colors: int | None = None, compress_level: int = 6,
                dither: bool = False, keep_every_frame: bool = False, rgb_only: bool = False,
                keep_hidden_rgb: bool = False) -> bytes:
    """APNG in full RGBA mode (colour type 6); ``colors`` reduces colours but not the mode.

    Pillow merges consecutive identical frames; ``keep_every_frame`` keeps one APNG frame
    per input frame (a training dataset's loss mask depends on the count) by alternating
    the dispose op between NONE and BACKGROUND, which changes nothing in what is shown.
    ``rgb_only`` stores RGB (for frames whose alpha is 255 by construction);
    ``keep_hidden_rgb`` keeps the colour under alpha 0 (an exact round trip, for datasets).
    """
    frames = list(sticker.frames) if keep_hidden_rgb else [clear_transparent_rgb(f) for f in sticker.frames]
    if colors is not None:
        frames = reduce_colors_rgba(frames, colors, dither)
    mode = "RGB" if rgb_only else "RGBA"
    images = [Image.fromarray(np.ascontiguousarray(f[..., :3]) if rgb_only else f, mode) for f in frames]
    buf = io.BytesIO()
    if len(images) == 1:
        images[0].save(buf, format="PNG", compress_level=compress_level)
        return buf.getvalue()
    disposal: int | list[int] = [i % 2 for i in range(len(images))] if keep_every_frame else 0
    images[0].save(
        buf, format="PNG", save_all=True, append_images=images[1:], duration=list(sticker.durations_ms),
        loop=sticker.loop_count, disposal=disposal, blend=0, compress_level=compress_level, default_image=False,
    )
    return buf.getvalue()


# ----------------------------------------------------------------------- WebP
def encode_webp(sticker: Sticker, *, quality: int = 80, lossless: bool = False, method: int = 4,
                alpha_quality: int = 100) -> bytes:
    """Animated WebP with alpha: lossy ``quality`` or lossless; ``method`` trades speed for size."""
    data = _webp_bytes(lambda f: clear_transparent_rgb(f), sticker, quality, lossless, method, alpha_quality)
    if sticker.has_transparency() and not webp_has_alpha(data):
        # libwebp 1.6's animation encoder drops the alpha plane of lossy frames whose
        # alpha is only 0/255. One invisible pixel at alpha 1 per frame keeps it.
        data = _webp_bytes(lambda f: _nudge_binary_alpha(clear_transparent_rgb(f)), sticker, quality, lossless,
                           method, alpha_quality)
    return data


def _webp_bytes(prepare: Callable[[np.ndarray], np.ndarray], sticker: Sticker, quality: int, lossless: bool,
                method: int, alpha_quality: int) -> bytes:
    # one prepared copy per frame at a time: the Pillow images are all that is held
    images = [Image.fromarray(prepare(f), "RGBA") for f in sticker.frames]
    buf = io.BytesIO()
    images[0].save(
        buf, format="WEBP", save_all=True, append_images=images[1:], duration=list(sticker.durations_ms),
        loop=sticker.loop_count, quality=int(max(0, min(100, quality))), lossless=bool(lossless),
        method=int(method), alpha_quality=int(alpha_quality), minimize_size=False, allow_mixed=False,
    )
    return buf.getvalue()


def webp_has_alpha(data: bytes) -> bool:
    """The VP8X header's alpha flag (simple lossy files without VP8X have no alpha)."""
    if data[12:16] == b"VP8X":
        return bool(data[20] & 0x10)
    return data[12:16] == b"VP8L"


def _nudge_binary_alpha(frame: np.ndarray) -> np.ndarray:
    out = frame.copy()
    zeros = np.argwhere(out[..., 3] == 0)
    if len(zeros):
        y, x = zeros[0]
        out[y, x, 3] = 1
    return out


# ----------------------------------------------------------------------- WebM
def constant_rate(sticker: Sticker, max_fps: float = WEBM_MAX_FPS) -> tuple[Sticker, Fraction]:
    """A constant frame rate for video, resampling by the timing rule if timings vary."""
    total = sticker.total_duration_ms
    n = sticker.frame_count
    if is_uniform(sticker.durations_ms) and n * 1000.0 / total <= max_fps + 1e-6:
        return sticker, Fraction(n * 1000, total)
    g = 0
    for d in sticker.durations_ms:
        g = math.gcd(g, int(d))
    if g >= 1000.0 / max_fps and total % g == 0:
        count = total // g
    else:
        count = max(1, math.floor(total * max_fps / 1000.0))
    out = resample_to_count(sticker, count)
    return out, Fraction(count * 1000, total)


def _write_webm(sticker: Sticker, path: Path, *, quality: int | None = None, crf: int | None = None,
                deadline: str = "good", cpu_used: int = 5, max_fps: float = WEBM_MAX_FPS) -> None:
    from sticker_studio.formats.ffmpeg import encode_webm_vp9

    sticker, rate = constant_rate(sticker, max_fps)
    h, w = sticker.frames[0].shape[:2]

    def prepared() -> Iterator[np.ndarray]:  # one frame at a time: nothing is stacked
        for f in sticker.frames:
            f = bleed_into_transparent(f)
            if h % 2 or w % 2:
                # yuva420p needs even sides: pad one transparent row/column (never scale).
                f = np.pad(f, ((0, h % 2), (0, w % 2), (0, 0)))
            yield f

    encode_webm_vp9(
        prepared(), rate.numerator, rate.denominator, crf=crf if crf is not None else crf_for_quality(quality),
        deadline=deadline, cpu_used=cpu_used, out_path=path,
    )
