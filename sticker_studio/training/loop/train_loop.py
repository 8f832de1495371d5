"""The one training loop: everything a run does except the model's own step body.

:func:`run_training` owns setup (threads, device, seeds, DDP via :mod:`.distributed`),
resume (:func:`.checkpoint.resume_latest`), ``run_config.json``, the ``loss.jsonl`` log,
the wall-clock budget (:class:`.clock.TrainingClock`), the LR schedule
(:func:`learning_rate`), the optimiser (AdamW + gradient clipping), bf16 autocast on
CUDA, the EMA, checkpoints, the progress bar and the export at the end.

What differs between models is a :class:`TrainingTask` — a small object per model:

* ``build_model()`` — a fresh model (called right after ``torch.manual_seed(cfg.seed)``);
* ``prepare(model, info)`` — load data (and anything else the step needs); returns the
  facts recorded in ``run_config.json`` and the export's ``training.json`` (e.g. clip count);
* ``make_batch(step)`` — one step's batch, drawn from RNGs seeded by ``(seed, step, rank)``
  so a resumed run draws what an uninterrupted one would;
* ``loss(model, batch)`` — a dict of tensors; ``"loss"`` is what is minimised, the other
  entries are logged;
* ``after_step(mean_loss, step)`` / ``log_fields(batch, step)`` — adaptive state (the
  generator's curriculum) and extra ``loss.jsonl`` fields;
* ``state_dict()`` / ``load_state_dict()`` — task state kept in checkpoints (stored as
  the checkpoint's ``curriculum`` entry; ``None`` for stateless tasks);
* ``export(model, ema, out, run_info)`` — write the shipped model folder.

Its configuration is a :class:`TrainConfig` subclass (the fields every run has).
See ``docs/training.md`` for how to add a model.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import math
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol, TypeVar

import torch
from torch import nn

from sticker_studio.core.atomic import atomic_write_text
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.training.loop import distributed
from sticker_studio.training.loop.checkpoint import (
    RUN_CONFIG,
    TrainerState,
    latest_checkpoint,
    load_checkpoint,
    resume_latest,
    save_checkpoint,
    save_run_config,
)
from sticker_studio.training.loop.clock import TrainingClock
from sticker_studio.training.loop.ema import ParameterEMA

log = logging.getLogger(__name__)

LOSS_LOG = "loss.jsonl"
TRAINING_INFO = "training.json"


@dataclass
class TrainConfig:
    """The fields every training run has (saved in ``run_config.json``); models subclass it."""

    data: list[str]
    out: str
    model_config: str = "tiny"
    """A named config of :mod:`sticker_studio.engine.models.configs` (``model_overrides`` change fields)."""
    steps: int = 1000
    max_minutes: float | None = None
    stop_at_step: int | None = None
    """End this session early at this step (the schedule still spans ``steps``)."""
    batch_size: int = 8
    num_frames: int = 8
    lr: float = 3e-4
    weight_decay: float = 1e-2
    """AdamW (betas 0.9, 0.999)."""
    warmup_steps: int = 100
    min_lr_ratio: float = 0.1
    grad_clip: float = 1.0
    ema_decay: float = 0.999
    """The exported weights are the EMA's."""
    checkpoint_every: int = 500
    log_every: int = 10
    seed: int = 0
    resume: bool = False
    """Continue from ``out/checkpoints/latest`` (exactly as an uninterrupted run would)."""
    cache_dir: str | None = None
    device: str = "auto"
    threads: int | None = None
    progress: bool = True
    export: str | None = None
    """Write the shipped model folder here at the end."""
    model_overrides: dict[str, Any] = field(default_factory=dict)


ConfigT = TypeVar("ConfigT", bound=TrainConfig)


@dataclass(frozen=True)
class StepInfo:
    """Where a step stands: ``step`` steps are done; ``progress`` is the schedule position
    in [0, 1] (steps or time budget, whichever is further; the same on every rank)."""

    step: int
    rank: int
    progress: float


class TrainingTask(Protocol):
    """A model's step body for :func:`run_training` (see the module docstring)."""

    name: str  # "generator", "matting": run_config "kind" and the progress bar's label

    @property
    def config(self) -> TrainConfig: ...

    def build_model(self) -> nn.Module: ...

    def prepare(self, model: nn.Module, info: distributed.DistInfo) -> dict[str, Any]: ...

    def make_batch(self, step: StepInfo) -> Any: ...

    def loss(self, model: nn.Module, batch: Any) -> dict[str, torch.Tensor]: ...

    def after_step(self, mean_loss: float, step: StepInfo) -> None: ...

    def log_fields(self, batch: Any, step: StepInfo) -> dict[str, Any]: ...

    def state_dict(self) -> dict[str, Any] | None: ...

    def load_state_dict(self, state: dict[str, Any]) -> None: ...

    def export(self, model: nn.Module, ema: ParameterEMA | None, out: Path, run_info: dict[str, Any]) -> Path: ...


