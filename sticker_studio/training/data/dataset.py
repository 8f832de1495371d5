"""The dataset folder every training and evaluation step reads (VSD2M-style shape).

One documented shape lets VSD2M-like data, the animated-emoji set and the synthetic
motion-preset set drop in side by side::

    DATASET/
      dataset.json   {"name", "version": 1, "created", "sources": [{"name", "license", "url"}]}
      index.jsonl    one DatasetRecord per line
      clips/<id>.png        RGBA APNG (the truth, alpha included)
      clips/<id>_bg.png     optional RGB APNG: the clip composited on a background

This module is deliberately torch-free (numpy + Pillow) so data tools, tests and the
CLI can use it without loading the engine. Clips are read and written with Pillow's
APNG codec directly so the dataset does not depend on the exporters' choices
(quality fitting, palette reduction): the clip on disk is exactly the frames given.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from sticker_studio.core.atomic import atomic_path, atomic_write_text
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.sticker import Sticker
from sticker_studio.formats.readers import read_sticker
from sticker_studio.formats.writers import encode_apng

DATASET_VERSION = 1
INDEX_NAME = "index.jsonl"
META_NAME = "dataset.json"
CLIPS_DIR = "clips"
SPLITS = ("train", "val", "test")


@dataclass
class DatasetRecord:
    """One clip of a dataset: where it is, what it shows, how it moves, which split.

    ``subject`` is what the held-out split is keyed on: all clips of one subject are
    in one split, so validation never sees frames of a training subject.
    Unknown keys found in an index line are kept in ``extra`` and written back.
    """

    id: str
    path: str
    caption: str
    domain: str
    description: str
    trigger_words: list[str]
    motion: str | None
    frame_count: int
    fps: float
    width: int
    height: int
    subject: str
    split: str = "train"
    source: str = "synth"
    license: str = "unknown"
    composite_path: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The index line as a dict (``extra`` keys merged in, ``None`` composite left out)."""
        data = asdict(self)
        extra = data.pop("extra")
        if data["composite_path"] is None:
            data.pop("composite_path")
        for key, value in extra.items():
            data.setdefault(key, value)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DatasetRecord:
        """Build from an index line; raises :class:`InvalidInputError` naming a missing field."""
        known = {f.name for f in fields(cls)} - {"extra"}
        required = [
            f.name for f in fields(cls) if f.name not in ("split", "source", "license", "composite_path", "extra")
        ]
        missing = [k for k in required if k not in data]
        if missing:
            raise InvalidInputError(f"dataset record {data.get('id', '?')!r} lacks {', '.join(missing)}")
        kwargs = {k: data[k] for k in known if k in data}
        kwargs["trigger_words"] = [str(w) for w in kwargs.get("trigger_words") or []]
        kwargs["frame_count"] = int(kwargs["frame_count"])
        kwargs["fps"] = float(kwargs["fps"])
        kwargs["width"] = int(kwargs["width"])
        kwargs["height"] = int(kwargs["height"])
        record = cls(**kwargs, extra={k: v for k, v in data.items() if k not in known})
        if record.split not in SPLITS:
            raise InvalidInputError(f"dataset record {record.id!r} has split {record.split!r}; use one of {SPLITS}")
        return record


