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

This module knows files and JSON only; :mod:`sticker_studio.core.pack.pack` holds the model.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import numpy as np
from PIL import Image

from sticker_studio.core.atomic import atomic_path, atomic_write_text
from sticker_studio.core.errors import (
    InvalidInputError,
    LimitExceededError,
    PackError,
    UnsafePackError,
)
from sticker_studio.core.motion.presets import DEFAULT_SUBJECT_SIZE
from sticker_studio.core.sticker import MAX_FRAME_MS, MIN_FRAME_MS

PACK_FILE = "pack.json"
STICKERS_DIR = "stickers"
#: The OS-level lock that makes one process the pack's only writer (see core/pack/pack.py).
LOCK_FILE = ".pack.lock"
FORMAT_NAME = "sticker-studio-pack"
SCHEMA_VERSION = 1
#: The pack's subject size (fraction of the canvas's shorter side the subject takes in
#: motion-animated stickers, see ``core.motion.animate``): default and allowed range.
#: Older packs have none and read as the default; the field is additive, so the schema stays 1.
MIN_SUBJECT_SIZE = 0.3
MAX_SUBJECT_SIZE = 1.0
MAX_EMOJIS = 3
#: zlib level for frame PNGs: 1 keeps autosave fast; stickers are flat art, so files stay small.
PNG_COMPRESS_LEVEL = 1
#: Largest frame side a pack may declare (guards against a hostile pack.json).
MAX_PACK_FRAME_SIDE = 4096
#: Largest ``pack.json`` read (a pack of 120 stickers x 200 frames is ~1 MB).
MAX_PACK_FILE_BYTES = 16 * 1024 * 1024
#: Largest frame PNG read (a 4096 x 4096 RGBA frame stored raw is 64 MiB).
MAX_FRAME_FILE_BYTES = 80 * 1024 * 1024
#: Decoded RGBA bytes one sticker may hold (distinct frames x width x height x 4)...
MAX_STICKER_DECODED_BYTES = 512 * 1024 * 1024
#: ...and the whole pack (the open pack lives in memory; this keeps opening under ~1.5 GB).
MAX_PACK_DECODED_BYTES = 1024 * 1024 * 1024

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_FRAME_RE = re.compile(r"^frame_([0-9a-f]{16})\.png$")
#: Temp files of frame and pack.json writes (core.atomic names, this and earlier versions).
_FRAME_TEMP_RE = re.compile(r"^\.frame_[0-9a-f]{16}\.[A-Za-z0-9_.]{1,40}\.tmp\.png$")
_PACK_FILE_TEMP_RE = re.compile(r"^\.pack\.[A-Za-z0-9_.]{1,40}\.tmp\.json$")


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
class PackInfo:
    """The whole ``pack.json``."""

    title: str
    author: str
    tray_icon_id: str | None
    stickers: tuple[StickerRecord, ...]
    schema_version: int = SCHEMA_VERSION
    #: fraction of the canvas the subject takes in every motion-animated sticker of the pack
    subject_size: float = DEFAULT_SUBJECT_SIZE

    def referenced_files(self) -> dict[str, set[str]]:
        """Frame file names each sticker id uses (its frames and the drawing it was animated from)."""
        return {r.id: set(r.frame_files) | set(filter(None, [source_file(r.metadata)])) for r in self.stickers}


def source_file(metadata: dict[str, Any]) -> str | None:
    """The frame file holding the drawing a motion sticker was made from (a safe name), if any."""
    name = metadata.get("motion_source")
    return name if isinstance(name, str) and _FRAME_RE.match(name) else None


# --------------------------------------------------------------------------- names and checks
def is_valid_id(value: object) -> TypeGuard[str]:
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


_JOINER = 0x200D
_KEEP_WITH_PREVIOUS = (range(0xFE0E, 0xFE10), range(0x20E3, 0x20E4), range(0x1F3FB, 0x1F400), range(0xE0020, 0xE0080))
_REGIONAL = range(0x1F1E6, 0x1F200)


