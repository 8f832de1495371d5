"""The ILDiff-style matting head's network in plain torch (no diffusers import).

The architecture, its defaults and the bundled head's training are described in
:mod:`sticker_studio.engine.models.matting_head`, whose ``MattingHead`` is :class:`MattingNet` with diffusers'
model contract. Inference loads :class:`MattingNet` alone (:func:`load_matting_net`): the same config and
safetensors, the same parameters and outputs, without importing diffusers — which pulls in ``torch._dynamo``
and cost ~3 s of every CLI ``matte`` and of ``animate`` on a drawing without alpha.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from sticker_studio.core.errors import ModelError
from sticker_studio.engine.models.blocks import batch_to_frames, frames_to_batch, group_norm

#: the weights file of a diffusers model folder
WEIGHTS_NAME = "diffusion_pytorch_model.safetensors"


class NetConfig(dict):
    """A config read as a dict or by attribute (``config["internal_size"]``, ``config.internal_size``), as
    diffusers' ``FrozenDict`` is."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass
class MattingResult:
    """``alpha`` ``[B, 1, F, H, W]`` and ``foreground`` ``[B, 3, F, H, W]``, both in [0, 1]; item 0 is alpha."""

    alpha: torch.Tensor
    foreground: torch.Tensor

    def __getitem__(self, index: int | str) -> torch.Tensor:
        if isinstance(index, str):
            return getattr(self, index)
        return (self.alpha, self.foreground)[index]


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


class MattingNet(nn.Module):
    """The matting head's network in plain torch: frames ``[B, 3, F, H, W]`` in [0, 1] → alpha + foreground.

    :class:`~sticker_studio.engine.models.matting_head.MattingHead` is this network with diffusers' model
    contract (``from_pretrained``/``save_pretrained``, a registered config) for training and saving;
    :func:`load_matting_net` builds this class alone from the same folder, without importing diffusers
    (which pulls in ``torch._dynamo``: ~3 s of a CLI ``matte``).
    """

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
        self.hparams = NetConfig(
            stem_channels=stem_channels, encoder_channels=list(encoder_channels), temporal_depth=temporal_depth,
            temporal_kernel=temporal_kernel, norm_num_groups=norm_num_groups, internal_size=internal_size,
            refine_channels=refine_channels, background_channels=background_channels,
            prior_channels=prior_channels, refine_layers=refine_layers, prior_residual=prior_residual)
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
        return 2 ** (len(self.hparams["encoder_channels"]) + 1)

    def forward(self, frames: torch.Tensor, background: torch.Tensor | None = None,
                return_dict: bool = True, prior: torch.Tensor | None = None,
                ) -> Any:
        if frames.dim() != 5 or frames.shape[1] != 3:
            raise ValueError(f"frames must be [B, 3, F, H, W], got {tuple(frames.shape)}")
        b, _, f, h, w = frames.shape
        image = frames_to_batch(frames)  # [N, 3, H, W]
        bg = self._background(background, frames) if self.hparams["background_channels"] else None
        pc = int(self.hparams.get("prior_channels", 0) or 0)
        prior_b = None
        if pc:
            if prior is None or prior.shape[1] != pc or prior.shape[2:] != frames.shape[2:]:
                raise ValueError(f"this head needs its layout prior [B, {pc}, F, H, W] "
                                 "(sticker_studio.core.matte.layout_prior)")
            prior_b = frames_to_batch(prior.to(dtype=frames.dtype))
            bg = torch.cat([bg, prior_b], dim=1) if bg is not None else prior_b

        # run the network at the internal resolution (long side capped), padded to the stride
        scale = min(1.0, self.hparams["internal_size"] / max(h, w))
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
        if prior_b is not None and self.hparams.get("prior_residual", True):
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
        return self._output(alpha5, fg5)

    def _output(self, alpha: torch.Tensor, foreground: torch.Tensor) -> Any:
        """The forward's ``return_dict`` output (the diffusers head returns its ``BaseOutput``)."""
        return MattingResult(alpha=alpha, foreground=foreground)

    @staticmethod
    def _background(background: torch.Tensor | None, frames: torch.Tensor) -> torch.Tensor:
        b, _, f, h, w = frames.shape
        if background is None:  # default hint: white, the pipeline's compositing background
            return torch.ones(b * f, 3, h, w, device=frames.device, dtype=frames.dtype)
        background = background.to(device=frames.device, dtype=frames.dtype)
        if background.dim() == 2:
            return background[:, None, :, None, None].expand(b, f, 3, h, w).reshape(b * f, 3, h, w)
        return frames_to_batch(background)


class StandaloneMattingNet(MattingNet):
    """:class:`MattingNet` as inference loads it (:func:`load_matting_net`): its ``config`` and ``dtype``
    read as the diffusers head's do (``head.config.internal_size``, ``head.dtype``)."""

    @property
    def config(self) -> NetConfig:
        return self.hparams

    @property
    def dtype(self) -> torch.dtype:
        return next(self.parameters()).dtype


def load_matting_net(folder: Path, *, max_parameters: int) -> StandaloneMattingNet:
    """A :class:`MattingNet` from a matting head's folder (``config.json`` + safetensors weights), in eval
    mode. Refuses (:class:`ModelError`) a config that does not describe this network or would exceed
    ``max_parameters`` (checked on the meta device before any memory is allocated), and weights that do not
    match it key for key and shape for shape — never a randomly initialised head."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    folder = Path(folder)
    config_path = folder / "config.json"
    try:
        raw = json.loads(config_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ModelError(f"cannot read the matting head's config {config_path}: {error}") from None
    if not isinstance(raw, dict):
        raise ModelError(f"{config_path} does not describe a MattingHead: not a JSON object")
    kwargs = {k: v for k, v in raw.items() if not k.startswith("_")}
    try:
        with torch.device("meta"):
            count = sum(p.numel() for p in MattingNet(**kwargs).parameters())
    except (TypeError, ValueError, RuntimeError) as error:
        raise ModelError(f"{config_path} does not describe a MattingHead: {error}") from None
    if count > max_parameters:
        raise ModelError(f"the matting head config in {folder} describes {count:,} parameters "
                         f"(limit {max_parameters:,}); refusing to allocate it")
    weights = folder / WEIGHTS_NAME
    if not weights.is_file():
        raise ModelError(f"cannot load the matting head from {folder}: no {WEIGHTS_NAME}")
    try:
        state = load_file(str(weights))
    except (OSError, SafetensorError) as error:
        raise ModelError(f"cannot load the matting head from {folder}: {error}") from None
    net = StandaloneMattingNet(**kwargs)
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as error:
        raise ModelError(f"cannot load the matting head from {folder}: its weights do not match its config "
                         f"({str(error).splitlines()[0]})") from None
    return net.eval()


__all__ = ["MattingNet", "MattingResult", "NetConfig", "StandaloneMattingNet", "TemporalConvLayer", "load_matting_net"]
