"""The offline GPU kit of the layout-prior matting head (issue 10): pack here, train on one GPU.

The CPU recipe (docs/training.md) trains the bundled head for 2.5 hours on two cores from
a 4.4 GB pack. A GPU is lent with ~15 minutes and no network, so the kit carries only
what cannot be made there and the machine's own cores draw the training set:

``pack_matting_kit`` (``scripts/train_gpu matting-pack KIT_DIR``) writes one folder of at most
45 MiB::

    KIT/matting-kit.json     what is inside
    KIT/emoji.npz            train-split animated emoji runs (:func:`.matting_pack.write_emoji_runs`)
    KIT/wheels/*.whl         diffusers + importlib_metadata (the GPU's Python has torch, numpy,
                             scipy, Pillow, safetensors, huggingface_hub and tqdm already)
    KIT/sticker_studio.zip   this package's source
    KIT/train_matting.sh     MINUTES OUT_DIR [SHARDS] [CLIPS_PER_SHARD] [BATCH]

On the GPU ``train_matting.sh`` installs the wheels and runs :func:`train_from_matting_kit`:
``SHARDS`` training packs are built at once (under ``$MATTING_KIT_WORK``) on the machine's
cores — the CPU kit's procedural families and backgrounds plus big glows, shape shadows and
translucent washes (``effects=2``), each shard with its own subjects, animations and plates,
20 % the kit's emoji — then ``layout-direct`` is trained from scratch
for ``MINUTES`` (bf16 autocast, batches gathered on threads while the GPU works) and exported
to ``OUT_DIR/export``: a matting-head folder for ``resources/models/matting-head`` (then
the manifest's ``add-bundled`` and ``eval matting`` here on the CPU).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.training.kits.common import KIT_SETUP_SH

MATTING_KIT_VERSION = 1
MATTING_KIT_BUDGET_BYTES = 45 * 1024 * 1024
#: the drawn effects of the GPU kit's packs (:mod:`.drawn_families`: + big glows, shape shadows, washes)
GPU_EFFECTS = 2
#: subject seeds a shard may use before the next shard's start (a 4,000-clip shard uses ~3,700)
SHARD_SUBJECT_STRIDE = 6000
MATTING_TRAIN_SH = """#!/usr/bin/env bash
# Train the matting head from this kit on one GPU, offline. Usage:
#   ./train_matting.sh MINUTES OUT_DIR [SHARDS] [CLIPS_PER_SHARD] [BATCH]
set -euo pipefail
KIT="$(cd "$(dirname "$0")" && pwd)"
MINUTES="${1:?minutes}"; OUT="${2:?out dir}"; SHARDS="${3:-12}"; CLIPS="${4:-800}"; BATCH="${5:-48}"
""" + KIT_SETUP_SH + (
    """# packs (~1.6 MB a clip) and checkpoints stay out of OUT_DIR, which gets export/, gpu_run.json, loss.jsonl
export MATTING_KIT_WORK="${MATTING_KIT_WORK:-/tmp/matting-kit-work}"
exec "$PY" -m sticker_studio.training.kits.matting_kit train "$KIT" --minutes "$MINUTES" --out "$OUT" \\
    --shards "$SHARDS" --clips "$CLIPS" --batch "$BATCH"
