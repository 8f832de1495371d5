"""The STI (Spatial Temporal Interaction) layer of VSD2M, as used by RDTF's DFGN.

Animated stickers are *discrete*: few frames, large changes between them. A temporal
convolution only sees the same pixel in neighbouring frames, so VSD2M splits temporal
modelling into two branches (rdtf_method.md §1, VSD2M "STI Layer"):

* **semantic interaction** — average-pool the feature map by ``r``, unfold all frames ×
  positions into ONE token sequence and run multi-head self-attention over it, so a
  region of frame 3 can look at wherever the same part moved to in frame 7; then
  nearest-upsample back and add as a residual;
* **detail preservation** — a stack of ``(3, 1, 1)`` temporal convolutions
  (GroupNorm → SiLU → Conv3d, the last zero-initialised) that keeps fine detail.

The two are mixed by learnable scalars (``w1`` on semantic, init 0; ``w2`` on detail,
init 1) and normalised with GroupNorm. To insert it into a UNet the way temporal layers
are meant to be inserted (starting as the identity, so it cannot disturb spatial
features at the start of training), the fused, normalised result is added as a
residual through the GroupNorm's affine scale, which starts at zero::

    out = x + GroupNorm_γ(w1 · semantic(x) + w2 · detail(x)),   γ initialised to 0

so ``STILayer`` is exactly the identity at initialisation and learns its contribution.
GroupNorms normalise each frame (the layer runs on frames folded into the batch, the
UNets' native layout, so no permuted copies are made; the temporal convolution is
computed as one 1×1 conv plus frame-shifted sums).

Frame order: the joint attention alone is permutation-invariant over frames, so a
sinusoidal frame-index embedding is added to the tokens before attention. Any number of
frames works (F = 1 degenerates to spatial self-attention plus a conv over one frame).
"""

from __future__ import annotations

from typing import cast

import torch
import torch.nn.functional as F
from torch import nn

from sticker_studio.engine.models.blocks import (
    MultiHeadAttention,
    batch_to_frames,
    frames_to_batch,
    group_norm,
    sinusoidal_embedding,
)


