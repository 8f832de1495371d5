"""Frames that went through JPEG: edge alpha read from the luminance, then sharpened back (issue 24).

A drawing on cream paper saved as JPEG (quality ~75, the usual 4:2:0 chroma subsampling) keeps
its luminance at full resolution but its colour at half: a pale-blue edge on cream bleeds its
colour a pixel or two into the paper, and the quantised 8×8 blocks blur the luminance step too
and ring beside it (a paper pixel next to an outline a few units off the paper, the subject's
rim a few units off its fill). The steps that make a matte's edges exact on clean frames — the
colour guided filter (:mod:`~sticker_studio.core.matte.edge_refine`) and the edge alpha solved
from the colour (:mod:`~sticker_studio.core.matte.edge_colour`) — then follow the bleed: on the
real set's cream JPEG the alpha came out ~1 px too wide, with a faint halo (2–15 %) on the paper
beside every edge and the rim a few per cent short of opaque, whatever the subject (fox 42.3 dB
on white, 33.8 on cream JPEG).

On a frame found to be JPEG (:func:`jpeg_trace`: 8×8 block seams in the luminance *and* colour
softer than the luminance), those steps see the frame as JPEG keeps it (:func:`luma_weighted`:
the luminance, the colour at :data:`CHROMA_WEIGHT`), and the edge alpha is sharpened back by a
mild contrast stretch about ½ (:func:`sharpen_edges`), which undoes the ~1 px blur of a drawn
step edge and takes the ringing's few per cent to 0 or 1. Frames not found to be JPEG (PNG
drawings, the drawn packs) are untouched. numpy only.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: JPEG's YCbCr (ITU-R BT.601, full range)
_YCC = np.array([[0.299, 0.587, 0.114], [-0.168736, -0.331264, 0.5], [0.5, -0.418688, -0.081312]], np.float32)
#: a frame is JPEG when the luminance steps across 8-pixel block seams are at least this many times
#: those inside the blocks (PNG art: 0.75–1.37 on the real set, ≤ 1.12 on the drawn packs; cream
#: JPEG quality 75: ≥ 1.42) ...
BLOCK_SEAM_RATIO = 1.25
#: ...and its colour is softer than its luminance: the sharpness (second over first differences)
#: of Cb/Cr over that of Y is at most this (PNG: ≥ 0.77, most ~1.0; 4:2:0 JPEG: ≤ 0.88)
CHROMA_SHARPNESS_RATIO = 0.9
#: the weight of the colour (Cb, Cr) against the luminance in the guide of a JPEG frame
CHROMA_WEIGHT = 0.3
#: the least guide distance between subject and paper for the edge's colour to decide its alpha on a
#: JPEG frame (the luminance alone: a pale-blue skull on cream is ~27 units off the paper)
MIN_CONTRAST = 25.0
#: the contrast stretch of partial alpha about ½ on a JPEG frame (1 = none)
SHARPEN = 1.4
#: frames a clip's test reads (one is enough: a clip's frames come from one source)
TEST_FRAMES = 1


@dataclass(frozen=True)
class JpegTrace:
    """What :func:`jpeg_trace` measured: ``seams`` (block seam ratio), ``chroma`` (colour sharpness
    over luminance sharpness)."""

    seams: float
    chroma: float

    @property
    def compressed(self) -> bool:
        return self.seams >= BLOCK_SEAM_RATIO and self.chroma <= CHROMA_SHARPNESS_RATIO


def _seam_ratio(y: np.ndarray) -> float:
    """The smaller over both axes of: mean small luminance step across column (row) 8k-1|8k over the
    median of those at the seven other offsets. Steps are clipped at 8 grey levels: drawn edges
    fall anywhere, block seams are small."""
    ratios = []
    for d in (np.abs(np.diff(y, axis=1)), np.abs(np.diff(y, axis=0)).T):
        per_col = np.minimum(d, 8.0).mean(axis=0)
        n = (per_col.size // 8) * 8
        if n < 16:
            return 1.0
        by_offset = per_col[:n].reshape(-1, 8).mean(axis=0)
        ratios.append(float((by_offset[7] + 1e-3) / (np.median(by_offset[:7]) + 1e-3)))
    return min(ratios)


def _sharpness(ch: np.ndarray) -> tuple[float, float]:
    """(sum |second difference| / sum |first difference|, sum |first difference|) over both axes."""
    s1 = s2 = 0.0
    for ax in (0, 1):
        s1 += float(np.abs(np.diff(ch, axis=ax)).sum())
        s2 += float(np.abs(np.diff(ch, n=2, axis=ax)).sum())
    return s2 / max(s1, 1e-6), s1


def jpeg_trace(frames: np.ndarray) -> JpegTrace:
    """The JPEG evidence of (N, H, W, 3) or (H, W, 3) uint8 frames: the median over the first
    :data:`TEST_FRAMES` of the block seam ratio and of the colour-over-luminance sharpness."""
    f = frames[None] if frames.ndim == 3 else frames
    seams, chroma = [], []
    for frame in f[:TEST_FRAMES]:
        r, g, b = (frame[..., k].astype(np.float32) for k in range(3))
        ycc = [r * m[0] + g * m[1] + b * m[2] for m in _YCC]  # channel by channel: faster than a matmul
        seams.append(_seam_ratio(ycc[0]))
        sy, _ = _sharpness(ycc[0])
        parts = [_sharpness(ycc[k]) for k in (1, 2)]
        energy = sum(e for _, e in parts)
        sc = sum(s * e for s, e in parts) / energy if energy > 0 else sy
        chroma.append(sc / max(sy, 1e-6))
    return JpegTrace(float(np.median(seams)), float(np.median(chroma)))


def luma_weighted(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` (…, 3) uint8 as a guide (…, 3) uint8 that sees colour as JPEG keeps it: the
    luminance Y, and Cb, Cr at :data:`CHROMA_WEIGHT` about 128. Channel by channel (a matrix
    product over a 3-long axis is ~8× slower in numpy)."""
    r, g, b = (rgb[..., k].astype(np.float32) for k in range(3))
    out = np.empty(rgb.shape[:-1] + (3,), np.uint8)
    for k in range(3):
        row = _YCC[k] * (1.0 if k == 0 else CHROMA_WEIGHT)
        ch = r * row[0]
        ch += g * row[1]
        ch += b * row[2]
        ch += 0.5 if k == 0 else 128.5
        np.clip(ch, 0.0, 255.0, out=ch)
        out[..., k] = ch  # truncation after +0.5: rounding
    return out


def luma_weighted_colour(colour: np.ndarray) -> np.ndarray:
    """A colour (3,) in [0, 1] (the paper) in :func:`luma_weighted`'s space, in [0, 1]."""
    c = np.asarray(colour, np.float32) * 255.0
    ycc = _YCC @ c
    ycc[1:] = ycc[1:] * CHROMA_WEIGHT + 128.0
    out: np.ndarray = np.clip(ycc, 0.0, 255.0) / 255.0
    return out


def sharpen_edges(alpha: np.ndarray, factor: float = SHARPEN) -> np.ndarray:
    """``alpha`` with every partial value stretched about ½ by ``factor`` (clipped to [0, 1])."""
    out = alpha.astype(np.float32, copy=True)
    partial = (out > 0.0) & (out < 1.0)
    out[partial] = np.clip((out[partial] - 0.5) * factor + 0.5, 0.0, 1.0)
    return out
