"""Generator training: RDTF's recipe for the DFGN (rdtf_method.md §2–§4).

One step:

1. the curriculum (:mod:`.curriculum`) picks the batch's task — t2v, i2v, interp,
   continue or loop — from its static + loss-adaptive weights;
2. a batch of clips (:mod:`.clips`): N frames on white in [-1, 1] plus the **loss mask**
   (1 = real frame); for loop closing frame 0 is appended after the last real frame;
3. a **condition mask** per sample (:func:`sticker_studio.engine.tasks.sample_training_mask`);
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
import logging
import math
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.engine.tasks import Task, sample_training_mask
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
from sticker_studio.training.conditioning_aug import (
    AugmentConfig,
    augment_clips,
    sample_fixed_task,
    sample_timesteps,
)
from sticker_studio.training.clips import ClipConfig, ClipDataset, TextEmbeddingCache, collate
from sticker_studio.training.curriculum import Curriculum, CurriculumConfig
from sticker_studio.training.ema import EMAModel

log = logging.getLogger(__name__)

LOSS_LOG = "loss.jsonl"

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
class GeneratorTrainConfig:
    """Everything that defines a generator run (saved as ``run_config.json``)."""

    data: list[str]
    out: str
    model_config: str = "tiny"
    steps: int = 1000
    max_minutes: float | None = None
    stop_at_step: int | None = None  # end this session early (the schedule still spans `steps`)
    batch_size: int = 8
    lr: float = 3e-4
    weight_decay: float = 1e-2
    warmup_steps: int = 100
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    num_frames: int = 8
    curriculum: str = "dcl"
    condition_dropout: float = 0.1
    word_dropout: float = 0.2
    empty_text_prob: float = 0.1
    text_encoder: dict[str, Any] | None = None  # None: MiniLM for 384-d models, else a tiny one
    noise_schedule: dict[str, Any] = field(default_factory=lambda: dict(NOISE_SCHEDULE))
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
    # conditioned-task training (training/conditioning_aug.py); the defaults keep RDTF's recipe
    task_weights: dict[str, float] | None = None  # a fixed task mix instead of the curriculum
    augment_prob: float = 0.0                      # share of conditioned clips flipped/scaled/shifted/hue-jittered
    low_noise_share: float = 0.0                   # share of timesteps drawn from t < low_noise_max
    low_noise_max: int = 250
    kit: str | None = None  # train from a packed offline kit (training/gpu_kit.py) instead of `data`


@dataclass
class TrainResult:
    run_dir: Path
    steps: int
    final_loss: float
    seconds: float
    exported: Path | None = None
    weights_sha256: str = ""


def weights_digest(model: torch.nn.Module) -> str:
    """sha256 over a model's state (names + bytes): equal digests mean identical weights."""
    import hashlib

    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().float().numpy().tobytes())
    return h.hexdigest()


