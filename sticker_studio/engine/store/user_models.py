"""Manifest entries built from a folder: bundled models (for maintainers) and user models.

``sticker-studio models add PATH`` copies a checkpoint folder into the user data dir
and lists it, with its files' sha256, in the user manifest.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Sequence
from pathlib import Path

from sticker_studio import paths
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.engine.store.files import list_model_files, sha256_file
from sticker_studio.engine.store.manifest import (
    ARCHITECTURES,
    GENERATOR_ARCHITECTURES,
    GENERATOR_TASKS,
    ID_RE,
    MATTING_TASKS,
    RIG_TASKS,
    ModelEntry,
    ModelFile,
    read_manifest_file,
    upsert_entry,
    user_manifest_path,
)


def manifest_entry_for_folder(
    folder: Path,
    id: str,
    architecture: str | None = None,
    licence: str = "unknown",
    *,
    source: str | None = None,
    description: str = "",
    default: bool = False,
    tasks: Sequence[str] | None = None,
) -> ModelEntry:
    """An entry listing the files that exist in ``folder`` with their sha256 and size.

    ``source`` defaults to ``bundled:resources/<path inside resources/>`` when the folder
    is inside :func:`sticker_studio.paths.resources_dir`.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise InvalidInputError(f"{folder} is not a folder")
    if not ID_RE.match(id):
        raise InvalidInputError(f"model id {id!r} must be lower-case letters, digits, '.', '_' or '-'")
    if architecture is None:
        from sticker_studio.engine.store.folder import detect_architecture

        architecture = detect_architecture(folder)
    if architecture not in ARCHITECTURES:
        raise InvalidInputError(f"unknown architecture {architecture!r}; choose one of: {', '.join(ARCHITECTURES)}")
    if source is None:
        try:
            rel = folder.resolve().relative_to(paths.resources_dir().resolve())
        except ValueError:
            raise InvalidInputError(
                f"{folder} is not inside {paths.resources_dir()}; pass a source for it"
            ) from None
        source = f"bundled:resources/{rel.as_posix()}"
    files = tuple(
        ModelFile(p.relative_to(folder).as_posix(), sha256_file(p), p.stat().st_size) for p in list_model_files(folder)
    )
    if not files:
        raise InvalidInputError(f"{folder} holds no files")
    if tasks is None:
        tasks = GENERATOR_TASKS if architecture in GENERATOR_ARCHITECTURES else \
            RIG_TASKS if architecture == "rig-net" else ("motion-classifier",) if architecture == "motion-classifier" \
            else MATTING_TASKS
    return ModelEntry(
        id=id, architecture=architecture, source=source, files=files, tasks=tuple(tasks),
        licence=licence, description=description, default=default,
    )


def add_user_model(
    path: Path,
    model_id: str | None = None,
    *,
    architecture: str | None = None,
    licence: str = "unknown (added by the user)",
    description: str = "",
    link: bool = False,
) -> ModelEntry:
    """Copy (or symlink) a checkpoint folder into the user data dir and register it.

    The folder must be a generator folder (``model_index.json``) or a matting head
    (``config.json``); its files are hashed so later loads are checked like bundled ones.
    """
    src = Path(path).expanduser()
    if not src.is_dir():
        raise InvalidInputError(f"{src} is not a folder; `models add` takes a checkpoint folder")
    from sticker_studio.engine.store.folder import (
        check_folder_parameters,
        check_unverified_folder,
        detect_architecture,
        validate_folder,
    )

    check_unverified_folder(src)  # safetensors + JSON only, nothing linking out
    arch = architecture or detect_architecture(src)
    validate_folder(src, arch)
    check_folder_parameters(src, arch)  # an absurd config is refused before anything is allocated
    model_id = model_id or re.sub(r"[^a-z0-9._-]+", "-", src.resolve().name.lower()).strip("-.") or "user-model"
    if not ID_RE.match(model_id):
        raise InvalidInputError(f"model id {model_id!r} must be lower-case letters, digits, '.', '_' or '-'")
    bundled = {e.id for e in read_manifest_file(paths.manifest_path())}
    if model_id in bundled:
        raise InvalidInputError(f"model id {model_id} is taken by a bundled model; pass --id NAME")
    rel = Path("models") / model_id
    dest = paths.user_data_dir() / rel
    if dest.exists() or dest.is_symlink():
        if dest.is_symlink() or dest.is_file():
            dest.unlink()
        else:
            shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    if link:
        dest.symlink_to(src.resolve(), target_is_directory=True)
    else:
        tmp = dest.with_name(f".{model_id}.partial")
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.copytree(src, tmp, ignore=shutil.ignore_patterns(".*", "__pycache__"))
        os.replace(tmp, dest)
    entry = manifest_entry_for_folder(
        dest, model_id, arch, licence, source=f"user:{rel.as_posix()}",
        description=description or f"added from {src.resolve()}",
    )
    upsert_entry(user_manifest_path(), entry)
    return entry

