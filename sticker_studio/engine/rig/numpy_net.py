"""RigNet's forward pass in numpy alone (no torch, no diffusers import).

The automatic rig runs the bundled rig network once per drawing; importing torch and
diffusers for that (diffusers pulls in ``torch._dynamo``) cost ~3 s of a ~6 s ``generate``.
This is the same network as :class:`sticker_studio.engine.rig.net.RigNet`, built from the
folder's ``config.json`` (the same keys ``RigNet.__init__`` takes) and its safetensors
weights read with ``safetensors.numpy``:

* every convolution's BatchNorm (eval statistics, eps 1e-5) is folded into its weights and
  a bias; ReLU6 is a clip;
* activations are channels-last ``[N, H, W, C]`` float32: a 1×1 convolution is one matrix
  product, a depthwise k×k one is k² shifted multiply-adds, a full k×k one (the stem) is an
  im2col of k² shifted views and one matrix product;
* the decoder's upsampling is ``F.interpolate(mode="bilinear", align_corners=False)`` to the
  skip's size, with torch's source-index rule.

It agrees with the torch network to ~1e-5 on the logits (tests/test_rig_numpy.py).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sticker_studio.core.errors import ModelError
from sticker_studio.engine.rig.contract import FACE

WEIGHTS_NAME = "diffusion_pytorch_model.safetensors"
#: ``nn.BatchNorm2d``'s default
BN_EPS = 1e-5
#: the config keys RigNet's constructor takes (all are written by ``save_pretrained``)
CONFIG_KEYS = ("input_size", "in_channels", "stem_channels", "stage_channels", "stage_blocks", "expand",
               "decoder_channels", "num_points", "num_parts", "num_body_plans")

_LOCK = threading.Lock()
_CACHE: dict[str, NumpyRigNet] = {}


@dataclass(frozen=True)
class RigNetConfig:
    """The architecture, as ``RigNet(**config)`` builds it."""

    input_size: int
    in_channels: int
    stem_channels: int
    stage_channels: tuple[int, ...]
    stage_blocks: tuple[int, ...]
    expand: int
    decoder_channels: tuple[int, ...]
    num_points: int
    num_parts: int
    num_body_plans: int

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "config.json") -> RigNetConfig:
        name = data.get("_class_name", "RigNet")
        if name != "RigNet":
            raise ModelError(f"{where} describes {name!r}, not a RigNet")
        missing = [k for k in CONFIG_KEYS if k not in data]
        if missing:
            raise ModelError(f"{where} lacks {', '.join(missing)}; re-export the rig model with save_pretrained")
        try:
            ints = {k: int(data[k]) for k in CONFIG_KEYS if k not in ("stage_channels", "stage_blocks",
                                                                     "decoder_channels")}
            seqs = {k: tuple(int(v) for v in data[k]) for k in ("stage_channels", "stage_blocks", "decoder_channels")}
        except (TypeError, ValueError) as error:
            raise ModelError(f"{where} has a malformed rig-net config: {error}") from None
        config = cls(**ints, **seqs)  # type: ignore[arg-type]
        if (len(config.stage_channels) != len(config.stage_blocks) or len(config.stage_channels) < 2
                or not 1 <= len(config.decoder_channels) <= 3 or min(config.stage_blocks) < 1):
            raise ModelError(f"{where}: stage_channels/stage_blocks/decoder_channels do not describe a RigNet")
        return config

    @property
    def stride(self) -> int:
        """Input pixels per output cell (``RigNet.stride``)."""
        return 2 ** (4 - len(self.decoder_channels))


@dataclass(frozen=True)
class _Conv:
    """A convolution with its BatchNorm folded in: ``kind`` is ``pw`` (1×1), ``dw`` (depthwise)
    or ``full``; ``weight`` is ``[Cin, Cout]``, ``[k, k, C]`` or ``[k·k·Cin, Cout]``."""

    kind: str
    weight: np.ndarray
    bias: np.ndarray
    k: int
    stride: int
    act: bool

    def __call__(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "pw":
            n, h, w, c = x.shape
            y = (x.reshape(-1, c) @ self.weight).reshape(n, h, w, -1)
            y += self.bias
        elif self.kind == "dw":
            y = _depthwise(x, self.weight, self.stride)
            y += self.bias
        else:
            y = _im2col(x, self.k, self.stride) @ self.weight
            y += self.bias
        if self.act:
            np.clip(y, 0.0, 6.0, out=y)
        return y


def _pad(x: np.ndarray, p: int) -> np.ndarray:
    n, h, w, c = x.shape
    out = np.zeros((n, h + 2 * p, w + 2 * p, c), x.dtype)
    out[:, p:p + h, p:p + w] = x
    return out


def _out_size(size: int, k: int, stride: int) -> int:
    return (size + 2 * (k // 2) - k) // stride + 1


def _depthwise(x: np.ndarray, weight: np.ndarray, stride: int) -> np.ndarray:
    k = weight.shape[0]
    n, h, w, c = x.shape
    ho, wo = _out_size(h, k, stride), _out_size(w, k, stride)
    xp = _pad(x, k // 2)
    out = np.zeros((n, ho, wo, c), np.float32)
    tmp = np.empty_like(out)
    for dy in range(k):
        for dx in range(k):
            view = xp[:, dy:dy + stride * (ho - 1) + 1:stride, dx:dx + stride * (wo - 1) + 1:stride]
            np.multiply(view, weight[dy, dx], out=tmp)
            out += tmp
    return out


def _im2col(x: np.ndarray, k: int, stride: int) -> np.ndarray:
    """``[N, Ho, Wo, k·k·C]``: the k×k neighbourhoods, ordered (dy, dx, channel)."""
    n, h, w, c = x.shape
    ho, wo = _out_size(h, k, stride), _out_size(w, k, stride)
    xp = _pad(x, k // 2)
    cols = np.empty((n, ho, wo, k * k * c), np.float32)
    for dy in range(k):
        for dx in range(k):
            t = dy * k + dx
            cols[..., t * c:(t + 1) * c] = xp[:, dy:dy + stride * (ho - 1) + 1:stride,
                                              dx:dx + stride * (wo - 1) + 1:stride]
    return cols


def _bilinear_axis(size_in: int, size_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """torch's ``align_corners=False`` source indices and weights along one axis."""
    scale = np.float32(size_in / size_out)
    src = np.maximum((np.arange(size_out, dtype=np.float32) + np.float32(0.5)) * scale - np.float32(0.5),
                     np.float32(0.0))
    i0 = np.minimum(src.astype(np.int64), size_in - 1)
    i1 = np.minimum(i0 + 1, size_in - 1)
    lam = (src - i0).astype(np.float32)
    return i0, i1, lam