def split_emoji_text(text: str) -> list[str]:
    """One string per emoji in ``text`` ("😀😺" -> ["😀", "😺"]); a ZWJ sequence, a skin tone, a
    keycap, a tag sequence or a flag (two regional indicators) stays one emoji. Plain text is
    returned whole, for :func:`check_emojis` to refuse with its own message."""
    if text.isascii():
        return [text]
    out: list[str] = []
    joined = False
    for ch in text:
        cp = ord(ch)
        flag_half = cp in _REGIONAL and out and len(out[-1]) == 1 and ord(out[-1]) in _REGIONAL
        if out and (joined or cp == _JOINER or any(cp in r for r in _KEEP_WITH_PREVIOUS) or flag_half):
            out[-1] += ch
        else:
            out.append(ch)
        joined = cp == _JOINER
    return out


def looks_like_emoji(text: str) -> bool:
    """True when ``text`` holds an emoji character: a symbol (So), a skin tone (Sk), an emoji
    variation selector or a keycap. Letters, digits and punctuation of any script
    ("猫", "é", "Ж") are text, which Telegram refuses ("invalid sticker emojis")."""
    return any(unicodedata.category(ch) in ("So", "Sk") or ch in ("\ufe0f", "\u20e3")
               or 0x1F000 <= ord(ch) <= 0x1FAFF  # emoji newer than this Python's Unicode tables
               for ch in text)


def check_emojis(emojis: object, *, strict: bool = True) -> list[str]:
    """1 to 3 emoji strings (messengers require at least one per sticker); repeats are dropped.

    ``strict`` (new input) also refuses text that is not ASCII but is no emoji either; a
    pack read from disk is not refused for what an earlier version let in.
    """
    if isinstance(emojis, str):
        emojis = [emojis]
    if not isinstance(emojis, (list, tuple)):
        raise InvalidInputError(f"emojis must be a list of 1 to {MAX_EMOJIS} emoji, got {emojis!r}")
    out = []
    for e in emojis:
        if not isinstance(e, str) or not e.strip() or any(c.isspace() for c in e) or len(e) > 16:
            raise InvalidInputError(f"{e!r} is not an emoji; give each emoji as its own item")
        if e.isascii() or (strict and not looks_like_emoji(e)):
            raise InvalidInputError(f"{e!r} is not an emoji (plain text); pick an emoji such as \U0001F642")
        out.append(e)
    if not 1 <= len(out) <= MAX_EMOJIS:
        raise InvalidInputError(f"a sticker needs 1 to {MAX_EMOJIS} emoji, got {len(out)}")
    return list(dict.fromkeys(out))  # "🙂🙂" is one emoji for every messenger


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
def pack_info_to_json(info: PackInfo) -> str:
    doc = {
        "format": FORMAT_NAME,
        "schema_version": SCHEMA_VERSION,
        "title": info.title,
        "author": info.author,
        "tray_icon_id": info.tray_icon_id,
        "subject_size": info.subject_size,
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
            for r in info.stickers
        ],
    }
    return json.dumps(doc, ensure_ascii=False, indent=1) + "\n"


def _field(doc: dict[str, Any], key: str, kind: type | tuple[type, ...], where: str) -> Any:
    value = doc.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) and kind is int:
        raise PackError(f"pack.json is damaged: {where} has no valid '{key}'")
    return value


def pack_info_from_json(text: str, source: Path) -> PackInfo:
    """Parse and check ``pack.json``; anything malformed is a :class:`PackError`."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PackError(f"{source} is damaged and cannot be read ({exc.msg}, line {exc.lineno})") from None
    except RecursionError:
        raise PackError(f"{source} is damaged: its JSON is nested too deeply") from None
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
    if not isinstance(tray, str) or tray not in seen:
        tray = None  # a dangling tray icon is harmless: fall back to the default
    return PackInfo(title=title, author=author, tray_icon_id=tray, stickers=tuple(records), schema_version=version,
                        subject_size=read_subject_size(doc.get("subject_size")))


def is_valid_subject_size(value: object) -> bool:
    """A number (not a bool) from :data:`MIN_SUBJECT_SIZE` to :data:`MAX_SUBJECT_SIZE`."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and MIN_SUBJECT_SIZE <= value <= MAX_SUBJECT_SIZE


def read_subject_size(value: object) -> float:
    """The pack's subject size as ``pack.json`` holds it; missing (older packs) or damaged: the default."""
    if isinstance(value, (int, float)) and is_valid_subject_size(value):
        return float(value)
    return DEFAULT_SUBJECT_SIZE


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
        emojis = tuple(check_emojis(item.get("emojis"), strict=False))
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
    metadata = json_safe_metadata(metadata)  # drops values nested absurdly deep
    return StickerRecord(
        id=sid, name=name, emojis=emojis, width=width, height=height, loop_count=max(0, loop_count),
        frame_files=tuple(frames), durations_ms=tuple(durations), metadata=metadata,
    )


