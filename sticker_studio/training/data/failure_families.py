"""Procedural subjects for issue 24's matting failures (drawn by this project's code).

The real-art check (tests/data/matting_real) found the cut-outs that fail: thin rings and
enclosures whose holes show the paper, handles, pale subjects with a thin or no outline on
cream paper, and black-and-white animals with grey/white faces on white. Each family here
draws random members of one of those kinds from ``(family, seed)`` with Pillow
(supersampled 2×, anti-aliased edges); whatever is drawn with :data:`CLEAR` (a ring's hole,
the gap under a handle) is transparent in the truth:

* ``thinring`` — thin finger rings with a gem, key rings with a key, safety pins, ring
  buoys with white bands, pretzels, spider webs, chain links and scissors handles;
* ``handled`` — mugs, teapots, baskets and buckets with arch or side handles (the hole
  under the handle is background);
* ``pale`` — ghosts, snowmen, polar bears, rice balls, clouds, eggs and pale mugs in white,
  light grey or cream with a thin light outline or none;
* ``bwanimal`` — pandas, penguins and cows: white or light-grey faces and bellies beside
  black patches.

:func:`render_failure_subject` is the entry point (RGBA uint8); :mod:`.failure_kit` packs
these with the old families, Fluent/Noto art and cream-paper backgrounds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

_SS = 2
FAILURE_FAMILIES: tuple[str, ...] = ("thinring", "handled", "pale", "bwanimal")
_FAMILY_SALT = 24_000  # keeps these families' random streams apart from drawn_families'

Colour = tuple[int, int, int, int]
CLEAR: Colour = (0, 0, 0, 0)
WHITE: Colour = (255, 255, 255, 255)


def _c(v: tuple[float, ...] | np.ndarray, a: int = 255) -> Colour:
    r, g, b = (int(max(0, min(255, round(x)))) for x in v[:3])
    return (r, g, b, a)


def _box(cx: float, cy: float, rx: float, ry: float) -> tuple[float, float, float, float]:
    return (cx - rx, cy - ry, cx + rx, cy + ry)


def _metal(rng: np.random.Generator) -> Colour:
    kind = rng.random()
    if kind < 0.35:  # gold
        return _c((rng.uniform(220, 255), rng.uniform(170, 205), rng.uniform(30, 80)))
    if kind < 0.7:  # silver / light grey
        v = rng.uniform(170, 225)
        return _c((v, v + rng.uniform(0, 8), v + rng.uniform(0, 15)))
    h = rng.random()
    return _c(tuple(60 + 170 * (0.5 + 0.5 * math.cos(2 * math.pi * (h + k / 3))) for k in range(3)))


def _ink(rng: np.random.Generator) -> Colour:
    v = rng.uniform(15, 90)
    return _c((v, v, v + rng.uniform(0, 25)))


def _pale_colour(rng: np.random.Generator) -> Colour:
    kind = rng.random()
    if kind < 0.4:  # white
        v = rng.uniform(244, 255)
        return _c((v, v, v))
    if kind < 0.7:  # light grey (often bluish, as emoji shade white)
        v = rng.uniform(205, 240)
        return _c((v - rng.uniform(0, 6), v, v + rng.uniform(0, 12)))
    return _c((rng.uniform(240, 255), rng.uniform(228, 245), rng.uniform(195, 230)))  # cream


def _shade(col: Colour, k: float) -> Colour:
    return _c(tuple(x * k for x in col[:3]), col[3])


def _outline(rng: np.random.Generator, s: int, none_p: float = 0.4) -> tuple[Colour | None, int]:
    """(outline colour or None, width): none, a thin light-grey line, or a thin dark one."""
    u = rng.random()
    if u < none_p:
        return None, 0
    w = max(1, int(s * rng.uniform(0.004, 0.014)))
    if u < none_p + (1 - none_p) * 0.5:
        v = rng.uniform(150, 215)
        return _c((v, v, v + 8)), w
    return _ink(rng), w


# ----------------------------------------------------------------------------- thin rings and enclosures
def _thinring(im: Image.Image, rng: np.random.Generator) -> None:
    s = im.size[0]
    d = ImageDraw.Draw(im)
    kind = int(rng.integers(8))
    metal = _metal(rng)
    line, lw = _outline(rng, s, none_p=0.5)
    ol: dict[str, Any] = {"outline": line, "width": lw} if line is not None else {}
    cx, cy = s * rng.uniform(0.45, 0.55), s * rng.uniform(0.48, 0.58)
    if kind == 0:  # finger ring with a gem
        r = s * rng.uniform(0.22, 0.32)
        band = r * rng.uniform(0.08, 0.2)
        ry = r * rng.uniform(0.85, 1.0)
        d.ellipse(_box(cx, cy, r, ry), fill=metal, **ol)
        d.ellipse(_box(cx, cy, r - band, ry - band), fill=CLEAR, **ol)
        g = r * rng.uniform(0.22, 0.35)
        gem = _c(rng.uniform(120, 255, size=3)) if rng.random() < 0.6 else _c((225, 240, 250))
        top = cy - ry
        d.polygon([(cx - g, top), (cx, top - g * 1.1), (cx + g, top), (cx, top + g * 0.9)], fill=gem,
                  outline=line)
    elif kind == 1:  # key ring with a key
        r = s * rng.uniform(0.14, 0.2)
        band = max(2.0, r * rng.uniform(0.08, 0.16))
        rx0, ry0 = cx - s * 0.12, cy - s * 0.12
        d.ellipse(_box(rx0, ry0, r, r), outline=metal, width=int(band))
        key = _metal(rng)
        bow = s * rng.uniform(0.08, 0.12)
        kx, ky = rx0 + r * 0.9, ry0 + r * 0.9
        d.ellipse(_box(kx, ky, bow, bow), fill=key, **ol)
        d.ellipse(_box(kx, ky, bow * 0.45, bow * 0.45), fill=CLEAR, **ol)
        ang = rng.uniform(0.5, 1.1)
        ln = s * rng.uniform(0.3, 0.42)
        ex, ey = kx + math.cos(ang) * ln, ky + math.sin(ang) * ln
        d.line([(kx, ky), (ex, ey)], fill=key, width=int(bow * 0.5))
        for t in (0.7, 0.85):
            tx, ty = kx + math.cos(ang) * ln * t, ky + math.sin(ang) * ln * t
            d.line([(tx, ty), (tx - math.sin(ang) * bow * 0.6, ty + math.cos(ang) * bow * 0.6)], fill=key,
                   width=int(bow * 0.3))
    elif kind == 2:  # safety pin: two wires, a coil at one end, a head at the other
        ln = s * rng.uniform(0.5, 0.65)
        gap = s * rng.uniform(0.05, 0.1)
        w = max(2, int(s * rng.uniform(0.012, 0.025)))
        ang = rng.uniform(-0.8, 0.8)
        ux, uy = math.cos(ang), math.sin(ang)
        px, py = -uy, ux
        x0, y0 = cx - ux * ln / 2, cy - uy * ln / 2
        x1, y1 = cx + ux * ln / 2, cy + uy * ln / 2
        coil = gap * 0.75
        d.ellipse(_box(x0, y0, coil, coil), outline=metal, width=w)
        d.line([(x0 + px * coil * 0.6, y0 + py * coil * 0.6), (x1 + px * gap * 0.5, y1 + py * gap * 0.5)],
               fill=metal, width=w)
        d.line([(x0 - px * coil * 0.6, y0 - py * coil * 0.6), (x1 - px * gap * 0.4, y1 - py * gap * 0.4)],
               fill=metal, width=w)
        head = _metal(rng)
        d.rounded_rectangle(_box(x1, y1, gap * 0.9, gap * 1.0), radius=int(gap * 0.4), fill=head, **ol)
    elif kind == 3:  # ring buoy: thick ring with white bands, the hole shows the paper
        r = s * rng.uniform(0.28, 0.38)
        hole = r * rng.uniform(0.45, 0.62)
        red = _c((rng.uniform(200, 255), rng.uniform(20, 90), rng.uniform(20, 80)))
        d.ellipse(_box(cx, cy, r, r), fill=red, **ol)
        start = rng.uniform(0, 90)
        for k in range(4):
            a0 = start + 90 * k
            d.pieslice(_box(cx, cy, r - lw, r - lw), a0, a0 + rng.uniform(20, 40), fill=WHITE)
        d.ellipse(_box(cx, cy, hole, hole), fill=CLEAR, **ol)
    elif kind == 4:  # pretzel: a thick brown stroke looping into three holes
        r = s * rng.uniform(0.25, 0.33)
        w = int(r * rng.uniform(0.18, 0.3))
        brown = _c((rng.uniform(150, 205), rng.uniform(85, 130), rng.uniform(30, 70)))
        loops = [_box(cx + sx * r * 0.45, cy + r * 0.15, r * 0.55, r * 0.5) for sx in (-1, 1)]
        outer = _box(cx, cy - r * 0.05, r * 1.05, r * 0.8)
        if line is not None:
            for b in loops:
                d.ellipse(b, outline=line, width=w + 2 * lw)
            d.arc(outer, 160, 380, fill=line, width=w + 2 * lw)
        for b in loops:
            d.ellipse(b, outline=brown, width=w)
        d.arc(outer, 160, 380, fill=brown, width=w)
        pts = [(cx + r * math.cos(a) * 0.9, cy + r * math.sin(a) * 0.6) for a in np.linspace(0, 2 * math.pi, 40)]
        for _ in range(int(rng.integers(3, 9))):  # salt
            p = pts[int(rng.integers(len(pts)))]
            d.ellipse(_box(p[0], p[1], w * 0.12, w * 0.1), fill=WHITE)
    elif kind == 5:  # spider web: spokes and rings of thin lines
        r = s * rng.uniform(0.3, 0.42)
        spokes = int(rng.integers(6, 11))
        w = max(1, int(s * rng.uniform(0.004, 0.012)))
        col = _ink(rng) if rng.random() < 0.5 else _c((rng.uniform(150, 215),) * 3)
        a0 = rng.uniform(0, math.pi)
        for k in range(spokes):
            a = a0 + 2 * math.pi * k / spokes
            d.line([(cx, cy), (cx + math.cos(a) * r, cy + math.sin(a) * r)], fill=col, width=w)
        for ring in range(1, int(rng.integers(3, 6)) + 1):
            rr = r * ring / 5.5
            pts = [(cx + math.cos(a0 + 2 * math.pi * k / spokes) * rr,
                    cy + math.sin(a0 + 2 * math.pi * k / spokes) * rr) for k in range(spokes + 1)]
            d.line(pts, fill=col, width=w)
    elif kind == 6:  # chain links / paperclip-like loops
        w = max(2, int(s * rng.uniform(0.015, 0.035)))
        n = int(rng.integers(2, 4))
        lx, ly = s * rng.uniform(0.12, 0.18), s * rng.uniform(0.07, 0.1)
        ang = rng.uniform(-0.6, 0.6)
        for k in range(n):
            off = (k - (n - 1) / 2) * lx * 1.3
            x, y = cx + math.cos(ang) * off, cy + math.sin(ang) * off
            col = metal if k % 2 == 0 else _metal(rng)
            d.rounded_rectangle(_box(x, y, lx, ly), radius=int(ly), outline=col, width=w)
    else:  # scissors: two ring handles and blades
        hr = s * rng.uniform(0.08, 0.12)
        band = max(2, int(hr * rng.uniform(0.2, 0.4)))
        handle = _c(rng.uniform(30, 230, size=3))
        blade = _metal(rng)
        for sx in (-1, 1):
            hx, hy = cx + sx * hr * 1.2, cy + s * 0.2
            d.line([(hx, hy - hr), (cx - sx * s * 0.12, cy - s * 0.3)], fill=blade, width=int(hr * 0.5))
            d.ellipse(_box(hx, hy, hr, hr * 1.1), outline=handle, width=band)


# ----------------------------------------------------------------------------- handles
def _handled(im: Image.Image, rng: np.random.Generator) -> None:
    s = im.size[0]
    d = ImageDraw.Draw(im)
    kind = int(rng.integers(4))
    body = _pale_colour(rng) if rng.random() < 0.45 else _c(rng.uniform(40, 240, size=3))
    line, lw = _outline(rng, s, none_p=0.35)
    ol: dict[str, Any] = {"outline": line, "width": lw} if line is not None else {}
    if kind in (0, 1):  # mug or teapot: a side handle (a hole between it and the body)
        x0, x1 = s * rng.uniform(0.18, 0.3), s * rng.uniform(0.58, 0.68)
        y0, y1 = s * rng.uniform(0.3, 0.42), s * rng.uniform(0.78, 0.88)
        hr = (y1 - y0) * rng.uniform(0.22, 0.36)
        thick = hr * rng.uniform(0.18, 0.45)
        hx, hy = x1, (y0 + y1) / 2 - (y1 - y0) * rng.uniform(-0.05, 0.1)
        d.ellipse(_box(hx, hy, hr, hr * 1.15), fill=body, **ol)
        d.ellipse(_box(hx, hy, hr - thick, (hr - thick) * 1.15), fill=CLEAR, **ol)
        if kind == 0:
            d.rounded_rectangle((x0, y0, x1, y1), radius=int(s * 0.03), fill=body, **ol)
            if rng.random() < 0.5:  # a drink or foam at the top
                top = _c((rng.uniform(90, 255), rng.uniform(60, 240), rng.uniform(20, 200)))
                d.ellipse((x0, y0 - s * 0.03, x1, y0 + s * 0.04), fill=top if rng.random() < 0.5 else WHITE, **ol)
        else:
            d.ellipse((x0 - s * 0.04, y0, x1 + s * 0.02, y1), fill=body, **ol)
            d.polygon([(x0 + s * 0.02, (y0 + y1) / 2), (x0 - s * 0.14, y0 + s * 0.02),
                       (x0 - s * 0.1, y0 - s * 0.01), (x0 + s * 0.04, y0 + (y1 - y0) * 0.3)], fill=body, outline=line)
            d.ellipse(_box((x0 + x1) / 2, y0 + s * 0.01, s * 0.05, s * 0.03), fill=_shade(body, 0.85), **ol)
        if rng.random() < 0.5:  # a band or print
            d.rectangle((x0 + s * 0.02, y0 + (y1 - y0) * 0.45, x1 - s * 0.02, y0 + (y1 - y0) * 0.6),
                        fill=_c(rng.uniform(30, 240, size=3)))
    else:  # basket or bucket: an arch handle over the body (the hole under it is background)
        x0, x1 = s * rng.uniform(0.15, 0.25), s * rng.uniform(0.75, 0.85)
        y0, y1 = s * rng.uniform(0.45, 0.55), s * rng.uniform(0.82, 0.9)
        w = max(2, int(s * (rng.uniform(0.015, 0.03) if kind == 3 else rng.uniform(0.03, 0.06))))
        arch_h = (y0 - s * rng.uniform(0.1, 0.2))
        hcol = body if rng.random() < 0.6 else _metal(rng)
        if line is not None:
            d.arc((x0 + s * 0.04, arch_h, x1 - s * 0.04, y0 + (y0 - arch_h)), 180, 360, fill=line, width=w + 2 * lw)
        d.arc((x0 + s * 0.04, arch_h, x1 - s * 0.04, y0 + (y0 - arch_h)), 180, 360, fill=hcol, width=w)
        inset = (x1 - x0) * (0.1 if kind == 3 else 0.06)
        d.polygon([(x0, y0), (x1, y0), (x1 - inset, y1), (x0 + inset, y1)], fill=body, outline=line)
        if kind == 2:  # weave
            weave = _shade(body, 0.8)
            for k in range(1, 5):
                y = y0 + (y1 - y0) * k / 5
                d.line([(x0 + inset * k / 5, y), (x1 - inset * k / 5, y)], fill=weave, width=max(1, s // 120))
        d.rectangle((x0 - s * 0.01, y0 - s * 0.015, x1 + s * 0.01, y0 + s * 0.015), fill=_shade(body, 0.9), **ol)


# ----------------------------------------------------------------------------- pale subjects
def _pale(im: Image.Image, rng: np.random.Generator) -> None:
    s = im.size[0]
    d = ImageDraw.Draw(im)
    kind = int(rng.integers(7))
    body = _pale_colour(rng)
    shade = _shade(body, rng.uniform(0.82, 0.94))
    line, lw = _outline(rng, s, none_p=0.45)
    ol: dict[str, Any] = {"outline": line, "width": lw} if line is not None else {}
    eye = _ink(rng)
    cx, cy = s * rng.uniform(0.45, 0.55), s * rng.uniform(0.48, 0.56)
    if kind == 0:  # ghost: a dome with a wavy hem
        w, h = s * rng.uniform(0.22, 0.3), s * rng.uniform(0.3, 0.38)
        top = cy - h
        d.ellipse((cx - w, top, cx + w, top + 2 * w), fill=body, **ol)
        bottom = cy + h * 0.8
        pts = [(cx - w, top + w), (cx - w, bottom)]
        waves = int(rng.integers(3, 6))
        for k in range(1, 2 * waves + 1):
            pts.append((cx - w + 2 * w * k / (2 * waves), bottom - (s * 0.05 if k % 2 else 0)))
        pts.append((cx + w, top + w))
        d.polygon(pts, fill=body, outline=line)
        d.rectangle((cx - w + lw, top + w, cx + w - lw, top + w + 2), fill=body)
        if rng.random() < 0.5:
            d.ellipse(_box(cx + w * 0.35, cy, w * 0.35, h * 0.7), fill=shade)
        for sx in (-1, 1):
            d.ellipse(_box(cx + sx * w * 0.35, top + w * 0.9, w * 0.12, w * 0.18), fill=eye)
    elif kind == 1:  # snowman: stacked balls with a soft shade
        r = s * rng.uniform(0.15, 0.2)
        y = s * 0.8 - r
        for k in range(int(rng.integers(2, 4))):
            rr = r * (0.72 ** k)
            d.ellipse(_box(cx, y, rr, rr), fill=body, **ol)
            d.chord(_box(cx, y, rr - lw, rr - lw), 20, 160, fill=shade)
            y -= rr * 1.6
        d.ellipse(_box(cx - r * 0.15, y + r * 0.45, r * 0.06, r * 0.06), fill=eye)
        d.ellipse(_box(cx + r * 0.15, y + r * 0.45, r * 0.06, r * 0.06), fill=eye)
        if rng.random() < 0.6:  # a hat or scarf
            d.rectangle((cx - r * 0.35, y - r * 0.1, cx + r * 0.35, y + r * 0.25), fill=_c(rng.uniform(20, 200, 3)))
    elif kind == 2:  # polar bear head
        r = s * rng.uniform(0.24, 0.32)
        for sx in (-1, 1):
            d.ellipse(_box(cx + sx * r * 0.72, cy - r * 0.75, r * 0.28, r * 0.28), fill=body, **ol)
            d.ellipse(_box(cx + sx * r * 0.72, cy - r * 0.75, r * 0.13, r * 0.13), fill=shade)
        d.ellipse(_box(cx, cy, r, r * 0.9), fill=body, **ol)
        d.ellipse(_box(cx, cy + r * 0.3, r * 0.4, r * 0.3), fill=shade)
        d.ellipse(_box(cx, cy + r * 0.18, r * 0.13, r * 0.09), fill=eye)
        for sx in (-1, 1):
            d.ellipse(_box(cx + sx * r * 0.38, cy - r * 0.15, r * 0.08, r * 0.1), fill=eye)
    elif kind == 3:  # rice ball: a rounded white triangle and a nori band
        r = s * rng.uniform(0.28, 0.36)
        pts = [(cx, cy - r), (cx - r * 1.05, cy + r * 0.75), (cx + r * 1.05, cy + r * 0.75)]
        d.polygon(pts, fill=body, outline=line)
        if lw:
            d.line([*pts, pts[0]], fill=line, width=lw, joint="curve")
        d.rectangle((cx - r * 0.35, cy + r * 0.2, cx + r * 0.35, cy + r * 0.75), fill=_c((25, 45, 35)))
    elif kind == 4:  # cloud: overlapping puffs, a flat base
        r = s * rng.uniform(0.12, 0.17)
        puffs = [(cx - r * 1.3, cy + r * 0.2, r), (cx, cy - r * 0.4, r * 1.35), (cx + r * 1.3, cy + r * 0.15, r * 1.05)]
        if line is not None:
            for x, y, rr in puffs:
                d.ellipse(_box(x, y, rr + lw, rr + lw), fill=line)
        for x, y, rr in puffs:
            d.ellipse(_box(x, y, rr, rr), fill=body)
        d.rectangle((cx - r * 1.3, cy + r * 0.2, cx + r * 1.3, cy + r * 1.05), fill=body)
        d.chord(_box(cx + r * 0.2, cy + r * 0.4, r * 1.8, r * 0.6), 0, 180, fill=shade)
    elif kind == 5:  # egg or tooth
        rx, ry = s * rng.uniform(0.18, 0.24), s * rng.uniform(0.26, 0.32)
        d.ellipse(_box(cx, cy, rx, ry), fill=body, **ol)
        d.ellipse(_box(cx + rx * 0.3, cy + ry * 0.3, rx * 0.45, ry * 0.4), fill=shade)
        if rng.random() < 0.5:
            d.ellipse(_box(cx - rx * 0.35, cy - ry * 0.4, rx * 0.15, ry * 0.12), fill=WHITE)
    else:  # pale mug with a handle (the hole is background)
        x0, x1 = s * 0.22, s * rng.uniform(0.58, 0.66)
        y0, y1 = s * rng.uniform(0.32, 0.4), s * rng.uniform(0.8, 0.86)
        hr = (y1 - y0) * rng.uniform(0.25, 0.33)
        thick = hr * rng.uniform(0.25, 0.45)
        hy = (y0 + y1) / 2
        d.ellipse(_box(x1, hy, hr, hr * 1.1), fill=body, **ol)
        d.ellipse(_box(x1, hy, hr - thick, (hr - thick) * 1.1), fill=CLEAR, **ol)
        d.rounded_rectangle((x0, y0, x1, y1), radius=int(s * 0.03), fill=body, **ol)
        d.rectangle((x0 + (x1 - x0) * 0.6, y0 + lw + 1, x1 - lw - 1, y1 - lw - 1), fill=shade)


# ----------------------------------------------------------------------------- black-and-white animals
def _bwanimal(im: Image.Image, rng: np.random.Generator) -> None:
    s = im.size[0]
    d = ImageDraw.Draw(im)
    kind = int(rng.integers(3))
    face = _pale_colour(rng) if rng.random() < 0.6 else _c((rng.uniform(200, 232),) * 3)
    black = _c((rng.uniform(20, 70),) * 3)
    line, lw = _outline(rng, s, none_p=0.55)
    ol: dict[str, Any] = {"outline": line, "width": lw} if line is not None else {}
    cx, cy = s * rng.uniform(0.46, 0.54), s * rng.uniform(0.5, 0.58)
    r = s * rng.uniform(0.25, 0.33)
    if kind == 0:  # panda: black ears and eye patches on a white/grey face
        for sx in (-1, 1):
            d.ellipse(_box(cx + sx * r * 0.75, cy - r * 0.75, r * 0.3, r * 0.3), fill=black)
        d.ellipse(_box(cx, cy, r, r * 0.88), fill=face, **ol)
        for sx in (-1, 1):
            ex, ey = cx + sx * r * 0.38, cy - r * 0.05
            d.ellipse(_box(ex, ey, r * 0.2, r * 0.26), fill=black)
            d.ellipse(_box(ex + sx * r * 0.03, ey - r * 0.05, r * 0.07, r * 0.08), fill=WHITE)
        d.ellipse(_box(cx, cy + r * 0.32, r * 0.12, r * 0.08), fill=black)
        if rng.random() < 0.5:  # a muzzle in a lighter/darker grey
            d.ellipse(_box(cx, cy + r * 0.45, r * 0.3, r * 0.2), fill=_shade(face, 0.92))
    elif kind == 1:  # penguin: black body, white face/belly, orange beak and feet
        orange = _c((rng.uniform(230, 255), rng.uniform(120, 180), rng.uniform(0, 50)))
        d.ellipse(_box(cx, cy + r * 0.1, r * 0.75, r * 1.05), fill=black, **ol)
        d.ellipse(_box(cx, cy + r * 0.3, r * 0.52, r * 0.8), fill=face)
        d.ellipse(_box(cx, cy - r * 0.45, r * 0.45, r * 0.35), fill=face)
        for sx in (-1, 1):
            d.ellipse(_box(cx + sx * r * 0.2, cy - r * 0.5, r * 0.07, r * 0.09), fill=black)
            d.ellipse(_box(cx + sx * r * 0.3, cy + r * 1.1, r * 0.22, r * 0.08), fill=orange)
        d.polygon([(cx - r * 0.12, cy - r * 0.32), (cx + r * 0.12, cy - r * 0.32), (cx, cy - r * 0.12)], fill=orange)
    else:  # cow face: white with black patches, pink muzzle, horns
        pink = _c((rng.uniform(230, 255), rng.uniform(160, 200), rng.uniform(170, 210)))
        for sx in (-1, 1):
            d.ellipse(_box(cx + sx * r * 0.95, cy - r * 0.45, r * 0.3, r * 0.16), fill=face, **ol)
            d.polygon([(cx + sx * r * 0.45, cy - r * 0.8), (cx + sx * r * 0.7, cy - r * 1.15),
                       (cx + sx * r * 0.6, cy - r * 0.75)], fill=_c((235, 225, 200)))
        d.ellipse(_box(cx, cy, r * 0.78, r * 0.9), fill=face, **ol)
        for _ in range(int(rng.integers(1, 4))):
            px, py = cx + rng.uniform(-0.5, 0.5) * r, cy + rng.uniform(-0.7, 0.1) * r
            d.ellipse(_box(px, py, r * rng.uniform(0.15, 0.3), r * rng.uniform(0.12, 0.25)), fill=black)
        d.ellipse(_box(cx, cy + r * 0.55, r * 0.58, r * 0.35), fill=pink, **ol)
        for sx in (-1, 1):
            d.ellipse(_box(cx + sx * r * 0.22, cy + r * 0.55, r * 0.07, r * 0.09), fill=_shade(pink, 0.6))
            d.ellipse(_box(cx + sx * r * 0.3, cy - r * 0.1, r * 0.07, r * 0.09), fill=black)


PAINTERS: dict[str, Callable[[Image.Image, np.random.Generator], None]] = {
    "thinring": _thinring, "handled": _handled, "pale": _pale, "bwanimal": _bwanimal,
}


def render_failure_subject(family: str, seed: int, size: int = 256) -> np.ndarray:
    """RGBA uint8 ``size``² of subject ``seed`` of one of :data:`FAILURE_FAMILIES` (a soft drop
    shadow under some, as the old families have)."""
    if family not in PAINTERS:
        raise ValueError(f"unknown failure family {family!r}; one of {', '.join(FAILURE_FAMILIES)}")
    rng = np.random.default_rng([_FAMILY_SALT + FAILURE_FAMILIES.index(family), seed])
    big = size * _SS
    im = Image.new("RGBA", (big, big), CLEAR)
    PAINTERS[family](im, rng)
    if rng.random() < 0.2:  # a soft drop shadow (partial alpha) under the subject
        alpha = np.asarray(im)[..., 3]
        ys, xs = np.flatnonzero(alpha.max(axis=1) > 0), np.flatnonzero(alpha.max(axis=0) > 0)
        if len(ys):
            sh = Image.new("RGBA", im.size, CLEAR)
            w = (xs[-1] - xs[0]) / 2
            ImageDraw.Draw(sh).ellipse(_box((xs[0] + xs[-1]) / 2, min(big - 4, ys[-1]), w * 0.8, big * 0.025),
                                       fill=(0, 0, 0, int(rng.integers(40, 100))))
            sh = sh.filter(ImageFilter.GaussianBlur(big * 0.012))
            sh.alpha_composite(im)
            im = sh
    from sticker_studio.core.imageops import resize_rgba

    return resize_rgba(np.asarray(im), size, size, Image.Resampling.BOX)
