"""The model sizes a documented training recipe builds but nothing ships.

The shipped sizes and the test sizes are :mod:`sticker_studio.engine.models.configs` (the app
never needs these); the training builders (``build_generator``, ``build_matting_head``) look a
name up in both tables. The trials that were dropped are written up in ``docs/experiments/``.

* ``"bundled-gpu"`` (generator) — the GPU recipe (``docs/training.md``): pixel space, 128×128.
  Sized so its fp16 weights plus the matting head fit the 40 MiB bundle (≈ 18.5 M params;
  the "20-60 M" wish does not fit 40 MiB at fp16 — 2 bytes a parameter). The UNet runs on
  2×2 patches (64×64 cells).
* ``"bundled"`` (matting) — the RGB-only head of issue 5: what ``train matting --data`` trains,
  and the *old-head* baseline of the bundled head's evaluation (``--temporal-depth 0`` gives
  the per-frame baseline).
* ``"layout-no-prior"`` (matting) — the shipped head's shape without the layout prior: the
  *no-prior* baseline of that evaluation (``docs/training.md``, the model card).
"""

from __future__ import annotations

import copy
from typing import Any

from sticker_studio.core.errors import ModelError
from sticker_studio.engine.models.configs import DFGN_CONFIGS, MATTING_CONFIGS

GENERATOR_RECIPES: dict[str, dict[str, Any]] = {
    "bundled-gpu": dict(
        in_channels=3, sample_size=128, space="pixel", patch_size=2, block_out_channels=[64, 128, 192, 192],
        layers_per_block=1, attention_levels=[False, False, True, True], cross_attention_dim=384,
        attention_head_dim=32, sti_downsample=[4, 2, 1, 1], sti_head_dim=32, norm_num_groups=32,
        condition_channels=8, condition_hidden_channels=16, condition_heads=2, ff_mult=2,
    ),
}

MATTING_RECIPES: dict[str, dict[str, Any]] = {
    "bundled": dict(stem_channels=12, encoder_channels=[16, 32, 64, 96], temporal_depth=5,
                    temporal_kernel="factorized", norm_num_groups=8, internal_size=256, refine_channels=12,
                    refine_layers=1, prior_channels=0),
    "layout-no-prior": {**MATTING_CONFIGS["layout-direct"], "prior_channels": 0},
}


def _lookup(tables: tuple[dict[str, dict[str, Any]], ...], name: str, kind: str) -> dict[str, Any]:
    for table in tables:
        if name in table:
            return copy.deepcopy(table[name])
    names = [n for table in tables for n in table]
    raise ModelError(f"unknown {kind} config {name!r}; choose one of: {', '.join(names)}")


def generator_config(name: str, **overrides: Any) -> dict[str, Any]:
    """The DFGN config of a shipped, test or recipe size, with ``overrides``."""
    return {**_lookup((DFGN_CONFIGS, GENERATOR_RECIPES), name, "DFGN"), **overrides}


def matting_config(name: str, **overrides: Any) -> dict[str, Any]:
    """The ``MattingHead`` config of a shipped, test or recipe size, with ``overrides``."""
    return {**_lookup((MATTING_CONFIGS, MATTING_RECIPES), name, "matting"), **overrides}


def matting_names() -> list[str]:
    return [*MATTING_CONFIGS, *MATTING_RECIPES]
