"""Every model the app can load, where its files are, and proof they are the right files.

The public names of the model manifest, in one import. Each job has its own module:

* :mod:`sticker_studio.engine.model_manifest` — the schema, reading and writing manifests;
* :mod:`sticker_studio.engine.model_files` — sha256 checks and the verified-file cache;
* :mod:`sticker_studio.engine.model_hub` — resolving a model's folder, hub download, offline detection;
* :mod:`sticker_studio.engine.user_models` — entries built from a folder, ``models add``;
* :mod:`sticker_studio.cli.manifest_tool` — the maintainers' ``add-bundled`` / ``show`` script.
"""

from __future__ import annotations

from sticker_studio.engine.model_files import (
    FileProblem,
    VerifyReport,
    list_model_files,
    sha256_file,
    verify_files,
    verify_model,
)
from sticker_studio.engine.model_hub import (
    DownloadProgress,
    download_model,
    hub_offline,
    resolve_model,
)
from sticker_studio.engine.model_manifest import (
    ARCHITECTURES,
    DEFAULT_GENERATOR_ID,
    DEFAULT_MATTING_ID,
    GENERATOR_ARCHITECTURES,
    GENERATOR_TASKS,
    MATTING_TASKS,
    SCHEMA_VERSION,
    ModelEntry,
    ModelFile,
    ModelManifest,
    read_manifest_file,
    upsert_entry,
    user_manifest_path,
    write_manifest_file,
)
from sticker_studio.engine.user_models import add_user_model, manifest_entry_for_folder

__all__ = [
    "ARCHITECTURES",
    "DEFAULT_GENERATOR_ID",
    "DEFAULT_MATTING_ID",
    "GENERATOR_ARCHITECTURES",
    "GENERATOR_TASKS",
    "MATTING_TASKS",
    "SCHEMA_VERSION",
    "DownloadProgress",
    "FileProblem",
    "ModelEntry",
    "ModelFile",
    "ModelManifest",
    "VerifyReport",
    "add_user_model",
    "download_model",
    "hub_offline",
    "list_model_files",
    "manifest_entry_for_folder",
    "read_manifest_file",
    "resolve_model",
    "sha256_file",
    "upsert_entry",
    "user_manifest_path",
    "verify_files",
    "verify_model",
    "write_manifest_file",
]
