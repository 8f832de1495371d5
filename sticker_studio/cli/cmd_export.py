"""`sticker-studio export` (placeholder until formats (issue 2) lands; replace this whole module)."""

from __future__ import annotations

import argparse

from sticker_studio.core.errors import StickerStudioError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="(not available yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise StickerStudioError("'export' is not available in this build yet")
