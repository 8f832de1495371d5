"""Backgrounds stickers get flattened onto, for training the matting head and for i2v inputs.

Real inputs without alpha are drawings on white, on a flat colour, on a soft gradient,
on paper, or screenshots that went through JPEG. The hard case the ILDiff paper is
about is a background that matches part of the subject (a white belly on white), so
one kind takes its colour from the subject itself. numpy + Pillow only.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

#: Background kinds and how often each is drawn.
BACKGROUND_KINDS: dict[str, float] = {
    "white": 0.28,
    "pale": 0.12,
    "flat": 0.12,
    "subject-colour": 0.16,
    "gradient": 0.16,
    "texture": 0.16,
}


def random_background(
    rng: np.random.Generator,
    height: int,
    width: int,
    subject_rgba: np.ndarray | None = None,
) -> np.ndarray:
    """A random background (HxWx3 uint8) of one of :data:`BACKGROUND_KINDS`."""
    return random_background_with_kind(rng, height, width, subject_rgba)[0]


def random_background_with_kind(
    rng: np.random.Generator,
    height: int,
    width: int,
    subject_rgba: np.ndarray | None = None,
    kind: str | None = None,
) -> tuple[np.ndarray, str]:
    """Like :func:`random_background`, also naming the kind (recorded with each sample)."""
    if kind is None:
        kinds = list(BACKGROUND_KINDS)
        weights = np.asarray(list(BACKGROUND_KINDS.values()))
        kind = kinds[int(rng.choice(len(kinds), p=weights / weights.sum()))]
    if kind == "white":
        bg = _flat(height, width, np.full(3, 255.0) - rng.uniform(0, 4))
    elif kind == "pale":
        bg = _flat(height, width, 255.0 - rng.uniform(4, 28, size=3))
    elif kind == "flat":
        bg = _flat(height, width, rng.uniform(0, 255, size=3))
    elif kind == "subject-colour":
        bg = _flat(height, width, subject_colour(rng, subject_rgba))
        if rng.random() < 0.4:
            bg = bg * 0.7 + _gradient(rng, height, width) * 0.3
    elif kind == "gradient":
        bg = _gradient(rng, height, width)
    elif kind == "texture":
        bg = _texture(rng, height, width)
    else:
        raise ValueError(f"unknown background kind {kind!r}")
    return np.clip(bg + 0.5, 0, 255).astype(np.uint8), kind


def subject_colour(rng: np.random.Generator, subject_rgba: np.ndarray | None) -> np.ndarray:
    """An RGB colour of an opaque subject pixel (white if there is no subject)."""
    if subject_rgba is None:
        return np.full(3, 255.0)
    opaque = subject_rgba[..., 3] > 240
    if not opaque.any():
        return np.full(3, 255.0)
    pixels = subject_rgba[opaque][:, :3].astype(np.float32)
    return pixels[int(rng.integers(len(pixels)))]


def composite_on_background(rgba: np.ndarray, background: np.ndarray, jpeg_quality: int | None = None) -> np.ndarray:
    """Flatten an RGBA frame onto an RGB background; optionally pass it through JPEG at ``jpeg_quality``."""
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) * a + background.astype(np.float32) * (1.0 - a)
    out = np.clip(rgb + 0.5, 0, 255).astype(np.uint8)
    if jpeg_quality is not None:
        buf = io.BytesIO()
        Image.fromarray(out, "RGB").save(buf, format="JPEG", quality=int(jpeg_quality))
        buf.seek(0)
        with Image.open(buf) as im:
            out = np.asarray(im.convert("RGB")).copy()
    return out


def _flat(h: int, w: int, colour: np.ndarray) -> np.ndarray:
    return np.broadcast_to(np.asarray(colour, np.float32), (h, w, 3)).copy()


def _pastel(rng: np.random.Generator) -> np.ndarray:
    return 255.0 - rng.uniform(0, 90, size=3) * rng.uniform(0.3, 1.0)


def _gradient(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    c0, c1 = _pastel(rng), _pastel(rng) if rng.random() < 0.7 else rng.uniform(0, 255, size=3)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if rng.random() < 0.7:  # linear at a random angle
        ang = rng.uniform(0, 2 * np.pi)
        t = (xx / max(1, w - 1) - 0.5) * np.cos(ang) + (yy / max(1, h - 1) - 0.5) * np.sin(ang) + 0.5
    else:  # radial from a random centre
        cy, cx = rng.uniform(0, h), rng.uniform(0, w)
        t = np.hypot(yy - cy, xx - cx) / max(h, w)
    t = np.clip(t, 0.0, 1.0)[..., None]
    return c0 * (1.0 - t) + c1 * t


def _texture(rng: np.random.Generator, h: int, w: int) -> np.ndarray:
    base = _pastel(rng) if rng.random() < 0.8 else rng.uniform(60, 255, size=3)
    style = rng.integers(3)
    if style == 0:  # soft blotches (paper, watercolour): upsampled low-resolution noise
        g = max(2, int(rng.integers(3, 9)))
        small = rng.normal(0, 1, size=(g, g)).astype(np.float32)
        field = np.asarray(Image.fromarray(small, "F").resize((w, h), Image.Resampling.BICUBIC))
        pattern = field[..., None] * rng.uniform(6, 18)
    elif style == 1:  # faint stripes or checks
        period = int(rng.integers(6, 24))
        yy, xx = np.mgrid[0:h, 0:w]
        if rng.random() < 0.5:
            mask = ((xx + yy) // period) % 2
        else:
            mask = ((xx // period) + (yy // period)) % 2
        pattern = (mask[..., None].astype(np.float32) - 0.5) * rng.uniform(8, 24)
    else:  # fine grain
        pattern = rng.normal(0, rng.uniform(3, 10), size=(h, w, 1)).astype(np.float32)
    grain = rng.normal(0, 2.0, size=(h, w, 1)).astype(np.float32)
    return base + pattern + grain
