"""Proof that a model's files on disk are the ones its manifest entry lists.

Every listed file's size and sha256 are checked before use. Hashing costs about
2 ms per MiB, so a verified file is remembered in the cache dir under a stamp a user
cannot restore by hand (device, inode, size, mtime *and* ctime: rewriting bytes and
putting the old mtime back still changes the ctime), and re-hashed when any part changes.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sticker_studio import paths
from sticker_studio.core.atomic import atomic_write_text
from sticker_studio.engine.store.manifest import ModelEntry, ModelManifest

_HASH_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _verified_cache_path() -> Path:
    return paths.user_cache_dir() / "verified-model-files.json"


def _load_verified() -> dict[str, list[Any]]:
    try:
        data = json.loads(_verified_cache_path().read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, json.JSONDecodeError):
        return {}


def _save_verified(cache: dict[str, list[Any]]) -> None:
    try:
        atomic_write_text(_verified_cache_path(), json.dumps(cache, indent=0))
    except OSError:
        pass  # a read-only cache only costs speed


@dataclass(frozen=True)
class FileProblem:
    path: Path
    kind: str  # "missing" | "size" | "sha256" | "extra" (not listed) | "outside" (links out / not a file)
    message: str


@dataclass(frozen=True)
class VerifyReport:
    entry: ModelEntry
    folder: Path
    problems: tuple[FileProblem, ...]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def missing_only(self) -> bool:
        return bool(self.problems) and all(p.kind == "missing" for p in self.problems)


def list_model_files(folder: Path) -> list[Path]:
    """Every file under ``folder`` that belongs to the model (no dotfiles, no caches).

    Symlinked entries are listed too (as files), so a link cannot hide an extra file.
    """
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        if path.is_symlink() or path.is_file():
            out.append(path)
    return out


def file_stamp(st: os.stat_result, sha256: str) -> list[Any]:
    """What a verified file is remembered by: a rewrite with the old mtime put back still changes ``st_ctime``."""
    return [st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, sha256]


def verify_files(entry: ModelEntry, folder: Path, *, use_cache: bool = True) -> VerifyReport:
    """Check the folder holds exactly the listed files, each with its size and sha256.

    A file the entry does not list (a ``*.safetensors.index.json`` and shard dropped
    beside the weights, a ``.bin`` a loader would fall back to) is a problem, and so
    is a listed file that is a symlink leading out of the folder. Files unchanged
    since they were last verified (same :func:`file_stamp`) are not re-hashed.
    """
    cache = _load_verified()
    changed = False
    problems: list[FileProblem] = []
    listed = {f.path for f in entry.files}
    if folder.is_dir():
        for path in list_model_files(folder):
            rel = path.relative_to(folder).as_posix()
            if rel not in listed:
                problems.append(FileProblem(path, "extra", f"{rel} is in the model folder but not in the manifest"))
    root = folder.resolve()
    for f in entry.files:
        path = folder / f.path
        try:
            st = path.stat()
        except OSError:
            problems.append(FileProblem(path, "missing", f"{f.path} is missing"))
            continue
        real = path.resolve()
        if not real.is_relative_to(root) or not stat.S_ISREG(st.st_mode):
            problems.append(FileProblem(path, "outside", f"{f.path} is not a regular file inside the model folder"))
            continue
        key = str(real)
        if st.st_size != f.size:
            problems.append(
                FileProblem(path, "size", f"{f.path} is {st.st_size} bytes, the manifest says {f.size}")
            )
            changed |= cache.pop(key, None) is not None
            continue
        stamp = file_stamp(st, f.sha256)
        if use_cache and cache.get(key) == stamp:
            continue
        digest = sha256_file(path)
        if digest != f.sha256:
            problems.append(
                FileProblem(path, "sha256", f"{f.path} has sha256 {digest[:12]}…, the manifest says {f.sha256[:12]}…")
            )
            changed |= cache.pop(key, None) is not None
            continue
        if cache.get(key) != stamp:
            cache[key] = stamp
            changed = True
    if changed:
        _save_verified(cache)
    return VerifyReport(entry, folder, tuple(problems))


def verify_model(model_id: str, *, manifest: ModelManifest | None = None, use_cache: bool = False) -> VerifyReport:
    """Re-hash every file of ``model_id`` where it lives on this machine (no download)."""
    entry = (manifest or ModelManifest.load()).get(model_id)
    return verify_files(entry, entry.local_folder(), use_cache=use_cache)

