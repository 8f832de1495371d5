"""The on-disk layout of a sticker pack: ``pack.json`` and content-addressed frame PNGs.

```
PACK/
  pack.json                          the index; replacing it is the commit point of a save
  stickers/<id>/frame_<hash>.png     one lossless RGBA PNG per distinct frame
```

A frame file is named after a hash of its pixels, so a name always means the same
content: a save writes only frames whose file does not exist yet, never overwrites a
file the committed ``pack.json`` still points to, and unchanged or merely reordered or
retimed frames cost nothing. Each file is written to a temp name and renamed
(:mod:`sticker_studio.core.atomic`), so a file with a final name is always complete.
Anything else in ``stickers/`` (temp files, frames of an interrupted save, stickers
that were removed) is an orphan, deleted by :func:`remove_orphans` when the pack opens.

This module knows files and JSON only; :mod:`sticker_studio.core.pack` holds the model.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from sticker_studio.core.atomic import atomic_path, atomic_write_text
from sticker_studio.core.errors import InvalidInputError, PackError
from sticker_studio.core.sticker import MAX_FRAME_MS, MIN_FRAME_MS

PACK_FILE = "pack.json"
STICKERS_DIR = "stickers"
FORMAT_NAME = "sticker-studio-pack"
SCHEMA_VERSION = 1
MAX_EMOJIS = 3
#: zlib level for frame PNGs: 1 keeps autosave fast; stickers are flat art, so files stay small.
PNG_COMPRESS_LEVEL = 1
#: Largest frame side a pack may declare (guards against a hostile pack.json).
MAX_PACK_FRAME_SIDE = 4096

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_FRAME_RE = re.compile(r"^frame_([0-9a-f]{16})\.png$")


# --------------------------------------------------------------------------- records
@dataclass(frozen=True)
class StickerRecord:
    """One sticker as ``pack.json`` describes it (frames as file names, not pixels)."""

    id: str
    name: str
    emojis: tuple[str, ...]
    width: int
    height: int
    loop_count: int
    frame_files: tuple[str, ...]
    durations_ms: tuple[int, ...]
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class PackManifest:
    """The whole ``pack.json``."""

    title: str
    author: str
    tray_icon_id: str | None
    stickers: tuple[StickerRecord, ...]
    schema_version: int = SCHEMA_VERSION

    def referenced_files(self) -> dict[str, set[str]]:
        """Frame file names each sticker id uses."""
        return {r.id: set(r.frame_files) for r in self.stickers}


# --------------------------------------------------------------------------- names and checks
def is_valid_id(value: object) -> bool:
    """Ids become folder names: letters, digits, ``_`` and ``-`` only (no path tricks)."""
    return isinstance(value, str) and bool(_ID_RE.match(value))


def frame_digest(frame: np.ndarray) -> str:
    """A 64-bit hex hash of a frame's size and pixels; names its file."""
    h = hashlib.blake2b(digest_size=8)
    h.update(np.asarray(frame.shape, np.int64).tobytes())
    h.update(np.ascontiguousarray(frame).data)
    return h.hexdigest()


def frame_file_name(digest: str) -> str:
    return f"frame_{digest}.png"


def check_emojis(emojis: object) -> list[str]:
    """1 to 3 emoji strings (messengers require at least one per sticker)."""
    if isinstance(emojis, str):
        emojis = [emojis]
    if not isinstance(emojis, (list, tuple)):
        raise InvalidInputError(f"emojis must be a list of 1 to {MAX_EMOJIS} emoji, got {emojis!r}")
    out = []
    for e in emojis:
        if not isinstance(e, str) or not e.strip() or any(c.isspace() for c in e) or len(e) > 16:
            raise InvalidInputError(f"{e!r} is not an emoji; give each emoji as its own item")
        if e.isascii():
            raise InvalidInputError(f"{e!r} is not an emoji (plain text); pick an emoji such as \U0001F642")
        out.append(e)
    if not 1 <= len(out) <= MAX_EMOJIS:
        raise InvalidInputError(f"a sticker needs 1 to {MAX_EMOJIS} emoji, got {len(out)}")
    return out


