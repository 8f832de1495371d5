"""`eval motion` and `bench puppet`: the puppet engine measured on library art.

Characters are Fluent Emoji art (MIT) from the bundled art library, rendered with
resvg and rigged automatically; none was drawn for this engine. Per motion: flipped
triangles, stretch (p95 of |log sigma| per triangle), loop seam (last -> first change
divided by the largest step; <= 1 means no visible jump), frame 0 identical to the
drawing, the share of the subject that changes and where (the changed pixels' mean x
relative to the subject's centre, in half-widths: -1 left .. +1 right), and tears (frames where the
background shows through a cut between two parts inside one run of colour, :mod:`~sticker_studio.core.puppet.tears`).
"""

from __future__ import annotations

import argparse
import os
import time
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sticker_studio.core.puppet.rig import Rig

DEFAULT_CHARACTERS: dict[str, str] = {
    "person": "person standing", "teddy": "teddy bear", "dog": "dog", "cat": "cat",
    "smiley": "smiling face with smiling eyes", "ghost": "ghost", "monkey": "monkey", "robot": "robot",
    "clock": "alarm clock",
}


def machine_line() -> str:
    load = os.getloadavg() if hasattr(os, "getloadavg") else (float("nan"),) * 3
    return (f"{os.cpu_count()} CPU cores, load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}, "
            f"OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")


def library_characters(names: list[str] | None, size: int) -> list[tuple[str, np.ndarray]]:
    from sticker_studio.core.errors import InvalidInputError
    from sticker_studio.core.text.art_library import ArtLibrary
    from sticker_studio.formats.svg_render import render_svg

    lib = ArtLibrary.load()
    out = []
    for key in names or list(DEFAULT_CHARACTERS):
        label = DEFAULT_CHARACTERS.get(key, key)
        entry = lib.find(label)
        if entry is None:
            raise InvalidInputError(f"{label!r} is not in the art library")
        out.append((key, render_svg(lib.svg(entry), size)))
    return out


def motion_figures(rgba: np.ndarray, rig, plan, motion: str, frames: int = 24,
                   clip_out: list[np.ndarray] | None = None) -> dict[str, float]:
    """The per-motion figures for one character (``clip_out``: also receives the sticker's frames)."""
    from sticker_studio.core.puppet.animate import (
        AnimateOptions,
        animate_character,
        check_playable,
        motion_poses,
        playable_arms,
    )
    from sticker_studio.core.puppet.arap import triangle_stretch
    from sticker_studio.core.puppet.motions import CharacterParams, find_character_motion
    from sticker_studio.core.puppet.tears import TEAR_MIN_POINTS, seam_points, torn_points

    mot = find_character_motion(motion)
    assert mot is not None
    check_playable(mot, rig, plan)  # the one-line error animate gives, before any pose is made
    puppet = plan.puppet
    phases = [k / frames for k in range(frames)]
    flips, logs = 0, []
    t0 = time.perf_counter()
    arms = playable_arms(rig, plan) if {"arm", "arms"} & set(mot.needs) else None
    seams = seam_points(puppet)
    torn: list[int] = []
    for pose in motion_poses(mot, rig, puppet, CharacterParams(), phases, arms):
        torn.append(torn_points(puppet, seams, pose))
        for layer, verts in zip(puppet.layers, puppet.deform(pose), strict=True):
            det, lg = triangle_stretch(layer.mesh.vertices, verts - puppet.origin, layer.mesh.triangles)
            flips += int((det <= 0).sum())
            logs.append(lg)
    sticker = animate_character(rgba, rig, motion, options=AnimateOptions(frames=frames), plan=plan)
    elapsed = time.perf_counter() - t0
    if clip_out is not None:
        clip_out.extend(sticker.frames)
    h, w = rgba.shape[:2]
    pad = sticker.metadata["canvas_padding"]
    assert isinstance(pad, list)
    px, py = int(pad[0]), int(pad[1])
    fr = [f.astype(np.int16) for f in sticker.frames]
    steps = [float(np.abs(fr[k + 1] - fr[k]).mean()) for k in range(len(fr) - 1)]
    seam = float(np.abs(fr[0] - fr[-1]).mean())
    subject = rgba[..., 3] > 0
    changed = np.zeros((h, w), bool)
    for f in sticker.frames:
        changed |= np.any(f[py:py + h, px:px + w] != rgba, axis=-1)
    share = float((changed & subject).sum()) / max(1, int(subject.sum()))
    ys, xs = np.nonzero(subject)
    cx, half = (xs.min() + xs.max()) / 2.0, max(1.0, (xs.max() - xs.min()) / 2.0)
    cxs = np.nonzero(changed & subject)[1]
    side = float((cxs.mean() - cx) / half) if len(cxs) else 0.0
    frame0 = bool(np.array_equal(sticker.frames[0][py:py + h, px:px + w], rgba))
    return {"flips": flips, "stretch_p95": float(np.percentile(np.concatenate(logs), 95)) if logs else 0.0,
            "seam": seam / max(max(steps), 1e-9), "frame0": float(frame0), "share": share, "side": side,
            "tears": float(sum(c >= TEAR_MIN_POINTS for c in torn)), "torn_points": float(max(torn, default=0)),
            "seconds": elapsed}


