"""Matting-head training: clips with true alpha, composited over sticker backgrounds.

Every sample is a short run of consecutive frames of an RGBA clip (real animated emoji
or synthetic ones), randomly scaled, shifted and flipped (the same transform on every
frame), then composited over one background from :mod:`.backgrounds` — white, flat
colours, soft gradients, light textures, colours sampled from the subject itself (a
white belly on white: the case ILDiff is about) — with JPEG noise on some. The target
is the clip's own alpha and colour.

Loss (weights in :class:`MattingTrainConfig`):

* L1 on alpha;
* gradient loss — L1 between the spatial gradients of predicted and true alpha, which
  is what keeps edges sharp instead of blurred;
* composition loss — ``|α̂·F̂ + (1−α̂)·B − I|`` against the clean composite, so errors
  are weighted by how visible they are on that background;
* foreground loss — L1 on colour where the truth is (partly) opaque;
* temporal consistency — L1 between the predicted and true frame-to-frame alpha
  change, which penalises flicker without forbidding real motion.

AdamW, warmup + cosine, gradient clipping, EMA, safetensors checkpoints — the same
machinery as the generator.
"""

from __future__ import annotations

import json
import logging
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import torch

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.imageops import resize_rgba
from sticker_studio.training import distributed
from sticker_studio.training.checkpoint import (
    TrainerState,
    latest_checkpoint,
    load_checkpoint,
    resume_latest,
    save_checkpoint,
    save_run_config,
)
from sticker_studio.training.clock import TrainingClock
from sticker_studio.training.clips import ClipCache, load_or_build_cache
from sticker_studio.training.dataset import DatasetRecord, read_index
from sticker_studio.training.ema import EMAModel
from sticker_studio.training.train import LOSS_LOG, LossLog

log = logging.getLogger(__name__)


@dataclass
class MattingTrainConfig:
    """Everything that defines a matting run (saved as ``run_config.json``)."""

    data: list[str]
    out: str
    model_config: str = "bundled"
    temporal_depth: int | None = None
    steps: int = 2000
    max_minutes: float | None = None
    stop_at_step: int | None = None
    batch_size: int = 4
    num_frames: int = 5
    crop_size: int = 128
    max_cached_frames: int = 12
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 50
    min_lr_ratio: float = 0.05
    grad_clip: float = 1.0
    ema_decay: float = 0.995
    loss_weights: dict[str, float] = field(default_factory=lambda: {
        "alpha": 1.0, "gradient": 1.0, "composition": 0.5, "foreground": 0.5, "temporal": 1.0})
    jpeg_prob: float = 0.3
    checkpoint_every: int = 500
    log_every: int = 10
    seed: int = 0
    resume: bool = False
    cache_dir: str | None = None
    device: str = "auto"
    threads: int | None = None
    progress: bool = True
    export: str | None = None
    model_overrides: dict[str, Any] = field(default_factory=dict)


# ----------------------------------------------------------------------------- data
class MattingClips:
    """RGBA clips at ``crop_size`` (decoded once) and the compositing that makes samples."""

    def __init__(self, folders: Sequence[str | Path], *, split: str | None, size: int, max_cached: int,
                 cache_dir: str | Path | None = None, progress: bool = False) -> None:
        self.size = size
        self.records: list[DatasetRecord] = []
        self._caches: list[ClipCache] = []
        self._where: list[tuple[int, int]] = []
        for folder in (Path(f) for f in folders):
            records = [r for r in read_index(folder) if split is None or r.split == split]
            if not records:
                continue
            cache, kept = load_or_build_cache(folder, records, split, size, max_cached,
                                              Path(cache_dir) if cache_dir else None, progress, rgba=True)
            for j, i in enumerate(kept):
                self.records.append(records[i])
                self._where.append((len(self._caches), j))
            self._caches.append(cache)
        if not self.records:
            raise InvalidInputError(f"no {split or ''} clips with alpha in {', '.join(map(str, folders))}")

    def __len__(self) -> int:
        return len(self.records)

    def frames(self, index: int) -> np.ndarray:
        """[T, S, S, 4] uint8 RGBA."""
        c, j = self._where[index]
        return self._caches[c].clip(j)


