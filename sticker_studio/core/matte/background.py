"""Remove a flat background from a drawing that has no alpha (a JPEG on white, a scan).

The colour key floods from the image border through pixels close to the background
colour, so only background *connected to the border* goes: a white belly inside a
black outline stays opaque. Edge pixels are un-mixed against the local foreground
colour (C = a*F + (1-a)*B solved for a), which gives anti-aliased alpha and a
decontaminated edge colour, so the cut-out shows no white fringe on a dark chat.

This is the fallback the CLI and GUI use until (or where) the matting head is not
available; it cannot open enclosed background holes (a ring's hole stays filled).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sticker_studio.core.errors import InvalidInputError

#: Fewer than this share of border pixels near one colour -> the background is not flat.
MIN_FLAT_BORDER_SHARE = 0.5
#: Un-mixed alpha below this is compression noise around edges and is dropped.
NOISE_ALPHA = 0.08
#: How many pixels inside the subject's outline are treated as anti-aliased edge.
EDGE_RING = 2


@dataclass(frozen=True)
class ColorKeyResult:
    """The cut-out plus what the key decided (for messages and tests)."""

    rgba: np.ndarray
    background: tuple[int, int, int]
    low: float
    high: float
    removed_share: float


def has_useful_alpha(rgba: np.ndarray) -> bool:
    """True when the image has an alpha channel that actually cuts something out.

    A PNG saved with an all-opaque alpha (or a few stray pixels) is treated as having
    none, so it still gets its background removed.
    """
    arr = np.asarray(rgba)
    if arr.ndim != 3 or arr.shape[2] != 4:
        return False
    alpha = arr[..., 3]
    transparent_share = float(np.count_nonzero(alpha < 250)) / alpha.size
    return transparent_share >= 0.005 and bool((alpha > 5).any())


def remove_background_colorkey(rgb_or_rgba: np.ndarray, tolerance: float | None = None) -> np.ndarray:
    """RGBA cut-out of a subject on a flat (or near-flat, e.g. JPEG-noisy) background."""
    return colorkey(rgb_or_rgba, tolerance).rgba


def colorkey(rgb_or_rgba: np.ndarray, tolerance: float | None = None) -> ColorKeyResult:
    """The colour key with its diagnostics; see :func:`remove_background_colorkey`.

    ``tolerance`` is the RGB distance (0-441) below which a border-connected pixel is
    at least partly background; by default it adapts to the border's noise.
    """
    arr = np.asarray(rgb_or_rgba)
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise InvalidInputError(f"expected an RGB or RGBA uint8 image, got {arr.dtype} {arr.shape}")
    h, w = arr.shape[:2]
    if h < 3 or w < 3:
        raise InvalidInputError("the image is too small to find its background")
    rgb = arr[..., :3].astype(np.float32)
    border = np.concatenate([rgb[0], rgb[-1], rgb[1:-1, 0], rgb[1:-1, -1]])
    bg = np.median(border, axis=0)
    border_d = np.linalg.norm(border - bg, axis=1)
    noise = float(np.percentile(border_d, 75))
    low = min(24.0, max(8.0, 2.5 * noise))  # a noisy (JPEG) border widens the fully-clear range
    high = float(tolerance) if tolerance is not None else max(low + 40.0, 56.0)
    low = min(low, 0.6 * high)
    if float(np.mean(border_d < high)) < MIN_FLAT_BORDER_SHARE:
        raise InvalidInputError(
            "the background is not a flat colour, so the colour key cannot remove it; "
            "use an image with transparency or the matting model"
        )

    dist = np.linalg.norm(rgb - bg, axis=2)
    candidate = dist < high
    seeds = np.zeros_like(candidate)
    seeds[0, :] = seeds[-1, :] = True
    seeds[:, 0] = seeds[:, -1] = True
    background = flood_fill(candidate, seeds & candidate)

    alpha = np.ones((h, w), np.float32)
    colour = rgb.copy()
    clear = background & (dist <= low)
    alpha[clear] = 0.0
    band = background & ~clear  # near-background pixels touching the background: partly subject
    grown = background
    for _ in range(EDGE_RING):
        grown = grown | _shift(grown, 1, 0) | _shift(grown, -1, 0) | _shift(grown, 0, 1) | _shift(grown, 0, -1)
    ring = grown & ~background  # the subject's outermost pixels: anti-aliased against the background
    edge = band | ring
    if edge.any():
        core = ~background & ~ring
        fg_colour, found = _spread_foreground(rgb, core, edge, steps=EDGE_RING + 3)
        bgv = bg.astype(np.float32)
        fb = fg_colour - bgv
        fb2 = np.sum(fb * fb, axis=2)
        unmixed = np.clip(np.sum((rgb - bgv) * fb, axis=2) / np.maximum(fb2, 1e-6), 0.0, 1.0)
        use_unmix = edge & found & (fb2 > high**2)
        ramp = _smoothstep((dist - low) / max(1e-6, high - low))
        # Without a usable foreground colour: keep subject pixels, and drop near-background
        # pixels far from any subject (JPEG ringing), ramp the rest.
        fallback = np.where(ring, 1.0, np.where(found, ramp, 0.0))
        a = np.where(use_unmix, unmixed, fallback).astype(np.float32)
        a = np.where(a < NOISE_ALPHA, 0.0, a)
        alpha[edge] = a[edge]
        # Decontaminate: the un-mixed colour (C - (1-a)B)/a, or the local foreground where a is small.
        safe_a = np.maximum(a, 1e-3)[..., None]
        solved = np.clip((rgb - (1.0 - a)[..., None] * bgv) / safe_a, 0.0, 255.0)
        pick = np.where((use_unmix & (a < 0.5))[..., None], fg_colour, solved)
        colour[edge] = pick[edge]
    alpha_u8 = (np.clip(alpha, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    colour_u8 = (np.clip(colour, 0.0, 255.0) + 0.5).astype(np.uint8)
    colour_u8[alpha_u8 == 0] = 0
    if arr.shape[2] == 4:  # keep any transparency the file already had
        alpha_u8 = np.minimum(alpha_u8, arr[..., 3])
    rgba = np.dstack([colour_u8, alpha_u8])
    return ColorKeyResult(
        rgba=rgba,
        background=tuple(int(round(float(c))) for c in bg),  # type: ignore[arg-type]
        low=low,
        high=high,
        removed_share=float(np.mean(alpha_u8 < 128)),
    )


def flood_fill(mask: np.ndarray, seeds: np.ndarray) -> np.ndarray:
    """Pixels of ``mask`` 4-connected to ``seeds``.

    Vectorised by runs: a whole row run (then column run) of the mask is reached as
    soon as one of its pixels is; alternating passes converge in a handful of sweeps
    for drawings, far faster than a per-pixel queue in Python.
    """
    reached = seeds & mask
    while True:
        before = int(np.count_nonzero(reached))
        reached = _propagate_rows(mask, reached)
        reached = _propagate_rows(mask.T, reached.T).T
        if int(np.count_nonzero(reached)) == before:
            return reached


def _propagate_rows(mask: np.ndarray, reached: np.ndarray) -> np.ndarray:
    h, w = mask.shape
    m = np.zeros((h, w + 1), bool)
    m[:, :w] = mask
    flat = m.ravel()
    starts = flat & ~np.concatenate([[False], flat[:-1]])
    run_id = np.cumsum(starts) * flat
    r = np.zeros((h, w + 1), bool)
    r[:, :w] = reached
    hit = np.zeros(int(run_id.max()) + 1, bool)
    hit[run_id[r.ravel()]] = True
    hit[0] = False
    return hit[run_id].reshape(h, w + 1)[:, :w]


def _spread_foreground(
    rgb: np.ndarray, known: np.ndarray, want: np.ndarray, steps: int
) -> tuple[np.ndarray, np.ndarray]:
    """Local foreground colour for ``want`` pixels: the mean of known neighbours, grown ``steps`` pixels."""
    colour = np.where(known[..., None], rgb, 0.0).astype(np.float32)
    have = known.copy()
    for _ in range(steps):
        todo = want & ~have
        if not todo.any():
            break
        total = np.zeros_like(colour)
        count = np.zeros(have.shape, np.float32)
        for dy in (-1, 0, 1):
            for dx in (-1, 0, 1):
                if dy == 0 and dx == 0:
                    continue
                shifted_have = _shift(have, dy, dx)
                total += _shift(colour, dy, dx) * shifted_have[..., None]
                count += shifted_have
        newly = todo & (count > 0)
        colour[newly] = total[newly] / count[newly][..., None]
        have = have | newly
    return colour, have & want


def _shift(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    out = np.zeros_like(a)
    h, w = a.shape[:2]
    ys = slice(max(0, dy), h + min(0, dy))
    yd = slice(max(0, -dy), h + min(0, -dy))
    xs = slice(max(0, dx), w + min(0, dx))
    xd = slice(max(0, -dx), w + min(0, -dx))
    out[ys, xs] = a[yd, xd]
    return out


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


# --- paper texture (issue 24) ---------------------------------------------------------------------------------
#: local-grain window (pixels at 512²): the standard deviation of luminance over this square
GRAIN_WINDOW_512 = 5
#: a border whose median grain is below this (grey levels) is smooth: no texture test
MIN_PAPER_GRAIN = 0.8
#: a pixel shows the paper's texture when its grain is at least this share of the paper's
PAPER_GRAIN_SHARE = 0.4
#: ...and the texture holds over this window (pixels at 512²), most of it
PAPER_AREA_512 = 9
#: a paper with "flat fills" on more than this share of the frame's border is no textured paper to trust
MAX_FLAT_BORDER = 0.01


def local_grain(rgb: np.ndarray, side: int | None = None) -> np.ndarray:
    """(H, W) float32: the standard deviation of luminance over a small square around each pixel of
    an (H, W, 3) frame — paper's fibres and grain are a few grey levels, a drawn fill is flat (0).
    ``side``: the whole frame's longer side when ``rgb`` is a crop of it (the window scales with it)."""
    from scipy import ndimage

    g = rgb[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32)
    size = max(3, int(round(GRAIN_WINDOW_512 * (side or max(g.shape)) / 512)) | 1)
    m = ndimage.uniform_filter(g, size)
    v = ndimage.uniform_filter(g * g, size) - m * m
    return np.sqrt(np.maximum(v, 0.0)).astype(np.float32)


