"""Argument types shared by the commands: finite numbers in a range, or one line and exit 2.

``float("nan")`` parses, and ``nan`` fails every comparison, so a plain range check
lets it through; ``--frames 0`` must not silently become a preset's default; a
``--seed`` must fit the 64 bits a generator seeds from. Each type here rejects what
the command cannot honour *before* anything is decoded or allocated.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

#: The fastest frame rate any command writes (WebM's cap; GIF plays at most 50).
MAX_FPS = 60.0
#: The largest square side `animate` / `generate` render (messengers take 512).
MAX_SIDE = 1024
#: The most frames `animate` renders (a 10 s loop at 30 fps).
MAX_MOTION_FRAMES = 300
#: Seeds are unsigned 64-bit (torch.Generator.manual_seed, numpy).
MAX_SEED = 2**64 - 1


def finite_float(low: float, high: float, *, low_open: bool = False) -> Callable[[str], float]:
    """A float in ``[low, high]`` (``(low, high]`` with ``low_open``), never nan or inf."""
    shown = f"{'(' if low_open else '['}{low:g}, {high:g}]"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number; use a value in {shown}")
        if value > high or value < low or (low_open and value == low):
            raise argparse.ArgumentTypeError(f"{value:g} is out of range; use a value in {shown}")
        return value

    return parse


def int_in(low: int, high: int) -> Callable[[str], int]:
    """An integer in ``[low, high]``."""

    def parse(text: str) -> int:
        try:
            value = int(text, 0) if text.lower().startswith(("0x", "0o", "0b")) else int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is out of range; use a whole number from {low} to {high}")
        return value

    return parse


fps_type = finite_float(0.0, MAX_FPS, low_open=True)
side_type = int_in(16, MAX_SIDE)
seed_type = int_in(0, MAX_SEED)


def passed_through(args: argparse.Namespace, *names: str) -> dict[str, Any]:
    """The options ``names`` as keyword arguments of the same names, for a call whose
    parameters are named like the command's options (``**passed_through(args, "size")``)."""
    return {name: getattr(args, name) for name in names}
