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

Frame order: the joint attention alone is permutation-invariant over frames, so a
sinusoidal frame-index embedding is added to the tokens before attention. Any number of
frames works (F = 1 degenerates to spatial self-attention plus a conv over one frame).
"""

from __future__ import annotations

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
        self.detail_convs = nn.ModuleList(
            nn.Conv3d(channels, channels, (temporal_kernel, 1, 1), padding=(pad, 0, 0)) for _ in range(detail_layers)
        )
        nn.init.zeros_(self.detail_convs[-1].weight)
        nn.init.zeros_(self.detail_convs[-1].bias)
        # fusion
        self.w1 = nn.Parameter(torch.zeros(()))
        self.w2 = nn.Parameter(torch.ones(()))
        self.fuse_norm = group_norm(channels, norm_num_groups)
        nn.init.zeros_(self.fuse_norm.weight)
        nn.init.zeros_(self.fuse_norm.bias)

    # -- branches -----------------------------------------------------------------
    def semantic(self, x: torch.Tensor) -> torch.Tensor:
        """Joint self-attention over all frames × pooled positions, upsampled, plus residual."""
        b, c, f, h, w = x.shape
        y = self.sem_norm(x)
        r = self.downsample
        if r > 1:
            y = F.avg_pool3d(y, kernel_size=(1, r, r), stride=(1, r, r), ceil_mode=True)
        hh, ww = y.shape[-2:]
        frame_pos = sinusoidal_embedding(torch.arange(f, device=x.device), c).to(y.dtype)  # [F, C]
        tokens = y.permute(0, 2, 3, 4, 1) + frame_pos[None, :, None, None, :]
        tokens = tokens.reshape(b, f * hh * ww, c)
        out = self.attn(tokens).reshape(b, f, hh, ww, c).permute(0, 4, 1, 2, 3)
        if r > 1:
            out = F.interpolate(out, size=(f, h, w), mode="nearest")
        return x + out

    def detail(self, x: torch.Tensor) -> torch.Tensor:
        """Temporal (k, 1, 1) convolutions with a residual."""
        y = x
        for norm, conv in zip(self.detail_norms, self.detail_convs):
            y = conv(F.silu(norm(y)))
        return x + y

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 5:
            raise ValueError(f"STILayer expects [B, C, F, H, W], got shape {tuple(x.shape)}")
        fused = self.w1 * self.semantic(x) + self.w2 * self.detail(x)
        return x + self.fuse_norm(fused)

    def forward_frames(self, h: torch.Tensor, num_frames: int) -> torch.Tensor:
        """Apply to frames folded into the batch: ``[B*F, C, H, W]`` → same."""
        return frames_to_batch(self(batch_to_frames(h, num_frames)))
