"""Matting-head training: clips with true alpha, composited over sticker backgrounds.

Every sample is a short run of consecutive frames of an RGBA clip (real animated emoji
or synthetic ones), randomly scaled, shifted and flipped (the same transform on every
frame), then composited over one background from :mod:`.background_plates` — white, flat
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

:class:`MattingTask` is the step body; the loop (AdamW, warmup + cosine, gradient
clipping, EMA, safetensors checkpoints, DDP, time budget) is
:func:`sticker_studio.training.loop.train_loop.run_training`, the same as the generator's.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.imageops import resize_rgba
from sticker_studio.training.data.clips import ClipCache, load_or_build_cache
from sticker_studio.training.data.dataset import DatasetRecord, read_index
from sticker_studio.training.loop import distributed
from sticker_studio.training.loop import train_loop as loop
from sticker_studio.training.loop.ema import ParameterEMA
from sticker_studio.training.matting.layout_batches import (
    LAYOUT_LOSS_WEIGHTS,
    LayoutBatch,
    PackedBatch,
    crop_to_holes,
    gather_packed_batch,
    layout_losses,
)

#: batches of a pack gathered ahead on worker threads when training on a GPU
PREFETCH_BATCHES = 3


@dataclass
class MattingTrainConfig(loop.TrainConfig):
    """Everything that defines a matting run (saved as ``run_config.json``); the shared
    fields are :class:`~sticker_studio.training.loop.train_loop.TrainConfig`'s, with matting defaults."""

    model_config: str = "layout-direct"
    steps: int = 2000
    batch_size: int = 4
    num_frames: int = 5
    """Consecutive frames per sample (the temporal layers see them together)."""
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 50
    min_lr_ratio: float = 0.05
    ema_decay: float = 0.995
    temporal_depth: int | None = None
    """Overrides the config's temporal layers (0: the per-frame baseline)."""
    crop_size: int = 128
    max_cached_frames: int = 12
    loss_weights: dict[str, float] = field(default_factory=lambda: {
        "alpha": 1.0, "gradient": 1.0, "composition": 0.5, "foreground": 0.5, "temporal": 1.0})
    jpeg_prob: float = 0.3
    kit: str | None = None
    """Train from a matting pack (:mod:`.matting_pack`: composited clips with their layout
    prior precomputed) instead of ``data`` folders — how the layout-prior head is trained;
    then :func:`.layout_matting.layout_losses` with ``layout_loss_weights`` is the loss."""
    more_kits: list[str] = field(default_factory=list)
    """Further packs beside ``kit`` (shards built in parallel); clips are drawn uniformly from all."""
    layout_loss_weights: dict[str, float] = field(default_factory=lambda: dict(LAYOUT_LOSS_WEIGHTS))
    enclosed_weight: float = 4.0
    """Kit runs: extra alpha-L1 weight on the prior's enclosed candidates (holes vs white parts)."""
    edge_weight: float = 2.0
    """Kit runs: extra alpha-L1 weight on the truth's partial-alpha band."""
    hole_crop_share: float = 0.0
    """Kit runs: share of samples replaced by a zoomed crop (50-80 % of the side) centred on one
    of their enclosed regions (:func:`.layout_matting.crop_to_holes`); 0 for the bundled head."""
    init_weights: str | None = None
    """Start from these exported weights (a head folder, e.g. resources/models/matting-head): a
    fine-tune; the config must match. A resumed run loads its checkpoint over them."""


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
    from sticker_studio.training.data.background_plates import composite_on_background

    noisy = np.stack([composite_on_background(f, background, jpeg_quality=jpeg_quality) for f in rgba])
    clean = np.stack([composite_on_background(f, background, jpeg_quality=None) for f in rgba]) \
        if jpeg_quality is not None else noisy
    return noisy, clean


def make_matting_batch(clips: MattingClips, cfg: MattingTrainConfig, rng: random.Random) -> MattingBatch:
    from sticker_studio.training.data.background_plates import random_background

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
    from sticker_studio.engine.models.matting_head import MattingHead
    from sticker_studio.training.recipes import matting_config

    params = dict(overrides or {})
    if temporal_depth is not None:
        params["temporal_depth"] = int(temporal_depth)
    return MattingHead(**matting_config(name, **params))


