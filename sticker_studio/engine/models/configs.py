"""Named model sizes, and a one-line description of any model.

Only the sizes something ships or the tests build are named here; the sizes a documented
recipe trains but nothing ships (``bundled-gpu``, the eval baselines) are
:mod:`sticker_studio.training.recipes`, and the trials that were dropped are in ``docs/experiments/``.

* ``"tiny"`` / ``"layout-tiny"`` — for tests: build in milliseconds, run on the CPU at 16×16.
* ``"bundled-cpu"`` — the shipped generator (``dfgn-sticker-64``): pixel space, 64×64, trains on a
  2-core CPU (``train generator --config bundled-cpu``); its UNet runs on 2×2 patches (32×32 cells).
* ``"paper"`` — DFGN at RDTF's shape (latent 32×32×4, channels 320…1280, 2 layers per
  block, head dim 64, GroupNorm 32); cross-attention at MiniLM's 384 instead of the
  paper's 1024 Chinese-CLIP/T5 states. Never trained: build it on the ``meta`` device to count.
* ``"layout-direct"`` — the shipped matting head (``matting-head``) and ``MattingHead``'s default;
  ``--temporal-depth 0`` gives its per-frame baseline.

``make_*`` accept keyword overrides, e.g. ``make_dfgn("tiny", in_channels=4)``.
"""

from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

DFGN_CONFIGS: dict[str, dict[str, Any]] = {
    "tiny": dict(
        in_channels=3, sample_size=16, space="pixel", block_out_channels=[16, 32], layers_per_block=1,
        attention_levels=[False, True], cross_attention_dim=32, attention_head_dim=8, sti_downsample=[2, 1],
        sti_head_dim=8, norm_num_groups=8, condition_channels=4, condition_hidden_channels=8, condition_heads=1,
    ),
    "bundled-cpu": dict(
        in_channels=3, sample_size=64, space="pixel", patch_size=2, block_out_channels=[32, 64, 128],
        layers_per_block=1, attention_levels=[False, True, True], cross_attention_dim=384, attention_head_dim=32,
        sti_downsample=[2, 1, 1], sti_head_dim=32, norm_num_groups=16, condition_channels=8,
        condition_hidden_channels=16, condition_heads=2, ff_mult=2,
    ),
    "paper": dict(
        in_channels=4, sample_size=32, space="latent", block_out_channels=[320, 640, 1024, 1280],
        layers_per_block=2, attention_levels=[True, True, True, False], cross_attention_dim=384,
        attention_head_dim=64, sti_downsample=2, sti_head_dim=32, sti_num_heads=8, norm_num_groups=32,
        condition_channels=4, condition_hidden_channels=16, condition_heads=1,
    ),
}

MATTING_CONFIGS: dict[str, dict[str, Any]] = {
    "tiny": dict(stem_channels=8, encoder_channels=[8, 16, 16], temporal_depth=2, norm_num_groups=4,
                 internal_size=64, refine_channels=4, prior_channels=0),
    # issue 10: the layout prior (core/matte/layout_prior.py) as input, alpha predicted directly,
    # fixed 128 content scale — the bundled head
    "layout-direct": dict(stem_channels=12, encoder_channels=[16, 32, 48, 64], temporal_depth=3,
                          temporal_kernel="factorized", norm_num_groups=8, internal_size=128,
                          refine_channels=8, refine_layers=1, prior_channels=8, prior_residual=False),
    "layout-tiny": dict(stem_channels=8, encoder_channels=[8, 16, 16], temporal_depth=1,
                        norm_num_groups=4, internal_size=64, refine_channels=4, prior_channels=8,
                        prior_residual=True),
}

# diffusers AutoencoderKL configs for latent-space DFGNs (f = 2 ** (levels - 1)); ``"bundled"`` is the
# f=8 VAE a latent generator would ship with (``bench engine`` times latent configs with it).
VAE_CONFIGS: dict[str, dict[str, Any]] = {
    "tiny": dict(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=[8, 16],
                 down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2,
                 layers_per_block=1, norm_num_groups=4, sample_size=32),
    "bundled": dict(in_channels=3, out_channels=3, latent_channels=4, block_out_channels=[32, 64, 96, 128],
                    down_block_types=["DownEncoderBlock2D"] * 4, up_block_types=["UpDecoderBlock2D"] * 4,
                    layers_per_block=1, norm_num_groups=16, sample_size=256),
}

# Budgets of the bundled files (issue 5): fp16 bytes per file and for everything shipped.
MAX_BUNDLED_FILE_BYTES = 16 * 1024 * 1024
MAX_BUNDLED_TOTAL_BYTES = 40 * 1024 * 1024
# ``save_pretrained(dir, max_shard_size=BUNDLE_SHARD_SIZE)`` keeps every bundled file under 16 MiB
# (diffusers caps tensor bytes per shard; the safetensors header adds a few kB).
BUNDLE_SHARD_SIZE = "15MB"


