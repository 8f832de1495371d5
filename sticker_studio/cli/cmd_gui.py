"""`sticker-studio gui [FILE] [--screenshot PATH]`: the desktop app.

With no arguments at all, `sticker-studio` runs this too. Qt is imported inside the
handler, so the other subcommands never load it.
"""

from __future__ import annotations

import argparse
from pathlib import Path


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "gui",
        help="open the desktop app (default when no command is given)",
        description="Open Sticker Studio. FILE is an image/animation to add to the pack, or a pack folder.",
    )
    parser.add_argument("file", nargs="?", type=Path, help="image, animation or pack folder to open")
    parser.add_argument("--pack", type=Path, default=None, help="pack folder to open (created if missing)")
    parser.add_argument("--screenshot", type=Path, default=None, metavar="PATH",
                        help="render the window at 1280x800 into PATH (PNG) and exit; "
                             "works offscreen with QT_QPA_PLATFORM=offscreen")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from sticker_studio.ui.app import run_gui

    return run_gui(args.file, screenshot=args.screenshot, pack_folder=args.pack)
