"""The model manifest: which models the app can load and which files each one has.

Two manifests share one schema (version 1):

* ``models_manifest.json`` beside the package (:func:`sticker_studio.paths.manifest_path`)
  lists the bundled models and the ones on the Hugging Face Hub;
* ``<user data dir>/models_manifest.json`` lists checkpoints a user added with
  ``sticker-studio models add PATH``.

Schema::

    {
      "schema": 1,
      "models": [
        {
          "id": "dfgn-sticker-64",                     # unique, [a-z0-9._-]
          "architecture": "dfgn",                      # "dfgn" | "sti-unet" | "matting-head" | "rig-net"
          "tasks": ["t2v", "i2v", "interp", "continue", "loop"],   # or ["matte"], ["rig"]
          "source": "bundled:resources/models/dfgn-sticker-64",    # or "hf:owner/repo@revision"
                                                                   # or "user:models/<id>"
          "files": [{"path": "unet/diffusion_pytorch_model.safetensors",
                     "sha256": "<64 hex>", "size": 1234567}],      # relative to the model folder
          "licence": "Apache-2.0",
          "description": "one line for `models list` and the model manager",
          "default": true                              # the default generator / matting head
        }
      ]
    }

A manifest with wrong types (a string where a list belongs, ...) is a :class:`ModelError`
with one line naming the file and the field, never a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path, PurePosixPath
from typing import Any

from sticker_studio import paths
from sticker_studio.core.atomic import atomic_write_text
from sticker_studio.core.errors import ModelError, ModelNotFoundError

SCHEMA_VERSION = 1
ARCHITECTURES: tuple[str, ...] = ("dfgn", "sti-unet", "matting-head", "rig-net", "motion-classifier")
GENERATOR_ARCHITECTURES: tuple[str, ...] = ("dfgn", "sti-unet")
GENERATOR_TASKS: tuple[str, ...] = ("t2v", "i2v", "interp", "continue", "loop")
MATTING_TASKS: tuple[str, ...] = ("matte",)
RIG_TASKS: tuple[str, ...] = ("rig",)

#: The ids the app uses when none is asked for (an entry marked ``default`` wins).
DEFAULT_GENERATOR_ID = "dfgn-sticker-64"
DEFAULT_MATTING_ID = "matting-head"
DEFAULT_RIG_ID = "rig-net"
DEFAULT_MOTION_CLASSIFIER_ID = "motion-classifier"

ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_HASH_CHUNK = 1 << 20


@dataclass(frozen=True)
class ModelFile:
    """One file of a model, relative to the model's folder."""

    path: str
    sha256: str
    size: int


@dataclass(frozen=True)
class ModelEntry:
    """One loadable model (see the module docstring for the field meanings)."""

    id: str
    architecture: str
    source: str
    files: tuple[ModelFile, ...]
    tasks: tuple[str, ...] = ()
    licence: str = "unknown"
    description: str = ""
    default: bool = False

    @property
    def source_kind(self) -> str:
        """``bundled``, ``hf`` or ``user``."""
        return self.source.split(":", 1)[0]

    @property
    def is_generator(self) -> bool:
        return self.architecture in GENERATOR_ARCHITECTURES

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)

    def hub_repo(self) -> tuple[str, str | None]:
        """``(repo_id, revision)`` of an ``hf:`` source."""
        spec = self.source.split(":", 1)[1]
        repo, _, revision = spec.partition("@")
        return repo, (revision or None)

    def local_folder(self) -> Path:
        """Where this model's files are (or will be, for a hub model) on this machine."""
        kind, _, rest = self.source.partition(":")
        if kind == "bundled":
            rel = Path(rest)
            parts = rel.parts
            if parts and parts[0] == "resources":
                rel = Path(*parts[1:]) if len(parts) > 1 else Path()
            return paths.resources_dir() / rel
        if kind == "user":
            return paths.user_data_dir() / rest
        if kind == "hf":
            return paths.user_cache_dir() / "models" / self.id
        raise ModelError(f"model {self.id} has an unknown source {self.source!r} in the manifest")

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "architecture": self.architecture,
            "tasks": list(self.tasks),
            "source": self.source,
            "files": [asdict(f) for f in self.files],
            "licence": self.licence,
            "description": self.description,
            "default": self.default,
        }

    @classmethod
    def from_json(cls, data: Any, where: str = "manifest") -> ModelEntry:
        """One entry, every field type-checked: a wrong type is one :class:`ModelError` line."""
        if not isinstance(data, dict):
            raise ModelError(f"{where}: a model entry must be an object, got {type(data).__name__}: {data!r:.80}")
        label = f"{where}: model {data.get('id')!r}"
        model_id = _typed(data, "id", str, label)
        if not ID_RE.match(model_id):
            raise ModelError(f"{label}: the id must be lower-case letters, digits, '.', '_' or '-'")
        files_raw = _typed(data, "files", list, label)
        tasks = _typed(data, "tasks", list, label, default=[])
        entry = cls(
            id=model_id,
            architecture=_typed(data, "architecture", str, label),
            source=_typed(data, "source", str, label),
            files=tuple(_model_file(f, label) for f in files_raw),
            tasks=tuple(_item(t, str, f"{label}: tasks") for t in tasks),
            licence=_typed(data, "licence", str, label, default=_typed(data, "license", str, label, default="unknown")),
            description=_typed(data, "description", str, label, default=""),
            default=_typed(data, "default", bool, label, default=False),
        )
        if entry.architecture not in ARCHITECTURES:
            raise ModelError(f"{where}: model {entry.id} has unknown architecture {entry.architecture!r}")
        if entry.source_kind not in ("bundled", "hf", "user"):
            raise ModelError(f"{where}: model {entry.id} has an unknown source {entry.source!r}")
        return entry


