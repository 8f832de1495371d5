"""`sticker-studio validate FILE --target NAME`: exit 0 if valid, 1 with one line per broken rule."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("validate", help="check a file against a messenger's rules")
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument("--target", "-t", required=True, metavar="NAME",
                        help="messenger target (see `sticker-studio targets`)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sticker_studio.formats.targets import get_target
    from sticker_studio.formats.validate import validate_file

    target = get_target(args.target)
    violations = validate_file(args.file, target)
    if not violations:
        print(f"{args.file}: valid for {target.name}")
        return 0
    for violation in violations:
        print(f"{violation.rule}: {violation.message}")
    return 1
