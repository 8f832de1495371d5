"""`sticker-studio bench puppet`: rig time, deformation + raster per frame, a 24-frame sticker."""

from __future__ import annotations

import argparse

from sticker_studio.cli.puppet_eval import add_arguments as _add
from sticker_studio.cli.puppet_eval import run_bench


def add_arguments(parser: argparse.ArgumentParser) -> None:
    _add(parser)


def run(args: argparse.Namespace) -> int:
    return run_bench(args)