def load_head_weights(model: nn.Module, folder: Path) -> None:
    """Load an exported head's safetensors (fp16 or fp32) into ``model`` (same config)."""
    from safetensors.torch import load_file

    from sticker_studio.core.errors import ModelNotFoundError

    files = sorted(Path(folder).glob("*.safetensors"))
    if not files:
        raise ModelNotFoundError(f"no safetensors in {folder} (the matting head to start from)")
    state: dict[str, torch.Tensor] = {}
    for f in files:
        state.update({k: v.float() for k, v in load_file(str(f)).items()})
    try:
        model.load_state_dict(state)
    except RuntimeError as error:
        raise InvalidInputError(f"the weights in {folder} do not fit the {type(model).__name__} config "
                                f"({str(error).splitlines()[0]}); pick the config they were trained with") from None


#: kept for callers of the old name; every run returns :class:`~sticker_studio.training.loop.train_loop.TrainResult`
MattingTrainResult = loop.TrainResult


# ----------------------------------------------------------------------------- step body
def _uses_prior(model: nn.Module) -> bool:
    inner = getattr(model, "module", model)  # DDP wraps the head
    return bool(getattr(getattr(inner, "config", None), "prior_channels", 0))


class MattingTask(loop.StatelessTaskHooks):
    """The matting head's step body for :func:`sticker_studio.training.loop.train_loop.run_training`:
    clips composited over random backgrounds → the five weighted loss terms; or, with
    ``cfg.kit``, packed clips with their layout prior → :func:`.layout_matting.layout_losses`."""

    name = "matting"

    def __init__(self, cfg: MattingTrainConfig) -> None:
        self.cfg = cfg
        self.device = torch.device("cpu")
        self._clips: MattingClips | None = None
        self._kits: list[dict[str, np.ndarray]] = []
        self._kit_starts: list[int] = []
        self._kit_size = 0
        self._prefetch: Any = None
        self._pending: dict[int, Any] = {}

    @property
    def config(self) -> MattingTrainConfig:
        return self.cfg

    def build_model(self) -> nn.Module:
        model = build_matting_head(self.cfg.model_config, self.cfg.temporal_depth, self.cfg.model_overrides)
        if self.cfg.init_weights:
            load_head_weights(model, Path(self.cfg.init_weights))
        return model

    def prepare(self, model: nn.Module, info: distributed.DistInfo) -> dict[str, Any]:
        cfg = self.cfg
        self.device = info.device
        if cfg.kit:
            from sticker_studio.training.data.matting_pack import load_pack

            for kit in (cfg.kit, *cfg.more_kits):
                if not (Path(kit) / "meta.jsonl").is_file():
                    raise InvalidInputError(f"{kit} is not a matting pack (no meta.jsonl); build one with "
                                            "`sticker-studio data matting-pack`")
                arrays, meta = load_pack(Path(kit))
                self._kits.append(arrays)
                self._kit_starts.append(self._kit_size)
                self._kit_size += len(meta)
            if self.device.type == "cuda":  # keep the GPU fed: the next batches are gathered on threads
                from concurrent.futures import ThreadPoolExecutor

                self._prefetch = ThreadPoolExecutor(max_workers=PREFETCH_BATCHES, thread_name_prefix="kit-batch")
            kits = [str(k) for k in (cfg.kit, *cfg.more_kits)]
            return {"train_clips": self._kit_size, "kit": kits[0] if len(kits) == 1 else kits}
        self._clips = MattingClips(cfg.data, split="train", size=cfg.crop_size, max_cached=cfg.max_cached_frames,
                                   cache_dir=cfg.cache_dir, progress=cfg.progress and info.is_main)
        return {"train_clips": len(self._clips)}

    def _packed_batch(self, step: int, rank: int) -> PackedBatch:
        """The uint8 clips of ``step`` (a pure function of seed, step and rank: safe to prefetch)."""
        from bisect import bisect_right

        rng = random.Random(f"layout-{self.cfg.seed}-{step}-{rank}")
        picks = [rng.randrange(self._kit_size) for _ in range(self.cfg.batch_size)]
        flips = [rng.random() < 0.5 for _ in picks]
        if len(self._kits) == 1:
            return gather_packed_batch(self._kits[0], picks, flips, pin=self.device.type == "cuda")
        parts = []
        for p, f in zip(picks, flips, strict=False):
            k = bisect_right(self._kit_starts, p) - 1
            parts.append(gather_packed_batch(self._kits[k], [p - self._kit_starts[k]], [f]))
        return PackedBatch(*(torch.cat([getattr(b, name) for b in parts])
                             for name in ("image", "prior", "alpha", "foreground", "plate", "bgcolour")))

    def _hole_crops(self, batch: LayoutBatch, step: loop.StepInfo) -> LayoutBatch:
        share = self.cfg.hole_crop_share
        if share <= 0.0:
            return batch
        rng = random.Random(f"holes-{self.cfg.seed}-{step.step}-{step.rank}")
        picks = [(b, rng.uniform(0.5, 0.8), rng.random(), rng.random())
                 for b in range(batch.image.shape[0]) if rng.random() < share]
        return crop_to_holes(batch, picks) if picks else batch

    def make_batch(self, step: loop.StepInfo) -> MattingBatch | LayoutBatch:
        if self._kits:
            if self._prefetch is None:
                return self._hole_crops(self._packed_batch(step.step, step.rank).to_batch(self.device), step)
            future = self._pending.pop(step.step, None)
            for ahead in range(step.step + 1, step.step + 1 + PREFETCH_BATCHES):
                if ahead not in self._pending:
                    self._pending[ahead] = self._prefetch.submit(self._packed_batch, ahead, step.rank)
            packed = future.result() if future is not None else self._packed_batch(step.step, step.rank)
            return self._hole_crops(packed.to_batch(self.device), step)
        assert self._clips is not None, "prepare() first"
        rng = random.Random(f"matting-{self.cfg.seed}-{step.step}-{step.rank}")
        batch = make_matting_batch(self._clips, self.cfg, rng)
        return MattingBatch(*(t.to(self.device) for t in (batch.image, batch.clean, batch.alpha,
                                                            batch.foreground, batch.background)))

    def loss(self, model: nn.Module, batch: MattingBatch | LayoutBatch) -> dict[str, torch.Tensor]:
        dtype = loop.autocast_dtype_for(self.device)
        with torch.autocast(self.device.type, dtype=dtype, enabled=dtype is not None):
            if isinstance(batch, LayoutBatch) and _uses_prior(model):
                out = model(batch.image, prior=batch.prior)
            else:
                out = model(batch.image)
        alpha = out.alpha if hasattr(out, "alpha") else out[0]
        fg = out.foreground if hasattr(out, "foreground") else out[1]
        if isinstance(batch, LayoutBatch):
            terms = layout_losses(alpha.float(), fg.float(), batch, self.cfg.enclosed_weight, self.cfg.edge_weight)
            weights = self.cfg.layout_loss_weights
        else:
            terms = matting_losses(alpha.float(), fg.float(), batch)
            weights = self.cfg.loss_weights
        total = sum((weights.get(k, 0.0) * v for k, v in terms.items()), torch.zeros((), device=alpha.device))
        return {"loss": total, **terms}

    def export(self, model: nn.Module, ema: ParameterEMA | None, out: Path, run_info: dict[str, Any]) -> Path:
        return export_matting(model, ema, out, self.cfg, run_info)


def train_matting(cfg: MattingTrainConfig) -> loop.TrainResult:
    """Run (or resume) a matting-head training run into ``cfg.out``."""
    return loop.run_training(MattingTask(cfg))


def export_matting(model: nn.Module, ema: ParameterEMA | None, out: Path, cfg: MattingTrainConfig | None = None,
                   run_info: dict[str, Any] | None = None, dtype: torch.dtype = torch.float16) -> Path:
    """Save the EMA weights with ``save_pretrained`` (config.json + safetensors, fp16)."""
    out = Path(out)
    loop.export_copy(model, ema, dtype).save_pretrained(out, safe_serialization=True, max_shard_size="15MB")
    loop.write_training_info(out, cfg, run_info)
    return out


def export_matting_from_run(run_dir: Path, out: Path) -> Path:
    """Export the newest checkpoint of a finished run (EMA weights)."""
    return loop.export_run(run_dir, out, MattingTask(loop.read_run_config(run_dir, MattingTrainConfig)))
