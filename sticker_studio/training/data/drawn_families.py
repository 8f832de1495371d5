"""Procedurally drawn subjects for the matting head: the cases a colour key gets wrong.

Every subject is a random member of a *family* drawn with Pillow (supersampled, so edges
are anti-aliased like a real drawing's) from ``(family, seed)``:

* ``critter`` — round characters, often with a white belly, white eye whites, teeth,
  sometimes ring ears (enclosed holes) and an outline; sometimes the whole body white;
* ``ring`` — donuts, rings, lifebuoys: the hole is background;
* ``mug`` — a cup with a handle (a hole), often with semi-transparent steam;
* ``loops`` — a character with its arms on its hips (two enclosed loops of background);
* ``lineart`` — thin ink strokes only (doodles, stars, spirals): 1-3 px lines;
* ``snow`` — near-white subjects shaded without an outline (snowman, cloud), soft shadow;
* ``bag`` — a handbag with a loop handle and a white pocket: **never used in training**,
  the held-out family of the eval.

Soft drop shadows (partial alpha) and a semi-transparent glow are added to some subjects
of every family. ``effects=2`` (what the GPU kit trains on; the bundled head's packs and the
eval packs are ``1``) adds, after those, the translucent cases a trial found the head making
opaque: big soft glows and halos (4–10 % of the frame), soft shadows of the subject's own
shape offset below it, and whole subjects at 35–80 % opacity (watercolour washes, ghosts).
Whole subjects are held out by seed (:func:`subject_split`).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

_SS = 2
TRAIN_FAMILIES: tuple[str, ...] = ("critter", "ring", "mug", "loops", "lineart", "snow")
HELD_OUT_FAMILY = "bag"
FAMILIES: tuple[str, ...] = (*TRAIN_FAMILIES, HELD_OUT_FAMILY)

Colour = tuple[int, int, int, int]
Painter = Callable[[Image.Image, np.random.Generator], None]
CLEAR: Colour = (0, 0, 0, 0)
WHITE: Colour = (255, 255, 255, 255)


def subject_split(family: str, seed: int, test_fraction: float = 0.12) -> str:
    """'test' for the held-out family and ~12 % of every other family's seeds, else 'train'."""
    if family == HELD_OUT_FAMILY:
        return "test"
    u = int.from_bytes(hashlib.sha256(f"{family}-{seed}".encode()).digest()[:8], "big") / 2**64
    return "test" if u < test_fraction else "train"


def _rgb(rng: np.random.Generator, white_share: float = 0.0) -> Colour:
    if rng.random() < white_share:
        v = int(rng.integers(243, 256))
        return (v, v, v, 255)
    kind = rng.random()
    if kind < 0.55:  # saturated
        h = rng.random()
        c = [0.5 + 0.5 * math.cos(2 * math.pi * (h + k / 3)) for k in range(3)]
        lo, hi = rng.uniform(0, 90), rng.uniform(170, 255)
        return tuple(int(lo + (hi - lo) * x) for x in c) + (255,)  # type: ignore[return-value]
    if kind < 0.8:  # pastel / light
        return tuple(int(rng.integers(170, 250)) for _ in range(3)) + (255,)  # type: ignore[return-value]
    return tuple(int(rng.integers(20, 160)) for _ in range(3)) + (255,)  # type: ignore[return-value]


def _dark(rng: np.random.Generator) -> Colour:
    v = int(rng.integers(10, 80))
    return (v + int(rng.integers(0, 30)), v, v + int(rng.integers(0, 30)), 255)


def _box(cx: float, cy: float, rx: float, ry: float) -> tuple[float, float, float, float]:
    return (cx - rx, cy - ry, cx + rx, cy + ry)


def _outlined(im: Image.Image, rng: np.random.Generator, *, white_share: float, outline_prob: float,
              max_width: float) -> tuple[int, ImageDraw.ImageDraw, Colour, Colour, int]:
    """A painter's start: side, a drawing context, a fill colour, an outline colour and its width
    (0, no outline, with chance 1 - ``outline_prob``; else 0.8 % to ``max_width`` of the side)."""
    s = im.size[0]
    d = ImageDraw.Draw(im)
    fill = _rgb(rng, white_share=white_share)
    line = _dark(rng)
    lw = int(s * rng.uniform(0.008, max_width)) if rng.random() < outline_prob else 0
    return s, d, fill, line, lw


