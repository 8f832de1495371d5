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
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from diffusers.utils import BaseOutput
from torch import nn

from sticker_studio.engine.models.blocks import AlignedLoadMixin, batch_to_frames, frames_to_batch, group_norm


@dataclass
class MattingOutput(BaseOutput):
    """``alpha`` ``[B, 1, F, H, W]`` and ``foreground`` ``[B, 3, F, H, W]``, both in [0, 1]."""

    alpha: torch.Tensor
    foreground: torch.Tensor


def _conv_gn_relu(cin: int, cout: int, groups: int, stride: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False),
                         group_norm(cout, groups, eps=1e-5), nn.ReLU(inplace=True))


class TemporalConvLayer(nn.Module):
    """One residual 3D-conv temporal layer (GroupNorm + ReLU), as in ILDiff's layout adapter."""

    def __init__(self, channels: int, groups: int, kernel: str = "factorized") -> None:
        super().__init__()
        if kernel == "factorized":
            self.conv1 = nn.Conv3d(channels, channels, (3, 1, 1), padding=(1, 0, 0), bias=False)
            self.conv2: nn.Conv3d | None = nn.Conv3d(channels, channels, (1, 3, 3), padding=(0, 1, 1), bias=False)
        elif kernel == "3x3x3":
            self.conv1 = nn.Conv3d(channels, channels, 3, padding=1, bias=False)
            self.conv2 = None
        else:
            raise ValueError("temporal_kernel must be 'factorized' or '3x3x3'")
        self.norm1 = group_norm(channels, groups, eps=1e-5)
        self.norm2 = group_norm(channels, groups, eps=1e-5) if self.conv2 is not None else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.norm1(self.conv1(x)))
        if self.conv2 is not None:
            assert self.norm2 is not None
            y = self.norm2(self.conv2(y))
        return F.relu(x + y)


