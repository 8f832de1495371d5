"""`sticker-studio generate PROMPT [--image REF] ... -o OUT`: make an animated sticker with the engine.

A prompt alone goes the **two-stage** way by default (:mod:`sticker_studio.engine.generate.two_stage`):
the subject is licensed vector art found by the prompt, in any bundled language
(recoloured when the prompt's colour contradicts it; ``--candidates`` lists the others,
``--candidate N`` picks one; a second subject, "a cat riding a bicycle", is composed
with it), and the prompt's motion word animates it, by the generator or by the motion
preset (whichever the model's measured adherence says; ``--verbose`` says which). When
the library has nothing that surely is the subject ("an axolotl") it exits 2 listing the
closest, unless ``--candidate N`` or ``--allow-weak-match``. ``--seed N`` picks another
variant (subject among the confident ones, shade, mirror, motion amplitude). The output
line names what was made: ``made a robot, waving -> robot.webp``.
``--mode t2v`` (or ``--task t2v``) is the pure text-to-video model path, experimental.
``--image`` makes it image-to-animation of the user's drawing (``--task`` for others). The same ``--seed`` on the
same device gives a byte-identical file. The default model is the bundled one; a
missing model is one clear line and exit code 2, never random weights.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sticker_studio.cli.arguments import (
    MAX_FPS,
    MAX_SEED,
    MAX_SIDE,
    finite_float,
    int_in,
    seed_type,
    side_type,
)
from sticker_studio.core.errors import InvalidInputError
from sticker_studio.engine.generate.request import MAX_FRAMES, MIN_FRAMES

TASK_CHOICES = ("t2v", "i2v", "interp", "continue", "loop")
MODE_CHOICES = ("two-stage", "t2v")
ART_STYLE_CHOICES = ("fluent-emoji-flat", "noto")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="generate an animated sticker from a prompt and/or a drawing",
        description="Generate an animated sticker with a transparent background.",
    )
    parser.add_argument(
        "prompt", nargs="?", default="", help="what the sticker shows and does (may be empty with --image)"
    )
    parser.add_argument("--image", type=Path, help="reference drawing or animation (PNG, WebP, GIF, APNG, ...)")
    parser.add_argument("--mode", choices=MODE_CHOICES,
                        help="two-stage (default for a prompt alone: library art + motion) or t2v "
                             "(experimental: the generator draws the subject too)")
    parser.add_argument("--task", choices=TASK_CHOICES, help="model task: default i2v with --image; t2v = --mode t2v")
    parser.add_argument("--candidates", action="store_true",
                        help="two-stage: list the retrieved subjects (numbered for --candidate) and exit")
    parser.add_argument("--candidate", type=int_in(0, 49), default=None,
                        help="two-stage: use the N-th retrieved subject (default: the best, or another "
                             "confident one for another --seed)")
    parser.add_argument("--allow-weak-match", action="store_true",
                        help="two-stage: when the library has nothing that surely matches the subject, use the "
                             "closest anyway (default: stop and list the closest)")
    parser.add_argument("--style", choices=ART_STYLE_CHOICES, default="fluent-emoji-flat",
                        help="two-stage: art style (default fluent-emoji-flat)")
    parser.add_argument("--motion-source", choices=("auto", "model", "preset"), default="auto",
                        help="two-stage: who animates: auto (by the model's measured adherence), model or preset")
    parser.add_argument("--frames", type=int_in(MIN_FRAMES, MAX_FRAMES),
                        help=f"output frames, {MIN_FRAMES}-{MAX_FRAMES} (default 8; two-stage: the motion's)")
    parser.add_argument("--steps", type=int_in(1, 1000), help="sampling steps (default: the model's; DDIM 25, DPM 10)")
    parser.add_argument("--guidance", type=finite_float(0.0, 50.0), help="text guidance scale (default 7.5)")
    parser.add_argument("--image-guidance", type=finite_float(0.0, 50.0), help="image guidance scale (default 7.5)")
    parser.add_argument(
        "--scheduler", choices=("ddim", "dpm"), help="ddim (the papers') or dpm (DPM-Solver++, few steps)"
    )
    parser.add_argument("--seed", type=seed_type, help=f"random seed, 0-{MAX_SEED} (printed when not given)")
    parser.add_argument("--model", help="model id from `sticker-studio models list` or a model folder")
    parser.add_argument("--device", default="auto", help="auto (default), cuda, cuda:N, mps or cpu")
    parser.add_argument("--size", type=side_type, help=f"output side in pixels, 16-{MAX_SIDE} (default 512)")
    parser.add_argument(
        "--fps", type=finite_float(1.0, MAX_FPS), help=f"frame rate, 1-{MAX_FPS:g} (default: the model's, 10)"
    )
    parser.add_argument(
        "--no-matting-model", action="store_true", help="use the colour key instead of the matting head"
    )
    parser.add_argument("-o", "--output", type=Path, required=True, help="output file (.webp, .png/.apng, .gif, .webm)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also print the technical detail (art set, match scores, motion source and why)")
    parser.set_defaults(func=run)


def warn(message: str) -> None:
    print(f"sticker-studio: warning: {message}", file=sys.stderr)


def two_stage_wanted(args: argparse.Namespace) -> bool:
    if args.mode == "two-stage":
        if args.image or args.task:
            raise InvalidInputError("--mode two-stage starts from the prompt alone; drop --image/--task")
        return True
    return args.mode is None and args.image is None and args.task is None


def run_two_stage(args: argparse.Namespace) -> int:
    import time

    from sticker_studio.core.visibility import ensure_visible
    from sticker_studio.engine.generate.two_stage import (
        MotionOptions,
        TwoStageResult,
        animate_subject,
        pick_scene,
        sensible_threads,
    )
    from sticker_studio.formats.writers import write_sticker

    if not args.prompt.strip():
        raise InvalidInputError("say what the sticker shows, e.g. generate \"a blue cat waving\" -o cat.webp")
    start = time.perf_counter()
    seed = 0 if args.seed is None else args.seed
    size = args.size or 512
    scene = pick_scene(args.prompt, candidate=args.candidate, seed=seed, style=args.style, size=size,
                       allow_weak=args.allow_weak_match or args.candidates)
    subject = scene.main
    if args.candidates:
        if subject.warning:
            print(f"note: {subject.warning}")
        for i, cand in enumerate(subject.candidates):
            mark = "*" if cand is subject.chosen else " "
            print(f"{mark}{i:2d}  {cand.entry.emoji}  {cand.entry.label}  (match {cand.score:.2f})")
        return 0
    if subject.warning:
        warn(subject.warning)
    options = MotionOptions(seed=seed, motion_source=args.motion_source, model=args.model, device=args.device,
                            frames=args.frames, fps=args.fps, threads=sensible_threads())
    t1 = time.perf_counter()
    sticker, choice = animate_subject(scene, options, size=size, warn=warn)
    result = TwoStageResult(sticker, subject, choice, {"subject": t1 - start, "motion": time.perf_counter() - t1},
                            scene)
    sticker.metadata.update(result.metadata(args.prompt, seed))
    ensure_visible(sticker, "the sticker", causes=("the library art rendered empty; try --style noto",))
    out = write_sticker(sticker, args.output)
    if result.experimental:
        warn("experimental: the generator's motion for this has not cleared its quality bar "
             "(see --verbose); the sticker is labelled experimental")
    print(f"made {result.label()} -> {out}")
    if scene.ignored:
        print(f"left out: {'; '.join(scene.ignored)}")
    if args.verbose:
        colour = f", recoloured {subject.art_colour} -> {subject.recoloured}" if subject.recoloured else ""
        print(f"subject: {subject.chosen.entry.emoji} {subject.label} ({subject.style} art{colour}; match "
              f"{subject.chosen.score:.2f}; language {scene.reading.language}; see --candidates)")
        if scene.second is not None:
            print(f"second subject: {scene.second.chosen.entry.emoji} {scene.second.label} "
                  f"(match {scene.second.chosen.score:.2f}), {scene.relation and scene.relation.value}")
        print(f"variant: seed {seed}, {scene.variation.describe()}")
        print(f"motion: {choice.motion} by {choice.reason}")
        print(f"output: {sticker.width}x{sticker.height}, {sticker.frame_count} frames, "
              f"{time.perf_counter() - start:.1f} s")
    return 0


def run(args: argparse.Namespace) -> int:
    from sticker_studio.core.atomic import check_output
    from sticker_studio.formats.writers import format_for_path, write_sticker

    format_for_path(args.output)  # fail on an unknown extension before loading any model
    check_output(args.output, args.image)
    if two_stage_wanted(args):
        return run_two_stage(args)  # library art + preset: no torch import on this path
    from tqdm import tqdm

    from sticker_studio.engine.generate.pipeline import StickerPipeline
    from sticker_studio.engine.generate.request import GenerationRequest
    from sticker_studio.formats.readers import read_sticker
    if args.mode == "t2v" and (args.image or (args.task and args.task != "t2v")):
        raise InvalidInputError("--mode t2v draws from the prompt alone; drop --image/--task")
    image = read_sticker(args.image) if args.image else None
    task = args.task or ("i2v" if image is not None else "t2v")
    if task == "t2v":
        warn("text-to-video is experimental: the bundled generator draws subjects as coloured noise; "
             "the default two-stage mode (no --mode/--task) gives clean stickers")
    request = GenerationRequest(
        prompt=args.prompt, image=image, task=task, frames=args.frames or 8, size=args.size,
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
    from sticker_studio.core.visibility import ensure_visible

    ensure_visible(sticker, "the generated sticker", (
        "the model drew nothing the background removal kept — try another --seed, or --no-matting-model",
        "the reference is the colour of its background" if image is not None else "the prompt is outside "
        "what the model learned — the default two-stage mode (no --mode/--task) draws from library art"))
    if task == "t2v":
        sticker.metadata["experimental"] = True
        sticker.metadata["name"] = sticker.metadata["label"] = f"experimental: {args.prompt}"[:80]
    out = write_sticker(sticker, args.output)
    experimental = "an experimental sticker (text-to-video has not cleared its quality bar) to " \
        if sticker.metadata.get("experimental") else ""
    print(f"wrote {experimental}{out} ({sticker.width}x{sticker.height}, "
          f"{sticker.frame_count} frames, {sticker.metadata.get('device')}, seed {settings.seed})")
    return 0
