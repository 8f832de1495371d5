"""``predict_rig(rgba)``: the learned rig model's joints, face, parts and body plan for one drawing.

The model (``rig-net`` in ``models_manifest.json``, task ``rig``) is loaded once — from the
manifest with its files' sha256 checked, or from a folder — and cached. One call frames the
subject (:mod:`.preprocess`), runs the network at 128² on the CPU and decodes. The network
runs in numpy by default (:mod:`.numpy_net`: no torch or diffusers import, the same logits
to ~1e-5); ``backend=RigBackend.TORCH`` or a torch ``net`` (training, eval) runs the
:class:`~.net.RigNet` module instead. Decoding:

* each point's heatmap: the peak cell, refined to sub-cell precision by the probability-weighted
  mean of its 3×3 neighbourhood; the peak's probability is the confidence;
* eyes and mouth: the centre from their heatmap, the radii from the size head at the centre;
* parts: the logits upsampled to the framed square, arg-max, mapped back to the input's
  pixels (transparent pixels are background);
* body plan: softmax.

Coordinates are returned in the input's pixel frame (``x`` right, ``y`` down, pixel ``(i, j)``
covers ``[j, j+1) × [i, i+1)``).
"""

from __future__ import annotations

import threading
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np

from sticker_studio.engine.rig.contract import (
    BODY_PLANS,
    FACE,
    JOINTS,
    MIRROR,
    PART_MIRROR,
    BodyPlan,
    FaceFeature,
    RigPrediction,
)
from sticker_studio.engine.rig.numpy_net import NumpyRigNet, RigOutputs, load_numpy_rig_net, resize_bilinear
from sticker_studio.engine.rig.preprocess import Framing, frame_subject

RIG_CLASS = ["sticker_studio.engine.rig.net", "RigNet"]
RIG_TASK = "rig"
DEFAULT_RIG_ID = "rig-net"

_cache: dict[str, Any] = {}
_lock = threading.Lock()


class RigBackend(StrEnum):
    """What runs the rig network: numpy (the default, no torch import) or the torch module."""

    NUMPY = "numpy"
    TORCH = "torch"


def _model_folder(model: str | Path | None) -> Path:
    """The checked folder of a folder path, a manifest id or (``None``) the default ``rig`` model."""
    from sticker_studio.engine.store import folder as model_folder
    from sticker_studio.engine.store.hub import resolve_model
    from sticker_studio.engine.store.manifest import ModelManifest

    if model is not None and Path(model).is_dir():
        model_folder.check_unverified_folder(Path(model))
        return Path(model)
    manifest = ModelManifest.load()
    model_id = manifest.choose_id(None if model is None else str(model), RIG_TASK, what="rig model",
                                  hint="the rig then comes from the drawing's geometry alone")
    return resolve_model(model_id, manifest=manifest)


def load_rig_net(model: str | Path | None = None, backend: RigBackend = RigBackend.TORCH) -> Any:
    """The rig network from a folder, a manifest id or (``None``) the default ``rig`` model;
    cached per source and backend: a :class:`~.net.RigNet` (eval mode, fp32, CPU) for
    ``TORCH``, a :class:`~.numpy_net.NumpyRigNet` for ``NUMPY``. Raises ``ModelNotFoundError``
    when none is installed — never builds random weights."""
    key = f"{backend.value}:{model if model is not None else ''}"
    with _lock:
        if key in _cache:
            return _cache[key]
        folder = _model_folder(model)
        if backend is RigBackend.NUMPY:
            net: Any = load_numpy_rig_net(folder)
        else:
            from sticker_studio.engine.store import folder as model_folder

            net = model_folder.load_model(folder, RIG_CLASS, "rig model").float().eval()
        _cache[key] = net
        return net


def rig_model_installed() -> bool:
    """Whether the default rig model is in the manifest with its files on disk (sha256-checked)."""
    from sticker_studio.core.errors import StickerStudioError
    from sticker_studio.engine.store.hub import resolve_model
    from sticker_studio.engine.store.manifest import ModelManifest

    try:
        manifest = ModelManifest.load()
        model_id = manifest.default_id(RIG_TASK)
        if model_id not in manifest.ids():
            return False
        resolve_model(model_id, manifest=manifest, download=False)
    except (OSError, ValueError, StickerStudioError):
        return False
    return True


def clear_cache() -> None:
    from sticker_studio.engine.rig import numpy_net

    with _lock:
        _cache.clear()
    numpy_net.clear_cache()


def _refine(prob: np.ndarray, iy: int, ix: int) -> tuple[float, float]:
    """Probability-weighted mean (cells) of the 3×3 neighbourhood of (iy, ix)."""
    h, w = prob.shape
    y0, y1, x0, x1 = max(0, iy - 1), min(h, iy + 2), max(0, ix - 1), min(w, ix + 2)
    win = prob[y0:y1, x0:x1]
    total = float(win.sum())
    if total <= 0:
        return float(ix), float(iy)
    ys, xs = np.mgrid[y0:y1, x0:x1]
    return float((xs * win).sum() / total), float((ys * win).sum() / total)


def decode_points(heat_logits: np.ndarray, stride: int) -> np.ndarray:
    """``[P, 3]``: x, y (model pixels) and confidence of each heatmap ``[P, R, R]`` (logits)."""
    prob = 1.0 / (1.0 + np.exp(-heat_logits.astype(np.float64)))
    out = np.zeros((prob.shape[0], 3), np.float64)
    for k, p in enumerate(prob):
        iy, ix = np.unravel_index(int(np.argmax(p)), p.shape)
        cx, cy = _refine(p, int(iy), int(ix))
        out[k] = ((cx + 0.5) * stride, (cy + 0.5) * stride, float(p[iy, ix]))
    return out