class MattingHead(AlignedLoadMixin, ModelMixin, ConfigMixin):  # type: ignore[misc]
    """ILDiff-style video matting head: frames ``[B, 3, F, H, W]`` in [0, 1] → alpha + foreground."""

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
        super().__init__()
        if background_channels not in (0, 3):
            raise ValueError("background_channels must be 0 or 3")
        g = norm_num_groups
        cin = 3 + background_channels + prior_channels
        self.stem = _conv_gn_relu(cin, stem_channels, g, stride=2)
        self.encoder = nn.ModuleList()
        prev = stem_channels
        for ch in encoder_channels:
            self.encoder.append(nn.Sequential(_conv_gn_relu(prev, ch, g, stride=2), _conv_gn_relu(ch, ch, g)))
            prev = ch
        self.temporal = nn.ModuleList(TemporalConvLayer(prev, g, temporal_kernel) for _ in range(temporal_depth))
        self.decoder = nn.ModuleList()
        skips = [stem_channels, *encoder_channels[:-1]]
        for skip in reversed(skips):
            self.decoder.append(_conv_gn_relu(prev + skip, skip, g))
            prev = skip
        self.coarse_head = nn.Conv2d(prev, 4, 3, padding=1)  # alpha logit + colour correction
        if prior_channels and prior_residual:  # start as the prior itself: the network learns only the correction
            nn.init.zeros_(self.coarse_head.weight)
            assert self.coarse_head.bias is not None
            nn.init.zeros_(self.coarse_head.bias)
        layers: list[nn.Module] = [nn.Conv2d(3 + 4 + background_channels + prior_channels, refine_channels, 3,
                                             padding=1), nn.ReLU(inplace=True)]
        for _ in range(refine_layers - 1):
            layers += [nn.Conv2d(refine_channels, refine_channels, 3, padding=1), nn.ReLU(inplace=True)]
        refine_out = nn.Conv2d(refine_channels, 4, 3, padding=1)
        layers.append(refine_out)
        self.refine = nn.Sequential(*layers)
        nn.init.zeros_(refine_out.weight)
        assert refine_out.bias is not None
        nn.init.zeros_(refine_out.bias)

    @property
    def stride(self) -> int:
        return 2 ** (len(self.config["encoder_channels"]) + 1)

    def forward(self, frames: torch.Tensor, background: torch.Tensor | None = None,
                return_dict: bool = True, prior: torch.Tensor | None = None,
                ) -> MattingOutput | tuple[torch.Tensor, torch.Tensor]:
        if frames.dim() != 5 or frames.shape[1] != 3:
            raise ValueError(f"frames must be [B, 3, F, H, W], got {tuple(frames.shape)}")
        b, _, f, h, w = frames.shape
        image = frames_to_batch(frames)  # [N, 3, H, W]
        bg = self._background(background, frames) if self.config["background_channels"] else None
        pc = int(getattr(self.config, "prior_channels", 0) or 0)
        prior_b = None
        if pc:
            if prior is None or prior.shape[1] != pc or prior.shape[2:] != frames.shape[2:]:
                raise ValueError(f"this head needs its layout prior [B, {pc}, F, H, W] "
                                 "(sticker_studio.core.matte.layout_prior)")
            prior_b = frames_to_batch(prior.to(dtype=frames.dtype))
            bg = torch.cat([bg, prior_b], dim=1) if bg is not None else prior_b

        # run the network at the internal resolution (long side capped), padded to the stride
        scale = min(1.0, self.config["internal_size"] / max(h, w))
        ih, iw = max(1, round(h * scale)), max(1, round(w * scale))
        x = torch.cat([image, bg], dim=1) if bg is not None else image
        small = x if (ih, iw) == (h, w) else F.interpolate(x, size=(ih, iw), mode="bilinear",
                                                          align_corners=False, antialias=True)
        s = self.stride
        ph, pw = (-ih) % s, (-iw) % s
        small = F.pad(small, (0, pw, 0, ph), mode="replicate")

        feats = [self.stem(small * 2.0 - 1.0)]
        for stage in self.encoder:
            feats.append(stage(feats[-1]))
        z = feats.pop()
        if len(self.temporal):
            z5 = batch_to_frames(z, f)
            for layer in self.temporal:
                z5 = layer(z5)
            z = frames_to_batch(z5)
        for dec in self.decoder:
            skip = feats.pop()
            z = F.interpolate(z, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            z = dec(torch.cat([z, skip], dim=1))
        coarse = self.coarse_head(z)
        coarse = F.interpolate(coarse, size=(ih + ph, iw + pw), mode="bilinear", align_corners=False)
        coarse = coarse[..., :ih, :iw]
        if (ih, iw) != (h, w):
            coarse = F.interpolate(coarse, size=(h, w), mode="bilinear", align_corners=False)

        img_logit = torch.logit(image.clamp(1e-3, 1 - 1e-3))
        alpha_logit = coarse[:, :1]
        if prior_b is not None and getattr(self.config, "prior_residual", True):
            # a correction of the key alpha (channel 4 of the prior)
            alpha_logit = alpha_logit + torch.logit(prior_b[:, 4:5].clamp(0.02, 0.98))
        fg_logit = img_logit + coarse[:, 1:]
        refine_in = [image, torch.sigmoid(alpha_logit), torch.sigmoid(fg_logit)]
        if bg is not None:
            refine_in.append(bg)
        delta = self.refine(torch.cat(refine_in, dim=1))
        alpha = torch.sigmoid(alpha_logit + delta[:, :1])
        fg = torch.sigmoid(fg_logit + delta[:, 1:])
        alpha5, fg5 = batch_to_frames(alpha, f).contiguous(), batch_to_frames(fg, f).contiguous()
        if not return_dict:
            return alpha5, fg5
        return MattingOutput(alpha=alpha5, foreground=fg5)

    @staticmethod
    def _background(background: torch.Tensor | None, frames: torch.Tensor) -> torch.Tensor:
        b, _, f, h, w = frames.shape
        if background is None:  # default hint: white, the pipeline's compositing background
            return torch.ones(b * f, 3, h, w, device=frames.device, dtype=frames.dtype)
        background = background.to(device=frames.device, dtype=frames.dtype)
        if background.dim() == 2:
            return background[:, None, :, None, None].expand(b, f, 3, h, w).reshape(b * f, 3, h, w)
        return frames_to_batch(background)
