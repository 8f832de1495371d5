"""Training the rig model on procedurally drawn characters (:mod:`.characters`).

:class:`RigTask` is the step body for the project's one loop
(:func:`sticker_studio.training.loop.train_loop.run_training`: AdamW, warmup + cosine, gradient
clipping, EMA, resumable safetensors checkpoints, the wall-clock budget). Every batch is
drawn fresh from RNGs seeded by ``(seed, step, rank)`` — characters are never repeated and a
resumed run draws what an uninterrupted one would. The held-out families
(:data:`~.characters.HELD_OUT_FAMILIES`) are never drawn.

Loss (weights in :class:`RigTrainConfig`):

* heatmaps — binary cross-entropy of each point's logits against a Gaussian of the point
  (σ = ``heat_sigma`` output cells; all zeros where the character lacks it), positives
  weighted ×``heat_pos_weight``;
* face size — L1 of the eye/mouth radii (÷ input side) read at the feature's centre cell;
* parts — cross-entropy of the part logits against the label map at the output resolution;
* body plan — cross-entropy.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from sticker_studio.training.loop import distributed
from sticker_studio.training.loop import train_loop as loop
from sticker_studio.training.loop.ema import ParameterEMA
from sticker_studio.training.rig.characters import FAMILY_WEIGHTS, TRAIN_FAMILIES
from sticker_studio.training.rig.samples import Sample, make_sample


@dataclass
class RigTrainConfig(loop.TrainConfig):
    """A rig-model run (``run_config.json``); ``data`` is unused (the characters are drawn)."""

    data: list[str] = field(default_factory=list)
    out: str = "runs/rig-net"
    model_config: str = "bundled"
    steps: int = 6000
    batch_size: int = 32
    lr: float = 3e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 100
    min_lr_ratio: float = 0.05
    ema_decay: float = 0.998
    checkpoint_every: int = 200
    families: list[str] = field(default_factory=lambda: list(TRAIN_FAMILIES))
    heat_sigma: float = 1.0
    heat_pos_weight: float = 20.0
    loss_weights: dict[str, float] = field(default_factory=lambda: {
        "heat": 10.0, "face_size": 5.0, "parts": 0.5, "plan": 0.2})
    #: start from these exported weights (a folder with config.json + safetensors), e.g. the shipped model
    init_weights: str | None = None
    #: hand-labelled folders of the training art sets (:mod:`.labelled`), mixed into every batch
    labelled: list[str] = field(default_factory=list)
    #: share of each batch drawn from ``labelled`` (0 = procedural only)
    labelled_share: float = 0.0


@dataclass
class RigBatch:
    image: torch.Tensor      # [B, 4, S, S]
    points: torch.Tensor     # [B, P, 3]
    face_size: torch.Tensor  # [B, 3, 2]
    parts: torch.Tensor      # [B, R, R] int64
    plan: torch.Tensor       # [B] int64

    def to(self, device: torch.device) -> RigBatch:
        return RigBatch(*(t.to(device) for t in (self.image, self.points, self.face_size, self.parts, self.plan)))


def collate(samples: list[Sample]) -> RigBatch:
    return RigBatch(torch.from_numpy(np.stack([s.image for s in samples])),
                    torch.from_numpy(np.stack([s.points for s in samples])),
                    torch.from_numpy(np.stack([s.face_size for s in samples])),
                    torch.from_numpy(np.stack([s.parts for s in samples])),
                    torch.tensor([s.plan for s in samples], dtype=torch.int64))


def make_batch(families: list[str], batch_size: int, seed_text: str, size: int, stride: int,
               weights: dict[str, float] | None = None, labelled: list[Any] | None = None,
               labelled_share: float = 0.0) -> RigBatch:
    """``batch_size`` fresh characters drawn from ``families`` (by ``weights``), a pure
    function of ``seed_text``; about ``labelled_share`` of them hand-labelled drawings
    (augmented) from ``labelled``."""
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(seed_text.encode()).digest()[:8], "big"))
    p = np.array([(weights or {}).get(f, 1.0) for f in families], np.float64)
    p /= p.sum()
    n_lab = int(rng.binomial(batch_size, labelled_share)) if labelled and labelled_share > 0 else 0
    picks = rng.choice(len(families), size=batch_size - n_lab, p=p)
    seeds = rng.integers(0, 2**40, size=batch_size - n_lab)
    samples = [make_sample(families[int(f)], int(s), rng, size, stride) for f, s in zip(picks, seeds, strict=True)]
    if n_lab:
        from sticker_studio.training.rig.labelled import labelled_sample

        assert labelled is not None
        samples += [labelled_sample(labelled[int(i)], rng, size, stride)
                    for i in rng.integers(0, len(labelled), size=n_lab)]
    return collate(samples)


def gaussian_targets(points: torch.Tensor, res: int, stride: int, sigma: float) -> torch.Tensor:
    """[B, P, res, res] Gaussians (peak 1) at each present point (model pixels → cells)."""
    c = (torch.arange(res, dtype=points.dtype, device=points.device) + 0.5) * stride
    dx = (c[None, None, None, :] - points[..., 0, None, None]) / (sigma * stride)
    dy = (c[None, None, :, None] - points[..., 1, None, None]) / (sigma * stride)
    return torch.exp(-0.5 * (dx * dx + dy * dy)) * points[..., 2, None, None]


def rig_losses(out: Any, batch: RigBatch, stride: int, sigma: float, pos_weight: float) -> dict[str, torch.Tensor]:
    heat = out.heatmaps.float()
    b, p, res, _ = heat.shape
    target = gaussian_targets(batch.points, res, stride, sigma)
    weight = 1.0 + pos_weight * target
    heat_loss = (F.binary_cross_entropy_with_logits(heat, target, reduction="none") * weight).mean()
    # face radii at the centre cell of each present feature
    nj = p - batch.face_size.shape[1]
    fp = batch.points[:, nj:]
    ix = (fp[..., 0] / stride).long().clamp(0, res - 1)
    iy = (fp[..., 1] / stride).long().clamp(0, res - 1)
    size_map = out.face_size.float().view(b, -1, 2, res, res)  # [B, 3, 2, R, R]
    bi = torch.arange(b, device=heat.device)[:, None].expand_as(ix)
    fi = torch.arange(fp.shape[1], device=heat.device)[None, :].expand_as(ix)
    pred = size_map[bi, fi, :, iy, ix]  # [B, 3, 2]
    present = fp[..., 2:3]
    size_loss = ((pred - batch.face_size).abs() * present).sum() / (2 * present.sum()).clamp_min(1.0)
    return {"heat": heat_loss, "face_size": size_loss,
            "parts": (F.cross_entropy(out.parts.float(), batch.parts) if bool((batch.parts >= 0).any())
                      else out.parts.float().sum() * 0.0),  # hand-labelled drawings have no part maps
            "plan": F.cross_entropy(out.body_plan.float(), batch.plan)}


class RigTask(loop.StatelessTaskHooks):
    """The rig model's step body for :func:`sticker_studio.training.loop.train_loop.run_training`."""

    name = "rig"

    def __init__(self, cfg: RigTrainConfig) -> None:
        unknown = [f for f in cfg.families if f not in TRAIN_FAMILIES]
        if unknown:
            from sticker_studio.core.errors import InvalidInputError

            raise InvalidInputError(f"not a training family: {', '.join(unknown)} "
                                    f"(training families: {', '.join(TRAIN_FAMILIES)})")
        self.cfg = cfg
        self.device = torch.device("cpu")
        self.size = 128
        self.stride = 4
        self.labelled: list[Any] = []
        if cfg.labelled and cfg.labelled_share > 0:
            from sticker_studio.training.rig.labelled import load_labelled

            self.labelled = [d for folder in cfg.labelled for d in load_labelled(folder)]

    @property
    def config(self) -> RigTrainConfig:
        return self.cfg

    def build_model(self) -> nn.Module:
        from sticker_studio.engine.rig.net import make_rig_net

        net = make_rig_net(self.cfg.model_config, **self.cfg.model_overrides)
        if self.cfg.init_weights:
            from safetensors.torch import load_file

            files = sorted(Path(self.cfg.init_weights).glob("*.safetensors"))
            if not files:
                from sticker_studio.core.errors import ModelNotFoundError

                raise ModelNotFoundError(f"no safetensors in {self.cfg.init_weights} (init_weights)")
            state = {k: v.float() for k, v in load_file(str(files[0])).items()}
            net.load_state_dict(state)
        return net

    def prepare(self, model: nn.Module, info: distributed.DistInfo) -> dict[str, Any]:
        self.device = info.device
        inner: Any = getattr(model, "module", model)
        self.size = int(inner.config.input_size)
        self.stride = int(inner.stride)
        return {"families": list(self.cfg.families), "input_size": self.size}

    def make_batch(self, step: loop.StepInfo) -> RigBatch:
        return make_batch(self.cfg.families, self.cfg.batch_size, f"rig-{self.cfg.seed}-{step.step}-{step.rank}",
                          self.size, self.stride, FAMILY_WEIGHTS, self.labelled,
                          self.cfg.labelled_share).to(self.device)

    def loss(self, model: nn.Module, batch: RigBatch) -> dict[str, torch.Tensor]:
        out = model(batch.image)
        terms = rig_losses(out, batch, self.stride, self.cfg.heat_sigma, self.cfg.heat_pos_weight)
        w = self.cfg.loss_weights
        total = sum((w.get(k, 0.0) * v for k, v in terms.items()), torch.zeros((), device=batch.image.device))
        return {"loss": total, **terms}

    def export(self, model: nn.Module, ema: ParameterEMA | None, out: Path, run_info: dict[str, Any]) -> Path:
        return export_rig(model, ema, out, self.cfg, run_info)


def export_rig(model: nn.Module, ema: ParameterEMA | None, out: Path, cfg: RigTrainConfig | None = None,
               run_info: dict[str, Any] | None = None) -> Path:
    """``save_pretrained`` of the EMA weights (config.json + fp16 safetensors) and training.json."""
    out = Path(out)
    loop.export_copy(model, ema, torch.float16).save_pretrained(out, safe_serialization=True)
    loop.write_training_info(out, cfg, run_info)
    return out


def train_rig(cfg: RigTrainConfig) -> loop.TrainResult:
    """Run (or resume) a rig-model training run into ``cfg.out``."""
    return loop.run_training(RigTask(cfg))


def export_rig_from_run(run_dir: Path, out: Path) -> Path:
    """Export the newest checkpoint of a run (EMA weights)."""
    return loop.export_run(run_dir, out, RigTask(loop.read_run_config(run_dir, RigTrainConfig)))