def parts_to_input(part_logits: np.ndarray, framing: Framing, size: int, shape: tuple[int, int],
                   alpha: np.ndarray | None) -> np.ndarray:
    """The part arg-max (``part_logits`` ``[K, R, R]``) at the framed square's resolution (bilinear
    as ``F.interpolate(align_corners=False)``), mapped back onto the input's pixels."""
    logits = np.asarray(part_logits, np.float32).transpose(1, 2, 0)[None]
    labels = resize_bilinear(logits, size, size)[0].argmax(-1).astype(np.uint8)
    h, w = shape
    xs = np.floor((np.arange(w) + 0.5 - framing.x0) * framing.scale).astype(np.int64)
    ys = np.floor((np.arange(h) + 0.5 - framing.y0) * framing.scale).astype(np.int64)
    out = labels[np.clip(ys, 0, size - 1)[:, None], np.clip(xs, 0, size - 1)[None, :]]
    out[(ys < 0) | (ys >= size)] = 0
    out[:, (xs < 0) | (xs >= size)] = 0
    if alpha is not None:
        out[alpha <= 8] = 0
    return out


#: output channel order of the mirrored image, per head (``_l`` ↔ ``_r``)
_POINT_SWAP = [(*JOINTS, *FACE).index(MIRROR[n]) for n in (*JOINTS, *FACE)]
_SIZE_SWAP = [2 * FACE.index(MIRROR[n]) + k for n in FACE for k in (0, 1)]


def _unmirror(out: RigOutputs) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Average the outputs of batch item 0 (the image) and 1 (its mirror, flipped back with
    its left/right channels swapped)."""
    heat = 0.5 * (out.heatmaps[0] + out.heatmaps[1][..., ::-1][_POINT_SWAP])
    size = 0.5 * (out.face_size[0] + out.face_size[1][..., ::-1][_SIZE_SWAP])
    parts = 0.5 * (out.parts[0] + out.parts[1][..., ::-1][list(PART_MIRROR)])
    return heat, size, parts, 0.5 * (out.body_plan[0] + out.body_plan[1])


def _run_torch(net: Any, x: np.ndarray) -> RigOutputs:
    """A torch RigNet (or a stand-in with its outputs) on ``x`` ``[N, S, S, C]``, as numpy."""
    import torch

    param = next(net.parameters())
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 3, 1, 2)))
    with torch.inference_mode():
        out = net(xt.to(device=param.device, dtype=param.dtype))
        return RigOutputs(*(t.float().cpu().numpy() for t in (out.heatmaps, out.face_size, out.parts,
                                                               out.body_plan)))


def predict_rig(rgba: np.ndarray, *, model: str | Path | None = None, net: Any | None = None,
                mirror: bool = False, backend: RigBackend = RigBackend.NUMPY) -> RigPrediction:
    """The rig model's reading of one drawing (``[H, W, 4]`` uint8 RGBA; RGB is taken as opaque).

    ``net`` — an already loaded network: a :class:`~.numpy_net.NumpyRigNet` or a torch
    :class:`~.net.RigNet` (tests, training eval); else :func:`load_rig_net` with ``backend``
    (``model``: a folder or manifest id, ``None`` the default).
    ``mirror`` — also read the mirrored drawing and average (about twice the time).
    """
    if rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] not in (3, 4):
        raise ValueError(f"predict_rig needs an [H, W, 4] uint8 RGBA image, got {rgba.dtype} {rgba.shape}")
    net = net if net is not None else load_rig_net(model, backend)
    size = int(net.config.input_size)
    stride = int(net.stride)
    image, framing = frame_subject(rgba, size)
    x = image[None]
    if mirror:
        x = np.concatenate([x, x[:, :, ::-1]])
    out = net.forward(x) if isinstance(net, NumpyRigNet) else _run_torch(net, x)
    if mirror:
        heat, sizes, part_logits, plan = _unmirror(out)
    else:
        heat, sizes, part_logits, plan = out.heatmaps[0], out.face_size[0], out.parts[0], out.body_plan[0]
    points = decode_points(heat, stride)
    joints: dict[str, tuple[float, float, float]] = {}
    for k, name in enumerate(JOINTS):
        px, py = framing.to_input(points[k, 0], points[k, 1])
        joints[name] = (px, py, float(points[k, 2]))
    face: dict[str, FaceFeature] = {}
    res = heat.shape[-1]
    for f, name in enumerate(FACE):
        k = len(JOINTS) + f
        ix = int(np.clip(points[k, 0] / stride, 0, res - 1))
        iy = int(np.clip(points[k, 1] / stride, 0, res - 1))
        rx = max(0.5, float(sizes[2 * f, iy, ix]) * size / framing.scale)
        ry = max(0.5, float(sizes[2 * f + 1, iy, ix]) * size / framing.scale)
        cx, cy = framing.to_input(points[k, 0], points[k, 1])
        face[name] = FaceFeature((cx, cy, rx, ry), float(points[k, 2]))
    alpha = rgba[..., 3] if rgba.shape[2] == 4 else None
    parts = parts_to_input(part_logits, framing, size, rgba.shape[:2], alpha)
    logits = plan.astype(np.float64)
    exp = np.exp(logits - logits.max())
    scores = exp / exp.sum()
    best = int(np.argmax(scores))
    return RigPrediction(joints, face, parts, BodyPlan(BODY_PLANS[best]), float(scores[best]),
                         {p: float(s) for p, s in zip(BODY_PLANS, scores, strict=True)})
