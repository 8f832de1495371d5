"""Issue 24's matting fine-tune kit: failure families, cream-paper plates, the pack, the head init."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import ndimage

from sticker_studio.training.data import failure_kit as fk
from sticker_studio.training.data.failure_families import FAILURE_FAMILIES, render_failure_subject


def _holes(alpha: np.ndarray) -> int:
    """Transparent regions that do not touch the border (enclosed by the subject)."""
    labels, n = ndimage.label(alpha < 128)
    border = set(np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])).tolist())
    sizes = ndimage.sum(np.ones_like(alpha), labels, index=range(1, n + 1))
    return sum(1 for k in range(1, n + 1) if k not in border and sizes[k - 1] >= 4)


@pytest.mark.parametrize("family", FAILURE_FAMILIES)
def test_family_draws_a_subject_inside_the_frame(family: str) -> None:
    for seed in range(4):
        rgba = render_failure_subject(family, seed, 96)
        assert rgba.shape == (96, 96, 4) and rgba.dtype == np.uint8
        opaque = rgba[..., 3] > 128
        assert opaque.mean() > 0.004, f"{family}-{seed} is blank"  # a thin web is ~1 %
        assert not opaque[0].any() and not opaque[-1].any(), f"{family}-{seed} touches the frame"
    assert not np.array_equal(render_failure_subject(family, 1, 64), render_failure_subject(family, 2, 64))
    assert np.array_equal(render_failure_subject(family, 3, 64), render_failure_subject(family, 3, 64))


def test_rings_and_handles_have_transparent_holes() -> None:
    ring_holes = [_holes(render_failure_subject("thinring", s, 128)[..., 3]) for s in range(16)]
    handle_holes = [_holes(render_failure_subject("handled", s, 128)[..., 3]) for s in range(12)]
    assert sum(h > 0 for h in ring_holes) >= 8, ring_holes   # rings, buoys, pretzels, webs, links, pins
    assert max(ring_holes) >= 3  # a pretzel's or a web's several holes
    assert sum(h > 0 for h in handle_holes) >= 6, handle_holes  # the gap under a handle is background


def test_pale_subjects_are_pale_and_animals_black_and_white() -> None:
    for seed in range(6):
        rgba = render_failure_subject("pale", seed, 96)
        body = rgba[rgba[..., 3] > 250][:, :3].astype(float).mean(axis=1)
        assert np.median(body) > 190, f"pale-{seed} median {np.median(body)}"
        rgba = render_failure_subject("bwanimal", seed, 96)
        lum = rgba[rgba[..., 3] > 250][:, :3].astype(float).mean(axis=1)
        assert (lum < 80).mean() > 0.02 and (lum > 195).mean() > 0.05, f"bwanimal-{seed}"


def test_cream_plates_and_forced_jpeg() -> None:
    rng = np.random.default_rng(0)
    paper = fk.cream_paper(rng, 96)
    assert paper.shape == (96, 96, 3) and paper.dtype == np.uint8
    mean = paper.reshape(-1, 3).mean(axis=0)
    assert mean.min() > 200 and mean[2] <= mean[0] + 3  # off-white / cream, not blue
    assert paper.astype(float).std() > 1.0  # textured, not flat
    subject = render_failure_subject("pale", 0, 48)[None].repeat(2, axis=0)
    clip = fk.make_failure_clip(subject, "cream-jpeg", np.random.default_rng(1))
    clean = fk.composite(subject, clip.plate[None])
    assert clip.composite.shape == clean.shape and not np.array_equal(clip.composite, clean)  # JPEG'd
    assert np.array_equal(clip.alpha, subject[..., 3])
    assert np.abs(clip.composite.astype(int) - clean.astype(int)).mean() < 6  # noise, not a different image


def test_jobs_mix_sources_and_use_only_fluent_and_noto_art() -> None:
    spec = fk.FailureKitSpec(clips=40, old_share=0.25, art_share=0.25)
    jobs = fk.failure_jobs(spec, np.random.default_rng(0))
    kinds = [s.split(":")[0] for s, _ in jobs]
    assert len(jobs) == 40 and kinds.count("drawn") == 10 and kinds.count("art") == 10
    assert kinds.count("failure") == 20
    assert {s.split(":")[1] for s, _ in jobs if s.startswith("art")} <= {"fluent-emoji-flat", "noto"}
    assert {s.split(":")[1] for s, _ in jobs if s.startswith("failure")} == set(FAILURE_FAMILIES)


def test_build_failure_pack_is_a_training_pack(tmp_path: Path) -> None:
    from sticker_studio.training.data.matting_pack import load_pack

    out = fk.build_failure_pack(tmp_path / "kit", fk.FailureKitSpec(clips=6, size=48, frames=2), progress=False)
    arrays, meta = load_pack(out)
    assert len(meta) == 6 and arrays["composite"].shape == (6, 2, 48, 48, 3)
    assert arrays["prior"].shape == (6, 2, 48, 48, 3) and arrays["alpha"].max() == 255


def test_matting_fine_tune_starts_from_the_bundled_weights() -> None:
    torch = pytest.importorskip("torch")
    from sticker_studio.core.errors import InvalidInputError
    from sticker_studio.training.matting.train import build_matting_head, load_head_weights

    folder = Path(__file__).resolve().parents[1] / "resources" / "models" / "matting-head"
    model = build_matting_head("layout-direct")
    load_head_weights(model, folder)
    from safetensors.torch import load_file

    shipped = load_file(str(next(folder.glob("*.safetensors"))))
    name = next(iter(shipped))
    assert torch.allclose(model.state_dict()[name], shipped[name].float())
    with pytest.raises(InvalidInputError):
        load_head_weights(build_matting_head("tiny"), folder)


def test_cli_failure_pack_then_fine_tune_from_the_bundled_head(tmp_path: Path, capsys) -> None:
    """`data matting-pack --mix failures` then `train matting --init`: a fine-tune of the shipped head."""
    from sticker_studio.cli import main

    kit, run = tmp_path / "kit", tmp_path / "run"
    assert main(["data", "matting-pack", "--mix", "failures", "--out", str(kit), "--clips", "3", "--size", "48",
                 "--frames", "2", "--quiet"]) == 0
    assert "packed 3 clips" in capsys.readouterr().out
    assert main(["data", "matting-pack", "--mix", "failures", "--split", "test", "--out", str(tmp_path / "t"),
                 "--clips", "1", "--quiet"]) == 2  # a training mix only
    head = Path(__file__).resolve().parents[1] / "resources" / "models" / "matting-head"
    assert main(["train", "matting", "--kit", str(kit), "--out", str(run), "--config", "layout-direct",
                 "--init", str(head), "--steps", "1", "--batch", "1", "--lr", "1e-9", "--no-progress"]) == 0
    import json

    first = json.loads((run / "loss.jsonl").read_text().splitlines()[0])
    assert first["alpha"] < 0.2  # the trained head's loss (~0.02 here), not a random init's (~0.5)
