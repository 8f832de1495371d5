"""`sticker-studio bench generate`: the whole `generate PROMPT -o OUT` process, as an artist waits for it.

Runs the command in a fresh process ``--repeat`` times (imports, library load, MiniLM
query, render, preset motion, WebP write) and prints each run's wall and CPU time, the
median and the machine's load. Issue 22's target is ≤ 2.5 s on an idle 2-core machine;
on a busy one the CPU seconds are the better guide. Also prints which heavy modules the
process imported (none of torch/transformers/diffusers is expected on this path).
Prints figures; asserts nothing.
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


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prompt", default="a robot waving", help="prompt (default 'a robot waving')")
    parser.add_argument("--repeat", type=int, default=5, help="runs (default 5; the median is reported)")
    parser.add_argument("--size", type=int, default=512, help="output side (default 512)")


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
    return 0