def json_safe_metadata(metadata: dict[str, object]) -> dict[str, Any]:
    """The part of a sticker's metadata that JSON can hold exactly (the rest is dropped)."""

    def ok(value: object, depth: int = 0) -> bool:
        if depth > 8:
            return False
        if value is None or isinstance(value, (bool, int, str)):
            return True
        if isinstance(value, float):
            return math.isfinite(value)
        if isinstance(value, list):
            return all(ok(v, depth + 1) for v in value)
        if isinstance(value, dict):
            return all(isinstance(k, str) and ok(v, depth + 1) for k, v in value.items())
        return False

    return {k: v for k, v in metadata.items() if isinstance(k, str) and ok(v)}


# --------------------------------------------------------------------------- pack.json
def manifest_to_json(manifest: PackManifest) -> str:
    doc = {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "title": manifest.title,
        "author": manifest.author,
        "tray_icon_id": manifest.tray_icon_id,
        "stickers": [
            {
                "id": r.id,
                "name": r.name,
                "emojis": list(r.emojis),
                "width": r.width,
                "height": r.height,
                "loop_count": r.loop_count,
                "frames": list(r.frame_files),
                "durations_ms": list(r.durations_ms),
                "metadata": r.metadata,
            }
            for r in manifest.stickers
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def _field(doc: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = doc.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise PackError(f"pack.json is damaged: {where} has no valid '{key}'")
    return value


def manifest_from_json(text: str, source: Path) -> PackManifest:
    """Parse and check ``pack.json``; anything malformed is a :class:`PackError`."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PackError(f"{source} is damaged and cannot be read ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT_NAME:
        raise PackError(f"{source} is not a Sticker Studio pack file")
    version = doc.get("schema_version")
    if not isinstance(version, int) or version < 1:
        raise PackError(f"{source} has no valid schema_version")
    if version > SCHEMA_VERSION:
        raise PackError(
            f"{source} was written by a newer Sticker Studio (pack schema {version}, this version"
            f" reads up to {SCHEMA_VERSION}); update the app to open it"
        )
    title = _field(doc, "title", str, "the pack")
    author = doc.get("author") or ""
    if not isinstance(author, str):
        raise PackError("pack.json is damaged: 'author' is not text")
    raw = _field(doc, "stickers", list, "the pack")
    records: list[StickerRecord] = []
    seen: set[str] = set()
    for n, item in enumerate(raw):
        if not isinstance(item, dict):
            raise PackError(f"pack.json is damaged: sticker #{n + 1} is not an object")
        records.append(_record_from_json(item, n, seen))
    tray = doc.get("tray_icon_id")
    if tray is not None and tray not in seen:
        tray = None  # a dangling tray icon is harmless: fall back to the default
    return PackManifest(title=title, author=author, tray_icon_id=tray, stickers=tuple(records), schema_version=version)


def _record_from_json(item: dict[str, Any], n: int, seen: set[str]) -> StickerRecord:
    sid = item.get("id")
    if not is_valid_id(sid) or sid in seen:
        raise PackError(f"pack.json is damaged: sticker #{n + 1} has a missing, unsafe or repeated id {sid!r}")
    seen.add(sid)
    name = item.get("name")
    where = f"sticker {name!r} ({sid})" if isinstance(name, str) else f"sticker {sid}"
    if not isinstance(name, str):
        raise PackError(f"pack.json is damaged: {where} has no name")
    try:
        emojis = tuple(check_emojis(item.get("emojis")))
    except InvalidInputError as exc:
        raise PackError(f"pack.json is damaged: {where}: {exc}") from None
    width = _field(item, "width", int, where)
    height = _field(item, "height", int, where)
    if not (1 <= width <= MAX_PACK_FRAME_SIDE and 1 <= height <= MAX_PACK_FRAME_SIDE):
        raise PackError(f"pack.json is damaged: {where} has an impossible size {width}x{height}")
    loop_count = _field(item, "loop_count", int, where)
    frames = _field(item, "frames", list, where)
    durations = _field(item, "durations_ms", list, where)
    if not frames or len(frames) != len(durations):
        raise PackError(f"pack.json is damaged: {where} lists {len(frames)} frames and {len(durations)} durations")
    for f in frames:
        if not isinstance(f, str) or not _FRAME_RE.match(f):
            raise PackError(f"pack.json is damaged: {where} names an invalid frame file {f!r}")
    for d in durations:
        if not isinstance(d, int) or isinstance(d, bool) or not MIN_FRAME_MS <= d <= MAX_FRAME_MS:
            raise PackError(f"pack.json is damaged: {where} has an invalid frame duration {d!r}")
    metadata = item.get("metadata") or {}
    if not isinstance(metadata, dict):
        metadata = {}
    return StickerRecord(
        id=sid, name=name, emojis=emojis, width=width, height=height, loop_count=max(0, loop_count),
        frame_files=tuple(frames), durations_ms=tuple(durations), metadata=metadata,
    )


def read_manifest(folder: Path) -> PackManifest:
    path = folder / PACK_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackError(f"{folder} is not a sticker pack: it has no {PACK_FILE}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(f"cannot read {path}: {exc}") from None
    return manifest_from_json(text, path)


def write_manifest(folder: Path, manifest: PackManifest) -> None:
    """Atomically replace ``pack.json``: the single commit point of every save."""
    atomic_write_text(folder / PACK_FILE, manifest_to_json(manifest))


# --------------------------------------------------------------------------- frames
def sticker_dir(folder: Path, sticker_id: str) -> Path:
    return folder / STICKERS_DIR / sticker_id


def write_frame(path: Path, frame: np.ndarray) -> None:
    """Write one RGBA frame as a lossless PNG, atomically (temp file + rename)."""
    image = Image.fromarray(np.ascontiguousarray(frame))
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG", compress_level=PNG_COMPRESS_LEVEL)


def read_frame(path: Path, width: int, height: int, where: str) -> np.ndarray:
    """Read a frame PNG back, checking size and that its pixels match the hash in its name."""
    try:
        with Image.open(path) as image:
            if image.size != (width, height):
                raise PackError(
                    f"{where}: frame file {path.name} is {image.size[0]}x{image.size[1]},"
                    f" the pack says {width}x{height}"
                )
            frame = np.asarray(image.convert("RGBA") if image.mode != "RGBA" else image, dtype=np.uint8)
    except FileNotFoundError:
        raise PackError(f"{where}: frame file {path.name} is missing") from None
    except PackError:
        raise
    except (OSError, ValueError, SyntaxError) as exc:
        raise PackError(f"{where}: frame file {path.name} is damaged ({exc})") from None
    frame = np.ascontiguousarray(frame)
    match = _FRAME_RE.match(path.name)
    if match is not None and frame_digest(frame) != match.group(1):
        raise PackError(f"{where}: frame file {path.name} is damaged (its pixels do not match its name)")
    return frame


# --------------------------------------------------------------------------- cleanup
def is_temp_name(name: str) -> bool:
    """Files :mod:`sticker_studio.core.atomic` leaves behind when killed mid-write."""
    return name.startswith(".") and ".tmp" in name


def find_orphans(folder: Path, manifest: PackManifest) -> list[Path]:
    """Files and folders not referenced by ``manifest``: leftovers of an interrupted save."""
    orphans: list[Path] = []
    orphans += [p for p in folder.iterdir() if p.is_file() and p.name.startswith(f".{Path(PACK_FILE).stem}.")
                and is_temp_name(p.name)]
    root = folder / STICKERS_DIR
    if not root.is_dir():
        return orphans
    referenced = manifest.referenced_files()
    for entry in root.iterdir():
        files = referenced.get(entry.name)
        if files is None or not entry.is_dir():
            orphans.append(entry)
            continue
        orphans += [p for p in entry.iterdir() if p.name not in files]
    return orphans


def remove_paths(paths: list[Path]) -> int:
    """Delete files and folders; returns how many were removed (missing ones are skipped)."""
    removed = 0
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p)
            else:
                p.unlink()
            removed += 1
    return removed
