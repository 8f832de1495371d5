"""`sticker-studio bench engine` (placeholder; replace this whole module)."""

from __future__ import annotations

import argparse

from sticker_studio.core.errors import StickerStudioError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    pass


def run(args: argparse.Namespace) -> int:
    raise StickerStudioError("'bench engine' is not available in this build yet")
