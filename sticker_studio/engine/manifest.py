"""Every model the app can load, where its files are, and proof they are the right files.

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
          "architecture": "dfgn",                      # "dfgn" | "sti-unet" | "matting-head"
          "tasks": ["t2v", "i2v", "interp", "continue", "loop"],   # or ["matte"]
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

Files are sha256-checked before use. Checking a 16 MiB file costs tens of
milliseconds, so a verified file's (path, size, mtime) is remembered in the cache dir
and not re-hashed until it changes. Hub models download with ``huggingface_hub`` into
the user cache, offline-first: with ``HF_HUB_OFFLINE=1`` or no network a missing model
is a :class:`ModelNotFoundError` that says how to fetch it, never a traceback.

``python -m sticker_studio.engine.manifest add-bundled FOLDER --id ID ...`` (re)writes a
bundled model's entry from the files that exist in its folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sticker_studio import paths
from sticker_studio.core.atomic import atomic_write_text
from sticker_studio.core.errors import (
    InvalidInputError,
    ModelError,
    ModelIntegrityError,
    ModelNotFoundError,
)

SCHEMA_VERSION = 1
ARCHITECTURES: tuple[str, ...] = ("dfgn", "sti-unet", "matting-head")
GENERATOR_ARCHITECTURES: tuple[str, ...] = ("dfgn", "sti-unet")
GENERATOR_TASKS: tuple[str, ...] = ("t2v", "i2v", "interp", "continue", "loop")
MATTING_TASKS: tuple[str, ...] = ("matte",)

#: The ids the app uses when none is asked for (an entry marked ``default`` wins).
DEFAULT_GENERATOR_ID = "dfgn-sticker-64"
DEFAULT_MATTING_ID = "matting-head"

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_HASH_CHUNK = 1 << 20

#: progress(files_done, files_total, current_file)
DownloadProgress = Callable[[int, int, str], None]


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
    def from_json(cls, data: dict[str, Any], where: str = "manifest") -> "ModelEntry":
        try:
            entry = cls(
                id=str(data["id"]),
                architecture=str(data["architecture"]),
                source=str(data["source"]),
                files=tuple(ModelFile(str(f["path"]), str(f["sha256"]).lower(), int(f["size"])) for f in data["files"]),
                tasks=tuple(str(t) for t in data.get("tasks", ())),
                licence=str(data.get("licence", data.get("license", "unknown"))),
                description=str(data.get("description", "")),
                default=bool(data.get("default", False)),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise ModelError(f"{where} has a malformed model entry ({error}): {data!r:.200}") from None
        if entry.architecture not in ARCHITECTURES:
            raise ModelError(f"{where}: model {entry.id} has unknown architecture {entry.architecture!r}")
        if entry.source_kind not in ("bundled", "hf", "user"):
            raise ModelError(f"{where}: model {entry.id} has an unknown source {entry.source!r}")
        return entry


@dataclass
class ModelManifest:
    """The bundled/hub manifest plus the user's, as one list (user ids may not shadow bundled ones)."""

    entries: list[ModelEntry] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path | None = None, *, include_user: bool = True) -> "ModelManifest":
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
        """The default model for ``role`` (``generator`` or ``matting``)."""
        wanted = GENERATOR_ARCHITECTURES if role == "generator" else ("matting-head",)
        for entry in self.entries:
            if entry.default and entry.architecture in wanted:
                return entry.id
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


# --------------------------------------------------------------------------- files
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
        if int(data.get("schema", SCHEMA_VERSION)) > SCHEMA_VERSION:
            raise ModelError(f"{path} uses manifest schema {data['schema']}; this version reads {SCHEMA_VERSION}")
        models = data.get("models", [])
    else:
        raise ModelError(f"{path} is not a model manifest")
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
    role_of = lambda e: e.architecture in GENERATOR_ARCHITECTURES  # noqa: E731
    out: list[ModelEntry] = []
    for e in entries:
        if e.id == entry.id:
            continue
        if entry.default and e.default and role_of(e) == role_of(entry):
            e = replace(e, default=False)
        out.append(e)
    out.append(entry)
    write_manifest_file(path, out)


# ------------------------------------------------------------------- hashing/verify
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
    kind: str  # "missing" | "size" | "sha256"
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


