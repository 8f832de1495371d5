"""`sticker-studio demo [--sample NAME] [--out DIR]`: export a bundled sample to every target."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="export the bundled sample animation to every messenger target")
    parser.add_argument("--sample", default="bounce", help="file stem in resources/samples (default: bounce)")
    parser.add_argument("--out", type=Path, default=Path("sticker-studio-demo"), metavar="DIR",
                        help="output folder (default: ./sticker-studio-demo/)")
    parser.set_defaults(func=run)


def sample_path(name: str) -> Path:
    from sticker_studio.core.errors import InvalidInputError
    from sticker_studio.paths import resources_dir

    folder = resources_dir() / "samples"
    matches = sorted(folder.glob(f"{name}.*")) if folder.is_dir() else []
    if not matches:
        known = sorted(p.stem for p in folder.glob("*.*")) if folder.is_dir() else []
        raise InvalidInputError(f"no bundled sample '{name}' in {folder}; available: {', '.join(known) or 'none'}")
    return matches[0]


def run(args: argparse.Namespace) -> int:
    import time

    from sticker_studio.core.errors import StickerStudioError
    from sticker_studio.formats.export import export_sticker
    from sticker_studio.formats.readers import read_sticker
    from sticker_studio.formats.targets import TARGETS

    source = sample_path(args.sample)
    sticker = read_sticker(source)
    print(f"sample {source.name}: {sticker}")
    rows = [("target", "file", "bytes", "budget", "quality", "seconds", "ok")]
    failures = 0
    start = time.perf_counter()
    for name, target in TARGETS.items():
        out = args.out / f"{args.sample}.{name}{target.extension}"
        try:
            report = export_sticker(sticker, target, out)
            rows.append((name, str(out), f"{report.byte_size:,}", f"{target.max_bytes:,}", report.quality,
                         f"{report.seconds:.2f}", "yes"))
        except StickerStudioError as error:
            failures += 1
            rows.append((name, "-", "-", f"{target.max_bytes:,}", str(error)[:60], "-", "NO"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    print(f"{len(TARGETS) - failures}/{len(TARGETS)} targets ok in {time.perf_counter() - start:.1f} s -> {args.out}/")
    return 0 if failures == 0 else 1