def run_eval(args: argparse.Namespace) -> int:
    from sticker_studio.cli.adherence_eval import (
        RULES,
        adherence_classifier,
        motion_filter,
        real_and_generator_sections,
        rule_cell,
    )
    from sticker_studio.core.atomic import atomic_write_text
    from sticker_studio.core.puppet.animate import missing_in, prepare
    from sticker_studio.core.puppet.autorig import propose_rig
    from sticker_studio.core.puppet.motions import list_character_motions

    if getattr(args, "generator_only", False):
        sections = real_and_generator_sections(args)
        print(sections)
        if args.out is not None:
            atomic_write_text(args.out, f"eval motion ({machine_line()})\n\n{sections}\n")
        return 0
    chars = library_characters(args.characters, args.size)
    wanted = motion_filter(args)
    rows: dict[str, list[dict[str, float]]] = {}
    classify = adherence_classifier(args)
    reads: dict[str, list[str]] = {}
    print(f"eval motion: {len(chars)} library characters at {args.size} px; {machine_line()}")
    for key, rgba in chars:
        rig = propose_rig(rgba)
        plan = prepare(rgba, rig)
        for m in list_character_motions():
            # (an automatic rig's doubtful arms do not wave: a stated error)
            if (wanted is not None and m.name not in wanted) or missing_in(m, rig, plan):
                continue
            clip: list[np.ndarray] = []
            rows.setdefault(m.name, []).append(motion_figures(rgba, rig, plan, m.name, clip_out=clip))
            if classify is not None:
                reads.setdefault(m.name, []).append(classify(clip))
        print(f"  {key}: {rig.plan.value}, parts {', '.join(rig.part_names())}, face {', '.join(rig.face) or '-'}")
    lines = ["| motion | characters | flipped triangles | stretch p95 | loop seam (max) | frame 0 identical | "
             "subject changed (max) | changed side (mean) | torn frames (characters) | issue rule | adherence |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, figs in rows.items():
        got = reads.get(name, [])
        adherence = f"{sum(g == name for g in got)}/{len(got)}" if got else "—"
        lines.append(
            f"| {name} | {len(figs)} | {sum(int(f['flips']) for f in figs)} | "
            f"{max(f['stretch_p95'] for f in figs):.3f} | {max(f['seam'] for f in figs):.2f} | "
            f"{int(sum(f['frame0'] for f in figs))}/{len(figs)} | {max(f['share'] for f in figs):.1%} | "
            f"{np.mean([f['side'] for f in figs]):+.2f} | {int(sum(f['tears'] for f in figs))} "
            f"({sum(f['tears'] > 0 for f in figs)}) | {rule_cell(name, [(f['share'], f['side']) for f in figs])} | "
            f"{adherence} |")
    if reads:
        hits = sum(g == m for m, gs in reads.items() for g in gs)
        total = sum(len(gs) for gs in reads.values())
        lines.append(f"\nAdherence (motion classifier, among the 20 character motions): {hits}/{total} = "
                     f"{hits / max(1, total):.1%}. Issue rules: " + "; ".join(RULES.values()) + ".")
    table = "\n".join(lines)
    print(table)
    sections = real_and_generator_sections(args)
    if sections:
        print(sections)
    if args.out is not None:
        tail = f"\n{sections}\n" if sections else ""
        atomic_write_text(args.out, f"eval motion ({machine_line()})\n\n{table}\n{tail}")
    return 0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=int, default=512, help="drawing side (default 512)")
    parser.add_argument("--characters", nargs="*", default=None, help="library art keys or labels")
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (the best is reported)")


