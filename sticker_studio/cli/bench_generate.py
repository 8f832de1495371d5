"""`sticker-studio bench generate`: the whole `generate PROMPT -o OUT` process, as an artist waits for it.

Runs the command in a fresh process ``--repeat`` times (imports, library load, MiniLM
query, render, preset motion, WebP write) and prints each run's wall and CPU time, the
median and the machine's load. Issue 22's target is ≤ 2.5 s on an idle 2-core machine;
on a busy one the CPU seconds are the better guide. Also prints which heavy modules the
process imported (none of torch/transformers/diffusers is expected on this path).
Then the warm figure (``--warm`` calls, 0 to skip): ``generate_two_stage`` called again in
one process, as the app does for its second sticker (issue 22: ≤ 0.5 s), with where its CPU
time goes (library art, rig network, rig geometry, puppet setup, frames, framing) from one
profiled call; then the warm figure for new subjects (``--new-subjects``: eight character prompts,
each drawn once with the subject memo emptied). Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HEAVY = ("torch", "transformers", "diffusers")
#: the warm new-subject figure's prompts: a character motion on eight library subjects
NEW_SUBJECT_PROMPTS = ("a teddy bear waving hello", "a sleepy panda", "a cat in love", "a dog wagging its tail",
                       "a robot waving hello", "a sad bunny crying", "a monkey dancing", "a cat waving")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prompt", default="a robot waving", help="prompt (default 'a robot waving')")
    parser.add_argument("--repeat", type=int, default=5, help="runs (default 5; the median is reported)")
    parser.add_argument("--size", type=int, default=512, help="output side (default 512)")
    parser.add_argument("--warm", type=int, default=3,
                        help="warm in-process calls after a first one (default 3; 0 skips the warm figure)")
    parser.add_argument("--new-subjects", default=",".join(NEW_SUBJECT_PROMPTS), metavar="P1,P2,...",
                        help="prompts for the warm new-subject figure, each a subject the process has not drawn "
                             "yet (default: eight character prompts; '' skips it)")


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run(args: argparse.Namespace) -> int:
    walls: list[float] = []
    cpus: list[float] = []
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    print(f"generate {args.prompt!r} --size {args.size}: {os.cpu_count()} CPU cores, load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "bench.webp"
        command = [sys.executable, "-m", "sticker_studio", "generate", args.prompt, "--size", str(args.size),
                   "-o", str(out)]
        for i in range(max(1, args.repeat)):
            cpu0 = _child_cpu()
            t0 = time.perf_counter()
            done = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
            walls.append(time.perf_counter() - t0)
            cpus.append(_child_cpu() - cpu0)
            if done.returncode != 0:
                print(done.stderr.strip())
                return done.returncode
            print(f"  run {i + 1}: {walls[-1]:.2f} s wall, {cpus[-1]:.2f} s CPU  ({done.stdout.strip()})")
        probe = subprocess.run([sys.executable, "-X", "importtime", *command[1:]], capture_output=True, text=True,
                               env=env, check=False)
    heavy = sorted({line.split("|")[-1].strip().split(".")[0] for line in probe.stderr.splitlines()
                    if line.startswith("import time") and line.split("|")[-1].strip().split(".")[0] in HEAVY})
    print(f"median: {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU "
          f"(target <= 2.5 s wall on an idle 2-core machine); load average now "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"heavy modules imported: {', '.join(heavy) if heavy else 'none'}")
    if args.warm > 0:
        print(_warm(args.prompt, args.size, args.warm))
    prompts = [p.strip() for p in str(args.new_subjects).split(",") if p.strip()]
    if prompts:
        print(_warm_new_subjects(prompts, args.size))
    return 0


def _warm_new_subjects(prompts: list[str], size: int) -> str:
    """Each prompt once in this (warm) process with the drawn-subject memo emptied first, as the app's
    first sticker of a subject: wall and CPU seconds each, their median and the slowest (issue 22: <= 0.5 s)."""
    from sticker_studio.engine.generate import character_motion
    from sticker_studio.engine.generate.two_stage import MotionOptions, generate_two_stage, sensible_threads

    generate_two_stage("a fox jumping", MotionOptions(seed=0), size=size)  # warm: libraries, MiniLM, rig model
    # the puppet's layers and frames are made on the idle cores (at most 2): the load average decides
    threads = min(2, sensible_threads())
    lines, walls, cpus = [], [], []
    for prompt in prompts:
        character_motion._PREPARED.clear()
        cpu, wall = time.process_time(), time.perf_counter()
        result = generate_two_stage(prompt, MotionOptions(seed=0), size=size)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
        lines.append(f"  {prompt!r}: {walls[-1]:.3f} s wall, {cpus[-1]:.3f} s CPU ({result.motion.motion} by "
                     f"{result.motion.source})")
    character_motion._PREPARED.clear()
    return (f"warm new subject ({len(prompts)} prompts, each subject not drawn before in this process; puppet "
            f"layers and frames on {threads} thread{'s' if threads > 1 else ''}):\n"
            + "\n".join(lines)
            + f"\n  median {statistics.median(walls):.3f} s wall / {statistics.median(cpus):.3f} s CPU, slowest "
              f"{max(walls):.3f} s wall / {max(cpus):.3f} s CPU (target <= 0.5 s); load average now "
              f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")


#: (label, file suffix, function): the warm path's stages, read from a profile of one call
_STAGES = (
    ("scene (library art, MiniLM)", "engine/generate/two_stage.py", "pick_scene"),
    ("shipped rig", "engine/rig/rig_cache.py", "cached_rig"),
    ("rig network", "engine/rig/predict.py", "predict_rig"),
    ("rig geometry", "core/puppet/autorig.py", "propose_rig"),
    ("puppet setup", "core/puppet/animate.py", "prepare"),
    ("frames", "core/puppet/layers.py", "render"),
    ("framing", "core/puppet/framing.py", "frame_character"),
    ("framed frames", "core/puppet/framed.py", "animate_framed"),
)


def _warm(prompt: str, size: int, repeat: int) -> str:
    """``generate_two_stage`` in this process: the first call, then ``repeat`` warm ones (median), and
    the stages' share of a profiled warm call (CPU seconds; the profiler adds its own overhead)."""
    import cProfile
    import pstats

    from sticker_studio.engine.generate.two_stage import MotionOptions, generate_two_stage

    def once() -> tuple[float, float, int]:
        cpu, wall = time.process_time(), time.perf_counter()
        result = generate_two_stage(prompt, MotionOptions(seed=0), size=size)
        return time.process_time() - cpu, time.perf_counter() - wall, result.sticker.frame_count

    first_cpu, first_wall, _ = once()
    runs = [once() for _ in range(repeat)]
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    once()
    profile.disable()
    stats: dict[tuple[str, int, str], tuple[int, int, float, float, object]] = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    total = max((ct for (_, _, name), (_, _, _, ct, _) in stats.items() if name == "generate_two_stage"), default=0.0)
    shares = []
    for label, suffix, func in _STAGES:
        hits = [(nc, ct) for (path, _, name), (_, nc, _, ct, _) in stats.items()
                if name == func and path.replace("\\", "/").endswith(suffix)]
        if hits:
            calls, seconds = sum(h[0] for h in hits), sum(h[1] for h in hits)
            shares.append(f"{label} {seconds:.3f}" + (f" ({calls} calls)" if calls > 1 else ""))
    frames = runs[-1][2]
    return (f"warm (the app's generate_two_stage, same process): first call {first_cpu:.2f} s CPU / {first_wall:.2f} s "
            f"wall, then median {statistics.median(r[0] for r in runs):.3f} s CPU / "
            f"{statistics.median(r[1] for r in runs):.3f} s wall over {repeat} ({frames} frames; target <= 0.5 s)\n"
            f"  profiled warm call {total:.3f} s CPU: {'; '.join(shares)}; load average now "
            f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
