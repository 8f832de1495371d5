"""`sticker-studio eval matting|generator|rig`: the model-card tables on held-out clips.

Examples::

    sticker-studio eval matting --data data/fluent-anim --out runs/matting-eval.md
    sticker-studio eval matting --data data/fluent-anim --model runs/matting-head \\
        --baseline runs/matting-per-frame/export
    sticker-studio eval generator --data data/fluent-anim --model dfgn-sticker-64 --out runs/gen-eval.md
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("eval", help="measure a matting head or generator on held-out clips, or the "
                                   "puppet engine's character motions (eval motion)",
                                   description="Evaluate on a dataset's held-out split and print a markdown table.")
    parser.add_argument("what", choices=("matting", "generator", "motion", "rig"))
    parser.add_argument("--size", type=int, default=512, help="motion: drawing side in pixels (default 512)")
    parser.add_argument("--characters", nargs="*", default=None, metavar="NAME",
                        help="motion: library art to animate (default: person, teddy, dog, cat, smiley, ghost, "
                             "monkey, robot, clock)")
    parser.add_argument("--real", type=Path, default=None, metavar="DIR",
                        help="rig: also score a hand-labelled folder (labels.json, format 1); motion: also measure "
                             "adherence on its characters with the automatic and the hand rig; matting: score a "
                             "real-art set (tests/data/matting_real) per background, --sheet draws the 10 worst")
    parser.add_argument("--real-size", type=int, default=256, metavar="PX",
                        help="motion --real: drawing side of the real characters (default 256)")
    parser.add_argument("--real-limit", type=int, default=None, metavar="N",
                        help="motion --real: only the first N real characters")
    parser.add_argument("--classifier", default=None, metavar="ID|PATH",
                        help="motion: the motion classifier for adherence (default: the bundled one)")
    parser.add_argument("--no-adherence", action="store_true", help="motion: skip the motion classifier")
    parser.add_argument("--motions", nargs="*", default=None, metavar="NAME",
                        help="motion: only these character motions (default: all 20), on the library art and --real")
    parser.add_argument("--generator", nargs="?", const="dfgn-sticker-64", default=None, metavar="ID|PATH",
                        help="motion: also score the learned generator's image-to-animation clips with the "
                             "classifier (default dfgn-sticker-64; --per-motion subjects per motion)")
    parser.add_argument("--generator-cache", type=Path, default=None, metavar="DIR",
                        help="motion --generator: keep the generated clips here and reuse them on a rerun")
    parser.add_argument("--generator-only", action="store_true",
                        help="motion --generator: skip the library art and the real set's character motions")
    parser.add_argument("--data", action="append", default=[], metavar="DIR", help="dataset folder (repeatable)")
    parser.add_argument("--pack", type=Path, default=None, metavar="DIR",
                        help="matting: a held-out drawings pack (training/data/matting_pack.py, split test, or val "
                             "to tune on); scores per background (white / pale / near colour / texture)")
    parser.add_argument("--sheet", type=Path, default=None, help="matting --pack: also write a contact sheet PNG")
    parser.add_argument("--model", default=None, metavar="ID|PATH",
                        help="model id or folder (default: the bundled default)")
    parser.add_argument("--baseline", action="append", default=[], metavar="ID|PATH",
                        help="matting: another head to compare against, e.g. the per-frame head "
                             "(temporal_depth=0); repeatable")
    parser.add_argument("--split", default="test", choices=("train", "val", "test", "all"))
    parser.add_argument("--max-clips", type=int, default=None, help="clips/prompts to use (default 40 / 12)")
    parser.add_argument("--steps", type=int, default=None, help="generator: DDIM steps (default: the model's)")
    parser.add_argument("--per-motion", type=int, default=2,
                        help="generator: held-out subjects asked for each motion (default 2)")
    parser.add_argument("--no-t2v", action="store_true", help="generator: skip the text-only samples")
    parser.add_argument("--adherence-out", type=Path, default=None, metavar="FILE",
                        help="generator: write the per-motion adherence JSON (motion_adherence.json) here")
    parser.add_argument("--no-timing", action="store_true", help="matting, rig: skip the 512² timing")
    parser.add_argument("--mirror", action="store_true",
                        help="matting --pack: also score each layout-prior head with mirror averaging "
                             "(matte --mirror); rig: read each drawing and its mirror and average")
    parser.add_argument("--prior-only", action="store_true",
                        help="matting --pack: also score the layout prior alone (colour key + per-region vote)")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--out", type=Path, default=None, help="also write the table (markdown) here")
    parser.set_defaults(func=run)


def _load_head(spec: str | None):
    from sticker_studio.engine.matting.matte import load_matting_head

    return load_matting_head(spec)


def _head_label(head, spec: str | None) -> str:
    """"temporal head (temporal_depth=5, 1993 steps)" — steps from the folder's training.json."""
    import json

    from sticker_studio.engine.store.hub import resolve_model
    from sticker_studio.engine.store.manifest import ModelManifest

    depth = getattr(getattr(head, "config", None), "temporal_depth", "?")
    kind = "per-frame head" if depth == 0 else "temporal head"
    steps = None
    try:
        folder = Path(spec) if spec and Path(spec).is_dir() else resolve_model(
            spec or ModelManifest.load().default_id("matting"))
        steps = json.loads((folder / "training.json").read_text(encoding="utf-8"))["run"]["steps"]
    except Exception:
        steps = None
    return f"{kind} (temporal_depth={depth}" + (f", {steps} steps)" if steps else ")")


