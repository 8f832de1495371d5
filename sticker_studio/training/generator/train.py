"""Generator training: RDTF's recipe for the DFGN (rdtf_method.md §2–§4).

One step:

1. the curriculum (:mod:`.curriculum`) picks the batch's task — t2v, i2v, interp,
   continue or loop — from its static + loss-adaptive weights;
2. a batch of clips (:mod:`.clips`): N frames on white in [-1, 1] plus the **loss mask**
   (1 = real frame); for loop closing frame 0 is appended after the last real frame;
3. a **condition mask** per sample (:func:`sticker_studio.engine.generate.tasks.sample_training_mask`);
   with a small probability it is zeroed (condition-frame dropout, for image guidance);
   the condition is the clean frames × mask (zeros where not given);
4. DDPM noise at a random timestep; the DFGN predicts **v** (see below) from the noisy
   clip, the timestep, the cached MiniLM caption states (≈20 % words dropped, 10 % empty
   for text guidance) and the condition;
5. ``loss = MSE(pred·mask, target·mask)`` averaged over real frames only, so padded
   frames give exactly zero gradient; AdamW, warmup + cosine LR, gradient clipping,
   bf16 autocast on CUDA (fp32 on the CPU), EMA of the weights.

**v-prediction with a zero-terminal-SNR schedule.** The noise schedule is RDTF's
(1000 steps, β 0.00085→0.012, ``scaled_linear``), rescaled so the last step is pure
noise (Lin et al., "Common Diffusion Noise Schedules and Sample Steps are Flawed").
A pixel-space model at 64² otherwise learns from a last step that still shows the
image (√ᾱ_T ≈ 0.07) yet samples from pure noise; zero terminal SNR requires v (ε is
undefined there), and v trains faster at small scale because its target stays well
scaled at both ends of the schedule. The DDIM config saved with the model uses
``timestep_spacing="trailing"`` so sampling starts at the pure-noise step.

Everything a step draws at random comes from generators seeded by (seed, step, rank),
so a resumed run draws exactly what an uninterrupted one would, with no RNG state to
carry. DDP (``torchrun``) averages gradients; every rank draws the same task (the task
RNG ignores the rank) and different clips.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from sticker_studio.engine.generate.tasks import Task, sample_training_mask
from sticker_studio.training.data.clips import ClipConfig, ClipDataset, TextEmbeddingCache, collate
from sticker_studio.training.generator.conditioning_aug import (
    AugmentConfig,
    augment_clips,
    sample_fixed_task,
    sample_timesteps,
)
from sticker_studio.training.generator.curriculum import Curriculum, CurriculumConfig
from sticker_studio.training.loop import distributed
from sticker_studio.training.loop.ema import ParameterEMA
from sticker_studio.training.loop.train_loop import (
    LOSS_LOG,
    StepInfo,
    TrainConfig,
    TrainResult,
    autocast_dtype_for,
    export_copy,
    export_run,
    learning_rate,
    read_run_config,
    run_training,
    weights_digest,
    write_training_info,
)

__all__ = [
    "LOSS_LOG", "NOISE_SCHEDULE", "GeneratorTask", "GeneratorTrainConfig", "TrainResult", "export_from_run",
    "export_generator", "learning_rate", "train_generator", "weights_digest",
]

#: The diffusion process (saved with the model as scheduler/scheduler_config.json).
NOISE_SCHEDULE: dict[str, Any] = {
    "num_train_timesteps": 1000,
    "beta_start": 0.00085,
    "beta_end": 0.012,
    "beta_schedule": "scaled_linear",
    "prediction_type": "v_prediction",
    "rescale_betas_zero_snr": True,
    "clip_sample": False,
    "timestep_spacing": "trailing",
}


@dataclass
class GeneratorTrainConfig(TrainConfig):
    """Everything that defines a generator run (saved as ``run_config.json``); the shared
    fields and their defaults are :class:`~sticker_studio.training.loop.train_loop.TrainConfig`'s."""

    curriculum: str = "dcl"
    condition_dropout: float = 0.1
    word_dropout: float = 0.2
    empty_text_prob: float = 0.1
    text_encoder: dict[str, Any] | None = None  # None: MiniLM for 384-d models, else a tiny one
    noise_schedule: dict[str, Any] = field(default_factory=lambda: dict(NOISE_SCHEDULE))
    # conditioned-task training (training/generator/conditioning_aug.py); the defaults keep RDTF's recipe
    task_weights: dict[str, float] | None = None  # a fixed task mix instead of the curriculum
    augment_prob: float = 0.0                      # share of conditioned clips flipped/scaled/shifted/hue-jittered
    low_noise_share: float = 0.0                   # share of timesteps drawn from t < low_noise_max
    low_noise_max: int = 250
    kit: str | None = None  # train from a packed offline kit (training/kits/generator_kit.py) instead of `data`


