"""Recolour a sticker subject to the colour a prompt names ("a blue cat").

The art keeps its outlines and shading: only the *dominant* colour family moves.

1. :func:`dominant_colour` finds it: the peak of a saturation-weighted hue histogram
   over the opaque, not-too-dark pixels (outlines are dark and stay out), or an
   achromatic family (white ghost, grey elephant) when few pixels are saturated.
2. :func:`colour_name_of` names it (nearest of :data:`TARGETS`), so
   :func:`needs_recolour` can tell whether the prompt contradicts the art.
3. :func:`recolour` moves that family: a hue rotation for a chromatic family and a
   chromatic target (saturation and value kept, so shading survives), a tint for an
   achromatic family, and a desaturate + value remap for black / white / grey targets.
   Each pixel's share of the change falls off smoothly with its hue distance from the
   family, so anti-aliased edges and gradients do not band.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sticker_studio.core.errors import InvalidInputError


@dataclass(frozen=True)
class ColourTarget:
    """A named colour: hue in degrees (None for achromatic), and typical saturation and value."""

    name: str
    hue: float | None
    saturation: float
    value: float


TARGETS: dict[str, ColourTarget] = {t.name: t for t in (
    ColourTarget("red", 356.0, 0.80, 0.90),
    ColourTarget("orange", 28.0, 0.80, 0.95),
    ColourTarget("gold", 44.0, 0.80, 0.95),
    ColourTarget("yellow", 52.0, 0.80, 1.00),
    ColourTarget("green", 118.0, 0.65, 0.75),
    ColourTarget("teal", 172.0, 0.70, 0.70),
    ColourTarget("cyan", 190.0, 0.70, 0.90),
    ColourTarget("blue", 218.0, 0.75, 0.90),
    ColourTarget("purple", 275.0, 0.60, 0.75),
    ColourTarget("pink", 330.0, 0.50, 0.95),
    ColourTarget("brown", 25.0, 0.65, 0.50),
    ColourTarget("black", None, 0.0, 0.18),
    ColourTarget("grey", None, 0.0, 0.60),
    ColourTarget("white", None, 0.0, 0.97),
)}
#: Names close enough that the art does not contradict the prompt.
_SAME: set[frozenset[str]] = {frozenset(p) for p in (("gold", "yellow"), ("gold", "orange"), ("cyan", "teal"),
                                                    ("cyan", "blue"), ("orange", "brown"), ("grey", "white"))}

#: Pixels darker than this are outlines/deep shadows and are never part of the family.
OUTLINE_VALUE = 0.22
CHROMA_MIN = 0.22


@dataclass(frozen=True)
class DominantColour:
    """The family of pixels that gives a subject its colour."""

    hue: float | None       #: degrees; None for an achromatic (white/grey/black) family
    saturation: float
    value: float
    share: float            #: fraction of the subject's opaque pixels in the family

    @property
    def name(self) -> str:
        return colour_name_of(self)


def rgb_to_hsv(rgb: np.ndarray) -> np.ndarray:
    """[..., 3] floats in 0..1 → hue in degrees (0..360), saturation, value."""
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    v = rgb.max(axis=-1)
    c = v - rgb.min(axis=-1)
    s = np.where(v > 0, c / np.maximum(v, 1e-8), 0.0)
    safe = np.maximum(c, 1e-8)
    h = np.where(v == r, ((g - b) / safe) % 6.0, np.where(v == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0))
    h = np.where(c > 0, h * 60.0, 0.0)
    return np.stack([h, s, v], axis=-1)


def hsv_to_rgb(hsv: np.ndarray) -> np.ndarray:
    """Inverse of :func:`rgb_to_hsv`."""
    h = (hsv[..., 0] % 360.0) / 60.0
    s, v = hsv[..., 1], hsv[..., 2]
    c = v * s
    x = c * (1.0 - np.abs(h % 2.0 - 1.0))
    m = v - c
    zero = np.zeros_like(h)
    sector = np.floor(h).astype(np.int64) % 6
    options = [(c, x, zero), (x, c, zero), (zero, c, x), (zero, x, c), (x, zero, c), (c, zero, x)]
    out = np.zeros(h.shape + (3,), np.float64)
    for k, (rr, gg, bb) in enumerate(options):
        sel = sector == k
        out[sel, 0], out[sel, 1], out[sel, 2] = rr[sel], gg[sel], bb[sel]
    return out + m[..., None]


def _hue_distance(h: np.ndarray | float, h0: float) -> np.ndarray:
    d = np.abs((np.asarray(h, np.float64) - h0 + 180.0) % 360.0 - 180.0)
    return d


def _split(rgba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    arr = np.asarray(rgba)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 4:
        raise InvalidInputError(f"expected an HxWx4 RGBA uint8 image, got {arr.dtype} {arr.shape}")
    return rgb_to_hsv(arr[..., :3].astype(np.float64) / 255.0), arr[..., 3].astype(np.float64) / 255.0


def dominant_colour(rgba: np.ndarray) -> DominantColour:
    """The subject's dominant colour family (see the module docstring)."""
    arr = np.asarray(rgba)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 4:
        raise InvalidInputError(f"expected an HxWx4 RGBA uint8 image, got {arr.dtype} {arr.shape}")
    # only the opaque half counts (alpha / 255 > 0.5): convert those pixels alone, in the same order
    hsv = rgb_to_hsv(arr[arr[..., 3] >= 128][:, :3].astype(np.float64) / 255.0)
    body = hsv[..., 2] > OUTLINE_VALUE
    total = max(1, int(body.sum()))
    chroma = body & (hsv[..., 1] > CHROMA_MIN)
    if chroma.sum() < 0.3 * total:
        grey = body & ~chroma
        vals = hsv[..., 2][grey] if grey.any() else np.array([0.5])
        return DominantColour(None, float(hsv[..., 1][grey].mean()) if grey.any() else 0.0,
                              float(np.median(vals)), float(grey.sum()) / total)
    hues, weights = hsv[..., 0][chroma], hsv[..., 1][chroma]
    hist, _ = np.histogram(hues, bins=72, range=(0.0, 360.0), weights=weights)
    kernel = np.array([1.0, 2.0, 3.0, 2.0, 1.0])
    smooth = np.convolve(np.concatenate([hist[-2:], hist, hist[:2]]), kernel, mode="valid")
    peak = (int(np.argmax(smooth)) + 0.5) * 5.0
    near = _hue_distance(hues, peak) < 30.0
    # circular mean of the family, for a hue that is not quantised to the bin
    ang = np.deg2rad(hues[near])
    hue = float(np.rad2deg(np.arctan2(np.sin(ang).mean(), np.cos(ang).mean())) % 360.0)
    fam = chroma.copy()
    fam[chroma] = near
    return DominantColour(hue, float(hsv[..., 1][fam].mean()), float(hsv[..., 2][fam].mean()),
                          float(fam.sum()) / total)


