"""Two library subjects in one sticker, and the small variations a seed picks.

:func:`compose_pair` lays a second subject out against the main one by their
:class:`~sticker_studio.core.text.prompt_match.Relation`, on a square canvas, both cropped to
their visible pixels first so the sizes are the drawings' own:

* **riding / on** — the second subject (a bicycle, a skateboard) full width at the
  bottom, the main one 64 % as wide standing on it, sunk 35 % of the vehicle's height
  into it and drawn in front;
* **holding** — the main subject 78 % of the canvas, the prop 40 % in front of its lower
  right (lower left when it faces left: its head is on the left), overlapping it by a
  third of the prop's width, drawn in front;
* **wearing, or "with" headwear** (hat, cap, crown, glasses...) — the prop 58 % of the
  main one's width on the top of its head (the widest part of its topmost tenth: a
  side-view dog's head, not its middle), overlapping it by 30 % of the prop's height;
  glasses a fifth of the way down the head instead;
* **with** anything else — beside, 45 %, lower right, a little overlap;
* **and** — two characters side by side, each 52 % of the canvas, the second mirrored
  to face the first, overlapping by 8 %, on one baseline.

Sizes are set so each part reads at 96-160 px (sticker size); the result is a still
RGBA that the motion step animates as one subject.

:func:`seed_variation` is what ``--seed`` changes besides the subject: a shade (hue
turn of up to 12°, lightness ±6 %), a mirror image, and the motion's amplitude.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sticker_studio.core.imageops import opaque_bbox, resize_rgba
from sticker_studio.core.text.prompt_match import Relation


@dataclass(frozen=True)
class Placement:
    """Where a part sits on the unit canvas: its box (x0, y0, width) and whether it is drawn in front."""

    x: float
    y: float
    width: float
    front: bool


def crop_visible(rgba: np.ndarray, threshold: int = 8) -> np.ndarray:
    box = opaque_bbox([rgba], threshold)
    if box is None:
        return rgba
    x0, y0, x1, y1 = box
    return rgba[y0:y1, x0:x1]


def _scaled(rgba: np.ndarray, width: float) -> np.ndarray:
    h, w = rgba.shape[:2]
    new_w = max(1, int(round(width)))
    new_h = max(1, int(round(h * new_w / max(1, w))))
    return resize_rgba(rgba, new_w, new_h)


def _paste(canvas: np.ndarray, part: np.ndarray, x: int, y: int) -> None:
    """Alpha-composite ``part`` (straight alpha) onto ``canvas`` at (x, y), clipped."""
    h, w = part.shape[:2]
    ch, cw = canvas.shape[:2]
    x0, y0, x1, y1 = max(0, x), max(0, y), min(cw, x + w), min(ch, y + h)
    if x1 <= x0 or y1 <= y0:
        return
    src = part[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.float32) / 255.0
    dst = canvas[y0:y1, x0:x1].astype(np.float32) / 255.0
    a_s, a_d = src[..., 3:4], dst[..., 3:4]
    a_o = a_s + a_d * (1.0 - a_s)
    rgb = (src[..., :3] * a_s + dst[..., :3] * a_d * (1.0 - a_s)) / np.maximum(a_o, 1e-6)
    canvas[y0:y1, x0:x1] = np.clip(np.concatenate([rgb, a_o], axis=-1) * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _head_top(rgba: np.ndarray) -> tuple[int, int]:
    """Where a hat goes: above the thickest part of the subject's top third (a side-view dog's head, not its
    raised tail), at the top of the subject there."""
    alpha = rgba[..., 3] > 32
    rows = np.flatnonzero(alpha.any(axis=1))
    if rows.size == 0:
        return rgba.shape[1] // 2, 0
    top = int(rows[0])
    band = alpha[top:top + max(2, int(0.33 * (rows[-1] - top + 1)))].sum(axis=0).astype(np.float64)
    window = max(1, int(0.25 * rgba.shape[1]))
    thick = np.convolve(band, np.ones(window) / window, mode="same")
    x = int(np.argmax(thick))
    lo, hi = max(0, x - window // 2), min(rgba.shape[1], x + window // 2 + 1)
    ys = np.flatnonzero(alpha[:, lo:hi].any(axis=1))
    return x, int(ys[0]) if ys.size else top


def _faces_left(rgba: np.ndarray) -> bool:
    """A side view with its head on the left (not a front view: those are near mirror-symmetric)."""
    alpha = rgba[..., 3] > 32
    mirrored = alpha[:, ::-1]
    symmetry = int(np.count_nonzero(alpha & mirrored)) / max(1, int(np.count_nonzero(alpha | mirrored)))
    return symmetry < 0.8 and _head_top(rgba)[0] < 0.35 * rgba.shape[1]


def compose_pair(main: np.ndarray, second: np.ndarray, relation: Relation, side: int,
                 headwear: bool = False, eyewear: bool = False) -> np.ndarray:
    """The two subjects on one ``side``² canvas, laid out by ``relation`` (module docstring)."""
    a, b = crop_visible(main), crop_visible(second)
    work = 2 * side  # lay out on a larger canvas, then fit the union back into ``side``
    canvas = np.zeros((work, work, 4), np.uint8)
    if relation in (Relation.RIDING, Relation.ON):
        vb = _scaled(b, 0.9 * side)
        va = _scaled(a, 0.64 * side)
        vy = work - vb.shape[0] - side // 4
        vx = (work - vb.shape[1]) // 2
        ay = vy - va.shape[0] + int(0.35 * vb.shape[0])
        ax = (work - va.shape[1]) // 2
        _paste(canvas, vb, vx, vy)
        _paste(canvas, va, ax, ay)
    elif relation is Relation.WEARING or (relation is Relation.WITH and headwear):
        va = _scaled(a, 0.78 * side)
        vb = _scaled(b, 0.58 * va.shape[1])
        ax = (work - va.shape[1]) // 2
        ay = work - va.shape[0] - side // 4
        top_x, top_y = _head_top(va)
        bx = ax + top_x - vb.shape[1] // 2
        by = ay + top_y - int(0.7 * vb.shape[0])
        if eyewear:  # glasses sit over the eyes, a fifth of the way down the head
            by = ay + top_y + int(0.2 * va.shape[0]) - vb.shape[0] // 2
        _paste(canvas, va, ax, ay)
        _paste(canvas, vb, bx, by)
    elif relation in (Relation.HOLDING, Relation.WITH):
        holding = relation is Relation.HOLDING
        va = _scaled(a, 0.78 * side)
        vb = _scaled(b, (0.40 if holding else 0.45) * side)
        ax = (work - va.shape[1]) // 2 - side // 10
        ay = work - va.shape[0] - side // 4
        overlap = (1 / 3 if holding else 0.15) * vb.shape[1]
        bx = int(ax + va.shape[1] - overlap)
        if _faces_left(va):  # its head is on the left: the prop goes in front of it
            ax += side // 5
            bx = int(ax - vb.shape[1] + overlap)
        by = ay + va.shape[0] - vb.shape[0] - (int(0.12 * va.shape[0]) if holding else 0)
        _paste(canvas, va, ax, ay)
        _paste(canvas, vb, bx, by)
    else:  # AND: side by side, the second mirrored to face the first
        va = _scaled(a, 0.52 * side)
        vb = _scaled(b[:, ::-1], 0.52 * side)
        base = work - side // 4
        gap = int(0.08 * side)
        total = va.shape[1] + vb.shape[1] - gap
        ax = (work - total) // 2
        _paste(canvas, vb, ax + va.shape[1] - gap, base - vb.shape[0])
        _paste(canvas, va, ax, base - va.shape[0])
    union = crop_visible(canvas)
    h, w = union.shape[:2]
    scale = side / max(h, w)
    fitted = resize_rgba(union, max(1, int(round(w * scale))), max(1, int(round(h * scale))))
    out = np.zeros((side, side, 4), np.uint8)
    out[(side - fitted.shape[0]) // 2:(side - fitted.shape[0]) // 2 + fitted.shape[0],
        (side - fitted.shape[1]) // 2:(side - fitted.shape[1]) // 2 + fitted.shape[1]] = fitted
    return out


@dataclass(frozen=True)
class SeedVariation:
    """What a seed changes on a library subject (seed 0: nothing)."""

    hue_degrees: float = 0.0
    lightness: float = 1.0
    mirror: bool = False
    amplitude: float = 1.0

    def describe(self) -> str:
        bits = []
        if self.hue_degrees:
            bits.append(f"shade {self.hue_degrees:+.0f}°")
        if self.mirror:
            bits.append("mirrored")
        if self.amplitude != 1.0:
            bits.append(f"motion ×{self.amplitude:.2f}")
        return ", ".join(bits) or "as drawn"


def seed_variation(seed: int) -> SeedVariation:
    """The shade, mirror and motion amplitude of ``seed`` (deterministic; 0 is the art as drawn)."""
    if seed == 0:
        return SeedVariation()
    rng = np.random.default_rng([int(seed), 0x5EED])
    return SeedVariation(hue_degrees=float(np.round(rng.uniform(-12.0, 12.0), 1)),
                         lightness=float(np.round(rng.uniform(0.94, 1.06), 3)),
                         mirror=bool(rng.random() < 0.5),
                         amplitude=float(np.round(rng.uniform(0.8, 1.25), 2)))


def apply_variation(rgba: np.ndarray, variation: SeedVariation) -> np.ndarray:
    """The subject with the variation's shade and mirror applied (alpha unchanged)."""
    from sticker_studio.core.recolour import hsv_to_rgb, rgb_to_hsv

    out = rgba[:, ::-1].copy() if variation.mirror else rgba.copy()
    if variation.hue_degrees or variation.lightness != 1.0:
        hsv = rgb_to_hsv(out[..., :3].astype(np.float64) / 255.0)
        hsv[..., 0] = (hsv[..., 0] + variation.hue_degrees) % 360.0
        hsv[..., 2] = np.clip(hsv[..., 2] * variation.lightness, 0.0, 1.0)
        out[..., :3] = np.clip(hsv_to_rgb(hsv) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return out
