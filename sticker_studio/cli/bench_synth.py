"""`sticker-studio bench synth`: synthetic samples per second (clip + composite + index).

Generates a small set into a temporary folder with one process and with every core,
and prints samples/s and the bytes a sample takes. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--count", type=int, default=64, help="samples per run (default 64)")
    parser.add_argument("--size", type=int, default=128, help="clip side (default 128)")
    parser.add_argument("--subjects", type=Path, default=None, help="subjects folder (default data/subjects)")
    parser.add_argument("--workers", type=int, nargs="*", default=None,
                        help="process counts to time (default: 1 and the CPU count)")


def run(args: argparse.Namespace) -> int:
    from sticker_studio.training.data.subjects import load_subjects
    from sticker_studio.training.data.synth import generate_synthetic_dataset

    subjects = load_subjects(args.subjects)
    cores = os.cpu_count() or 1
    worker_counts = args.workers or sorted({1, cores})
    print(f"synth: {args.count} samples at {args.size}x{args.size}, 4-24 frames, with composites; "
          f"{len(subjects)} subjects ({subjects[0].source}); {cores} CPU cores")
    for workers in worker_counts:
        with tempfile.TemporaryDirectory(prefix="sticker-synth-") as tmp:
            t0 = time.perf_counter()
            records = generate_synthetic_dataset(tmp, args.count, args.subjects, seed=0, size=args.size,
                                                 workers=workers)
            elapsed = time.perf_counter() - t0
            size = sum(p.stat().st_size for p in Path(tmp).rglob("*") if p.is_file())
            frames = sum(r.frame_count for r in records)
        print(f"workers={workers}: {len(records) / elapsed:6.1f} samples/s ({frames / elapsed:6.0f} frames/s), "
              f"{elapsed:.2f} s, {size / len(records) / 1024:.0f} KiB/sample")
    return 0
