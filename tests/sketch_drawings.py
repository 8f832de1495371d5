"""Procedural drawings on paper with their true alpha, for the line-art tests and the bench.

Drawn at 4x and box-downsampled (anti-aliased like a scan), then put on paper: white, cream
saved as JPEG, or textured (fibres + grain, JPEG). The true alpha is the ink's coverage, and 1
over what the artist means as filled (a stick figure's head, a mug's body); a hole stays 0.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

S = 4  # supersampling
INK = np.array([28, 26, 34], np.float32)
PAPERS = ("white", "cream", "texture")
CREAM = np.array([246, 238, 219], np.float32)

Painter = Callable[[ImageDraw.ImageDraw, ImageDraw.ImageDraw, float], None]


def _jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, "JPEG", quality=quality)
    return np.asarray(Image.open(buffer).convert("RGB"))


def paper(side: int, kind: str, seed: int = 0) -> np.ndarray:
    """(side, side, 3) float32 paper: white, cream or textured cream."""
    if kind == "white":
        return np.full((side, side, 3), 255.0, np.float32)
    base = np.broadcast_to(CREAM, (side, side, 3)).astype(np.float32).copy()
    if kind == "texture":
        rng = np.random.default_rng(seed)
        grain = rng.normal(0.0, 3.0, (side, side))
        fibres = np.asarray(Image.fromarray((rng.random((side, side)) * 255).astype(np.uint8))
                            .filter(ImageFilter.GaussianBlur(2.5)), np.float32)
        fibres = (fibres - fibres.mean()) / max(1e-3, fibres.std()) * 4.0
        shade = np.linspace(-4.0, 3.0, side)[None, :]  # uneven light across the sheet
        base += (grain + fibres + shade)[..., None]
    return base


def render(painter: Painter, side: int = 256, kind: str = "white", seed: int = 0,
           fill_colour: tuple[int, int, int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(rgb uint8 (side, side, 3), true alpha float32 (side, side)) of ``painter`` on ``kind`` paper.

    ``painter(ink, fill, scale)`` draws strokes (255) on ``ink`` and what is meant to be filled on
    ``fill``, both "L" images at 4x; a filled area shows ``fill_colour`` (default: the paper).
    """
    big = side * S
    ink_img = Image.new("L", (big, big), 0)
    fill_img = Image.new("L", (big, big), 0)
    painter(ImageDraw.Draw(ink_img), ImageDraw.Draw(fill_img), big / 256.0)
    ink = np.asarray(ink_img.resize((side, side), Image.Resampling.BOX), np.float32)[..., None] / 255.0
    fill = np.asarray(fill_img.resize((side, side), Image.Resampling.BOX), np.float32)[..., None] / 255.0
    p = paper(side, kind, seed)
    under = p if fill_colour is None else p * (1 - fill) + np.asarray(fill_colour, np.float32) * fill
    rgb = np.clip(INK * ink + under * (1 - ink), 0, 255).round().astype(np.uint8)
    if kind != "white":
        rgb = _jpeg(rgb, 82)
    else:
        rgb = _jpeg(rgb, 92)
    return rgb, np.maximum(ink[..., 0], fill[..., 0]).astype(np.float32)


def stick_figure(ink: ImageDraw.ImageDraw, fill: ImageDraw.ImageDraw, k: float) -> None:
    """A stick figure: a round head on a neck (filled), two eyes, arms and legs (gaps open)."""
    w = int(round(3 * k))
    head = (98 * k, 30 * k, 158 * k, 90 * k)
    ink.ellipse(head, outline=255, width=w)
    fill.ellipse(head, fill=255)
    for x in (116, 134):
        ink.ellipse((x * k, 52 * k, (x + 7) * k, 59 * k), fill=255)
    ink.arc((114 * k, 60 * k, 142 * k, 78 * k), 20, 160, fill=255, width=w)  # smile
    ink.line([(128 * k, 90 * k), (128 * k, 170 * k)], fill=255, width=w)       # body
    ink.line([(128 * k, 112 * k), (80 * k, 140 * k)], fill=255, width=w)       # arms
    ink.line([(128 * k, 112 * k), (178 * k, 96 * k)], fill=255, width=w)
    ink.line([(128 * k, 170 * k), (92 * k, 232 * k)], fill=255, width=w)       # legs
    ink.line([(128 * k, 170 * k), (166 * k, 232 * k)], fill=255, width=w)