# ----------------------------------------------------------------------------- pieces
def model_sample_size(model: nn.Module) -> int:
    """The frame side a diffusers-style model was configured for."""
    config: Any = model.config
    return int(config.sample_size)


def build_generator(name: str, overrides: dict[str, Any] | None = None):
    """A fresh DFGN from a named config (:mod:`sticker_studio.engine.models.configs` or
    :mod:`sticker_studio.training.recipes`)."""
    from sticker_studio.engine.models.dfgn import DFGN
    from sticker_studio.training.recipes import generator_config

    return DFGN(**generator_config(name, **(overrides or {})))


def text_encoder_config_for(model, requested: dict[str, Any] | None) -> dict[str, Any]:
    """The text encoder a run uses: the requested one, else the frozen MiniLM when the
    model's cross-attention takes 384-d states, else a small random frozen encoder of the
    right width (test configs; its weights are exported with the model)."""
    if requested:
        return dict(requested)
    dim = int(model.config.cross_attention_dim)
    from sticker_studio.engine.models.text_encoder import MINILM_HIDDEN_SIZE

    if dim == MINILM_HIDDEN_SIZE:
        return {"type": "minilm-l6-v2"}
    return {"type": "tiny", "width": 32, "num_layers": 1, "num_heads": 2, "output_dim": dim}


def build_text_encoder(config: dict[str, Any], seed: int):
    """The frozen text encoder (random tiny encoders are seeded so every rank agrees)."""
    from sticker_studio.engine.models.text_encoder import load_text_encoder

    with torch.random.fork_rng():
        torch.manual_seed(seed + 7919)
        encoder = load_text_encoder(config)
    if hasattr(encoder, "requires_grad_"):
        encoder.requires_grad_(False).eval()
    return encoder


def make_noise_scheduler(schedule: dict[str, Any]):
    from diffusers import DDPMScheduler

    return DDPMScheduler(**{k: v for k, v in schedule.items() if k != "timestep_spacing"})


