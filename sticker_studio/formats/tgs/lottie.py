"""Write Lottie JSON for Telegram: one shape layer of filled paths, transform keyframes, gzip.

Only what Telegram's player allows is written: a shape layer (``ty`` 4) holding groups of
bezier paths (``sh``) with a solid fill (``fl``) and an identity group transform, and a
layer transform (anchor, position, scale, rotation, opacity) whose animated channels are
linear keyframes. A channel sampled once per frame is thinned to the fewest keyframes whose
linear interpolation stays within a tolerance of every sample (:func:`thin_keyframes`),
so an easing curve costs keyframes only where it bends.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from sticker_studio.formats.tgs.trace import SubPath, TracedPath

CANVAS = 512
FPS = 60
LOTTIE_VERSION = "5.5.2"

#: Largest allowed deviation of a thinned channel from its per-frame samples.
TOLERANCES: dict[str, float] = {"p": 0.05, "a": 0.05, "s": 0.05, "r": 0.02, "o": 0.5}
_DECIMALS: dict[str, int] = {"p": 2, "a": 2, "s": 2, "r": 2, "o": 1}


@dataclass(frozen=True)
class Channels:
    """Per-frame values of the layer transform: ``anchor``/``position`` (n, 2) canvas px,
    ``scale`` (n, 2) percent, ``rotation`` (n,) degrees clockwise, ``opacity`` (n,) percent."""

    anchor: np.ndarray
    position: np.ndarray
    scale: np.ndarray
    rotation: np.ndarray
    opacity: np.ndarray

    @property
    def frames(self) -> int:
        return int(len(self.position))


def thin_keyframes(values: np.ndarray, tolerance: float) -> list[int]:
    """Indices of the samples to keep so linear interpolation is within ``tolerance`` everywhere."""
    vals = np.asarray(values, np.float64).reshape(len(values), -1)
    n = len(vals)
    if n <= 2:
        return list(range(n))
    keep = {0, n - 1}
    stack = [(0, n - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        t = (np.arange(a + 1, b) - a) / (b - a)
        line = vals[a] + (vals[b] - vals[a]) * t[:, None]
        err = np.abs(vals[a + 1:b] - line).max(axis=1)
        worst = int(np.argmax(err))
        if err[worst] > tolerance:
            m = a + 1 + worst
            keep.add(m)
            stack += [(a, m), (m, b)]
    return sorted(keep)


def interpolate_keys(keys: Sequence[int], values: np.ndarray, n: int) -> np.ndarray:
    """What a player shows at frames 0..n-1 from keyframes ``keys`` (linear, held past the ends)."""
    vals = np.asarray(values, np.float64).reshape(len(values), -1)
    idx = np.asarray(keys)
    out = np.stack([np.interp(np.arange(n), idx, vals[idx, d]) for d in range(vals.shape[1])], axis=1)
    return out


def _num(x: float, decimals: int) -> float | int:
    r = round(float(x), decimals)
    return int(r) if r == int(r) else r


def animated_property(values: np.ndarray, kind: str) -> tuple[dict[str, Any], np.ndarray]:
    """A Lottie property for per-frame ``values`` and what a player will show at each frame."""
    vals = np.asarray(values, np.float64)
    flat = vals.reshape(len(vals), -1)
    dec = _DECIMALS[kind]
    rounded = np.round(flat, dec)
    n = len(flat)
    if np.all(np.abs(rounded - rounded[0]) <= TOLERANCES[kind]):
        k = [_num(v, dec) for v in rounded[0]]
        return {"a": 0, "k": k if flat.shape[1] > 1 else k[0]}, np.repeat(rounded[:1], n, axis=0)
    keys = thin_keyframes(rounded, TOLERANCES[kind])
    frames = []
    for j, f in enumerate(keys):
        s = [_num(v, dec) for v in rounded[f]]
        key: dict[str, Any] = {"t": int(f), "s": s}
        if j < len(keys) - 1:
            key["i"] = {"x": [1], "y": [1]}
            key["o"] = {"x": [0], "y": [0]}
        frames.append(key)
    return {"a": 1, "k": frames}, interpolate_keys(keys, rounded, n)


def _static(value: Any) -> dict[str, Any]:
    return {"a": 0, "k": value}


def _shape(sub: SubPath, decimals: int) -> dict[str, Any]:
    v = [[_num(x, decimals), _num(y, decimals)] for x, y in sub.vertices]
    i = [[_num(x, decimals), _num(y, decimals)] for x, y in sub.in_tangents]
    o = [[_num(x, decimals), _num(y, decimals)] for x, y in sub.out_tangents]
    return {"c": True, "v": v, "i": i, "o": o}


def shape_groups(paths: Sequence[TracedPath], decimals: int,
                 keyed: Sequence[tuple[int, Sequence[TracedPath]]] = ()) -> list[dict[str, Any]]:
    """Lottie groups for traced paths (input paint order: later on top; Lottie lists the top first).

    ``keyed`` (frame, the same paths moved) animates every path's vertices with linear
    keyframes (a mesh warp); empty: static paths.
    """
    groups = []
    n = len(paths)
    for index in range(n - 1, -1, -1):
        path = paths[index]
        items: list[dict[str, Any]] = []
        for j, sub in enumerate(path.subpaths):
            if not keyed:
                items.append({"ty": "sh", "ks": _static(_shape(sub, decimals))})
                continue
            keys: list[dict[str, Any]] = []
            for m, (frame, moved) in enumerate(keyed):
                key: dict[str, Any] = {"t": int(frame), "s": [_shape(moved[index].subpaths[j], decimals)]}
                if m < len(keyed) - 1:
                    key["i"] = {"x": [1], "y": [1]}
                    key["o"] = {"x": [0], "y": [0]}
                keys.append(key)
            items.append({"ty": "sh", "ks": {"a": 1, "k": keys}})
        r, g, b = (round(c / 255.0, 3) for c in path.color)
        items.append({"ty": "fl", "c": _static([r, g, b, 1]), "o": _static(100), "r": 1})
        items.append({"ty": "tr", "p": _static([0, 0]), "a": _static([0, 0]), "s": _static([100, 100]),
                      "r": _static(0), "o": _static(100)})
        groups.append({"ty": "gr", "it": items})
    return groups


@dataclass(frozen=True)
class LayerTransform:
    """The layer's ``ks`` object and the values a player shows at every frame."""

    ks: dict[str, Any]
    shown: Channels


