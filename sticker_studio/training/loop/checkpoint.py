"""Resumable training checkpoints without pickles.

``torch.save`` writes pickles, and loading a pickle runs code from the file. A run
folder is something people copy around, so every tensor here goes into safetensors and
everything else into JSON::

    RUN_DIR/
      run_config.json               the full configuration of the run (written once)
      checkpoints/step-000500/
        model.safetensors           the raw weights
        ema.safetensors             the EMA weights (what gets exported)
        optimizer.safetensors       AdamW moments, flattened: "state.<param#>.<name>"
        rng.safetensors             torch CPU (+ CUDA) generator states
        trainer_state.json          step, optimiser param groups, LR schedule, curriculum,
                                    Python/numpy RNG states, EMA update count, elapsed time
      checkpoints/latest            the name of the newest complete checkpoint

A checkpoint folder is written under a temporary name and renamed when complete, and
``latest`` is replaced atomically, so a crash mid-save never leaves a half checkpoint
that ``--resume`` would pick up.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file
from torch import nn

from sticker_studio.core.atomic import atomic_write_text
from sticker_studio.core.errors import InvalidInputError

CHECKPOINTS = "checkpoints"
LATEST = "latest"
RUN_CONFIG = "run_config.json"


@dataclass
class TrainerState:
    """Everything but tensors needed to continue a run exactly."""

    step: int
    elapsed_s: float = 0.0
    ema_updates: int = 0
    curriculum: dict[str, Any] | None = None
    python_rng: Any = None
    numpy_rng: dict[str, Any] | None = None
    extra: dict[str, Any] | None = None


def _contiguous(tensors: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().contiguous() for k, v in tensors.items()}


def flatten_optimizer_state(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """An optimiser's state as (tensors for safetensors, JSON-able rest)."""
    sd = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, entry in sd["state"].items():
        for name, value in entry.items():
            if isinstance(value, torch.Tensor):
                tensors[f"state.{index}.{name}"] = value
            else:
                scalars.setdefault(str(index), {})[name] = value
    return _contiguous(tensors), {"param_groups": sd["param_groups"], "scalars": scalars}


def unflatten_optimizer_state(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        _prefix, index, name = key.split(".", 2)
        state.setdefault(int(index), {})[name] = value
    for index, entry in meta.get("scalars", {}).items():
        state.setdefault(int(index), {}).update(entry)
    return {"state": state, "param_groups": meta["param_groups"]}


def save_run_config(run_dir: Path, config: dict[str, Any]) -> Path:
    """Write the run's configuration (kept beside every checkpoint so a run explains itself)."""
    return atomic_write_text(
        Path(run_dir) / RUN_CONFIG, json.dumps(config, indent=2, sort_keys=True, default=str) + "\n"
    )


def save_checkpoint(
    run_dir: Path,
    *,
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    state: TrainerState,
    ema_tensors: dict[str, torch.Tensor] | None = None,
    lr_scheduler: Any = None,
    keep: int = 2,
) -> Path:
    """Save a complete checkpoint for ``state.step``; keeps the newest ``keep`` ones."""
    root = Path(run_dir) / CHECKPOINTS
    root.mkdir(parents=True, exist_ok=True)
    name = f"step-{state.step:07d}"
    final = root / name
    tmp = root / f".{name}.partial"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    save_file(_contiguous(model.state_dict()), str(tmp / "model.safetensors"))
    if ema_tensors is not None:
        save_file(_contiguous(ema_tensors), str(tmp / "ema.safetensors"))
    opt_tensors, opt_meta = flatten_optimizer_state(optimizer)
    save_file(opt_tensors, str(tmp / "optimizer.safetensors"))
    rng = {"torch_cpu": torch.get_rng_state()}
    if torch.cuda.is_available():
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            rng[f"torch_cuda_{i}"] = s
    save_file(_contiguous(rng), str(tmp / "rng.safetensors"))
    meta = {
        "step": state.step,
        "elapsed_s": state.elapsed_s,
        "ema_updates": state.ema_updates,
        "curriculum": state.curriculum,
        "python_rng": state.python_rng,
        "numpy_rng": state.numpy_rng,
        "extra": state.extra or {},
        "optimizer": opt_meta,
        "lr_scheduler": lr_scheduler.state_dict() if lr_scheduler is not None else None,
    }
    (tmp / "trainer_state.json").write_text(json.dumps(meta, default=_json_default) + "\n", encoding="utf-8")
    if final.exists():
        shutil.rmtree(final)
    os.replace(tmp, final)
    atomic_write_text(root / LATEST, name + "\n")
    _prune(root, keep)
    return final


def _json_default(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.tolist()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot store {type(value).__name__} in trainer_state.json")


def _prune(root: Path, keep: int) -> None:
    done = sorted(p for p in root.iterdir() if p.is_dir() and p.name.startswith("step-"))
    for old in done[:-keep] if keep > 0 else []:
        shutil.rmtree(old, ignore_errors=True)


def latest_checkpoint(run_dir: Path) -> Path | None:
    """The newest complete checkpoint of a run, or ``None``."""
    root = Path(run_dir) / CHECKPOINTS
    pointer = root / LATEST
    if not pointer.is_file():
        return None
    path = root / pointer.read_text(encoding="utf-8").strip()
    return path if (path / "trainer_state.json").is_file() else None


@dataclass
class LoadedCheckpoint:
    path: Path
    state: TrainerState
    model: dict[str, torch.Tensor]
    ema: dict[str, torch.Tensor] | None
    optimizer: dict[str, Any]
    lr_scheduler: dict[str, Any] | None
    rng: dict[str, torch.Tensor]


def load_checkpoint(path: Path) -> LoadedCheckpoint:
    """Read a checkpoint folder (safetensors + JSON only; nothing executes)."""
    path = Path(path)
    meta_path = path / "trainer_state.json"
    if not meta_path.is_file():
        raise InvalidInputError(f"{path} is not a complete checkpoint (trainer_state.json missing)")
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    ema_path = path / "ema.safetensors"
    return LoadedCheckpoint(
        path=path,
        state=TrainerState(
            step=int(meta["step"]),
            elapsed_s=float(meta.get("elapsed_s", 0.0)),
            ema_updates=int(meta.get("ema_updates", 0)),
            curriculum=meta.get("curriculum"),
            python_rng=meta.get("python_rng"),
            numpy_rng=meta.get("numpy_rng"),
            extra=meta.get("extra") or {},
        ),
        model=load_file(str(path / "model.safetensors")),
        ema=load_file(str(ema_path)) if ema_path.is_file() else None,
        optimizer=unflatten_optimizer_state(load_file(str(path / "optimizer.safetensors")), meta["optimizer"]),
        lr_scheduler=meta.get("lr_scheduler"),
        rng=load_file(str(path / "rng.safetensors")),
    )


def resume_latest(run_dir: Path, model: torch.nn.Module, optimizer: torch.optim.Optimizer,
                  ema: Any | None = None) -> LoadedCheckpoint | None:
    """Load the run's latest checkpoint into ``model``, ``optimizer`` and ``ema`` (an ParameterEMA).

    Returns the checkpoint (for its step, elapsed time and any extra state such as the
    curriculum), or None when the run has none yet (a fresh start).
    """
    ckpt = latest_checkpoint(run_dir)
    if ckpt is None:
        return None
    loaded = load_checkpoint(ckpt)
    model.load_state_dict(loaded.model)
    optimizer.load_state_dict(loaded.optimizer)
    if ema is not None and loaded.ema is not None:
        ema.load_state_dict(loaded.ema, loaded.state.ema_updates)
    return loaded