def random_placement(clip: np.ndarray, size: int, rng: random.Random) -> np.ndarray:
    """Scale the clip by a random factor, shift and maybe flip it — same for every frame —
    onto a transparent ``size``² canvas (zoomed-in crops and small subjects both occur)."""
    scale = rng.uniform(0.55, 1.3)
    side = max(8, int(round(size * scale)))
    flip = rng.random() < 0.5
    out = np.zeros((len(clip), size, size, 4), np.uint8)
    span = size - side
    ox = rng.randint(min(0, span), max(0, span))
    oy = rng.randint(min(0, span), max(0, span))
    for i, f in enumerate(clip):
        g = resize_rgba(f, side, side) if side != f.shape[0] else f
        if flip:
            g = g[:, ::-1]
        x0, y0 = max(0, ox), max(0, oy)
        x1, y1 = min(size, ox + side), min(size, oy + side)
        out[i, y0:y1, x0:x1] = g[y0 - oy:y1 - oy, x0 - ox:x1 - ox]
    return out


@dataclass
class MattingBatch:
    image: torch.Tensor       # [B, 3, F, S, S] composite in [0, 1] (with JPEG noise if any)
    clean: torch.Tensor       # [B, 3, F, S, S] composite without JPEG noise
    alpha: torch.Tensor       # [B, 1, F, S, S]
    foreground: torch.Tensor  # [B, 3, F, S, S]
    background: torch.Tensor  # [B, 3, F, S, S]


def composite_clip(rgba: np.ndarray, background: np.ndarray, jpeg_quality: int | None) -> tuple[np.ndarray, np.ndarray]:
    """(composite with JPEG noise, clean composite) of a clip over one background; [F, S, S, 3] uint8."""
    from sticker_studio.training.backgrounds import composite_on_background

    noisy = np.stack([composite_on_background(f, background, jpeg_quality=jpeg_quality) for f in rgba])
    clean = np.stack([composite_on_background(f, background, jpeg_quality=None) for f in rgba]) \
        if jpeg_quality is not None else noisy
    return noisy, clean


