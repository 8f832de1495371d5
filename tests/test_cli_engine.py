"""`generate`, `matte`, `models` and `bench engine` through the real CLI entry point."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from engine_fixtures import GENERATOR_ID, MATTING_ID, reference_drawing, tiny_models_env, tiny_models_root  # noqa: F401
from sticker_studio.cli import main


def test_generate_same_seed_gives_identical_files(tiny_models_env: Path, tmp_path: Path, capsys) -> None:  # noqa: F811
    args = [
        "generate",
        "a happy cat",
        "--mode",
        "t2v",
        "--frames",
        "4",
        "--steps",
        "2",
        "--size",
        "32",
        "--seed",
        "7",
        "--quiet",
    ]
    assert main(args + ["-o", str(tmp_path / "a.png")]) == 0
    assert main(args + ["-o", str(tmp_path / "b.png")]) == 0
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()
    text = capsys.readouterr().out
    assert "wrote" in text and "experimental" in text  # t2v has not cleared its quality bar
    from sticker_studio.formats.readers import read_sticker

    out = read_sticker(tmp_path / "a.png")
    assert out.frame_count == 4 and out.size == (32, 32)


def test_generate_from_an_image(tiny_models_env: Path, tmp_path: Path) -> None:  # noqa: F811
    from PIL import Image

    Image.fromarray(reference_drawing(40)).save(tmp_path / "ref.png")
    out = tmp_path / "anim.webp"
    assert main(["generate", "--image", str(tmp_path / "ref.png"), "--frames", "4", "--steps", "1",
                 "--scheduler", "dpm", "--seed", "1", "--quiet", "-o", str(out)]) == 0
    from sticker_studio.formats.readers import read_sticker

    sticker = read_sticker(out)
    assert sticker.frame_count == 4 and sticker.size == (512, 512)  # motion transfer to the default size


def test_generate_offline_with_a_missing_model_exits_2_with_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    manifest = tmp_path / "models_manifest.json"
    manifest.write_text(json.dumps({"schema": 1, "models": [{
        "id": "big-gen", "architecture": "sti-unet", "tasks": ["t2v"], "source": "hf:someone/big@v1",
        "files": [{"path": "model_index.json", "sha256": "0" * 64, "size": 10}],
        "licence": "Apache-2.0", "description": "", "default": True}]}))
    monkeypatch.setenv("STICKER_STUDIO_MANIFEST", str(manifest))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert main(["generate", "a cat", "--mode", "t2v", "-o", str(tmp_path / "x.webp")]) == 2
    err = capsys.readouterr().err
    assert "model big-gen is not downloaded and the machine is offline" in err
    assert "sticker-studio models download big-gen" in err
    assert "Traceback" not in err and not (tmp_path / "x.webp").exists()


def test_generate_with_no_models_at_all_fails_clearly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    monkeypatch.setenv("STICKER_STUDIO_MANIFEST", str(tmp_path / "empty.json"))
    assert main(["generate", "a cat", "--mode", "t2v", "-o", str(tmp_path / "x.webp")]) == 2
    assert "no generator model is installed" in capsys.readouterr().err


def test_matte_gives_alpha_back(tiny_models_env: Path, tmp_path: Path) -> None:  # noqa: F811
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.formats.readers import read_sticker
    from sticker_studio.formats.writers import write_sticker

    rgba = reference_drawing(32)
    flat = rgba.copy()
    flat[..., :3] = np.where(rgba[..., 3:4] > 0, rgba[..., :3], 255)
    flat[..., 3] = 255
    shifted = np.roll(flat, 2, axis=1)
    write_sticker(Sticker.from_frames([flat, shifted], fps=10), tmp_path / "flat.png")
    for extra in ([], ["--colorkey"]):
        out = tmp_path / f"matted{len(extra)}.png"
        assert main(["matte", str(tmp_path / "flat.png"), "-o", str(out), *extra]) == 0
        matted = read_sticker(out)
        assert matted.frame_count == 2 and matted.size == (32, 32)
    corner = read_sticker(tmp_path / "matted1.png").frames[0][0, 0, 3]
    assert corner == 0  # the colour key clears the white border


def test_models_list_verify_add(tiny_models_env: Path, tmp_path: Path, capsys) -> None:  # noqa: F811
    assert main(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert GENERATOR_ID in out and MATTING_ID in out and "bundled" in out
    assert main(["models", "verify"]) == 0
    assert f"{GENERATOR_ID}: OK" in capsys.readouterr().out
    assert main(["models", "add", str(tiny_models_env / "models" / GENERATOR_ID), "--id", "my-gen"]) == 0
    assert "added my-gen" in capsys.readouterr().out
    assert main(["models", "verify", "my-gen"]) == 0
    weights = tiny_models_env / "models" / GENERATOR_ID / "unet" / "diffusion_pytorch_model.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    assert main(["models", "verify", GENERATOR_ID]) == 2
    assert "FAILED" in capsys.readouterr().out
    assert main(["generate", "x", "--task", "t2v", "--quiet", "-o", str(tmp_path / "t.png")]) == 2
    assert "does not match the manifest" in capsys.readouterr().err


def test_bench_engine_prints_stages(tiny_models_env: Path, capsys) -> None:  # noqa: F811
    assert main(["bench", "engine", "--frames", "4", "--steps", "1", "--repeats", "1", "--no-compile"]) == 0
    out = capsys.readouterr().out
    for stage in ("device:", "load:", "text_encode", "sampling_per_step", "matting", "motion_transfer", "per sticker"):
        assert stage in out
