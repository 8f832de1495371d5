"""Eval metrics by hand, and `sticker-studio eval` end to end on tiny models and data."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sticker_studio.training.eval import metrics as eval_metrics
from test_training import disc_clip, make_tiny_dataset


# ----------------------------------------------------------------------------- metrics
def test_alpha_psnr_and_ssim() -> None:
    a = np.zeros((2, 16, 16))
    a[:, 4:12, 4:12] = 1.0
    assert eval_metrics.alpha_psnr(a, a) == 60.0
    b = a + 0.1
    assert eval_metrics.alpha_psnr(b, a) == pytest.approx(20.0)
    assert eval_metrics.alpha_ssim(a, a) == pytest.approx(1.0)
    noisy = np.clip(a + np.random.default_rng(0).normal(0, 0.3, a.shape), 0, 1)
    assert eval_metrics.alpha_ssim(noisy, a) < 0.8


def test_flicker_is_relative_to_the_truth() -> None:
    truth = np.zeros((4, 8, 8))
    truth[1::2] = 0.5  # changes by 0.5 every frame
    assert eval_metrics.flicker_ratio(truth, truth) == pytest.approx(1.0)
    assert eval_metrics.temporal_alpha_error(truth, truth) == 0.0
    steady = np.zeros((4, 8, 8))
    assert eval_metrics.flicker_ratio(steady, truth) == 0.0
    ramp = np.linspace(0, 0.3, 4)[:, None, None] * np.ones((4, 8, 8))
    jitter = ramp + np.array([0, 0.2, 0, 0.2])[:, None, None]
    assert eval_metrics.flicker_ratio(jitter, ramp) == pytest.approx(0.7 / 0.3)
    assert eval_metrics.temporal_alpha_error(jitter, ramp) == pytest.approx(0.2)
    still = np.zeros((3, 8, 8))
    assert eval_metrics.flicker_ratio(still, still) == 1.0


def test_motion_words_and_adherence() -> None:
    assert eval_metrics.motion_in_prompt("cartoon\ta red ball Bouncing happily") == "bounce"
    assert eval_metrics.motion_in_prompt("a calm cat") is None
    bounce = np.stack(disc_clip((200, 30, 30), 8, 64, "bounce").frames)
    pulse = np.stack(disc_clip((200, 30, 30), 8, 64, "pulse").frames)
    assert eval_metrics.motion_matches(bounce, "bounce").matches
    assert not eval_metrics.motion_matches(bounce, "spin").matches
    assert eval_metrics.motion_matches(pulse, "pulse").matches


def test_frechet_distance_and_features() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 4))
    assert eval_metrics.frechet_distance(x, x) == pytest.approx(0.0, abs=1e-3)
    assert eval_metrics.frechet_distance(x, x + 2.0) == pytest.approx(16.0, rel=0.05)
    feats = eval_metrics.RandomConvFeatures()
    clip = np.stack(disc_clip((200, 30, 30), 6, 32, "bounce").frames)[..., :3]
    f1 = feats.clip_features(clip)
    assert f1.ndim == 1 and np.all(np.isfinite(f1))
    assert np.allclose(f1, eval_metrics.RandomConvFeatures().clip_features(clip))  # fixed seed: deterministic
    assert eval_metrics.frame_psnr(clip[0], clip[0]) == 99.0
    assert 0.0 < eval_metrics.frame_consistency(clip) < 1.0


# ----------------------------------------------------------------------------- end to end
@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A tiny dataset, a generator and a matting head trained for a few steps via the CLI."""
    from sticker_studio.cli import main

    root = tmp_path_factory.mktemp("eval")
    data = make_tiny_dataset(root / "data", n=6)
    assert main(["train", "generator", "--data", str(data), "--config", "tiny", "--out", str(root / "gen"),
                 "--steps", "2", "--batch", "2", "--threads", "1", "--export", str(root / "gen-export"),
                 "--no-progress"]) == 0
    assert main(["train", "matting", "--data", str(data), "--config", "tiny", "--out", str(root / "mat"),
                 "--steps", "2", "--batch", "2", "--frames", "3", "--crop", "32", "--threads", "1",
                 "--export", str(root / "mat-export"), "--no-progress"]) == 0
    assert main(["train", "matting", "--data", str(data), "--config", "tiny", "--temporal-depth", "0",
                 "--out", str(root / "mat0"), "--steps", "1", "--batch", "1", "--frames", "2", "--crop", "32",
                 "--threads", "1", "--export", str(root / "mat0-export"), "--no-progress"]) == 0
    return {"data": data, "gen": root / "gen-export", "mat": root / "mat-export", "mat0": root / "mat0-export",
            "root": root}


