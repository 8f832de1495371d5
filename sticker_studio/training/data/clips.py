"""Training clips for the generator: RDTF's dual-mask data utilisation (DDU), in memory.

A clip becomes an ``N``-frame tensor in [-1, 1], composited on white (stickers are
shown on light chat backgrounds, and RDTF trains on white), plus a loss mask:

* **frame choice** — either the record's ``keyframes`` (one frame per cluster of frame
  features for every k in [3, 8], computed when the dataset was built by
  :mod:`sticker_studio.training.data.keyframes`), with k drawn at random in [3, N] as RDTF
  re-clusters with a random k, or a random stride through the clip;
* **padding** — a clip shorter than ``N`` is padded either by ping-pong repetition
  (those frames are real content, loss mask 1) or with zeros (loss mask 0, so padding
  gives no gradient), half and half;
* **captions** — about 20 % of the description's words become ``"#"`` and 10 % of the
  samples get the empty text, so the model learns the unconditional branch that
  classifier-free guidance needs. Each caption has a fixed small set of dropout
  variants so their text embeddings can be computed once and cached.

Decoding hundreds of animated 256² clips is the slow part of a CPU run, so the frames
(resized to the model's size) are decoded once into one uint8 array and, when
``cache_dir`` is given, stored as a plain ``.npz`` (no pickles) that later runs and
``eval`` load in a second.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from sticker_studio.core.errors import InvalidInputError, StickerStudioError
from sticker_studio.core.imageops import composite_on_color, resize_rgba
from sticker_studio.training.data.dataset import DatasetRecord, load_clip, read_index

log = logging.getLogger(__name__)

EMPTY_TEXT = ""
DROP_TOKEN = "#"


@dataclass
class ClipConfig:
    """How clips become training samples.

    ``num_frames``: frames per sample (8 in RDTF). ``size``: square side in pixels.
    ``max_cached_frames``: frames kept per clip (uniformly subsampled, keyframes added).
    ``keyframe_prob``: chance a sample uses the clip's keyframes rather than a stride.
    ``pingpong_prob``: chance a short clip is padded by ping-pong instead of zeros.
    ``word_dropout``: share of description words replaced by ``#``.
    ``empty_text_prob``: chance of the empty caption (for guidance).
    ``caption_variants``: text variants per caption (natural phrasings, then word dropout).
    ``flip_prob``: chance of a horizontal flip (a cheap, label-safe augmentation).
    """

    num_frames: int = 8
    size: int = 64
    max_cached_frames: int = 24
    keyframe_prob: float = 0.5
    pingpong_prob: float = 0.5
    word_dropout: float = 0.2
    empty_text_prob: float = 0.1
    caption_variants: int = 6
    flip_prob: float = 0.5


@dataclass
class ClipSample:
    """One training sample before batching."""

    frames: torch.Tensor  # [N, 3, S, S] float in [-1, 1]
    valid: torch.Tensor   # [N] float, 1 = real frame
    caption: str
    index: int


def drop_words(caption: str, rate: float, rng: random.Random) -> str:
    """Replace about ``rate`` of the description's words with ``#`` (the domain stays)."""
    domain, sep, description = caption.partition("\t")
    if not sep:
        domain, description = "", caption
    words = description.split()
    if not words:
        return caption
    dropped = [DROP_TOKEN if rng.random() < rate else w for w in words]
    if dropped == words and len(words) > 1:
        dropped[rng.randrange(len(words))] = DROP_TOKEN
    text = " ".join(dropped)
    return f"{domain}\t{text}" if sep else text


