"""DFGN — RDTF's Discrete Frame Generation Network, at configurable sizes.

A compact 3D UNet trained from scratch (rdtf_method.md §1). Every layer is

    ResNet (2D, per frame, with the timestep) → STI temporal layer → spatial transformer
    (per-frame self-attention + text cross-attention)

with down / mid / up levels and skip connections; ``conv_in`` is followed by an STI
layer too. Frames are folded into the batch for all 2D work (no Python loop over frames).

**Condition path** (RDTF's dual-mask design): the condition frames (zeros where not
given — the model also multiplies by the mask itself, so content under mask 0 can never
leak) are concatenated with the mask as one extra channel, passed per frame through a
3×3 conv stack (in+1 → 16 → 16 → ``condition_channels``) and a small per-pixel temporal
transformer (attention over the frames at each pixel, with a frame-index embedding),
then concatenated channel-wise with the noisy sample. The mask alone selects the task:
none given = text-to-animation, first = image-to-animation, first+last / alternate =
interpolation, prefix = continuation, first frame repeated after the last = loop.

**Classifier-free guidance.** The *unconditional* text is the frozen text encoder's
encoding of the empty caption — what training's caption dropout feeds, and what the
pipeline samples with. (A row with ``encoder_attention_mask`` all False, or
``encoder_hidden_states=None``, attends to ``null_text_embedding`` instead; training never
produces such rows, so that token is untrained and the pipeline does not use it.) An image-unconditional row has
``condition_mask`` all zero. Recommended use:

* training — drop the caption with p≈0.1 by setting that row's attention mask all False
  (``DFGN.unconditional_text``), drop the condition frames with p≈0.1 by zeroing the
  row's ``condition_mask`` (never the mask of a t2v row: it is already zero);
* sampling with both guidances — one batched forward over three rows
  ``(null text, no frames)``, ``(null text, frames)``, ``(text, frames)`` and
  ``ε = ε_∅∅ + s_img·(ε_∅I − ε_∅∅) + s_txt·(ε_TI − ε_∅I)`` (InstructPix2Pix-style);
  for text-to-animation just two rows ``(null text)``, ``(text)``.

Each row's output depends only on that row (no cross-batch operation), so batching the
guidance rows is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import torch
import torch.nn.functional as F
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.embeddings import TimestepEmbedding, Timesteps
from diffusers.models.modeling_utils import ModelMixin
from diffusers.utils import BaseOutput
from torch import nn

from sticker_studio.engine.models.blocks import (
    AlignedLoadMixin,
    Downsample2D,
    MultiHeadAttention,
    ResBlock2D,
    SpatialTransformer,
    Upsample2D,
    batch_to_frames,
    frames_to_batch,
    group_norm,
    pad_to_multiple,
    sinusoidal_embedding,
)
from sticker_studio.engine.models.sti import STILayer


@dataclass
class DFGNOutput(BaseOutput):
    """``sample``: the model prediction (ε or v, as the scheduler config says), ``[B, C, F, H, W]``."""

    sample: torch.Tensor


def _per_level(value: int | Sequence[int] | Sequence[bool], levels: int, name: str) -> list:
    if isinstance(value, (list, tuple)):
        if len(value) != levels:
            raise ValueError(f"{name} needs one entry per level ({levels}), got {len(value)}")
        return list(value)
    return [value] * levels


class DFGNLayer(nn.Module):
    """ResNet (per frame) → STI (across frames) → spatial transformer (per frame, optional)."""

    def __init__(self, in_ch: int, out_ch: int, temb_ch: int, groups: int, *, sti_heads: int, sti_head_dim: int,
                 sti_downsample: int, sti_detail_layers: int, attention: bool, attn_heads: int, attn_head_dim: int,
                 cross_attention_dim: int, transformer_depth: int, dropout: float, ff_mult: int = 4) -> None:
        super().__init__()
        self.resnet = ResBlock2D(in_ch, out_ch, temb_ch, groups, dropout)
        self.temporal = STILayer(out_ch, sti_heads, sti_head_dim, sti_downsample, sti_detail_layers, groups)
        self.transformer = (
            SpatialTransformer(out_ch, attn_heads, attn_head_dim, cross_attention_dim, groups, transformer_depth,
                               ff_mult)
            if attention else None
        )

    def forward(self, h: torch.Tensor, temb: torch.Tensor, num_frames: int, context: torch.Tensor,
                context_mask: torch.Tensor | None) -> torch.Tensor:
        h = self.resnet(h, temb)
        h = self.temporal.forward_frames(h, num_frames)
        if self.transformer is not None:
            h = self.transformer(h, num_frames, context, context_mask)
        return h


class ConditionEncoder(nn.Module):
    """Masked condition frames + mask → per-frame conv stack → per-pixel temporal transformer."""

    def __init__(self, in_channels: int, hidden: int, out_channels: int, heads: int) -> None:
        super().__init__()
        self.convs = nn.Sequential(
            nn.Conv2d(in_channels + 1, hidden, 3, padding=1), nn.SiLU(),
            nn.Conv2d(hidden, hidden, 3, padding=1), nn.SiLU(),
            nn.Conv2d(hidden, out_channels, 3, padding=1),
        )
        self.norm1 = nn.LayerNorm(out_channels)
        self.attn = MultiHeadAttention(out_channels, heads, max(4, out_channels // heads))
        self.norm2 = nn.LayerNorm(out_channels)
        self.ff = nn.Sequential(nn.Linear(out_channels, out_channels * 4), nn.GELU(),
                                nn.Linear(out_channels * 4, out_channels))

    def forward(self, condition: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        b, c, f, h, w = condition.shape
        m = mask.to(condition.dtype).view(b, 1, f, 1, 1)
        x = torch.cat([condition * m, m.expand(b, 1, f, h, w)], dim=1)
        y = self.convs(frames_to_batch(x))  # [B*F, Cc, H, W]
        cc = y.shape[1]
        # per-pixel sequences over frames: [B*H*W, F, Cc]
        tokens = y.reshape(b, f, cc, h * w).permute(0, 3, 1, 2).reshape(b * h * w, f, cc)
        pos = sinusoidal_embedding(torch.arange(f, device=y.device), cc).to(y.dtype)
        tokens = tokens + self.attn(self.norm1(tokens) + pos)
        tokens = tokens + self.ff(self.norm2(tokens))
        return tokens.reshape(b, h * w, f, cc).permute(0, 3, 2, 1).reshape(b, cc, f, h, w)


class DFGN(AlignedLoadMixin, ModelMixin, ConfigMixin):  # type: ignore[misc]
    """RDTF's Discrete Frame Generation Network (a compact 3D UNet with STI temporal layers).

    Config (all JSON-serialisable; see ``configs.py`` for the named sizes):
        in_channels: 3 (pixel RGB in [-1, 1] composited on white) or 4 (VAE latent).
        out_channels: defaults to ``in_channels``.
        sample_size: native spatial size (pixels or latent cells); informational for pipelines.
        space: ``"pixel"`` or ``"latent"``.
        block_out_channels: channels per level (RDTF: 320, 640, 1024, 1280).
        layers_per_block: layers per down level (up levels have one more), RDTF: 2.
        attention_levels: per level, whether layers carry the spatial transformer (RDTF:
            the three upper levels yes, the lowest-resolution down level no — the mid block always has one).
        cross_attention_dim: width of the text states (MiniLM: 384).
        attention_head_dim: head width of the spatial transformers (RDTF: 64).
        sti_downsample: STI pooling r, one int or one per level (the mid block uses the last).
        sti_head_dim / sti_num_heads: STI attention shape (``sti_num_heads=None`` → C // head_dim).
        sti_detail_layers: temporal convolutions in STI's detail branch.
        norm_num_groups: GroupNorm groups (RDTF: 32).
        condition_channels / condition_hidden_channels: width of the condition path.
        patch_size: space-to-depth factor p applied to the sample and the condition before
            the UNet (pixel-unshuffle; output pixel-shuffled back), so a pixel-space model
            runs its UNet at H/p × W/p with p²·C channels — the cheap way to afford pixel
            space on a CPU ("simple diffusion"-style patching). 1 = off.
        ff_mult: width multiplier of the transformers' GEGLU feed-forward.
    """

    _supports_gradient_checkpointing = True

    @register_to_config
    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int | None = None,
        sample_size: int = 64,
        space: str = "pixel",
        block_out_channels: Sequence[int] = (64, 128, 256),
        layers_per_block: int = 1,
        attention_levels: Sequence[bool] = (False, True, True),
        cross_attention_dim: int = 384,
        attention_head_dim: int = 32,
        transformer_depth: int = 1,
        mid_block_attention: bool = True,
        sti_downsample: int | Sequence[int] = 2,
        sti_head_dim: int = 32,
        sti_num_heads: int | None = None,
        sti_detail_layers: int = 2,
        norm_num_groups: int = 32,
        condition_channels: int = 8,
        condition_hidden_channels: int = 16,
        condition_heads: int = 2,
        time_embedding_dim: int | None = None,
        dropout: float = 0.0,
        patch_size: int = 1,
        ff_mult: int = 4,
    ) -> None:
        super().__init__()
        if space not in ("pixel", "latent"):
            raise ValueError("space must be 'pixel' or 'latent'")
        levels = len(block_out_channels)
        chans = list(block_out_channels)
        attn = _per_level(attention_levels, levels, "attention_levels")
        sti_r = _per_level(sti_downsample, levels, "sti_downsample")
        out_channels = out_channels or in_channels
        temb_dim = time_embedding_dim or chans[0] * 4
        groups = norm_num_groups

        def sti_heads(ch: int) -> int:
            return sti_num_heads or max(1, ch // sti_head_dim)

        def layer(cin: int, cout: int, level: int, use_attn: bool) -> DFGNLayer:
            return DFGNLayer(cin, cout, temb_dim, groups, sti_heads=sti_heads(cout), sti_head_dim=sti_head_dim,
                             sti_downsample=sti_r[level], sti_detail_layers=sti_detail_layers, attention=use_attn,
                             attn_heads=max(1, cout // attention_head_dim), attn_head_dim=attention_head_dim,
                             cross_attention_dim=cross_attention_dim, transformer_depth=transformer_depth,
                             dropout=dropout, ff_mult=ff_mult)

        self.time_proj = Timesteps(chans[0], flip_sin_to_cos=True, downscale_freq_shift=0)
        self.time_embedding = TimestepEmbedding(chans[0], temb_dim)
        self.null_text_embedding = nn.Parameter(torch.randn(1, cross_attention_dim) * 0.02)
        unet_in = in_channels * patch_size * patch_size
        self.condition_encoder = ConditionEncoder(unet_in, condition_hidden_channels, condition_channels,
                                                  condition_heads)

        self.conv_in = nn.Conv2d(unet_in + condition_channels, chans[0], 3, padding=1)
        self.conv_in_temporal = STILayer(chans[0], sti_heads(chans[0]), sti_head_dim, sti_r[0], sti_detail_layers,
                                         groups)

        self.down_layers = nn.ModuleList()
        self.downsamplers = nn.ModuleList()
        skip_channels = [chans[0]]
        cin = chans[0]
        for level, cout in enumerate(chans):
            block = nn.ModuleList()
            for _ in range(layers_per_block):
                block.append(layer(cin, cout, level, attn[level]))
                cin = cout
                skip_channels.append(cout)
            self.down_layers.append(block)
            if level < levels - 1:
                self.downsamplers.append(Downsample2D(cout))
                skip_channels.append(cout)

        self.mid_layers = nn.ModuleList([
            layer(chans[-1], chans[-1], levels - 1, mid_block_attention),
            layer(chans[-1], chans[-1], levels - 1, False),
        ])

        self.up_layers = nn.ModuleList()
        self.upsamplers = nn.ModuleList()
        cin = chans[-1]
        for level in reversed(range(levels)):
            cout = chans[level]
            block = nn.ModuleList()
            for _ in range(layers_per_block + 1):
                block.append(layer(cin + skip_channels.pop(), cout, level, attn[level]))
                cin = cout
            self.up_layers.append(block)
            if level > 0:
                self.upsamplers.append(Upsample2D(cout))

        self.norm_out = group_norm(chans[0], groups)
        self.conv_out = nn.Conv2d(chans[0], out_channels * patch_size * patch_size, 3, padding=1)
        nn.init.zeros_(self.conv_out.weight)
        assert self.conv_out.bias is not None
        nn.init.zeros_(self.conv_out.bias)
        self.gradient_checkpointing = False

    @property
    def downsample_factor(self) -> int:
        """Spatial sizes that are multiples of this need no internal padding."""
        return self.config["patch_size"] * 2 ** (len(self.config["block_out_channels"]) - 1)

    @staticmethod
    def unconditional_text(batch: int, length: int, dim: int, device: torch.device | str | None = None,
                           dtype: torch.dtype | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Text states + an all-False mask meaning "no text" (the model uses its learned null token)."""
        return (torch.zeros(batch, length, dim, device=device, dtype=dtype),
                torch.zeros(batch, length, dtype=torch.bool, device=device))

    def _prepare_text(self, states: torch.Tensor | None, mask: torch.Tensor | None, batch: int,
                      dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
        null = self.null_text_embedding.to(dtype)
        if states is None:
            return (null[None].expand(batch, 1, -1),
                    torch.ones(batch, 1, dtype=torch.bool, device=null.device))
        states = states.to(dtype)
        if states.shape[0] != batch:
            raise ValueError(f"encoder_hidden_states batch {states.shape[0]} != sample batch {batch}")
        if mask is None:
            return states, torch.ones(states.shape[:2], dtype=torch.bool, device=states.device)
        mask = mask.to(device=states.device).bool()
        empty = ~mask.any(dim=1)  # rows without text -> the null token in slot 0
        first = torch.where(empty[:, None], null.expand(batch, -1), states[:, 0])
        states = torch.cat([first[:, None], states[:, 1:]], dim=1)
        mask = torch.cat([(mask[:, 0] | empty)[:, None], mask[:, 1:]], dim=1)
        return states, mask

    def _run(self, layer: nn.Module, *args) -> torch.Tensor:
        if torch.is_grad_enabled() and self.gradient_checkpointing:
            return self._gradient_checkpointing_func(layer, *args)  # type: ignore[misc]
        return layer(*args)

    def forward(
        self,
        sample: torch.Tensor,
        timestep: torch.Tensor | float | int,
        encoder_hidden_states: torch.Tensor | None = None,
        condition: torch.Tensor | None = None,
        condition_mask: torch.Tensor | None = None,
        encoder_attention_mask: torch.Tensor | None = None,
        return_dict: bool = True,
    ) -> DFGNOutput | tuple[torch.Tensor]:
        """Predict the noise (or v) for ``sample`` ``[B, C, F, H, W]``.

        ``condition`` ``[B, C, F, H, W]`` holds the given frames (zeros elsewhere) and
        ``condition_mask`` ``[B, F]`` says which are given (1) — both optional (none given).
        Spatial sizes that are not multiples of :attr:`downsample_factor` are padded and
        cropped back.
        """
        if sample.dim() != 5:
            raise ValueError(f"sample must be [B, C, F, H, W], got {tuple(sample.shape)}")
        b, _, f, h0, w0 = sample.shape
        dtype = sample.dtype
        if condition is None:
            condition = torch.zeros_like(sample)
        if condition_mask is None:
            condition_mask = torch.zeros(b, f, device=sample.device, dtype=dtype)
        sample, _ = pad_to_multiple(sample, self.downsample_factor)
        condition, _ = pad_to_multiple(condition.to(dtype), self.downsample_factor)
        p = self.config["patch_size"]
        if p > 1:
            sample = batch_to_frames(F.pixel_unshuffle(frames_to_batch(sample), p), f)
            condition = batch_to_frames(F.pixel_unshuffle(frames_to_batch(condition), p), f)

        t = torch.as_tensor(timestep, device=sample.device)
        if t.dim() == 0:
            t = t[None]
        t = t.expand(b)
        temb = self.time_embedding(self.time_proj(t).to(dtype))
        temb = temb.repeat_interleave(f, dim=0)  # one per frame: [B*F, D]
        context, context_mask = self._prepare_text(encoder_hidden_states, encoder_attention_mask, b, dtype)

        cond = self.condition_encoder(condition, condition_mask.to(device=sample.device))
        h = self.conv_in(frames_to_batch(torch.cat([sample, cond], dim=1)))
        h = self.conv_in_temporal.forward_frames(h, f)

        skips = [h]
        for level, block in enumerate(self.down_layers):
            for lay in cast(nn.ModuleList, block):
                h = self._run(lay, h, temb, f, context, context_mask)
                skips.append(h)
            if level < len(self.downsamplers):
                h = self.downsamplers[level](h)
                skips.append(h)
        for lay in self.mid_layers:
            h = self._run(lay, h, temb, f, context, context_mask)
        for i, block in enumerate(self.up_layers):
            for lay in cast(nn.ModuleList, block):
                h = self._run(lay, torch.cat([h, skips.pop()], dim=1), temb, f, context, context_mask)
            if i < len(self.upsamplers):
                h = self.upsamplers[i](h, size=skips[-1].shape[-2:])
        out = self.conv_out(F.silu(self.norm_out(h)))
        if p > 1:
            out = F.pixel_shuffle(out, p)
        out = batch_to_frames(out, f)[..., :h0, :w0].contiguous()
        if not return_dict:
            return (out,)
        return DFGNOutput(sample=out)
