"""Where a model's verified folder is: bundled, added by the user, or fetched from the Hub.

Hub models download with ``huggingface_hub`` into the user cache, offline-first: with
``HF_HUB_OFFLINE=1`` or no network a missing model is a :class:`ModelNotFoundError`
that says how to fetch it, never a traceback.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from sticker_studio.core.errors import (
    ModelError,
    ModelIntegrityError,
    ModelNotFoundError,
)
from sticker_studio.engine.store.files import VerifyReport, verify_files
from sticker_studio.engine.store.manifest import ModelEntry, ModelManifest

#: progress(files_done, files_total, current_file)
DownloadProgress = Callable[[int, int, str], None]


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
            if p.kind in ("size", "sha256"):  # a bad download of a listed file; never a file we did not fetch
                p.path.unlink(missing_ok=True)
        raise ModelIntegrityError(
            f"model {entry.id} failed its checksum ({detail}); the bad file was deleted, "
            f"run `sticker-studio models download {entry.id}` to fetch it again"
        )
    hint = (
        "reinstall Sticker Studio"
        if entry.source_kind == "bundled"
        else "add it again with `sticker-studio models add`"
    )
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
        except Exception as error:
            target.unlink(missing_ok=True)
            if _looks_offline(error):
                raise ModelNotFoundError(_offline_message(model_id)) from None
            raise ModelError(
                f"could not download model {model_id} from {repo}: {type(error).__name__}: {error}"
            ) from None
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