def colour_name_of(colour: DominantColour) -> str:
    """The nearest :data:`TARGETS` name to a dominant colour."""
    if colour.hue is None:
        if colour.value < 0.35:
            return "black"
        return "white" if colour.value > 0.85 else "grey"
    if colour.value < 0.62 and 10.0 <= colour.hue <= 45.0:
        return "brown"
    chromatic = [t for t in TARGETS.values() if t.hue is not None and t.name != "brown"]
    best = min(chromatic, key=lambda t: float(_hue_distance(colour.hue or 0.0, t.hue or 0.0)))
    return best.name


def needs_recolour(colour: DominantColour, target: str) -> bool:
    """Whether the art's colour contradicts ``target`` (a :data:`TARGETS` name)."""
    name = colour_name_of(colour)
    return name != target and frozenset((name, target)) not in _SAME


def recolour(rgba: np.ndarray, target: str, colour: DominantColour | None = None) -> np.ndarray:
    """The subject with its dominant colour family moved to ``target``; alpha unchanged."""
    if target not in TARGETS:
        raise InvalidInputError(f"unknown colour {target!r}; choose one of: {', '.join(TARGETS)}")
    goal = TARGETS[target]
    colour = colour or dominant_colour(rgba)
    hsv, alpha = _split(rgba)
    h, s, v = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    lit = np.clip((v - OUTLINE_VALUE) / 0.1, 0.0, 1.0)
    if colour.hue is not None:
        weight = np.clip((30.0 - _hue_distance(h, colour.hue)) / 12.0, 0.0, 1.0)
        weight *= np.clip((s - 0.12) / 0.12, 0.0, 1.0) * lit
    else:
        weight = np.clip((CHROMA_MIN + 0.05 - s) / 0.1, 0.0, 1.0) * lit
    weight *= alpha > 0
    out = hsv.copy()
    rel_v = np.clip(v / max(colour.value, 1e-3), 0.0, 1.6)  # shading relative to the family
    if goal.hue is not None:
        if colour.hue is not None:
            new_h = (h + (goal.hue - colour.hue)) % 360.0
            new_s = np.clip(s * (goal.saturation / max(colour.saturation, 1e-3)) ** 0.5, 0.0, 1.0)
        else:
            new_h = np.full_like(h, goal.hue)
            new_s = np.full_like(s, goal.saturation * 0.85)
        new_v = np.clip(rel_v * goal.value, 0.0, 1.0) if target == "brown" or colour.hue is None \
            else np.clip(v * (goal.value / max(colour.value, 1e-3)) ** 0.35, 0.0, 1.0)
        # the hue moves all the way where the weight is non-zero: a blend of two hues would be a third colour
        hue_w = weight > 0.02
        out[..., 0] = np.where(hue_w, new_h, h)
    else:
        new_s = s * 0.08
        new_v = np.clip(rel_v * goal.value, 0.0, 1.0) if target != "white" else np.clip(0.7 + 0.3 * rel_v, 0, 1)
        if target == "black":
            new_v = np.clip(0.10 + 0.12 * rel_v, 0.0, 1.0)
    out[..., 1] = s + weight * (new_s - s)
    out[..., 2] = v + weight * (new_v - v)
    rgb = np.clip(hsv_to_rgb(out) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    result = np.array(rgba, copy=True)
    result[..., :3] = rgb
    return result
