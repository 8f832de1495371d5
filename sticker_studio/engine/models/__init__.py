"""Neural network architectures of the engine (torch + diffusers).

* :mod:`.sti` — the STI temporal layer (VSD2M / RDTF).
* :mod:`.dfgn` — DFGN, RDTF's compact 3D UNet with the dual-mask condition path.
* :mod:`.sti_unet` — STI layers inside a diffusers ``UNet2DConditionModel`` (VSD2M).
* :mod:`.matting_head` — the ILDiff-style matting head (alpha + foreground colour).
* :mod:`.text_encoder` — frozen MiniLM and a tiny trainable encoder.
* :mod:`.configs` — named sizes (tiny, bundled-cpu, paper; the matting head's layout-direct) and ``describe``.

Submodules are imported on first attribute access so ``import sticker_studio.engine.models``
stays cheap until a model is actually needed.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "STILayer": "sti",
    "DFGN": "dfgn",
    "DFGNOutput": "dfgn",
    "STIUNet": "sti_unet",
    "MattingHead": "matting_head",
    "MattingOutput": "matting_head",
    "TextEncoder": "text_encoder",
    "MiniLMTextEncoder": "text_encoder",
    "TinyTextEncoder": "text_encoder",
    "load_text_encoder": "text_encoder",
    "make_dfgn": "configs",
    "make_matting_head": "configs",
    "make_vae": "configs",
    "describe": "configs",
    "DFGN_CONFIGS": "configs",
    "MATTING_CONFIGS": "configs",
    "VAE_CONFIGS": "configs",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