def paper_grain(frames: np.ndarray) -> float:
    """The median grain (:func:`local_grain`) of the frames' border ring, 2 px in: the paper's own."""
    f = frames[None] if frames.ndim == 3 else frames
    values = []
    for frame in f[: min(len(f), 4)]:
        g = local_grain(frame)
        values.append(np.concatenate([g[2], g[-3], g[2:-2, 2], g[2:-2, -3]]))
    return float(np.median(np.concatenate(values)))


def grainy(rgb: np.ndarray, grain: float) -> np.ndarray:
    """(H, W) bool: pixels whose :func:`local_grain` is at least :data:`PAPER_GRAIN_SHARE` of the paper's."""
    out: np.ndarray = local_grain(rgb) >= PAPER_GRAIN_SHARE * grain
    return out


def paper_like(rgb: np.ndarray, grain: float) -> np.ndarray | None:
    """(H, W) bool: the pixels that may be paper on textured paper — all but the flat fills drawn on
    it. ``None`` on smooth paper (no test): there a drawn white fill and the paper look the same, but
    on textured paper a hole shows the paper's fibres and a pale fill drawn on it is flat. A flat
    fill is a patch (at least ~:data:`PAPER_AREA_512`² / 3 pixels at 512²) of pixels whose
    :func:`local_grain` is under :data:`PAPER_GRAIN_SHARE` of the paper's ``grain``, grown by the
    grain window's half-width (the window blurs it that far in)."""
    from scipy import ndimage

    if grain < MIN_PAPER_GRAIN:
        return None
    scale = max(rgb.shape[:2]) / 512
    flat = local_grain(rgb) < PAPER_GRAIN_SHARE * grain
    labels, count = ndimage.label(flat)
    if count == 0:
        return np.ones(flat.shape, bool)
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    big = sizes >= max(4, int(PAPER_AREA_512 * PAPER_AREA_512 * scale * scale / 3))
    big[0] = False
    half = max(1, int(round(GRAIN_WINDOW_512 * scale)) // 2)
    fills = ndimage.binary_dilation(big[labels], iterations=half)
    ring = np.concatenate([fills[0], fills[-1], fills[1:-1, 0], fills[1:-1, -1]])
    if float(np.mean(ring)) > MAX_FLAT_BORDER:
        return None  # the paper itself has flat patches (blurred, compressed, printed): no texture test
    out: np.ndarray = ~fills
    return out