def caption_variants(caption: str, count: int, rate: float) -> list[str]:
    """The fixed text variants of a caption (seeded by the caption, so every run and
    every DDP rank agrees on them): its natural phrasings
    (:func:`sticker_studio.engine.generate.prompts.natural_phrasings` — what users type, no
    ``domain\t`` prefix), then word-dropout versions of them. Variant 0 is the most
    natural phrasing."""
    from sticker_studio.engine.generate.prompts import natural_phrasings

    seed = int.from_bytes(hashlib.sha256(caption.encode("utf-8")).digest()[:8], "big")
    rng = random.Random(seed)
    base = natural_phrasings(caption)
    out = base[:max(1, count)]
    while len(out) < count:
        out.append(drop_words(rng.choice(base), rate, rng))
    return out


def _prepare_frames(rgba_frames: Sequence[np.ndarray], size: int, rgba: bool) -> np.ndarray:
    """Frames resized to ``size``²: RGBA as they are (matting), or RGB on white (generator)."""
    out = np.empty((len(rgba_frames), size, size, 4 if rgba else 3), np.uint8)
    for i, f in enumerate(rgba_frames):
        if f.shape[0] != size or f.shape[1] != size:
            f = resize_rgba(f, size, size)
        out[i] = f if rgba else composite_on_color(f, (255, 255, 255))[..., :3]
    return out


def _uniform(count: int, keep: int) -> list[int]:
    if count <= keep:
        return list(range(count))
    return sorted({int(round(x)) for x in np.linspace(0, count - 1, keep)})


@dataclass
class ClipCache:
    """All clips' chosen frames in one array: ``frames[offsets[i]:offsets[i+1]]`` is clip i."""

    frames: np.ndarray          # [total, S, S, 3] uint8 on white, or [total, S, S, 4] RGBA
    offsets: np.ndarray         # [clips + 1] int64
    keyframes: list[dict[int, list[int]]]  # per clip: k -> positions in its cached frames

    def clip(self, i: int) -> np.ndarray:
        return self.frames[self.offsets[i]:self.offsets[i + 1]]


def build_cache(folder: Path, records: Sequence[DatasetRecord], size: int, max_cached: int,
                progress: bool = False, rgba: bool = False) -> tuple[ClipCache, list[int]]:
    """Decode clips into a :class:`ClipCache`; returns it and the indices of records kept
    (a clip that cannot be read is skipped with a warning rather than ending the run)."""
    from tqdm import tqdm

    chunks: list[np.ndarray] = []
    offsets = [0]
    keyframes: list[dict[int, list[int]]] = []
    kept: list[int] = []
    for i, record in enumerate(tqdm(records, desc=f"decoding {folder.name}", disable=not progress, leave=False)):
        try:
            sticker = load_clip(folder, record)
        except StickerStudioError as error:
            log.warning("skipping clip %s: %s", record.id, error)
            continue
        n = sticker.frame_count
        chosen = set(_uniform(n, max_cached))
        given = record_keyframes(record, n)
        for frames_k in given.values():
            chosen |= set(frames_k)
        order = sorted(chosen)
        position = {src: pos for pos, src in enumerate(order)}
        chunks.append(_prepare_frames([sticker.frames[j] for j in order], size, rgba))
        offsets.append(offsets[-1] + len(order))
        keyframes.append({k: [position[j] for j in v] for k, v in given.items()})
        kept.append(i)
    if not chunks:
        raise InvalidInputError(f"no readable clips in {folder}")
    cache = ClipCache(np.concatenate(chunks), np.asarray(offsets, np.int64), keyframes)
    return cache, kept


def record_keyframes(record: DatasetRecord, frame_count: int) -> dict[int, list[int]]:
    """The record's stored keyframes as ``{k: [frame indices]}``.

    Accepts the dataset's ``{"3": [...], ..., "8": [...]}`` form and a plain list (taken
    as one k); indices outside the clip are dropped.
    """
    raw = record.extra.get("keyframes")
    if not raw:
        return {}
    items = raw.items() if isinstance(raw, dict) else [(len(raw), raw)]
    out: dict[int, list[int]] = {}
    for k, frames in items:
        picked = sorted({int(j) for j in frames if 0 <= int(j) < frame_count})
        if picked:
            out[int(k)] = picked
    return out


