"""Face motions drawn on a (deformed) frame: eyelids, an opening mouth, pupils, brows, blush.

The face is described by ellipses (the rig's eyes and mouth) as they sit at rest and in
the current frame; :func:`draw_face` paints a :class:`FaceState` on the current frame in
place, taking its colours from the rest drawing (the skin around each eye, the darkest
outline colour, the mouth's stroke colour). A neutral state leaves the frame untouched,
bit for bit, so frame 0 of a face motion is the drawing.

Coordinates are pixels, x right and y down; a head ``rotation`` in radians turns the face
clockwise on screen (the lid line, the mouth, the brows follow it).
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from enum import Enum

import numpy as np
from scipy import ndimage

from sticker_studio.core.puppet.paint import (
    Box,
    Colour,
    Layer,
    box_around,
    composite_premul,
    coverage,
    ellipse_sdf,
    shift_bilinear,
    stroke_sdf,
)

Ellipse = tuple[float, float, float, float]  #: (cx, cy, rx, ry), axis-aligned, pixels

FALLBACK_MOUTH: Colour = (92, 28, 36)     #: a dark red-brown mouth interior
TONGUE: Colour = (236, 104, 124)
BLUSH: Colour = (255, 92, 124)
#: an eyelid leaves a pixel within LID_SAME (sum of |RGB| differences) of its own colour as drawn, and covers
#: one over LID_OTHER fully: the skin around an eye, shading included, is not repainted by a blink
LID_SAME = 24.0
LID_OTHER = 48.0
#: a pupil-less eye that looks aside moves as the shape it is drawn as (the pixels unlike the skin around it
#: that touch the middle of the rig's ellipse), when that shape lies within this many of the ellipse's radii
#: of its centre (else it is part of something bigger, and the eye stays as drawn)
EYE_REACH = 2.2
#: RGB distance (0..1 per channel, Euclidean) from the skin that makes a pixel the eye's
EYE_UNLIKE = 0.18
#: an eye with no shape of its own moves what lies in its ellipse when at least this share of the ring just
#: outside the ellipse is skin (else the eye is drawn past the ellipse, and moving its inside cut a crescent:
#: Twemoji alien 0.38, skull 0.30, ghost 0.04; OpenMoji eyes that moved cleanly 0.50-0.99)
EYE_SKIN_AROUND = 0.5


class Brow(Enum):
    """An eyebrow expression drawn above the eyes (neutral draws nothing)."""

    NEUTRAL = "neutral"
    ANGRY = "angry"
    SAD = "sad"


@dataclass(frozen=True)
class FaceState:
    """What the face does in one frame; the defaults are the drawing as it is."""

    eye_open_l: float = 1.0   #: 0 closed .. 1 as drawn
    eye_open_r: float = 1.0
    mouth_open: float = 0.0   #: 0 as drawn .. 1 wide open
    pupil_dx: float = 0.0     #: -1..1: ±1 puts the pupil on the eye's rim (a sclera-less eye moves whole)
    pupil_dy: float = 0.0
    brow: Brow = Brow.NEUTRAL
    blush: float = 0.0        #: 0..1

    def is_neutral(self) -> bool:
        return (self.eye_open_l >= 1.0 and self.eye_open_r >= 1.0 and self.mouth_open <= 0.0
                and self.pupil_dx == 0.0 and self.pupil_dy == 0.0 and self.brow is Brow.NEUTRAL
                and self.blush <= 0.0)


@dataclass(frozen=True)
class FaceGeometry:
    """Where the face's parts are in one frame (``None`` where the drawing has no such part)."""

    eye_l: Ellipse | None = None
    eye_r: Ellipse | None = None
    mouth: Ellipse | None = None
    rotation: float = 0.0   #: the head's turn from rest, radians, clockwise on screen
    scale: float = 1.0      #: the head's scale from rest


@dataclass(frozen=True)
class FacePalette:
    """Colours sampled once from the rest drawing (pass it to :func:`draw_face` to skip re-sampling)."""

    skin_l: Colour
    skin_r: Colour
    outline: Colour
    mouth: Colour
    sclera_l: Colour | None   #: the eye's light sclera, or None when the eye is not sclera + dark pupil
    sclera_r: Colour | None
    pupil_l: Colour
    pupil_r: Colour
    #: how the skin around each eye changes per pixel (d colour / dx, d colour / dy) at rest, for shaded skin
    skin_slope_l: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0.0,) * 3, (0.0,) * 3)
    skin_slope_r: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0.0,) * 3, (0.0,) * 3)
    #: an eye drawn inside a coloured patch: the inner eye relative to the rig's ellipse (du, dv, fx, fy)
    inset_l: tuple[float, float, float, float] | None = None
    inset_r: tuple[float, float, float, float] | None = None
    #: the lid's colour when it is not the skin's (the patch of a patch eye)
    lid_l: Colour | None = None
    lid_r: Colour | None = None
    #: each eye's lash line colour (from around that eye; None: the outline)
    lash_l: Colour | None = None
    lash_r: Colour | None = None


# --- colour sampling ---------------------------------------------------------------


def _luma(rgb: np.ndarray) -> np.ndarray:
    rgb = rgb.astype(np.float32)
    return 0.299 * rgb[..., 0] + 0.587 * rgb[..., 1] + 0.114 * rgb[..., 2]


