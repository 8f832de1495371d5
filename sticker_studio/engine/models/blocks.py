"""Building blocks shared by the video models (DFGN, STI layer, matting head).

Layout convention: video tensors are ``[B, C, F, H, W]`` at the public boundary;
inside a UNet the frames are folded into the batch (``[B*F, C, H, W]``, frame-major
within each video) so every 2D operation runs once over all frames, with no Python
loop over frames. :func:`frames_to_batch` / :func:`batch_to_frames` convert.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


def norm_groups(channels: int, preferred: int) -> int:
    """The largest group count ≤ ``preferred`` that divides ``channels`` (GroupNorm needs a divisor)."""
    groups = max(1, min(preferred, channels))
    while channels % groups:
        groups -= 1
    return groups


def group_norm(channels: int, groups: int, eps: float = 1e-6, affine: bool = True) -> nn.GroupNorm:
    return nn.GroupNorm(norm_groups(channels, groups), channels, eps=eps, affine=affine)


def frames_to_batch(x: torch.Tensor) -> torch.Tensor:
    """``[B, C, F, H, W]`` → ``[B*F, C, H, W]`` (frame index varies fastest)."""
    b, c, f, h, w = x.shape
    return x.permute(0, 2, 1, 3, 4).reshape(b * f, c, h, w)


def batch_to_frames(h: torch.Tensor, num_frames: int) -> torch.Tensor:
    """``[B*F, C, H, W]`` → ``[B, C, F, H, W]``."""
    bf, c, hh, ww = h.shape
    return h.reshape(bf // num_frames, num_frames, c, hh, ww).permute(0, 2, 1, 3, 4)


def sinusoidal_embedding(positions: torch.Tensor, dim: int, max_period: float = 10000.0) -> torch.Tensor:
    """Transformer-style sin/cos embedding of (possibly fractional) positions → ``[N, dim]``."""
    half = dim // 2
    freqs = torch.exp(
        -math.log(max_period) * torch.arange(half, dtype=torch.float32, device=positions.device) / max(half, 1)
    )
    args = positions.float()[:, None] * freqs[None, :]
    emb = torch.cat([torch.sin(args), torch.cos(args)], dim=-1)
    if dim % 2:
        emb = F.pad(emb, (0, 1))
    return emb


def pad_to_multiple(x: torch.Tensor, multiple: int, mode: str = "replicate") -> tuple[torch.Tensor, tuple[int, int]]:
    """Pad the last two dims of ``x`` up to a multiple of ``multiple``; returns (padded, original (H, W))."""
    h, w = x.shape[-2:]
    ph = (-h) % multiple
    pw = (-w) % multiple
    if ph == 0 and pw == 0:
        return x, (h, w)
    if x.dim() == 5:  # replicate padding of 5D tensors pads 3 dims; fold frames for a 2D pad
        b, c, f = x.shape[:3]
        y = F.pad(x.reshape(b, c * f, h, w), (0, pw, 0, ph), mode=mode)
        return y.reshape(b, c, f, h + ph, w + pw), (h, w)
    return F.pad(x, (0, pw, 0, ph), mode=mode), (h, w)


def zero_module(module: nn.Module) -> nn.Module:
    """Zero a module's parameters so a residual branch starts as a no-op."""
    for p in module.parameters():
        nn.init.zeros_(p)
    return module


class MultiHeadAttention(nn.Module):
    """Multi-head (self- or cross-) attention on ``[N, L, C]`` tokens via ``scaled_dot_product_attention``.

    ``mask`` is ``[N, Lk]`` bool (True = attend). Every row must attend to at least one key;
    callers that may pass an all-False row (an empty prompt) substitute a null token first.
    """

    def __init__(self, query_dim: int, heads: int, head_dim: int, context_dim: int | None = None,
                 out_bias: bool = True) -> None:
        super().__init__()
        inner = heads * head_dim
        context_dim = context_dim or query_dim
        self.heads = heads
        self.head_dim = head_dim
        self.to_q = nn.Linear(query_dim, inner, bias=False)
        self.to_k = nn.Linear(context_dim, inner, bias=False)
        self.to_v = nn.Linear(context_dim, inner, bias=False)
        self.to_out = nn.Linear(inner, query_dim, bias=out_bias)

    def forward(self, x: torch.Tensor, context: torch.Tensor | None = None,
                mask: torch.Tensor | None = None) -> torch.Tensor:
        context = x if context is None else context
        n, lq, _ = x.shape
        lk = context.shape[1]
        q = self.to_q(x).view(n, lq, self.heads, self.head_dim).transpose(1, 2)
        k = self.to_k(context).view(n, lk, self.heads, self.head_dim).transpose(1, 2)
        v = self.to_v(context).view(n, lk, self.heads, self.head_dim).transpose(1, 2)
        attn_mask = None if mask is None else mask[:, None, None, :]
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask)
        return self.to_out(out.transpose(1, 2).reshape(n, lq, self.heads * self.head_dim))


