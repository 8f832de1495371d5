"""Exponential moving average of model weights — the weights that get exported.

Diffusion models sample noticeably better from an EMA of their weights than from the
last optimiser step, most of all in short runs with a noisy loss like ours. The decay
warms up (``min(decay, (1 + n) / (10 + n))``) so a short run's EMA is not dominated by
the random initialisation.
"""

from __future__ import annotations

import torch
from torch import nn


class ParameterEMA:
    """A float32 shadow copy of a model's floating-point parameters and buffers."""

    def __init__(self, model: nn.Module, decay: float = 0.999, warmup: bool = True) -> None:
        self.decay = float(decay)
        self.warmup = warmup
        self.num_updates = 0
        self.shadow: dict[str, torch.Tensor] = {
            name: t.detach().float().clone() for name, t in model.state_dict().items() if t.is_floating_point()
        }

    def current_decay(self) -> float:
        if not self.warmup:
            return self.decay
        n = self.num_updates
        return min(self.decay, (1.0 + n) / (10.0 + n))

    @torch.no_grad()
    def update(self, model: nn.Module) -> None:
        """Move the shadow towards the model's current weights."""
        d = self.current_decay()
        state = model.state_dict()
        for name, shadow in self.shadow.items():
            shadow.lerp_(state[name].detach().float(), 1.0 - d)
        self.num_updates += 1

    @torch.no_grad()
    def copy_to(self, model: nn.Module) -> None:
        """Load the EMA weights into ``model`` (in the model's dtype)."""
        state = model.state_dict()
        for name, shadow in self.shadow.items():
            state[name].copy_(shadow.to(state[name].dtype))

    def state_dict(self) -> dict[str, torch.Tensor]:
        return dict(self.shadow)

    def load_state_dict(self, tensors: dict[str, torch.Tensor], num_updates: int) -> None:
        missing = set(self.shadow) - set(tensors)
        if missing:
            raise KeyError(f"EMA state lacks {sorted(missing)[:3]}")
        for name in self.shadow:
            self.shadow[name] = tensors[name].float().clone()
        self.num_updates = int(num_updates)