class STILayer(nn.Module):
    """Spatial-temporal interaction over video features ``[B, C, F, H, W]`` → same shape.

    Args:
        channels: feature channels C.
        num_heads, head_dim: shape of the joint frames×positions attention
            (RDTF: 8 heads × 32).
        downsample: the pooling factor r of the semantic branch (RDTF: 2; 1 = no pooling;
            larger r keeps the token count F·(H/r)·(W/r) affordable at high resolution).
        detail_layers: number of ``(3, 1, 1)`` temporal convolutions (RDTF table 6: 2).
        norm_num_groups: GroupNorm groups (reduced automatically to a divisor of C).
        temporal_kernel: kernel length of the detail convolutions along frames.
    """

    def __init__(
        self,
        channels: int,
        num_heads: int = 8,
        head_dim: int = 32,
        downsample: int = 2,
        detail_layers: int = 2,
        norm_num_groups: int = 32,
        temporal_kernel: int = 3,
    ) -> None:
        super().__init__()
        if downsample < 1:
            raise ValueError("downsample must be >= 1")
        if detail_layers < 1:
            raise ValueError("detail_layers must be >= 1")
        self.channels = channels
        self.downsample = int(downsample)
        # semantic interaction
        self.sem_norm = group_norm(channels, norm_num_groups)
        self.attn = MultiHeadAttention(channels, num_heads, head_dim)
        # detail preservation: GroupNorm -> SiLU -> Conv3d (k,1,1), last conv zero-initialised
        pad = temporal_kernel // 2
        self.detail_norms = nn.ModuleList(group_norm(channels, norm_num_groups) for _ in range(detail_layers))
        convs = [
            nn.Conv3d(channels, channels, (temporal_kernel, 1, 1), padding=(pad, 0, 0)) for _ in range(detail_layers)
        ]
        self.detail_convs = nn.ModuleList(convs)
        nn.init.zeros_(convs[-1].weight)
        assert convs[-1].bias is not None
        nn.init.zeros_(convs[-1].bias)
        # fusion
        self.w1 = nn.Parameter(torch.zeros(()))
        self.w2 = nn.Parameter(torch.ones(()))
        self.fuse_norm = group_norm(channels, norm_num_groups)
        nn.init.zeros_(self.fuse_norm.weight)
        nn.init.zeros_(self.fuse_norm.bias)

    # -- branches (frames folded into the batch: [B*F, C, H, W], no permuted copies) ----------
    def semantic(self, h: torch.Tensor, num_frames: int) -> torch.Tensor:
        """Joint self-attention over all frames × pooled positions, upsampled, plus residual."""
        bf, c, height, width = h.shape
        b = bf // num_frames
        y = self.sem_norm(h)
        r = self.downsample
        if r > 1:
            y = F.avg_pool2d(y, kernel_size=r, stride=r, ceil_mode=True)
        hh, ww = y.shape[-2:]
        frame_pos = sinusoidal_embedding(torch.arange(num_frames, device=h.device), c).to(y.dtype)  # [F, C]
        tokens = y.reshape(b, num_frames, c, hh * ww).transpose(2, 3) + frame_pos[None, :, None, :]
        out = self.attn(tokens.reshape(b, num_frames * hh * ww, c))
        out = out.reshape(b, num_frames, hh, ww, c).permute(0, 1, 4, 2, 3).reshape(bf, c, hh, ww)
        if r > 1:
            out = F.interpolate(out, size=(height, width), mode="nearest")
        return h + out

    def detail(self, h: torch.Tensor, num_frames: int) -> torch.Tensor:
        """Temporal (k, 1, 1) convolutions with a residual."""
        y = h
        for norm, conv in zip(self.detail_norms, self.detail_convs, strict=False):
            y = _temporal_conv(F.silu(norm(y)), cast(nn.Conv3d, conv), num_frames)
        return h + y

    def forward_frames(self, h: torch.Tensor, num_frames: int) -> torch.Tensor:
        """Apply to frames folded into the batch: ``[B*F, C, H, W]`` → same (the UNets' layout)."""
        fused = self.w1 * self.semantic(h, num_frames) + self.w2 * self.detail(h, num_frames)
        return h + self.fuse_norm(fused)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, C, F, H, W]`` → same shape."""
        if x.dim() != 5:
            raise ValueError(f"STILayer expects [B, C, F, H, W], got shape {tuple(x.shape)}")
        f = x.shape[2]
        return batch_to_frames(self.forward_frames(frames_to_batch(x), f), f)


def _temporal_conv(h: torch.Tensor, conv: nn.Conv3d, num_frames: int) -> torch.Tensor:
    """A ``(k, 1, 1)`` Conv3d (zero padding) on frames-in-batch features, without permuting.

    One 1×1 conv produces the k per-tap outputs for every frame; summing them with frame
    shifts is the temporal convolution. Same weights and result as ``conv`` on [B, C, F, H, W].
    """
    bf, c, height, width = h.shape
    k = conv.weight.shape[2]
    pad = int(conv.padding[0])
    cout = conv.weight.shape[0]
    w = conv.weight.permute(2, 0, 1, 3, 4).reshape(k * cout, c, 1, 1)
    z = F.conv2d(h, w).view(bf // num_frames, num_frames, k, cout, height, width)
    out = torch.zeros(bf // num_frames, num_frames, cout, height, width, dtype=z.dtype, device=z.device)
    for j in range(k):
        off = j - pad
        lo, hi = max(0, -off), min(num_frames, num_frames - off)
        if lo < hi:
            out[:, lo:hi] += z[:, lo + off:hi + off, j]
    out = out.view(bf, cout, height, width)
    if conv.bias is not None:
        out = out + conv.bias.view(1, -1, 1, 1)
    return out