def apply_loop_closing(frames: torch.Tensor, valid: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Put frame 0 after each clip's last real frame (dropping the last one if the clip is
    full), as the loop task expects (:func:`sticker_studio.engine.generate.tasks.sample_training_mask`).
    ``frames``: [B, C, F, H, W]; ``valid``: [B, F]."""
    frames = frames.clone()
    valid = valid.clone()
    n = frames.shape[2]
    for b in range(frames.shape[0]):
        real = int(valid[b].sum().item())
        if real < 2:
            continue
        # ping-pong padding marks every frame real; keep only the first pass of the clip
        slot = min(real, n - 1)
        frames[b, :, slot] = frames[b, :, 0]
        valid[b, :slot + 1] = 1.0
        valid[b, slot + 1:] = 0.0
    return frames, valid


def masked_mse(pred: torch.Tensor, target: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """MSE over real frames only: prediction and target are multiplied by the loss mask
    first (RDTF), so a padded frame contributes neither loss nor gradient."""
    m = valid[:, None, :, None, None].to(pred.dtype)
    err = (pred.float() * m - target.float() * m) ** 2
    per_frame = pred.shape[1] * pred.shape[3] * pred.shape[4]
    return err.sum() / (m.sum() * per_frame).clamp_min(1.0)


def step_rngs(seed: int, step: int, rank: int) -> tuple[random.Random, random.Random, torch.Generator]:
    """(task RNG shared by all ranks, data RNG of this rank, torch noise generator of this rank)."""
    task_rng = random.Random(f"task-{seed}-{step}")
    data_rng = random.Random(f"data-{seed}-{step}-{rank}")
    gen = torch.Generator().manual_seed(hash((seed, step, rank)) & 0x7FFF_FFFF_FFFF)
    return task_rng, data_rng, gen


@dataclass
class Batch:
    noisy: torch.Tensor
    timesteps: torch.Tensor
    target: torch.Tensor
    condition: torch.Tensor
    condition_mask: torch.Tensor
    valid: torch.Tensor
    captions: list[str]
    task: Task


def make_batch(dataset: ClipDataset, scheduler, cfg: GeneratorTrainConfig, task: Task,
               data_rng: random.Random, gen: torch.Generator) -> Batch:
    """Draw clips, masks and noise for one step (on the CPU)."""
    indices = [data_rng.randrange(len(dataset)) for _ in range(cfg.batch_size)]
    frames, valid, captions, _ = collate([dataset.sample(i, data_rng) for i in indices])
    if task is Task.LOOP:
        frames, valid = apply_loop_closing(frames, valid)
    if cfg.augment_prob > 0 and task is not Task.TEXT_TO_ANIMATION:
        frames = augment_clips(frames, gen, AugmentConfig(prob=cfg.augment_prob))
    masks = []
    for b in range(frames.shape[0]):
        mask = sample_training_mask(task, [int(v) for v in valid[b].tolist()], data_rng)
        if task is not Task.TEXT_TO_ANIMATION and data_rng.random() < cfg.condition_dropout:
            mask = [0] * len(mask)
        masks.append(mask)
    cmask = torch.tensor(masks, dtype=torch.float32)
    condition = frames * cmask[:, None, :, None, None]
    noise = torch.randn(frames.shape, generator=gen)
    timesteps = sample_timesteps(frames.shape[0], scheduler.config.num_train_timesteps, gen,
                                 low_noise_share=cfg.low_noise_share, low_noise_max=cfg.low_noise_max)
    noisy = scheduler.add_noise(frames, noise, timesteps)
    if scheduler.config.prediction_type == "v_prediction":
        target = scheduler.get_velocity(frames, noise, timesteps)
    else:
        target = noise
    return Batch(noisy, timesteps, target, condition, cmask, valid, captions, task)


def generator_loss(model, batch: Batch, text: TextEmbeddingCache, device: torch.device,
                   autocast_dtype: torch.dtype | None) -> torch.Tensor:
    hidden, tmask = text.get(batch.captions)
    with torch.autocast(device.type, dtype=autocast_dtype, enabled=autocast_dtype is not None):
        out = model(
            batch.noisy.to(device),
            batch.timesteps.to(device),
            encoder_hidden_states=hidden,
            condition=batch.condition.to(device),
            condition_mask=batch.condition_mask.to(device),
            encoder_attention_mask=tmask,
        )
    pred = out.sample if hasattr(out, "sample") else out[0]
    return masked_mse(pred, batch.target.to(device), batch.valid.to(device))


# ----------------------------------------------------------------------------- step body
class GeneratorTask:
    """The DFGN's step body for :func:`sticker_studio.training.loop.train_loop.run_training`:
    curriculum task → clips + condition masks + noise → masked v-prediction MSE."""

    name = "generator"

    def __init__(self, cfg: GeneratorTrainConfig) -> None:
        self.cfg = cfg
        self.curriculum = Curriculum(CurriculumConfig(kind=cfg.curriculum, total_steps=max(1, cfg.steps)))
        self.scheduler = make_noise_scheduler(cfg.noise_schedule)
        self.device = torch.device("cpu")
        self.encoder: Any = None
        self._dataset: ClipDataset | None = None
        self._text: TextEmbeddingCache | None = None

    @property
    def config(self) -> GeneratorTrainConfig:
        return self.cfg

    def build_model(self) -> nn.Module:
        return build_generator(self.cfg.model_config, self.cfg.model_overrides)

    def prepare(self, model: nn.Module, info: distributed.DistInfo) -> dict[str, Any]:
        cfg = self.cfg
        self.device = info.device
        clip_cfg = ClipConfig(num_frames=cfg.num_frames, size=model_sample_size(model),
                              word_dropout=cfg.word_dropout, empty_text_prob=cfg.empty_text_prob)
        if cfg.kit:
            from sticker_studio.training.kits.generator_kit import (
                MINILM_CONFIG,
                kit_text_encoder_stub,
                load_kit_dataset,
                load_kit_text,
            )

            kit_dataset = load_kit_dataset(cfg.kit, clip_cfg)
            cfg.text_encoder = dict(cfg.text_encoder or MINILM_CONFIG)
            self.encoder = kit_text_encoder_stub(cfg.text_encoder)  # precomputed states: no encoder here
            self._dataset, self._text = kit_dataset, load_kit_text(cfg.kit, info.device)
            return {"train_clips": len(kit_dataset)}
        dataset = ClipDataset(cfg.data, split="train", config=clip_cfg, cache_dir=cfg.cache_dir,
                              progress=cfg.progress and info.is_main)
        cfg.text_encoder = text_encoder_config_for(model, cfg.text_encoder)
        self.encoder = build_text_encoder(cfg.text_encoder, cfg.seed)
        text = TextEmbeddingCache(self.encoder, info.device)
        # the frozen MiniLM's outputs are cached on disk (random tiny test encoders are not)
        text_cache = None
        if cfg.cache_dir and cfg.text_encoder.get("type") != "tiny":
            import hashlib

            key = hashlib.sha256(json.dumps(cfg.text_encoder, sort_keys=True).encode()).hexdigest()[:12]
            text_cache = Path(cfg.cache_dir) / f"text-{key}.safetensors"
            text.load(text_cache)
        missing = [c for c in dataset.all_captions() if c not in text]
        text.precompute(missing, progress=cfg.progress and info.is_main)
        if text_cache is not None and missing and info.is_main:
            text.save(text_cache)
        self._dataset, self._text = dataset, text
        return {"train_clips": len(dataset)}

    def _curriculum_step(self, step: StepInfo) -> int:
        return int(step.progress * self.curriculum.config.total_steps)

    def make_batch(self, step: StepInfo) -> Batch:
        assert self._dataset is not None, "prepare() first"
        task_rng, data_rng, gen = step_rngs(self.cfg.seed, step.step, step.rank)
        if self.cfg.task_weights:
            task = sample_fixed_task(self.cfg.task_weights, task_rng)
        else:
            task = self.curriculum.sample_task(self._curriculum_step(step), task_rng)
        return make_batch(self._dataset, self.scheduler, self.cfg, task, data_rng, gen)

    def loss(self, model: nn.Module, batch: Batch) -> dict[str, torch.Tensor]:
        assert self._text is not None, "prepare() first"
        return {"loss": generator_loss(model, batch, self._text, self.device, autocast_dtype_for(self.device))}

    def after_step(self, mean_loss: float, step: StepInfo) -> None:
        self.curriculum.update(mean_loss)

    def log_fields(self, batch: Batch, step: StepInfo) -> dict[str, Any]:
        weights = self.curriculum.group_weights(self._curriculum_step(step))
        return {"task": batch.task.value, "bucket": self.curriculum.last_bucket,
                "weights": {k: round(v, 4) for k, v in weights.items()}}

    def state_dict(self) -> dict[str, Any] | None:
        return self.curriculum.state_dict()

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.curriculum.load_state_dict(state)

    def export(self, model: nn.Module, ema: ParameterEMA | None, out: Path, run_info: dict[str, Any]) -> Path:
        return export_generator(model, ema, self.cfg, out, self.encoder, run_info=run_info)


def train_generator(cfg: GeneratorTrainConfig) -> TrainResult:
    """Run (or resume) a generator training run into ``cfg.out``."""
    return run_training(GeneratorTask(cfg))


# ----------------------------------------------------------------------------- export
def export_generator(model: nn.Module, ema: ParameterEMA | None, cfg: GeneratorTrainConfig, out: Path,
                     text_encoder: Any = None, run_info: dict[str, Any] | None = None,
                     dtype: torch.dtype = torch.float16) -> Path:
    """Write the EMA weights as a diffusers-layout model folder the pipeline loads::

        out/model_index.json
        out/unet/config.json + diffusion_pytorch_model.safetensors   (fp16)
        out/scheduler/scheduler_config.json                            (DDIM, trailing)
        out/text_encoder/config.json                                   {"type": "minilm-l6-v2"}
                                       (+ weights for a tiny random encoder)
        out/training.json                                              what made it
    """
    import diffusers
    from diffusers import DDIMScheduler

    from sticker_studio.core.atomic import atomic_write_text
    from sticker_studio.engine.store import folder as model_folder

    out = Path(out)
    if text_encoder is None:
        text_encoder = build_text_encoder(cfg.text_encoder or text_encoder_config_for(model, None), cfg.seed)
    export_copy(model, ema, dtype).save_pretrained(out / "unet", safe_serialization=True, max_shard_size="15MB")
    scheduler: Any = DDIMScheduler(**cfg.noise_schedule)  # ConfigMixin adds save_pretrained
    scheduler.save_pretrained(out / "scheduler")
    model_folder.save_text_encoder(text_encoder, out / "text_encoder")
    index = {
        "_class_name": "StickerPipeline",
        "_diffusers_version": diffusers.__version__,
        "unet": ["sticker_studio.engine.models.dfgn", "DFGN"],
        "scheduler": ["diffusers", "DDIMScheduler"],
        "text_encoder": model_folder.class_spec(text_encoder),
        "num_frames": cfg.num_frames,
        "sample_size": model_sample_size(model),
        "defaults": {"steps": {"ddim": 25, "dpm": 10}, "guidance": 5.0, "image_guidance": 2.0, "fps": 8.0},
    }
    atomic_write_text(out / "model_index.json", json.dumps(index, indent=2) + "\n")
    write_training_info(out, cfg, run_info)
    return out


def export_from_run(run_dir: Path, out: Path) -> Path:
    """Export the newest checkpoint of a finished run (EMA weights)."""
    return export_run(run_dir, out, GeneratorTask(read_run_config(run_dir, GeneratorTrainConfig)))