def read_pack_info(folder: Path) -> PackInfo:
    path = folder / PACK_FILE
    try:
        st = path.lstat()
        if stat.S_ISLNK(st.st_mode):
            raise UnsafePackError(_link_message(folder, PACK_FILE))
        if not stat.S_ISREG(st.st_mode):
            raise PackError(f"{path} is not a regular file")
        if st.st_size > MAX_PACK_FILE_BYTES:
            raise PackError(f"{path} is {st.st_size / 1e6:.0f} MB; a pack file is at most"
                            f" {MAX_PACK_FILE_BYTES / 1e6:.0f} MB (it is damaged)")
        with open(path, "rb") as fh:
            text = fh.read(MAX_PACK_FILE_BYTES + 1).decode("utf-8")
    except FileNotFoundError:
        raise PackError(f"{folder} is not a sticker pack: it has no {PACK_FILE}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PackError(f"cannot read {path}: {exc}") from None
    return pack_info_from_json(text, path)


def decoded_bytes(record: StickerRecord) -> int:
    """RGBA bytes a sticker takes in memory once loaded (each distinct frame once)."""
    return len(set(record.frame_files)) * record.width * record.height * 4


def check_sticker_budget(record: StickerRecord, pack_bytes_so_far: int) -> int:
    """Refuse, before decoding, a sticker over the per-sticker or whole-pack memory cap.

    Returns the pack's decoded total with this sticker added.
    """
    need = decoded_bytes(record)
    where = f"sticker {record.name!r} ({record.id})"
    if need > MAX_STICKER_DECODED_BYTES:
        raise PackLimitError(
            f"{where} is not loaded: its {len(set(record.frame_files))} frames of {record.width}x{record.height}"
            f" decode to {need / 2**20:.0f} MiB; a sticker may take at most {MAX_STICKER_DECODED_BYTES / 2**20:.0f} MiB"
        )
    if pack_bytes_so_far + need > MAX_PACK_DECODED_BYTES:
        raise PackLimitError(
            f"{where} is not loaded: the pack would take more than {MAX_PACK_DECODED_BYTES / 2**20:.0f} MiB"
            " of decoded frames; move some stickers to another pack"
        )
    return pack_bytes_so_far + need


class PackLimitError(PackError, LimitExceededError):
    """A sticker of a pack is over the memory caps; it is left on disk, not loaded."""


def write_pack_info(folder: Path, info: PackInfo) -> None:
    """Atomically replace ``pack.json``: the single commit point of every save."""
    atomic_write_text(folder / PACK_FILE, pack_info_to_json(info))


# --------------------------------------------------------------------------- frames
def sticker_dir(folder: Path, sticker_id: str) -> Path:
    return folder / STICKERS_DIR / sticker_id


def write_frame(path: Path, frame: np.ndarray) -> None:
    """Write one RGBA frame as a lossless PNG, atomically (temp file + rename)."""
    image = Image.fromarray(np.ascontiguousarray(frame))
    with atomic_path(path) as tmp:
        image.save(tmp, format="PNG", compress_level=PNG_COMPRESS_LEVEL)


def read_frame(path: Path, width: int, height: int, where: str) -> np.ndarray:
    """Read a frame PNG back, checking size and that its pixels match the hash in its name.

    The file must be a regular file (not a link, FIFO or device) of at most
    :data:`MAX_FRAME_FILE_BYTES`, and its header must give the size ``pack.json`` declares,
    all checked before any pixel is decoded.
    """
    try:
        st = path.lstat()
        if not stat.S_ISREG(st.st_mode):
            kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a regular file"
            raise PackError(f"{where}: frame file {path.name} is {kind}")
        if st.st_size > MAX_FRAME_FILE_BYTES:
            raise PackError(f"{where}: frame file {path.name} is {st.st_size / 1e6:.0f} MB, too big for a frame")
        with Image.open(path, formats=["PNG"]) as image:
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
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError, MemoryError) as exc:
        raise PackError(f"{where}: frame file {path.name} is damaged ({exc})") from None
    frame = np.ascontiguousarray(frame)
    match = _FRAME_RE.match(path.name)
    if match is not None and frame_digest(frame) != match.group(1):
        raise PackError(f"{where}: frame file {path.name} is damaged (its pixels do not match its name)")
    return frame