class StatelessTaskHooks:
    """The :class:`TrainingTask` hooks a task with no state of its own between steps needs (nothing
    after a step, no extra log fields, nothing to checkpoint): a base for such tasks (rig, matting)."""

    def after_step(self, mean_loss: float, step: StepInfo) -> None:
        return None

    def log_fields(self, batch: Any, step: StepInfo) -> dict[str, Any]:
        return {}

    def state_dict(self) -> dict[str, Any] | None:
        return None

    def load_state_dict(self, state: dict[str, Any]) -> None:
        return None


@dataclass
class TrainResult:
    run_dir: Path
    steps: int
    final_loss: float
    seconds: float
    exported: Path | None = None
    weights_sha256: str = ""


# ----------------------------------------------------------------------------- pieces
def learning_rate(step: int, cfg: TrainConfig, total: int) -> float:
    """Linear warmup, then cosine decay to ``min_lr_ratio·lr`` at ``total`` steps."""
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    span = max(1, total - cfg.warmup_steps)
    t = min(1.0, (step - cfg.warmup_steps) / span)
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * t)))


def weights_digest(model: nn.Module) -> str:
    """sha256 over a model's state (names + bytes): equal digests mean identical weights."""
    h = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        h.update(name.encode())
        h.update(tensor.detach().cpu().contiguous().float().numpy().tobytes())
    return h.hexdigest()


def autocast_dtype_for(device: torch.device) -> torch.dtype | None:
    """bf16 autocast on CUDA, fp32 (no autocast) elsewhere."""
    return torch.bfloat16 if device.type == "cuda" else None


class LossLog:
    """``loss.jsonl``: one line per logged step (appended; a log, not a user file)."""

    def __init__(self, path: Path, enabled: bool) -> None:
        self.path = path
        self.enabled = enabled

    def write(self, record: dict[str, Any]) -> None:
        if self.enabled:
            with self.path.open("a", encoding="utf-8") as fh:
                fh.write(json.dumps(record) + "\n")


def cast_quietly(model: nn.Module, dtype: torch.dtype) -> nn.Module:
    """``model.to(dtype)`` without diffusers' warning about fp32-kept modules (DFGN and the
    matting head have none; the pipeline picks its own dtype when it loads them)."""
    from diffusers.utils import logging as dlogging

    level = dlogging.get_verbosity()
    dlogging.set_verbosity_error()
    try:
        return model.to(dtype)
    finally:
        dlogging.set_verbosity(level)


def export_copy(model: nn.Module, ema: ParameterEMA | None, dtype: torch.dtype = torch.float16) -> Any:
    """A CPU copy of ``model`` holding the EMA weights (when given) in ``dtype``, to save."""
    out = copy.deepcopy(model).to("cpu")
    if ema is not None:
        ema.copy_to(out)
    return cast_quietly(out, dtype)


def write_training_info(out: Path, cfg: TrainConfig | None, run_info: dict[str, Any] | None) -> Path:
    """``out/training.json``: the config and the run facts that made an exported model."""
    record = {"config": asdict(cfg) if cfg is not None else {}, "run": run_info or {}}
    return atomic_write_text(Path(out) / TRAINING_INFO, json.dumps(record, indent=2, default=str) + "\n")


def read_run_config(run_dir: Path, config_type: type[ConfigT]) -> ConfigT:
    """The config a run was started with (unknown keys such as ``world_size`` are dropped)."""
    path = Path(run_dir) / RUN_CONFIG
    if not path.is_file():
        raise InvalidInputError(f"{run_dir} is not a training run ({RUN_CONFIG} missing)")
    raw = json.loads(path.read_text(encoding="utf-8"))
    known = {f.name for f in fields(config_type)}
    return config_type(**{k: v for k, v in raw.items() if k in known})


def export_run(run_dir: Path, out: Path, task: TrainingTask) -> Path:
    """Export the newest checkpoint of a run (EMA weights) through ``task.export``."""
    ckpt = latest_checkpoint(Path(run_dir))
    if ckpt is None:
        raise InvalidInputError(f"{run_dir} has no checkpoint to export")
    loaded = load_checkpoint(ckpt)
    model = task.build_model()
    model.load_state_dict(loaded.ema if loaded.ema is not None else loaded.model)
    run_info = {"steps": loaded.state.step, "seconds": round(loaded.state.elapsed_s, 1)}
    return task.export(model, None, Path(out), run_info)


