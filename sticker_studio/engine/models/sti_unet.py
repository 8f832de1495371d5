"""STIUNet — VSD2M's video model: STI temporal layers inside a Stable-Diffusion UNet.

VSD2M replaces the temporal layers of a VideoLDM-style video UNet with STI layers and
starts from Stable Diffusion 2.1's image weights, training the temporal layers. Here a
diffusers ``UNet2DConditionModel`` (SD-shaped config; tests use a tiny one) runs on the
frames folded into the batch, and an :class:`STILayer` runs after every ResNet and every
spatial transformer of its down, mid and up blocks, on the features unfolded back to
``[B, C, F, H, W]``. The STI layers are attached with forward hooks, so the UNet's own
module names and state-dict keys stay exactly those of the image model —
:meth:`STIUNet.from_unet2d` copies image weights verbatim, and because every STI layer
starts as the identity, a fresh ``STIUNet`` reproduces the image model frame by frame.

Conditioning for the pipeline's tasks (``with_condition=True``): the UNet's ``conv_in``
takes ``[noisy sample, condition·mask, mask]``; the extra input channels are
zero-initialised when converting image weights (as SD's inpainting models do), so the
image model's behaviour is kept at the start. The ``forward`` signature is DFGN's, so
the same pipeline drives either model.

Text: the UNet's ``cross_attention_dim`` follows the image model (SD 2.1: 1024). When
the text encoder is narrower (MiniLM: 384), set ``text_embed_dim`` and a trainable
linear projection maps the states. The unconditional text for guidance is the text
encoder's encoding of the empty prompt, as in Stable Diffusion.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, cast

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from diffusers.models.unets.unet_2d_condition import UNet2DConditionModel
from torch import nn

from sticker_studio.engine.models.blocks import AlignedLoadMixin, batch_to_frames, frames_to_batch
from sticker_studio.engine.models.dfgn import DFGNOutput
from sticker_studio.engine.models.sti import STILayer


def _plain_unet_config(unet: UNet2DConditionModel) -> dict[str, Any]:
    """A JSON-able copy of a UNet's config without diffusers' private keys."""
    cfg = {}
    for key, value in dict(unet.config).items():
        if key.startswith("_"):
            continue
        cfg[key] = list(value) if isinstance(value, tuple) else value
    return cfg


class STIUNet(AlignedLoadMixin, ModelMixin, ConfigMixin):  # type: ignore[misc]
    """A ``UNet2DConditionModel`` with STI temporal layers; input/output ``[B, C, F, H, W]``."""

    _supports_gradient_checkpointing = True

    @register_to_config
    def __init__(
        self,
        unet_config: dict[str, Any],
        sti_downsample: int = 2,
        sti_num_heads: int = 8,
        sti_head_dim: int = 32,
        sti_detail_layers: int = 2,
        with_condition: bool = True,
        text_embed_dim: int | None = None,
    ) -> None:
        super().__init__()
        self.unet = UNet2DConditionModel(**unet_config)
        ucfg = self.unet.config
        self.sample_channels = int(ucfg.out_channels)
        if with_condition and ucfg.in_channels != 2 * self.sample_channels + 1:
            raise ValueError("with_condition needs unet in_channels = 2 * out_channels + 1 "
                             "(sample, masked condition, mask); build it with STIUNet.from_unet2d")
        cross_dim = ucfg.cross_attention_dim
        self.text_projection = (
            nn.Linear(text_embed_dim, cross_dim) if text_embed_dim and text_embed_dim != cross_dim else None
        )
        groups = int(ucfg.norm_num_groups or 32)
        self.temporal_layers = nn.ModuleDict()
        self._num_frames: int | None = None
        for name, module, channels in self._spatial_modules():
            key = name.replace(".", "_")
            self.temporal_layers[key] = STILayer(channels, sti_num_heads, sti_head_dim, sti_downsample,
                                                 sti_detail_layers, groups)
            module.register_forward_hook(self._make_hook(key))

    # -- construction --------------------------------------------------------------
    def _spatial_modules(self) -> Iterator[tuple[str, nn.Module, int]]:
        """(name, module, channels) of every ResNet and spatial transformer in down/mid/up blocks."""
        blocks = [(f"down_blocks.{i}", b) for i, b in enumerate(self.unet.down_blocks)]
        blocks.append(("mid_block", self.unet.mid_block))
        blocks += [(f"up_blocks.{i}", b) for i, b in enumerate(self.unet.up_blocks)]
        for prefix, block in blocks:
            if block is None:
                continue
            resnets = list(getattr(block, "resnets", []) or [])
            attentions = list(getattr(block, "attentions", []) or [])
            for i, res in enumerate(resnets):
                yield f"{prefix}.resnets.{i}", res, int(res.conv2.out_channels)
            for i, attn in enumerate(attentions):
                yield f"{prefix}.attentions.{i}", attn, int(attn.config.in_channels)

    def _make_hook(self, key: str):
        def hook(module: nn.Module, args: Any, output: Any) -> Any:
            f = self._num_frames
            if f is None:  # the UNet is being used as a plain image model
                return output
            sti = cast(STILayer, self.temporal_layers[key])
            if isinstance(output, torch.Tensor):
                return sti.forward_frames(output, f)
            if isinstance(output, tuple):
                return (sti.forward_frames(output[0], f), *output[1:])
            output.sample = sti.forward_frames(output.sample, f)  # Transformer2DModelOutput
            return output

        return hook

    @classmethod
    def from_unet2d(cls, unet: UNet2DConditionModel, *, with_condition: bool = True,
                    text_embed_dim: int | None = None, **sti_kwargs: Any) -> STIUNet:
        """Start from an image UNet's weights (e.g. Stable Diffusion 2.1's) and add STI layers."""
        cfg = _plain_unet_config(unet)
        c = int(cfg["out_channels"])
        if with_condition:
            if int(cfg["in_channels"]) != c:
                raise ValueError("from_unet2d(with_condition=True) expects an image UNet with in == out channels")
            cfg["in_channels"] = 2 * c + 1
        model = cls(unet_config=cfg, with_condition=with_condition, text_embed_dim=text_embed_dim, **sti_kwargs)
        state = dict(unet.state_dict())
        if with_condition:
            w = state["conv_in.weight"]
            extra = torch.zeros(w.shape[0], c + 1, *w.shape[2:], dtype=w.dtype)
            state["conv_in.weight"] = torch.cat([w, extra], dim=1)
        model.unet.load_state_dict(state, strict=True)
        return model if unet.dtype == model.dtype else model.to(dtype=unet.dtype)

    # -- training helpers ------------------------------------------------------------
    def freeze_spatial(self, keep_conv_in: bool = True) -> None:
        """Freeze the image UNet; train only STI layers (and the text projection, and
        ``conv_in`` when it gained condition channels — ``keep_conv_in``)."""
        self.unet.requires_grad_(False)
        self.temporal_layers.requires_grad_(True)
        if self.text_projection is not None:
            self.text_projection.requires_grad_(True)
        if keep_conv_in and self.config["with_condition"]:
            self.unet.conv_in.requires_grad_(True)

    # -- forward -----------------------------------------------------------------------
    def forward(
        self,
        sample: torch.Tensor,
        timestep: torch.Tensor | float | int,
        encoder_hidden_states: torch.Tensor,
        condition: torch.Tensor | None = None,
        condition_mask: torch.Tensor | None = None,
        encoder_attention_mask: torch.Tensor | None = None,
        return_dict: bool = True,
    ) -> DFGNOutput | tuple[torch.Tensor]:
        if sample.dim() != 5:
            raise ValueError(f"sample must be [B, C, F, H, W], got {tuple(sample.shape)}")
        b, c, f, h, w = sample.shape
        x = sample
        if self.config["with_condition"]:
            if condition is None:
                condition = torch.zeros_like(sample)
            if condition_mask is None:
                condition_mask = torch.zeros(b, f, device=sample.device, dtype=sample.dtype)
            m = condition_mask.to(sample.dtype).view(b, 1, f, 1, 1)
            x = torch.cat([sample, condition.to(sample.dtype) * m, m.expand(b, 1, f, h, w)], dim=1)
        t = torch.as_tensor(timestep, device=sample.device)
        if t.dim() == 0:
            t = t[None]
        t = t.expand(b).repeat_interleave(f)
        states = encoder_hidden_states.to(sample.dtype)
        if self.text_projection is not None:
            states = self.text_projection(states)
        states = states.repeat_interleave(f, dim=0)
        mask = None
        if encoder_attention_mask is not None:
            mask = encoder_attention_mask.to(sample.device).repeat_interleave(f, dim=0).to(sample.dtype)
        self._num_frames = f
        try:
            out = self.unet(frames_to_batch(x), t, states, encoder_attention_mask=mask, return_dict=False)[0]
        finally:
            self._num_frames = None
        out = batch_to_frames(out, f).contiguous()
        if not return_dict:
            return (out,)
        return DFGNOutput(sample=out)
