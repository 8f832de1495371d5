"""`sticker-studio pack create|add|list|export`: the app's pack folders from the command line.

The folder is the same pack store the app opens (:mod:`sticker_studio.core.pack.pack`).
``pack export`` runs :func:`sticker_studio.formats.pack_export.export_sticker_pack`:
exit 0 only when every target's pack is valid and written; otherwise exit 2 with the
reasons, and nothing under OUT changed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sticker_studio.core.errors import InvalidInputError
from sticker_studio.core.progress import ProgressCallback


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("pack", help="make a sticker pack folder and export it for messengers")
    actions = parser.add_subparsers(dest="pack_action", metavar="ACTION", required=True)

    create = actions.add_parser("create", help="make a new, empty pack folder")
    create.add_argument("folder", type=Path, metavar="DIR")
    create.add_argument("--title", required=True, help="the pack's title")
    create.add_argument("--author", "--publisher", dest="publisher", default="", metavar="NAME",
                        help="author / publisher shown by messengers (WhatsApp, Signal)")
    create.add_argument("--subject-size", dest="subject_size", type=float, default=None, metavar="F",
                        help="fraction of the canvas the subject takes in the pack's motion-animated stickers,"
                             " 0.3 to 1.0 (default 0.8; like animate --subject-size)")
    create.set_defaults(func=run_create)

    add = actions.add_parser("add", help="add a sticker file to a pack")
    add.add_argument("folder", type=Path, metavar="DIR")
    add.add_argument("file", type=Path, metavar="FILE", help="any file `convert` reads (a still or an animation)")
    add.add_argument("--emoji", action="append", default=None, metavar="E",
                     help="an emoji for the sticker (repeat for up to 3; default: suggested from the"
                          " sticker's subject, prompt, motion and name, else 🙂)")
    add.add_argument("--name", default=None, metavar="N", help="the sticker's name (default: the file's stem)")
    add.add_argument("--motion", "-m", default=None, metavar="M",
                     help="animate FILE (a still drawing) with this motion first, at the pack's subject size: a"
                          " character motion (wave, blink, hop...; rigged automatically or --rig) or a whole-body"
                          " preset; the pack keeps the drawing, the rig and the motion (presets also export as"
                          " vector .tgs stickers)")
    add.add_argument("--pixel-art", dest="pixel_art", action=argparse.BooleanOptionalAction, default=None,
                     help="export it as pixel art (nearest, whole multiples) or never; default: detected")
    from sticker_studio.cli import pack_character

    pack_character.add_arguments(add)
    add.set_defaults(func=run_add)

    edit = actions.add_parser("set", help="change a pack's title or author")
    edit.add_argument("folder", type=Path, metavar="DIR")
    edit.add_argument("--title", default=None, help="the pack's new title")
    edit.add_argument("--author", "--publisher", dest="publisher", default=None, metavar="NAME",
                      help="author / publisher shown by messengers (empty to clear)")
    edit.set_defaults(func=run_set)

    lst = actions.add_parser("list", help="list the stickers of a pack")
    lst.add_argument("folder", type=Path, metavar="DIR")
    lst.set_defaults(func=run_list)

    export = actions.add_parser("export", help="export the pack: one folder per messenger, all valid or none")
    export.add_argument("folder", type=Path, metavar="DIR")
    export.add_argument("--target", "-t", action="append", required=True, metavar="NAME",
                        help="messenger target (repeat; see `sticker-studio targets`)")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="OUT", help="output folder")
    export.set_defaults(func=run_export)

    from sticker_studio.cli import cmd_publish

    cmd_publish.register(actions)


def run_create(args: argparse.Namespace) -> int:
    from sticker_studio.core.pack.pack import StickerPack
    from sticker_studio.core.pack.store import DEFAULT_SUBJECT_SIZE

    size = DEFAULT_SUBJECT_SIZE if args.subject_size is None else args.subject_size
    pack = StickerPack.create(args.folder, args.title, args.publisher, subject_size=size)
    print(f"{pack.folder}: new pack {pack.title!r}, subject size {pack.subject_size:g}")
    return 0


def run_set(args: argparse.Namespace) -> int:
    from sticker_studio.core.errors import InvalidInputError
    from sticker_studio.core.pack.pack import StickerPack

    if args.title is None and args.publisher is None:
        raise InvalidInputError("say what to change: --title and/or --author")
    pack = StickerPack.open(args.folder)
    try:
        if args.title is not None:
            pack.title = args.title
        if args.publisher is not None:
            pack.author = args.publisher
        pack.save()
    finally:
        pack.close()
    author = f" by {pack.author}" if pack.author else " (no author)"
    print(f"{pack.folder}: {pack.title!r}{author}")
    return 0


def run_add(args: argparse.Namespace) -> int:
    from sticker_studio.cli import pack_character
    from sticker_studio.core.pack.pack import StickerPack
    from sticker_studio.formats.readers import read_sticker

    pack = StickerPack.open(args.folder)
    sticker = read_sticker(args.file)
    from sticker_studio.core.drawing_size import check_drawing_size

    check_drawing_size(sticker, args.file.name)  # a tiny image: one line, before anything is cut or added
    if args.motion:  # a drawing on paper is cut out first, as animate does
        if not pack_character.is_character_motion(args.motion):
            from sticker_studio.cli.cmd_animate import _preset_or_none, unknown_motion_message

            if _preset_or_none(args.motion) is None:  # one line naming every motion, before any cutting out
                raise InvalidInputError(unknown_motion_message(args.motion))
        sticker = pack_character.drawing_for_motion(sticker, args.background)
    cut_note = ""
    if pack_character.is_character_motion(args.motion):
        sticker = pack_character.character_pack_sticker(sticker, args, pack.subject_size)
    elif args.motion:
        pack_character.refuse_character_only_options(args)
        from sticker_studio.core.motion.presets import animate, get_preset

        if sticker.frame_count > 1:
            raise InvalidInputError("--motion animates a still drawing; FILE is already animated")
        preset = get_preset(args.motion)
        sticker = animate(sticker.frames[0], preset.name, frames=preset.frames, fps=preset.fps, size=512,
                          subject_size=pack.subject_size, pixel_art=args.pixel_art)
    else:
        pack_character.refuse_character_only_options(args)
        sticker, cut_note = pack_character.still_for_pack(sticker, args.background)  # not a white square
    if args.pixel_art is not None:
        sticker.metadata["pixel_art"] = bool(args.pixel_art)
    entry = pack.add(sticker, name=args.name or args.file.stem, emojis=args.emoji)
    pack.save()
    kind = "still" if sticker.frame_count == 1 else f"{sticker.frame_count} frames"
    if cut_note:
        kind += f", {cut_note}"
    if sticker.metadata.get("character"):
        kind += f", character motion {sticker.metadata.get('motion')}"
    suggested = "" if args.emoji else " suggested"
    print(f"{pack.folder}: added {entry.name!r} ({kind}, {sticker.width}x{sticker.height},"
          f"{suggested} {' '.join(entry.emojis)}); {len(pack)} sticker(s)")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from sticker_studio.core.pack.pack import StickerPack

    pack = StickerPack.open(args.folder)
    author = f" by {pack.author}" if pack.author else ""
    print(f"{pack.title!r}{author}: {len(pack)} sticker(s), subject size {pack.subject_size:g}")
    for i, entry in enumerate(pack, start=1):
        s = entry.sticker
        kind = "still" if s.frame_count == 1 else f"{s.frame_count} frames, {s.total_duration_ms} ms"
        print(f"{i:3d}. {entry.name}  {' '.join(entry.emojis)}  {s.width}x{s.height}  {kind}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from sticker_studio.core.pack.pack import StickerPack
    from sticker_studio.formats.handoff import next_step
    from sticker_studio.formats.pack_export import PackExportError, export_sticker_pack

    pack = StickerPack.open(args.folder)
    try:
        report = export_sticker_pack(
            pack, args.target, args.output, progress=_progress_bar(len(pack) * len(args.target))
        )
    except PackExportError as error:
        for name, target in error.report.targets.items():
            for problem in target.all_problems():
                print(f"{name}: {problem}", file=sys.stderr)
        raise
    for name, target in report.targets.items():
        kind = "animated" if target.animated else "static"
        extra = ", ".join(target.extra_files)
        print(f"{target.folder}: {len(target.stickers)} {kind} sticker(s) valid for {name}"
              f"{'; ' + extra if extra else ''} ({target.seconds:.1f} s)")
        step = next_step(name)
        if step:
            print(f"  next: {step}")
    return 0


def _progress_bar(total: int) -> ProgressCallback | None:
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    bar = tqdm(total=total, unit="file", leave=False, disable=not sys.stderr.isatty())

    def progress(done: int, _total: int) -> None:
        bar.n = done
        bar.refresh()
        if done >= total:
            bar.close()

    return progress