def layer_transform(channels: Channels) -> LayerTransform:
    a, a_shown = animated_property(channels.anchor, "a")
    p, p_shown = animated_property(channels.position, "p")
    s, s_shown = animated_property(channels.scale, "s")
    r, r_shown = animated_property(channels.rotation, "r")
    o, o_shown = animated_property(channels.opacity, "o")
    shown = Channels(a_shown, p_shown, s_shown, r_shown[:, 0], o_shown[:, 0])
    return LayerTransform({"a": a, "p": p, "s": s, "r": r, "o": o}, shown)


def lottie_document(groups: list[dict[str, Any]], transform: LayerTransform, frames: int,
                    name: str = "sticker") -> dict[str, Any]:
    """A complete Telegram-style Lottie document (``tgs: 1``, 512x512, 60 fps, one shape layer)."""
    layer = {"ddd": 0, "ind": 1, "ty": 4, "nm": "subject", "sr": 1, "ks": transform.ks, "ao": 0,
             "shapes": groups, "ip": 0, "op": frames, "st": 0, "bm": 0}
    return {"tgs": 1, "v": LOTTIE_VERSION, "fr": FPS, "ip": 0, "op": frames, "w": CANVAS, "h": CANVAS,
            "nm": name, "ddd": 0, "assets": [], "layers": [layer]}


def encode_json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode("ascii")


def gzip_bytes(raw: bytes) -> bytes:
    """Deterministic gzip (no file name, mtime 0), best compression."""
    return gzip.compress(raw, compresslevel=9, mtime=0)
