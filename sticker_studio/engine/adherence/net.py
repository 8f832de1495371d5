"""The motion classifier's network: a small CNN on WHERE-maps plus an MLP on HOW-spectra.

Input: :class:`~sticker_studio.training.adherence.features.ClipFeatures` of a clip — maps
``[MAP_CHANNELS, GRID, GRID]`` (three conv stages, pooled to 4×4) and the series' spectra
``[VECTOR]`` (one linear layer); both standardised by statistics stored with the weights.
Output: one logit per class (``classes`` in the config). ~0.2 M parameters.
"""

from __future__ import annotations

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn


class MotionClassifier(ModelMixin, ConfigMixin):  # type: ignore[misc]
    @register_to_config
    def __init__(self, classes: tuple[str, ...] | list[str] = (), map_channels: int = 10, grid: int = 32,
                 vector: int = 364, channels: tuple[int, int, int] | list[int] = (24, 48, 64), hidden: int = 128,
                 dropout: float = 0.2, features_version: int = 1) -> None:
        super().__init__()
        c1, c2, c3 = (int(c) for c in channels)
        self.convs = nn.Sequential(
            nn.Conv2d(map_channels, c1, 3, padding=1), nn.BatchNorm2d(c1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(c2, c3, 3, padding=1), nn.BatchNorm2d(c3), nn.ReLU(), nn.AdaptiveAvgPool2d(4),
        )
        self.map_head = nn.Linear(c3 * 16, hidden)
        self.vec_head = nn.Linear(vector, hidden)
        self.out = nn.Sequential(nn.ReLU(), nn.Dropout(dropout), nn.Linear(2 * hidden, hidden), nn.ReLU(),
                                 nn.Dropout(dropout), nn.Linear(hidden, len(classes)))
        self.register_buffer("map_mean", torch.zeros(map_channels, 1, 1))
        self.register_buffer("map_std", torch.ones(map_channels, 1, 1))
        self.register_buffer("vec_mean", torch.zeros(vector))
        self.register_buffer("vec_std", torch.ones(vector))

    def forward(self, maps: torch.Tensor, vectors: torch.Tensor) -> torch.Tensor:
        m = (maps - self.map_mean) / self.map_std
        v = (vectors - self.vec_mean) / self.vec_std
        a = self.map_head(self.convs(m).flatten(1))
        b = self.vec_head(v)
        return self.out(torch.cat([a, b], dim=1))