def make_matting_batch(clips: MattingClips, cfg: MattingTrainConfig, rng: random.Random) -> MattingBatch:
    from sticker_studio.training.backgrounds import random_background

    np_rng = np.random.default_rng(rng.getrandbits(63))
    s, n = cfg.crop_size, cfg.num_frames
    images, cleans, alphas, fgs, bgs = [], [], [], [], []
    for _ in range(cfg.batch_size):
        frames = clips.frames(rng.randrange(len(clips)))
        t = len(frames)
        stride = rng.randint(1, max(1, min(3, (t - 1) // max(1, n - 1))))
        start = rng.randint(0, max(0, t - 1 - stride * (n - 1)))
        idx = [min(t - 1, start + stride * i) for i in range(n)]
        rgba = random_placement(frames[idx], s, rng)
        bg = random_background(np_rng, s, s, subject_rgba=rgba[0])
        quality = rng.randint(55, 95) if rng.random() < cfg.jpeg_prob else None
        noisy, clean = composite_clip(rgba, bg, quality)
        images.append(noisy)
        cleans.append(clean)
        alphas.append(rgba[..., 3:4])
        fgs.append(rgba[..., :3])
        bgs.append(np.broadcast_to(bg[None], (n, s, s, 3)))

    def to_tensor(items: list[np.ndarray]) -> torch.Tensor:
        return torch.from_numpy(np.stack(items)).permute(0, 4, 1, 2, 3).float() / 255.0

    return MattingBatch(to_tensor(images), to_tensor(cleans), to_tensor(alphas), to_tensor(fgs), to_tensor(bgs))


# ----------------------------------------------------------------------------- loss
def spatial_gradients(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    return x[..., :, 1:] - x[..., :, :-1], x[..., 1:, :] - x[..., :-1, :]


def matting_losses(alpha: torch.Tensor, fg: torch.Tensor, batch: MattingBatch) -> dict[str, torch.Tensor]:
    """The five loss terms (unweighted) for predicted ``alpha`` [B,1,F,H,W] and ``fg`` [B,3,F,H,W]."""
    a_true = batch.alpha
    gx, gy = spatial_gradients(alpha)
    tx, ty = spatial_gradients(a_true)
    comp = alpha * fg + (1 - alpha) * batch.background
    weight = (a_true > 0).float()
    out = {
        "alpha": (alpha - a_true).abs().mean(),
        "gradient": (gx - tx).abs().mean() + (gy - ty).abs().mean(),
        "composition": (comp - batch.clean).abs().mean(),
        "foreground": ((fg - batch.foreground).abs() * weight).sum() / (3 * weight.sum()).clamp_min(1.0),
    }
    if alpha.shape[2] > 1:
        out["temporal"] = ((alpha[:, :, 1:] - alpha[:, :, :-1]) - (a_true[:, :, 1:] - a_true[:, :, :-1])).abs().mean()
    else:
        out["temporal"] = alpha.sum() * 0.0
    return out


# ----------------------------------------------------------------------------- model
def build_matting_head(name: str, temporal_depth: int | None = None, overrides: dict[str, Any] | None = None):
    """A fresh :class:`MattingHead` from a named config (``temporal_depth`` overrides it:
    0 gives the per-frame baseline of the eval table)."""
    from sticker_studio.engine.models import configs

    params = dict(overrides or {})
    if temporal_depth is not None:
        params["temporal_depth"] = int(temporal_depth)
    return configs.make_matting_head(name, **params)


def _lr(step: int, cfg: MattingTrainConfig, total: int) -> float:
    import math

    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    t = min(1.0, (step - cfg.warmup_steps) / max(1, total - cfg.warmup_steps))
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * t)))


@dataclass
class MattingTrainResult:
    run_dir: Path
    steps: int
    final_loss: float
    seconds: float
    exported: Path | None = None


def train_matting(cfg: MattingTrainConfig) -> MattingTrainResult:
    """Run (or resume) a matting-head training run into ``cfg.out``."""
    from tqdm import tqdm

    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    info = distributed.init_distributed(cfg.device)
    device = info.device
    run_dir = Path(cfg.out)
    if info.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
    distributed.barrier(info)
    autocast_dtype = torch.bfloat16 if device.type == "cuda" else None
    torch.manual_seed(cfg.seed)
    model = build_matting_head(cfg.model_config, cfg.temporal_depth, cfg.model_overrides).to(device)
    clips = MattingClips(cfg.data, split="train", size=cfg.crop_size, max_cached=cfg.max_cached_frames,
                         cache_dir=cfg.cache_dir, progress=cfg.progress and info.is_main)
    ema = EMAModel(model, decay=cfg.ema_decay)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    step, elapsed_before = 0, 0.0
    if cfg.resume and (loaded := resume_latest(run_dir, model, optimizer, ema)) is not None:
        step, elapsed_before = loaded.state.step, loaded.state.elapsed_s
    if info.is_main:
        save_run_config(run_dir, {"kind": "matting", **asdict(cfg), "world_size": info.world_size,
                                  "model": dict(model.config), "parameters": sum(p.numel() for p in params),
                                  "train_clips": len(clips)})
    ddp_model = distributed.wrap_model(model, info)
    losses = LossLog(run_dir / LOSS_LOG, info.is_main)
    clock = TrainingClock(cfg.steps, cfg.max_minutes, elapsed_before)
    bar = tqdm(total=cfg.steps, initial=step, desc="train matting", disable=not (cfg.progress and info.is_main))
    last = float("nan")
    model.train()
    end = min(cfg.steps, cfg.stop_at_step) if cfg.stop_at_step else cfg.steps
    while step < end:
        if clock.out_of_time(info):
            break
        rng = random.Random(f"matting-{cfg.seed}-{step}-{info.rank}")
        batch = make_matting_batch(clips, cfg, rng)
        batch = MattingBatch(*(t.to(device) for t in (batch.image, batch.clean, batch.alpha,
                                                         batch.foreground, batch.background)))
        lr = _lr(clock.schedule_step(step, info), cfg, cfg.steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
            out = ddp_model(batch.image)
        alpha = out.alpha if hasattr(out, "alpha") else out[0]
        fg = out.foreground if hasattr(out, "foreground") else out[1]
        terms = matting_losses(alpha.float(), fg.float(), batch)
        loss = sum(cfg.loss_weights.get(k, 0.0) * v for k, v in terms.items())
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        optimizer.step()
        ema.update(model)
        last = float(distributed.all_reduce_mean(loss.detach(), info).item())
        step += 1
        bar.update(1)
        if step % cfg.log_every == 0 or step == 1 or step == end:
            losses.write({"step": step, "loss": round(last, 6), "lr": lr,
                          **{k: round(float(v.detach()), 6) for k, v in terms.items()},
                          "elapsed_s": round(clock.elapsed(), 2)})
            bar.set_postfix(loss=f"{last:.4f}")
        if cfg.checkpoint_every and step % cfg.checkpoint_every == 0 and info.is_main:
            save_checkpoint(run_dir, model=model, optimizer=optimizer, ema_tensors=ema.state_dict(),
                            state=TrainerState(step=step, elapsed_s=clock.elapsed(),
                                               ema_updates=ema.num_updates))
    bar.close()
    seconds = clock.elapsed()
    if info.is_main:
        save_checkpoint(run_dir, model=model, optimizer=optimizer, ema_tensors=ema.state_dict(),
                        state=TrainerState(step=step, elapsed_s=seconds, ema_updates=ema.num_updates))
    exported = None
    if cfg.export and info.is_main:
        exported = export_matting(model, ema, Path(cfg.export), cfg, {"steps": step, "seconds": round(seconds, 1),
                                                                      "device": str(device), "train_clips": len(clips),
                                                                      "final_loss": last})
    distributed.barrier(info)
    distributed.cleanup(info)
    return MattingTrainResult(run_dir, step, last, seconds, exported)


def export_matting(model, ema: EMAModel | None, out: Path, cfg: MattingTrainConfig | None = None,
                   run_info: dict[str, Any] | None = None, dtype: torch.dtype = torch.float16) -> Path:
    """Save the EMA weights with ``save_pretrained`` (config.json + safetensors, fp16)."""
    import copy

    from sticker_studio.core.atomic import atomic_write_text

    out = Path(out)
    export_model = copy.deepcopy(model).to("cpu")
    if ema is not None:
        ema.copy_to(export_model)
    from sticker_studio.training.train import _cast

    _cast(export_model, dtype).save_pretrained(out, safe_serialization=True, max_shard_size="15MB")
    atomic_write_text(out / "training.json", json.dumps({"config": asdict(cfg) if cfg else {}, "run": run_info or {}},
                                                       indent=2, default=str) + "\n")
    return out


def export_matting_from_run(run_dir: Path, out: Path) -> Path:
    run_dir = Path(run_dir)
    raw = json.loads((run_dir / "run_config.json").read_text(encoding="utf-8"))
    known = set(MattingTrainConfig.__dataclass_fields__)
    cfg = MattingTrainConfig(**{k: v for k, v in raw.items() if k in known})
    ckpt = latest_checkpoint(run_dir)
    if ckpt is None:
        raise InvalidInputError(f"{run_dir} has no checkpoint to export")
    loaded = load_checkpoint(ckpt)
    model = build_matting_head(cfg.model_config, cfg.temporal_depth, cfg.model_overrides)
    model.load_state_dict(loaded.ema if loaded.ema is not None else loaded.model)
    return export_matting(model, None, out, cfg, {"steps": loaded.state.step, "seconds": round(loaded.state.elapsed_s, 1)})
