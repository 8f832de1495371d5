"""What a conditioned-task generator step adds to RDTF's batch: augmentation, timesteps, task mix.

* :func:`augment_clips` — per clip, one random horizontal flip, scale, shift and hue
  rotation applied identically to every frame (so the motion, and its label, is kept):
  the model learns to animate *any* drawing it is given, not the dataset's exact pixels.
  Frames are on white in [-1, 1]; what moves in from outside the canvas is white, and a
  hue rotation keeps white white (it turns the chroma plane of YIQ only).
* :func:`sample_timesteps` — uniform timesteps, with a share drawn from the low-noise end
  (``t < low_noise_max``), where a conditioned model decides fine detail and the given
  frame's fidelity.
* :func:`sample_fixed_task` — a fixed task mix (e.g. mostly i2v and loop) instead of the
  curriculum, for a generator trained for what the app uses it for.

All draws come from the step's generators, so a resumed run draws the same.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from sticker_studio.engine.generate.tasks import Task


@dataclass(frozen=True)
class AugmentConfig:
    """Ranges of the per-clip augmentation (``prob`` = share of clips augmented at all)."""

    prob: float = 0.8
    flip: float = 0.5
    scale: tuple[float, float] = (0.75, 1.1)
    shift: float = 0.12          # of the canvas side, each axis
    hue_degrees: float = 120.0   # rotation drawn in [-hue, +hue]
    hue_prob: float = 0.5


_RGB_TO_YIQ = torch.tensor([[0.299, 0.587, 0.114], [0.5959, -0.2746, -0.3213], [0.2115, -0.5227, 0.3112]])
_YIQ_TO_RGB = torch.linalg.inv(_RGB_TO_YIQ)


def hue_rotate(frames: torch.Tensor, degrees: torch.Tensor) -> torch.Tensor:
    """Rotate the hue of ``frames`` [B, 3, F, H, W] in [-1, 1] by ``degrees`` [B] (white stays white)."""
    a = degrees.float() * math.pi / 180.0
    cos, sin = torch.cos(a), torch.sin(a)
    rot = torch.zeros(a.shape[0], 3, 3)
    rot[:, 0, 0] = 1.0
    rot[:, 1, 1], rot[:, 1, 2], rot[:, 2, 1], rot[:, 2, 2] = cos, -sin, sin, cos
    m = _YIQ_TO_RGB[None] @ rot @ _RGB_TO_YIQ[None]  # [B, 3, 3]
    x = (frames + 1.0) * 0.5
    y = torch.einsum("bij,bjfhw->bifhw", m.to(x.dtype), x)
    return (y.clamp(0.0, 1.0) * 2.0 - 1.0)


def augment_clips(frames: torch.Tensor, gen: torch.Generator, cfg: AugmentConfig) -> torch.Tensor:
    """Flip / scale / shift / hue-jitter each clip of ``frames`` [B, 3, F, H, W] (on white, [-1, 1])."""
    b, c, f, h, w = frames.shape
    u = torch.rand(b, 6, generator=gen)
    apply = u[:, 0] < cfg.prob
    if not bool(apply.any()):
        return frames
    lo, hi = cfg.scale
    scale = torch.where(apply, lo + (hi - lo) * u[:, 1], torch.ones(b))
    shift = torch.where(apply[:, None], (u[:, 2:4] * 2 - 1) * cfg.shift * 2, torch.zeros(b, 2))
    flip = torch.where(apply & (u[:, 4] < cfg.flip), -torch.ones(b), torch.ones(b))
    theta = torch.zeros(b, 2, 3)
    theta[:, 0, 0] = flip / scale
    theta[:, 1, 1] = 1.0 / scale
    theta[:, :, 2] = -shift / scale[:, None]
    grid = F.affine_grid(theta, [b, c, h, w], align_corners=False)  # [B, H, W, 2]
    flat = frames.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w) - 1.0  # white -> 0, padding is white
    grid = grid.repeat_interleave(f, dim=0)
    moved = F.grid_sample(flat, grid, mode="bilinear", padding_mode="zeros", align_corners=False) + 1.0
    out = moved.reshape(b, f, c, h, w).permute(0, 2, 1, 3, 4)
    hue = torch.where(apply & (u[:, 5] < cfg.hue_prob),
                      (torch.rand(b, generator=gen) * 2 - 1) * cfg.hue_degrees, torch.zeros(b))
    if bool((hue != 0).any()):
        out = hue_rotate(out, hue)
    return out.contiguous()


def sample_timesteps(batch: int, num_train_timesteps: int, gen: torch.Generator, *,
                     low_noise_share: float = 0.0, low_noise_max: int = 250) -> torch.Tensor:
    """Uniform timesteps, ``low_noise_share`` of them from ``[0, low_noise_max)``."""
    t = torch.randint(0, num_train_timesteps, (batch,), generator=gen)
    if low_noise_share > 0:
        low = torch.randint(0, max(1, min(low_noise_max, num_train_timesteps)), (batch,), generator=gen)
        pick = torch.rand(batch, generator=gen) < low_noise_share
        t = torch.where(pick, low, t)
    return t


def sample_fixed_task(weights: dict[str, float], rng: random.Random) -> Task:
    """A task from a fixed mix, e.g. ``{"i2v": 0.4, "loop": 0.25, ...}``."""
    tasks = [Task.parse(k) for k in weights]
    return rng.choices(tasks, weights=[float(v) for v in weights.values()], k=1)[0]