""")


@dataclass
class MattingKitSummary:
    folder: Path
    emoji_runs: int
    bytes: int


@dataclass
class GpuRecipe:
    """How the GPU run trains (saved beside its weights): from scratch, one clock budget."""

    minutes: float
    shards: int = 12
    clips_per_shard: int = 800
    batch: int = 48
    lr: float = 3e-3
    warmup_steps: int = 200
    ema_decay: float = 0.999
    hole_crop_share: float = 0.25
    model_config: str = "layout-direct"
    device: str = "auto"
    seed: int = 0


def pack_matting_kit(out: str | Path, *, emoji_folder: str | Path, wheels_dir: str | Path,
                     emoji_runs: int = 160, budget_bytes: int = MATTING_KIT_BUDGET_BYTES) -> MattingKitSummary:
    """Write the kit folder ``out`` (see the module docs); ``emoji_folder`` is a `data fetch` dataset."""
    from sticker_studio.core.atomic import atomic_write_text
    from sticker_studio.training.data.matting_pack import write_emoji_runs
    from sticker_studio.training.kits.common import _package_zip, find_wheels

    out = Path(out)
    wheels = find_wheels(Path(wheels_dir))
    if not (Path(emoji_folder) / "index.jsonl").is_file():
        raise InvalidInputError(f"{emoji_folder} is not an emoji dataset (no index.jsonl); fetch it with "
                                "`sticker-studio data fetch`")
    out.mkdir(parents=True, exist_ok=True)
    runs = write_emoji_runs(Path(emoji_folder), out / "emoji.npz", "train", emoji_runs)
    if runs == 0:
        raise InvalidInputError(f"{emoji_folder} holds no train-split emoji clips of 16 frames or more")
    (out / "wheels").mkdir(exist_ok=True)
    for w in wheels:
        (out / "wheels" / w.name).write_bytes(w.read_bytes())
    _package_zip(out / "sticker_studio.zip")
    script = out / "train_matting.sh"
    atomic_write_text(script, MATTING_TRAIN_SH)
    script.chmod(0o755)
    info = {"kit_version": MATTING_KIT_VERSION, "emoji_runs": runs, "wheels": [w.name for w in wheels],
            "recipe": asdict(GpuRecipe(minutes=10.0))}
    atomic_write_text(out / "matting-kit.json", json.dumps(info, indent=2) + "\n")
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    if total > budget_bytes:
        raise InvalidInputError(f"the kit came out at {total / 2**20:.1f} MiB, over its "
                                f"{budget_bytes / 2**20:.0f} MiB budget; pack fewer emoji runs")
    return MattingKitSummary(out, runs, total)


def _build_shard(args: tuple[str, str, int, int, int, int]) -> str:
    from sticker_studio.training.data.matting_pack import PackSpec, build_pack

    out, emoji, index, clips, size, frames = args
    spec = PackSpec(split="train", clips=clips, size=size, frames=frames, emoji_share=0.2, emoji_folder=emoji,
                    seed=100 + index, first_subject=1 + index * SHARD_SUBJECT_STRIDE, effects=GPU_EFFECTS)
    return str(build_pack(Path(out), spec, progress=False))


def build_shards(kit: str | Path, work: str | Path, shards: int, clips: int, *, size: int = 192, frames: int = 4,
                 workers: int | None = None) -> list[Path]:
    """``shards`` training packs under ``work`` (shard-00, …), built in parallel processes."""
    if shards < 1 or clips < 1:
        raise InvalidInputError("--shards and --clips must be >= 1")
    if (shards - 1) * SHARD_SUBJECT_STRIDE + clips >= 100_000:
        raise InvalidInputError("too many shards: their subjects would reach the validation split's")
    emoji = str(Path(kit) / "emoji.npz")
    jobs = [(str(Path(work) / f"shard-{k:02d}"), emoji, k, clips, size, frames) for k in range(shards)]
    workers = workers or min(shards, os.cpu_count() or 1)
    if workers == 1:
        return [Path(_build_shard(j)) for j in jobs]
    import multiprocessing

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return [Path(p) for p in pool.map(_build_shard, jobs)]


def train_from_matting_kit(kit: str | Path, out: str | Path, recipe: GpuRecipe, *,
                           workers: int | None = None) -> Path:
    """Build the shards, train from scratch for ``recipe.minutes``, export ``out/export``; returns it."""
    from sticker_studio.core.atomic import atomic_write_text
    from sticker_studio.training.matting.train import MattingTrainConfig, train_matting

    out = Path(out)
    work = Path(os.environ.get("MATTING_KIT_WORK", str(out / "work")))
    t0 = time.perf_counter()
    shards = build_shards(kit, work / "packs", recipe.shards, recipe.clips_per_shard, workers=workers)
    pack_seconds = time.perf_counter() - t0
    print(f"built {len(shards)} packs of {recipe.clips_per_shard} clips in {pack_seconds:.0f} s", flush=True)
    cfg = MattingTrainConfig(data=[], out=str(work / "run"), kit=str(shards[0]), more_kits=[str(s) for s in shards[1:]],
                             model_config=recipe.model_config, steps=10_000_000, max_minutes=recipe.minutes,
                             batch_size=recipe.batch, lr=recipe.lr, warmup_steps=recipe.warmup_steps,
                             ema_decay=recipe.ema_decay, hole_crop_share=recipe.hole_crop_share,
                             device=recipe.device, seed=recipe.seed, progress=False,
                             export=str(out / "export"), checkpoint_every=2000)
    result = train_matting(cfg)
    facts = {"recipe": asdict(recipe), "pack_seconds": round(pack_seconds, 1), "steps": result.steps,
             "train_seconds": round(result.seconds, 1), "final_loss": result.final_loss}
    atomic_write_text(out / "gpu_run.json", json.dumps(facts, indent=2) + "\n")
    log = work / "run" / "loss.jsonl"
    if log.is_file():  # the run folder (packs, checkpoints) stays in the work folder; its log comes along
        atomic_write_text(out / "loss.jsonl", log.read_text(encoding="utf-8"))
    print(f"trained {result.steps} steps in {result.seconds / 60:.1f} min, final loss {result.final_loss:.4f}; "
          f"exported {out / 'export'}", flush=True)
    return out / "export"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sticker_studio.training.kits.matting_kit",
                                     description="train the matting head from a GPU kit")
    sub = parser.add_subparsers(dest="cmd", required=True)
    pack = sub.add_parser("pack", help="write the kit folder (run here, where the emoji dataset and pip are)")
    pack.add_argument("kit", type=Path)
    pack.add_argument("--emoji", type=Path, default=Path("data/fluent-anim"), help="a `data fetch` emoji dataset")
    pack.add_argument("--wheels", type=Path, required=True,
                      help="folder with the diffusers and importlib_metadata wheels")
    pack.add_argument("--emoji-runs", type=int, default=160, help="emoji runs to carry (~170 KB each)")
    train = sub.add_parser("train", help="build the packs and train (run on the GPU, via train_matting.sh)")
    train.add_argument("kit", type=Path)
    train.add_argument("--minutes", type=float, required=True)
    train.add_argument("--out", type=Path, required=True)
    train.add_argument("--shards", type=int, default=12)
    train.add_argument("--clips", type=int, default=800, help="clips per shard")
    train.add_argument("--batch", type=int, default=48)
    train.add_argument("--device", default="auto", choices=("auto", "cuda", "cpu"))
    train.add_argument("--workers", type=int, default=None, help="processes building the packs")
    args = parser.parse_args(argv)
    try:
        if args.cmd == "pack":
            summary = pack_matting_kit(args.kit, emoji_folder=args.emoji, wheels_dir=args.wheels,
                                       emoji_runs=args.emoji_runs)
            print(f"packed {summary.emoji_runs} emoji runs, the wheels and the source into {summary.folder}: "
                  f"{summary.bytes / 2**20:.1f} MiB; on the GPU run: {summary.folder}/train_matting.sh MINUTES OUT_DIR")
            return 0
        recipe = GpuRecipe(minutes=args.minutes, shards=args.shards, clips_per_shard=args.clips, batch=args.batch,
                           device=args.device)
        train_from_matting_kit(args.kit, args.out, recipe, workers=args.workers)
    except InvalidInputError as error:
        print(f"error: {error}")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
