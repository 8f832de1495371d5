"""Tampered or unlisted weights never load; unverified folders are checked before allocating."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from engine_fixtures import GENERATOR_ID, MATTING_ID, tiny_models_env, tiny_models_root  # noqa: F401
from sticker_studio.cli import main
from sticker_studio.core.errors import InvalidInputError, ModelError, ModelIntegrityError
from sticker_studio.engine.store import folder as model_folder
from sticker_studio.engine.store.hub import resolve_model
from sticker_studio.engine.store.user_models import add_user_model


def _weights(resources: Path) -> Path:
    return resources / "models" / MATTING_ID / "diffusion_pytorch_model.safetensors"


def test_rewritten_bytes_with_restored_mtime_are_caught(tiny_models_env: Path) -> None:  # noqa: F811
    assert resolve_model(MATTING_ID) is not None  # verified once: now in the cache
    weights = _weights(tiny_models_env)
    st = weights.stat()
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF  # same size, different bytes
    weights.write_bytes(bytes(data))
    os.utime(weights, ns=(st.st_atime_ns, st.st_mtime_ns))  # put the old mtime back
    assert weights.stat().st_mtime_ns == st.st_mtime_ns and weights.stat().st_size == st.st_size
    with pytest.raises(ModelIntegrityError, match="does not match"):
        resolve_model(MATTING_ID)


def test_unlisted_shard_index_beside_the_weights_is_refused(tiny_models_env: Path) -> None:  # noqa: F811
    folder = tiny_models_env / "models" / MATTING_ID
    shard = folder / "diffusion_pytorch_model-00001-of-00001.safetensors"
    shutil.copy(folder / "diffusion_pytorch_model.safetensors", shard)
    (folder / "diffusion_pytorch_model.safetensors.index.json").write_text(
        json.dumps({"metadata": {}, "weight_map": {"x": shard.name}}))
    with pytest.raises(ModelIntegrityError, match="not in the manifest"):
        resolve_model(MATTING_ID)
    # a listed file may not be a link out of the folder either
    (folder / "diffusion_pytorch_model.safetensors.index.json").unlink()
    shard.unlink()
    outside = tiny_models_env / "elsewhere.safetensors"
    shutil.move(folder / "diffusion_pytorch_model.safetensors", outside)
    (folder / "diffusion_pytorch_model.safetensors").symlink_to(outside)
    with pytest.raises(ModelIntegrityError, match="inside the model folder"):
        resolve_model(MATTING_ID)


def test_text_encoder_config_may_not_point_elsewhere(tmp_path: Path) -> None:
    folder = tmp_path / "text_encoder"
    folder.mkdir()
    for config, match in [
        ({"type": "tiny", "pretrained_path": str(tmp_path)}, "may not set pretrained_path"),
        ({"type": "minilm-l6-v2", "model_dir": "/etc"}, "may not set model_dir"),
        ({"type": "evil"}, "unknown text encoder type"),
        ({"type": "tiny", "width": 16}, "needs its weights"),  # never random init, never .bin
    ]:
        (folder / "config.json").write_text(json.dumps(config))
        (folder / "diffusion_pytorch_model.bin").write_bytes(b"pickle")
        with pytest.raises(ModelError, match=match):
            model_folder.load_text_encoder_from(folder, None)


def test_unverified_folder_only_safetensors_and_json(tiny_models_env: Path, tmp_path: Path,  # noqa: F811
                                                     caplog: pytest.LogCaptureFixture) -> None:
    from sticker_studio.engine.matting.matte import load_matting_head

    src = tmp_path / "head"
    shutil.copytree(tiny_models_env / "models" / MATTING_ID, src)
    with caplog.at_level("WARNING", logger="sticker_studio"):
        load_matting_head(src)
        load_matting_head(src)
    assert sum("is unverified" in r.getMessage() for r in caplog.records) == 1  # said once
    (src / "extra.bin").write_bytes(b"pickle")
    with pytest.raises(InvalidInputError, match="extra.bin is not allowed"):
        load_matting_head(src)
    with pytest.raises(InvalidInputError, match="extra.bin is not allowed"):
        add_user_model(src, "mine")


def test_absurd_config_is_refused_before_allocating(tiny_models_env: Path, tmp_path: Path,  # noqa: F811
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    src = tmp_path / "huge"
    shutil.copytree(tiny_models_env / "models" / MATTING_ID, src)
    config = json.loads((src / "config.json").read_text())
    config["encoder_channels"] = [100_000, 200_000, 300_000, 400_000]  # terabytes of parameters
    (src / "config.json").write_text(json.dumps(config))
    assert main(["models", "add", str(src), "--id", "huge"]) == 2
    err = capsys.readouterr().err
    assert "parameters" in err and "refusing" in err and len(err.strip().splitlines()) == 1
    from sticker_studio.engine.matting.matte import load_matting_head

    with pytest.raises(ModelError, match="parameters"):
        load_matting_head(src)


def test_manifest_with_wrong_types_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "models_manifest.json"
    monkeypatch.setenv("STICKER_STUDIO_MANIFEST", str(manifest))
    good = {"id": "m", "architecture": "dfgn", "source": "bundled:resources/models/m",
            "files": [{"path": "a.json", "sha256": "0" * 64, "size": 1}]}
    bad_variants = [
        {"schema": "one", "models": []},
        {"schema": 1, "models": 5},
        {"schema": 1, "models": [["not", "an", "object"]]},
        {"schema": 1, "models": [{**good, "files": "abc"}]},
        {"schema": 1, "models": [{**good, "files": [{"path": "a", "sha256": "0" * 64, "size": "big"}]}]},
        {"schema": 1, "models": [{**good, "files": [{"path": "../../x", "sha256": "0" * 64, "size": 1}]}]},
        {"schema": 1, "models": [{**good, "tasks": "t2v"}]},
        {"schema": 1, "models": [{**good, "default": "yes"}]},
        {"schema": 1, "models": [{**good, "id": 7}]},
    ]
    for data in bad_variants:
        manifest.write_text(json.dumps(data))
        assert main(["models", "list"]) == 2, data
        err = capsys.readouterr().err.strip().splitlines()
        assert len(err) == 1 and err[0].startswith("sticker-studio: error:"), (data, err)


def test_saved_index_naming_the_old_matting_module_still_loads() -> None:
    from sticker_studio.engine.models.matting_head import MattingHead

    old_spec = ["sticker_studio.engine.models.matting", "MattingHead"]  # as pipelines saved it before the rename
    assert model_folder.import_class(old_spec, "matting head") is MattingHead
