"""`sticker-studio train rig` and `eval rig`: the learned rig network (joints, face, parts).

Examples::

    sticker-studio train rig --out runs/rig-net --max-minutes 150 --threads 2 \\
        --export resources/models/rig-net            # resumable: add --resume to continue
    python scripts/build_rig_train.py               # renders the hand-labelled Fluent/Noto set to data/rig_train
    sticker-studio train rig --out runs/rig-ft --init resources/models/rig-net --data data/rig_train \\
        --labelled-share 0.3 --max-minutes 85 --threads 1 --batch 16 --lr 1.5e-3 --warmup 50
    sticker-studio eval rig --model runs/rig-net/export --real tests/data/rig_real --out runs/rig-eval.md
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def run_train_rig(args: argparse.Namespace) -> int:
    from sticker_studio.core.errors import InvalidInputError
    from sticker_studio.training.rig.train import RigTrainConfig, export_rig_from_run, train_rig

    if args.export_only:
        if not args.export:
            raise InvalidInputError("--export-only needs --export DIR")
        print(f"exported {export_rig_from_run(args.out, args.export)}")
        return 0
    fields: dict[str, object] = {
        "out": str(args.out), "seed": args.seed, "resume": args.resume, "max_minutes": args.max_minutes,
        "device": args.device, "threads": args.threads, "progress": not args.no_progress,
        "export": str(args.export) if args.export else None, "model_config": args.config or "bundled",
    }
    optional = {"steps": args.steps, "batch_size": args.batch, "lr": args.lr,
                "checkpoint_every": args.checkpoint_every, "warmup_steps": args.warmup, "ema_decay": args.ema_decay}
    fields.update({k: v for k, v in optional.items() if v is not None})
    if args.data:
        fields["labelled"] = [str(d) for d in args.data]
        fields["labelled_share"] = 0.3 if args.labelled_share is None else args.labelled_share
    if args.init:
        fields["init_weights"] = str(args.init)
    if args.model_overrides:
        try:
            fields["model_overrides"] = json.loads(args.model_overrides)
        except json.JSONDecodeError as error:
            raise InvalidInputError(f"--model-overrides is not valid JSON: {error}") from None
    result = train_rig(RigTrainConfig(**fields))  # type: ignore[arg-type]
    print(f"trained {result.steps} steps in {result.seconds / 60:.1f} min, final loss {result.final_loss:.4f}; "
          f"run in {result.run_dir}" + (f"; exported {result.exported}" if result.exported else ""))
    return 0


def run_eval_rig(args: argparse.Namespace) -> int:
    from sticker_studio.core.atomic import atomic_write_text
    from sticker_studio.engine.rig.predict import load_rig_net, predict_rig
    from sticker_studio.training.rig import evaluate
    from sticker_studio.training.rig.characters import HELD_OUT_FAMILIES, TRAIN_FAMILIES

    real = evaluate.read_real_set(args.real) if args.real else None  # a bad folder fails before any work
    net = load_rig_net(args.model)
    count = args.max_clips or 60
    pose = evaluate.mean_pose()

    def predict(rgba):
        return predict_rig(rgba, net=net, mirror=args.mirror)

    def baseline(rgba, truth):
        return evaluate.baseline_predict(rgba, truth.body_plan, pose)

    sections = []
    results: dict[str, object] = {}
    m, b = evaluate.score(evaluate.procedural_set(HELD_OUT_FAMILIES, count), predict, baseline)
    sections.append(evaluate.report_markdown(f"Held-out procedural families ({', '.join(HELD_OUT_FAMILIES)})", m, b))
    results["held_out"] = {"model": m, "baseline": b}
    m2, b2 = evaluate.score(evaluate.procedural_set(TRAIN_FAMILIES, max(4, count // 4)), predict, baseline)
    sections.append(evaluate.report_markdown("Training families, unseen characters", m2, b2))
    results["train_families"] = {"model": m2, "baseline": b2}
    if real is not None:
        meta, items = real
        m3, b3 = evaluate.score(items, predict, baseline)
        title = f"Real drawings: {meta.get('set', args.real)} ({meta.get('licence', 'licence not stated')})"
        sections.append(evaluate.report_markdown(title, m3, b3))
        results["real"] = {"model": m3, "baseline": b3}
    sections.append(_auto_rig_section(net, count, real[1] if real is not None else None, results))
    if args.sheet:
        from PIL import Image

        from sticker_studio.core.atomic import atomic_write_bytes

        panels = [evaluate.draw_rig(rgba, predict(rgba))
                  for rgba, _ in list(evaluate.procedural_set(HELD_OUT_FAMILIES, 6))]
        if real is not None:
            panels += [evaluate.draw_rig(rgba, predict(rgba)) for rgba, _ in real[1]]
        panels += [evaluate.draw_rig(rgba, predict(rgba)) for _, rgba in evaluate.library_characters()]
        import io

        buf = io.BytesIO()
        Image.fromarray(evaluate.contact_sheet(panels)).save(buf, format="PNG")
        atomic_write_bytes(Path(args.sheet), buf.getvalue())
    if not args.no_timing:
        sections.append(_timing(net))
    text = "\n".join(sections)
    print(text)
    if args.out:
        atomic_write_text(Path(args.out), text)
        atomic_write_text(Path(args.out).with_suffix(".json"), json.dumps(results, indent=1) + "\n")
    return 0


def _auto_rig_section(net, count: int, real_items, results: dict) -> str:
    """PCK and eye hits of what the app uses, the automatic rig (engine/rig/auto.py: the network's
    confident joints over the geometry), beside the geometry alone, on the held-out families and
    the real set."""
    from sticker_studio.core.puppet.autorig import propose_rig
    from sticker_studio.engine.rig.predict import predict_rig
    from sticker_studio.training.rig import evaluate
    from sticker_studio.training.rig.characters import HELD_OUT_FAMILIES

    sets = [("held-out families", list(evaluate.procedural_set(HELD_OUT_FAMILIES, count)))]
    if real_items is not None:
        sets.append(("real drawings", real_items))
    lines = ["#### The automatic rig (network + geometry, `engine/rig/auto.py`) against the geometry alone", "",
             "| set | drawings | auto PCK@0.05 | geometry PCK@0.05 | auto eyes found | geometry eyes found |",
             "|---|---:|---:|---:|---:|---:|"]
    results["auto_rig"] = {}
    for title, items in sets:
        auto, geo = evaluate.RigScores(), evaluate.RigScores()
        for rgba, truth in items:
            pred = predict_rig(rgba, net=net, mirror=True)  # as engine/rig/auto.py reads it
            auto.add(truth, evaluate.rig_as_prediction(propose_rig(rgba, learned=pred), pred), rgba[..., 3])
            geo.add(truth, evaluate.rig_as_prediction(propose_rig(rgba), pred), rgba[..., 3])
        a, g = auto.summary(), geo.summary()
        results["auto_rig"][title] = {"auto": a, "geometry": g}
        lines.append(f"| {title} | {a['items']} | {evaluate._pct(a['pck'])} | {evaluate._pct(g['pck'])} | "
                     f"{evaluate._pct(a['eye_hit'])} | {evaluate._pct(g['eye_hit'])} |")
    return "\n".join(lines) + "\n"


def _timing(net) -> str:
    """Median ms of ``predict_rig`` on a 512² drawing on one torch thread, with the machine's load."""
    import os
    import platform
    import time

    import numpy as np
    import torch

    from sticker_studio.engine.rig.predict import predict_rig
    from sticker_studio.training.rig.characters import render_character

    rgba = render_character("robot", 10_000_000, 512).rgba
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        predict_rig(rgba, net=net)
        times = []
        for _ in range(20):
            t = time.perf_counter()
            predict_rig(rgba, net=net)
            times.append(time.perf_counter() - t)
    finally:
        torch.set_num_threads(threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"predict_rig on a 512² drawing: {1000 * float(np.median(times)):.1f} ms median of 20 (1 torch thread; "
            f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}, load average {load:.1f})\n")
