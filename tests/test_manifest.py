"""The model manifest: schema, sha256 checks, verification cache, offline hub models, user models."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sticker_studio.cli import manifest_tool
from sticker_studio.core.errors import ModelIntegrityError, ModelNotFoundError
from sticker_studio.engine.store import files as model_files
from sticker_studio.engine.store.files import verify_model
from sticker_studio.engine.store.hub import download_model, resolve_model
from sticker_studio.engine.store.manifest import (
    ModelEntry,
    ModelManifest,
    read_manifest_file,
    user_manifest_path,
    write_manifest_file,
)
from sticker_studio.engine.store.user_models import add_user_model, manifest_entry_for_folder


def make_model(folder: Path, payload: bytes = b"weights-v1") -> Path:
    (folder / "unet").mkdir(parents=True)
    (folder / "model_index.json").write_text(json.dumps({"unet": ["sticker_studio.engine.models.dfgn", "DFGN"],
                                                         "scheduler": ["diffusers", "DDIMScheduler"]}))
    (folder / "unet" / "diffusion_pytorch_model.safetensors").write_bytes(payload)
    (folder / "unet" / "config.json").write_text("{}")
    (folder / "scheduler").mkdir()
    (folder / "scheduler" / "scheduler_config.json").write_text("{}")
    (folder / ".DS_Store").write_bytes(b"junk")  # dotfiles are not model files
    return folder


@pytest.fixture()
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    resources = tmp_path / "resources"
    monkeypatch.setenv("STICKER_STUDIO_RESOURCES", str(resources))
    monkeypatch.setenv("STICKER_STUDIO_MANIFEST", str(tmp_path / "models_manifest.json"))
    make_model(resources / "models" / "gen")
    return tmp_path


def test_entry_lists_existing_files_with_sha256_and_resolves(env: Path) -> None:
    folder = env / "resources" / "models" / "gen"
    entry = manifest_entry_for_folder(folder, "gen", licence="MIT", default=True)
    assert entry.source == "bundled:resources/models/gen"
    assert entry.architecture == "dfgn" and "i2v" in entry.tasks
    assert sorted(f.path for f in entry.files) == ["model_index.json", "scheduler/scheduler_config.json",
                                                    "unet/config.json", "unet/diffusion_pytorch_model.safetensors"]
    write_manifest_file(env / "models_manifest.json", [entry])
    data = json.loads((env / "models_manifest.json").read_text())
    assert data["schema"] == 1 and data["models"][0]["id"] == "gen"
    manifest = ModelManifest.load()
    assert manifest.default_id("generator") == "gen"
    assert resolve_model("gen") == folder


def test_tampered_file_is_refused(env: Path) -> None:
    folder = env / "resources" / "models" / "gen"
    write_manifest_file(env / "models_manifest.json", [manifest_entry_for_folder(folder, "gen", licence="MIT")])
    assert resolve_model("gen") == folder
    weights = folder / "unet" / "diffusion_pytorch_model.safetensors"
    weights.write_bytes(b"weights-v2")  # same size, different bytes (new mtime)
    with pytest.raises(ModelIntegrityError, match="does not match"):
        resolve_model("gen")
    weights.write_bytes(b"short")
    with pytest.raises(ModelIntegrityError):
        resolve_model("gen")
    assert not verify_model("gen").ok


def test_verified_files_are_not_rehashed(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = env / "resources" / "models" / "gen"
    write_manifest_file(env / "models_manifest.json", [manifest_entry_for_folder(folder, "gen", licence="MIT")])
    resolve_model("gen")
    calls = []
    real = model_files.sha256_file
    monkeypatch.setattr(model_files, "sha256_file", lambda p: calls.append(p) or real(p))
    resolve_model("gen")
    assert calls == []
    verify_model("gen")  # explicit verify always re-hashes
    assert len(calls) == 4


def test_unknown_and_missing_models(env: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="unknown model"):
        resolve_model("nope")
    folder = env / "resources" / "models" / "gen"
    write_manifest_file(env / "models_manifest.json", [manifest_entry_for_folder(folder, "gen", licence="MIT")])
    (folder / "unet" / "config.json").unlink()
    with pytest.raises(ModelNotFoundError, match="missing"):
        resolve_model("gen")


def hub_entry(tmp_path: Path) -> ModelEntry:
    src = make_model(tmp_path / "hubsrc")
    entry = manifest_entry_for_folder(src, "hub-gen", "dfgn", "Apache-2.0", source="hf:someone/sticker-gen@abc123")
    return entry


def test_hub_model_offline_gives_the_download_hint(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_manifest_file(env / "models_manifest.json", [hub_entry(env)])
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotFoundError) as info:
        resolve_model("hub-gen")
    assert "not downloaded and the machine is offline" in str(info.value)
    assert "sticker-studio models download hub-gen" in str(info.value)


def test_hub_download_is_verified_and_a_bad_download_deleted(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub

    write_manifest_file(env / "models_manifest.json", [hub_entry(env)])
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    src = env / "hubsrc"
    corrupt = {"on": False}
    seen = []

    def fake_download(repo_id, filename, revision, local_dir):
        seen.append((repo_id, filename, revision))
        target = Path(local_dir) / filename
        target.parent.mkdir(parents=True, exist_ok=True)
        data = (src / filename).read_bytes()
        target.write_bytes(data[:-1] + b"X" if corrupt["on"] and filename.endswith(".safetensors") else data)
        return str(target)

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", fake_download)
    corrupt["on"] = True
    with pytest.raises(ModelIntegrityError, match="deleted"):
        download_model("hub-gen")
    cached = ModelManifest.load().get("hub-gen").local_folder()
    assert not (cached / "unet" / "diffusion_pytorch_model.safetensors").exists()
    corrupt["on"] = False
    progress = []
    folder = download_model("hub-gen", lambda d, t, n: progress.append((d, t, n)))
    assert folder == cached and verify_model("hub-gen").ok
    assert seen[0][0] == "someone/sticker-gen" and seen[0][2] == "abc123"
    assert progress[-1][0] == progress[-1][1]
    assert resolve_model("hub-gen", download=False) == folder


def test_add_user_model_copies_and_registers(env: Path, tmp_path: Path) -> None:
    src = make_model(tmp_path / "my-checkpoint")
    entry = add_user_model(src, "mine")
    assert entry.source == "user:models/mine" and entry.architecture == "dfgn"
    folder = resolve_model("mine")
    assert folder != src and (folder / "unet" / "diffusion_pytorch_model.safetensors").is_file()
    assert "mine" in ModelManifest.load().ids()
    assert json.loads(user_manifest_path().read_text())["models"][0]["id"] == "mine"


def test_add_bundled_script_rewrites_an_entry(env: Path) -> None:
    folder = env / "resources" / "models" / "gen"
    manifest = env / "models_manifest.json"
    manifest.write_text("[]")  # the placeholder the repository started with
    assert read_manifest_file(manifest) == []
    args = ["add-bundled", str(folder), "--id", "gen", "--licence", "MIT", "--default", "--manifest", str(manifest)]
    assert manifest_tool.main(args) == 0
    assert manifest_tool.main(args) == 0  # re-running replaces, never duplicates
    entries = read_manifest_file(manifest)
    assert [e.id for e in entries] == ["gen"] and entries[0].default