def stick_akimbo(ink: ImageDraw.ImageDraw, fill: ImageDraw.ImageDraw, k: float) -> None:
    """A stick figure with no face, hands on its hips and feet on a ground line: the head is
    filled, the triangles between arms and body and between the legs and the ground are not."""
    w = int(round(3 * k))
    head = (104 * k, 24 * k, 152 * k, 72 * k)
    ink.ellipse(head, outline=255, width=w)
    fill.ellipse(head, fill=255)
    ink.line([(128 * k, 72 * k), (128 * k, 160 * k)], fill=255, width=w)
    for side in (-1, 1):
        ink.line([(128 * k, 95 * k), ((128 + side * 42) * k, 118 * k), (128 * k, 140 * k)], fill=255, width=w,
                 joint="curve")
        ink.line([(128 * k, 160 * k), ((128 + side * 40) * k, 226 * k)], fill=255, width=w)
    ink.line([(60 * k, 226 * k), (196 * k, 226 * k)], fill=255, width=w)


def mug_outline(ink: ImageDraw.ImageDraw, fill: ImageDraw.ImageDraw, k: float) -> None:
    """A mug in outline: its body filled, its handle's hole open."""
    w = int(round(3 * k))
    body = (60 * k, 70 * k, 160 * k, 200 * k)
    ink.rounded_rectangle(body, radius=int(10 * k), outline=255, width=w)
    fill.rounded_rectangle(body, radius=int(10 * k), fill=255)
    ring = (132 * k, 95 * k, 206 * k, 170 * k)
    ink.ellipse(ring, outline=255, width=int(round(6 * k)))
    fill.ellipse(ring, outline=255, width=int(round(6 * k)))
    ink.rounded_rectangle(body, radius=int(10 * k), fill=0)       # the body covers the handle's inner part
    fill.rounded_rectangle(body, radius=int(10 * k), fill=255)
    ink.rounded_rectangle(body, radius=int(10 * k), outline=255, width=w)
    ink.arc((80 * k, 40 * k, 100 * k, 66 * k), 180, 360, fill=255, width=w)  # steam
    ink.arc((110 * k, 36 * k, 130 * k, 62 * k), 180, 360, fill=255, width=w)


def mug_two_lines(ink: ImageDraw.ImageDraw, fill: ImageDraw.ImageDraw, k: float) -> None:
    """A mug whose handle is drawn with two lines: the body and the handle's band filled, its hole open."""
    w = int(round(3 * k))
    body = (50 * k, 60 * k, 156 * k, 210 * k)
    outer, inner = (120 * k, 90 * k, 210 * k, 180 * k), (142 * k, 112 * k, 188 * k, 158 * k)
    for img, kind in ((ink, "ink"), (fill, "fill")):
        if kind == "ink":
            img.ellipse(outer, outline=255, width=w)
            img.ellipse(inner, outline=255, width=w)
            img.rounded_rectangle(body, radius=int(10 * k), fill=0)
            img.rounded_rectangle(body, radius=int(10 * k), outline=255, width=w)
        else:
            img.ellipse(outer, fill=255)
            img.ellipse((inner[0] + w, inner[1] + w, inner[2] - w, inner[3] - w), fill=0)
            img.rounded_rectangle(body, radius=int(10 * k), fill=255)


def house(ink: ImageDraw.ImageDraw, fill: ImageDraw.ImageDraw, k: float) -> None:
    """An outlined house with a door and a window (all filled: closed shapes)."""
    w = int(round(2.5 * k))
    ink.polygon([(60 * k, 120 * k), (128 * k, 50 * k), (196 * k, 120 * k)], outline=255, width=w)
    fill.polygon([(60 * k, 120 * k), (128 * k, 50 * k), (196 * k, 120 * k)], fill=255)
    ink.rectangle((72 * k, 120 * k, 184 * k, 210 * k), outline=255, width=w)
    fill.rectangle((72 * k, 120 * k, 184 * k, 210 * k), fill=255)
    ink.rectangle((110 * k, 160 * k, 140 * k, 210 * k), outline=255, width=w)
    ink.rectangle((150 * k, 135 * k, 172 * k, 155 * k), outline=255, width=w)