def _cache_key(folder: Path, split: str | None, size: int, max_cached: int, rgba: bool) -> str:
    index = folder / "index.jsonl"
    stat = index.stat()
    text = json.dumps([str(folder.resolve()), split, size, max_cached, rgba, stat.st_size, stat.st_mtime_ns])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def load_or_build_cache(folder: Path, records: Sequence[DatasetRecord], split: str | None, size: int,
                        max_cached: int, cache_dir: Path | None, progress: bool = False,
                        rgba: bool = False) -> tuple[ClipCache, list[int]]:
    """:func:`build_cache`, stored as ``.npz`` in ``cache_dir`` for the next run."""
    path = None
    if cache_dir is not None:
        key = _cache_key(folder, split, size, max_cached, rgba)
        path = Path(cache_dir) / f"clips-{folder.name}-{key}.npz"
        if path.is_file():
            with np.load(path, allow_pickle=False) as z:
                keyframes = [{int(k): v for k, v in d.items()} for d in json.loads(str(z["keyframes"]))]
                return ClipCache(z["frames"], z["offsets"], keyframes), z["kept"].tolist()
    cache, kept = build_cache(folder, records, size, max_cached, progress, rgba)
    if path is not None:
        from sticker_studio.core.atomic import atomic_path

        keyframes_json = np.asarray(json.dumps([{str(k): v for k, v in d.items()} for d in cache.keyframes]))
        with atomic_path(path) as tmp:
            np.savez(tmp, frames=cache.frames, offsets=cache.offsets, keyframes=keyframes_json,
                     kept=np.asarray(kept, np.int64))
    return cache, kept


