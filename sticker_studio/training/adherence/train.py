"""Training the motion classifier on the cached template renders (:mod:`.dataset`).

Characters (not clips) are split: one in ten is validation, so a motion is judged on a
character the classifier never saw. AdamW, cosine schedule, class-balanced cross-entropy,
label smoothing; the epoch with the best validation accuracy is exported with
``save_pretrained`` (safetensors, fp16) and a ``training.json`` with the run's figures.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from sticker_studio.core.atomic import atomic_write_text
from sticker_studio.engine.adherence.classes import CLASSES
from sticker_studio.engine.adherence.features import GRID, MAP_CHANNELS, VECTOR
from sticker_studio.engine.adherence.net import MotionClassifier
from sticker_studio.training.adherence.dataset import load_shards


@dataclass
class ClassifierTrainConfig:
    epochs: int = 16
    batch: int = 64
    channels: tuple[int, int, int] = (16, 32, 48)
    hidden: int = 128
    lr: float = 2e-3
    weight_decay: float = 1e-3
    label_smoothing: float = 0.05
    val_every: int = 10  # one character in val_every is validation
    seed: int = 0
    threads: int = 1


def _normaliser(maps: np.ndarray, vecs: np.ndarray) -> dict[str, torch.Tensor]:
    m = maps.astype(np.float32)
    return {"map_mean": torch.from_numpy(m.mean(axis=(0, 2, 3)).reshape(-1, 1, 1)),
            "map_std": torch.from_numpy(m.std(axis=(0, 2, 3)).reshape(-1, 1, 1) + 1e-4),
            "vec_mean": torch.from_numpy(vecs.mean(axis=0)), "vec_std": torch.from_numpy(vecs.std(axis=0) + 1e-3)}


def train_classifier(shards: list[Path], out: Path, config: ClassifierTrainConfig | None = None,
                     progress: bool = True) -> dict[str, Any]:
    """Train on ``shards`` and export to ``out``; returns the figures written to training.json."""
    cfg = config or ClassifierTrainConfig()
    torch.manual_seed(cfg.seed)
    torch.set_num_threads(cfg.threads)
    t0 = time.perf_counter()
    data = load_shards(shards)
    maps, vecs, labels, groups = data["maps"], data["vectors"], data["labels"].astype(np.int64), data["groups"]
    is_val = (groups % cfg.val_every) == 0
    tr, va = np.nonzero(~is_val)[0], np.nonzero(is_val)[0]
    net = MotionClassifier(classes=list(CLASSES), map_channels=MAP_CHANNELS, grid=GRID, vector=VECTOR,
                           channels=list(cfg.channels), hidden=cfg.hidden)
    for k, v in _normaliser(maps[tr], vecs[tr]).items():
        getattr(net, k).copy_(v)
    counts = np.bincount(labels[tr], minlength=len(CLASSES)).astype(np.float32)
    weight = torch.from_numpy(np.where(counts > 0, counts.sum() / np.maximum(counts, 1) / len(CLASSES), 0.0)
                              .astype(np.float32)).clamp(max=5.0)
    opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    steps_per_epoch = math.ceil(len(tr) / cfg.batch)
    total = cfg.epochs * steps_per_epoch
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * min(1.0, s / total))))
    maps_t = torch.from_numpy(maps.astype(np.float32))
    vecs_t = torch.from_numpy(vecs.astype(np.float32))
    lab_t = torch.from_numpy(labels)
    rng = np.random.default_rng(cfg.seed)
    best: tuple[float, dict[str, torch.Tensor]] = (-1.0, {})
    history = []
    for epoch in range(cfg.epochs):
        net.train()
        order = rng.permutation(tr)
        losses = []
        for b in range(steps_per_epoch):
            idx = torch.from_numpy(order[b * cfg.batch:(b + 1) * cfg.batch])
            logits = net(maps_t[idx], vecs_t[idx])
            loss = F.cross_entropy(logits, lab_t[idx], weight=weight, label_smoothing=cfg.label_smoothing)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            losses.append(float(loss.detach()))
        acc = evaluate_split(net, maps_t, vecs_t, lab_t, va)
        history.append({"epoch": epoch + 1, "loss": float(np.mean(losses)), "val_accuracy": acc})
        if progress:
            print(f"epoch {epoch + 1}/{cfg.epochs}: loss {np.mean(losses):.3f}, val accuracy {acc:.1%}, "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
        if acc > best[0]:
            best = (acc, {k: v.detach().clone() for k, v in net.state_dict().items()})
    net.load_state_dict(best[1])
    net.eval()
    per_class = per_class_accuracy(net, maps_t, vecs_t, lab_t, va)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    net.half().save_pretrained(str(out), safe_serialization=True)
    figures = {"config": asdict(cfg), "samples": {"train": int(len(tr)), "val": int(len(va))},
               "characters": {"train": int(len(np.unique(groups[tr]))), "val": int(len(np.unique(groups[va])))},
               "val_accuracy": best[0], "val_per_class": per_class, "seconds": time.perf_counter() - t0,
               "parameters": int(sum(p.numel() for p in net.parameters())), "history": history,
               "shards": [Path(s).name for s in shards]}
    atomic_write_text(out / "training.json", json.dumps(figures, indent=1) + "\n")
    return figures


def _predict(net: MotionClassifier, maps: torch.Tensor, vecs: torch.Tensor, idx: np.ndarray) -> np.ndarray:
    net.eval()
    out = []
    with torch.inference_mode():
        for b in range(0, len(idx), 512):
            i = torch.from_numpy(idx[b:b + 512])
            out.append(net(maps[i], vecs[i]).argmax(1).numpy())
    return np.concatenate(out) if out else np.zeros(0, np.int64)


def evaluate_split(net: MotionClassifier, maps: torch.Tensor, vecs: torch.Tensor, labels: torch.Tensor,
                   idx: np.ndarray) -> float:
    if len(idx) == 0:
        return float("nan")
    return float((_predict(net, maps, vecs, idx) == labels.numpy()[idx]).mean())


def per_class_accuracy(net: MotionClassifier, maps: torch.Tensor, vecs: torch.Tensor, labels: torch.Tensor,
                       idx: np.ndarray) -> dict[str, float]:
    pred = _predict(net, maps, vecs, idx)
    truth = labels.numpy()[idx]
    return {c: round(float((pred[truth == k] == k).mean()), 4) for k, c in enumerate(CLASSES) if (truth == k).any()}


if __name__ == "__main__":  # python -m sticker_studio.training.adherence.train OUT EPOCHS SHARD...
    import sys

    train_classifier([Path(p) for p in sys.argv[3:]], Path(sys.argv[1]), ClassifierTrainConfig(epochs=int(sys.argv[2])))
