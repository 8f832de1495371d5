"""Keyframes by clustering frame features (RDTF's frame extraction).

RDTF raises the information density of a clip by clustering its frames and keeping
one frame per cluster, in temporal order: the authors' code uses VGG-16 features,
KMeans (k=4 by default, a random k in [3, 8] in the paper) and keeps the *first*
frame of each cluster. No VGG weights are available offline, so the feature here is a
cheap deterministic stand-in that still separates poses: the clip downsampled to a
16x16 premultiplied RGBA grid (layout and silhouette) plus an alpha-weighted
4x4x4 colour histogram (what is visible). KMeans runs with a fixed seed, so the same
clip always yields the same keyframes.

The dataset stores all (subsampled) frames and the keyframe indices for every k in
[3, 8] (``record.extra["keyframes"]``), like RDTF's training JSON stores
``keyframe_idx``; the trainer picks k at random per sample.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence

import numpy as np

from sticker_studio.core.errors import InvalidInputError

#: The k values the paper samples from.
K_RANGE: tuple[int, ...] = (3, 4, 5, 6, 7, 8)
GRID = 16
HIST_BINS = 4


def _block_mean(plane: np.ndarray, grid: int) -> np.ndarray:
    """Area-average an ``(N, H, W, C)`` float array down to ``(N, grid, grid, C)``."""
    n, h, w, c = plane.shape
    ys = np.linspace(0, h, grid + 1).astype(int)
    xs = np.linspace(0, w, grid + 1).astype(int)
    if h % grid == 0 and w % grid == 0:
        return plane.reshape(n, grid, h // grid, grid, w // grid, c).mean(axis=(2, 4))
    out = np.empty((n, grid, grid, c), np.float32)
    for i in range(grid):
        for j in range(grid):
            cell = plane[:, ys[i]:max(ys[i + 1], ys[i] + 1), xs[j]:max(xs[j + 1], xs[j] + 1)]
            out[:, i, j] = cell.mean(axis=(1, 2))
    return out


def frame_features(frames: np.ndarray | Sequence[np.ndarray], grid: int = GRID, bins: int = HIST_BINS) -> np.ndarray:
    """One feature row per frame: premultiplied RGBA on a ``grid``² lattice + a colour histogram.

    ``frames`` is ``(N, H, W, 4)`` uint8. Both parts lie in [0, 1]; the histogram is
    scaled so it weighs about as much as the pixel part.
    """
    arr = np.asarray(np.stack(list(frames)) if not isinstance(frames, np.ndarray) else frames)
    if arr.ndim != 4 or arr.shape[-1] != 4 or arr.dtype != np.uint8:
        raise InvalidInputError(f"expected (N, H, W, 4) uint8 frames, got {arr.shape} {arr.dtype}")
    f = arr.astype(np.float32) / 255.0
    f[..., :3] *= f[..., 3:4]
    pixels = _block_mean(f, min(grid, arr.shape[1], arr.shape[2])).reshape(len(arr), -1)
    alpha = arr[..., 3].astype(np.float32) / 255.0
    q = (arr[..., :3].astype(np.int32) * bins) // 256
    bin_index = (q[..., 0] * bins + q[..., 1]) * bins + q[..., 2]
    hist = np.zeros((len(arr), bins ** 3), np.float32)
    for i in range(len(arr)):
        hist[i] = np.bincount(bin_index[i].ravel(), weights=alpha[i].ravel(), minlength=bins ** 3)
        total = hist[i].sum()
        if total > 0:
            hist[i] /= total
    hist *= np.sqrt(pixels.shape[1] / hist.shape[1])
    return np.concatenate([pixels, hist], axis=1)


def cluster_keyframes(features: np.ndarray, k: int, seed: int = 0) -> list[int]:
    """Indices of ``k`` keyframes: KMeans on the rows, first frame of each cluster, sorted.

    A clip with fewer than ``k`` distinct frames gives one frame per distinct look (so
    a still gives ``[0]``); frame 0 is always included, since its cluster starts there.
    """
    from sklearn.cluster import KMeans

    n = len(features)
    if n == 0:
        raise InvalidInputError("a clip with no frames has no keyframes")
    if k < 1:
        raise InvalidInputError(f"k must be >= 1, got {k}")
    distinct = count_distinct_rows(features)
    k_eff = min(k, n, distinct)
    if k_eff >= n:
        return list(range(n))
    if k_eff <= 1:
        return [0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        labels = KMeans(n_clusters=k_eff, n_init=3, random_state=seed).fit_predict(features.astype(np.float64))
    firsts: dict[int, int] = {}
    for index, label in enumerate(labels):
        firsts.setdefault(int(label), index)
    return sorted(firsts.values())


def count_distinct_rows(features: np.ndarray) -> int:
    """How many different feature rows there are (rounded to 1e-6; hashing rows is far
    cheaper than ``np.unique(axis=0)``, which sorts structured copies)."""
    rounded = np.ascontiguousarray(np.round(np.asarray(features, np.float64), 6))
    return len({row.tobytes() for row in rounded})


def keyframes_for_ks(features: np.ndarray, ks: Iterable[int] = K_RANGE, seed: int = 0) -> dict[str, list[int]]:
    """``{"3": [...], ..., "8": [...]}``: keyframes for every k (string keys, as stored in JSON)."""
    return {str(k): cluster_keyframes(features, k, seed) for k in ks}


def default_k(frame_count: int) -> int:
    """A k for a clip of ``frame_count`` frames when no random k is wanted: one per ~6 frames, in [3, 8]."""
    return int(min(K_RANGE[-1], max(K_RANGE[0], round(frame_count / 6))))


def select_keyframes(keyframes: dict[str, list[int]], k: int) -> list[int]:
    """The stored keyframes for ``k`` (the nearest stored k if that one is absent)."""
    if not keyframes:
        raise InvalidInputError("the record stores no keyframes")
    if str(k) in keyframes:
        return list(keyframes[str(k)])
    nearest = min(keyframes, key=lambda key: abs(int(key) - k))
    return list(keyframes[nearest])
