"""Render a ``.tgs`` with rlottie-python and compare it with the raster sticker.

rlottie-python (LGPL-2.1, bundling Samsung's MIT rlottie) is imported, never vendored;
it is what Telegram-like players and sticker-convert render with. When it is not
installed, :func:`rlottie_available` is False and :func:`render_tgs` raises a
:class:`InvalidInputError` that says how to install it.
"""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Sequence

import numpy as np

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.formats.quality import frame_mse, psnr_from_mse
from sticker_studio.formats.tgs.rules import MAX_JSON_BYTES


def rlottie_available() -> bool:
    try:
        import rlottie_python  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


def render_tgs(data: bytes, frames: Sequence[int] | None = None) -> list[np.ndarray]:
    """Straight-alpha RGBA uint8 frames of the .tgs ``data`` (all frames ip..op-1 when None)."""
    try:
        from rlottie_python import LottieAnimation
    except (ImportError, OSError) as exc:
        raise InvalidInputError("rendering .tgs needs rlottie-python: pip install rlottie-python") from exc
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            text = fh.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise InvalidInputError(f"not a .tgs (gzip) file: {exc}") from None
    if len(text) > MAX_JSON_BYTES:
        raise InvalidInputError("the .tgs holds more than 1 MiB of JSON; it is not rendered")
    try:
        doc = json.loads(text)
        first, last = int(doc.get("ip", 0)), int(doc.get("op", 0))
    except (ValueError, TypeError, AttributeError, RecursionError):
        raise InvalidInputError("the .tgs does not hold Lottie JSON") from None
    anim = LottieAnimation.from_data(text.decode("utf-8", "replace"))
    try:
        width, height = anim.lottie_animation_get_size()
        if width <= 0 or height <= 0 or width * height > 4096 * 4096:
            raise InvalidInputError(f"the .tgs canvas {width}x{height} cannot be rendered")
        wanted = range(first, max(first + 1, last)) if frames is None else frames
        out = []
        for f in wanted:
            buf = anim.lottie_animation_render(frame_num=int(f), width=width, height=height)
            bgra = np.frombuffer(buf, np.uint8).reshape(height, width, 4)
            out.append(unpremultiply_bgra(bgra))
        return out
    finally:
        del anim


def unpremultiply_bgra(bgra: np.ndarray) -> np.ndarray:
    """rlottie's premultiplied BGRA -> straight RGBA."""
    a = bgra[..., 3:4].astype(np.float32)
    rgb = bgra[..., 2::-1].astype(np.float32)
    straight = np.where(a > 0, rgb * 255.0 / np.maximum(a, 1.0), 0.0)
    return np.concatenate([np.clip(straight + 0.5, 0, 255), a], axis=-1).astype(np.uint8)


def frames_psnr(rendered: Sequence[np.ndarray], raster: Sequence[np.ndarray]) -> float:
    """PSNR (dB) of rendered frames against raster frames, frame for frame (on white and on black)."""
    n = min(len(rendered), len(raster))
    if n == 0:
        raise InvalidInputError("no frames to compare")
    mse = float(np.mean([frame_mse(rendered[i], raster[i]) for i in range(n)]))
    return psnr_from_mse(mse)
