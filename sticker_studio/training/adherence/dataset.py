"""The classifier's training set: features of template renders, cached as ``.npz`` shards.

``build_shard(out, count, offset)`` renders ``count`` procedural characters (from
:func:`.clips.training_characters`) playing every motion they can and a few whole-body presets,
and stores per clip the features (:mod:`.features`) of the clip as rendered, mirrored, and — for
one clip in three — as the learned generator would show it (on white at 48–96 px, alpha read
back from "how far from white"). Shards are written atomically and resumed by name, so a
killed build restarts where it stopped.

A clip's variants are drawn from a stream of its own (the character's seed and the class), so a shard of some
classes (``only``) plus one of the rest (``skip``) hold exactly the clips of a full shard: a changed motion's
clips are rebuilt alone, the others' kept. (Since session 12; the bundled classifier's shards drew the variants
from one stream per character, so a rebuild picks other clips for the mirror/on-white variants.)
"""

from __future__ import annotations

import io
import time
import zlib
from pathlib import Path

import numpy as np

from sticker_studio.core.atomic import atomic_write_bytes
from sticker_studio.engine.adherence.classes import CLASSES
from sticker_studio.engine.adherence.features import clip_features, mirrored, on_white_silhouette
from sticker_studio.training.adherence.clips import character_clips, training_characters


def build_shard(out: Path, count: int, offset: int = 0, *, presets: int = 6, progress: bool = False,
                only: frozenset[str] | None = None, skip: frozenset[str] = frozenset()) -> Path:
    """Render characters ``offset`` .. ``offset + count`` into ``out`` (an .npz); returns it. ``only``: just
    these classes; ``skip``: not these."""
    out = Path(out)
    if out.is_file():
        return out
    unknown = sorted((only or frozenset()) - set(CLASSES)) + sorted(skip - set(CLASSES))
    if unknown:
        raise ValueError(f"unknown classes {', '.join(unknown)}")
    labels_wanted = frozenset(c for c in CLASSES if (only is None or c in only) and c not in skip)
    maps, vecs, labels, groups = [], [], [], []
    t0 = time.perf_counter()
    for n, (family, seed) in enumerate(training_characters(count, offset)):
        for clip in character_clips(family, seed, presets=presets, labels=labels_wanted):
            rng = np.random.default_rng([seed, zlib.crc32(clip.label.encode())])
            variants = [clip.frames, mirrored(clip.frames)]
            if rng.random() < 1 / 3:
                side = int(rng.integers(48, 97))
                frames = clip.frames if rng.random() < 0.5 else variants[1]
                variants.append(on_white_silhouette(frames, side))
            for v in variants:
                f = clip_features(v)
                maps.append(f.maps.astype(np.float16))
                vecs.append(f.vector())
                labels.append(CLASSES.index(clip.label))
                groups.append(seed)
        if progress:
            print(f"  {out.name}: {n + 1}/{count} characters, {len(labels)} samples, "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)
    buf = io.BytesIO()
    np.savez(buf, maps=np.stack(maps), vectors=np.stack(vecs), labels=np.asarray(labels, np.int16),
             groups=np.asarray(groups, np.int64), classes=np.asarray(CLASSES))
    atomic_write_bytes(out, buf.getvalue())
    return out


def load_shards(paths: list[Path]) -> dict[str, np.ndarray]:
    """The shards concatenated (their class lists must match this code's)."""
    parts: dict[str, list[np.ndarray]] = {"maps": [], "vectors": [], "labels": [], "groups": []}
    for p in paths:
        with np.load(p) as z:
            if tuple(z["classes"].tolist()) != CLASSES:
                raise ValueError(f"{p} was built for other classes; delete it and rebuild")
            for k in parts:
                parts[k].append(z[k])
    return {k: np.concatenate(v) for k, v in parts.items()}


if __name__ == "__main__":  # python -m sticker_studio.training.adherence.dataset OUT COUNT OFFSET [only|-skip]
    import sys

    names = frozenset(sys.argv[4].lstrip("-").split(",")) if len(sys.argv) > 4 else None
    negate = len(sys.argv) > 4 and sys.argv[4].startswith("-")
    build_shard(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), progress=True,
                only=None if negate else names, skip=names if negate and names else frozenset())
