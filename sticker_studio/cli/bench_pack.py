"""`sticker-studio bench pack`: Check sizes + Export of a whole pack, as the Export dialog runs them.

The pack: 26 stickers made the way the app makes them - art-library subjects rendered
at 512x512 and animated with the motion presets in turn (16 frames, 1 s) - or the
stickers of an existing pack folder (``--pack DIR``). Targets: Telegram, WhatsApp and
Signal (``--targets``).

Timed, with a fresh fit cache:

1. **Check sizes** - :func:`~sticker_studio.formats.pack_export.fit_pack`: every sticker
   fitted to every target on every core (process pool);
2. **Export** - :func:`~sticker_studio.formats.pack_export.export_pack` right after:
   the fits come from the cache; writing, validating and the hand-off files remain.

``--baseline`` also times the old way on the same pack: Check sizes serially in one
process, then Export fitting every sticker again (no cache, serial). Prints the
machine's load (``os.getloadavg``) before and after, wall seconds, the CPU seconds
spent (fits in the workers, encoders included) and from those an estimate for an idle
2-core machine (pooled fits / 2 + the rest); asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sticker_studio.formats.pack_export import PackItem

#: Subjects of the built-in pack (art-library labels; missing ones are skipped).
SUBJECTS = (
    "grinning face", "cat face", "dog face", "ghost", "red heart", "pile of poo", "rocket", "sun", "fire", "star",
    "pizza", "frog", "unicorn", "panda", "penguin", "octopus", "crying face", "sleeping face", "smiling face with"
    " heart-eyes", "angry face", "waving hand", "thumbs up", "party popper", "birthday cake", "rainbow", "snowman",
    "t-rex", "hot beverage", "four leaf clover", "crown",
)
PACK_SIZE = 26


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pack", type=Path, default=None, metavar="DIR", help="use this pack folder's stickers")
    parser.add_argument("--targets", default="telegram,whatsapp,signal", help="comma-separated targets")
    parser.add_argument("--count", type=int, default=PACK_SIZE, help="stickers in the built-in pack (default 26)")
    parser.add_argument("--workers", type=int, default=None, help="pool workers (default: one per core)")
    parser.add_argument("--baseline", action="store_true",
                        help="also time the old way: serial Check sizes, then Export fitting again")
    parser.add_argument("--out", type=Path, default=None, help="keep the export in this folder")


def built_in_pack(count: int) -> list[PackItem]:
    """``count`` art-library subjects animated with the motion presets in turn."""
    from sticker_studio.core.motion.presets import animate, list_presets
    from sticker_studio.core.text.art_library import ArtLibrary
    from sticker_studio.formats.pack_export import PackItem
    from sticker_studio.formats.svg_render import render_svg

    library = ArtLibrary.load()
    entries = [e for e in (library.find(s) for s in SUBJECTS) if e is not None]
    entries += [e for e in library.entries if e not in entries][: max(0, count - len(entries))]
    motions = [p.name for p in list_presets()]
    items = []
    for i, entry in enumerate(entries[:count]):
        motion = motions[i % len(motions)]
        sticker = animate(render_svg(library.svg(entry), 512), motion, size=512)
        items.append(PackItem(f"{entry.label} {motion}", (entry.emoji,), sticker))
    return items


def pack_items(folder: Path) -> tuple[list[PackItem], str]:
    from sticker_studio.core.pack.pack import StickerPack
    from sticker_studio.formats.pack_export import items_from_pack

    pack = StickerPack.open(folder, read_only=True)
    try:
        return items_from_pack(pack), pack.title
    finally:
        pack.close()


def _load() -> str:
    try:
        return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        return "load n/a"


def run(args: argparse.Namespace) -> int:
    from sticker_studio.formats.fit_pool import FitCache, cpu_seconds, default_workers
    from sticker_studio.formats.pack_export import PackExportError, export_pack, fit_pack

    targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    t0 = time.perf_counter()
    if args.pack is not None:
        items, title = pack_items(args.pack)
    else:
        items, title = built_in_pack(args.count), "Bench pack"
    frames = sum(i.sticker.frame_count for i in items)
    print(f"pack: {len(items)} stickers ({frames} frames, {items[0].sticker.width}x{items[0].sticker.height}),"
          f" made in {time.perf_counter() - t0:.1f} s; targets {', '.join(targets)}")
    print(f"cores: {os.cpu_count()}, workers: {args.workers or default_workers()}; before: {_load()}", flush=True)
    out = args.out or Path(tempfile.mkdtemp(prefix="sticker-studio-bench-pack-"))
    print(f"{'run':34s} {'check sizes':>11s} {'export':>8s} {'together':>9s} {'CPU s':>7s}"
          f" {'idle 2-core est.':>16s}  result", flush=True)

    def row(name: str, check: float, export: float, cpu_check: float, cpu_export: float, written: str) -> None:
        # on an idle 2-core machine: the pooled fits spread over both cores, the rest runs on one
        cores = 2 if "pool" in name else 1
        estimate = cpu_check / cores + cpu_export
        print(f"{name:34s} {check:9.1f} s {export:6.1f} s {check + export:7.1f} s {cpu_check + cpu_export:7.1f}"
              f" {estimate:14.1f} s  {written}", flush=True)

    try:
        cache = FitCache()
        stats: dict[str, object] = {}
        t0 = time.perf_counter()
        fit_pack(items, targets, workers=args.workers, cache=cache, stats=stats)
        check = time.perf_counter() - t0
        cpu_check = float(stats.get("cpu_seconds", 0.0))  # type: ignore[arg-type]
        t0, c0 = time.perf_counter(), cpu_seconds()
        try:
            report = export_pack(items, targets, out / "new", title=title, workers=args.workers, cache=cache)
            written = f"{sum(len(r.stickers) for r in report.targets.values())} files valid"
        except PackExportError as error:
            written = f"NOT written: {error}"[:120]
        export, cpu_export = time.perf_counter() - t0, cpu_seconds() - c0
        row(f"new ({stats.get('mode')}, {stats.get('workers')} workers, cache)", check, export, cpu_check,
            cpu_export, written)
        if args.baseline:
            t0, c0 = time.perf_counter(), cpu_seconds()
            fit_pack(items, targets, workers=1, cache=None)
            check_old, cpu_old = time.perf_counter() - t0, cpu_seconds() - c0
            t0, c0 = time.perf_counter(), cpu_seconds()
            try:
                export_pack(items, targets, out / "old", title=title, workers=1, cache=None)
                written = "valid"
            except PackExportError as error:
                written = f"NOT written: {error}"[:120]
            row("old (serial, fits again)", check_old, time.perf_counter() - t0, cpu_old, cpu_seconds() - c0,
                written)
    finally:
        if args.out is None:
            shutil.rmtree(out, ignore_errors=True)
    print(f"after: {_load()}")
    return 0
