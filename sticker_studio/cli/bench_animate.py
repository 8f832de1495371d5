"""`sticker-studio bench animate`: how long a motion preset takes on a 512x512 drawing.

Times animate + APNG write (in process) for every preset, and optionally the whole
command line (`sticker-studio animate ...` in a fresh process, imports included),
which is what an artist waits for. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--size", type=int, default=512, help="drawing and output side (default 512)")
    parser.add_argument("--frames", type=int, default=16, help="frames per sticker (default 16)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per preset (the best is reported)")
    parser.add_argument("--motions", nargs="*", default=None, help="presets to time (default: all)")
    parser.add_argument("--no-cli", action="store_true", help="skip timing the command in a fresh process")


def run(args: argparse.Namespace) -> int:
    import os

    from PIL import Image

    from sticker_studio.cli.cmd_animate import write_output
    from sticker_studio.core.motion.presets import PRESETS, animate, get_preset
    from sticker_studio.training.data.drawn_subjects import sample_drawing

    drawing = sample_drawing(args.size)
    names = [get_preset(m).name for m in args.motions] if args.motions else list(PRESETS)
    print(f"animate: {args.size}x{args.size} drawing -> {args.frames}-frame APNG, "
          f"{os.cpu_count()} CPU cores, OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}")
    print(f"{'motion':<12} {'render s':>9} {'write s':>8} {'total s':>8} {'bytes':>9}")
    totals = []
    with tempfile.TemporaryDirectory(prefix="sticker-bench-") as tmp:
        for name in names:
            best = None
            for _ in range(max(1, args.repeat)):
                t0 = time.perf_counter()
                sticker = animate(drawing, name, frames=args.frames, size=args.size)
                t1 = time.perf_counter()
                path = write_output(sticker, Path(tmp) / f"{name}.png")
                t2 = time.perf_counter()
                if best is None or t2 - t0 < best[2]:
                    best = (t1 - t0, t2 - t1, t2 - t0, path.stat().st_size)
            assert best is not None
            totals.append(best[2])
            print(f"{name:<12} {best[0]:>9.3f} {best[1]:>8.3f} {best[2]:>8.3f} {best[3]:>9d}")
        print(f"in process: median {statistics.median(totals):.3f} s, worst {max(totals):.3f} s "
              f"over {len(totals)} presets")
        if not args.no_cli:
            src = Path(tmp) / "drawing.png"
            Image.fromarray(drawing).save(src)
            cmd = [sys.executable, "-m", "sticker_studio", "animate", str(src), "--motion", "bounce",
                   "--frames", str(args.frames), "-o", str(Path(tmp) / "cli.png")]
            t0 = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True)
            elapsed = time.perf_counter() - t0
            status = "ok" if done.returncode == 0 else f"exit {done.returncode}: {done.stderr.strip()[:200]}"
            print(f"command line (fresh process, bounce): {elapsed:.3f} s ({status})")
    return 0
