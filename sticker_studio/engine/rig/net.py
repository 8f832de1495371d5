"""RigNet: a small MobileNet-style network that finds a drawing's joints, face and parts.

Input: ``[B, 4, S, S]`` in [0, 1] — RGB over white and alpha, the subject framed by
:func:`sticker_studio.engine.rig.preprocess.frame_subject` (``S = input_size``, 128).

* **encoder**: a strided stem and MobileNetV2 inverted-residual stages (depthwise 3×3,
  BatchNorm, ReLU6) down to ``S/16``;
* **decoder**: U-Net style (upsample, concatenate the skip, a depthwise-separable block) up
  to ``S/4`` (``len(decoder_channels)`` steps from ``S/16``);
* **heads** at the decoder's resolution (``S/4``): one heatmap per joint and per face feature
  (:data:`~sticker_studio.engine.rig.contract.JOINTS` then ``eye_l, eye_r, mouth``; a
  Gaussian of the point, so the peak is the confidence), two size channels per face
  feature (its radii ÷ S, read at the centre), and part logits (background + 9 parts);
* **body plan**: global average pooling of the deepest features → 4 logits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from diffusers.utils import BaseOutput
from torch import nn

from sticker_studio.engine.rig.contract import BODY_PLANS, FACE, JOINTS, PARTS

NUM_POINTS = len(JOINTS) + len(FACE)


@dataclass
class RigNetOutput(BaseOutput):
    """``heatmaps`` [B, J+3, R, R] (logits), ``face_size`` [B, 6, R, R], ``parts`` [B, 10, R, R]
    (logits), ``body_plan`` [B, 4] (logits); ``R = S / 4`` for the named configs."""

    heatmaps: torch.Tensor
    face_size: torch.Tensor
    parts: torch.Tensor
    body_plan: torch.Tensor


def _cbr(cin: int, cout: int, k: int = 3, stride: int = 1, groups: int = 1, act: bool = True) -> nn.Sequential:
    layers: list[nn.Module] = [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False),
                               nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.ReLU6(inplace=True))
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    def __init__(self, cin: int, cout: int, stride: int, expand: int) -> None:
        super().__init__()
        mid = cin * expand
        self.block = nn.Sequential(_cbr(cin, mid, 1), _cbr(mid, mid, 3, stride, groups=mid),
                                   _cbr(mid, cout, 1, act=False))
        self.residual = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.block(x)
        return x + y if self.residual else y


class SeparableBlock(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.block = nn.Sequential(_cbr(cin, cin, 3, groups=cin), _cbr(cin, cout, 1), _cbr(cout, cout, 3, groups=cout),
                                   _cbr(cout, cout, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.block(x)


class RigNet(ModelMixin, ConfigMixin):  # type: ignore[misc]
    """See the module docstring."""

    @register_to_config
    def __init__(self, input_size: int = 128, in_channels: int = 4, stem_channels: int = 24,
                 stage_channels: Sequence[int] = (32, 64, 96, 160), stage_blocks: Sequence[int] = (2, 2, 3, 3),
                 expand: int = 4, decoder_channels: Sequence[int] = (96, 64, 48), num_points: int = NUM_POINTS,
                 num_parts: int = len(PARTS) + 1, num_body_plans: int = len(BODY_PLANS)) -> None:
        super().__init__()
        self.stem = _cbr(in_channels, stem_channels, 3, 2)  # S/2
        stages = []
        cin = stem_channels
        for i, (c, n) in enumerate(zip(stage_channels, stage_blocks, strict=True)):
            blocks: list[nn.Module] = [InvertedResidual(cin, c, 2 if i < 3 else 1, expand)]
            blocks += [InvertedResidual(c, c, 1, expand) for _ in range(n - 1)]
            stages.append(nn.Sequential(*blocks))
            cin = c
        # stage strides: S/4, S/8, S/16, S/16
        self.stages = nn.ModuleList(stages)
        skips = (stage_channels[1], stage_channels[0], stem_channels)[:len(decoder_channels)]  # S/8, S/4, S/2
        ups = []
        for skip, dc in zip(skips, decoder_channels, strict=True):
            ups.append(SeparableBlock(cin + skip, dc))
            cin = dc
        self.ups = nn.ModuleList(ups)
        self.heatmap_head = nn.Conv2d(cin, num_points, 1)
        self.size_head = nn.Conv2d(cin, 2 * len(FACE), 1)
        self.part_head = nn.Conv2d(cin, num_parts, 1)
        self.plan_head = nn.Sequential(nn.Dropout(0.1), nn.Linear(stage_channels[-1], num_body_plans))
        assert self.heatmap_head.bias is not None
        nn.init.constant_(self.heatmap_head.bias, -4.0)  # start near "no joint anywhere"

    @property
    def stride(self) -> int:
        """Input pixels per output cell."""
        return 2 ** (4 - len(self.ups))

    def forward(self, x: torch.Tensor) -> RigNetOutput:
        s2 = self.stem(x)
        feats = []
        h = s2
        for stage in self.stages:
            h = stage(h)
            feats.append(h)
        deep = feats[-1]
        for up, skip in zip(self.ups, (feats[1], feats[0], s2), strict=False):
            h = F.interpolate(h, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            h = up(torch.cat([h, skip], dim=1))
        plan = self.plan_head(deep.mean(dim=(2, 3)))
        return RigNetOutput(self.heatmap_head(h), self.size_head(h), self.part_head(h), plan)


#: named configs: "bundled" (the shipped model, ~0.31 M parameters), "large" (~0.85 M) and "tiny" (tests)
RIG_CONFIGS: dict[str, dict[str, object]] = {
    "large": {"decoder_channels": (96, 64)},
    "bundled": {"stem_channels": 16, "stage_channels": (24, 48, 72, 120), "stage_blocks": (1, 2, 2, 2),
              "decoder_channels": (64, 48)},
    "tiny": {"input_size": 64, "stem_channels": 8, "stage_channels": (8, 16, 16, 24), "stage_blocks": (1, 1, 1, 1),
             "expand": 2, "decoder_channels": (16, 16, 8)},
}


def make_rig_net(name: str = "bundled", **overrides: object) -> RigNet:
    if name not in RIG_CONFIGS:
        raise ValueError(f"unknown rig-net config {name!r}; known: {', '.join(RIG_CONFIGS)}")
    return RigNet(**{**RIG_CONFIGS[name], **overrides})
