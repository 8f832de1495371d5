"""The offline GPU training kit, on the CPU: pack a tiny kit, train from it without a text
encoder, export a generator folder the pipeline loads."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
import torch

from test_training import make_tiny_dataset


def fake_wheels(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in ("diffusers-0.0.0-py3-none-any.whl", "importlib_metadata-0.0.0-py3-none-any.whl"):
        with zipfile.ZipFile(folder / name, "w") as z:
            z.writestr("placeholder.txt", "test wheel")
    return folder


def test_int8_text_states_round_trip_closely() -> None:
    from sticker_studio.training.kits.generator_kit import dequantize_states, quantize_states

    h = torch.randn(7, 384)
    q, s = quantize_states(h)
    assert q.dtype == torch.int8 and s.dtype == torch.float16
    assert float((dequantize_states(q, s).float() - h).abs().max()) < float(h.abs().max()) / 100


def test_pack_then_train_from_kit_with_no_text_encoder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine_fixtures import tiny_text_encoder
    from sticker_studio.engine.models import text_encoder as te
    from sticker_studio.training.kits import generator_kit as gpu_kit
    from sticker_studio.training.kits.generator_runner import train_from_kit

    data = make_tiny_dataset(tmp_path / "data", n=8, size=32)
    kit = tmp_path / "kit"
    summary = gpu_kit.pack_kit([data], kit, wheels_dir=fake_wheels(tmp_path / "wheels"), size=16,
                               frames_per_clip=6, encoder=tiny_text_encoder(), budget_bytes=2 * 1024 * 1024)
    from sticker_studio.training.data.dataset import read_index

    train = sum(r.split == "train" for r in read_index(data))
    assert summary.clips == train and summary.bytes <= 2 * 1024 * 1024
    names = {p.name for p in kit.iterdir()}
    assert {"kit.json", "frames.npz", "text.safetensors", "text.json", "train.sh", "wheels",
            "sticker_studio.zip"} <= names
    with zipfile.ZipFile(kit / "sticker_studio.zip") as z:
        assert "sticker_studio/training/kits/generator_kit.py" in z.namelist()
    assert "-m sticker_studio.training.kits.generator_runner train" in (kit / "train.sh").read_text()
    info = json.loads((kit / "kit.json").read_text())
    assert info["size"] == 16 and info["clips"] == train

    # the GPU side has no text encoder: building one must not happen
    def no_encoder(*args, **kwargs):
        raise AssertionError("the kit must not need a text encoder")

    monkeypatch.setattr(te, "load_text_encoder", no_encoder)
    monkeypatch.setattr(te, "minilm_model_dir", no_encoder)
    result = train_from_kit(kit, tmp_path / "run", minutes=5, model_config="tiny",
                                    extra={"steps": 3, "batch_size": 2, "warmup_steps": 1, "threads": 1},
                                    device="cpu")
    assert result.steps == 3 and result.exported is not None
    export = Path(result.exported)
    assert (export / "model_index.json").is_file()
    assert list((export / "unet").glob("*.safetensors"))
    saved = json.loads((export / "text_encoder" / "config.json").read_text())
    assert saved.get("output_dim") == info["text_encoder"]["output_dim"] == 32  # the kit's encoder, recorded


def test_kit_refuses_a_model_of_another_size(tmp_path: Path) -> None:
    from engine_fixtures import tiny_text_encoder
    from sticker_studio.core.errors import InvalidInputError
    from sticker_studio.training.data.clips import ClipConfig
    from sticker_studio.training.kits import generator_kit as gpu_kit

    data = make_tiny_dataset(tmp_path / "data", n=4, size=32)
    kit = tmp_path / "kit"
    gpu_kit.pack_kit([data], kit, wheels_dir=fake_wheels(tmp_path / "wheels"), size=16, frames_per_clip=4,
                     encoder=tiny_text_encoder())
    with pytest.raises(InvalidInputError, match="16 px"):
        gpu_kit.load_kit_dataset(kit, ClipConfig(size=32))