# --------------------------------------------------------------------------- links and cleanup
def is_own_file_name(name: str) -> bool:
    """Names the pack store itself makes inside ``stickers/<id>/``: frames and their temp files."""
    return bool(_FRAME_RE.match(name) or _FRAME_TEMP_RE.match(name))


def _is_pack_file_temp(name: str) -> bool:
    return bool(_PACK_FILE_TEMP_RE.match(name))


def check_pack_tree(folder: Path) -> None:
    """Refuse a pack that holds symbolic links where the pack store reads or deletes.

    ``pack.json``, the lock file, ``stickers/``, every ``stickers/<id>`` and every file in
    them must be real (not links): a link could send a read or a clean-up out of the pack
    folder (a zip that keeps symlinks is enough to make one).
    """
    for name in (PACK_FILE, LOCK_FILE, STICKERS_DIR):
        if (folder / name).is_symlink():
            raise UnsafePackError(_link_message(folder, name))
    root = folder / STICKERS_DIR
    if not root.exists():
        return
    if not root.is_dir():
        raise UnsafePackError(f"{folder} cannot be opened: {STICKERS_DIR} is not a folder")
    with os.scandir(root) as entries:
        for entry in entries:
            if entry.is_symlink():
                raise UnsafePackError(_link_message(folder, f"{STICKERS_DIR}/{entry.name}"))
            if not entry.is_dir(follow_symlinks=False):
                continue
            with os.scandir(entry.path) as files:
                for f in files:
                    if f.is_symlink():
                        raise UnsafePackError(_link_message(folder, f"{STICKERS_DIR}/{entry.name}/{f.name}"))


def _link_message(folder: Path, name: str) -> str:
    return (
        f"{folder} cannot be opened: {name} is a symbolic link, and Sticker Studio never follows"
        " links out of a pack folder (they could make it read or delete files elsewhere);"
        " replace the link with a real folder or file"
    )


def find_orphans(folder: Path, info: PackInfo) -> list[Path]:
    """Leftovers of an interrupted save that the pack store made and ``info`` no longer uses.

    Only regular files with the store's own names (frame files, temp files) qualify, plus
    the ``stickers/<id>`` folders of removed stickers (emptied of such files, and removed
    only if nothing else is left in them). Links, other files and folders are never listed.
    """
    orphans: list[Path] = []
    for p in folder.iterdir():
        if _is_pack_file_temp(p.name) and _is_regular(p):
            orphans.append(p)
    root = folder / STICKERS_DIR
    if root.is_symlink() or not root.is_dir():
        return orphans
    referenced = info.referenced_files()
    for entry in root.iterdir():
        if entry.is_symlink() or not entry.is_dir() or not is_valid_id(entry.name):
            continue  # not something the store made
        files = referenced.get(entry.name)
        if files is None:
            orphans.append(entry)  # a removed sticker's folder: emptied of our files, then rmdir
            continue
        for p in entry.iterdir():
            if p.name not in files and is_own_file_name(p.name) and _is_regular(p):
                orphans.append(p)
    return orphans


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(path.lstat().st_mode)
    except OSError:
        return False


def remove_paths(paths: list[Path]) -> int:
    """Delete the store's own files, then empty folders; returns how many were removed.

    Files are unlinked only if they are regular files (never a link); folders are removed
    with ``rmdir`` only, so a folder holding anything the store did not make survives.
    Missing paths are skipped.
    """
    removed = 0
    files = [p for p in paths if not (p.is_dir() and not p.is_symlink())]
    folders = [p for p in paths if p.is_dir() and not p.is_symlink()]
    for p in files:
        if not _is_regular(p) or p.parent.is_symlink():
            continue
        with contextlib.suppress(FileNotFoundError):
            p.unlink()
            removed += 1
    for d in folders:
        with contextlib.suppress(OSError):
            for p in d.iterdir():  # files of a removed sticker that were not listed yet
                if is_own_file_name(p.name) and _is_regular(p):
                    p.unlink()
            d.rmdir()
            removed += 1
    return removed