def verify_files(entry: ModelEntry, folder: Path, *, use_cache: bool = True) -> VerifyReport:
    """Check every listed file's size and sha256 (hashing only files changed since last verified)."""
    cache = _load_verified()
    changed = False
    problems: list[FileProblem] = []
    for f in entry.files:
        path = folder / f.path
        try:
            st = path.stat()
        except OSError:
            problems.append(FileProblem(path, "missing", f"{f.path} is missing"))
            continue
        key = str(path.resolve())
        if st.st_size != f.size:
            problems.append(
                FileProblem(path, "size", f"{f.path} is {st.st_size} bytes, the manifest says {f.size}")
            )
            changed |= cache.pop(key, None) is not None
            continue
        stamp = [st.st_size, st.st_mtime_ns, f.sha256]
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


# ----------------------------------------------------------------------- resolving
def hub_offline() -> bool:
    """``HF_HUB_OFFLINE`` (read now, not at import, so tests and users can set it late)."""
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _offline_message(model_id: str) -> str:
    return (
        f"model {model_id} is not downloaded and the machine is offline; "
        f"run `sticker-studio models download {model_id}` when online"
    )


def resolve_model(
    model_id: str,
    *,
    manifest: ModelManifest | None = None,
    download: bool = True,
    progress: DownloadProgress | None = None,
) -> Path:
    """The folder of ``model_id`` with every file present and sha256-checked.

    A hub model that is not in the cache downloads first (unless ``download=False`` or
    the machine is offline: then :class:`ModelNotFoundError` says what to run).
    A file that does not match the manifest raises :class:`ModelIntegrityError`; a bad
    cached download is deleted so the next download starts clean.
    """
    manifest = manifest or ModelManifest.load()
    entry = manifest.get(model_id)
    folder = entry.local_folder()
    if not entry.files:
        raise ModelNotFoundError(f"model {model_id} lists no files in the manifest")
    report = verify_files(entry, folder)
    if report.ok:
        return folder
    if report.missing_only:
        if entry.source_kind == "hf":
            if not download:
                raise ModelNotFoundError(
                    f"model {model_id} is not downloaded; run `sticker-studio models download {model_id}`"
                )
            return download_model(model_id, progress, manifest=manifest)
        if entry.source_kind == "bundled":
            raise ModelNotFoundError(
                f"the bundled model {model_id} is missing from {folder} "
                f"({report.problems[0].message}); reinstall Sticker Studio"
            )
        raise ModelNotFoundError(
            f"the user model {model_id} is missing from {folder}; add it again with `sticker-studio models add PATH`"
        )
    _raise_integrity(entry, report)
    raise AssertionError("unreachable")  # pragma: no cover


def _raise_integrity(entry: ModelEntry, report: VerifyReport) -> None:
    bad = [p for p in report.problems if p.kind != "missing"] or list(report.problems)
    detail = "; ".join(p.message for p in bad[:3])
    if entry.source_kind == "hf":
        for p in bad:
            if p.kind != "missing":
                p.path.unlink(missing_ok=True)
        raise ModelIntegrityError(
            f"model {entry.id} failed its checksum ({detail}); the bad file was deleted, "
            f"run `sticker-studio models download {entry.id}` to fetch it again"
        )
    hint = "reinstall Sticker Studio" if entry.source_kind == "bundled" else "add it again with `sticker-studio models add`"
    raise ModelIntegrityError(f"model {entry.id} does not match the manifest ({detail}); refusing to load it, {hint}")


