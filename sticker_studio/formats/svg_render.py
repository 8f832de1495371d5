"""Render SVG art to RGBA pixels at the size it is used (crisp at any size).

The renderer is resvg (``resvg-py`` on PyPI: a self-contained wheel, no system cairo),
which implements the SVG features emoji art uses (gradients, masks, clip paths,
opacity). The result is an HxWx4 straight-alpha uint8 array.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from sticker_studio.core.errors import InvalidInputError

MAX_SIDE = 4096


def render_svg(svg: str, width: int, height: int | None = None) -> np.ndarray:
    """Rasterise ``svg`` to ``width`` x ``height`` (square when ``height`` is None)."""
    height = width if height is None else height
    if not (1 <= width <= MAX_SIDE and 1 <= height <= MAX_SIDE):
        raise InvalidInputError(f"render size must be between 1 and {MAX_SIDE} pixels, got {width}x{height}")
    try:
        import resvg_py
    except ImportError as exc:
        raise InvalidInputError("the SVG renderer is not installed; run: pip install resvg-py") from exc
    try:
        png = resvg_py.svg_to_bytes(svg_string=svg, width=int(width), height=int(height), skip_system_fonts=True)
    except ValueError as error:
        raise InvalidInputError(f"the SVG cannot be rendered: {error}") from None
    with Image.open(io.BytesIO(bytes(png))) as img:
        rgba = np.asarray(img.convert("RGBA"), dtype=np.uint8)
    if rgba.shape[:2] != (height, width):  # resvg keeps the aspect: centre it on the asked canvas
        canvas = np.zeros((height, width, 4), np.uint8)
        h, w = min(height, rgba.shape[0]), min(width, rgba.shape[1])
        y, x = (height - h) // 2, (width - w) // 2
        canvas[y:y + h, x:x + w] = rgba[:h, :w]
        rgba = canvas
    return np.ascontiguousarray(rgba)