def _checkpoint(run_dir: Path, model: nn.Module, optimizer: torch.optim.Optimizer, ema: ParameterEMA,
                task: TrainingTask, step: int, seconds: float, info: distributed.DistInfo) -> None:
    if info.is_main:
        save_checkpoint(run_dir, model=model, optimizer=optimizer, ema_tensors=ema.state_dict(),
                        state=TrainerState(step=step, elapsed_s=seconds, ema_updates=ema.num_updates,
                                           curriculum=task.state_dict()))
    distributed.barrier(info)


# ----------------------------------------------------------------------------- loop
def run_training(task: TrainingTask) -> TrainResult:
    """Run (or resume) ``task`` into ``task.config.out``; returns what it did."""
    from tqdm import tqdm

    cfg = task.config
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    info = distributed.init_distributed(cfg.device)
    device = info.device
    run_dir = Path(cfg.out)
    if info.is_main:
        run_dir.mkdir(parents=True, exist_ok=True)
    distributed.barrier(info)

    torch.manual_seed(cfg.seed)
    model = task.build_model()
    facts = task.prepare(model, info)
    model.to(device)
    ema = ParameterEMA(model, decay=cfg.ema_decay)
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay, betas=(0.9, 0.999))

    step, elapsed_before = 0, 0.0
    if cfg.resume and (loaded := resume_latest(run_dir, model, optimizer, ema)) is not None:
        if loaded.state.curriculum:
            task.load_state_dict(loaded.state.curriculum)
        step, elapsed_before = loaded.state.step, loaded.state.elapsed_s
        log.info("resumed %s at step %d", run_dir, step)
    if info.is_main:
        save_run_config(run_dir, {"kind": task.name, **asdict(cfg), "world_size": info.world_size,
                                  "model": dict(getattr(model, "config", {})),
                                  "parameters": sum(p.numel() for p in params), **facts})
    ddp_model = distributed.wrap_model(model, info)
    losses = LossLog(run_dir / LOSS_LOG, info.is_main)
    clock = TrainingClock(cfg.steps, cfg.max_minutes, elapsed_before)
    bar = tqdm(total=cfg.steps, initial=step, desc=f"train {task.name}", disable=not (cfg.progress and info.is_main))
    last_loss = float("nan")
    model.train()
    end = min(cfg.steps, cfg.stop_at_step) if cfg.stop_at_step else cfg.steps
    while step < end:
        if clock.out_of_time(info):
            break
        # the LR schedule (and the task's curriculum) run over whichever ends first: the steps or the time budget
        where = StepInfo(step, info.rank, clock.progress(step, info))
        batch = task.make_batch(where)
        lr = learning_rate(clock.schedule_step_at(step, where.progress), cfg, cfg.steps)
        for group in optimizer.param_groups:
            group["lr"] = lr
        terms = task.loss(ddp_model, batch)
        loss = terms["loss"]
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        optimizer.step()
        ema.update(model)
        last_loss = float(distributed.all_reduce_mean(loss.detach(), info).item())
        task.after_step(last_loss, where)
        step += 1
        bar.update(1)
        if step % cfg.log_every == 0 or step == 1 or step == end:
            extra = task.log_fields(batch, where)
            losses.write({"step": step, "loss": round(last_loss, 6), "lr": lr,
                          "grad_norm": round(float(grad_norm), 4),
                          **{k: round(float(v.detach()), 6) for k, v in terms.items() if k != "loss"},
                          **extra, "elapsed_s": round(clock.elapsed(), 2)})
            bar.set_postfix(loss=f"{last_loss:.4f}", **{k: v for k, v in extra.items() if isinstance(v, str)})
        if cfg.checkpoint_every and step % cfg.checkpoint_every == 0:
            _checkpoint(run_dir, model, optimizer, ema, task, step, clock.elapsed(), info)
    bar.close()
    seconds = clock.elapsed()
    _checkpoint(run_dir, model, optimizer, ema, task, step, seconds, info)
    exported = None
    if cfg.export and info.is_main:
        exported = task.export(model, ema, Path(cfg.export), {
            "steps": step, "seconds": round(seconds, 1), "world_size": info.world_size,
            "device": str(device), **facts, "final_loss": last_loss})
    digest = weights_digest(model)
    distributed.barrier(info)
    distributed.cleanup(info)
    return TrainResult(run_dir, step, last_loss, seconds, exported, digest)