# ----------------------------------------------------------------------------- pieces
def learning_rate(step: int, cfg: GeneratorTrainConfig, total: int) -> float:
    """Linear warmup, then cosine decay to ``min_lr_ratio·lr`` at ``total`` steps."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    span = max(1, total - cfg.warmup_steps)
    t = min(1.0, (step - cfg.warmup_steps) / span)
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * t)))


def build_generator(name: str, overrides: dict[str, Any] | None = None):
    """A fresh DFGN from a named config of :mod:`sticker_studio.engine.models.configs`."""
    from sticker_studio.engine.models import configs

    return configs.make_dfgn(name, **(overrides or {}))


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
    full), as the loop task expects (:func:`sticker_studio.engine.tasks.sample_training_mask`).
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


def _set_threads(threads: int | None) -> None:
    if threads:
        torch.set_num_threads(int(threads))


class LossLog:
    """``loss.jsonl``: one line per logged step (appended; a log, not a user file)."""

    def __init__(self, path: Path, enabled: bool) -> None:
        self.path = path
        self.enabled = enabled

    def write(self, record: dict[str, Any]) -> None:
        if self.enabled:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record) + "\n")


def _dataset_and_text(cfg: GeneratorTrainConfig, model, clip_cfg: ClipConfig, device: torch.device,
                      info: distributed.DistInfo):
    """The training clips of ``cfg.data`` and their cached text states (MiniLM cached on disk)."""
    dataset = ClipDataset(cfg.data, split="train", config=clip_cfg, cache_dir=cfg.cache_dir,
                          progress=cfg.progress and info.is_main)
    cfg.text_encoder = text_encoder_config_for(model, cfg.text_encoder)
    encoder = build_text_encoder(cfg.text_encoder, cfg.seed)
    text = TextEmbeddingCache(encoder, device)
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
    return dataset, text, encoder


# ----------------------------------------------------------------------------- loop
def train_generator(cfg: GeneratorTrainConfig) -> TrainResult:
    """Run (or resume) a generator training run into ``cfg.out``."""
    from tqdm import tqdm

    _set_threads(cfg.threads)
    info = distributed.init_distributed(cfg.device)
    device = info.device
    run_dir = Path(cfg.out)
    if info.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
    distributed.barrier(info)
    autocast_dtype = torch.bfloat16 if device.type == "cuda" else None

    torch.manual_seed(cfg.seed)
    model = build_generator(cfg.model_config, cfg.model_overrides)
    size = int(model.config.sample_size)
    clip_cfg = ClipConfig(num_frames=cfg.num_frames, size=size, word_dropout=cfg.word_dropout,
                          empty_text_prob=cfg.empty_text_prob)
    if cfg.kit:
        from sticker_studio.training.gpu_kit import (
            MINILM_CONFIG,
            kit_text_encoder_stub,
            load_kit_dataset,
            load_kit_text,
        )

        dataset = load_kit_dataset(cfg.kit, clip_cfg)
        cfg.text_encoder = dict(cfg.text_encoder or MINILM_CONFIG)
        text = load_kit_text(cfg.kit, device)  # precomputed: no text encoder on this machine
        encoder = kit_text_encoder_stub(cfg.text_encoder)
    else:
        dataset, text, encoder = _dataset_and_text(cfg, model, clip_cfg, device, info)

    model.to(device)
    ema = EMAModel(model, decay=cfg.ema_decay)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.999))
    scheduler = make_noise_scheduler(cfg.noise_schedule)
    curriculum = Curriculum(CurriculumConfig(kind=cfg.curriculum, total_steps=max(1, cfg.steps)))

    step, elapsed_before = 0, 0.0
    if cfg.resume and (loaded := resume_latest(run_dir, model, optimizer, ema)) is not None:
        if loaded.state.curriculum:
            curriculum.load_state_dict(loaded.state.curriculum)
        step, elapsed_before = loaded.state.step, loaded.state.elapsed_s
        log.info("resumed %s at step %d", run_dir, step)
    if info.is_main:
        save_run_config(run_dir, {"kind": "generator", **asdict(cfg), "world_size": info.world_size,
                                  "model": dict(model.config), "parameters": sum(p.numel() for p in params),
                                  "train_clips": len(dataset)})
    ddp_model = distributed.wrap_model(model, info)
    losses = LossLog(run_dir / LOSS_LOG, info.is_main)
    clock = TrainingClock(cfg.steps, cfg.max_minutes, elapsed_before)
    bar = tqdm(total=cfg.steps, initial=step, desc="train generator", disable=not (cfg.progress and info.is_main))
    last_loss = float("nan")
    model.train()
    end = min(cfg.steps, cfg.stop_at_step) if cfg.stop_at_step else cfg.steps
    while step < end:
        if clock.out_of_time(info):
            break
        # the curriculum and the LR schedule run over whichever ends first: the steps or the time budget
        progress = clock.progress(step, info)
        schedule_step = clock.schedule_step_at(step, progress)
        curriculum_step = int(progress * curriculum.config.total_steps)
        task_rng, data_rng, gen = step_rngs(cfg.seed, step, info.rank)
        if cfg.task_weights:
            task = sample_fixed_task(cfg.task_weights, task_rng)
        else:
            task = curriculum.sample_task(curriculum_step, task_rng)
        batch = make_batch(dataset, scheduler, cfg, task, data_rng, gen)
        lr = learning_rate(schedule_step, cfg, cfg.steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = generator_loss(ddp_model, batch, text, device, autocast_dtype)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        optimizer.step()
        ema.update(model)
        mean_loss = float(distributed.all_reduce_mean(loss.detach(), info).item())
        curriculum.update(mean_loss)
        last_loss = mean_loss
        step += 1
        bar.update(1)
        if step % cfg.log_every == 0 or step == 1 or step == end:
            weights = curriculum.group_weights(curriculum_step)
            losses.write({"step": step, "loss": round(mean_loss, 6), "task": task.value, "lr": lr,
                          "grad_norm": round(float(grad_norm), 4), "bucket": curriculum.last_bucket,
                          "weights": {k: round(v, 4) for k, v in weights.items()},
                          "elapsed_s": round(clock.elapsed(), 2)})
            bar.set_postfix(loss=f"{mean_loss:.4f}", task=task.value)
        if cfg.checkpoint_every and step % cfg.checkpoint_every == 0:
            _checkpoint(run_dir, model, optimizer, ema, curriculum, step, clock.elapsed(), info)
    bar.close()
    seconds = clock.elapsed()
    _checkpoint(run_dir, model, optimizer, ema, curriculum, step, seconds, info)
    exported = None
    if cfg.export and info.is_main:
        exported = export_generator(model, ema, cfg, Path(cfg.export), encoder, run_info={
            "steps": step, "seconds": round(seconds, 1), "world_size": info.world_size,
            "device": str(device), "train_clips": len(dataset), "final_loss": last_loss})
    digest = weights_digest(model)
    distributed.barrier(info)
    distributed.cleanup(info)
    return TrainResult(run_dir, step, last_loss, seconds, exported, digest)


def _checkpoint(run_dir: Path, model, optimizer, ema: EMAModel, curriculum: Curriculum, step: int,
                seconds: float, info: distributed.DistInfo) -> None:
    if info.is_main:
        save_checkpoint(run_dir, model=model, optimizer=optimizer, ema_tensors=ema.state_dict(),
                        state=TrainerState(step=step, elapsed_s=seconds, ema_updates=ema.num_updates,
                                           curriculum=curriculum.state_dict()))
    distributed.barrier(info)


# ----------------------------------------------------------------------------- export
def export_generator(model, ema: EMAModel | None, cfg: GeneratorTrainConfig, out: Path, text_encoder=None,
                     run_info: dict[str, Any] | None = None, dtype: torch.dtype = torch.float16) -> Path:
    """Write the EMA weights as a diffusers-layout bundle the pipeline loads::

        out/model_index.json
        out/unet/config.json + diffusion_pytorch_model.safetensors   (fp16)
        out/scheduler/scheduler_config.json                            (DDIM, trailing)
        out/text_encoder/config.json                                   {"type": "minilm-l6-v2"}
                                       (+ weights for a tiny random encoder)
        out/training.json                                              what made it
    """
    import copy

    import diffusers
    from diffusers import DDIMScheduler

    from sticker_studio.core.atomic import atomic_write_text
    from sticker_studio.engine import bundle

    out = Path(out)
    if text_encoder is None:
        text_encoder = build_text_encoder(cfg.text_encoder or text_encoder_config_for(model, None), cfg.seed)
    export_model = copy.deepcopy(model).to("cpu")
    if ema is not None:
        ema.copy_to(export_model)
    export_model = _cast(export_model, dtype)
    export_model.save_pretrained(out / "unet", safe_serialization=True, max_shard_size="15MB")
    DDIMScheduler(**cfg.noise_schedule).save_pretrained(out / "scheduler")
    bundle.save_text_encoder(text_encoder, out / "text_encoder")
    index = {
        "_class_name": "StickerPipeline",
        "_diffusers_version": diffusers.__version__,
        "unet": ["sticker_studio.engine.models.dfgn", "DFGN"],
        "scheduler": ["diffusers", "DDIMScheduler"],
        "text_encoder": bundle.class_spec(text_encoder),
        "num_frames": cfg.num_frames,
        "sample_size": int(model.config.sample_size),
        "defaults": {"steps": {"ddim": 25, "dpm": 10}, "guidance": 5.0, "image_guidance": 2.0, "fps": 8.0},
    }
    atomic_write_text(out / "model_index.json", json.dumps(index, indent=2) + "\n")
    atomic_write_text(out / "training.json", json.dumps({"config": asdict(cfg), "run": run_info or {}},
                                                       indent=2, default=str) + "\n")
    return out


def _cast(model, dtype: torch.dtype):
    """``model.to(dtype)`` without diffusers' warning about fp32-kept modules (DFGN and the
    matting head have none; the pipeline picks its own dtype when it loads them)."""
    from diffusers.utils import logging as dlogging

    level = dlogging.get_verbosity()
    dlogging.set_verbosity_error()
    try:
        return model.to(dtype)
    finally:
        dlogging.set_verbosity(level)


def export_from_run(run_dir: Path, out: Path) -> Path:
    """Export the newest checkpoint of a finished run (EMA weights)."""
    run_dir = Path(run_dir)
    config_path = run_dir / "run_config.json"
    if not config_path.is_file():
        raise InvalidInputError(f"{run_dir} is not a training run (run_config.json missing)")
    raw = json.loads(config_path.read_text(encoding="utf-8"))
    known = set(GeneratorTrainConfig.__dataclass_fields__)
    cfg = GeneratorTrainConfig(**{k: v for k, v in raw.items() if k in known})
    ckpt = latest_checkpoint(run_dir)
    if ckpt is None:
        raise InvalidInputError(f"{run_dir} has no checkpoint to export")
    loaded = load_checkpoint(ckpt)
    model = build_generator(cfg.model_config, cfg.model_overrides)
    model.load_state_dict(loaded.ema if loaded.ema is not None else loaded.model)
    run_info = {"steps": loaded.state.step, "seconds": round(loaded.state.elapsed_s, 1)}
    return export_generator(model, None, cfg, out, run_info=run_info)
