"""`sticker-studio animate` (placeholder until motion (issue 3) lands; replace this whole module)."""

from __future__ import annotations

import argparse

from sticker_studio.core.errors import StickerStudioError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("animate", help="(not available yet)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    raise StickerStudioError("'animate' is not available in this build yet")