def download_model(
    model_id: str,
    progress: DownloadProgress | None = None,
    *,
    manifest: ModelManifest | None = None,
) -> Path:
    """Fetch a hub model's missing files into the cache, verify them, and return its folder."""
    manifest = manifest or ModelManifest.load()
    entry = manifest.get(model_id)
    folder = entry.local_folder()
    if entry.source_kind != "hf":
        return resolve_model(model_id, manifest=manifest, download=False)
    report = verify_files(entry, folder)
    if report.ok:
        return folder
    todo = [f for f in entry.files if any(p.path == folder / f.path for p in report.problems)]
    if hub_offline():
        raise ModelNotFoundError(_offline_message(model_id))
    repo, revision = entry.hub_repo()
    folder.mkdir(parents=True, exist_ok=True)
    from huggingface_hub import hf_hub_download

    for i, f in enumerate(todo):
        target = folder / f.path
        target.unlink(missing_ok=True)
        if progress is not None:
            progress(i, len(todo), f.path)
        try:
            hf_hub_download(repo_id=repo, filename=f.path, revision=revision, local_dir=folder)
        except Exception as error:  # noqa: BLE001 - every hub failure becomes one actionable line
            target.unlink(missing_ok=True)
            if _looks_offline(error):
                raise ModelNotFoundError(_offline_message(model_id)) from None
            raise ModelError(f"could not download model {model_id} from {repo}: {type(error).__name__}: {error}") from None
    if progress is not None:
        progress(len(todo), len(todo), "")
    report = verify_files(entry, folder, use_cache=False)
    if not report.ok:
        _raise_integrity(entry, report)
    return folder


def _looks_offline(error: BaseException) -> bool:
    names = {type(e).__name__ for e in _causes(error)}
    offline_names = {
        "LocalEntryNotFoundError", "OfflineModeIsEnabled", "ConnectionError", "ConnectError",
        "ConnectTimeout", "ReadTimeout", "TimeoutException", "NameResolutionError", "gaierror",
    }
    return bool(names & offline_names) or hub_offline()


def _causes(error: BaseException) -> Iterable[BaseException]:
    seen = 0
    current: BaseException | None = error
    while current is not None and seen < 10:
        yield current
        current = current.__cause__ or current.__context__
        seen += 1


# ------------------------------------------------------------------ building entries
def list_model_files(folder: Path) -> list[Path]:
    """Every file under ``folder`` that belongs to the model (no dotfiles, no caches)."""
    out = []
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if path.is_file() and not any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            out.append(path)
    return out


def manifest_entry_for_folder(
    folder: Path,
    id: str,  # noqa: A002 - the manifest field's name
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
    if not _ID_RE.match(id):
        raise InvalidInputError(f"model id {id!r} must be lower-case letters, digits, '.', '_' or '-'")
    if architecture is None:
        from sticker_studio.engine.bundle import detect_architecture

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
        tasks = GENERATOR_TASKS if architecture in GENERATOR_ARCHITECTURES else MATTING_TASKS
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

    The folder must be a generator bundle (``model_index.json``) or a matting head
    (``config.json``); its files are hashed so later loads are checked like bundled ones.
    """
    src = Path(path).expanduser()
    if not src.is_dir():
        raise InvalidInputError(f"{src} is not a folder; `models add` takes a checkpoint folder")
    from sticker_studio.engine.bundle import detect_architecture, validate_folder

    arch = architecture or detect_architecture(src)
    validate_folder(src, arch)
    model_id = model_id or re.sub(r"[^a-z0-9._-]+", "-", src.resolve().name.lower()).strip("-.") or "user-model"
    if not _ID_RE.match(model_id):
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


# --------------------------------------------------------------------------- script
def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m sticker_studio.engine.manifest",
        description="Maintain models_manifest.json (for whoever adds bundled weights).",
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add-bundled", help="(re)write a bundled model's entry from the files in FOLDER")
    add.add_argument("folder", type=Path)
    add.add_argument("--id", required=True)
    add.add_argument("--architecture", choices=ARCHITECTURES, default=None, help="default: detected from the folder")
    add.add_argument("--licence", required=True)
    add.add_argument("--description", default="")
    add.add_argument("--default", action="store_true", help="make it the default for its role")
    add.add_argument("--manifest", type=Path, default=None, help="default: the repository's models_manifest.json")
    show = sub.add_parser("show", help="print the manifest as the app reads it")
    show.add_argument("--manifest", type=Path, default=None)
    args = parser.parse_args(argv)
    try:
        if args.cmd == "add-bundled":
            entry = manifest_entry_for_folder(
                args.folder, args.id, args.architecture, args.licence,
                description=args.description, default=args.default,
            )
            target = args.manifest or paths.manifest_path()
            upsert_entry(target, entry)
            print(f"{target}: wrote {entry.id} ({len(entry.files)} files, {entry.total_size:,} bytes)")
        else:
            for e in ModelManifest.load(args.manifest).entries:
                print(json.dumps(e.to_json(), indent=2))
    except ModelError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except InvalidInputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