def _eval_real(args: argparse.Namespace) -> str:
    """`eval matting --real DIR`: the bundled (or --model) head and baselines on held-out real art."""
    from sticker_studio.engine.matting.matte import head_uses_prior
    from sticker_studio.training.eval import drawn as ed
    from sticker_studio.training.eval.real_set import evaluate_real

    methods = {}
    if args.prior_only:
        methods["layout prior only (no network)"] = ed.method_for(None, ed.MethodKind.PRIOR)
    for spec in [*args.baseline, args.model]:
        head = _load_head(spec)
        label = Path(spec).name if spec else "bundled head"
        methods[label] = ed.method_for(head, ed.MethodKind.PRIOR if head_uses_prior(head) else ed.MethodKind.PLAIN)
    return evaluate_real(args.real, methods, split=args.split if args.split != "train" else "all",
                         sheet=args.sheet, progress=True, timing=not args.no_timing,
                         cases_out=args.out.with_suffix(".cases.tsv") if args.out else None)


def run(args: argparse.Namespace) -> int:
    if args.what == "motion":  # the puppet engine: numpy only, no torch
        from sticker_studio.cli.puppet_eval import run_eval

        return run_eval(args)
    if args.what == "rig":
        from sticker_studio.cli.rig_net import run_eval_rig

        return run_eval_rig(args)
    import torch

    from sticker_studio.core.atomic import atomic_write_text
    from sticker_studio.training.eval import evaluate

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.split == "all" and not (args.what == "matting" and args.real is not None):
        from sticker_studio.core.errors import InvalidInputError

        raise InvalidInputError("--split all is for `eval matting --real` only; use train, val or test")
    if args.what == "matting" and args.real is not None:
        text = _eval_real(args)
    elif args.what == "matting" and args.pack is not None:
        from sticker_studio.engine.matting.matte import head_uses_prior
        from sticker_studio.training.eval import drawn as ed

        methods = {"colour key": ed.method_for(None, ed.MethodKind.KEY)}
        if args.prior_only:
            methods["layout prior only (no network)"] = ed.method_for(None, ed.MethodKind.PRIOR)
        for spec in [*args.baseline, args.model]:
            head = _load_head(spec)
            label = Path(spec).name if spec else "bundled head"
            methods[label] = ed.method_for(head, ed.MethodKind.PRIOR if head_uses_prior(head) else ed.MethodKind.PLAIN)
            if args.mirror and head_uses_prior(head):
                methods[f"{label} + mirror"] = ed.method_for(head, ed.MethodKind.PRIOR, mirror=True)
        rows, _ = ed.evaluate_drawn(args.pack, methods, timing=not args.no_timing, progress=True,
                                    limit=args.max_clips)
        text = ed.markdown(rows)
        if args.sheet:
            ed.contact_sheet(args.pack, methods, args.sheet)
    elif not args.data:
        from sticker_studio.core.errors import InvalidInputError

        raise InvalidInputError("give --data DIR (or --pack DIR for matting)")
    elif args.what == "matting":
        heads: dict[str, object] = {"colour key (flood fill)": None}
        for spec in [*args.baseline, args.model]:
            head = _load_head(spec)
            heads[_head_label(head, spec)] = head
        report = evaluate.evaluate_matting(args.data, heads, split=args.split,
                                           max_clips=args.max_clips or 40, timing=not args.no_timing,
                                           progress=True)
        text = report.markdown() + (f"\nHeld-out clips: {report.clips}; the truth's mean frame-to-frame "
                                    f"|Δα| is {report.truth_change:.4f}.\n")
    else:
        from sticker_studio.engine.store.manifest import DEFAULT_GENERATOR_ID

        model = args.model or DEFAULT_GENERATOR_ID
        if args.per_motion < 1:
            from sticker_studio.core.errors import InvalidInputError

            raise InvalidInputError("--per-motion must be at least 1")
        gen = evaluate.evaluate_generator(args.data, model, split=args.split, max_prompts=args.max_clips or 12,
                                          per_motion=args.per_motion, steps=args.steps, t2v=not args.no_t2v,
                                          progress=True)
        text = gen.markdown() + "\nMotion checks (asked → measured):\n\n" + "".join(
            f"- {c.expected} → {c.produced} ({'match' if c.matches else 'no match'})\n" for c in gen.motion_checks)
    print(text, end="")
    if args.what == "generator" and args.adherence_out:
        import json
        import time

        names = ", ".join(Path(d).name for d in args.data)
        measured_on = (f"{len(gen.motion_checks)} i2v prompts on held-out ({args.split}) subjects of {names}, "
                       f"{gen.steps} DDIM steps, {time.strftime('%Y-%m-%d', time.gmtime())}")
        model_name = Path(str(model)).name
        atomic_write_text(args.adherence_out,
                          json.dumps(gen.adherence_json(model_name, measured_on), indent=2) + "\n")
    if args.out:
        atomic_write_text(args.out, text)
    return 0