@dataclass
class DatasetMeta:
    """``dataset.json``: a name, the format version, when it was made, and its sources' licences."""

    name: str
    version: int = DATASET_VERSION
    created: str = field(default_factory=lambda: _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"))
    sources: list[dict[str, str]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        extra = data.pop("extra")
        for key, value in extra.items():
            data.setdefault(key, value)
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> DatasetMeta:
        known = {"name", "version", "created", "sources"}
        return cls(
            name=str(data.get("name", "dataset")),
            version=int(data.get("version", DATASET_VERSION)),
            created=str(data.get("created", "")),
            sources=[dict(s) for s in data.get("sources", [])],
            extra={k: v for k, v in data.items() if k not in known},
        )


def make_caption(domain: str, description: str) -> str:
    """The VSD2M caption form: ``"[Domain]\\t[Description]"`` (tabs/newlines inside are flattened)."""
    clean_domain = " ".join(domain.split())
    clean_desc = " ".join(description.split())
    return f"{clean_domain}\t{clean_desc}"


def split_for_subject(subject: str, val_fraction: float = 0.1, test_fraction: float = 0.1) -> str:
    """A stable split for a subject from a hash of its name: same subject, same split, on every machine."""
    digest = hashlib.sha256(subject.strip().lower().encode("utf-8")).digest()
    u = int.from_bytes(digest[:8], "big") / 2**64
    if u < test_fraction:
        return "test"
    if u < test_fraction + val_fraction:
        return "val"
    return "train"


# --------------------------------------------------------------------------- index
def write_index(
    folder: str | os.PathLike[str],
    records: Iterable[DatasetRecord],
    meta: DatasetMeta | Mapping[str, Any],
) -> Path:
    """Write ``dataset.json`` and ``index.jsonl`` (atomically) into ``folder``; returns the index path.

    Ids must be unique; clip paths must be relative to the folder (so a dataset can move).
    """
    root = Path(folder)
    root.mkdir(parents=True, exist_ok=True)
    meta_obj = meta if isinstance(meta, DatasetMeta) else DatasetMeta.from_json(meta)
    seen: set[str] = set()
    lines = []
    for record in records:
        if record.id in seen:
            raise InvalidInputError(f"duplicate dataset id {record.id!r}")
        seen.add(record.id)
        if Path(record.path).is_absolute():
            raise InvalidInputError(f"clip path of {record.id!r} must be relative to the dataset folder")
        lines.append(json.dumps(record.to_json(), ensure_ascii=False, sort_keys=False))
    atomic_write_text(root / META_NAME, json.dumps(meta_obj.to_json(), indent=2, ensure_ascii=False) + "\n")
    return atomic_write_text(root / INDEX_NAME, "\n".join(lines) + ("\n" if lines else ""))


def read_index(folder: str | os.PathLike[str]) -> list[DatasetRecord]:
    """All records of a dataset folder, in file order; a broken line names its line number."""
    root = Path(folder)
    index = root / INDEX_NAME
    if not index.is_file():
        raise InvalidInputError(f"{root} is not a dataset folder: {INDEX_NAME} is missing")
    records = []
    with index.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as error:
                raise InvalidInputError(f"{index}:{number}: not valid JSON ({error.msg})") from error
            if not isinstance(data, dict):
                raise InvalidInputError(f"{index}:{number}: expected a JSON object")
            try:
                records.append(DatasetRecord.from_json(data))
            except InvalidInputError as error:
                raise InvalidInputError(f"{index}:{number}: {error}") from error
    return records


def read_meta(folder: str | os.PathLike[str]) -> DatasetMeta:
    """``dataset.json`` of a folder (a default one named after the folder if absent)."""
    path = Path(folder) / META_NAME
    if not path.is_file():
        return DatasetMeta(name=Path(folder).name)
    return DatasetMeta.from_json(json.loads(path.read_text(encoding="utf-8")))


# --------------------------------------------------------------------------- clips
def load_clip(folder: str | os.PathLike[str], record: DatasetRecord) -> Sticker:
    """The RGBA clip of ``record`` as a :class:`Sticker`."""
    return read_apng(Path(folder) / record.path)


def load_composite(folder: str | os.PathLike[str], record: DatasetRecord) -> Sticker | None:
    """The clip composited on its background (alpha 255 everywhere), or ``None`` if the record has none."""
    if not record.composite_path:
        return None
    return read_apng(Path(folder) / record.composite_path)


def clip_path_for(record_id: str, suffix: str = "") -> str:
    """The conventional relative path of a clip: ``clips/<id><suffix>.png``."""
    return f"{CLIPS_DIR}/{record_id}{suffix}.png"


def write_clip(
    folder: str | os.PathLike[str],
    relative_path: str,
    sticker: Sticker,
    *,
    rgb_only: bool = False,
    compress_level: int = 3,
) -> Path:
    """Write ``sticker`` as an APNG under ``folder`` (atomically) and return the full path.

    ``rgb_only`` stores RGB frames (for composites, whose alpha is 255 by construction).
    """
    target = Path(folder) / relative_path
    with atomic_path(target, durable=False) as tmp:  # re-makeable bulk data
        write_apng(tmp, sticker.frames, sticker.durations_ms, loop=sticker.loop_count,
                   rgb_only=rgb_only, compress_level=compress_level)
    return target


def write_apng(
    path: str | os.PathLike[str],
    frames: Sequence[np.ndarray],
    durations_ms: Sequence[int],
    *,
    loop: int = 0,
    rgb_only: bool = False,
    compress_level: int = 3,
) -> None:
    """Write frames as an APNG with exactly one APNG frame per input frame (formats' APNG writer)."""
    if not frames:
        raise InvalidInputError("cannot write a clip with no frames")
    sticker = Sticker(list(frames), [int(d) for d in durations_ms], loop_count=int(loop))
    Path(path).write_bytes(encode_apng(sticker, compress_level=compress_level, keep_every_frame=True,
                                       keep_hidden_rgb=True, rgb_only=rgb_only))


def read_apng(path: str | os.PathLike[str]) -> Sticker:
    """Decode an APNG/PNG to a :class:`Sticker` (formats' reader: composed RGBA frames, durations)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInputError(f"clip {path} does not exist")
    return read_sticker(path)
