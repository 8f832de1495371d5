"""`sticker-studio export IN --target NAME -o OUT`: fit, write, validate; exit 0 only if OUT passes."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="fit a sticker to a messenger's rules and write it")
    parser.add_argument("input", type=Path, metavar="IN", help="any file `convert` reads")
    parser.add_argument("--target", "-t", required=True, metavar="NAME",
                        help="messenger target (see `sticker-studio targets`)")
    parser.add_argument("-o", "--output", type=Path, default=None, metavar="OUT",
                        help="output file (default: IN's name with the target's extension)")
    parser.add_argument("--pixel-art", dest="pixel_art", action=argparse.BooleanOptionalAction, default=None,
                        help="scale by whole multiples, nearest-neighbour, palette kept (default: detected)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sticker_studio.core.atomic import check_output
    from sticker_studio.formats.export import check_extension, export_sticker
    from sticker_studio.formats.readers import read_sticker
    from sticker_studio.formats.targets import get_target
    from sticker_studio.formats.validate import ExportValidationError

    target = get_target(args.target)
    out = args.output or args.input.with_name(f"{args.input.stem}.{target.name}{target.extension}")
    check_extension(target, out)
    check_output(out, args.input)
    sticker = read_sticker(args.input)
    if args.pixel_art is not None:
        sticker.metadata["pixel_art"] = bool(args.pixel_art)
    try:
        report = export_sticker(sticker, target, out)
    except ExportValidationError as error:
        for violation in error.violations:
            print(f"{violation.rule}: {violation.message}", file=sys.stderr)
        print(f"sticker-studio: {out} was not written: it breaks {len(error.violations)} {target.name} rule(s)",
              file=sys.stderr)
        return 1
    extra = f"; {'; '.join(report.notes)}" if report.notes else ""
    print(f"{report.path}: {target.name} ok, {report.width}x{report.height}, {report.frame_count} frames, "
          f"{report.duration_ms} ms, {report.byte_size:,} / {target.max_bytes:,} B, {report.quality}, "
          f"{report.seconds:.2f} s{extra}")
    return 0
