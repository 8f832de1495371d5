"""Telegram's animated-sticker rules, checked on any ``.tgs`` file without rendering it.

Sources: core.telegram.org/animated_stickers (512x512, <= 3 s, 60 fps, <= 64 KB, objects
stay on the canvas, no expressions/masks/effects/images/solids/texts/3D/merge paths/stars/
gradient strokes/repeaters/time stretch/time remap/auto-orient/auto-bezier), the
sticker-convert uploader (<= 64,000 B at exactly 60 fps and 512x512) and tdesktop
(uncompressed JSON over 1 MiB is refused, skew is ignored).
"""

from __future__ import annotations

import gzip
import io
import json
import math
import zlib
from collections.abc import Iterator
from typing import Any

import numpy as np

TGS_MAX_BYTES = 64_000
MAX_DURATION_MS = 3000
TGS_FPS = 60
TGS_SIDE = 512
MAX_JSON_BYTES = 1024 * 1024
#: Largest file read (a hostile file is refused before it is decompressed).
MAX_READ_BYTES = 16 * 1024 * 1024
#: Deepest JSON nesting walked.
MAX_DEPTH = 64


#: Rule names this module reports (added to ``targets.RULES``).
TGS_RULES: dict[str, str] = {
    "tgs.json": "gzip of a Lottie JSON object, uncompressed at most 1 MiB",
    "tgs.fps": "frame rate exactly 60 fps",
    "tgs.forbidden": "no images, solids, texts, 3D, expressions, masks, mattes, effects, merge paths, stars,"
                     " gradient strokes, repeaters, skew, time stretch/remap, auto-orient",
    "tgs.on_canvas": "every shape stays inside the 512x512 canvas at every frame",
}

_FORBIDDEN_LAYER_TYPES = {1: "a solid layer", 2: "an image layer", 5: "a text layer"}
_FORBIDDEN_SHAPES = {"mm": "merge paths", "rp": "a repeater", "sr": "a star shape", "gs": "a gradient stroke"}


#: One broken rule: (stable rule name, what is wrong). ``formats.validate`` wraps these in
#: ``RuleViolation`` (this module does not import it, so validate may import this one).
Problem = tuple[str, str]


def _problem(rule: str, message: str) -> Problem:
    return (rule, message)