class ClipDataset(Dataset):
    """Generator training clips from one or more dataset folders.

    ``split``: ``"train"``, ``"val"``, ``"test"`` or ``None`` for all. Use
    :meth:`sample` with an explicit RNG in the training loop (so a resumed run draws
    the same samples); ``dataset[i]`` draws with an RNG seeded by ``i``.
    """

    def __init__(self, folders: Sequence[str | Path], *, split: str | None = "train",
                 config: ClipConfig | None = None, cache_dir: str | Path | None = None,
                 progress: bool = False) -> None:
        self.config = config or ClipConfig()
        self.records: list[DatasetRecord] = []
        self._caches: list[ClipCache] = []
        self._where: list[tuple[int, int]] = []  # (cache number, clip in cache)
        for folder in (Path(f) for f in folders):
            records = [r for r in read_index(folder) if split is None or r.split == split]
            if not records:
                continue
            cache, kept = load_or_build_cache(folder, records, split, self.config.size,
                                              self.config.max_cached_frames,
                                              Path(cache_dir) if cache_dir else None, progress)
            for j, i in enumerate(kept):
                self.records.append(records[i])
                self._where.append((len(self._caches), j))
            self._caches.append(cache)
        if not self.records:
            names = ", ".join(str(f) for f in folders)
            raise InvalidInputError(f"no {split or ''} clips found in {names}".replace("  ", " "))
        self.variants = {r.caption: caption_variants(r.caption, self.config.caption_variants,
                                                     self.config.word_dropout) for r in self.records}

    @classmethod
    def from_cache(cls, cache: ClipCache, ids: Sequence[str], variants: Sequence[Sequence[str]],
                   config: ClipConfig) -> ClipDataset:
        """A dataset over already-decoded clips with given caption variants (the GPU kit's)."""
        self = cls.__new__(cls)
        self.config = config
        self._caches = [cache]
        self._where = [(0, j) for j in range(len(ids))]
        # the kit's own caption key per clip: its id, mapped to the stored variants
        self.records = [DatasetRecord(id=str(i), path="", caption=str(i), domain="", description="",
                                      trigger_words=[], motion=None, frame_count=len(cache.clip(j)), fps=0.0,
                                      width=cache.frames.shape[2], height=cache.frames.shape[1], subject=str(i))
                        for j, i in enumerate(ids)]
        self.variants = {str(i): list(v) for i, v in zip(ids, variants, strict=False)}
        return self

    def __len__(self) -> int:
        return len(self.records)

    def all_captions(self) -> list[str]:
        """Every caption string a sample can carry (for precomputing text embeddings)."""
        out = {EMPTY_TEXT}
        for variants in self.variants.values():
            out.update(variants)
        return sorted(out)

    def cached_frames(self, index: int) -> np.ndarray:
        """The cached frames of clip ``index``: [T, S, S, 3] uint8 on white."""
        c, j = self._where[index]
        return self._caches[c].clip(j)

    def keyframes(self, index: int) -> dict[int, list[int]]:
        c, j = self._where[index]
        return self._caches[c].keyframes[j]

    def choose_frames(self, index: int, rng: random.Random) -> list[int]:
        """Positions (in the cached frames) of up to N frames, in temporal order."""
        n = self.config.num_frames
        count = len(self.cached_frames(index))
        by_k = self.keyframes(index)
        if by_k and rng.random() < self.config.keyframe_prob:
            k = rng.randint(3, max(3, n))
            nearest = min(by_k, key=lambda stored: (abs(stored - k), stored))
            keys = by_k[nearest]
            if len(keys) > n:
                keys = [keys[p] for p in _uniform(len(keys), n)]
            return keys
        if count <= n:
            return list(range(count))
        max_stride = max(1, (count - 1) // (n - 1))
        stride = rng.randint(1, max_stride)
        span = stride * (n - 1) + 1
        start = rng.randint(0, count - span)
        return list(range(start, start + span, stride))

    def sample(self, index: int, rng: random.Random) -> ClipSample:
        cfg = self.config
        n = cfg.num_frames
        frames_u8 = self.cached_frames(index)[self.choose_frames(index, rng)]
        real = len(frames_u8)
        valid = torch.zeros(n)
        frames = torch.zeros(n, 3, cfg.size, cfg.size)
        clip = torch.from_numpy(np.ascontiguousarray(frames_u8)).permute(0, 3, 1, 2).float() / 127.5 - 1.0
        if rng.random() < cfg.flip_prob:
            clip = clip.flip(-1)
        if real < n and real > 1 and rng.random() < cfg.pingpong_prob:
            order = pingpong_order(real, n)
            frames[:] = clip[order]
            valid[:] = 1.0
        else:
            frames[:real] = clip[:n]
            valid[:min(real, n)] = 1.0
        caption = self.records[index].caption
        if rng.random() < cfg.empty_text_prob:
            text = EMPTY_TEXT
        else:
            text = rng.choice(self.variants[caption])
        return ClipSample(frames, valid, text, index)

    def __getitem__(self, index: int) -> ClipSample:
        return self.sample(index, random.Random(index))


def pingpong_order(real: int, n: int) -> list[int]:
    """Frame order 0,1,…,real-1,real-2,…,1,0,1,… cut to ``n`` frames."""
    cycle = list(range(real)) + list(range(real - 2, 0, -1))
    return [cycle[i % len(cycle)] for i in range(n)]


def collate(samples: Sequence[ClipSample]) -> tuple[torch.Tensor, torch.Tensor, list[str], list[int]]:
    """Stack samples: frames [B, 3, N, S, S] (the DFGN layout), valid [B, N], captions, indices."""
    frames = torch.stack([s.frames for s in samples]).permute(0, 2, 1, 3, 4).contiguous()
    valid = torch.stack([s.valid for s in samples])
    return frames, valid, [s.caption for s in samples], [s.index for s in samples]


class TextEmbeddingCache:
    """Frozen text-encoder outputs, computed once per distinct caption string.

    The MiniLM encoder costs more than a tiny DFGN step on the CPU; captions repeat
    (one per clip, a few dropout variants each), so caching makes text almost free.
    Stored on the CPU in float16 with their token masks.
    """

    def __init__(self, encoder, device: torch.device, dtype: torch.dtype = torch.float32,
                 batch_size: int = 64) -> None:
        self.encoder = encoder
        self.device = device
        self.dtype = dtype
        self.batch_size = batch_size
        self._store: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}

    def __contains__(self, caption: str) -> bool:
        return caption in self._store

    def put(self, caption: str, hidden: torch.Tensor, mask: torch.Tensor) -> None:
        """Store precomputed states ``[L, D]`` and mask ``[L]`` for ``caption``."""
        self._store[caption] = (hidden.to(torch.float16), mask.bool())

    def get_stored(self, caption: str) -> tuple[torch.Tensor, torch.Tensor]:
        """The stored (states [L, D] fp16, mask [L]) of one caption (computed if missing)."""
        self.precompute([caption])
        return self._store[caption]

    def load(self, path: Path) -> int:
        """Add the embeddings stored at ``path`` by :meth:`save` (safetensors + JSON); returns how many."""
        from safetensors.torch import load_file

        path = Path(path)
        names = path.with_suffix(".json")
        if not (path.is_file() and names.is_file()):
            return 0
        captions = json.loads(names.read_text(encoding="utf-8"))
        tensors = load_file(str(path))
        for i, c in enumerate(captions):
            self._store.setdefault(c, (tensors[f"h{i}"], tensors[f"m{i}"].bool()))
        return len(captions)

    def save(self, path: Path) -> None:
        """Store all cached embeddings (so the next run and ``eval`` skip the encoder)."""
        from safetensors.torch import save_file

        from sticker_studio.core.atomic import atomic_path, atomic_write_text

        path = Path(path)
        captions = sorted(self._store)
        tensors = {}
        for i, c in enumerate(captions):
            h, m = self._store[c]
            tensors[f"h{i}"] = h.contiguous()
            tensors[f"m{i}"] = m.to(torch.uint8).contiguous()
        with atomic_path(path) as tmp:
            save_file(tensors, str(tmp))
        atomic_write_text(path.with_suffix(".json"), json.dumps(captions, ensure_ascii=False))

    def precompute(self, captions: Sequence[str], progress: bool = False) -> None:
        from tqdm import tqdm

        todo = [c for c in dict.fromkeys(captions) if c not in self._store]
        if todo and self.encoder is None:
            raise InvalidInputError(f"no text encoder here and {len(todo)} caption(s) were not precomputed, "
                                    f"e.g. {todo[0]!r}")
        steps = range(0, len(todo), self.batch_size)
        for start in tqdm(steps, desc="text embeddings", disable=not progress, leave=False):
            chunk = todo[start:start + self.batch_size]
            with torch.no_grad():
                hidden, mask = self.encoder.encode(list(chunk), torch.device("cpu"), torch.float32)
            for i, c in enumerate(chunk):
                length = int(mask[i].sum().item()) or 1
                keep = mask[i, :length].bool().clone()
                keep[0] = True  # never an all-masked row: attention over nothing is NaN
                self._store[c] = (hidden[i, :length].to(torch.float16).clone(), keep)

    def get(self, captions: Sequence[str]) -> tuple[torch.Tensor, torch.Tensor]:
        """Padded ([B, L, D] in ``dtype`` on ``device``, [B, L] bool)."""
        self.precompute([c for c in captions if c not in self._store])
        items = [self._store[c] for c in captions]
        length = max(h.shape[0] for h, _ in items)
        dim = items[0][0].shape[1]
        hidden = torch.zeros(len(items), length, dim, dtype=torch.float16)
        mask = torch.zeros(len(items), length, dtype=torch.bool)
        for i, (h, m) in enumerate(items):
            hidden[i, :h.shape[0]] = h
            mask[i, :m.shape[0]] = m
        return hidden.to(self.device, self.dtype), mask.to(self.device)