def run_bench(args: argparse.Namespace) -> int:
    from sticker_studio.core.puppet.animate import (
        AnimateOptions,
        animate_character,
        missing_in,
        motion_poses,
        playable_arms,
        prepare,
    )
    from sticker_studio.core.puppet.motions import CharacterParams, find_character_motion
    from sticker_studio.engine.rig.auto import auto_rig
    from sticker_studio.engine.rig.predict import rig_model_installed

    learned = rig_model_installed()

    def make_rig(rgba: np.ndarray) -> Rig:
        return auto_rig(rgba, learned=learned)

    chars = library_characters(args.characters or ["teddy", "person", "dog", "smiley"], args.size)
    print(f"bench puppet: {args.size}x{args.size} library art; {machine_line()}")
    source = "rig network + geometry" if learned else "geometry only: no rig model installed"
    print(f"rig: the automatic rig ({source}); its CPU time counts every thread, the wall column is what you wait")
    print("times are CPU time of this process (time.process_time; one thread), best of --repeat; on a shared,")
    print("loaded machine wall-clock is longer: 'wall' columns are the best wall-clock of the same runs")
    print(f"{'character':<10} {'rig s':>6} {'wall':>5} {'setup s':>7} {'motion':<8} {'deform ms':>9} {'raster ms':>9} "
          f"{'frame ms':>8} {'24-frame s':>10} {'wall':>5}")
    for key, rgba in chars:
        # the rig users get: the automatic rig (network + geometry) where the rig model is installed
        rig_s, rig_w = _best([_timed(lambda: make_rig(rgba)) for _ in range(max(1, args.repeat))])  # noqa: B023
        rig = make_rig(rgba)
        setup_s, _ = _timed(lambda: prepare(rgba, rig))  # noqa: B023
        plan = prepare(rgba, rig)
        for name in ("wave", "hop", "blink"):
            mot = find_character_motion(name)
            if mot is None or missing_in(mot, rig, plan):
                continue
            poses = motion_poses(mot, rig, plan.puppet, CharacterParams(), [k / 24 for k in range(24)],
                                 playable_arms(rig, plan) if {"arm", "arms"} & set(mot.needs) else None)
            best_d, best_r = float("inf"), float("inf")
            for _ in range(max(1, args.repeat)):
                t0 = time.process_time()
                deformed = [plan.puppet.deform(p) for p in poses]
                t1 = time.process_time()
                for p, d in zip(poses, deformed, strict=True):
                    plan.puppet.render(p, deformed=d)
                t2 = time.process_time()
                best_d, best_r = min(best_d, (t1 - t0) / 24), min(best_r, (t2 - t1) / 24)
            sticker_s, wall = _best([_timed(lambda: animate_character(rgba, rig, name,  # noqa: B023
                                                                      options=AnimateOptions(frames=24),
                                                                      plan=plan))  # noqa: B023
                                     for _ in range(max(1, args.repeat))])
            print(f"{key:<10} {rig_s:>6.3f} {rig_w:>5.2f} {setup_s:>7.3f} {name:<8} {best_d * 1e3:>9.2f} "
                  f"{best_r * 1e3:>9.2f} {(best_d + best_r) * 1e3:>8.2f} {sticker_s:>10.3f} {wall:>5.2f}")
    print("targets: rig <= 0.3 s per 512x512, deformation + raster <= 15 ms per frame, 24-frame sticker <= 1 s "
          "(before encoding); setup (meshes + factorisations) is paid once per drawing")
    return 0


def _timed(fn) -> tuple[float, float]:
    """(CPU seconds of this process, wall seconds) of one call."""
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def _best(runs: list[tuple[float, float]]) -> tuple[float, float]:
    """The least CPU time and the least wall time over runs."""
    return min(r[0] for r in runs), min(r[1] for r in runs)