class FeedForward(nn.Module):
    """GEGLU feed-forward, as in Stable Diffusion's transformer blocks."""

    def __init__(self, dim: int, mult: int = 4) -> None:
        super().__init__()
        hidden = dim * mult
        self.proj_in = nn.Linear(dim, hidden * 2)
        self.proj_out = nn.Linear(hidden, dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, gate = self.proj_in(x).chunk(2, dim=-1)
        return self.proj_out(a * F.gelu(gate))


class ResBlock2D(nn.Module):
    """ResNet block on per-frame features ``[N, C, H, W]`` with an additive timestep embedding."""

    def __init__(self, in_channels: int, out_channels: int, temb_channels: int, groups: int,
                 dropout: float = 0.0) -> None:
        super().__init__()
        self.norm1 = group_norm(in_channels, groups)
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, padding=1)
        self.time_proj = nn.Linear(temb_channels, out_channels)
        self.norm2 = group_norm(out_channels, groups)
        self.dropout = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, padding=1)
        self.skip = nn.Conv2d(in_channels, out_channels, 1) if in_channels != out_channels else nn.Identity()

    def forward(self, x: torch.Tensor, temb: torch.Tensor) -> torch.Tensor:
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(self.dropout(F.silu(self.norm2(h))))
        return self.skip(x) + h


class SpatialTransformer(nn.Module):
    """Per-frame spatial transformer: self-attention within a frame, then text cross-attention.

    Cross-attention treats each query independently, so running it with all frames of a
    video as one query sequence against that video's text is exactly per-frame
    cross-attention — without repeating the text states once per frame.
    """

    def __init__(self, channels: int, heads: int, head_dim: int, context_dim: int, groups: int,
                 depth: int = 1, ff_mult: int = 4) -> None:
        super().__init__()
        self.norm = group_norm(channels, groups)
        self.proj_in = nn.Linear(channels, channels)
        self.blocks = nn.ModuleList(
            _TransformerBlock(channels, heads, head_dim, context_dim, ff_mult) for _ in range(depth)
        )
        self.proj_out = zero_module(nn.Linear(channels, channels))

    def forward(self, h: torch.Tensor, num_frames: int, context: torch.Tensor,
                context_mask: torch.Tensor | None) -> torch.Tensor:
        bf, c, hh, ww = h.shape
        x = self.norm(h).permute(0, 2, 3, 1).reshape(bf, hh * ww, c)
        x = self.proj_in(x)
        for block in self.blocks:
            x = block(x, num_frames, context, context_mask)
        x = self.proj_out(x).reshape(bf, hh, ww, c).permute(0, 3, 1, 2)
        return h + x


class _TransformerBlock(nn.Module):
    def __init__(self, dim: int, heads: int, head_dim: int, context_dim: int, ff_mult: int = 4) -> None:
        super().__init__()
        self.norm1 = nn.LayerNorm(dim)
        self.self_attn = MultiHeadAttention(dim, heads, head_dim)
        self.norm2 = nn.LayerNorm(dim)
        self.cross_attn = MultiHeadAttention(dim, heads, head_dim, context_dim=context_dim)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim, ff_mult)

    def forward(self, x: torch.Tensor, num_frames: int, context: torch.Tensor,
                context_mask: torch.Tensor | None) -> torch.Tensor:
        x = x + self.self_attn(self.norm1(x))
        bf, n, c = x.shape
        b = bf // num_frames
        video = self.norm2(x).reshape(b, num_frames * n, c)  # all frames' queries, one text each
        x = x + self.cross_attn(video, context, context_mask).reshape(bf, n, c)
        return x + self.ff(self.norm3(x))


class Downsample2D(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor, size: tuple[int, int] | None = None) -> torch.Tensor:
        if size is None:
            x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        else:
            x = F.interpolate(x, size=size, mode="nearest")
        return self.conv(x)


def realign_parameters(model: nn.Module, alignment: int = 64) -> nn.Module:
    """Copy parameters/buffers whose storage is not ``alignment``-byte aligned into fresh memory.

    safetensors loading memory-maps the file, so tensors start at arbitrary offsets; CPU
    kernels (oneDNN, vectorised reductions) then take different code paths and the loaded
    model's outputs differ from the saved one's in the last bits. Re-allocating makes a
    round trip bit-exact (and keeps a seed's output identical whichever copy is loaded).
    """
    with torch.no_grad():
        for tensor in list(model.parameters()) + list(model.buffers()):
            if tensor.device.type == "cpu" and tensor.data_ptr() % alignment:
                tensor.data = tensor.data.clone()
    return model


def low_cpu_mem_usage_default() -> bool:
    """diffusers' ``low_cpu_mem_usage`` needs ``accelerate``; asking for it without it prints a
    multi-line warning on every load. Our models are a few MB, so plain loading is as good:
    use the fast path only where accelerate is installed."""
    from diffusers.utils import is_accelerate_available

    return bool(is_accelerate_available())


class AlignedLoadMixin:
    """``from_pretrained`` that re-aligns memory-mapped weights (see :func:`realign_parameters`)."""

    @classmethod
    def from_pretrained(cls, *args, **kwargs):
        kwargs.setdefault("low_cpu_mem_usage", low_cpu_mem_usage_default())
        model = super().from_pretrained(*args, **kwargs)  # type: ignore[misc]
        return realign_parameters(model)