def flower_scribble(ink: ImageDraw.ImageDraw, fill: ImageDraw.ImageDraw, k: float) -> None:
    """Loose pencil-like strokes: a flower with open petals and a stem, hatching on a leaf."""
    w = int(round(2 * k))
    for a in range(0, 360, 60):
        t = np.deg2rad(a)
        cx, cy = 128 + 32 * np.cos(t), 90 + 32 * np.sin(t)
        ink.arc(((cx - 14) * k, (cy - 14) * k, (cx + 14) * k, (cy + 14) * k), a - 100, a + 100, fill=255, width=w)
    ink.line([(128 * k, 130 * k), (122 * k, 240 * k)], fill=255, width=w)
    for i in range(6):
        ink.line([((140 + 4 * i) * k, (190 - 3 * i) * k), ((150 + 4 * i) * k, (206 - 3 * i) * k)], fill=255,
                 width=max(1, w // 2))


def cat_face(ink: ImageDraw.ImageDraw, fill: ImageDraw.ImageDraw, k: float) -> None:
    """A cat's face in outline with ears, eyes and whiskers (the face is filled)."""
    w = int(round(3 * k))
    outline = [(60, 110), (70, 50), (105, 80), (151, 80), (186, 50), (196, 110), (190, 170), (128, 205),
               (66, 170)]
    pts = [(x * k, y * k) for x, y in outline]
    ink.polygon(pts, outline=255, width=w)
    fill.polygon(pts, fill=255)
    for x in (95, 145):
        ink.ellipse((x * k, 115 * k, (x + 16) * k, (132) * k), fill=255)
    ink.polygon([(120 * k, 145 * k), (136 * k, 145 * k), (128 * k, 155 * k)], fill=255)
    for dy in (-6, 4):
        ink.line([(40 * k, (150 + dy) * k), (100 * k, 152 * k)], fill=255, width=max(1, w // 2))
        ink.line([(156 * k, 152 * k), (216 * k, (150 + dy) * k)], fill=255, width=max(1, w // 2))


SKETCHES: dict[str, Painter] = {"stick_figure": stick_figure, "stick_akimbo": stick_akimbo,
                                "mug_outline": mug_outline, "mug_two_lines": mug_two_lines, "house": house,
                                "flower": flower_scribble, "cat_face": cat_face}


def flat_drawing(side: int = 256, kind: str = "white", seed: int = 0) -> np.ndarray:
    """A flat-coloured cartoon (coloured fills with dark outlines), not line art."""
    rng = np.random.default_rng(seed)
    big = side * S
    k = big / 256.0
    img = Image.new("RGB", (big, big), tuple(int(c) for c in (255, 255, 255)))
    d = ImageDraw.Draw(img)
    hue = [tuple(int(v) for v in rng.integers(40, 230, 3)) for _ in range(3)]
    d.ellipse((50 * k, 60 * k, 206 * k, 216 * k), fill=hue[0], outline=(30, 30, 35), width=int(4 * k))
    d.ellipse((80 * k, 30 * k, 130 * k, 90 * k), fill=hue[1], outline=(30, 30, 35), width=int(4 * k))
    d.ellipse((126 * k, 30 * k, 176 * k, 90 * k), fill=hue[1], outline=(30, 30, 35), width=int(4 * k))
    d.ellipse((96 * k, 130 * k, 160 * k, 190 * k), fill=hue[2], outline=(30, 30, 35), width=int(3 * k))
    rgb = np.asarray(img.resize((side, side), Image.Resampling.BOX), np.float32)
    a = (rgb.min(axis=-1) < 250)[..., None]
    p = paper(side, kind, seed)
    out = np.where(a, rgb, p).round().clip(0, 255).astype(np.uint8)
    return _jpeg(out, 82 if kind != "white" else 92)


def coloured_mug(side: int = 256, kind: str = "white", seed: int = 0, body: tuple[int, int, int] = (90, 150, 220),
                 outline: tuple[int, int, int] = (30, 30, 40)) -> tuple[np.ndarray, np.ndarray]:
    """A coloured mug with a dark outline whose handle's hole shows the paper: (rgb uint8, true alpha).
    ``body`` pale (e.g. (226, 226, 230)) makes the pale mug."""
    big = side * S
    k = big / 256.0
    colour = Image.new("RGB", (big, big), (0, 0, 0))
    mask = Image.new("L", (big, big), 0)
    for img, ink, fill in ((colour, outline, body), (mask, 255, 255)):
        d = ImageDraw.Draw(img)
        d.ellipse((128 * k, 88 * k, 212 * k, 172 * k), fill=ink)                 # the handle's ring ...
        d.ellipse((136 * k, 96 * k, 204 * k, 164 * k), fill=fill)
        d.ellipse((150 * k, 110 * k, 190 * k, 150 * k), fill=ink)                # ... its hole's outline
        d.ellipse((156 * k, 116 * k, 184 * k, 144 * k), fill=0)                  # the hole
        d.rounded_rectangle((50 * k, 60 * k, 160 * k, 210 * k), radius=int(12 * k), fill=ink)  # the body
        d.rounded_rectangle((56 * k, 66 * k, 154 * k, 204 * k), radius=int(9 * k), fill=fill)
    a = np.asarray(mask.resize((side, side), Image.Resampling.BOX), np.float32)[..., None] / 255.0
    rgb = np.asarray(colour.resize((side, side), Image.Resampling.BOX), np.float32)
    fg = rgb / np.maximum(a, 1e-3)  # straight colour (the box filter premultiplied it over black)
    out = np.clip(fg * a + paper(side, kind, seed) * (1 - a), 0, 255).round().astype(np.uint8)
    return _jpeg(out, 82 if kind != "white" else 92), a[..., 0]