def test_eval_matting_table(trained: dict[str, Path]) -> None:
    from sticker_studio.cli import main

    out = trained["root"] / "matting.md"
    assert main(["eval", "matting", "--data", str(trained["data"]), "--model", str(trained["mat"]),
                 "--baseline", str(trained["mat0"]), "--max-clips", "2", "--threads", "1",
                 "--out", str(out)]) == 0
    table = out.read_text()
    assert "colour key" in table and "per-frame head (temporal_depth=0, 1 steps)" in table
    assert "temporal head (temporal_depth=2, 2 steps)" in table
    rows = [line for line in table.splitlines() if line.startswith("| ") and "dB" not in line]
    assert len(rows) >= 6  # three methods × pale and white
    for row in rows:
        psnr = float(row.split("|")[4])
        assert 0.0 < psnr <= 60.0


def test_eval_matting_colour_key_is_exact_on_flat_colour_without_white_parts(tmp_path: Path) -> None:
    from sticker_studio.training.eval import evaluate

    plain = make_tiny_dataset(tmp_path / "plain", n=6, white_half=False)
    report = evaluate.evaluate_matting([plain], {"colour key": None}, max_clips=2, timing=False)
    assert {r.background for r in report.rows} == {"pale", "white"}
    assert all(r.psnr > 25 and r.ssim > 0.95 for r in report.rows)
    halves = make_tiny_dataset(tmp_path / "halves", n=6, white_half=True)
    report = evaluate.evaluate_matting([halves], {"colour key": None}, max_clips=2, timing=False)
    hard = next(r for r in report.rows if r.background == "white, subjects with white parts")
    assert hard.psnr < 15  # the key floods the white half: the case a learned head is for


def test_eval_generator_table(trained: dict[str, Path]) -> None:
    from sticker_studio.cli import main

    out = trained["root"] / "gen.md"
    adherence = trained["root"] / "motion_adherence.json"
    assert main(["eval", "generator", "--data", str(trained["data"]), "--model", str(trained["gen"]),
                 "--max-clips", "2", "--per-motion", "1", "--steps", "2", "--threads", "1", "--out", str(out),
                 "--adherence-out", str(adherence)]) == 0
    table = out.read_text()
    assert "motion adherence" in table and "FD-proxy" in table and "frame-0 fidelity" in table
    assert "loop seam, loop task" in table and "loop seam, real held-out clips" in table
    checks = [line for line in table.splitlines() if line.startswith("- ")]
    assert len(checks) == 8 and all("→" in line for line in checks)
    import json

    data = json.loads(adherence.read_text())
    assert set(data["motions"]) == set(evaluate_module().ADHERENCE_MOTIONS)
    from sticker_studio.engine.generate.motion_choice import read_motion_adherence  # the two-stage path's reader

    read = read_motion_adherence(trained["root"])
    assert read is not None and set(read.motions) == set(data["motions"])


def evaluate_module():
    from sticker_studio.training.eval import evaluate

    return evaluate


def test_loop_seam_is_one_for_a_cycle_and_large_for_a_jump() -> None:
    from sticker_studio.training.eval import metrics as eval_metrics

    ramp = np.stack([np.full((4, 4, 3), v, np.uint8) for v in (0, 40, 80, 120, 80, 40)])
    assert eval_metrics.loop_seam(ramp) == pytest.approx(1.0)       # 40 → 0 is an ordinary step
    jump = np.stack([np.full((4, 4, 3), v, np.uint8) for v in (0, 20, 40, 60, 80, 100)])
    assert eval_metrics.loop_seam(jump) == pytest.approx(5.0)       # 100 → 0 is five steps at once
    still = np.zeros((3, 4, 4, 3), np.uint8)
    assert eval_metrics.loop_seam(still) == 1.0
