"""`sticker-studio demo`: a small showcase, start to finish, in one folder.

1. library characters made from text prompts that move like characters (an arm waves, the
   eyes blink, the mouth talks, a hop with squash; the two-stage path of `generate`:
   :mod:`sticker_studio.engine.generate.two_stage`, the art rigged automatically);
2. a bundled sample drawing: as drawn, in a character motion its automatic rig supports
   (blink, talk, hop...), and in whole-body motion presets;
3. a pack of them (``OUT/pack``, a pack folder the app opens) exported to every
   messenger target with :mod:`sticker_studio.formats.pack_export` (``OUT/export/<target>/``).

The demo never uses the learned generator (its text-to-animation is experimental: it has not
cleared the adherence bar). The pack has 8 stickers (LINE sells packs of exactly 8, 16 or 24).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

#: Prompts made through the two-stage path, each a character motion on library art, with an emoji.
DEMO_PROMPTS: tuple[tuple[str, str], ...] = (
    ("a ballet dancer waving hello", "👋"), ("a teddy bear blinking", "😉"), ("a genie talking", "💬"),
    ("a frog hopping", "🐸"),
)
#: Character motions tried on the sample drawing, first one its rig supports.
SAMPLE_CHARACTER_MOTIONS: tuple[tuple[str, str], ...] = (
    ("wave", "👋"), ("blink", "😉"), ("talk", "💬"), ("hop", "🐇"),
)
#: Whole-body presets the drawing is shown in (the first ones are used), with an emoji each.
DEMO_MOTIONS: tuple[tuple[str, str], ...] = (
    ("bounce", "🏀"), ("wobble", "🙃"), ("float", "🎈"), ("jelly", "🍮"), ("spin", "🌀"),
    ("heartbeat", "❤️"), ("tada", "🎉"), ("swing", "🎐"),
)
PACK_SIZE = 8


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="showcase: characters from text, a drawing in character and whole-body motions, "
                     "a pack exported to every target"
    )
    parser.add_argument("--sample", default="bounce", help="file stem in resources/samples (default: bounce)")
    parser.add_argument("--out", type=Path, default=Path("sticker-studio-demo"), metavar="DIR",
                        help="output folder (default: ./sticker-studio-demo/)")
    parser.add_argument("--prompt", action="append", default=None, metavar="TEXT",
                        help="a prompt for a text -> sticker (repeatable; default: a waving dancer, a blinking "
                             "teddy bear, a talking genie, a hopping frog)")
    parser.add_argument("--no-generate", dest="generate", action="store_false",
                        help="skip the text -> sticker characters (the pack is filled with more motions)")
    parser.add_argument("--size", type=int, default=512, help="canvas side of the animated stickers (default 512)")
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


def text_sticker(prompt: str, size: int) -> tuple[str, object]:
    """One sticker from ``prompt`` by the two-stage path (library art + character motion): (label, sticker)."""
    from sticker_studio.engine.generate.two_stage import MotionOptions, generate_two_stage

    result = generate_two_stage(prompt, MotionOptions(seed=0), size=size, allow_weak=False)
    return result.label(), result.sticker


def sample_character(drawing: np.ndarray) -> tuple[str, str, object] | None:
    """The sample drawing in the first character motion its automatic rig supports: (motion, emoji, sticker)."""
    from sticker_studio.core.puppet import animate_character, available_motions
    from sticker_studio.engine.rig.auto import auto_rig

    rig = auto_rig(drawing)
    playable = set(available_motions(rig))
    for motion, emoji in SAMPLE_CHARACTER_MOTIONS:
        if motion in playable:
            return motion, emoji, animate_character(drawing, rig, motion)
    return None


def run(args: argparse.Namespace) -> int:
    from sticker_studio.core.errors import InvalidInputError, StickerStudioError
    from sticker_studio.core.motion.presets import animate
    from sticker_studio.core.pack.pack import StickerPack
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.formats.pack_export import PackExportError, export_sticker_pack
    from sticker_studio.formats.readers import read_sticker
    from sticker_studio.formats.targets import TARGETS

    start = time.perf_counter()
    source = sample_path(args.sample)
    sample = read_sticker(source)
    pack_dir, export_dir = args.out / "pack", args.out / "export"
    if (pack_dir / "pack.json").exists():
        raise InvalidInputError(f"{pack_dir} already holds a demo pack; choose another --out or move it")
    stickers: list[tuple[str, tuple[str, ...], Sticker]] = []
    if args.generate:
        t0 = time.perf_counter()
        prompts = [(p, "✨") for p in args.prompt] if args.prompt else list(DEMO_PROMPTS)
        for prompt, emoji in prompts[: PACK_SIZE - 3]:
            try:
                label, made = text_sticker(prompt, args.size)
            except StickerStudioError as error:
                print(f"sticker-studio: warning: no sticker for {prompt!r} ({error}); using another motion instead",
                      file=sys.stderr)
                continue
            if not isinstance(made, Sticker):
                continue
            stickers.append((label[:60], (emoji,), made))
            print(f"made {label}: {made}")
        print(f"made {len(stickers)} text -> sticker characters in {time.perf_counter() - t0:.1f} s")
    drawing = sample.frames[0]
    t0 = time.perf_counter()
    try:
        character = sample_character(drawing)
    except StickerStudioError as error:
        character = None
        print(f"sticker-studio: warning: the sample's rig failed ({error}); whole-body motions only", file=sys.stderr)
    if character is not None:
        motion, emoji, moved = character
        if isinstance(moved, Sticker):
            stickers.append((f"drawing {motion}", (emoji,), moved))
            print(f"animated the drawing with the character motion {motion} in {time.perf_counter() - t0:.1f} s")
    else:
        print("the sample's automatic rig supports none of: "
              f"{', '.join(m for m, _ in SAMPLE_CHARACTER_MOTIONS)}; whole-body motions only")
    stickers.append((f"{source.stem} (as drawn)", ("🙂",), sample))
    t0 = time.perf_counter()
    motions = DEMO_MOTIONS[: PACK_SIZE - len(stickers)]
    for motion, emoji in motions:
        stickers.append((f"drawing {motion}", (emoji,), animate(drawing, motion, size=args.size)))
    print(f"animated the drawing in {len(motions)} motions in {time.perf_counter() - t0:.1f} s")
    pack = StickerPack.create(pack_dir, "Sticker Studio demo", "Sticker Studio")
    for name, emojis, sticker in stickers:
        pack.add(sticker, name=name, emojis=emojis)
    pack.save()
    try:
        report = export_sticker_pack(pack, list(TARGETS), export_dir)
    except PackExportError as error:
        for name, target in error.report.targets.items():
            for problem in target.all_problems():
                print(f"{name}: {problem}", file=sys.stderr)
        raise
    rows = [("target", "folder", "stickers", "largest", "budget", "seconds")]
    for name, target in report.targets.items():
        largest = max(s.byte_size for s in target.stickers)
        rows.append((name, str(target.folder), f"{len(target.stickers)} {'animated' if target.animated else 'static'}",
                     f"{largest:,}", f"{TARGETS[name].max_bytes:,}", f"{target.seconds:.1f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip())
    print(f"{len(report.targets)}/{len(TARGETS)} targets ok: pack {pack_dir}/ (open it in the app),"
          f" export {export_dir}/, {time.perf_counter() - start:.1f} s in all")
    return 0