def _mode_colour(pixels: np.ndarray) -> Colour | None:
    """The most common colour of (n, 3) uint8 pixels (16 levels a channel, then the mean of that bin)."""
    if len(pixels) == 0:
        return None
    q = (pixels.astype(np.int32) >> 4)
    keys = (q[:, 0] << 8) | (q[:, 1] << 4) | q[:, 2]
    counts = np.bincount(keys, minlength=4096)
    best = int(np.argmax(counts))
    mean = pixels[keys == best].astype(np.float32).mean(axis=0)
    return (int(round(mean[0])), int(round(mean[1])), int(round(mean[2])))


def _ellipse_pixels(img: np.ndarray, e: Ellipse, lo: float, hi: float, *, above_lower_quarter: bool = False,
                    ) -> np.ndarray:
    """Opaque pixels (n, 3) whose signed distance to ellipse ``e`` lies in [lo, hi); with
    ``above_lower_quarter`` only those above the ellipse's lower quarter (where a lid comes from: a pale
    muzzle or cheek patch just under an eye is not the skin the lid is made of)."""
    cx, cy, rx, ry = e
    box = box_around(cx, cy, rx + max(hi, 0), ry + max(hi, 0), img.shape)
    if box.empty:
        return np.zeros((0, 3), np.uint8)
    xx, yy = box.grid()
    d = ellipse_sdf(cx, cy, rx, ry)(xx, yy)
    region = img[box.slices()]
    sel = (d >= lo) & (d < hi) & (region[..., 3] >= 200)
    if above_lower_quarter:
        sel &= yy < cy + 0.5 * ry
    return np.asarray(region[sel][:, :3])


def outline_colour(rest: np.ndarray) -> Colour:
    """The drawing's darkest common colour (its outline), darkened when the drawing has no dark lines."""
    sub = rest[::2, ::2]
    px = sub[sub[..., 3] >= 200][:, :3]
    if len(px) == 0:
        return (40, 32, 32)
    lum = _luma(px)
    dark = px[lum <= np.percentile(lum, 4)]
    c = np.median(dark, axis=0)
    if _luma(c) > 90:
        c = c * (60.0 / max(float(_luma(c)), 1.0))
    return (int(c[0]), int(c[1]), int(c[2]))


