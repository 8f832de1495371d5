"""The matting head of ILDiff: gives animated stickers their alpha channel back.

ILDiff (seed 004) adds to a transparent decoder a *layout adapter*: a light image
encoder that carries the layout of each frame (so "semi-open" regions — a white belly
on a white background, a ring's hole — are told apart by shape, not colour), followed by
a stack of 3D-convolution temporal layers (GroupNorm + ReLU, depth 5 was best) so the
alpha does not flicker between frames. Here the same structure is a self-contained
network:

* **layout encoder** per frame: a stem and ``len(encoder_channels)`` strided conv stages
  (GroupNorm + ReLU). The paper distils its encoder from SAM; we have no SAM offline, so
  it is trained from scratch on composited sticker clips (noted in the model card).
* **temporal stack** at the bottleneck: ``temporal_depth`` residual layers of 3D
  convolutions — ``(3,1,1)`` then ``(1,3,3)`` ("factorized", cheaper) or one ``3×3×3`` —
  each with GroupNorm + ReLU. ``temporal_depth=0`` is the per-frame baseline of the eval
  table (then frames never influence each other).
* **decoder**: U-Net style with skips up to the stem's resolution, predicting an alpha
  logit and a foreground-colour correction.
* **full-resolution refinement**: the network runs at ``internal_size`` (long side; larger
  inputs are downscaled), then alpha and colour are upsampled and refined by a small
  conv on ``[image, coarse alpha, coarse colour]`` at full resolution, so edges follow
  the image rather than the coarse grid. This is what keeps a 512² frame fast on CPU.

Outputs: ``alpha`` in [0, 1] and ``foreground`` in [0, 1] — the colour with the background
removed, so compositing ``α·F + (1−α)·B`` on any background B has no fringe. The
foreground is parameterised as a correction of the input colour (``sigmoid(logit(I) + Δ)``),
so opaque interior pixels keep the drawing's colours exactly when Δ≈0.

Layout prior (``prior_channels=8``, the bundled head since issue 10): beside RGB the head
gets the channels of :mod:`sticker_studio.core.matte.layout_prior` — distance to the
border-median background colour, border-connected floods at a tight and a loose
tolerance, enclosed background-coloured candidates, a key-style alpha with enclosed
candidates at 0.5, and the background colour. With ``prior_residual`` (the first
layout heads) it predicts a *correction* to that key alpha's logit; without it (the bundled
head) the prior is input only and alpha is predicted directly — that learned several
times faster on the CPU (a zero-initialised correction of a saturated logit gets little
gradient). The encoder runs at a fixed content scale (``internal_size`` on the
long side, e.g. 128, whatever the input size); the refinement runs at full resolution on
``[image, prior, coarse alpha, coarse colour]``, so a 1-px ink line the key alpha holds
survives the coarse grid. ``refine_layers`` hidden layers (1 for old heads).
The constructor's defaults are the bundled head's (named config ``layout-direct``).

Optional background hint (``background_channels=3``): ``forward(frames, background=...)``
takes the known/estimated background as a colour ``[B, 3]`` or plate ``[B, 3, F, H, W]`` in
[0, 1] — useful when the caller knows it (generated stickers are composited on white;
``matte`` can estimate a flat background from the border). Off by default.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from diffusers.utils import BaseOutput

from sticker_studio.engine.models.blocks import AlignedLoadMixin
from sticker_studio.engine.models.matting_net import MattingNet, TemporalConvLayer


@dataclass
class MattingOutput(BaseOutput):
    """``alpha`` ``[B, 1, F, H, W]`` and ``foreground`` ``[B, 3, F, H, W]``, both in [0, 1]."""

    alpha: torch.Tensor
    foreground: torch.Tensor


class MattingHead(AlignedLoadMixin, MattingNet, ModelMixin, ConfigMixin):  # type: ignore[misc]
    """ILDiff-style video matting head: frames ``[B, 3, F, H, W]`` in [0, 1] → alpha + foreground.

    The network is :class:`~sticker_studio.engine.models.matting_net.MattingNet` (same parameters, same
    forward, listed first in the bases so its ``__init__`` runs with the arguments); this class adds diffusers'
    contract: a registered config, ``from_pretrained`` and
    ``save_pretrained``, and a ``MattingOutput``."""

    @register_to_config
    def __init__(
        self,
        stem_channels: int = 12,
        encoder_channels: Sequence[int] = (16, 32, 48, 64),
        temporal_depth: int = 3,
        temporal_kernel: str = "factorized",
        norm_num_groups: int = 8,
        internal_size: int = 128,
        refine_channels: int = 8,
        background_channels: int = 0,
        prior_channels: int = 8,
        refine_layers: int = 1,
        prior_residual: bool = False,
    ) -> None:
        # MattingNet builds the layers; its super().__init__() is ModelMixin's here (the MRO puts the network
        # first), which initialises torch's Module
        super().__init__(stem_channels, encoder_channels, temporal_depth, temporal_kernel, norm_num_groups,
                         internal_size, refine_channels, background_channels, prior_channels, refine_layers,
                         prior_residual)

    def _output(self, alpha: torch.Tensor, foreground: torch.Tensor) -> MattingOutput:
        return MattingOutput(alpha=alpha, foreground=foreground)


__all__ = ["MattingHead", "MattingOutput", "TemporalConvLayer"]