def read_lottie(data: bytes) -> tuple[dict[str, Any] | None, list[Problem]]:
    """The Lottie document inside a .tgs, or None and why it is not one."""
    if data[:2] != b"\x1f\x8b":
        return None, [_problem("container.format", "a .tgs is gzip-compressed Lottie JSON; this file is not gzip")]
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as fh:
            raw = fh.read(MAX_JSON_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        return None, [_problem("container.format", f"the gzip stream is damaged ({exc})")]
    if len(raw) > MAX_JSON_BYTES:
        return None, [_problem("tgs.json", f"the JSON inside is over {MAX_JSON_BYTES:,} B uncompressed;"
                                                " Telegram refuses it")]
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return None, [_problem("tgs.json", f"the content is not JSON ({str(exc)[:80]})")]
    if not isinstance(doc, dict) or not isinstance(doc.get("layers"), list):
        return None, [_problem("tgs.json", "the JSON is not a Lottie animation (no layers)")]
    return doc, []


def tgs_problems(data: bytes, max_bytes: int = TGS_MAX_BYTES) -> list[Problem]:
    """Every Telegram rule the .tgs ``data`` breaks, as (rule, message) (empty = valid)."""
    out: list[Problem] = []
    if len(data) > max_bytes:
        out.append(_problem("bytes.max", f"{len(data):,} B is over the {max_bytes:,} B limit"))
    doc, problems = read_lottie(data)
    if doc is None:
        return out + problems
    if doc.get("tgs") != 1:
        out.append(_problem("tgs.json", "the Lottie JSON lacks Telegram's \"tgs\": 1 marker"))
    w, h, fr, ip, op = (doc.get(k) for k in ("w", "h", "fr", "ip", "op"))
    nums = {k: float(v) for k, v in (("fr", fr), ("ip", ip), ("op", op)) if isinstance(v, (int, float)) and _is_num(v)}
    if (w, h) != (TGS_SIDE, TGS_SIDE):
        out.append(_problem("size.canvas", f"{w}x{h} is not exactly {TGS_SIDE}x{TGS_SIDE}"))
    if not _is_num(fr) or fr != TGS_FPS:
        out.append(_problem("tgs.fps", f"frame rate {fr} is not {TGS_FPS} fps"))
    if len(nums) < 3 or nums["fr"] <= 0 or nums["op"] <= nums["ip"]:
        out.append(_problem("tgs.json", f"in/out points ip={ip}, op={op} do not make an animation"))
    else:
        ms = (nums["op"] - nums["ip"]) * 1000.0 / nums["fr"]
        if ms > MAX_DURATION_MS + 1e-6:
            out.append(_problem("duration.max", f"loop is {ms:.0f} ms, over {MAX_DURATION_MS} ms"))
    forbidden = sorted(set(forbidden_features(doc)))
    if forbidden:
        out.append(_problem("tgs.forbidden", "uses " + ", ".join(forbidden[:6])
                                 + (f" and {len(forbidden) - 6} more" if len(forbidden) > 6 else "")))
    if not any(rule in ("tgs.json", "tgs.forbidden") for rule, _ in out) and _is_num(ip) and _is_num(op):
        off = off_canvas(doc)
        if off is not None:
            out.append(_problem("tgs.on_canvas", off))
    return out


def _is_num(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def _walk(node: Any, depth: int = 0) -> Iterator[dict[str, Any]]:
    if depth > MAX_DEPTH:
        return
    if isinstance(node, dict):
        yield node
        for v in node.values():
            yield from _walk(v, depth + 1)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, depth + 1)


def forbidden_features(doc: dict[str, Any]) -> Iterator[str]:
    """Names of the After Effects features in ``doc`` that Telegram's player does not allow."""
    for asset in doc.get("assets") or []:
        if isinstance(asset, dict) and ("p" in asset or "u" in asset) and "layers" not in asset:
            yield "an embedded image"
    for node in _walk(doc):
        if isinstance(node.get("x"), str):
            yield "expressions"
        ty = node.get("ty")
        if "ks" in node and "ind" in node or "shapes" in node or "refId" in node:  # a layer
            if isinstance(ty, int) and ty in _FORBIDDEN_LAYER_TYPES:
                yield _FORBIDDEN_LAYER_TYPES[ty]
            if node.get("ddd") == 1:
                yield "a 3D layer"
            if node.get("hasMask") or node.get("masksProperties"):
                yield "masks"
            if node.get("ef"):
                yield "layer effects"
            if node.get("tt") or node.get("td"):
                yield "track mattes"
            if "tm" in node:
                yield "time remapping"
            if _is_num(node.get("sr")) and node.get("sr") != 1:
                yield "time stretching"
            if node.get("ao") == 1:
                yield "auto-oriented layers"
        elif isinstance(ty, str):
            if ty in _FORBIDDEN_SHAPES:
                yield _FORBIDDEN_SHAPES[ty]
            if ty == "tr" and _nonzero(node.get("sk")):
                yield "skew"
        if "sk" in node and "ty" not in node and _nonzero(node.get("sk")):
            yield "skew"
    if doc.get("ddd") == 1:
        yield "3D"


def _nonzero(prop: Any) -> bool:
    if not isinstance(prop, dict):
        return False
    k = prop.get("k")
    if _is_num(k):
        return bool(k)
    if isinstance(k, list):
        for key in k:
            vals = key.get("s") if isinstance(key, dict) else key
            if isinstance(vals, list) and any(_is_num(v) and v for v in vals) or _is_num(vals) and vals:
                return True
    return False


# ------------------------------------------------------------------------ on-canvas check
def value_at(prop: Any, frame: float, default: list[float]) -> list[float]:
    """A property's value at ``frame`` (keyframes interpolated linearly, holds held)."""
    if not isinstance(prop, dict):
        return default
    if prop.get("s") is True and ("x" in prop or "y" in prop):  # split position
        return [value_at(prop.get("x"), frame, [default[0]])[0], value_at(prop.get("y"), frame, [default[1]])[0]]
    k = prop.get("k")
    if isinstance(k, (int, float)) and _is_num(k):
        return [float(k)]
    if isinstance(k, list) and k and all(_is_num(v) for v in k):
        return [float(v) for v in k]
    if isinstance(k, list) and k and all(isinstance(x, dict) for x in k):
        keys = [x for x in k if _is_num(x.get("t"))]
        if not keys:
            return default

        def start(x: dict[str, Any]) -> list[float]:
            s = x.get("s")
            return [float(v) for v in s] if isinstance(s, list) and all(_is_num(v) for v in s) else default

        if frame <= keys[0]["t"]:
            return start(keys[0])
        for a, b in zip(keys, keys[1:], strict=False):
            if frame < b["t"]:
                va = start(a)
                if a.get("h") == 1:
                    return va
                e = a.get("e")
                vb = [float(v) for v in e] if isinstance(e, list) and all(_is_num(v) for v in e) else start(b)
                u = (frame - a["t"]) / max(1e-9, b["t"] - a["t"])
                return [x + (y - x) * u for x, y in zip(va, vb, strict=False)]
        last = keys[-1]
        if "s" in last:
            return start(last)
        prev = keys[-2] if len(keys) > 1 else last
        e = prev.get("e")
        return [float(v) for v in e] if isinstance(e, list) else start(prev)
    return default


def _matrix(ks: Any, frame: float) -> np.ndarray:
    """The 3x3 matrix of a Lottie transform at ``frame``: translate(p) rotate(r) scale(s) translate(-a)."""
    ks = ks if isinstance(ks, dict) else {}
    a = (value_at(ks.get("a"), frame, [0.0, 0.0]) + [0.0, 0.0])[:2]
    p = (value_at(ks.get("p"), frame, [0.0, 0.0]) + [0.0, 0.0])[:2]
    s = (value_at(ks.get("s"), frame, [100.0, 100.0]) + [100.0, 100.0])[:2]
    r = value_at(ks.get("r"), frame, [0.0])[0]
    th = math.radians(r)
    c, sn = math.cos(th), math.sin(th)
    rs = np.array([[c * s[0] / 100.0, -sn * s[1] / 100.0], [sn * s[0] / 100.0, c * s[1] / 100.0]])
    m = np.eye(3)
    m[:2, :2] = rs
    m[:2, 2] = np.asarray(p) - rs @ np.asarray(a)
    return m


def _shape_points(items: Any, frame: float, depth: int = 0) -> np.ndarray:
    """Points bounding the painted shapes of a shape list (group transforms applied)."""
    if not isinstance(items, list) or depth > MAX_DEPTH:
        return np.zeros((0, 2))
    pts: list[np.ndarray] = []
    grow = 0.0
    transform = np.eye(3)
    for item in items:
        if not isinstance(item, dict) or item.get("hd") is True:
            continue
        ty = item.get("ty")
        if ty == "gr":
            pts.append(_shape_points(item.get("it"), frame, depth + 1))
        elif ty == "sh":
            ks = item.get("ks")
            path = ks.get("k") if isinstance(ks, dict) else None
            if isinstance(path, list) and path and isinstance(path[0], dict) and "t" in path[0]:
                key = max((x for x in path if _is_num(x.get("t")) and x["t"] <= frame), key=lambda x: x["t"],
                          default=path[0])
                path = (key.get("s") or [None])[0]
            if isinstance(path, dict):
                try:
                    v = np.asarray(path.get("v") or [], np.float64).reshape(-1, 2)
                    i = np.asarray(path.get("i") or np.zeros_like(v), np.float64).reshape(-1, 2)
                    o = np.asarray(path.get("o") or np.zeros_like(v), np.float64).reshape(-1, 2)
                except (TypeError, ValueError):
                    continue
                if len(i) == len(v) and len(o) == len(v):
                    pts += [v, v + i, v + o]
        elif ty in ("rc", "el"):
            c = (value_at(item.get("p"), frame, [0.0, 0.0]) + [0.0, 0.0])[:2]
            size = (value_at(item.get("s"), frame, [0.0, 0.0]) + [0.0, 0.0])[:2]
            hx, hy = size[0] / 2.0, size[1] / 2.0
            pts.append(np.array([[c[0] - hx, c[1] - hy], [c[0] + hx, c[1] + hy], [c[0] - hx, c[1] + hy],
                                 [c[0] + hx, c[1] - hy]]))
        elif ty == "st":
            grow = max(grow, value_at(item.get("w"), frame, [0.0])[0] / 2.0)
        elif ty == "tr":
            transform = _matrix(item, frame)
    real = [p for p in pts if len(p)]
    if not real:
        return np.zeros((0, 2))
    allp = np.concatenate(real)
    if grow > 0:
        lo, hi = allp.min(axis=0) - grow, allp.max(axis=0) + grow
        allp = np.array([[lo[0], lo[1]], [hi[0], hi[1]], [lo[0], hi[1]], [hi[0], lo[1]]])
    return allp @ transform[:2, :2].T + transform[:2, 2]


def off_canvas(doc: dict[str, Any], side: int = TGS_SIDE) -> str | None:
    """Why some shape leaves the canvas (the first frame it does), or None when all stay on it.

    Shape layers only (paths, rectangles, ellipses, strokes, group and layer transforms,
    parenting); keyframes are interpolated linearly, which is exact for linear keys.
    """
    layers = [x for x in doc.get("layers", []) if isinstance(x, dict)]
    by_ind = {x.get("ind"): x for x in layers if "ind" in x}
    ip, op = float(doc.get("ip") or 0), float(doc.get("op") or 0)
    frames = np.arange(math.ceil(ip), math.ceil(op))
    if len(frames) > 10_000:
        return f"{len(frames)} frames is not a sticker"
    for layer in layers:
        if layer.get("ty") != 4 or layer.get("hd") is True:
            continue
        static_shapes = '"a": 1' not in json.dumps(layer.get("shapes"))
        local = _shape_points(layer.get("shapes"), 0.0) if static_shapes else None
        for f in frames:
            lip, lop = layer.get("ip", ip), layer.get("op", op)
            if _is_num(lip) and _is_num(lop) and not lip <= f < lop:
                continue
            pts = local if local is not None else _shape_points(layer.get("shapes"), float(f))
            if pts is None or not len(pts):
                break
            ks = layer.get("ks")
            if value_at(ks.get("o") if isinstance(ks, dict) else None, float(f), [100.0])[0] <= 0:
                continue
            m = np.eye(3)
            node: dict[str, Any] | None = layer
            seen = 0
            while node is not None and seen < 32:
                m = _matrix(node.get("ks"), float(f)) @ m
                node = by_ind.get(node.get("parent")) if "parent" in node else None
                seen += 1
            moved = pts @ m[:2, :2].T + m[:2, 2]
            lo, hi = moved.min(axis=0), moved.max(axis=0)
            if (lo < -0.5).any() or (hi > side + 0.5).any():
                return (f"layer {layer.get('nm', layer.get('ind', '?'))!r} leaves the canvas at frame {int(f)}"
                        f" (spans x {lo[0]:.0f}..{hi[0]:.0f}, y {lo[1]:.0f}..{hi[1]:.0f})")
    return None
