"""Tiny, randomly initialised engine models for tests only (the app never uses random weights).

Like diffusers' pipeline tests with dummy components: the real classes at toy sizes,
saved into a temp folder with the real ``save_pretrained`` layout, and registered in a
temp manifest that the app reads through ``STICKER_STUDIO_MANIFEST`` /
``STICKER_STUDIO_RESOURCES``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

SAMPLE_SIZE = 16
TEXT_DIM = 32
GENERATOR_ID = "tiny-dfgn"
MATTING_ID = "tiny-matting"


def tiny_unet(seed: int = 0):
    from sticker_studio.engine.models.configs import dfgn_config, make_dfgn

    assert dfgn_config("tiny")["sample_size"] == SAMPLE_SIZE and dfgn_config("tiny")["cross_attention_dim"] == TEXT_DIM
    torch.manual_seed(seed)
    unet = make_dfgn("tiny")
    # the real conv_out starts at zero (a trained model's job); give it weights so outputs vary
    with torch.no_grad():
        gen = torch.Generator().manual_seed(seed)
        unet.conv_out.weight.copy_(torch.randn(unet.conv_out.weight.shape, generator=gen) * 0.05)
    return unet.eval()


def tiny_text_encoder(seed: int = 0):
    from sticker_studio.engine.models.text_encoder import TinyTextEncoder

    torch.manual_seed(seed)
    return TinyTextEncoder(width=16, num_layers=1, num_heads=2, output_dim=TEXT_DIM, max_length=8).eval()


def tiny_matting_head(seed: int = 0):
    from sticker_studio.engine.models.configs import make_matting_head

    torch.manual_seed(seed)
    return make_matting_head("tiny").eval()


def tiny_scheduler():
    from diffusers import DDIMScheduler

    return DDIMScheduler(num_train_timesteps=1000, beta_schedule="linear", beta_start=0.00085,
                         beta_end=0.012, clip_sample=True, prediction_type="epsilon")


def tiny_pipeline(seed: int = 0, with_head: bool = True):
    from sticker_studio.engine.generate.pipeline import StickerPipeline

    pipe = StickerPipeline(
        tiny_unet(seed), tiny_scheduler(), tiny_text_encoder(seed),
        tiny_matting_head(seed) if with_head else None,
        defaults={"steps": {"ddim": 3, "dpm": 2}, "fps": 10},
        model_id=GENERATOR_ID,
    )
    return pipe.to("cpu")


def write_tiny_models(resources: Path) -> tuple[Path, Path]:
    """Save a tiny generator and matting head under ``resources/models/`` and return their folders."""
    gen_dir = resources / "models" / GENERATOR_ID
    mat_dir = resources / "models" / MATTING_ID
    pipe = tiny_pipeline(with_head=False)
    pipe.save_pretrained(gen_dir)
    tiny_matting_head().save_pretrained(str(mat_dir), safe_serialization=True)
    return gen_dir, mat_dir


def write_manifest(manifest: Path, gen_dir: Path, mat_dir: Path) -> None:
    from sticker_studio.engine.store.manifest import write_manifest_file
    from sticker_studio.engine.store.user_models import manifest_entry_for_folder

    entries = [
        manifest_entry_for_folder(gen_dir, GENERATOR_ID, "dfgn", "test-only", default=True,
                                  description="random tiny generator (tests only)"),
        manifest_entry_for_folder(mat_dir, MATTING_ID, "matting-head", "test-only", default=True,
                                  description="random tiny matting head (tests only)"),
    ]
    write_manifest_file(manifest, entries)


@pytest.fixture(scope="session")
def tiny_models_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A resources folder holding the tiny models (built once per test session)."""
    root = tmp_path_factory.mktemp("tiny-resources")
    write_tiny_models(root)
    return root


@pytest.fixture()
def tiny_models_env(tiny_models_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the tiny models + a manifest listing them, wired in through the env."""
    import shutil

    resources = tmp_path / "resources"
    shutil.copytree(tiny_models_root, resources)
    manifest = tmp_path / "models_manifest.json"
    monkeypatch.setenv("STICKER_STUDIO_RESOURCES", str(resources))
    monkeypatch.setenv("STICKER_STUDIO_MANIFEST", str(manifest))
    write_manifest(manifest, resources / "models" / GENERATOR_ID, resources / "models" / MATTING_ID)
    return resources


def reference_drawing(size: int = 24, width: int | None = None, seed: int = 0) -> np.ndarray:
    """An RGBA drawing: a coloured, textured ellipse on transparency."""
    rng = np.random.default_rng(seed)
    w = width or size
    yy, xx = np.mgrid[0:size, 0:w].astype(np.float32)
    inside = ((xx - w / 2) / (0.38 * w)) ** 2 + ((yy - size / 2) / (0.38 * size)) ** 2 < 1.0
    rgba = np.zeros((size, w, 4), np.uint8)
    rgba[..., 0] = (xx * 255 / max(1, w - 1)).astype(np.uint8)
    rgba[..., 1] = rng.integers(0, 255, (size, w), dtype=np.uint8)
    rgba[..., 2] = 180
    rgba[..., 3] = np.where(inside, 255, 0).astype(np.uint8)
    return rgba