def resize_bilinear(x: np.ndarray, height: int, width: int) -> np.ndarray:
    """``F.interpolate(x, (height, width), mode="bilinear", align_corners=False)`` on ``[N, H, W, C]``."""
    n, h, w, c = x.shape
    if (h, w) == (height, width):
        return x.copy()
    y0, y1, ly = _bilinear_axis(h, height)
    x0, x1, lx = _bilinear_axis(w, width)
    ly = ly[None, :, None, None]
    lx = lx[None, None, :, None]
    rows = x[:, y0] * (1.0 - ly) + x[:, y1] * ly
    return (rows[:, :, x0] * (1.0 - lx) + rows[:, :, x1] * lx).astype(np.float32, copy=False)


@dataclass(frozen=True)
class RigOutputs:
    """The four heads, channels first like the torch network's: ``heatmaps`` ``[N, P, R, R]``
    (logits), ``face_size`` ``[N, 6, R, R]``, ``parts`` ``[N, K, R, R]`` (logits), ``body_plan`` ``[N, 4]``."""

    heatmaps: np.ndarray
    face_size: np.ndarray
    parts: np.ndarray
    body_plan: np.ndarray


class NumpyRigNet:
    """A RigNet's inference in numpy. Build it with :func:`load_numpy_rig_net` (or from a
    config and a state dict, e.g. a torch net's ``state_dict()`` as numpy arrays)."""

    def __init__(self, config: RigNetConfig, state: Mapping[str, np.ndarray]) -> None:
        self.config = config
        self.stride = config.stride
        self._state = state
        self._used: set[str] = set()
        c = config
        self.stem = [self._cbr("stem", c.in_channels, c.stem_channels, 3, 2)]
        self.stages: list[list[tuple[list[_Conv], bool]]] = []
        cin = c.stem_channels
        for i, (ch, n) in enumerate(zip(c.stage_channels, c.stage_blocks, strict=True)):
            blocks = []
            for b in range(n):
                b_in, stride = (cin, 2 if i < 3 else 1) if b == 0 else (ch, 1)
                mid = b_in * c.expand
                p = f"stages.{i}.{b}.block."
                convs = [self._cbr(p + "0", b_in, mid, 1), self._cbr(p + "1", mid, mid, 3, stride, depthwise=True),
                         self._cbr(p + "2", mid, ch, 1, act=False)]
                blocks.append((convs, stride == 1 and b_in == ch))
            self.stages.append(blocks)
            cin = ch
        skips = (c.stage_channels[1], c.stage_channels[0], c.stem_channels)[:len(c.decoder_channels)]
        self.ups: list[list[_Conv]] = []
        for j, (skip, dc) in enumerate(zip(skips, c.decoder_channels, strict=True)):
            p = f"ups.{j}.block."
            cat = cin + skip
            self.ups.append([self._cbr(p + "0", cat, cat, 3, depthwise=True), self._cbr(p + "1", cat, dc, 1),
                             self._cbr(p + "2", dc, dc, 3, depthwise=True), self._cbr(p + "3", dc, dc, 1)])
            cin = dc
        # the three 1×1 heads as one matrix product
        heads = [("heatmap_head", c.num_points), ("size_head", 2 * len(FACE)), ("part_head", c.num_parts)]
        ws, bs = [], []
        for name, cout in heads:
            ws.append(self._take(f"{name}.weight", (cout, cin, 1, 1))[:, :, 0, 0].T)
            bs.append(self._take(f"{name}.bias", (cout,)))
        self._head_w = np.ascontiguousarray(np.concatenate(ws, axis=1))
        self._head_b = np.concatenate(bs)
        self._head_split = np.cumsum([cout for _, cout in heads])[:-1]
        plan_w = self._take("plan_head.1.weight", (c.num_body_plans, c.stage_channels[-1]))
        self._plan_w = np.ascontiguousarray(plan_w.T)
        self._plan_b = self._take("plan_head.1.bias", (c.num_body_plans,))
        unused = sorted(k for k in state if k not in self._used and not k.endswith("num_batches_tracked"))
        if unused:
            raise ModelError(f"the rig model's weights hold tensors its config does not use ({', '.join(unused[:3])}"
                             f"{'…' if len(unused) > 3 else ''}); config.json and the weights do not match")
        del self._state

    def _take(self, key: str, shape: tuple[int, ...]) -> np.ndarray:
        if key not in self._state:
            raise ModelError(f"the rig model's weights lack {key}; config.json and the weights do not match")
        value = np.asarray(self._state[key])
        if tuple(value.shape) != shape:
            raise ModelError(f"the rig model's {key} is {tuple(value.shape)}, its config needs {shape}; "
                             "config.json and the weights do not match")
        self._used.add(key)
        return value.astype(np.float32)

    def _cbr(self, prefix: str, cin: int, cout: int, k: int, stride: int = 1, *, depthwise: bool = False,
             act: bool = True) -> _Conv:
        """``_cbr`` of net.py: conv (no bias) + BatchNorm [+ ReLU6], the BatchNorm folded."""
        w = self._take(f"{prefix}.0.weight", (cout, 1 if depthwise else cin, k, k)).astype(np.float64)
        gamma = self._take(f"{prefix}.1.weight", (cout,)).astype(np.float64)
        beta = self._take(f"{prefix}.1.bias", (cout,)).astype(np.float64)
        mean = self._take(f"{prefix}.1.running_mean", (cout,)).astype(np.float64)
        var = self._take(f"{prefix}.1.running_var", (cout,)).astype(np.float64)
        scale = gamma / np.sqrt(var + BN_EPS)
        w = w * scale[:, None, None, None]
        bias = (beta - mean * scale).astype(np.float32)
        if depthwise:
            return _Conv("dw", np.ascontiguousarray(w[:, 0].transpose(1, 2, 0), np.float32), bias, k, stride, act)
        if k == 1:
            return _Conv("pw", np.ascontiguousarray(w[:, :, 0, 0].T, np.float32), bias, 1, stride, act)
        full = w.transpose(2, 3, 1, 0).reshape(k * k * cin, cout)  # (dy, dx, cin) rows, as _im2col
        return _Conv("full", np.ascontiguousarray(full, np.float32), bias, k, stride, act)

    def forward(self, x: np.ndarray) -> RigOutputs:
        """``x``: ``[N, S, S, C]`` float32 in [0, 1] (channels last, as ``frame_subject`` gives it)."""
        x = np.asarray(x, np.float32)
        if x.ndim == 3:
            x = x[None]
        if x.ndim != 4 or x.shape[-1] != self.config.in_channels:
            raise ValueError(f"NumpyRigNet needs [N, H, W, {self.config.in_channels}], got {x.shape}")
        s2 = self.stem[0](x)
        feats = []
        h = s2
        for blocks in self.stages:
            for convs, residual in blocks:
                y = h
                for conv in convs:
                    y = conv(y)
                h = h + y if residual else y
            feats.append(h)
        deep = feats[-1]
        for up, skip in zip(self.ups, (feats[1], feats[0], s2), strict=False):
            h = resize_bilinear(h, skip.shape[1], skip.shape[2])
            h = np.concatenate([h, skip], axis=-1)
            for conv in up:
                h = conv(h)
        n, r1, r2, c = h.shape
        heads = (h.reshape(-1, c) @ self._head_w + self._head_b).reshape(n, r1, r2, -1).transpose(0, 3, 1, 2)
        heat, size, parts = np.split(heads, self._head_split, axis=1)
        plan = deep.mean(axis=(1, 2)) @ self._plan_w + self._plan_b
        return RigOutputs(np.ascontiguousarray(heat), np.ascontiguousarray(size), np.ascontiguousarray(parts), plan)

    __call__ = forward


def load_numpy_rig_net(folder: Path) -> NumpyRigNet:
    """The rig network saved in ``folder`` (``config.json`` + safetensors weights), cached per folder.
    The caller checks the folder (manifest sha256 or an unverified-folder check) first."""
    from sticker_studio.engine.store.folder import read_json

    folder = Path(folder)
    key = str(folder.resolve())
    with _LOCK:
        net = _CACHE.get(key)
        if net is None:
            config = RigNetConfig.from_dict(read_json(folder / "config.json"), str(folder / "config.json"))
            path = folder / WEIGHTS_NAME
            if not path.is_file():
                raise ModelError(f"{path} is missing; the rig model folder is incomplete")
            from safetensors.numpy import load_file

            try:
                state = load_file(str(path))
            except Exception as error:  # a damaged file (any parse error): one clear line
                raise ModelError(f"cannot read the rig model's weights {path} ({error}); reinstall the model") from None
            net = _CACHE[key] = NumpyRigNet(config, state)
    return net


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()