def skin_colour(rest: np.ndarray, eye: Ellipse, outline: Colour) -> Colour:
    """The most common non-outline colour in a ring around the eye at rest (above and beside it where it can:
    the lid closes from above, in the skin it comes from)."""
    r = max(eye[2], eye[3])
    lo, hi = 2.0 + 0.1 * r, 3.0 + 0.6 * r
    ring = _ellipse_pixels(rest, eye, lo, hi, above_lower_quarter=True)
    if len(ring) < 12:
        ring = _ellipse_pixels(rest, eye, lo, hi)
    if len(ring):
        far = np.abs(ring.astype(np.int32) - np.asarray(outline)).sum(axis=1) > 60
        keep = ring[far & (_luma(ring) > 45)]
        if len(keep) >= max(4, len(ring) // 10):
            ring = keep
    c = _mode_colour(ring)
    return c if c is not None else (240, 200, 160)


def lash_colour(rest: np.ndarray, eye: Ellipse, skin: Colour) -> Colour:
    """The lash line's colour, from around this eye only: the eye's own dark outline or pupil when it is clearly
    darker than the skin, else a darker shade of the skin (never a far part's colour, such as dark trousers)."""
    r = max(eye[2], eye[3])
    px = _ellipse_pixels(rest, eye, -1e9, 2.0 + 0.25 * r)
    skin_f = np.asarray(skin, np.float32)
    shade = skin_f * 0.42
    if len(px):
        lum = _luma(px)
        dark = px[lum <= np.percentile(lum, 10)].astype(np.float32)
        c = np.median(dark, axis=0)
        if float(_luma(c)) < min(110.0, float(_luma(skin_f)) - 60.0):
            shade = c
    return (int(shade[0]), int(shade[1]), int(shade[2]))


Slope = tuple[tuple[float, float, float], tuple[float, float, float]]
FLAT: Slope = ((0.0, 0.0, 0.0), (0.0, 0.0, 0.0))


def skin_slope(rest: np.ndarray, eye: Ellipse, skin: Colour) -> Slope:
    """A plane fitted to the skin around the eye (shaded skin): its colour change per pixel in x and y."""
    cx, cy, rx, ry = eye
    r = max(rx, ry)
    lo, hi = 2.0 + 0.1 * r, 3.0 + 0.6 * r
    box = box_around(cx, cy, rx + hi, ry + hi, rest.shape)
    if box.empty:
        return FLAT
    xx, yy = box.grid()
    d = ellipse_sdf(cx, cy, rx, ry)(xx, yy)
    region = rest[box.slices()]
    sel = (d >= lo) & (d < hi) & (region[..., 3] >= 200)
    px = region[sel][:, :3].astype(np.float64)
    near = np.abs(px - np.asarray(skin)).sum(axis=1) < 60
    if near.sum() < 12:
        return FLAT
    a = np.stack([np.ones(int(near.sum())), xx[sel][near] - cx, yy[sel][near] - cy], axis=1)
    coef, *_ = np.linalg.lstsq(a, px[near], rcond=None)
    g = coef[1:]  # (2, 3): d/dx, d/dy
    span = float(np.abs(g).max()) * 2.0 * r
    if span > 60.0:  # not a gentle shading: keep the change across the eye modest
        g = g * (60.0 / span)
    return ((float(g[0, 0]), float(g[0, 1]), float(g[0, 2])), (float(g[1, 0]), float(g[1, 1]), float(g[1, 2])))


def _eye_colours(rest: np.ndarray, eye: Ellipse) -> tuple[Colour | None, Colour]:
    """(the light sclera colour or None, the eye's darkest colour) inside the eye at rest."""
    inside = _ellipse_pixels(rest, eye, -1e9, -1.0)
    if len(inside) == 0:
        return None, (30, 24, 24)
    lum = _luma(inside)
    spread = inside.max(axis=1).astype(np.int32) - inside.min(axis=1)
    light = inside[(lum > 180) & (spread < 70)]
    dark_sel = lum <= np.percentile(lum, 10)
    dc = inside[dark_sel].astype(np.float32).mean(axis=0)
    darkest: Colour = (int(dc[0]), int(dc[1]), int(dc[2]))
    has_dark = np.count_nonzero(lum < 120) >= 0.05 * len(inside)
    sclera = _mode_colour(light) if len(light) >= 0.2 * len(inside) and has_dark else None
    return sclera, darkest


def face_palette(rest: np.ndarray, rest_face: FaceGeometry) -> FacePalette:
    """Sample the face's colours from the rest drawing (done once per drawing)."""
    outline = outline_colour(rest)
    eyes = [e for e in (rest_face.eye_l, rest_face.eye_r) if e is not None]
    skins = [skin_colour(rest, e, outline) for e in eyes]
    default_skin = skins[0] if skins else (240, 200, 160)
    skin_l = skin_colour(rest, rest_face.eye_l, outline) if rest_face.eye_l else default_skin
    skin_r = skin_colour(rest, rest_face.eye_r, outline) if rest_face.eye_r else default_skin
    sclera_l, pupil_l = _eye_colours(rest, rest_face.eye_l) if rest_face.eye_l else (None, outline)
    sclera_r, pupil_r = _eye_colours(rest, rest_face.eye_r) if rest_face.eye_r else (None, outline)
    mouth = FALLBACK_MOUTH
    if rest_face.mouth is not None:
        px = _ellipse_pixels(rest, rest_face.mouth, -1e9, 1.0)
        if len(px):
            lum = _luma(px)
            dark = px[lum <= np.percentile(lum, 10)].astype(np.float32).mean(axis=0)
            if _luma(dark) < 110:
                mix = 0.5 * dark + 0.5 * np.asarray(FALLBACK_MOUTH, np.float32)
                mouth = (int(mix[0]), int(mix[1]), int(mix[2]))
    slope_l = skin_slope(rest, rest_face.eye_l, skin_l) if rest_face.eye_l else FLAT
    slope_r = skin_slope(rest, rest_face.eye_r, skin_r) if rest_face.eye_r else FLAT
    inset_l = inset_r = None
    lid_l: Colour | None = None
    lid_r: Colour | None = None
    if rest_face.eye_l is not None and sclera_l is None:
        patch = eye_patch(rest, rest_face.eye_l, skin_l)
        if patch is not None:
            inset_l, lid_l, pupil_l = patch
            sclera_l = lid_l
    if rest_face.eye_r is not None and sclera_r is None:
        patch = eye_patch(rest, rest_face.eye_r, skin_r)
        if patch is not None:
            inset_r, lid_r, pupil_r = patch
            sclera_r = lid_r
    lash_l = lash_colour(rest, rest_face.eye_l, skin_l) if rest_face.eye_l else None
    lash_r = lash_colour(rest, rest_face.eye_r, skin_r) if rest_face.eye_r else None
    return FacePalette(skin_l, skin_r, outline, mouth, sclera_l, sclera_r, pupil_l, pupil_r, slope_l, slope_r,
                       inset_l, inset_r, lid_l, lid_r, lash_l, lash_r)


def eye_patch(rest: np.ndarray, eye: Ellipse, skin: Colour) -> tuple[Ellipse, Colour, Colour] | None:
    """When the eye ellipse holds a coloured patch around a smaller eye (a panda's eye patches):
    (the inner eye relative to the ellipse as (du, dv, fx, fy), the patch colour, the inner eye's darkest colour).

    The lids then close the inner eye in the patch's colour and the pupil moves inside the patch.
    """
    cx, cy, rx, ry = eye
    box = box_around(cx, cy, rx, ry, rest.shape)
    if box.empty:
        return None
    xx, yy = box.grid()
    region = rest[box.slices()]
    sel = (ellipse_sdf(cx, cy, rx, ry)(xx, yy) < -1.0) & (region[..., 3] >= 200)
    px = region[sel][:, :3].astype(np.int32)
    if len(px) < 30:
        return None
    patch = _mode_colour(px.astype(np.uint8))
    if patch is None or _luma(np.asarray(patch)) > 185 or np.abs(np.subtract(patch, skin)).sum() < 90:
        return None
    near = np.abs(px - np.asarray(patch)).sum(axis=1) < 60
    other = np.abs(px - np.asarray(patch)).sum(axis=1) > 90
    if near.mean() < 0.4 or not 0.03 <= other.mean() <= 0.5:
        return None
    lum = _luma(px[other])
    if lum.min() > _luma(np.asarray(patch)) - 30:
        return None  # nothing darker inside: not an eye in a patch
    ox, oy = xx[sel][other], yy[sel][other]
    mx, my = float(ox.mean()), float(oy.mean())
    erx, ery = max(2.0 * float(ox.std()), 1.5) * 1.08, max(2.0 * float(oy.std()), 1.5) * 1.08
    dark = px[other][lum <= np.percentile(lum, 20)].astype(np.float32).mean(axis=0)
    return (((mx - cx) / rx, (my - cy) / ry, erx / rx, ery / ry), patch,
            (int(dark[0]), int(dark[1]), int(dark[2])))


def _inner(eye: Ellipse | None, inset: Ellipse | None, rotation: float) -> Ellipse | None:
    """The inner eye of a patch eye in this frame (the eye itself when it has no patch)."""
    if eye is None or inset is None:
        return eye
    cx, cy, rx, ry = eye
    du, dv = inset[0] * rx, inset[1] * ry
    c, s = math.cos(rotation), math.sin(rotation)
    return (cx + c * du - s * dv, cy + s * du + c * dv, inset[2] * rx, inset[3] * ry)


_PALETTES: dict[tuple[object, ...], FacePalette] = {}


def _cached_palette(rest: np.ndarray, rest_face: FaceGeometry) -> FacePalette:
    """:func:`face_palette`, remembered for the last few drawings (keyed by a sample of their pixels)."""
    key = (rest.shape, rest_face, hashlib.blake2b(np.ascontiguousarray(rest[::5, ::5]).tobytes(),
                                                  digest_size=16).digest())
    pal = _PALETTES.get(key)
    if pal is None:
        pal = face_palette(rest, rest_face)
        if len(_PALETTES) >= 8:
            _PALETTES.pop(next(iter(_PALETTES)))
        _PALETTES[key] = pal
    return pal


# --- drawing ---------------------------------------------------------------------


def draw_face(frame: np.ndarray, rest: np.ndarray, rest_face: FaceGeometry, face: FaceGeometry,
              state: FaceState, palette: FacePalette | None = None) -> None:
    """Paint ``state`` on ``frame`` (HxWx4 straight RGBA uint8, in place); a neutral state changes nothing.

    ``face`` is where the eyes and mouth sit in this frame, ``rest_face`` where they sit in ``rest``
    (the colours are sampled there). Parts the geometry lacks are skipped.
    """
    if state.is_neutral():
        return
    if frame.ndim != 3 or frame.shape[2] != 4 or frame.dtype != np.uint8:
        raise ValueError("draw_face needs an HxWx4 uint8 frame")
    pal = palette if palette is not None else _cached_palette(rest, rest_face)
    sides = ((face.eye_l, rest_face.eye_l, state.eye_open_l, pal.skin_l, pal.sclera_l, pal.pupil_l, face.eye_r),
             (face.eye_r, rest_face.eye_r, state.eye_open_r, pal.skin_r, pal.sclera_r, pal.pupil_r, face.eye_l))
    if state.pupil_dx != 0.0 or state.pupil_dy != 0.0:
        for eye, _rest_eye, _o, skin, sclera, pupil, _other in sides:
            if eye is not None:  # a patch eye: the patch is the 'sclera', its inner eye the pupil
                _look(frame, eye, skin, sclera, pupil, state.pupil_dx, state.pupil_dy, face.rotation)
    if state.blush > 0.0:
        for eye, _rest_eye, _o, _skin, _sc, _pu, other in sides:
            if eye is not None:
                _blush(frame, eye, other, face.rotation, min(state.blush, 1.0))
    lids = ((_inner(face.eye_l, pal.inset_l, face.rotation), _inner(rest_face.eye_l, pal.inset_l, 0.0),
             state.eye_open_l, pal.lid_l or pal.skin_l, FLAT if pal.lid_l else pal.skin_slope_l, pal.lash_l),
            (_inner(face.eye_r, pal.inset_r, face.rotation), _inner(rest_face.eye_r, pal.inset_r, 0.0),
             state.eye_open_r, pal.lid_r or pal.skin_r, FLAT if pal.lid_r else pal.skin_slope_r, pal.lash_r))
    for eye, rest_eye, openness, skin, slope, lash in lids:
        if eye is not None and openness < 1.0:
            lash_ref = max(rest_eye[2], rest_eye[3]) * face.scale if rest_eye else max(eye[2], eye[3])
            _eyelid(frame, eye, max(openness, 0.0), skin, lash or pal.outline, face.rotation, lash_ref,
                    slope, max(face.scale, 1e-3))
    if face.mouth is not None and state.mouth_open > 0.0:
        ref_rx = rest_face.mouth[2] * face.scale if rest_face.mouth else face.mouth[2]
        _mouth(frame, face.mouth, min(state.mouth_open, 1.0), pal, face.rotation, ref_rx)
    if state.brow is not Brow.NEUTRAL:
        for eye, _rest_eye, _o, _skin, _sc, _pu, other in sides:
            if eye is not None:
                _brow(frame, eye, other, face.rotation, state.brow, pal.outline)


def _axes(rotation: float) -> tuple[np.ndarray, np.ndarray]:
    """(lateral, down) unit vectors of the head turned by ``rotation``."""
    c, s = math.cos(rotation), math.sin(rotation)
    return np.array([c, s], np.float32), np.array([-s, c], np.float32)


def _extent(e: Ellipse, direction: np.ndarray) -> float:
    return float(math.hypot(e[2] * direction[0], e[3] * direction[1]))


def _eyelid(frame: np.ndarray, eye: Ellipse, openness: float, skin: Colour, outline: Colour,
            rotation: float, lash_ref: float, slope: Slope = FLAT, scale: float = 1.0) -> None:
    cx, cy, rx, ry = eye
    grown: Ellipse = (cx, cy, rx * 1.08 + 1.5, ry * 1.08 + 1.5)
    lat, down = _axes(rotation)
    hu, hv = _extent(grown, lat), _extent(grown, down)
    closed = 1.0 - openness
    line = -1.0 + 2.35 * closed          # the lid's edge at the centre, in units of hv
    sag = 0.32 * closed                  # the edge bulges down as the lid closes
    lw = float(np.clip(0.15 * lash_ref, 1.3, 7.0))
    box = box_around(cx, cy, max(grown[2], hu) + lw, max(grown[3], hv) + lw, frame.shape)
    if box.empty:
        return
    # separable pieces: every per-pixel term below is a row vector plus a column vector
    xs = np.arange(box.x0, box.x1, dtype=np.float32)[None, :] + np.float32(0.5 - cx)
    ys = np.arange(box.y0, box.y1, dtype=np.float32)[:, None] + np.float32(0.5 - cy)
    u = xs * lat[0] + ys * lat[1]
    v = xs * down[0] + ys * down[1]
    edge = hv * (line + sag * (1.0 - np.clip(u / hu, -1.0, 1.0) ** 2))
    lid = coverage(v - edge)
    # the lash line: along the lid's edge while it closes, resting a little below the centre when shut
    hu0 = _extent(eye, lat)
    at = min(line, 0.3)
    half = hu0 * math.sqrt(max(0.12, 1.0 - at * at)) * 1.12 + lw * 0.3
    ts = np.linspace(-1.0, 1.0, 17)
    pu = ts * half
    pv = hv * at + hv * sag * (1.0 - ts**2) + lw * 0.25
    pts = np.stack([cx + pu * lat[0] + pv * down[0], cy + pu * lat[1] + pv * down[1]], axis=1)
    # only the rows the lid or its lash reach (a half-open lid leaves the rows below alone)
    lid_rows = np.flatnonzero((lid > 0.0).any(1))
    reach = lw / 2.0 + 1.0
    lo = float(pts[:, 1].min()) - reach - box.y0 - 0.5
    hi = float(pts[:, 1].max()) + reach - box.y0 - 0.5
    r0 = max(0, min(int(np.floor(lo)), int(lid_rows[0]) if lid_rows.size else box.y1))
    r1 = min(box.y1 - box.y0, max(int(np.ceil(hi)) + 1, int(lid_rows[-1]) + 1 if lid_rows.size else 0))
    if r1 <= r0:
        return
    box = Box(box.y0 + r0, box.y0 + r1, box.x0, box.x1)
    xs_full = xs
    ys, lid = ys[r0:r1], lid[r0:r1]
    xx = np.broadcast_to(xs_full + np.float32(cx), lid.shape)
    yy = np.broadcast_to(ys + np.float32(cy), lid.shape)
    lid = lid * coverage(ellipse_sdf(*grown)(xx, yy))
    # the skin's shading, carried from rest: offsets in rest pixels are the frame's turned back and unscaled
    c, s = math.cos(rotation) / scale, math.sin(rotation) / scale
    base = np.asarray(skin, np.float32)
    if slope == FLAT or not np.any(slope):
        colour = np.broadcast_to(np.clip(base, 0.0, 255.0) / np.float32(255.0), lid.shape + (3,))
    else:
        gx = c * np.asarray(slope[0], np.float32) - s * np.asarray(slope[1], np.float32)
        gy = s * np.asarray(slope[0], np.float32) + c * np.asarray(slope[1], np.float32)
        colour = (base + xs_full[..., None] * gx.astype(np.float32)) + ys[..., None] * gy.astype(np.float32)
        np.clip(colour, 0.0, 255.0, out=colour)
        colour *= np.float32(1.0 / 255.0)
    # the lid closes over the eye, not over the skin around it: where the frame already shows the lid's own
    # colour (the skin, with its shading) it is left as drawn, so a blink changes the eye's pixels and no others
    region = frame[box.slices()]
    diff = np.abs(region[..., :3].astype(np.float32) * np.float32(1.0 / 255.0) - colour).sum(axis=-1)
    bare = np.clip((diff * np.float32(255.0) - LID_SAME) / np.float32(LID_OTHER - LID_SAME), 0.0, 1.0)
    lid = lid * np.where(region[..., 3] >= 128, bare, np.float32(1.0))
    # (coverage is 0 from half a pixel outside the stroke: a narrow distance band gives the same values)
    lash = coverage(stroke_sdf(pts, lw, band=2.0)(xx, yy)) * float(np.clip(closed / 0.3, 0.0, 1.0))
    rest = lid * (1.0 - lash)
    src = np.empty(lid.shape + (4,), np.float32)
    src[..., :3] = lash[..., None] * (np.asarray(outline, np.float32) / np.float32(255.0))
    src[..., :3] += colour * rest[..., None]
    src[..., 3] = lash + rest
    composite_premul(frame, box, src)


def _mouth(frame: np.ndarray, mouth: Ellipse, amount: float, pal: FacePalette, rotation: float,
           ref_rx: float) -> None:
    cx, cy, rx, _ry = mouth
    lat, down = _axes(rotation)
    a = rx * min(0.5 + 0.3 * amount, 0.25 + 3.0 * amount)  # a slit starts narrow, not as wide as the mouth
    b = rx * 0.66 * amount
    ocx, ocy = cx + down[0] * 0.45 * b, cy + down[1] * 0.45 * b
    ow = float(np.clip(0.07 * ref_rx, 1.0, 4.0))
    layer = Layer(frame.shape)
    inner = ellipse_sdf(ocx, ocy, a, b, rotation)
    bounds = (ocx, ocy, a + ow, a + ow)
    layer.shape(inner, bounds, pal.mouth, pal.outline, ow)
    if amount > 0.3:
        tcx, tcy = ocx + down[0] * 0.62 * b, ocy + down[1] * 0.62 * b
        tongue = ellipse_sdf(tcx, tcy, a * 0.62, b * 0.5, rotation)

        def clipped(xx: np.ndarray, yy: np.ndarray) -> np.ndarray:
            return np.maximum(tongue(xx, yy), inner(xx, yy))

        layer.shape(clipped, bounds, TONGUE, opacity=float(np.clip((amount - 0.3) / 0.3, 0.0, 1.0)))
    layer.composite_onto(frame)


def _look(frame: np.ndarray, eye: Ellipse, skin: Colour, sclera: Colour | None, pupil: Colour,
          dx: float, dy: float, rotation: float) -> None:
    dx, dy = float(np.clip(dx, -1.0, 1.0)), float(np.clip(dy, -1.0, 1.0))
    if sclera is None:
        _look_whole(frame, eye, skin, pupil, dx, dy, rotation)
        return
    _look_shift(frame, eye, skin, sclera, pupil, dx, dy, rotation)


def _look_shift(frame: np.ndarray, eye: Ellipse, skin: Colour, sclera: Colour | None, pupil: Colour,
                dx: float, dy: float, rotation: float) -> None:
    """The pupil moves inside a sclera eye; without a sclera, what lies in the grown ellipse moves whole."""
    cx, cy, rx, ry = eye
    skin_f = np.asarray(skin, np.float32) / 255.0
    pupil_f = np.asarray(pupil, np.float32) / 255.0
    grow = 1.0 if sclera is not None else 1.15
    region_e: Ellipse = (cx, cy, rx * grow + 1.0, ry * grow + 1.0)
    pad = 2.0 if sclera is not None else 0.4 * max(rx, ry) + 2.0  # the pupil stays in the eye; a whole eye moves
    box = box_around(cx, cy, region_e[2] + pad, region_e[3] + pad, frame.shape)
    if box.empty:
        return
    xx, yy = box.grid()
    region = frame[box.slices()].astype(np.float32) / 255.0
    c, alpha = region[..., :3], region[..., 3]
    cover = coverage(ellipse_sdf(*region_e)(xx, yy)) * alpha
    if sclera is not None:
        base_f = np.asarray(sclera, np.float32) / 255.0
        skin_like = np.clip(1.0 - np.linalg.norm(c - skin_f, axis=-1)
                            / (0.5 * max(float(np.linalg.norm(pupil_f - skin_f)), 0.05)), 0.0, 1.0)
        cover = cover * (1.0 - skin_like)
    else:
        base_f = skin_f
    ref = max(float(np.linalg.norm(pupil_f - base_f)), 0.08)
    if sclera is not None:  # how far each pixel is from the sclera toward the pupil (highlights stay behind)
        w = _pupil_only(np.clip(((c - base_f) @ (pupil_f - base_f)) / (ref * ref), 0.0, 1.0) * cover, cover)
    else:  # the whole eye: everything unlike the skin
        w = np.clip(np.linalg.norm(c - base_f, axis=-1) / ref, 0.0, 1.0) * cover
    if not np.any(w > 0):
        return
    part = np.clip(c - (1.0 - w[..., None]) * base_f, 0.0, 1.0)  # = w * (the part's own colour), unmixed
    part = np.where(w[..., None] > 0, part, 0.0)
    lat, down = _axes(rotation)
    hu, hv = _extent(eye, lat), _extent(eye, down)
    if sclera is not None:
        # the pupil moves from where it is drawn: ±1 puts its edge on the eye's rim on that side
        size = math.sqrt(float(w.sum()) / math.pi)  # the pupil's radius from its area
        total = float(w.sum())
        pu = float(((xx - cx) * lat[0] + (yy - cy) * lat[1]) .ravel() @ w.ravel()) / total
        pv = float(((xx - cx) * down[0] + (yy - cy) * down[1]).ravel() @ w.ravel()) / total
        # the rim is the white's where it shows: an ellipse drawn round the eye's outline (or off its centre)
        # let the pupil slide under the outline
        lo_u, hi_u, lo_v, hi_v = -hu, hu, -hv, hv
        white = (cover > 0.5) & (np.linalg.norm(c - base_f, axis=-1) < 0.25)
        if white.any():
            u = ((xx - cx) * lat[0] + (yy - cy) * lat[1])[white]
            v = ((xx - cx) * down[0] + (yy - cy) * down[1])[white]
            lo_u, hi_u = max(lo_u, float(u.min()) - 0.5), min(hi_u, float(u.max()) + 0.5)
            lo_v, hi_v = max(lo_v, float(v.min()) - 0.5), min(hi_v, float(v.max()) + 0.5)
        room_u = (hi_u - pu if dx > 0 else pu - lo_u) - size
        room_v = (hi_v - pv if dy > 0 else pv - lo_v) - size
        off_u = dx * max(room_u, 0.2 * size)
        off_v = dy * max(room_v, 0.2 * size)
    else:
        off_u, off_v = dx * 0.35 * hu, dy * 0.35 * hv
    ox = off_u * lat[0] + off_v * down[0]
    oy = off_u * lat[1] + off_v * down[1]
    # the base: the eye with its pupil (or the whole eye) taken out, filled with sclera (or skin); the moved part
    # clipped to the eye (or to the eye's surroundings when it moves whole)
    _shift_part(frame, box, c, alpha, w, part, base_f, ox, oy, cover)


def _pupil_only(w: np.ndarray, cover: np.ndarray) -> np.ndarray:
    """``w`` without the dark runs that reach the eye region's rim: the inner edge of the eye's outline, drawn in
    the pupil's colour, moved with the pupil and left a dark crescent sliding inside the white (the pile of poo's
    and any white eye fitted with a pixel of its outline). Unchanged where nothing else is dark (a pupil drawn
    against the rim)."""
    inside = cover > 0.5
    rim = inside & ~ndimage.binary_erosion(inside, iterations=2)
    lab, n = ndimage.label(w > 0.3)
    if n == 0:
        return w
    touching = np.unique(lab[rim & (lab > 0)])
    keep = (lab > 0) & ~np.isin(lab, touching)
    if not keep.any():
        return w
    # the pupil and its soft edge: the kept runs grown by a pixel (their antialiased rim stays with them)
    return w * ndimage.binary_dilation(keep, iterations=1)


def _shift_part(frame: np.ndarray, box: Box, c: np.ndarray, alpha: np.ndarray, w: np.ndarray, part: np.ndarray,
                base_f: np.ndarray, ox: float, oy: float, keep: np.ndarray) -> None:
    """Move ``part`` (premultiplied by its weight ``w``, unmixed from ``base_f``) by (ox, oy) within ``box`` of
    ``frame``, where ``keep`` allows, over the region with the part taken out (``base_f`` in its place), and
    write back the pixels that changed."""
    moved = shift_bilinear(np.concatenate([part, w[..., None]], -1), ox, oy) * keep[..., None]
    base = c + w[..., None] * base_f - part
    out_rgb = moved[..., :3] + base * alpha[..., None] * (1.0 - moved[..., 3:4])
    out_a = moved[..., 3] + alpha * (1.0 - moved[..., 3])
    out = np.concatenate([out_rgb / np.maximum(out_a, 1e-6)[..., None], out_a[..., None]], -1)
    changed = (w > 0) | (moved[..., 3] > 0)
    dst = frame[box.slices()]
    dst[changed] = np.clip(np.rint(out[changed] * 255.0), 0, 255).astype(np.uint8)


def _drawn_eye(c: np.ndarray, alpha: np.ndarray, core: np.ndarray, within: np.ndarray,
               skin_f: np.ndarray) -> np.ndarray | None:
    """The eye as drawn: the pixels nearer the eye's colour (the middle of the rig's ellipse, where it is unlike
    ``skin_f``) than the skin's, connected to the ellipse's ``core``, with what they enclose (a highlight, a
    light pupil); None when there are none or they reach past ``within`` (a dark patch, a stripe, an eye joined
    to an outline: not a shape to move)."""
    unlike = (np.linalg.norm(c - skin_f, axis=-1) > EYE_UNLIKE) & (alpha > 0.5)
    seed = core & unlike
    if np.count_nonzero(seed) < 3:
        return None
    eye_f = np.median(c[seed], axis=0)
    member = unlike & (np.linalg.norm(c - eye_f, axis=-1) < np.linalg.norm(c - skin_f, axis=-1))
    labels, _ = ndimage.label(member)
    ids = np.unique(labels[seed & member])
    ids = ids[ids > 0]
    if ids.size == 0:
        return None
    eye_px = ndimage.binary_fill_holes(np.isin(labels, ids))
    return None if (eye_px & ~within).any() else eye_px


def _look_whole(frame: np.ndarray, eye: Ellipse, skin: Colour, pupil: Colour, dx: float, dy: float,
                rotation: float) -> None:
    """A pupil-less eye (a dot, a dark disc with a highlight) looks aside by moving whole, as drawn.

    The rig's ellipse is only where the eye is: moving what lay inside it (grown a little) left the rest of a
    bigger drawn eye behind and filled the hole with the face's skin colour, a light crescent inside a dark eye
    (Twemoji alien, skull, ghost) or a ghost rim beside it (fox, cow, turtle). The eye moved is the drawn shape
    the ellipse's middle touches, its anti-aliased rim included, and what it uncovers takes the colour of the
    skin right around it. An eye whose shape is not found near the ellipse is left as drawn.
    """
    cx, cy, rx, ry = eye
    lat, down = _axes(rotation)
    off_u, off_v = dx * 0.35 * _extent(eye, lat), dy * 0.35 * _extent(eye, down)
    ox = off_u * lat[0] + off_v * down[0]
    oy = off_u * lat[1] + off_v * down[1]
    reach = EYE_REACH * max(rx, ry) + 3.0
    room = reach + math.hypot(ox, oy) + 4.0
    box = box_around(cx, cy, room, room, frame.shape)
    if box.empty:
        return
    xx, yy = box.grid()
    region = frame[box.slices()].astype(np.float32) / 255.0
    c, alpha = region[..., :3], region[..., 3]
    core = ellipse_sdf(cx, cy, max(0.6 * rx, 1.0), max(0.6 * ry, 1.0))(xx, yy) <= 0.5
    within = np.hypot(xx - cx, yy - cy) <= reach
    skin_f = np.asarray(skin, np.float32) / 255.0
    eye_px = _drawn_eye(c, alpha, core, within, skin_f)
    outside = ellipse_sdf(cx, cy, rx * 1.15 + 1.0, ry * 1.15 + 1.0)(xx, yy)
    ring = (outside > 0.5) & (outside <= 0.5 + max(2.0, 0.3 * max(rx, ry))) & (alpha > 0.99)
    if eye_px is None and np.count_nonzero(ring) >= 6:
        # the skin sampled for the lids may not be what surrounds this eye (a light eye on a dark head): the
        # colour just outside the ellipse
        eye_px = _drawn_eye(c, alpha, core, within, np.median(c[ring], axis=0))
    if eye_px is None:
        # no shape of its own (an eye joined to an outline, drawn as a stroke): what lies in the ellipse moves,
        # as long as the skin shows all around it; an eye drawn past the ellipse stays as drawn
        skin_like = np.linalg.norm(c[ring] - skin_f, axis=-1) <= EYE_UNLIKE
        if np.count_nonzero(ring) >= 6 and skin_like.mean() >= EYE_SKIN_AROUND:
            _look_shift(frame, eye, skin, None, pupil, dx, dy, rotation)
        return
    rim = ndimage.binary_dilation(eye_px, iterations=2)
    around = ndimage.binary_dilation(rim, iterations=2) & ~rim & (alpha > 0.99)
    if np.count_nonzero(around) < 4:
        return
    base_f = np.median(c[around], axis=0).astype(np.float32)
    dist = np.linalg.norm(c - base_f, axis=-1)
    ref = max(float(np.percentile(dist[eye_px], 75)), 0.08)
    w = np.where(eye_px, 1.0, np.clip(dist / ref, 0.0, 1.0) * rim).astype(np.float32)
    part = np.clip(c - (1.0 - w[..., None]) * base_f, 0.0, 1.0) * (w[..., None] > 0)
    # the eye taken out leaves the skin around it; the moved eye never lands on the empty canvas
    _shift_part(frame, box, c, alpha, w, part, base_f, ox, oy, (alpha > 0.5).astype(np.float32))


def _inner_sign(eye: Ellipse, other: Ellipse | None, lat: np.ndarray) -> float:
    """+1 when the face's centre lies along +lateral from this eye, else -1."""
    if other is None:
        return 1.0
    d = (other[0] - eye[0]) * lat[0] + (other[1] - eye[1]) * lat[1]
    return 1.0 if d >= 0 else -1.0


def _brow(frame: np.ndarray, eye: Ellipse, other: Ellipse | None, rotation: float, brow: Brow,
          outline: Colour) -> None:
    cx, cy, rx, ry = eye
    lat, down = _axes(rotation)
    r = max(rx, ry)
    length = 1.7 * r + 4.0
    width = max(2.0, 0.13 * length + 0.5)
    inner = _inner_sign(eye, other, lat)
    tilt = (1.0 if brow is Brow.ANGRY else -1.0) * math.tan(0.42)
    ts = np.linspace(-1.0, 1.0, 13)
    pu = ts * length / 2.0
    pv = tilt * inner * ts * length / 2.0 - 0.08 * length * (1.0 - ts**2)
    # above the eye where the subject is there; else lower, across the eye's top (eyes on the silhouette's rim)
    ext = _extent(eye, down)
    for lift in (ext + 0.45 * r + width + 2.0, ext + 0.5 * width, 0.6 * ext):
        bx, by = cx - down[0] * lift, cy - down[1] * lift
        pts = np.stack([bx + pu * lat[0] + pv * down[0], by + pu * lat[1] + pv * down[1]], axis=1)
        xi = np.clip(np.rint(pts[:, 0]).astype(int), 0, frame.shape[1] - 1)
        yi = np.clip(np.rint(pts[:, 1]).astype(int), 0, frame.shape[0] - 1)
        if np.all(frame[yi, xi, 3] >= 128):
            break
    layer = Layer(frame.shape)
    layer.shape(stroke_sdf(pts, width), (bx, by, length / 2 + width, length / 2 + width), outline)
    layer.composite_onto(frame)


def _blush(frame: np.ndarray, eye: Ellipse, other: Ellipse | None, rotation: float, amount: float) -> None:
    cx, cy, rx, ry = eye
    lat, down = _axes(rotation)
    r = max(rx, ry)
    out = -_inner_sign(eye, other, lat)
    drop = _extent(eye, down) + 0.55 * r + 2.0
    bx = cx + down[0] * drop + lat[0] * out * 0.35 * rx
    by = cy + down[1] * drop + lat[1] * out * 0.35 * rx
    brx, bry = 1.05 * r + 3.0, 0.5 * r + 2.0
    box = box_around(bx, by, brx, brx, frame.shape)
    if box.empty:
        return
    xx, yy = box.grid()
    d = ellipse_sdf(bx, by, brx, bry, rotation)(xx, yy)
    soft = np.clip(-d / (0.7 * bry), 0.0, 1.0)
    soft = soft * soft * (3.0 - 2.0 * soft)
    a = 0.6 * amount * soft * (frame[box.slices()][..., 3].astype(np.float32) / 255.0)
    src = np.concatenate([a[..., None] * (np.asarray(BLUSH, np.float32) / 255.0), a[..., None]], -1)
    composite_premul(frame, Box(box.y0, box.y1, box.x0, box.x1), src)
