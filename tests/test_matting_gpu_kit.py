"""The matting head's offline GPU kit, end to end at toy scale on the CPU (issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sticker_studio.core.errors import InvalidInputError


def _emoji_dataset(folder: Path, clips: int = 3) -> None:
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.training.data.dataset import DatasetMeta, DatasetRecord, clip_path_for, write_clip, write_index

    records = []
    for k in range(clips):
        yy, xx = np.mgrid[0:32, 0:32]
        frames = []
        for t in range(18):
            f = np.zeros((32, 32, 4), np.uint8)
            disc = (yy - 16) ** 2 + (xx - 10 - t // 2) ** 2 < 64
            f[disc] = (200, 40 * k, 60, 255)
            frames.append(f)
        rid = f"e{k}"
        write_clip(folder, clip_path_for(rid), Sticker.from_frames(frames, fps=12))
        records.append(DatasetRecord(id=rid, path=clip_path_for(rid), caption="c\td", domain="c", description="d",
                                     trigger_words=["d"], motion="bounce", frame_count=18, fps=12.0, width=32,
                                     height=32, subject=f"blob {k}", split="train"))
    write_index(folder, records, DatasetMeta(name="toy"))


def test_pack_then_build_shards_then_train_on_the_cpu(tmp_path: Path) -> None:
    from sticker_studio.engine.matting.matte import head_uses_prior, load_matting_head
    from sticker_studio.training.data.matting_pack import load_pack
    from sticker_studio.training.kits.matting_kit import GpuRecipe, pack_matting_kit, train_from_matting_kit

    _emoji_dataset(tmp_path / "emoji")
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    for name in ("diffusers-0.0-py3-none-any.whl", "importlib_metadata-0.0-py3-none-any.whl"):
        (wheels / name).write_bytes(b"not a real wheel")
    kit = tmp_path / "kit"
    summary = pack_matting_kit(kit, emoji_folder=tmp_path / "emoji", wheels_dir=wheels, emoji_runs=2)
    assert summary.emoji_runs == 2 and summary.bytes < 45 * 2**20
    assert (kit / "train_matting.sh").stat().st_mode & 0o111 and (kit / "sticker_studio.zip").is_file()
    with np.load(kit / "emoji.npz") as runs:
        assert runs["frames"].shape == (2, 8, 32, 32, 4) and str(runs["split"]) == "train"

    recipe = GpuRecipe(minutes=0.02, shards=2, clips_per_shard=5, batch=2, model_config="layout-tiny", device="cpu")
    export = train_from_matting_kit(kit, tmp_path / "out", recipe, workers=1)
    packs = sorted((tmp_path / "out" / "work" / "packs").iterdir())
    metas = [load_pack(p)[1] for p in packs]
    drawn = [{m["subject"] for m in meta if m["family"] != "emoji"} for meta in metas]
    assert len(packs) == 2 and drawn[0] and not drawn[0] & drawn[1]  # every shard draws its own subjects
    assert any(m["family"] == "emoji" and str(m["subject"]).startswith("blob") for m in metas[0])  # the kit's emoji
    head = load_matting_head(export)
    assert head_uses_prior(head)
    facts = json.loads((tmp_path / "out" / "gpu_run.json").read_text())
    assert facts["steps"] >= 1 and facts["recipe"]["shards"] == 2 and (tmp_path / "out" / "loss.jsonl").is_file()


def test_shards_may_not_reach_the_validation_subjects(tmp_path: Path) -> None:
    from sticker_studio.training.kits.matting_kit import build_shards

    with pytest.raises(InvalidInputError, match="validation"):
        build_shards(tmp_path, tmp_path / "w", shards=40, clips=10)


def test_a_training_pack_stops_before_the_validation_subjects(tmp_path: Path) -> None:
    from sticker_studio.training.data.matting_pack import VAL_FIRST_SEED, PackSpec, build_pack

    spec = PackSpec(clips=3, size=32, frames=2, emoji_share=0.0, emoji_folder=str(tmp_path / "none"),
                    first_subject=VAL_FIRST_SEED - 1)
    with pytest.raises(InvalidInputError, match="validation"):
        build_pack(tmp_path / "p", spec, progress=False)


def test_packed_batches_are_the_same_on_the_prefetch_path(tmp_path: Path) -> None:
    import torch

    from sticker_studio.training.data.matting_pack import PackSpec, build_pack, load_pack, unpack_prior
    from sticker_studio.training.matting.layout_batches import gather_packed_batch, make_layout_batch

    build_pack(tmp_path / "p", PackSpec(clips=2, size=32, frames=2, emoji_share=0.0,
                                        emoji_folder=str(tmp_path / "none")), progress=False)
    arrays, _ = load_pack(tmp_path / "p")
    batch = make_layout_batch(arrays, [0, 1], [False, True])
    direct = torch.from_numpy(np.ascontiguousarray(np.stack(
        [unpack_prior(np.asarray(arrays["prior"][0]), np.asarray(arrays["bgcolour"][0])),
         unpack_prior(np.asarray(arrays["prior"][1])[:, :, ::-1], np.asarray(arrays["bgcolour"][1]))])))
    assert torch.equal(batch.prior, direct.permute(0, 4, 1, 2, 3))
    packed = gather_packed_batch(arrays, [0, 1], [False, True])
    assert packed.image.dtype == torch.uint8 and torch.equal(packed.to_batch().alpha, batch.alpha)
    assert torch.equal(batch.image[1], torch.from_numpy(np.ascontiguousarray(
        np.asarray(arrays["composite"][1])[:, :, ::-1])).permute(3, 0, 1, 2).float() * (1 / 255))


def test_prefetched_and_sharded_batches_match_the_plain_ones(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    import torch

    from sticker_studio.training.data.matting_pack import PackSpec, build_pack
    from sticker_studio.training.loop import distributed
    from sticker_studio.training.loop import train_loop as loop
    from sticker_studio.training.matting.train import MattingTask, MattingTrainConfig

    for k in range(2):
        build_pack(tmp_path / f"s{k}", PackSpec(clips=3, size=32, frames=2, emoji_share=0.0, seed=k,
                                                emoji_folder=str(tmp_path / "none")), progress=False)
    cfg = MattingTrainConfig(data=[], out=str(tmp_path / "run"), kit=str(tmp_path / "s0"),
                             more_kits=[str(tmp_path / "s1")], model_config="layout-tiny", batch_size=4)
    info = distributed.DistInfo(0, 1, 0, torch.device("cpu"), None)
    plain, ahead = MattingTask(cfg), MattingTask(cfg)
    assert plain.prepare(plain.build_model(), info)["train_clips"] == 6
    ahead.prepare(ahead.build_model(), info)
    ahead._prefetch = ThreadPoolExecutor(2)  # what a CUDA device turns on
    for step in (0, 1, 2, 5, 6):  # a resume jumps: a step not prefetched is made on the spot
        a = plain.make_batch(loop.StepInfo(step, 0, 0.0))
        b = ahead.make_batch(loop.StepInfo(step, 0, 0.0))
        names = ("image", "prior", "alpha", "foreground", "plate")
        assert all(torch.equal(getattr(a, n), getattr(b, n)) for n in names)
    ahead._prefetch.shutdown()


def test_effects_two_adds_translucent_cases_and_leaves_effects_one_alone() -> None:
    from sticker_studio.training.data.drawn_families import render_subject

    translucent = grown = 0
    for seed in range(1, 25):
        base = render_subject("critter", seed, 64)
        assert np.array_equal(base, render_subject("critter", seed, 64, effects=1))
        rich = render_subject("critter", seed, 64, effects=2)
        assert rich.shape == base.shape and rich.dtype == np.uint8
        translucent += int(rich[..., 3].max() < 250)
        grown += int(((rich[..., 3] > 8) & (base[..., 3] <= 8)).sum() > 40)  # a glow or shadow beyond it
    assert translucent >= 1 and grown >= 3


def test_hole_crops_zoom_in_on_an_enclosed_region_with_truth_and_prior_alike() -> None:
    import torch

    from sticker_studio.core.matte.layout_prior import clip_layout_priors, prior_array
    from sticker_studio.training.matting.layout_batches import LayoutBatch, crop_to_holes

    yy, xx = np.mgrid[0:64, 0:64]
    r = np.hypot(yy - 40, xx - 40)
    ring = (r < 16) & (r > 7)
    img = np.full((2, 64, 64, 3), 255, np.uint8)
    img[:, ring] = (200, 40, 60)
    prior = torch.from_numpy(prior_array(clip_layout_priors(img)))          # [F,S,S,8]
    alpha = torch.from_numpy(np.stack([ring, ring]).astype(np.float32))    # [F,S,S]
    batch = LayoutBatch(torch.from_numpy(img).float().permute(3, 0, 1, 2)[None] / 255,
                        prior.permute(3, 0, 1, 2)[None], alpha[None, None],
                        torch.from_numpy(img).float().permute(3, 0, 1, 2)[None] / 255, torch.ones(1, 3, 1, 64, 64))
    plain = LayoutBatch(*(torch.cat([t, t]) for t in (batch.image, batch.prior, batch.alpha, batch.foreground,
                                                       batch.plate)))
    plain.prior[1, 3] = 0.0  # sample 1 has no enclosed candidate: it stays as it is
    out = crop_to_holes(plain, [(0, 0.5, 0.5, 0.5), (1, 0.5, 0.5, 0.5)])
    assert out.image.shape == plain.image.shape and torch.equal(out.image[1], plain.image[1])
    masks = out.prior[0, 1:4]
    assert set(masks.unique().tolist()) <= {0.0, 1.0}                       # masks stay masks
    hole = out.prior[0, 3, 0] > 0.5
    assert hole.float().mean() > (plain.prior[0, 3, 0] > 0.5).float().mean()  # the hole is seen bigger
    assert out.alpha[0, 0, 0][hole].mean() < 0.05 and out.alpha[0, 0, 0].max() > 0.9  # truth moved with it
    assert not torch.equal(out.image[0], plain.image[0])
