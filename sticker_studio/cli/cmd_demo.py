"""`sticker-studio demo`: a small showcase, start to finish, in one folder.

1. library characters made from text prompts that move like characters (an arm waves, the
   eyes blink, the mouth talks, a hop with squash): the two-stage path of `generate`
   (:mod:`sticker_studio.engine.generate.two_stage`, the art rigged automatically);
2. a bundled sample drawing in a character motion its automatic rig supports (wave, blink,
   talk, hop), as drawn, and in whole-body motion presets;
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
from typing import TYPE_CHECKING, Any

from sticker_studio.core.progress import ProgressCallback

if TYPE_CHECKING:
    import numpy as np

    from sticker_studio.core.sticker import Sticker

#: Prompts made through the two-stage path, each a character motion on library art, with an emoji.
DEMO_PROMPTS: tuple[tuple[str, str], ...] = (
    ("a ballet dancer waving hello", "👋"), ("a teddy bear blinking", "😉"), ("a genie talking", "💬"),
    ("a frog hopping", "🐸"),
)
#: Character motions tried on the sample drawing, the first one its rig supports.
SAMPLE_CHARACTER_MOTIONS: tuple[tuple[str, str], ...] = (
    ("wave", "👋"), ("blink", "😉"), ("talk", "💬"), ("hop", "🐇"),
)
#: Whole-body presets the drawing is shown in (the first ones are used), with an emoji each.
DEMO_MOTIONS: tuple[tuple[str, str], ...] = (
    ("bounce", "🏀"), ("wobble", "🙃"), ("float", "🎈"), ("jelly", "🍮"), ("spin", "🌀"),
    ("heartbeat", "❤️"), ("tada", "🎉"), ("swing", "🎐"),
)
PACK_SIZE = 8
DEFAULT_OUT = "sticker-studio-demo"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo", help="showcase: characters from text, a drawing in character and whole-body motions, "
                     "a pack exported to every target"
    )
    parser.add_argument("--sample", default="bounce", help="file stem in resources/samples (default: bounce)")
    parser.add_argument("--out", "-o", type=Path, default=Path(DEFAULT_OUT), metavar="DIR",
                        help=f"output folder (default: ./{DEFAULT_OUT}/ in the current folder)")
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


def sample_character(drawing: np.ndarray) -> tuple[str, str, Sticker] | None:
    """The sample drawing in the first character motion its automatic rig supports: (motion, emoji, sticker)."""
    from sticker_studio.core.puppet import animate_character, available_motions
    from sticker_studio.engine.rig.auto import auto_rig

    rig = auto_rig(drawing)
    playable = set(available_motions(rig, drawing))
    for motion, emoji in SAMPLE_CHARACTER_MOTIONS:
        if motion in playable:
            return motion, emoji, animate_character(drawing, rig, motion)
    return None


def run(args: argparse.Namespace) -> int:
    # the bar comes first: loading torch and the model takes a while on a first run
    from tqdm import tqdm

    from sticker_studio.core.errors import InvalidInputError

    start = time.perf_counter()
    out: Path = args.out
    pack_dir, export_dir = out / "pack", out / "export"
    source = sample_path(args.sample)  # a user's mistake is one error line, before any progress
    if (pack_dir / "pack.json").exists():
        raise InvalidInputError(f"{pack_dir} already holds a demo pack; choose another --out or move it")
    print(f"Sticker Studio demo: writing to {out.resolve()}/ (a few minutes on a CPU)", flush=True)
    stages = (["text"] if args.generate else []) + ["animate", "pack", "export"]
    with tqdm(total=len(stages), desc="demo", unit="stage", file=sys.stderr, dynamic_ncols=True,
              bar_format="{desc}: {n}/{total} stages |{bar}| {elapsed}{postfix}") as bar:
        bar.set_postfix_str("loading the sample")
        code = _run_stages(args, bar, source, pack_dir, export_dir)
    print(f"Done in {time.perf_counter() - start:.0f} s. Look at:")
    print(f"  {pack_dir.resolve()}/  the pack (open it: {open_command(pack_dir)})")
    print(f"  {export_dir.resolve()}/<target>/  the same pack ready for each messenger")
    return code


def open_command(pack_dir: Path) -> str:
    """The command that opens the demo pack, quoted for a shell ("demo out/pack" has a space)."""
    import shlex

    return f"sticker-studio gui {shlex.quote(str(pack_dir))}"


def _run_stages(args: argparse.Namespace, bar: Any, source: Path, pack_dir: Path, export_dir: Path) -> int:
    from sticker_studio.core.errors import StickerStudioError
    from sticker_studio.core.motion.presets import animate
    from sticker_studio.core.pack.pack import StickerPack
    from sticker_studio.core.sticker import Sticker
    from sticker_studio.formats.pack_export import PackExportError, export_sticker_pack
    from sticker_studio.formats.readers import read_sticker
    from sticker_studio.formats.targets import TARGETS

    def step(label: str) -> ProgressCallback:
        return lambda done, total: bar.set_postfix_str(f"{label} {done}/{total}")

    sample = read_sticker(source)
    stickers: list[tuple[str, tuple[str, ...], Sticker]] = []
    if args.generate:
        t0 = time.perf_counter()
        prompts = [(p, "✨") for p in args.prompt] if args.prompt else list(DEMO_PROMPTS)
        for i, (prompt, emoji) in enumerate(prompts[: PACK_SIZE - 3]):
            bar.set_postfix_str(f"text -> sticker: {prompt!r} {i + 1}/{min(len(prompts), PACK_SIZE - 3)}")
            try:
                label, made = text_sticker(prompt, args.size)
            except StickerStudioError as error:
                bar.write(f"sticker-studio: warning: no sticker for {prompt!r} ({error}); using another motion "
                          "instead", file=sys.stderr)
                continue
            if isinstance(made, Sticker):
                stickers.append((label[:60], (emoji,), made))
                bar.write(f"made {label}: {made}")
        bar.write(f"made {len(stickers)} text -> sticker characters in {time.perf_counter() - t0:.1f} s")
        bar.update()
    drawing = sample.frames[0]
    t0 = time.perf_counter()
    bar.set_postfix_str("rigging the drawing")
    try:
        character = sample_character(drawing)
    except StickerStudioError as error:
        character = None
        bar.write(f"sticker-studio: warning: the drawing's rig failed ({error}); whole-body motions only",
                  file=sys.stderr)
    if character is not None:
        motion, emoji, moved = character
        stickers.append((f"drawing {motion}", (emoji,), moved))
        bar.write(f"animated the drawing with the character motion {motion} in {time.perf_counter() - t0:.1f} s")
    else:
        bar.write("the drawing's automatic rig supports none of "
                  f"{', '.join(m for m, _ in SAMPLE_CHARACTER_MOTIONS)}; whole-body motions only")
    stickers.append((f"{source.stem} (as drawn)", ("🙂",), sample))
    t0 = time.perf_counter()
    motions = DEMO_MOTIONS[: PACK_SIZE - len(stickers)]
    for i, (motion, emoji) in enumerate(motions):
        bar.set_postfix_str(f"animating: {motion} {i + 1}/{len(motions)}")
        stickers.append((f"drawing {motion}", (emoji,), animate(drawing, motion, size=args.size)))
    bar.write(f"animated the drawing in {len(motions)} motions in {time.perf_counter() - t0:.1f} s")
    bar.update()
    bar.set_postfix_str("saving the pack")
    pack = StickerPack.create(pack_dir, "Sticker Studio demo", "Sticker Studio")
    for name, emojis, sticker in stickers:
        pack.add(sticker, name=name, emojis=emojis)
    pack.save()
    bar.update()
    try:
        report = export_sticker_pack(pack, list(TARGETS), export_dir,
                                     progress=step(f"exporting to {len(TARGETS)} targets"))
    except PackExportError as error:
        for name, target in error.report.targets.items():
            for problem in target.all_problems():
                bar.write(f"{name}: {problem}", file=sys.stderr)
        raise
    bar.update()
    bar.set_postfix_str("")
    rows = [("target", "folder", "stickers", "largest", "budget", "seconds")]
    for name, target in report.targets.items():
        largest = max(s.byte_size for s in target.stickers)
        rows.append((name, str(target.folder), f"{len(target.stickers)} {'animated' if target.animated else 'static'}",
                     f"{largest:,}", f"{TARGETS[name].max_bytes:,}", f"{target.seconds:.1f}"))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=False)).rstrip() for row in rows]
    lines.append(f"{len(report.targets)}/{len(TARGETS)} targets ok")
    for line in lines:
        bar.write(line, file=sys.stdout)
    return 0