def _critter(im: Image.Image, rng: np.random.Generator) -> None:
    s, d, body, line, lw = _outlined(im, rng, white_share=0.25, outline_prob=0.75, max_width=0.025)
    cx, cy = s * rng.uniform(0.45, 0.55), s * rng.uniform(0.5, 0.6)
    rx, ry = s * rng.uniform(0.24, 0.34), s * rng.uniform(0.24, 0.34)
    ears = rng.random()
    if ears < 0.5:  # ears; ring ears enclose a hole
        er = s * rng.uniform(0.07, 0.11)
        for sx in (-1, 1):
            ex, ey = cx + sx * rx * 0.7, cy - ry * 0.85
            d.ellipse(_box(ex, ey, er, er), fill=body, outline=line if lw else None, width=max(lw, 1))
            if rng.random() < 0.6:
                d.ellipse(_box(ex, ey, er * 0.5, er * 0.5), fill=CLEAR, outline=line if lw else None,
                          width=max(lw, 1))
    d.ellipse(_box(cx, cy, rx, ry), fill=body, outline=line if lw else None, width=max(lw, 1))
    if rng.random() < 0.65:  # white belly
        belly = WHITE if rng.random() < 0.8 else _rgb(rng, 0.5)
        d.ellipse(_box(cx, cy + ry * 0.3, rx * rng.uniform(0.45, 0.7), ry * rng.uniform(0.4, 0.6)), fill=belly,
                  outline=line if lw and rng.random() < 0.5 else None, width=max(1, lw // 2))
    er = rx * rng.uniform(0.13, 0.22)
    for sx in (-1, 1):  # eyes with white sclera
        ex, ey = cx + sx * rx * 0.38, cy - ry * 0.25
        d.ellipse(_box(ex, ey, er, er * 1.15), fill=WHITE, outline=line, width=max(1, lw // 2 or s // 200))
        d.ellipse(_box(ex + er * 0.2, ey + er * 0.15, er * 0.5, er * 0.55), fill=line)
    if rng.random() < 0.6:  # mouth with teeth
        mw, mh = rx * 0.35, ry * 0.18
        my = cy + ry * 0.05
        d.rectangle((cx - mw, my, cx + mw, my + mh), fill=_dark(rng))
        d.rectangle((cx - mw * 0.8, my, cx + mw * 0.8, my + mh * 0.45), fill=WHITE)


def _ring(im: Image.Image, rng: np.random.Generator) -> None:
    s, d, fill, line, lw = _outlined(im, rng, white_share=0.3, outline_prob=0.7, max_width=0.02)
    cx, cy = s * 0.5, s * 0.5
    rx = s * rng.uniform(0.28, 0.4)
    ry = rx * rng.uniform(0.75, 1.0)
    hole = rng.uniform(0.3, 0.6)
    d.ellipse(_box(cx, cy, rx, ry), fill=fill, outline=line if lw else None, width=max(lw, 1))
    if rng.random() < 0.5:  # icing / stripes
        icing = _rgb(rng, 0.3)
        d.ellipse(_box(cx, cy - ry * 0.05, rx * 0.88, ry * 0.82), fill=icing)
        for _ in range(int(rng.integers(0, 12))):
            a = rng.uniform(0, 2 * math.pi)
            r = rng.uniform(hole + 0.1, 0.8)
            px, py = cx + math.cos(a) * rx * r, cy + math.sin(a) * ry * r
            d.line((px, py, px + s * 0.02, py + s * 0.01), fill=_rgb(rng), width=max(2, s // 120))
    d.ellipse(_box(cx, cy, rx * hole, ry * hole), fill=CLEAR, outline=line if lw else None, width=max(lw, 1))


def _steam(im: Image.Image, rng: np.random.Generator, x0: float, x1: float, y: float) -> None:
    s = im.size[0]
    layer = Image.new("RGBA", im.size, CLEAR)
    d = ImageDraw.Draw(layer)
    col = _rgb(rng, 0.6)[:3] + (int(rng.integers(60, 150)),)
    for _ in range(int(rng.integers(2, 4))):
        x = rng.uniform(x0, x1)
        pts = [(x + math.sin(t * 0.9 + rng.random()) * s * 0.03, y - t * s * 0.03) for t in range(8)]
        d.line(pts, fill=col, width=int(s * 0.03), joint="curve")
    layer = layer.filter(ImageFilter.GaussianBlur(s * 0.01))
    im.alpha_composite(layer)


def _mug(im: Image.Image, rng: np.random.Generator) -> None:
    s, d, fill, line, lw = _outlined(im, rng, white_share=0.4, outline_prob=0.75, max_width=0.02)
    x0, x1 = s * rng.uniform(0.18, 0.28), s * rng.uniform(0.6, 0.68)
    y0, y1 = s * rng.uniform(0.32, 0.42), s * rng.uniform(0.8, 0.88)
    hx = x1 + (x1 - x0) * 0.05
    hr = (y1 - y0) * rng.uniform(0.25, 0.35)
    hy = (y0 + y1) / 2
    thick = hr * rng.uniform(0.3, 0.5)
    d.ellipse(_box(hx, hy, hr, hr * 1.1), fill=fill, outline=line if lw else None, width=max(lw, 1))
    d.ellipse(_box(hx, hy, hr - thick, (hr - thick) * 1.1), fill=CLEAR, outline=line if lw else None,
              width=max(lw, 1))
    d.rounded_rectangle((x0, y0, x1, y1), radius=int(s * 0.04), fill=fill, outline=line if lw else None,
                        width=max(lw, 1))
    if rng.random() < 0.5:
        d.rectangle((x0 + (x1 - x0) * 0.2, y0 + (y1 - y0) * 0.35, x1 - (x1 - x0) * 0.2, y0 + (y1 - y0) * 0.6),
                    fill=_rgb(rng, 0.4))
    if rng.random() < 0.6:
        _steam(im, rng, x0 + s * 0.05, x1 - s * 0.05, y0 - s * 0.04)


def _loops(im: Image.Image, rng: np.random.Generator) -> None:
    s, d, body, line, lw = _outlined(im, rng, white_share=0.3, outline_prob=0.7, max_width=0.02)
    cx = s * 0.5
    bw, top, bot = s * rng.uniform(0.14, 0.2), s * rng.uniform(0.25, 0.32), s * rng.uniform(0.78, 0.88)
    arm = max(3, int(s * rng.uniform(0.025, 0.05)))
    for sx in (-1, 1):  # an arm from the shoulder out and back to the hip: a closed loop
        sh = (cx + sx * bw * 0.8, top + (bot - top) * 0.25)
        el = (cx + sx * (bw + s * rng.uniform(0.1, 0.18)), top + (bot - top) * 0.45)
        hip = (cx + sx * bw * 0.8, top + (bot - top) * 0.65)
        if lw:
            d.line([sh, el, hip], fill=line, width=arm + 2 * lw, joint="curve")
        d.line([sh, el, hip], fill=body, width=arm, joint="curve")
    d.rounded_rectangle((cx - bw, top, cx + bw, bot), radius=int(bw * 0.9), fill=body,
                        outline=line if lw else None, width=max(lw, 1))
    hr = bw * rng.uniform(0.8, 1.1)
    d.ellipse(_box(cx, top, hr, hr), fill=body, outline=line if lw else None, width=max(lw, 1))
    for sx in (-1, 1):
        d.ellipse(_box(cx + sx * hr * 0.4, top - hr * 0.1, hr * 0.18, hr * 0.2), fill=WHITE, outline=line,
                  width=max(1, s // 200))
        d.ellipse(_box(cx + sx * hr * 0.4, top - hr * 0.05, hr * 0.08, hr * 0.1), fill=line)
    if rng.random() < 0.5:
        d.ellipse(_box(cx, (top + bot) * 0.55, bw * 0.6, (bot - top) * 0.25), fill=WHITE)


def _lineart(im: Image.Image, rng: np.random.Generator) -> None:
    s = im.size[0]
    d = ImageDraw.Draw(im)
    ink = _dark(rng) if rng.random() < 0.8 else _rgb(rng)
    w = max(1, int(s * rng.uniform(0.004, 0.012)))
    for _ in range(int(rng.integers(1, 4))):
        kind = int(rng.integers(4))
        cx, cy, r = s * rng.uniform(0.3, 0.7), s * rng.uniform(0.3, 0.7), s * rng.uniform(0.12, 0.3)
        if kind == 0:  # star outline
            pts = [(cx + (r if k % 2 == 0 else r * 0.45) * math.cos(-math.pi / 2 + k * math.pi / 5),
                    cy + (r if k % 2 == 0 else r * 0.45) * math.sin(-math.pi / 2 + k * math.pi / 5))
                   for k in range(10)]
            d.line([*pts, pts[0]], fill=ink, width=w, joint="curve")
        elif kind == 1:  # spiral
            pts = [(cx + r * t / 40 * math.cos(t * 0.35), cy + r * t / 40 * math.sin(t * 0.35)) for t in range(41)]
            d.line(pts, fill=ink, width=w, joint="curve")
        elif kind == 2:  # scribble
            pts = [(cx + rng.uniform(-r, r), cy + rng.uniform(-r, r)) for _ in range(int(rng.integers(4, 9)))]
            d.line(pts, fill=ink, width=w, joint="curve")
        else:  # flower outline
            for k in range(int(rng.integers(4, 8))):
                a = 2 * math.pi * k / 6
                d.ellipse(_box(cx + math.cos(a) * r * 0.5, cy + math.sin(a) * r * 0.5, r * 0.3, r * 0.3),
                          outline=ink, width=w)


def _snow(im: Image.Image, rng: np.random.Generator) -> None:
    s = im.size[0]
    n = int(rng.integers(1, 4))
    base = int(rng.integers(238, 256))
    shade = int(rng.integers(200, 235))
    cy = s * 0.8
    cx = s * rng.uniform(0.42, 0.58)
    for k in range(n):
        r = s * rng.uniform(0.12, 0.22) * (0.75 ** k)
        cy -= r * (1.0 if k == 0 else 1.7)
        layer = Image.new("RGBA", im.size, CLEAR)
        ld = ImageDraw.Draw(layer)
        ld.ellipse(_box(cx, cy, r, r), fill=(shade, shade, min(255, shade + 10), 255))
        for j in range(6):  # lit from the top-left: lighter ellipses toward it
            t = (j + 1) / 6
            v = int(shade + (base - shade) * t)
            ld.ellipse(_box(cx - r * 0.15 * t, cy - r * 0.15 * t, r * (1 - 0.12 * t), r * (1 - 0.12 * t)),
                       fill=(v, v, min(255, v + 4), 255))
        im.alpha_composite(layer)
        cy -= r * 0.2
    if rng.random() < 0.5:
        ImageDraw.Draw(im).ellipse(_box(cx, s * 0.3, s * 0.02, s * 0.02), fill=_dark(rng))


def _bag(im: Image.Image, rng: np.random.Generator) -> None:
    s, d, fill, line, lw = _outlined(im, rng, white_share=0.3, outline_prob=0.75, max_width=0.02)
    x0, x1 = s * rng.uniform(0.18, 0.28), s * rng.uniform(0.72, 0.82)
    y0, y1 = s * rng.uniform(0.42, 0.5), s * rng.uniform(0.82, 0.9)
    hr = (x1 - x0) * rng.uniform(0.25, 0.35)
    thick = hr * rng.uniform(0.2, 0.4)
    hc = ((x0 + x1) / 2, y0)
    d.ellipse(_box(*hc, hr, hr * 1.2), fill=fill, outline=line if lw else None, width=max(lw, 1))
    d.ellipse(_box(*hc, hr - thick, (hr - thick) * 1.2), fill=CLEAR, outline=line if lw else None,
              width=max(lw, 1))
    d.rounded_rectangle((x0, y0, x1, y1), radius=int(s * 0.05), fill=fill, outline=line if lw else None,
                        width=max(lw, 1))
    if rng.random() < 0.7:  # white pocket
        d.rounded_rectangle((x0 + (x1 - x0) * 0.25, y0 + (y1 - y0) * 0.35, x1 - (x1 - x0) * 0.25,
                             y1 - (y1 - y0) * 0.15), radius=int(s * 0.02), fill=WHITE,
                            outline=line if lw else None, width=max(1, lw // 2))


PAINTERS: dict[str, Painter] = {
    "critter": _critter, "ring": _ring, "mug": _mug, "loops": _loops, "lineart": _lineart,
    "snow": _snow, "bag": _bag,
}


def _shadow_and_glow(im: Image.Image, rng: np.random.Generator, family: str) -> Image.Image:
    s = im.size[0]
    out = Image.new("RGBA", im.size, CLEAR)
    alpha = np.asarray(im)[..., 3]
    if family == "snow" or rng.random() < 0.25:  # soft drop shadow under the subject
        ys = np.flatnonzero(alpha.max(axis=1) > 0)
        xs = np.flatnonzero(alpha.max(axis=0) > 0)
        if len(ys):
            sh = Image.new("RGBA", im.size, CLEAR)
            cx, w = (xs[0] + xs[-1]) / 2, (xs[-1] - xs[0]) / 2
            y = min(s - 4, ys[-1])
            ImageDraw.Draw(sh).ellipse(_box(cx, y, w * 0.8, s * 0.03), fill=(0, 0, 0, int(rng.integers(50, 110))))
            out.alpha_composite(sh.filter(ImageFilter.GaussianBlur(s * 0.012)))
    if rng.random() < 0.12:  # semi-transparent glow around the subject
        col = _rgb(rng, 0.3)[:3]
        glow = np.zeros((s, s, 4), np.uint8)
        glow[..., :3] = col
        glow[..., 3] = (alpha > 0).astype(np.uint8) * int(rng.integers(90, 170))
        out.alpha_composite(Image.fromarray(glow, "RGBA").filter(ImageFilter.GaussianBlur(s * 0.025)))
    out.alpha_composite(im)
    return out


def _translucent_effects(im: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Effects 2: big soft glows, offset shadows of the subject's shape, translucent subjects."""
    s = im.size[0]
    arr = np.asarray(im).copy()
    solid = arr[..., 3] > 0
    if rng.random() < 0.15:  # the whole subject translucent: a watercolour wash, a ghost
        arr[..., 3] = (arr[..., 3].astype(np.float32) * rng.uniform(0.35, 0.8) + 0.5).astype(np.uint8)
    under = Image.new("RGBA", im.size, CLEAR)
    if rng.random() < 0.2:  # a big soft glow or halo
        glow = np.zeros((s, s, 4), np.uint8)
        glow[..., :3] = _rgb(rng, 0.3)[:3]
        glow[..., 3] = solid.astype(np.uint8) * int(rng.integers(120, 230))
        blur = ImageFilter.GaussianBlur(s * rng.uniform(0.04, 0.1))
        under.alpha_composite(Image.fromarray(glow, "RGBA").filter(blur))
    if rng.random() < 0.2:  # a soft shadow of the subject's own shape, offset down and aside
        shadow = np.zeros((s, s, 4), np.uint8)
        shadow[..., 3] = solid.astype(np.uint8) * int(rng.integers(40, 130))
        dy, dx = int(rng.integers(0, s // 15 + 1)), int(rng.integers(-(s // 25), s // 25 + 1))
        shadow = np.roll(np.roll(shadow, dy, axis=0), dx, axis=1)
        blur = ImageFilter.GaussianBlur(s * rng.uniform(0.01, 0.04))
        under.alpha_composite(Image.fromarray(shadow, "RGBA").filter(blur))
    under.alpha_composite(Image.fromarray(arr, "RGBA"))
    return under


def render_subject(family: str, seed: int, size: int = 256, effects: int = 1) -> np.ndarray:
    """RGBA uint8 ``size``² of subject ``seed`` of ``family`` (``effects``: see the module docs)."""
    rng = np.random.default_rng([FAMILIES.index(family), seed])
    big = size * _SS
    im = Image.new("RGBA", (big, big), CLEAR)
    PAINTERS[family](im, rng)
    im = _shadow_and_glow(im, rng, family)
    if effects >= 2:  # drawn after effects 1's, so effects 1 subjects stay exactly as they were
        im = _translucent_effects(im, rng)
    from sticker_studio.core.imageops import resize_rgba

    return resize_rgba(np.asarray(im), size, size, Image.Resampling.BOX)
