"""Generator training end to end on the tiny config: clips, masks, loss mask, resume, export."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
import torch

from sticker_studio.core.sticker import Sticker
from sticker_studio.training.data.dataset import DatasetMeta, DatasetRecord, clip_path_for, write_clip, write_index

COLOURS = {"red": (230, 40, 40), "blue": (40, 80, 230), "green": (40, 200, 80), "yellow": (240, 210, 40),
           "purple": (150, 60, 200), "orange": (250, 140, 30), "pink": (240, 120, 190), "teal": (30, 170, 170)}
MOTIONS = ("bounce", "pulse", "shake")


def disc_clip(colour: tuple[int, int, int], frames: int, size: int, motion: str, white_half: bool = True) -> Sticker:
    """A disc (left half white) moving by ``motion``: real alpha, real motion, tiny."""
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    out = []
    for t in range(frames):
        phase = 2 * np.pi * t / frames
        cx, cy, r = size / 2, size / 2, size * 0.28
        if motion == "bounce":
            cy += size * 0.15 * np.sin(phase)
        elif motion == "pulse":
            r *= 1 + 0.25 * np.sin(phase)
        else:
            cx += size * 0.15 * np.sin(3 * phase)
        inside = ((xs - cx) ** 2 + (ys - cy) ** 2) <= r * r
        frame = np.zeros((size, size, 4), np.uint8)
        frame[inside, :3] = colour
        frame[inside, 3] = 255
        if white_half:
            frame[inside & (xs < cx), :3] = 255
        out.append(frame)
    return Sticker.from_frames(out, fps=10)


def make_tiny_dataset(root: Path, n: int = 8, size: int = 32, white_half: bool = True) -> Path:
    """A dataset folder of ``n`` small RGBA clips (last two subjects held out as val/test)."""
    records = []
    names = list(COLOURS)
    for i in range(n):
        colour, motion = names[i % len(names)], MOTIONS[i % len(MOTIONS)]
        frames = 5 + (i % 4) * 2
        rid = f"tiny-{i:03d}"
        write_clip(root, clip_path_for(rid), disc_clip(COLOURS[colour], frames, size, motion, white_half))
        split = "test" if i >= n - 2 else ("val" if i == n - 3 else "train")
        verb = {"bounce": "bouncing", "pulse": "pulsing", "shake": "shaking"}[motion]
        desc = f"a {colour} ball {verb}"
        records.append(DatasetRecord(
            id=rid, path=clip_path_for(rid), caption=f"cartoon\t{desc}", domain="cartoon", description=desc,
            trigger_words=[colour, verb], motion=motion, frame_count=frames, fps=10.0, width=size, height=size,
            subject=f"{colour} ball", split=split, source="synth", license="MIT",
            extra={"keyframes": {"3": [0, 2, frames - 1]}}))
    write_index(root, records, DatasetMeta(name="tiny", sources=[{"name": "test", "license": "MIT", "url": ""}]))
    return root


@pytest.fixture()
def tiny_data(tmp_path: Path) -> Path:
    return make_tiny_dataset(tmp_path / "data")


def tiny_config(data: Path, out: Path, **kw):
    from sticker_studio.training.generator.train import GeneratorTrainConfig

    base = dict(data=[str(data)], out=str(out), model_config="tiny", steps=4, batch_size=2, warmup_steps=2,
                checkpoint_every=0, log_every=1, progress=False, cache_dir=str(out.parent / "cache"), threads=1)
    base.update(kw)
    return GeneratorTrainConfig(**base)


# ----------------------------------------------------------------------------- clips
def test_clip_samples_pad_with_a_loss_mask_and_drop_words(tiny_data: Path) -> None:
    from sticker_studio.training.data.clips import ClipConfig, ClipDataset, collate, pingpong_order

    ds = ClipDataset([tiny_data], config=ClipConfig(size=16, pingpong_prob=0.0, keyframe_prob=0.0,
                                                    empty_text_prob=0.0))
    assert len(ds) == 5 and all(r.split == "train" for r in ds.records)
    short = next(i for i, r in enumerate(ds.records) if r.frame_count == 5)
    sample = ds.sample(short, random.Random(0))
    assert sample.frames.shape == (8, 3, 16, 16)
    assert sample.valid.tolist() == [1, 1, 1, 1, 1, 0, 0, 0]
    assert torch.all(sample.frames[5:] == 0)
    assert sample.frames[:5].min() >= -1 and sample.frames[:5].max() <= 1
    # composited on white: the corner (transparent) is white = +1
    assert torch.allclose(sample.frames[0, :, 0, 0], torch.ones(3))
    frames, valid, captions, _ = collate([ds.sample(i, random.Random(i)) for i in range(len(ds))])
    assert frames.shape == (5, 3, 8, 16, 16) and valid.shape == (5, 8)
    assert pingpong_order(3, 8) == [0, 1, 2, 1, 0, 1, 2, 1]
    variants = ds.variants[ds.records[0].caption]
    # natural phrasing as users type it: no "domain\t" prefix, an article, word dropout in some
    from sticker_studio.engine.generate.prompts import natural_phrasings

    assert variants[0] == natural_phrasings(ds.records[0].caption)[0] and any("#" in v for v in variants[1:])
    assert not any("\t" in v for v in variants) and variants[0].split()[0] in ("a", "an", "the")


def test_keyframes_are_used_when_stored(tiny_data: Path) -> None:
    from sticker_studio.training.data.clips import ClipConfig, ClipDataset

    ds = ClipDataset([tiny_data], config=ClipConfig(size=16, keyframe_prob=1.0))
    picks = ds.choose_frames(0, random.Random(1))
    assert len(picks) == 3 and picks == sorted(picks)


def test_loop_closing_appends_frame_zero() -> None:
    from sticker_studio.training.generator.train import apply_loop_closing

    frames = torch.arange(2 * 1 * 4).float().view(2, 1, 4, 1, 1)
    valid = torch.tensor([[1, 1, 0, 0], [1, 1, 1, 1]]).float()
    out, v = apply_loop_closing(frames, valid)
    assert out[0, 0, 2, 0, 0] == out[0, 0, 0, 0, 0] and v[0].tolist() == [1, 1, 1, 0]
    assert out[1, 0, 3, 0, 0] == out[1, 0, 0, 0, 0] and v[1].tolist() == [1, 1, 1, 1]


# ----------------------------------------------------------------------------- loss mask
def test_loss_mask_gives_padded_frames_no_gradient() -> None:
    from sticker_studio.training.generator.train import masked_mse

    torch.manual_seed(0)
    pred = torch.randn(2, 3, 6, 4, 4, requires_grad=True)
    target = torch.randn(2, 3, 6, 4, 4)
    valid = torch.tensor([[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 0]]).float()
    loss = masked_mse(pred, target, valid)
    loss.backward()
    assert torch.all(pred.grad[0, :, 3:] == 0) and torch.all(pred.grad[1, :, 5:] == 0)
    assert torch.all(pred.grad[0, :, :3].abs().sum() > 0)
    # the padded frames' targets do not matter at all
    other = target.clone()
    other[0, :, 3:] = 100.0
    assert torch.allclose(masked_mse(pred, other, valid), loss)
    # normalised over real frames: a perfect real part gives zero loss
    assert masked_mse(target.clone(), target, valid).item() == 0.0


def test_loss_mask_zeroes_parameter_gradient_from_padding(tiny_data: Path, tmp_path: Path) -> None:
    """Through the real DFGN: changing what padded frames should be changes no gradient."""
    from sticker_studio.engine.generate.tasks import Task
    from sticker_studio.training.data.clips import ClipConfig, ClipDataset, TextEmbeddingCache
    from sticker_studio.training.generator.train import (
        build_generator,
        build_text_encoder,
        generator_loss,
        make_batch,
        make_noise_scheduler,
        text_encoder_config_for,
    )

    cfg = tiny_config(tiny_data, tmp_path / "run")
    torch.manual_seed(0)
    model = build_generator("tiny")
    ds = ClipDataset([tiny_data], config=ClipConfig(size=16, pingpong_prob=0.0, keyframe_prob=0.0))
    text = TextEmbeddingCache(build_text_encoder(text_encoder_config_for(model, None), 0), torch.device("cpu"))
    sched = make_noise_scheduler(cfg.noise_schedule)
    batch = make_batch(ds, sched, cfg, Task.IMAGE_TO_ANIMATION, random.Random(3), torch.Generator().manual_seed(3))
    assert (batch.valid == 0).any(), "the tiny set has short clips, so some frames are padding"

    def grads(b):
        model.zero_grad()
        generator_loss(model, b, text, torch.device("cpu"), None).backward()
        return [p.grad.clone() for p in model.parameters() if p.grad is not None]

    g1 = grads(batch)
    pad = (batch.valid == 0)[:, None, :, None, None].expand_as(batch.target)
    batch.target = torch.where(pad, torch.full_like(batch.target, 7.0), batch.target)
    g2 = grads(batch)
    assert all(torch.allclose(a, b) for a, b in zip(g1, g2, strict=False))


# ----------------------------------------------------------------------------- train / resume / export
def test_train_cli_end_to_end(tiny_data: Path, tmp_path: Path) -> None:
    from sticker_studio.cli import main

    run, export = tmp_path / "run", tmp_path / "export"
    code = main(["train", "generator", "--data", str(tiny_data), "--config", "tiny", "--out", str(run),
                 "--steps", "3", "--batch", "2", "--threads", "1", "--export", str(export), "--no-progress"])
    assert code == 0
    cfg = json.loads((run / "run_config.json").read_text())
    assert cfg["model_config"] == "tiny" and cfg["steps"] == 3 and cfg["train_clips"] == 5
    lines = [json.loads(x) for x in (run / "loss.jsonl").read_text().splitlines()]
    assert lines[-1]["step"] == 3 and all(np.isfinite(x["loss"]) for x in lines)
    assert (run / "checkpoints" / "latest").read_text().strip() == "step-0000003"
    from safetensors.torch import load_file

    weights = load_file(str(export / "unet" / "diffusion_pytorch_model.safetensors"))
    assert all(t.dtype == torch.float16 for t in weights.values())
    sched = json.loads((export / "scheduler" / "scheduler_config.json").read_text())
    assert sched["prediction_type"] == "v_prediction" and sched["num_train_timesteps"] == 1000
    index = json.loads((export / "model_index.json").read_text())
    assert index["unet"] == ["sticker_studio.engine.models.dfgn", "DFGN"]
    # the pipeline loads what training exports
    from sticker_studio.engine.generate.pipeline import StickerPipeline
    from sticker_studio.engine.generate.request import GenerationRequest

    pipe = StickerPipeline.from_pretrained(export, device="cpu", matting=None)
    out = pipe(GenerationRequest(prompt="cartoon\ta red ball bouncing", task="t2v", frames=4, size=16, steps=2,
                                 seed=0))
    assert out.frame_count == 4


def test_resume_matches_uninterrupted_training(tiny_data: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    from sticker_studio.training.generator.train import train_generator
    from sticker_studio.training.loop.checkpoint import latest_checkpoint

    straight = train_generator(tiny_config(tiny_data, tmp_path / "a", steps=4))
    assert straight.steps == 4
    first = train_generator(tiny_config(tiny_data, tmp_path / "b", steps=4, stop_at_step=2))
    assert first.steps == 2
    resumed = train_generator(tiny_config(tiny_data, tmp_path / "b", steps=4, resume=True))
    assert resumed.steps == 4
    a = load_file(str(latest_checkpoint(tmp_path / "a") / "model.safetensors"))
    b = load_file(str(latest_checkpoint(tmp_path / "b") / "model.safetensors"))
    assert all(torch.allclose(a[k], b[k], atol=1e-6) for k in a)
    ea = load_file(str(latest_checkpoint(tmp_path / "a") / "ema.safetensors"))
    eb = load_file(str(latest_checkpoint(tmp_path / "b") / "ema.safetensors"))
    assert all(torch.allclose(ea[k], eb[k], atol=1e-6) for k in ea)
    state = json.loads((latest_checkpoint(tmp_path / "b") / "trainer_state.json").read_text())
    assert state["step"] == 4 and len(state["curriculum"]["losses"]) == 4


def test_optimizer_state_round_trips_without_pickle() -> None:
    from sticker_studio.training.loop.checkpoint import flatten_optimizer_state, unflatten_optimizer_state

    model = torch.nn.Linear(3, 2)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model(torch.randn(4, 3)).sum().backward()
    opt.step()
    tensors, meta = flatten_optimizer_state(opt)
    json.dumps(meta)  # the non-tensor part is plain JSON
    restored = unflatten_optimizer_state(tensors, meta)
    opt2 = torch.optim.AdamW(torch.nn.Linear(3, 2).parameters(), lr=1e-3)
    opt2.load_state_dict(restored)
    for k, v in opt.state_dict()["state"].items():
        for name, t in v.items():
            assert torch.equal(t, opt2.state_dict()["state"][k][name])


def test_ema_warms_up_and_tracks() -> None:
    from sticker_studio.training.loop.ema import ParameterEMA

    model = torch.nn.Linear(2, 1)
    ema = ParameterEMA(model, decay=0.99)
    assert ema.current_decay() == pytest.approx(0.1)
    with torch.no_grad():
        model.weight.fill_(1.0)
    for _ in range(200):
        ema.update(model)
    assert torch.allclose(ema.shadow["weight"], torch.ones(1, 2), atol=0.2)
    target = torch.nn.Linear(2, 1)
    ema.copy_to(target)
    assert torch.allclose(target.weight, ema.shadow["weight"])


def test_learning_rate_warms_up_then_decays(tmp_path: Path) -> None:
    from sticker_studio.training.generator.train import learning_rate

    cfg = tiny_config(tmp_path, tmp_path / "r", lr=1e-3, warmup_steps=10, min_lr_ratio=0.1)
    lrs = [learning_rate(s, cfg, 100) for s in range(100)]
    assert lrs[0] == pytest.approx(1e-4) and lrs[9] == pytest.approx(1e-3)
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:], strict=False))
    assert lrs[-1] == pytest.approx(1e-4, rel=0.05)


def test_conditioned_augmentation_keeps_white_and_the_motion_per_clip() -> None:
    from sticker_studio.training.generator.conditioning_aug import (
        AugmentConfig,
        augment_clips,
        hue_rotate,
        sample_fixed_task,
        sample_timesteps,
    )

    frames = torch.ones(4, 3, 5, 16, 16)  # white
    frames[:, 0, :, 6:10, 6:10] = -1.0   # a cyan square, the same in every frame
    gen = torch.Generator().manual_seed(0)
    out = augment_clips(frames, gen, AugmentConfig(prob=1.0))
    assert out.shape == frames.shape and out.min() >= -1 and out.max() <= 1
    assert torch.allclose(out[:, :, :, 0, 0], torch.ones(4, 3, 5), atol=1e-5)  # moved-in canvas is white
    assert torch.allclose(out[:, :, :1].expand_as(out), out, atol=1e-5)  # one transform for all frames
    assert not torch.allclose(out, frames)
    assert torch.equal(augment_clips(frames, torch.Generator().manual_seed(0), AugmentConfig(prob=0.0)), frames)
    white = torch.ones(1, 3, 1, 2, 2)
    assert torch.allclose(hue_rotate(white, torch.tensor([90.0])), white, atol=1e-5)
    t = sample_timesteps(4000, 1000, torch.Generator().manual_seed(0), low_noise_share=0.5, low_noise_max=250)
    assert 0.55 < float((t < 250).float().mean()) < 0.7  # 0.5 + 0.5 * 0.25
    plain = sample_timesteps(8, 1000, torch.Generator().manual_seed(3))
    assert torch.equal(plain, torch.randint(0, 1000, (8,), generator=torch.Generator().manual_seed(3)))
    rng = random.Random(0)
    assert {sample_fixed_task({"i2v": 1.0, "loop": 1.0}, rng).value for _ in range(50)} == {"i2v", "loop"}