def _lookup(table: dict[str, dict[str, Any]], name: str, kind: str) -> dict[str, Any]:
    try:
        return copy.deepcopy(table[name])
    except KeyError:
        from sticker_studio.core.errors import ModelError

        raise ModelError(f"unknown {kind} config {name!r}; choose one of: {', '.join(table)}") from None


def dfgn_config(name: str, **overrides: Any) -> dict[str, Any]:
    return {**_lookup(DFGN_CONFIGS, name, "DFGN"), **overrides}


def make_dfgn(name: str, **overrides: Any):
    """A randomly initialised DFGN of a named size (for training or tests — never for the app)."""
    from sticker_studio.engine.models.dfgn import DFGN

    return DFGN(**dfgn_config(name, **overrides))


def make_matting_head(name: str, **overrides: Any):
    from sticker_studio.engine.models.matting_head import MattingHead

    return MattingHead(**{**_lookup(MATTING_CONFIGS, name, "matting"), **overrides})


def make_vae(name: str, **overrides: Any):
    """A diffusers ``AutoencoderKL`` of a named size, for latent-space DFGNs (trained by us)."""
    from diffusers import AutoencoderKL

    return AutoencoderKL(**{**_lookup(VAE_CONFIGS, name, "VAE"), **overrides})


def tiny_unet2d_config(cross_attention_dim: int = 32, sample_channels: int = 4) -> dict[str, Any]:
    """A tiny SD-shaped ``UNet2DConditionModel`` config (tests; the real one is SD 2.1's)."""
    return dict(sample_size=16, in_channels=sample_channels, out_channels=sample_channels,
                block_out_channels=[16, 32], layers_per_block=1,
                down_block_types=["CrossAttnDownBlock2D", "DownBlock2D"],
                up_block_types=["UpBlock2D", "CrossAttnUpBlock2D"],
                cross_attention_dim=cross_attention_dim, attention_head_dim=8, norm_num_groups=8)


def count_parameters(model: nn.Module, trainable_only: bool = False) -> int:
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def describe(model: nn.Module) -> str:
    """``"DFGN: 4.93 M params (3.12 M trainable), fp16 9.4 MiB; conv_in 1.2 k, ..."``."""
    total = count_parameters(model)
    trainable = count_parameters(model, trainable_only=True)
    parts = []
    for name, child in model.named_children():
        n = count_parameters(child)
        if n:
            parts.append(f"{name} {_human(n)}")
    own = sum(p.numel() for p in model.parameters(recurse=False))
    if own:
        parts.append(f"(own) {_human(own)}")
    fp16_mib = total * 2 / 2**20
    return (f"{type(model).__name__}: {_human(total)} params ({_human(trainable)} trainable), "
            f"fp16 {fp16_mib:.1f} MiB; " + ", ".join(parts))


def _human(n: int) -> str:
    if n >= 1e9:
        return f"{n / 1e9:.2f} B"
    if n >= 1e6:
        return f"{n / 1e6:.2f} M"
    if n >= 1e3:
        return f"{n / 1e3:.1f} k"
    return str(n)


def meta_model(name: str):
    """Build a named DFGN on the ``meta`` device (no memory) — for counting the paper size."""
    with torch.device("meta"):
        return make_dfgn(name)


def forward_seconds(model: nn.Module, *, batch: int = 1, frames: int = 8, size: int | None = None,
                    repeats: int = 3, text_length: int = 32) -> float:
    """Median wall seconds of one no-grad forward of a DFGN/STIUNet at its native size (benchmarks)."""
    import statistics
    import time

    cfg: Any = model.config  # a diffusers FrozenDict (nn.Module declares no config)
    size = size or int(getattr(cfg, "sample_size", 64))
    channels = int(getattr(cfg, "out_channels", None) or cfg.in_channels)
    if isinstance(getattr(cfg, "unet_config", None), dict):  # STIUNet
        channels = int(cfg.unet_config["out_channels"])
    ctx_dim = int(getattr(cfg, "cross_attention_dim", None) or cfg.unet_config["cross_attention_dim"])
    if getattr(cfg, "text_embed_dim", None):
        ctx_dim = int(cfg.text_embed_dim)
    device = next(model.parameters()).device
    dtype = next(model.parameters()).dtype
    gen = torch.Generator().manual_seed(0)
    sample = torch.randn(batch, channels, frames, size, size, generator=gen).to(device, dtype)
    ctx = torch.randn(batch, text_length, ctx_dim, generator=gen).to(device, dtype)
    mask = torch.zeros(batch, frames, device=device, dtype=dtype)
    mask[:, 0] = 1
    times = []
    with torch.inference_mode():
        for i in range(repeats + 1):
            if device.type == "cuda":
                torch.cuda.synchronize()
            t0 = time.perf_counter()
            model(sample, 500, ctx, sample, mask)
            if device.type == "cuda":
                torch.cuda.synchronize()
            if i:  # the first run warms up allocators and kernels
                times.append(time.perf_counter() - t0)
    return statistics.median(times)
