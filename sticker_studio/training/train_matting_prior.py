"""Training the layout-prior matting head (issue 10) from a packed set (:mod:`.matting_pack`).

The step body (:func:`layout_matting_step`) is separate from the loop so it can run
under the shared training loop; :func:`train_layout_matting` is the loop used for the
bundled weights: AdamW, warmup + cosine, gradient clipping, EMA, checkpoints every few
minutes, resumable, a wall-clock budget (``max_minutes``).

Losses (weights in :class:`LayoutTrainConfig`):

* ``alpha`` — L1, with extra weight on the prior's *enclosed* candidates (holes vs white
  interiors — the largest error left) and on the edge band (where the truth is partial);
* ``gradient`` and ``laplacian`` — L1 of the spatial gradients and of a 3×3 Laplacian
  of alpha (sharp edges, thin lines);
* ``composition`` — |α̂·F̂ + (1−α̂)·B − (α·F + (1−α)·B)| on the clip's clean plate;
* ``foreground`` — L1 on colour where the truth is (partly) opaque;
* ``temporal`` — L1 between predicted and true frame-to-frame alpha change.
"""

from __future__ import annotations

import json
import math
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from sticker_studio.training.matting_pack import load_pack, unpack_prior


@dataclass
class LayoutTrainConfig:
    pack: str
    out: str
    model_config: str = "layout"
    steps: int = 100000
    max_minutes: float | None = None
    batch_size: int = 6
    lr: float = 2e-3
    weight_decay: float = 1e-4
    warmup_steps: int = 100
    min_lr_ratio: float = 0.05
    grad_clip: float = 1.0
    ema_decay: float = 0.995
    schedule_minutes: float | None = None
    loss_weights: dict[str, float] = field(default_factory=lambda: {
        "alpha": 1.0, "gradient": 1.0, "laplacian": 0.5, "composition": 0.5, "foreground": 0.3, "temporal": 1.0})
    enclosed_weight: float = 4.0
    edge_weight: float = 2.0
    checkpoint_minutes: float = 3.0
    log_every: int = 10
    seed: int = 0
    threads: int = 1


@dataclass
class LayoutBatch:
    image: torch.Tensor       # [B,3,F,S,S]
    prior: torch.Tensor       # [B,8,F,S,S]
    alpha: torch.Tensor       # [B,1,F,S,S]
    foreground: torch.Tensor  # [B,3,F,S,S]
    plate: torch.Tensor       # [B,3,1,S,S]


def make_batch(arrays: dict[str, np.ndarray], indices: list[int], flips: list[bool]) -> LayoutBatch:
    """A batch of packed clips (flipped left-right where asked: prior and truth flip with the image)."""
    imgs, priors, alphas, fgs, plates = [], [], [], [], []
    for i, flip in zip(indices, flips, strict=False):
        comp = np.asarray(arrays["composite"][i])
        pr = np.asarray(arrays["prior"][i])
        al = np.asarray(arrays["alpha"][i])
        fg = np.asarray(arrays["foreground"][i])
        pl = np.asarray(arrays["plate"][i])
        if flip:
            comp, pr, al, fg, pl = comp[:, :, ::-1], pr[:, :, ::-1], al[:, :, ::-1], fg[:, :, ::-1], pl[:, ::-1]
        imgs.append(comp)
        priors.append(unpack_prior(pr, np.asarray(arrays["bgcolour"][i])))
        alphas.append(al[..., None])
        fgs.append(fg)
        plates.append(pl[None])

    def t(items: list[np.ndarray], scale: float) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(np.stack(items))).permute(0, 4, 1, 2, 3).float() * scale

    return LayoutBatch(t(imgs, 1 / 255), t(priors, 1.0), t(alphas, 1 / 255), t(fgs, 1 / 255), t(plates, 1 / 255))


_LAPLACE = torch.tensor([[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]])


def _laplacian(x: torch.Tensor) -> torch.Tensor:
    b, c, f, h, w = x.shape
    y = x.permute(0, 2, 1, 3, 4).reshape(b * f * c, 1, h, w)
    return F.conv2d(y, _LAPLACE.to(x)[None, None])


def layout_losses(alpha: torch.Tensor, fg: torch.Tensor, batch: LayoutBatch, enclosed_weight: float = 4.0,
                  edge_weight: float = 2.0) -> dict[str, torch.Tensor]:
    a = batch.alpha
    enclosed = batch.prior[:, 3:4]
    edge = ((a > 0.02) & (a < 0.98)).float()
    w = 1.0 + enclosed_weight * enclosed + edge_weight * edge
    gx, gy = alpha[..., :, 1:] - alpha[..., :, :-1], alpha[..., 1:, :] - alpha[..., :-1, :]
    tx, ty = a[..., :, 1:] - a[..., :, :-1], a[..., 1:, :] - a[..., :-1, :]
    clean = a * batch.foreground + (1 - a) * batch.plate
    comp = alpha * fg + (1 - alpha) * batch.plate
    opaque = (a > 0).float()
    out = {
        "alpha": ((alpha - a).abs() * w).sum() / w.sum(),
        "gradient": (gx - tx).abs().mean() + (gy - ty).abs().mean(),
        "laplacian": (_laplacian(alpha) - _laplacian(a)).abs().mean(),
        "composition": (comp - clean).abs().mean(),
        "foreground": ((fg - batch.foreground).abs() * opaque).sum() / (3 * opaque.sum()).clamp_min(1.0),
    }
    if alpha.shape[2] > 1:
        out["temporal"] = ((alpha[:, :, 1:] - alpha[:, :, :-1]) - (a[:, :, 1:] - a[:, :, :-1])).abs().mean()
    return out