_MISSING: Any = object()
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def _typed(data: dict[str, Any], key: str, kind: type, label: str, *, default: Any = _MISSING) -> Any:
    if key not in data:
        if default is _MISSING:
            raise ModelError(f"{label} has no {key!r} field")
        return default
    return _item(data[key], kind, f"{label}: {key!r}")


def _item(value: Any, kind: type, label: str) -> Any:
    # bool is an int in Python: a size of `true` is still the wrong type
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ModelError(f"{label} must be {kind.__name__}, got {type(value).__name__} {value!r:.60}")
    return value


def _model_file(data: Any, label: str) -> ModelFile:
    if not isinstance(data, dict):
        raise ModelError(f"{label}: each of 'files' must be an object, got {type(data).__name__}")
    path = _typed(data, "path", str, f"{label} file")
    sha = _typed(data, "sha256", str, f"{label} file {path!r}").lower()
    size = _typed(data, "size", int, f"{label} file {path!r}")
    parts = PurePosixPath(path).parts
    if not parts or path.startswith("/") or "\\" in path or any(p in ("..", ".") for p in parts):
        raise ModelError(f"{label}: file path {path!r} must be relative to the model folder, without '..'")
    if not _SHA256_RE.match(sha) or size < 0:
        raise ModelError(f"{label}: file {path!r} needs a 64-hex sha256 and a size >= 0")
    return ModelFile(path, sha, size)


@dataclass
class ModelManifest:
    """The bundled/hub manifest plus the user's, as one list (user ids may not shadow bundled ones)."""

    entries: list[ModelEntry] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | None = None, *, include_user: bool = True) -> ModelManifest:
        entries = read_manifest_file(path or paths.manifest_path())
        if include_user:
            known = {e.id for e in entries}
            entries += [e for e in read_manifest_file(user_manifest_path()) if e.id not in known]
        return cls(entries)

    def ids(self) -> list[str]:
        return [e.id for e in self.entries]

    def get(self, model_id: str) -> ModelEntry:
        for entry in self.entries:
            if entry.id == model_id:
                return entry
        known = ", ".join(self.ids()) or "none"
        raise ModelNotFoundError(
            f"unknown model {model_id!r} (known: {known}); see `sticker-studio models list`"
        )

    def default_id(self, role: str) -> str:
        """The default model for ``role`` (``generator``, ``matting`` or ``rig``)."""
        wanted = (GENERATOR_ARCHITECTURES if role == "generator"
                  else ("rig-net",) if role == "rig"
                  else ("motion-classifier",) if role == "motion-classifier" else ("matting-head",))
        for entry in self.entries:
            if entry.default and entry.architecture in wanted:
                return entry.id
        if role == "rig":
            return DEFAULT_RIG_ID
        if role == "motion-classifier":
            return DEFAULT_MOTION_CLASSIFIER_ID
        return DEFAULT_GENERATOR_ID if role == "generator" else DEFAULT_MATTING_ID

    def choose_id(self, requested: str | None, role: str, *, what: str, hint: str) -> str:
        """``requested``, or the default id for ``role`` when None.

        A default that is not in the manifest raises :class:`ModelNotFoundError` naming
        ``what`` is missing and ``hint`` (what the user can do about it); a requested id
        is checked later by :meth:`get` / :func:`resolve_model` with their own messages.
        """
        if requested is not None:
            return str(requested)
        model_id = self.default_id(role)
        if model_id not in self.ids():
            raise ModelNotFoundError(
                f"no {what} is installed (the default {model_id} is not in the model manifest); {hint}"
            )
        return model_id



def user_manifest_path() -> Path:
    return paths.user_data_dir() / "models_manifest.json"


def read_manifest_file(path: Path) -> list[ModelEntry]:
    """Entries of one manifest file; a missing file is an empty manifest."""
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise ModelError(f"cannot read the model manifest {path}: {error}") from None
    if isinstance(data, list):  # the pre-schema placeholder "[]"
        models = data
    elif isinstance(data, dict):
        schema = _typed(data, "schema", int, str(path), default=SCHEMA_VERSION)
        if schema > SCHEMA_VERSION:
            raise ModelError(f"{path} uses manifest schema {schema}; this version reads {SCHEMA_VERSION}")
        models = _typed(data, "models", list, str(path), default=[])
    else:
        raise ModelError(f"{path} is not a model manifest (a JSON object with 'schema' and 'models')")
    entries = [ModelEntry.from_json(m, str(path)) for m in models]
    seen: set[str] = set()
    for e in entries:
        if e.id in seen:
            raise ModelError(f"{path} lists model {e.id} twice")
        seen.add(e.id)
    return entries


def write_manifest_file(path: Path, entries: Sequence[ModelEntry]) -> None:
    data = {"schema": SCHEMA_VERSION, "models": [e.to_json() for e in entries]}
    atomic_write_text(path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def upsert_entry(path: Path, entry: ModelEntry) -> None:
    """Add or replace ``entry`` in the manifest at ``path``; a new default unsets the old one."""
    entries = read_manifest_file(path)

    def role_of(e: ModelEntry) -> str:
        return "generator" if e.architecture in GENERATOR_ARCHITECTURES else e.architecture

    out: list[ModelEntry] = []
    for e in entries:
        if e.id == entry.id:
            continue
        if entry.default and e.default and role_of(e) == role_of(entry):
            e = replace(e, default=False)
        out.append(e)
    out.append(entry)
    write_manifest_file(path, out)

