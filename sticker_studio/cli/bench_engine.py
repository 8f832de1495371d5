"""`sticker-studio bench engine`: generation latency per stage, on this machine's device.

Times the whole pipeline the app runs (load, text encoding, sampling per step and in
total, decode, matting, motion transfer, total) as the median of ``--repeats`` runs
after one warm-up, then the same sampling with ``torch.compile`` variants where they
work (compile time reported separately). Prints figures only; asserts nothing.

``--random-config NAME`` times an *untrained* model of a named size
(``sticker_studio.engine.models.configs``) when the trained one is not installed:
latency depends only on the shapes, and the output (noise) is thrown away.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from typing import Any

STAGES = ("text_encode", "condition", "sampling", "sampling_per_step", "decode", "matting", "motion_transfer", "total")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", help="model id or folder (default: the bundled generator)")
    parser.add_argument("--random-config", help="time an untrained model of this config instead (e.g. bundled-cpu)")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--steps", type=int, help="default: the model's")
    parser.add_argument("--scheduler", choices=("ddim", "dpm"), help="default: the model's")
    parser.add_argument("--task", choices=("t2v", "i2v"), default="i2v",
                        help="i2v (default) also times motion transfer onto a 512x512 drawing")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-compile", action="store_true", help="skip the torch.compile variants")


def _build_random(config: str, device: str) -> Any:
    import torch
    from diffusers import DDIMScheduler

    from sticker_studio.engine.generate.pipeline import StickerPipeline
    from sticker_studio.engine.models.configs import make_matting_head
    from sticker_studio.engine.models.text_encoder import MiniLMTextEncoder, TinyTextEncoder
    from sticker_studio.training.generator.train import build_generator
    from sticker_studio.training.recipes import generator_config

    cfg = generator_config(config)
    torch.manual_seed(0)
    unet = build_generator(config)
    dim = int(cfg["cross_attention_dim"])
    text = MiniLMTextEncoder() if dim == 384 else TinyTextEncoder(output_dim=dim)
    vae = None
    if cfg.get("space") == "latent":
        from sticker_studio.engine.models.configs import make_vae

        vae = make_vae("bundled" if config != "tiny" else "tiny")
    head = make_matting_head("layout-direct" if config != "tiny" else "tiny")
    scheduler = DDIMScheduler(num_train_timesteps=1000, beta_schedule="linear", beta_start=0.00085,
                              beta_end=0.012, clip_sample=vae is None)
    pipe = StickerPipeline(unet, scheduler, text, head, vae, model_id=f"random:{config}")
    return pipe.to(device)


def _reference(size: int = 512):
    import numpy as np

    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    inside = ((xx - size / 2) / (0.35 * size)) ** 2 + ((yy - size / 2) / (0.3 * size)) ** 2 < 1
    rgba = np.zeros((size, size, 4), np.uint8)
    rgba[..., 0] = 240
    rgba[..., 1] = (xx / size * 200).astype(np.uint8)
    rgba[..., 2] = 60
    rgba[..., 3] = inside * 255
    return rgba


def _time_runs(pipe: Any, request: Any, repeats: int) -> dict[str, float]:
    pipe(request)  # warm-up (allocators, kernels, lazy imports)
    runs: dict[str, list[float]] = {}
    for _ in range(max(1, repeats)):
        pipe(request)
        for k, v in pipe.last_timings.items():
            runs.setdefault(k, []).append(v)
    return {k: statistics.median(v) for k, v in runs.items()}


def _print_timings(title: str, timings: dict[str, float]) -> None:
    print(f"\n{title}")
    for stage in STAGES:
        if stage in timings:
            unit = "ms" if stage == "sampling_per_step" else "s"
            value = timings[stage] * (1000 if unit == "ms" else 1)
            print(f"  {stage:<18} {value:10.3f} {unit}")


def run(args: argparse.Namespace) -> int:
    import torch

    from sticker_studio.engine.device import pick_device
    from sticker_studio.engine.generate.pipeline import StickerPipeline
    from sticker_studio.engine.generate.request import GenerationRequest

    choice = pick_device(args.device)
    t0 = time.perf_counter()
    if args.random_config:
        pipe = _build_random(args.random_config, args.device)
        what = f"UNTRAINED {args.random_config} config (latency only)"
    else:
        pipe = StickerPipeline.from_pretrained(args.model, device=choice)
        what = pipe.model_id or "model"
    load_s = time.perf_counter() - t0
    side = pipe.sample_size
    params = sum(p.numel() for p in pipe.unet.parameters())
    print(f"engine benchmark: {what}, {params / 1e6:.2f} M unet params, {args.frames} frames at {side}x{side}")
    print(f"device: {choice.name} ({choice.reason}); torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}")
    print(f"load: {load_s:.2f} s")
    image = _reference() if args.task == "i2v" else None
    request = GenerationRequest(
        "a cat waving its paw",
        image=image,
        task=args.task,
        frames=args.frames,
        steps=args.steps,
        scheduler=args.scheduler,
        seed=0,
        size=512 if image is not None else side,
    )
    settings = request.resolved(pipe.defaults)
    base = _time_runs(pipe, request, args.repeats)
    _print_timings(f"eager, {settings.scheduler} {settings.steps} steps (median of {args.repeats})", base)
    print(f"  => {base['total']:.3f} s per sticker")
    if args.no_compile:
        return 0
    modes = ["default"] + (["reduce-overhead", "max-autotune-no-cudagraphs"] if choice.device.type == "cuda" else [])
    eager_unet = pipe.unet
    for mode in modes:
        try:
            pipe.unet = torch.compile(eager_unet, mode=mode, dynamic=False)
            t1 = time.perf_counter()
            pipe(request)
            compile_s = time.perf_counter() - t1
            timings = _time_runs(pipe, request, args.repeats)
        except Exception as error:
            print(f"\ntorch.compile mode={mode}: unavailable here ({type(error).__name__}: {str(error)[:120]})")
            continue
        finally:
            pipe.unet = eager_unet
        _print_timings(f"torch.compile mode={mode} (first call incl. compile {compile_s:.1f} s)", timings)
        print(f"  => {timings['total']:.3f} s per sticker ({base['total'] / timings['total']:.2f}x eager)")
    return 0
