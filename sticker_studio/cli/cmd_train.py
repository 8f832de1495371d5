"""`sticker-studio train generator|matting|rig`: train the DFGN, the matting head or the rig model.

Examples::

    sticker-studio train generator --data data/fluent-anim --data data/synth \\
        --config bundled-cpu --out runs/gen --max-minutes 45 --export resources/models/dfgn-sticker-64
    torchrun --nproc_per_node 8 -m sticker_studio train generator --data ... --config bundled-gpu ...
    sticker-studio train matting --data data/fluent-anim --out runs/matting --max-minutes 25
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("train", help="train the generator (RDTF), the matting head or the rig model",
                                   description="Train a model on dataset folders (index.jsonl + clips/).")
    parser.add_argument("what", choices=("generator", "matting", "rig"),
                        help="which model to train (rig: on procedurally drawn characters, and hand-labelled "
                             "drawings given with --data)")
    parser.add_argument("--data", action="append", default=[], metavar="DIR",
                        help="dataset folder (repeat for several); rig: a hand-labelled folder (labels.json, "
                             "e.g. data/rig_train from scripts/build_rig_train.py)")
    parser.add_argument("--labelled-share", type=float, default=None, metavar="P",
                        help="rig: share of each batch drawn from the --data folders (default 0.3 with --data)")
    parser.add_argument("--init", type=Path, default=None, metavar="MODEL_DIR",
                        help="rig, matting: start from these exported weights (e.g. resources/models/rig-net, "
                             "resources/models/matting-head: a fine-tune)")
    parser.add_argument("--config", default=None,
                        help="named model config (generator: bundled-cpu, bundled-gpu, tiny; matting: layout-direct "
                             "(with --kit, the default), bundled (with --data, the default), layout-no-prior, tiny)")
    parser.add_argument("--out", required=True, type=Path, metavar="RUN_DIR", help="run folder (checkpoints, logs)")
    parser.add_argument("--steps", type=int, default=None, help="optimiser steps (default 20000 / 4000)")
    parser.add_argument("--max-minutes", type=float, default=None, help="stop after this much wall-clock time")
    parser.add_argument("--batch", type=int, default=None, help="clips per step and process")
    parser.add_argument("--lr", type=float, default=None, help="peak learning rate")
    parser.add_argument("--warmup", type=int, default=None, help="learning-rate warmup steps")
    parser.add_argument("--ema-decay", type=float, default=None, help="EMA decay (after its warmup)")
    parser.add_argument("--frames", type=int, default=None, help="frames per training clip")
    parser.add_argument("--curriculum", choices=("dcl", "static", "linear", "none"), default="dcl",
                        help="generator task curriculum (dcl = RDTF's difficulty-adaptive)")
    parser.add_argument("--temporal-depth", type=int, default=None,
                        help="matting: temporal layers (0 = the per-frame baseline)")
    parser.add_argument("--crop", type=int, default=None, help="matting: crop side in pixels")
    parser.add_argument("--model-overrides", default=None, metavar="JSON",
                        help='change the named config, e.g. \'{"block_out_channels": [32, 64, 128]}\'')
    parser.add_argument("--task-mix", default=None, metavar="JSON",
                        help='generator: a fixed task mix instead of the curriculum, e.g. '
                             '\'{"i2v": 0.4, "loop": 0.25, "interp": 0.15, "continue": 0.15, "t2v": 0.05}\'')
    parser.add_argument("--augment", type=float, default=None, metavar="P",
                        help="generator: share of conditioned clips flipped/scaled/shifted/hue-jittered")
    parser.add_argument("--low-noise-share", type=float, default=None, metavar="P",
                        help="generator: share of timesteps drawn from the low-noise end (t < 250)")
    parser.add_argument("--pack", type=Path, default=None, metavar="KIT_DIR",
                        help="generator: instead of training, pack an offline GPU training kit (<= 45 MiB: "
                             "uint8 frames, precomputed text states, the wheels; run KIT_DIR/train.sh there)")
    parser.add_argument("--pack-size", type=int, default=64, help="--pack: frame side in pixels (default 64)")
    parser.add_argument("--wheels", type=Path, default=None, metavar="DIR",
                        help="--pack: folder holding the diffusers and importlib_metadata wheels")
    parser.add_argument("--kit", type=Path, action="append", default=None, metavar="KIT_DIR",
                        help="train from a packed kit instead of --data folders (generator: `train generator "
                             "--pack`; matting: `data matting-pack`, trains the layout-prior head; repeat for "
                             "several shards)")
    parser.add_argument("--checkpoint-every", type=int, default=None, help="steps between checkpoints")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--resume", action="store_true", help="continue from the run's latest checkpoint")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="where decoded clips are cached (default RUN_DIR/../.clip-cache)")
    parser.add_argument("--device", default="auto", choices=("auto", "cuda", "cpu"))
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--export", type=Path, default=None, metavar="DIR",
                        help="write the EMA weights (fp16 safetensors) here when done")
    parser.add_argument("--export-only", action="store_true",
                        help="do not train; export the run's latest checkpoint to --export")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sticker_studio.core.errors import InvalidInputError

    if args.what == "rig":
        from sticker_studio.cli.rig_net import run_train_rig

        return run_train_rig(args)
    if not args.data and not args.kit:
        raise InvalidInputError("give at least one --data DIR (or --kit KIT_DIR)")
    if args.pack:
        if args.what != "generator":
            raise InvalidInputError("--pack makes a generator training kit; use it with `train generator`")
        if not args.wheels:
            raise InvalidInputError("--pack needs --wheels DIR holding the diffusers and importlib_metadata wheels")
        from sticker_studio.training.kits.generator_kit import pack_kit

        summary = pack_kit(args.data, args.pack, wheels_dir=args.wheels, size=args.pack_size,
                           cache_dir=args.cache_dir, seed=args.seed, progress=not args.no_progress)
        print(f"packed {summary.clips} clips ({summary.frames} frames at {summary.size} px, "
              f"{summary.captions} caption states) into {summary.folder}: {summary.bytes / 2**20:.1f} MiB; "
              f"on the GPU run: {summary.folder}/train.sh MINUTES OUT_DIR [CONFIG]")
        return 0
    for folder in args.data:
        if not (Path(folder) / "index.jsonl").is_file():
            raise InvalidInputError(f"{folder} is not a dataset folder (no index.jsonl); "
                                    "build one with `sticker-studio data fetch` or `data synth`")
    cache_dir = str(args.cache_dir or (Path(args.out).parent / ".clip-cache"))
    common = {
        "data": [str(d) for d in args.data], "out": str(args.out), "seed": args.seed, "resume": args.resume,
        "max_minutes": args.max_minutes, "cache_dir": cache_dir, "device": args.device,
        "threads": args.threads, "progress": not args.no_progress,
        "export": str(args.export) if args.export else None,
    }
    if args.kit:
        if len(args.kit) > 1 and args.what != "matting":
            raise InvalidInputError("the generator trains from one --kit")
        common["kit"] = str(args.kit[0])
        if len(args.kit) > 1:
            common["more_kits"] = [str(k) for k in args.kit[1:]]
    if args.model_overrides:
        import json

        try:
            common["model_overrides"] = json.loads(args.model_overrides)
        except json.JSONDecodeError as error:
            raise InvalidInputError(f"--model-overrides is not valid JSON: {error}") from None
    generator_only: dict[str, object] = {}
    if args.task_mix:
        import json

        try:
            mix = json.loads(args.task_mix)
        except json.JSONDecodeError as error:
            raise InvalidInputError(f"--task-mix is not valid JSON: {error}") from None
        from sticker_studio.engine.generate.tasks import Task

        if not isinstance(mix, dict) or not mix or any(float(v) < 0 for v in mix.values()):
            raise InvalidInputError("--task-mix must be a JSON object of task -> non-negative weight")
        generator_only["task_weights"] = {Task.parse(k).value: float(v) for k, v in mix.items()}
    for name, value in (("augment_prob", args.augment), ("low_noise_share", args.low_noise_share)):
        if value is not None:
            if not 0.0 <= value <= 1.0:
                raise InvalidInputError(f"--{name.replace('_prob', '').replace('_', '-')} must be in [0, 1]")
            generator_only[name] = value
    optional = {"steps": args.steps, "batch_size": args.batch, "lr": args.lr, "num_frames": args.frames,
                "checkpoint_every": args.checkpoint_every, "warmup_steps": args.warmup, "ema_decay": args.ema_decay}
    common.update({k: v for k, v in optional.items() if v is not None})
    if args.export_only and not args.export:
        raise InvalidInputError("--export-only needs --export DIR")
    if args.what == "generator":
        from sticker_studio.training.generator.train import GeneratorTrainConfig, export_from_run, train_generator

        if args.export_only:
            print(f"exported {export_from_run(args.out, args.export)}")
            return 0
        result = train_generator(GeneratorTrainConfig(model_config=args.config or "bundled-cpu",
                                                      curriculum=args.curriculum,
                                                      **{"steps": 20000, **common, **generator_only}))
    else:
        from sticker_studio.training.matting.train import (
            MattingTrainConfig,
            export_matting_from_run,
            train_matting,
        )

        if args.export_only:
            print(f"exported {export_matting_from_run(args.out, args.export)}")
            return 0
        extra: dict[str, object] = {"crop_size": args.crop} if args.crop else {}
        if args.init:
            extra["init_weights"] = str(args.init)
        name = args.config or ("layout-direct" if args.kit else "bundled")  # the shipped head trains from a kit
        result = train_matting(MattingTrainConfig(model_config=name,
                                                  temporal_depth=args.temporal_depth,
                                                  **{"steps": 4000, **common, **extra}))
    print(f"trained {result.steps} steps in {result.seconds / 60:.1f} min, final loss {result.final_loss:.4f}; "
          f"run in {result.run_dir}" + (f"; exported {result.exported}" if result.exported else ""))
    return 0