def layout_matting_step(model: Any, batch: LayoutBatch,
                        cfg: LayoutTrainConfig) -> tuple[torch.Tensor, dict[str, float]]:
    """Forward + weighted loss of one batch (the caller does backward/step)."""
    uses_prior = bool(getattr(model.config, "prior_channels", 0))
    out = model(batch.image, prior=batch.prior if uses_prior else None)
    terms = layout_losses(out.alpha.float(), out.foreground.float(), batch, cfg.enclosed_weight, cfg.edge_weight)
    loss = sum(cfg.loss_weights.get(k, 0.0) * v for k, v in terms.items())
    return loss, {k: round(float(v.detach()), 6) for k, v in terms.items()}  # type: ignore[return-value]


def _lr(cfg: LayoutTrainConfig, step: int, progress: float) -> float:
    if step < cfg.warmup_steps:
        return cfg.lr * (step + 1) / cfg.warmup_steps
    p = min(1.0, progress)
    return cfg.lr * (cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * p)))


def train_layout_matting(cfg: LayoutTrainConfig) -> Path:
    """Run (or resume: the latest checkpoint in ``cfg.out``) a training run; returns the run folder."""
    from sticker_studio.training.checkpoint import TrainerState, resume_latest, save_checkpoint, save_run_config
    from sticker_studio.training.ema import ParameterEMA
    from sticker_studio.training.train_matting import build_matting_head

    torch.set_num_threads(int(cfg.threads))
    run = Path(cfg.out)
    run.mkdir(parents=True, exist_ok=True)
    arrays, meta = load_pack(Path(cfg.pack))
    n = len(meta)
    torch.manual_seed(cfg.seed)
    model = build_matting_head(cfg.model_config)
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    ema = ParameterEMA(model, decay=cfg.ema_decay)
    step, elapsed_before = 0, 0.0
    loaded = resume_latest(run, model, opt, ema)
    if loaded is not None:
        step, elapsed_before = loaded.state.step, loaded.state.elapsed_s
    save_run_config(run, {"kind": "layout-matting", **asdict(cfg), "model": dict(model.config),
                          "parameters": sum(p.numel() for p in params), "train_clips": n})
    start = time.monotonic()
    budget = cfg.max_minutes * 60 if cfg.max_minutes else None
    sched = (cfg.schedule_minutes or cfg.max_minutes or 60.0) * 60
    last_ckpt = time.monotonic()
    log = (run / "losses.jsonl").open("a", encoding="utf-8")

    def elapsed() -> float:
        return elapsed_before + time.monotonic() - start

    def checkpoint() -> None:
        save_checkpoint(run, model=model, optimizer=opt, ema_tensors=ema.state_dict(),
                        state=TrainerState(step=step, elapsed_s=elapsed(), ema_updates=ema.num_updates))

    model.train()
    while step < cfg.steps and (budget is None or elapsed() < budget):
        rng = random.Random(f"layout-{cfg.seed}-{step}")
        idx = [rng.randrange(n) for _ in range(cfg.batch_size)]
        batch = make_batch(arrays, idx, [rng.random() < 0.5 for _ in idx])
        lr = _lr(cfg, step, elapsed() / sched)
        for g in opt.param_groups:
            g["lr"] = lr
        loss, terms = layout_matting_step(model, batch, cfg)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        opt.step()
        ema.update(model)
        step += 1
        if step % cfg.log_every == 0 or step == 1:
            log.write(json.dumps({"step": step, "loss": round(float(loss.detach()), 6), "lr": lr, **terms,
                                  "elapsed_s": round(elapsed(), 1)}) + "\n")
            log.flush()
        if time.monotonic() - last_ckpt > cfg.checkpoint_minutes * 60:
            checkpoint()
            last_ckpt = time.monotonic()
    checkpoint()
    log.close()
    return run


def main(argv: list[str] | None = None) -> int:
    import argparse

    ap = argparse.ArgumentParser(description="train the layout-prior matting head from a pack")
    ap.add_argument("--pack", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--config", default="layout")
    ap.add_argument("--max-minutes", type=float, default=None)
    ap.add_argument("--schedule-minutes", type=float, default=None)
    ap.add_argument("--steps", type=int, default=100000)
    ap.add_argument("--batch-size", type=int, default=6)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    train_layout_matting(LayoutTrainConfig(pack=a.pack, out=a.out, model_config=a.config, steps=a.steps,
                                           max_minutes=a.max_minutes, schedule_minutes=a.schedule_minutes,
                                           batch_size=a.batch_size, threads=a.threads))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
