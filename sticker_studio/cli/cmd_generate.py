"""`sticker-studio generate PROMPT [--image REF] ... -o OUT`: make an animated sticker with the engine.

The task follows from the inputs unless ``--task`` says otherwise: a prompt alone is
text-to-animation, ``--image`` makes it image-to-animation. The same ``--seed`` on the
same device gives a byte-identical file. The default model is the bundled one; a
missing model is one clear line and exit code 2, never random weights.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sticker_studio.cli.arguments import MAX_FPS, MAX_SEED, MAX_SIDE, finite_float, int_in, seed_type, side_type
from sticker_studio.engine.request import MAX_FRAMES, MIN_FRAMES

TASK_CHOICES = ("t2v", "i2v", "interp", "continue", "loop")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="generate an animated sticker from a prompt and/or a drawing",
        description="Generate an animated sticker with a transparent background.",
    )
    parser.add_argument("prompt", nargs="?", default="", help="what the sticker shows and does (may be empty with --image)")
    parser.add_argument("--image", type=Path, help="reference drawing or animation (PNG, WebP, GIF, APNG, ...)")
    parser.add_argument("--task", choices=TASK_CHOICES, help="default: i2v with --image, else t2v")
    parser.add_argument("--frames", type=int_in(MIN_FRAMES, MAX_FRAMES), default=8,
                        help=f"output frames, {MIN_FRAMES}-{MAX_FRAMES} (default 8)")
    parser.add_argument("--steps", type=int_in(1, 1000), help="sampling steps (default: the model's; DDIM 25, DPM 10)")
    parser.add_argument("--guidance", type=finite_float(0.0, 50.0), help="text guidance scale (default 7.5)")
    parser.add_argument("--image-guidance", type=finite_float(0.0, 50.0), help="image guidance scale (default 7.5)")
    parser.add_argument("--scheduler", choices=("ddim", "dpm"), help="ddim (the papers') or dpm (DPM-Solver++, few steps)")
    parser.add_argument("--seed", type=seed_type, help=f"random seed, 0-{MAX_SEED} (printed when not given)")
    parser.add_argument("--model", help="model id from `sticker-studio models list` or a model folder")
    parser.add_argument("--device", default="auto", help="auto (default), cuda, cuda:N, mps or cpu")
    parser.add_argument("--size", type=side_type, help=f"output side in pixels, 16-{MAX_SIDE} (default 512)")
    parser.add_argument("--fps", type=finite_float(1.0, MAX_FPS), help=f"frame rate, 1-{MAX_FPS:g} (default: the model's, 10)")
    parser.add_argument("--no-matting-model", action="store_true", help="use the colour key instead of the matting head")
    parser.add_argument("-o", "--output", type=Path, required=True, help="output file (.webp, .png/.apng, .gif, .webm)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=run)


def warn(message: str) -> None:
    print(f"sticker-studio: warning: {message}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from sticker_studio.engine.pipeline import StickerPipeline
    from sticker_studio.engine.request import GenerationRequest
    from sticker_studio.formats.readers import read_sticker
    from sticker_studio.formats.writers import format_for_path, write_sticker

    format_for_path(args.output)  # fail on an unknown extension before loading any model
    image = read_sticker(args.image) if args.image else None
    task = args.task or ("i2v" if image is not None else "t2v")
    request = GenerationRequest(
        prompt=args.prompt, image=image, task=task, frames=args.frames, size=args.size,
        steps=args.steps, guidance=args.guidance, image_guidance=args.image_guidance,
        seed=args.seed, scheduler=args.scheduler, fps=args.fps,
    )
    pipe = StickerPipeline.from_pretrained(
        args.model, device=args.device, matting=None if args.no_matting_model else "default", warn=warn,
    )
    settings = request.resolved(pipe.defaults)
    request = request.with_changes(seed=settings.seed)
    if args.seed is None:
        print(f"seed: {settings.seed}", file=sys.stderr)
    bar = tqdm(total=settings.steps, desc="generating", unit="step", disable=args.quiet, file=sys.stderr)

    def progress(step: int, total: int) -> None:
        bar.total = total
        bar.n = step
        bar.refresh()

    try:
        sticker = pipe(request, progress=progress, warn=warn)
    finally:
        bar.close()
    out = write_sticker(sticker, args.output)
    print(f"wrote {out} ({sticker.width}x{sticker.height}, {sticker.frame_count} frames, "
          f"{sticker.metadata.get('device')}, seed {settings.seed})")
    return 0
